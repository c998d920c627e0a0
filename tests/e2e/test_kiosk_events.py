"""The kiosk page's events (issue 9, the kiosk page): an ID card read at
kiosk K01's reader — emulated on a socat pseudo-terminal pair as in
test_card_reader.py — reaches `GET /api/v1/kiosks/K01/events`, the feed the
kiosk page polls with its device password: the ticket it took, then a read
that took none with the reason (every window of the reader's item
disabled), each once, in order, with the holder masked and never in clear.
A wrong password is 401 `kiosk_unauthorized`, another kiosk's 403, and a
position from another epoch (a restarted server) is a reset. Skipped only
when socat is missing.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from zoneinfo import ZoneInfo

from helpers import make_id_number as id_number, wait_for
from test_card_reader import ReaderEmulator, basic_info_response, reader_view, text_block


def basic(kiosk: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{kiosk}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_card_reads_reach_the_kiosk_page_feed_masked(pty_pair, start_server, small_hall_config,
                                                     supervisor):
    reader_path, emu_path = pty_pair
    emulator = ReaderEmulator(emu_path)
    hall = small_hall_config
    # "tax" is served by windows 1, 2 (secondary) and 24 only.
    hall["card_readers"] = [{"id": "R1", "path": reader_path, "kiosk": "K01", "item": "tax"}]
    server = start_server(hall)
    sup = supervisor(server)
    kiosk = basic("K01", "pw-K01")

    status, body = server.get_json("/api/v1/kiosks/K01/events", basic("K01", "wrong"))
    assert (status, body["error"]["code"]) == (401, "kiosk_unauthorized"), body
    status, body = server.get_json("/api/v1/kiosks/K01/events")
    assert (status, body["error"]["code"]) == (401, "kiosk_unauthorized"), body
    status, body = server.get_json("/api/v1/kiosks/K9/events", kiosk)
    assert status == 404, body
    status, start = server.get_json("/api/v1/kiosks/K01/events", kiosk)
    assert status == 200, start
    assert start["events"] == [] and start["reset"] is False, start

    wait_for("the reader to connect", lambda: reader_view(server, sup.headers)["connected"])
    today = date.today()
    born = date(today.year - 40, 5, 6)
    idn = id_number("110101", born, "321")
    emulator.present(basic_info_response(text_block(
        "赵小燕", "2", "01", born, "北京市东城区某街道5号", idn, "北京市公安局东城分局",
        "20200101", "20400101")))

    def events_after(page: dict) -> list[dict]:
        status, body = server.get_json(
            f"/api/v1/kiosks/K01/events?since={page['seq']}&epoch={page['epoch']}", kiosk)
        assert status == 200, body
        assert body["reset"] is False, body
        return body["events"]

    (taken,) = wait_for("the card's ticket on the kiosk feed", lambda: events_after(start) or None)
    assert taken["type"] == "card_ticket", taken
    assert set(taken) == {"type", "seq", "ts", "payload"}, taken
    p = taken["payload"]
    masked = idn[:3] + "*" * 11 + idn[-4:]
    assert (p["id_masked"], p["name_masked"]) == (masked, "赵*燕"), p
    status, ticket = server.get_json(f"/api/v1/tickets/{p['ticket']}")
    assert status == 200, ticket
    assert (p["number"], p["item"], p["queue"]) == (ticket["number"], "tax", "C"), p
    assert p["people_ahead"] == 0 and p["print"] is None, p

    # Every window of "tax" disabled: the next read takes no ticket, and says why.
    for window in ("1", "2", "24"):
        status, body = server.put_json(f"/api/v1/windows/{window}/enabled",
                                       {"enabled": False, "reason": "test"}, sup.token)
        assert status == 200, body
    finds = emulator.no_card_finds
    wait_for("a find without a card", lambda: emulator.no_card_finds > finds)
    born2 = date(today.year - 30, 7, 8)
    idn2 = id_number("310104", born2, "654")
    emulator.present(basic_info_response(text_block(
        "钱多多", "1", "01", born2, "上海市徐汇区某路8号", idn2, "上海市公安局徐汇分局",
        "20210101", "20410101")))
    after_taken = {"seq": taken["seq"], "epoch": start["epoch"]}
    (refused,) = wait_for("the refusal on the kiosk feed", lambda: events_after(after_taken) or None)
    assert refused["type"] == "card_refused", refused
    assert refused["seq"] == taken["seq"] + 1, refused
    assert refused["payload"]["code"] == "no_open_window", refused
    assert refused["payload"]["id_masked"] == idn2[:3] + "*" * 11 + idn2[-4:], refused

    # From the start: both, once, in order. From another epoch: a reset.
    assert [e["type"] for e in events_after(start)] == ["card_ticket", "card_refused"]
    status, body = server.get_json(
        f"/api/v1/kiosks/K01/events?since=1&epoch={start['epoch'] - 1}", kiosk)
    assert status == 200 and body["reset"] is True and len(body["events"]) == 2, body
    status, body = server.get_json("/api/v1/kiosks/K01/events?since=abc", kiosk)
    assert (status, body["error"]["code"]) == (400, "bad_query"), body

    # The plain ID numbers and names never leave the reader's link.
    with server.http() as client:
        status, _, raw = client.request_raw(
            "GET", f"/api/v1/kiosks/K01/events?since=0&epoch={start['epoch']}", None, kiosk)
    assert status == 200
    text = raw.decode()
    for secret in (idn, idn2, "赵小燕", "钱多多"):
        assert secret not in text
        assert secret not in server.stderr_text()


def test_items_say_why_they_are_closed(start_server, small_hall_config):
    """`GET /api/v1/items` greys what takes no tickets now, with the reason a
    ticket request would get, in zh and en; and says which kiosks have a
    reader or a printer."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    start_h = (now.hour + 2) % 24
    end = "24:00" if start_h == 23 else f"{start_h + 1:02d}:00"
    hall = small_hall_config
    police = next(i for i in hall["items"] if i["id"] == "police")
    police["hours"] = [f"{start_h:02d}:00-{end}"]
    server = start_server(hall)
    status, body = server.get_json("/api/v1/items")
    assert status == 200, body
    items = {i["id"]: i for i in body["items"]}
    assert items["general"]["open"] is True and items["general"]["closed"] is None, items["general"]
    assert items["general"]["department_name"] == "综合受理", items["general"]
    assert items["general"]["direction"].startswith("请到 "), items["general"]
    closed = items["police"]
    assert closed["open"] is False, closed
    assert closed["closed"]["code"] == "item_closed", closed
    assert "不在办理时间" in closed["closed"]["zh"], closed
    assert "Not served at this time" in closed["closed"]["en"], closed
    status, refused = server.post_json("/api/v1/tickets", {"item": "police"}, basic("K01", "pw-K01"))
    assert (status, refused["error"]["code"]) == (409, closed["closed"]["code"]), refused
    status, kiosks = server.get_json("/api/v1/kiosks")
    assert status == 200, kiosks
    (k01,) = kiosks["kiosks"]
    assert (k01["card_reader"], k01["printer"]) == (False, False), k01
