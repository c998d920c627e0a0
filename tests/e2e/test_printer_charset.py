"""Issue 8, item 4 — kind: every text sent to a device fits that device's
character set. The input from the field: `¥` and `•` in ticket text went to
the printer as GB18030 four-byte codes, which a GBK-only printer prints as
garbage (node-escpos #332).

A printer's `charset` (`gb18030`, `gbk` — the default —, `gb2312`, `ascii`)
decides how ticket text is encoded; a character outside it is printed as a
documented stand-in (`¥`→`￥`, `•`→`·`, else `Y`, `*`, `?`), and
`tingwu check-config` warns, naming the field and the character. The
printing tests run on the emupos emulator (test_printer.py's fixtures).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import HOST, wait_for
from test_printer import printers, start_emupos  # noqa: F401  (fixture)

NOTICE = "工本费 ¥20 • 现场缴纳"
FOUR_BYTE_YEN = "¥".encode("gb18030")  # 81 30 84 36


def receipt_bytes(emulator, ticket_id: str) -> list[bytes]:
    """The receipt's lines as the printer's bytes (emupos dumps them through PC437)."""
    for r in emulator.receipts():
        dump = emulator.receipt_text(r["id"])
        if ticket_id in dump:
            return [line.encode("cp437", errors="replace") for line in dump.splitlines()]
    return []


def test_yen_and_bullet_print_on_a_gbk_printer(start_emupos, start_server,  # noqa: F811
                                               small_hall_config, supervisor):
    """No `charset` in the config: the default (GBK) printer gets `￥` and
    `·` as two-byte GBK codes, never a four-byte GB18030 code."""
    emulator = start_emupos()
    hall = small_hall_config
    hall["printers"] = [{"id": "P1", "kiosk": "K01", "address": f"{HOST}:{emulator.port}"}]
    hall["ticket"] = {"notices": [NOTICE]}
    server = start_server(hall)
    auth = supervisor(server).headers
    wait_for("printer P1 in service", lambda: printers(server, auth)["P1"]["in_service"])

    status, t = server.post_json("/api/v1/tickets", {"item": "general", "kiosk": "K01"}, server.kiosk_auth("K01"))
    assert status == 201 and t["print"]["status"] == "printed", t
    lines = wait_for("the ticket on the emulator", lambda: receipt_bytes(emulator, t["id"]))
    assert not any(FOUR_BYTE_YEN in line for line in lines), lines
    # Every line is plain GBK (Python's gbk codec has no four-byte codes).
    text = [line.decode("gbk") for line in lines]
    assert "工本费 ￥20 · 现场缴纳" in text, text


def test_gb18030_printer_keeps_the_yen_sign(start_emupos, start_server,  # noqa: F811
                                            small_hall_config, supervisor):
    emulator = start_emupos()
    hall = small_hall_config
    hall["printers"] = [{"id": "P1", "kiosk": "K01", "address": f"{HOST}:{emulator.port}",
                         "charset": "gb18030"}]
    hall["ticket"] = {"notices": [NOTICE]}
    server = start_server(hall)
    auth = supervisor(server).headers
    wait_for("printer P1 in service", lambda: printers(server, auth)["P1"]["in_service"])
    status, t = server.post_json("/api/v1/tickets", {"item": "general", "kiosk": "K01"}, server.kiosk_auth("K01"))
    assert status == 201 and t["print"]["status"] == "printed", t
    lines = wait_for("the ticket on the emulator", lambda: receipt_bytes(emulator, t["id"]))
    assert NOTICE in [line.decode("gb18030", errors="replace") for line in lines], lines


def test_check_config_warns_about_unprintable_ticket_text(tingwu_bin: Path, hall_toml,
                                                          small_hall_config):
    hall = small_hall_config
    hall["printers"] = [{"id": "P1", "kiosk": "K01", "address": "127.0.0.1:9100",
                         "charset": "gbk"}]
    hall["ticket"] = {"notices": ["请留意叫号屏幕", NOTICE]}
    path = hall_toml(hall, "hall.toml")
    result = subprocess.run([str(tingwu_bin), "check-config", str(path)], capture_output=True,
                            text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok"), result.stdout
    warnings = [l for l in result.stderr.splitlines() if l.startswith("warning")]
    assert len(warnings) == 2, result.stderr
    yen, bullet = warnings
    assert "P1" in yen and "ticket.notices[1]" in yen and "'¥' (U+00A5)" in yen, yen
    assert "'￥'" in yen and "gbk" in yen, yen
    assert "'•' (U+2022)" in bullet and "'·'" in bullet, bullet
