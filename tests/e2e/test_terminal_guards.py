"""What a window terminal may send, and what it may not (acceptance 4)."""

from __future__ import annotations

import json

import pytest

from helpers import Server, wait_until
from mqtt_terminal import Terminal, new_command


def without_topic(reply: dict) -> dict:
    return {k: v for k, v in reply.items() if k != "_topic"}


def assert_refused(reply: dict, code: str) -> None:
    assert reply.get("ok") is False, f"expected {code}, got {reply}"
    error = reply.get("error") or {}
    assert error.get("code") == code, f"expected {code}, got {reply}"
    assert error.get("message"), f"{code} without a message: {reply}"


def window_view(server: Server, window: str) -> tuple:
    w = server.windows()[window]
    return w["state"], w["staff"], w["ticket"]


def test_duplicate_command_takes_effect_once(small_hall: Server, window_terminal):
    first = small_hall.issue(item="general")
    second = small_hall.issue(item="general")
    with window_terminal(small_hall, 1) as terminal:

        call = new_command("call_next")
        reply = terminal.request(call)
        assert reply["ok"] is True and reply["ticket"]["id"] == first["id"], reply
        again = terminal.request(call)
        assert without_topic(again) == without_topic(reply)
        assert window_view(small_hall, "1")[0::2] == ("called", {"id": first["id"],
                                                                 "number": first["number"]})
        assert small_hall.ticket(second["id"])["status"] == "waiting"

        start = new_command("start")
        started = terminal.request(start)
        assert started["ok"] is True, started
        assert without_topic(terminal.request(start)) == without_topic(started)
        # The old call_next arrives once more (a late QoS 1 redelivery): still nothing happens.
        assert without_topic(terminal.request(call)) == without_topic(reply)
        assert window_view(small_hall, "1")[0] == "serving"
        assert small_hall.ticket(second["id"])["status"] == "waiting"

    metrics = small_hall.metrics()
    assert metrics.value("tingwu_calls_total", window="1") == 1


def test_terminal_cannot_act_for_another_window(small_hall: Server, window_terminal):
    waiting = small_hall.issue(item="general")
    with window_terminal(small_hall, 1, login=False) as own, \
            window_terminal(small_hall, 2, login=False) as other:
        own.login()
        before = window_view(small_hall, "1")
        assert before[0] == "idle"
        own_replies = len(own.replies)

        for action, fields in (("call_next", {}), ("pause", {"reason": "x"}), ("logout", {}),
                               ("login", {"staff": "S02", "pin": "1111"})):
            command = new_command(action, **fields)
            mark = other.publish(command, window="1")
            reply = other.wait_reply(mark, lambda r: r.get("id") == command["id"])
            assert reply["_topic"] == other.reply_topic(), f"forbidden reply on {reply['_topic']}"
            assert_refused(reply, "forbidden")

        assert window_view(small_hall, "1") == before
        assert small_hall.ticket(waiting["id"])["status"] == "waiting"
        assert len(own.replies) == own_replies, f"window 1 got replies: {own.replies[own_replies:]}"

        # Window 2's own commands still work.
        assert other.login()["ok"] is True


@pytest.mark.parametrize("device,password,client_id", [
    ("T01", "wrong", None),
    ("T99", "pw-T99", None),
    ("T01", "pw-T01", "not-T01"),
], ids=["bad-password", "unknown-device", "client-id-not-username"])
def test_bad_credentials_are_refused(small_hall: Server, device, password, client_id):
    terminal = Terminal(small_hall, device, password, "1", client_id=client_id)
    accepted, what = terminal.try_connect()
    assert not accepted, f"{device}/{password}/{client_id} was let in"
    assert what.startswith("CONNACK refused"), f"expected a refusing CONNACK (rc 4/5), got: {what}"


def test_login_rules(small_hall: Server, window_terminal):
    with window_terminal(small_hall, 3, login=False) as terminal:
        for staff, pin in (("S03", "9999"), ("S99", "1111")):
            reply = terminal.request(new_command("login", staff=staff, pin=pin))
            assert_refused(reply, "bad_login")
        assert window_view(small_hall, "3")[0] == "logged_out"
        assert_refused(terminal.request(new_command("call_next")), "bad_state")
        terminal.login()
        assert window_view(small_hall, "3")[:2] == ("idle", {"id": "S03", "name": "工作人员03"})

        terminal.subscribe(f"{terminal.prefix}/window/3/state")
        # Retained, so it arrives on subscribing; a newer publish may follow, hence the match on idle.
        state = terminal.wait_reply(0, lambda r: r.get("_topic", "").endswith("/window/3/state")
                                    and r.get("state") == "idle")
        assert state.get("window") == "3" and state.get("staff", {}).get("id") == "S03", state


def test_malformed_commands_are_answered_and_counted(small_hall: Server, window_terminal):
    waiting = small_hall.issue(item="general")
    with window_terminal(small_hall, 1) as terminal:

        # The server may still read the id out of broken JSON, or answer with id null.
        assert_refused(terminal.send_raw(b'{"id": "broken", "action": ', command_id="broken"),
                       "bad_json")
        assert_refused(terminal.send_raw("not json at all"), "bad_json")
        for bad in (new_command("call_next", bogus=1),           # unknown field
                    new_command("dance"),                        # unknown action
                    {"id": 5, "action": "call_next"}):           # wrong type
            reply = terminal.send_raw(json.dumps(bad), command_id=bad["id"])
            assert_refused(reply, "bad_json")

        big = new_command("call_next", reason="x" * 10 * 1024)
        reply = terminal.send_raw(json.dumps(big), command_id=big["id"])
        assert_refused(reply, "payload_too_large")

        assert_refused(terminal.request(new_command("start")), "bad_state")  # idle: nothing to start
        assert window_view(small_hall, "1")[0] == "idle"
        assert small_hall.ticket(waiting["id"])["status"] == "waiting"

        reply = terminal.call_next()
        assert reply["ok"] is True and reply["ticket"]["id"] == waiting["id"], reply

    def counted() -> bool:
        m = small_hall.metrics()
        return (m.value("tingwu_rejected_inputs_total", channel="mqtt", reason="bad_json") >= 5
                and m.value("tingwu_rejected_inputs_total", channel="mqtt",
                            reason="payload_too_large") >= 1)

    assert wait_until(counted, timeout=5), \
        "rejected MQTT inputs not counted:\n" + "\n".join(
            line for line in small_hall.metrics().text.splitlines() if "rejected" in line)
