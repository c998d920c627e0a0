"""Ticket printers (issue 4, acceptance 1 and 2, over TCP and a pseudo-terminal): a kiosk's ticket is
printed on the third-party ESC/POS emulator `emupos` (PyPI), which decodes
the text, the CODE128 barcode and the QR code; its injected faults raise and
clear the server's alarms and switch the kiosk to the SMS/QR fallback.

emupos needs Python 3.13; it runs in a subprocess of that interpreter
(`scripts/test-all` installs it). Without Python 3.13 and emupos the test is
skipped, naming what is missing.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from helpers import HOST, Server, free_port, wait_for


def python313s() -> list[str]:
    """Python 3.13 interpreters: `python3.13` on PATH (possibly a pyenv shim
    that does not run), then pyenv's own."""
    found = [shutil.which("python3.13")]
    found += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")),
                    reverse=True)
    return [p for p in found if p]


def runs(python: str, code: str) -> bool:
    try:
        return subprocess.run([python, "-c", code], capture_output=True,
                              timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class Emupos:
    """emupos with one printer `k1` on a TCP port, or on a pseudo-terminal that
    emupos creates itself (`serial: { pty: true }`), driven by its control API."""

    def __init__(self, python: str, workdir: Path, pty: bool = False):
        self.python = python
        self.workdir = workdir
        self.pty = pty
        self.port = free_port()
        self.api_port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = workdir / "emupos.log"
        self.serial_path: str | None = None  # the pty link emupos reports

    def start(self) -> "Emupos":
        cfg = self.workdir / "emupos.yaml"
        # emupos publishes its pty as $TMPDIR/emupos/<link>: keep it in the test's directory.
        connection = ("serial: { pty: true, link: k1 }" if self.pty
                      else f"tcp: {{ port: {self.port} }}")
        cfg.write_text(
            "schema: 1\n"
            f"api: {{ host: {HOST}, port: {self.api_port} }}\n"
            "devices:\n"
            "  - id: k1\n"
            "    type: printer\n"
            "    profile: xprinter-xp80t\n"
            "    connections:\n"
            f"      - {connection}\n"
            f"    receipts_dir: {self.workdir / 'receipts'}\n",
            encoding="utf-8")
        script = ("import sys; from emupos.cli.app import main; "
                  "sys.argv = ['emupos', 'run', '--config', sys.argv[1]]; main()")
        self.proc = subprocess.Popen(
            [self.python, "-c", script, str(cfg)], cwd=self.workdir,
            env={**os.environ, "TMPDIR": str(self.workdir)},
            stdout=open(self.log, "wb"), stderr=subprocess.STDOUT)

        def up():
            if self.proc.poll() is not None:
                pytest.fail(f"emupos exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                return self.api("GET", "/api/v1/devices")
            except OSError:
                return None
        devices = wait_for("emupos to start", up)
        if self.pty:
            self.serial_path = next(c["endpoint"] for d in devices if d["id"] == "k1"
                                    for c in d["connections"] if c["kind"] == "serial")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def api(self, method: str, path: str):
        req = urllib.request.Request(f"http://{HOST}:{self.api_port}{path}", method=method)
        with urllib.request.urlopen(req, timeout=5) as resp:
            body = resp.read()
        if not body:
            return True
        ctype = resp.headers.get("content-type", "")
        return json.loads(body) if "json" in ctype else body.decode("utf-8")

    def fault(self, name: str, active: bool) -> None:
        self.api("PUT" if active else "DELETE", f"/api/v1/devices/k1/faults/{name}")

    def receipts(self) -> list[dict]:
        return self.api("GET", "/api/v1/devices/k1/receipts")

    def receipt_text(self, receipt_id: str) -> str:
        return self.api("GET", f"/api/v1/devices/k1/receipts/{receipt_id}/text")

    def printed(self, ticket_id: str) -> list[str] | None:
        """The decoded lines of the receipt whose barcode is this ticket id."""
        for r in self.receipts():
            lines = gb18030_lines(self.receipt_text(r["id"]))
            if f"[barcode CODE128 {ticket_id}]" in lines:
                return lines
        return None


def gb18030_lines(dump: str) -> list[str]:
    """emupos has no Chinese font: it dumps each byte through the profile's
    code page (PC437). Encoding a line back to PC437 gives the printer's
    bytes, which are GB18030 between FS & and FS . ."""
    lines = []
    for line in dump.splitlines():
        try:
            lines.append(line.encode("cp437").decode("gb18030"))
        except (UnicodeEncodeError, UnicodeDecodeError):
            lines.append(line)
    return lines


def emupos_python() -> str:
    pythons = [p for p in python313s() if runs(p, "import sys")]
    if not pythons:
        pytest.skip("Python 3.13 not found (python3.13 or ~/.pyenv/versions/3.13*): "
                    "emupos needs it; scripts/test-all installs emupos with it")
    py = next((p for p in pythons if runs(p, "import emupos")), None)
    if py is None:
        pytest.skip(f"emupos is not installed for {pythons[0]}: run "
                    f"`{pythons[0]} -m pip install emupos` (scripts/test-all does)")
    return py


@pytest.fixture
def start_emupos(tmp_path: Path):
    """`start_emupos(pty=False)`: emupos with printer k1 on TCP, or on a
    pseudo-terminal it creates itself; stopped when the test ends."""
    python = emupos_python()
    started: list[Emupos] = []

    def start(pty: bool = False) -> Emupos:
        emu = Emupos(python, tmp_path, pty=pty)
        started.append(emu)
        return emu.start()

    yield start
    for emu in started:
        emu.stop()


def printers(server: Server, auth: dict[str, str]) -> dict[str, dict]:
    status, body = server.get_json("/api/v1/printers", auth)
    assert status == 200, body
    return {p["id"]: p for p in body["printers"]}


def test_kiosk_ticket_printed_faults_alarm_and_fallback(start_emupos, start_server,
                                                        small_hall_config, supervisor,
                                                        open_screen):
    emulator = start_emupos()
    hall = small_hall_config
    hall["printers"] = [{"id": "P1", "kiosk": "K01", "address": f"{HOST}:{emulator.port}",
                         "paper_width": 80}]
    hall["ticket"] = {"notices": ["请留意叫号屏幕"]}
    server = start_server(hall)
    token, auth = supervisor(server)

    status, body = server.get_json("/api/v1/alarms")
    assert status == 401, body

    wait_for("printer P1 in service", lambda: printers(server, auth)["P1"]["in_service"])
    assert server.alarms(auth) == {}
    dash = open_screen(server, f"/ws/dashboard?token={token}")
    snapshot = dash.first()
    assert snapshot["type"] == "snapshot" and snapshot["payload"]["alarms"] == [], snapshot

    def dash_shows(*wanted: tuple[str, bool]) -> None:
        """Waits until the dashboard stream has carried each (alarm id, active)."""
        def seen(_frame=None) -> bool:
            return all(any(f["type"] == "alarm" and f["payload"]["id"] == alarm_id
                           and f["payload"]["active"] is active for f in dash.frames)
                       for alarm_id, active in wanted)
        if not seen():
            dash.wait_for(seen)

    # Someone is already waiting, so people ahead is 1.
    server.issue(item="general")
    status, t = server.post_json("/api/v1/tickets", {"item": "general", "kiosk": "K01"}, server.kiosk_auth("K01"))
    assert status == 201, t
    assert t["print"] == {"printer": "P1", "status": "printed"}, t
    assert "fallback" not in t
    receipts = wait_for("the ticket on the emulator", emulator.receipts)
    assert len(receipts) == 1, receipts
    dump = emulator.receipt_text(receipts[0]["id"])
    lines = gb18030_lines(dump)
    text = "\n".join(lines)
    assert t["number"] in text, dump
    assert "测试政务服务大厅" in lines, lines
    assert "综合咨询" in lines, lines
    assert f"前面还有 {t['people_ahead']} 人等候" in lines and t["people_ahead"] == 1, lines
    assert "  1. 身份证" in lines, lines
    assert any(re.fullmatch(r"预计办理时间：\d\d:\d\d", l) for l in lines), lines
    assert "请留意叫号屏幕" in lines, lines
    # 23 windows serve queue A: the ticket names their areas.
    assert any(re.fullmatch(r"请到 \S+ 办理（共 23 个窗口）", l) for l in lines), lines
    barcodes = [l for l in lines if l.startswith("[barcode CODE128")]
    assert barcodes == [f"[barcode CODE128 {t['id']}]"], lines
    qrs = [l for l in lines if l.startswith("[qr ")]
    assert qrs == [f"[qr http://{HOST}:{server.http_port}/t/{t['id']}]"], lines

    # Paper near end: a warning, and printing goes on.
    emulator.fault("paper-near-end", True)
    warn = wait_for("the paper-near-end alarm",
                    lambda: server.alarms(auth).get("printer/P1/paper_near_end"))
    assert warn["severity"] == "warning" and warn["source"] == "printer/P1", warn
    assert warn["message_zh"] and warn["message_en"] and warn["raised_at"], warn
    dash_shows(("printer/P1/paper_near_end", True))
    status, t2 = server.post_json("/api/v1/tickets", {"item": "police", "kiosk": "K01"}, server.kiosk_auth("K01"))
    assert status == 201 and t2["print"]["status"] == "printed", t2
    lines = wait_for("the second ticket", lambda: emulator.printed(t2["id"]))
    assert "户籍办理" in lines and "请到 1号窗口、2号窗口 办理" in lines, lines
    assert "  1. 身份证" in lines and "  2. 户口簿" in lines, lines
    assert f"[barcode CODE128 {t2['id']}]" in lines, lines

    # Paper out: an error alarm, the printer is out of service and the kiosk
    # offers the QR/SMS ticket; the ticket itself is issued all the same.
    emulator.fault("paper-out", True)
    err = wait_for("the out-of-service alarm",
                   lambda: server.alarms(auth).get("printer/P1/out_of_service"))
    assert err["severity"] == "error", err
    assert "缺纸" in err["message_zh"], err
    dash_shows(("printer/P1/out_of_service", True))
    status, t3 = server.post_json("/api/v1/tickets",
                                  {"item": "general", "kiosk": "K01", "phone": "13800138000"},
                                  server.kiosk_auth("K01"))
    assert status == 201, t3
    assert t3["print"] == {"printer": "P1", "status": "out_of_service"}, t3
    assert t3["fallback"] == {"qr": f"/t/{t3['id']}", "sms": False}, t3
    assert server.ticket(t3["id"])["status"] == "waiting"

    # A new roll: the alarms clear and printing resumes.
    emulator.fault("paper-out", False)
    emulator.fault("paper-near-end", False)
    wait_for("alarms cleared", lambda: server.alarms(auth) == {} or None)
    assert printers(server, auth)["P1"]["in_service"]
    dash_shows(("printer/P1/out_of_service", False), ("printer/P1/paper_near_end", False))
    dash.close()
    status, t4 = server.post_json("/api/v1/tickets", {"item": "general", "kiosk": "K01"}, server.kiosk_auth("K01"))
    assert status == 201 and t4["print"]["status"] == "printed", t4
    wait_for("the fourth ticket printed", lambda: emulator.printed(t4["id"]))
    printed = [emulator.receipt_text(r["id"]) for r in emulator.receipts()]
    assert len(printed) == 3, printed
    assert not any(t3["id"] in text for text in printed), "printed while out of service"

    # Cover open: out of service again, and back when it is closed.
    emulator.fault("cover-open", True)
    err = wait_for("the cover-open alarm",
                   lambda: server.alarms(auth).get("printer/P1/out_of_service"))
    assert "cover" in err["message_en"], err
    status, t5 = server.post_json("/api/v1/tickets", {"item": "general", "kiosk": "K01"}, server.kiosk_auth("K01"))
    assert status == 201 and t5["print"]["status"] == "out_of_service" and t5["fallback"], t5
    emulator.fault("cover-open", False)
    wait_for("cover alarm cleared", lambda: server.alarms(auth) == {} or None)

    # Without a kiosk, or at a kiosk without a printer, nothing is printed.
    plain = server.issue(item="general")
    assert "print" not in plain and "fallback" not in plain


def test_unreachable_printer_raises_offline_alarm(start_server, small_hall_config, supervisor):
    hall = small_hall_config
    hall["printers"] = [{"id": "P1", "kiosk": "K01", "address": f"{HOST}:{free_port()}"}]
    server = start_server(hall)
    auth = supervisor(server).headers
    alarm = wait_for("the offline alarm",
                     lambda: server.alarms(auth).get("printer/P1/out_of_service"))
    assert alarm["severity"] == "error" and "offline" in alarm["message_en"], alarm
    status, t = server.post_json("/api/v1/tickets", {"item": "general", "kiosk": "K01"}, server.kiosk_auth("K01"))
    assert status == 201, t
    assert t["print"]["status"] == "out_of_service" and t["fallback"]["qr"] == f"/t/{t['id']}", t
    assert server.metrics().value("tingwu_device_errors_total", device="printer", id="P1",
                                  reason="connect") >= 1


def test_kiosk_ticket_printed_over_a_pseudo_terminal(start_emupos, start_server,
                                                     small_hall_config, supervisor):
    """The same printer on a serial line: emupos creates the pty itself and
    reports its path; the server opens it as `serial:<path>`."""
    emulator = start_emupos(pty=True)
    assert emulator.serial_path, "emupos reported no serial endpoint"
    hall = small_hall_config
    hall["printers"] = [{"id": "P1", "kiosk": "K01", "address": f"serial:{emulator.serial_path}",
                         "baud": 9600}]
    server = start_server(hall)
    auth = supervisor(server).headers

    wait_for("printer P1 in service", lambda: printers(server, auth)["P1"]["in_service"])
    assert server.alarms(auth) == {}
    server.issue(item="general")
    status, t = server.post_json("/api/v1/tickets", {"item": "general", "kiosk": "K01"}, server.kiosk_auth("K01"))
    assert status == 201, t
    assert t["print"] == {"printer": "P1", "status": "printed"}, t
    lines = wait_for("the ticket on the emulator", lambda: emulator.printed(t["id"]))
    assert t["number"] in "\n".join(lines), lines
    assert "综合咨询" in lines, lines
    assert f"前面还有 {t['people_ahead']} 人等候" in lines and t["people_ahead"] == 1, lines
    barcodes = [l for l in lines if l.startswith("[barcode CODE128")]
    assert barcodes == [f"[barcode CODE128 {t['id']}]"], lines
    qrs = [l for l in lines if l.startswith("[qr ")]
    assert qrs == [f"[qr http://{HOST}:{server.http_port}/t/{t['id']}]"], lines

    # Paper out over the serial line: out of service, the fallback, then back.
    emulator.fault("paper-out", True)
    err = wait_for("the out-of-service alarm",
                   lambda: server.alarms(auth).get("printer/P1/out_of_service"))
    assert err["severity"] == "error" and "缺纸" in err["message_zh"], err
    status, t2 = server.post_json("/api/v1/tickets", {"item": "general", "kiosk": "K01"}, server.kiosk_auth("K01"))
    assert status == 201 and t2["print"]["status"] == "out_of_service", t2
    assert t2["fallback"]["qr"] == f"/t/{t2['id']}", t2
    emulator.fault("paper-out", False)
    wait_for("alarm cleared", lambda: server.alarms(auth) == {} or None)
    assert printers(server, auth)["P1"]["in_service"]
    status, t3 = server.post_json("/api/v1/tickets", {"item": "general", "kiosk": "K01"}, server.kiosk_auth("K01"))
    assert status == 201 and t3["print"]["status"] == "printed", t3
    wait_for("the third ticket printed", lambda: emulator.printed(t3["id"]))
    assert emulator.printed(t2["id"]) is None, "printed while out of service"
