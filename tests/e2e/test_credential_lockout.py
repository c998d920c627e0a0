"""Issue 8, item 9 — kind: *unlimited guessing of a credential*.

Every credential path (a staff PIN at the window terminal over MQTT and on
the caller page, a supervisor password, the special-group priority password,
an MQTT device password at the gate) shares one lockout rule
(`tingwu_core::lockout`: 5 wrong in a row lock the key for 1 min, doubling),
logs refusals without the secret and counts them in
`tingwu_auth_refusals_total{credential,reason}`.

The field fault: a window terminal guessed a staff PIN over MQTT without
limit (test_terminal_pin_guessing_over_mqtt_is_locked_out); the others are
the same kind on the other credential paths.
"""

from __future__ import annotations

import uuid

from helpers import Server
from mqtt_terminal import Terminal, new_command

MAX_FAILURES = 5


def guess(n: int) -> str:
    """A wrong secret unlikely to appear anywhere else in a log."""
    return f"guess-{n}-{uuid.uuid4().hex[:10]}"


def test_terminal_pin_guessing_over_mqtt_is_locked_out(small_hall: Server, window_terminal):
    # Kind: unlimited guessing of a credential — the staff PIN over MQTT.
    guesses = [guess(i) for i in range(MAX_FAILURES)]
    with window_terminal(small_hall, 1, login=False) as terminal:
        for pin in guesses:
            reply = terminal.request(new_command("login", staff="S01", pin=pin))
            assert reply.get("ok") is False, reply
            assert reply["error"]["code"] == "bad_login", reply

        # The right PIN is refused too while the staff id is locked.
        locked = terminal.request(new_command("login", staff="S01", pin="1111"))
        assert locked.get("ok") is False, f"logged in after {MAX_FAILURES} guesses: {locked}"
        assert locked["error"]["code"] == "too_many_attempts", locked
        assert locked["error"]["message"], locked
        assert small_hall.windows()["1"]["staff"] is None

        # Another staff member is not locked.
        assert terminal.request(new_command("login", staff="S02", pin="1111"))["ok"] is True

    # One rule for the staff id on every path: the caller page is locked too.
    status, body = small_hall.post_json("/api/v1/windows/3/session", {"staff": "S01", "pin": "1111"})
    assert status == 429 and body["error"]["code"] == "too_many_attempts", (status, body)

    metrics = small_hall.metrics()
    assert metrics.value("tingwu_auth_refusals_total", credential="staff_pin",
                         reason="wrong_secret") == MAX_FAILURES
    assert metrics.value("tingwu_auth_refusals_total", credential="staff_pin",
                         reason="locked_out") >= 2
    log = small_hall.stderr_text()
    assert "credential refused" in log
    for pin in guesses:
        assert pin not in log, "a guessed PIN reached the log"


def test_supervisor_password_guessing_is_locked_out(small_hall: Server):
    # Kind: unlimited guessing of a credential — the supervisor password.
    for i in range(MAX_FAILURES):
        status, body = small_hall.post_json("/api/v1/login", {"user": "admin", "password": guess(i)})
        assert status == 401, (status, body)
    status, body = small_hall.post_json("/api/v1/login", {"user": "admin", "password": "secret"})
    assert status == 429 and body["error"]["code"] == "too_many_attempts", (status, body)
    assert small_hall.metrics().value("tingwu_auth_refusals_total",
                                      credential="supervisor_password",
                                      reason="locked_out") == 1


def test_device_password_guessing_at_the_gate_is_locked_out(small_hall: Server):
    # Kind: unlimited guessing of a credential — an MQTT device password.
    for i in range(MAX_FAILURES):
        ok, why = Terminal(small_hall, "T01", guess(i), "1").try_connect()
        assert not ok, "a wrong device password connected"
    ok, why = Terminal(small_hall, "T01", "pw-T01", "1").try_connect()
    assert not ok, "T01 connected with its password while locked out"
    # Another device still connects.
    ok, why = Terminal(small_hall, "T02", "pw-T02", "2").try_connect()
    assert ok, why
    metrics = small_hall.metrics()
    assert metrics.value("tingwu_auth_refusals_total", credential="device_password",
                         reason="wrong_secret") == MAX_FAILURES
    assert metrics.value("tingwu_auth_refusals_total", credential="device_password",
                         reason="locked_out") == 1


def test_priority_password_guessing_is_locked_out(start_server, small_hall_config):
    # Kind: unlimited guessing of a credential — the special-group password.
    small_hall_config.setdefault("priority", {})["special_password"] = "green-7"
    hall = start_server(small_hall_config)
    order = {"item": "general", "priority": "special", "kiosk": "K01"}
    for i in range(MAX_FAILURES):
        status, body = hall.post_json("/api/v1/tickets", {**order, "priority_password": guess(i)},
                                      hall.kiosk_auth("K01"))
        assert status == 403 and body["error"]["code"] == "priority_not_allowed", (status, body)
    status, body = hall.post_json("/api/v1/tickets", {**order, "priority_password": "green-7"},
                                  hall.kiosk_auth("K01"))
    assert status == 429 and body["error"]["code"] == "too_many_attempts", (status, body)
    assert hall.metrics().value("tingwu_auth_refusals_total", credential="priority_password",
                                reason="locked_out") == 1
