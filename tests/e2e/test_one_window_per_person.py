"""Issue 8, item 11 — kind: *one person in two places* (a staff member logged
in at two windows at once). Rule: a person is at one window at a time, hall
wide; a second login elsewhere is refused with the terminal reply code
`staff_elsewhere` (naming the window they are at) until they log out there.
Every login path (MQTT terminal, RS-485, caller page) goes through it.
"""

from __future__ import annotations

from helpers import SMALL_HALL, Server
from mqtt_terminal import new_command


def test_second_window_login_of_the_same_person_is_refused(small_hall: Server, window_terminal):
    # Kind: one person in two places — the field fault, over MQTT with paho.
    with window_terminal(small_hall, 1, login=False) as first, \
            window_terminal(small_hall, 2, login=False) as second:
        assert first.request(new_command("login", staff="S01", pin="1111"))["ok"] is True

        reply = second.request(new_command("login", staff="S01", pin="1111"))
        assert reply.get("ok") is False, f"S01 logged in at two windows: {reply}"
        assert reply["error"]["code"] == "staff_elsewhere", reply
        assert "1" in reply["error"]["message"], reply
        windows = small_hall.windows()
        assert windows["1"]["staff"]["id"] == "S01"
        assert windows["2"]["staff"] is None, windows["2"]

        # Logging in again at the same window is not "elsewhere".
        again = first.request(new_command("login", staff="S01", pin="1111"))
        assert (again.get("error") or {}).get("code") != "staff_elsewhere", again

        # Once they log out at window 1 they may log in at window 2.
        assert first.request(new_command("logout"))["ok"] is True
        assert second.request(new_command("login", staff="S01", pin="1111"))["ok"] is True
        assert small_hall.windows()["2"]["staff"]["id"] == "S01"
        # And now window 1 is the other place.
        back = first.request(new_command("login", staff="S01", pin="1111"))
        assert back.get("ok") is False and back["error"]["code"] == "staff_elsewhere", back


def test_caller_page_login_elsewhere_is_refused(small_hall: Server, window_terminal):
    # Kind: one person in two places — the caller page path.
    with window_terminal(small_hall, 1, login=False) as first:
        assert first.request(new_command("login", staff="S03", pin="1111"))["ok"] is True
    status, session = small_hall.post_json("/api/v1/windows/4/session", {"staff": "S03", "pin": "1111"})
    assert status == 200, (status, session)
    status, body = small_hall.post_json(
        "/api/v1/windows/4/commands",
        new_command("login", staff="S03", pin="1111"),
        {"Authorization": f"Bearer {session['token']}"})
    assert status == 200 and body.get("ok") is False, (status, body)
    assert body["error"]["code"] == "staff_elsewhere", body
    assert small_hall.windows()["4"]["staff"] is None


def test_a_restart_remembers_who_is_where(start_server, window_terminal, tmp_path):
    # Kind: one person in two places — across a restart (the seats come
    # from the recovered windows, not only from logins seen since start).
    hall = start_server(SMALL_HALL, data_dir=tmp_path / "kept")
    with window_terminal(hall, 1, login=False) as first:
        assert first.request(new_command("login", staff="S05", pin="1111"))["ok"] is True
    hall.stop()
    hall = start_server(SMALL_HALL, data_dir=tmp_path / "kept")
    assert hall.windows()["1"]["staff"]["id"] == "S05"
    with window_terminal(hall, 2, login=False) as second:
        reply = second.request(new_command("login", staff="S05", pin="1111"))
        assert reply.get("ok") is False and reply["error"]["code"] == "staff_elsewhere", reply
