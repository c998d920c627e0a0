"""The HTTP layer's rules and limits: who may take a priority ticket, what the
public ticket status shows, JSON errors for every refusal, slow clients and
shutdown."""

from __future__ import annotations

import signal
import socket
import time
from datetime import date, datetime, timedelta

import pytest

from helpers import (HALL_TZ, HOST, Server, assert_error, bearer, decode_body, make_id_number,
                     wait_until)
from screen_stream import StreamClosed

TICKETS = "/api/v1/tickets"


def id_born(born: date) -> str:
    return make_id_number("110105", born, "002")


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def hall_today() -> date:
    return datetime.now(HALL_TZ).date()


# ------------------------------------------------------------------ priority


def test_green_channel_needs_a_supervisor(small_hall: Server, supervisor):
    # At a kiosk (it proves itself), not as a supervisor.
    status, body = small_hall.post_json(TICKETS, {"item": "general", "priority": "green",
                                                  "kiosk": "K01"}, small_hall.kiosk_auth("K01"))
    err = assert_error(status, body, 403, "priority_not_allowed")
    assert "绿色通道" in err["message"] and "supervisor" in err["message"], err

    status, body = small_hall.post_json(TICKETS, {"item": "general", "priority": "green"},
                                        bearer("forged"))
    assert_error(status, body, 401, "unauthorized")

    ticket = small_hall.issue(item="general", priority="green",
                              headers=supervisor(small_hall).headers)
    assert ticket["priority"] == "green"


def test_special_group_by_age_or_supervisor_with_default_rules(small_hall: Server, supervisor):
    # The test hall has no [priority] section: age 70, no password.
    today = hall_today()
    seventy_today = id_born(years_before(today, 70))
    seventy_tomorrow = id_born(years_before(today + timedelta(days=1), 70))

    for refused in ({}, {"id_number": seventy_tomorrow}, {"priority_password": ""},
                    {"priority_password": "demo-special"}):
        status, body = small_hall.post_json(
            TICKETS, {"item": "general", "priority": "special", "kiosk": "K01", **refused},
            small_hall.kiosk_auth("K01"))
        err = assert_error(status, body, 403, "priority_not_allowed")
        assert "特殊人群" in err["message"] and "70" in err["message"], err

    assert small_hall.issue(item="general", priority="special",
                            id_number=seventy_today)["priority"] == "special"
    assert small_hall.issue(item="general", priority="special",
                            headers=supervisor(small_hall).headers)["priority"] == "special"

    # By age alone, without asking.
    assert small_hall.issue(item="general", id_number=seventy_today)["priority"] == "special"
    assert small_hall.issue(item="general", priority="normal",
                            id_number=seventy_today)["priority"] == "special"
    assert small_hall.issue(item="general", id_number=seventy_tomorrow)["priority"] == "normal"
    assert small_hall.issue(item="general")["priority"] == "normal"


def test_special_group_password_and_age_from_config(start_server, small_hall_config: dict):
    small_hall_config["priority"] = {"special_age": 60, "special_password": "kiosk-staff-pw"}
    hall = start_server(small_hall_config)
    today = hall_today()

    ticket = hall.issue(item="general", priority="special", priority_password="kiosk-staff-pw",
                        kiosk="K01")
    assert ticket["priority"] == "special"
    status, body = hall.post_json(TICKETS, {"item": "general", "priority": "special",
                                            "priority_password": "kiosk-staff-p", "kiosk": "K01"},
                                  hall.kiosk_auth("K01"))
    assert_error(status, body, 403, "priority_not_allowed")
    assert "kiosk-staff" not in hall.stderr_text()

    assert hall.issue(item="general", id_number=id_born(years_before(today, 60)))["priority"] \
        == "special"
    assert hall.issue(item="general", id_number=id_born(years_before(today, 59)))["priority"] \
        == "normal"


# ------------------------------------------------------------ ticket status


def test_public_ticket_status_shows_no_personal_data(small_hall: Server):
    phone, id_number = "13812345678", "11010519491231002X"
    status, mine = small_hall.post_json(TICKETS, {"item": "police", "phone": phone,
                                                  "id_number": id_number})
    assert status == 201, mine
    # The requester gets the masked forms...
    assert mine["phone"] == "138****5678" and mine["id_number"].startswith("110***"), mine
    # ...anyone asking by id afterwards gets neither.
    public = small_hall.ticket(mine["id"])
    assert public["phone"] is None and public["id_number"] is None, public
    assert public["number"] == mine["number"] and public["status"] == "waiting"


def test_ticket_status_follows_calls_and_positions(small_hall: Server, window_terminal,
                                                  supervisor):
    tickets = [small_hall.issue(item="general") for _ in range(3)]
    # Read back at once after each answer.
    assert [small_hall.ticket(t["id"])["people_ahead"] for t in tickets] == [0, 1, 2]

    with window_terminal(small_hall, 5) as terminal:
        reply = terminal.call_next()
        assert reply["ok"] is True and reply["ticket"]["id"] == tickets[0]["id"], reply

    def called() -> bool:
        return small_hall.ticket(tickets[0]["id"])["status"] == "called"

    assert wait_until(called, timeout=5), small_hall.ticket(tickets[0]["id"])
    first = small_hall.ticket(tickets[0]["id"])
    assert first["window"] == "5" and first["people_ahead"] == 0, first
    assert small_hall.ticket(tickets[2]["id"])["people_ahead"] == 1

    # A green-channel ticket goes ahead of both.
    green = small_hall.issue(item="general", priority="green",
                             headers=supervisor(small_hall).headers)
    assert small_hall.ticket(green["id"])["people_ahead"] == 0
    assert small_hall.ticket(tickets[2]["id"])["people_ahead"] == 2

    # Unknown numbers, today's or another day's, are 404 alike.
    day = tickets[0]["id"].split("-")[0]
    for unknown in (f"{day}-A999", "19700101-A001", "20991231-A001"):
        status, body = small_hall.get_json(f"{TICKETS}/{unknown}")
        assert_error(status, body, 404, "not_found")


def test_ticket_status_after_a_restart(small_hall: Server):
    ticket = small_hall.issue(item="general", phone="13812345678")
    small_hall.issue(item="general")
    small_hall.restart()
    got = small_hall.ticket(ticket["id"])
    assert got["status"] == "waiting" and got["phone"] is None, got
    later = small_hall.issue(item="general")
    assert small_hall.ticket(later["id"])["people_ahead"] == 2


# --------------------------------------------------------------- refusals


def test_framework_refusals_are_json_and_counted(small_hall: Server):
    with small_hall.http() as client:
        status, headers, data = client.request_raw("DELETE", TICKETS)
    assert_error(status, decode_body(data), 405, "method_not_allowed")
    assert "POST" in (headers.get("Allow") or ""), dict(headers)

    status, body = small_hall.post_json("/healthz", {})
    assert_error(status, body, 405, "method_not_allowed")
    status, body = small_hall.get_json("/ws/screen/hall?since=abc")
    assert_error(status, body, 400, "bad_query")
    status, body = small_hall.get_json("/ws/screen/hall")
    assert_error(status, body, 400, "bad_websocket_upgrade")
    status, body = small_hall.get_json(f"{TICKETS}/%FF%FE")
    assert_error(status, body, 400, "bad_path")

    m = small_hall.metrics()
    for reason, n in (("method_not_allowed", 2), ("bad_query", 1),
                      ("bad_websocket_upgrade", 1), ("bad_path", 1)):
        assert m.value("tingwu_rejected_inputs_total", channel="http", reason=reason) == n, \
            (reason, m.select("tingwu_rejected_inputs_total", channel="http"))


def test_a_body_that_breaks_off_is_a_bad_request(small_hall: Server):
    with socket.create_connection((HOST, small_hall.http_port), timeout=10) as s:
        s.sendall(b"POST /api/v1/tickets HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 200\r\n\r\n{\"item\": \"gen")
        s.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), answer
    assert b'"bad_request"' in body, answer


# --------------------------------------------------------- slow clients


def closed_within(s: socket.socket, limit: float) -> float | None:
    """Seconds until the peer closed `s` (reading and discarding), or None."""
    start = time.monotonic()
    s.settimeout(0.5)
    while time.monotonic() - start < limit:
        try:
            if not s.recv(4096):
                return time.monotonic() - start
        except socket.timeout:
            continue
        except ConnectionError:
            return time.monotonic() - start
    return None


def test_silent_and_slow_connections_are_closed(small_hall: Server):
    silent = socket.create_connection((HOST, small_hall.http_port))
    slow = socket.create_connection((HOST, small_hall.http_port))
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
    try:
        took = closed_within(silent, 20)
        assert took is not None and 8 <= took <= 15, f"silent connection closed after {took}"
        took = closed_within(slow, 5)
        assert took is not None, "slow connection still open"
    finally:
        silent.close()
        slow.close()
    assert small_hall.get_json("/healthz")[0] == 200


# --------------------------------------------------------------- shutdown


def test_sigterm_closes_streams_and_exits(small_hall: Server, open_screen):
    stream = open_screen(small_hall, "/ws/screen/hall")
    assert stream.first()["type"] == "snapshot"
    small_hall.proc.send_signal(signal.SIGTERM)
    start = time.monotonic()
    with pytest.raises(StreamClosed):
        while time.monotonic() - start < 5:
            stream.recv(0.5)
    assert time.monotonic() - start < 3.5
    assert small_hall.proc.wait(timeout=10) == 0
