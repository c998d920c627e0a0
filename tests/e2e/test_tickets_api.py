"""Taking a ticket over HTTP (acceptance 6): input checks, masking, open windows, hours, idempotency."""

from __future__ import annotations

import re

from helpers import Server, assert_error, closed_hours, id_check_char, id_number_valid

TICKETS = "/api/v1/tickets"
PHONE = "13800000001"  # a citizen's own channel names the person
VALID_ID = "11010519491231002X"
TICKET_FIELDS = {"id", "number", "queue", "item", "status", "channel", "priority", "issued_at",
                 "people_ahead", "estimated_wait_s", "window", "phone", "id_number"}


def wrong_check_digit(number: str) -> str:
    """The same ID number with a check character that does not match."""
    good = id_check_char(number[:17])
    bad = next(c for c in "0123456789X" if c != good)
    return number[:17] + bad


def test_fixture_id_number_is_valid():
    assert id_number_valid(VALID_ID)
    assert not id_number_valid(wrong_check_digit(VALID_ID))


def test_ticket_shape_and_numbering(small_hall: Server):
    first = small_hall.issue(item="general")
    assert TICKET_FIELDS <= set(first), f"missing fields: {TICKET_FIELDS - set(first)}"
    assert first["queue"] == "A" and first["item"] == "general"
    assert first["status"] == "waiting" and first["window"] is None
    assert first["channel"] == "onsite" and first["priority"] == "normal"
    assert re.fullmatch(r"A\d{3,}", first["number"]), first
    assert first["id"].endswith("-" + first["number"]), first
    assert first["phone"] is None and first["id_number"] is None

    second = small_hall.issue(item="general")
    assert second["id"] != first["id"]
    assert int(second["number"][1:]) == int(first["number"][1:]) + 1
    assert second["people_ahead"] >= 1

    by_queue = small_hall.issue(queue_id="B")
    assert by_queue["queue"] == "B" and by_queue["number"].startswith("B")


def test_malformed_bodies_are_rejected(small_hall: Server):
    status, body = small_hall.post_json(TICKETS, b'{"item": "general"')
    assert_error(status, body, 400, "bad_json")

    status, body = small_hall.post_json(TICKETS, {"item": 42})
    assert_error(status, body, 400, "bad_json")

    # The contract names this error both bad_request and bad_json; either is accepted.
    status, body = small_hall.post_json(TICKETS, {"item": "general", "colour": "red"})
    assert_error(status, body, 400, "bad_json", "bad_request")

    status, body = small_hall.post_json(TICKETS, {"item": "general", "pad": "x" * 17 * 1024})
    assert_error(status, body, 413, "payload_too_large")


def test_unknown_item_and_queue(small_hall: Server):
    status, body = small_hall.post_json(TICKETS, {"item": "no-such-item", "phone": PHONE})
    assert_error(status, body, 400, "unknown_item")
    status, body = small_hall.post_json(TICKETS, {"queue": "Z", "phone": PHONE})
    assert_error(status, body, 400, "unknown_queue")


def test_invalid_personal_data(small_hall: Server):
    status, body = small_hall.post_json(TICKETS, {"item": "general",
                                                  "id_number": wrong_check_digit(VALID_ID)})
    assert_error(status, body, 400, "invalid_id_number")

    for bad in ("11010519491231002", "110105194913310029", "ABCDEFGHIJKLMNOPQR"):
        status, body = small_hall.post_json(TICKETS, {"item": "general", "id_number": bad})
        assert_error(status, body, 400, "invalid_id_number")

    status, body = small_hall.post_json(TICKETS, {"item": "general", "phone": "12345"})
    assert_error(status, body, 400, "invalid_phone")


def test_personal_data_is_masked(small_hall: Server):
    phone = "13812345678"
    status, ticket = small_hall.post_json(TICKETS, {"item": "police", "id_number": VALID_ID,
                                                    "phone": phone})
    assert status == 201, ticket
    assert ticket["id_number"] and "*" in ticket["id_number"], ticket
    assert ticket["id_number"] != VALID_ID
    assert ticket["id_number"][:3] == VALID_ID[:3] and ticket["id_number"][-4:] == VALID_ID[-4:]
    assert ticket["phone"] == "138****5678", ticket

    _, again = small_hall.get_json(f"{TICKETS}/{ticket['id']}")
    _, windows = small_hall.get_json("/api/v1/windows")
    _, metrics = small_hall.get_text("/metrics")
    for text in (str(ticket), str(again), str(windows), metrics, small_hall.stderr_text()):
        assert VALID_ID not in text and phone not in text, "full ID number or phone leaked"


def test_windows_logged_out_still_count_as_open(small_hall: Server):
    windows = small_hall.windows()
    assert all(w["state"] == "logged_out" and w["enabled"] for w in windows.values())
    assert small_hall.issue(item="tax")["queue"] == "C"


def test_no_open_window_when_supervisor_disables_all(small_hall: Server, supervisor):
    status, body = small_hall.put_json("/api/v1/windows/24/enabled",
                                       {"enabled": False, "reason": "no token"})
    assert status == 401, body
    status, body = small_hall.put_json("/api/v1/windows/24/enabled",
                                       {"enabled": False, "reason": "bad token"}, token="forged")
    assert status == 401, body

    status, body = small_hall.post_json("/api/v1/login", {"user": "admin", "password": "wrong"})
    assert_error(status, body, 401, "unauthorized")

    token = supervisor(small_hall).token
    for window in ("1", "2", "24"):  # every window serving queue C
        small_hall.set_enabled(window, False, token)
    assert small_hall.windows()["24"]["enabled"] is False

    status, body = small_hall.post_json(TICKETS, {"item": "tax", "phone": PHONE})
    assert_error(status, body, 409, "no_open_window")
    assert small_hall.issue(item="general")["queue"] == "A"  # windows 3..23 still serve A

    small_hall.set_enabled("24", True, token)
    assert small_hall.issue(item="tax")["queue"] == "C"


def test_item_outside_hours_is_closed(start_server, small_hall_config: dict):
    hours = closed_hours()
    small_hall_config["items"].append({
        "id": "night", "name": "夜间业务", "department": "admin", "queue": "C", "hours": [hours]})
    hall = start_server(small_hall_config)

    status, body = hall.post_json(TICKETS, {"item": "night", "phone": PHONE})
    assert_error(status, body, 409, "item_closed")

    _, items = hall.get_json("/api/v1/items")
    open_by_id = {i["id"]: i["open"] for i in items["items"]}
    assert open_by_id["night"] is False, f"{hours}: {items}"
    assert open_by_id["general"] is True
    assert hall.issue(item="tax")["queue"] == "C"  # same queue, all-day item


def test_idempotency_key(small_hall: Server):
    headers = {"Idempotency-Key": "kiosk-K01-press-0001", **small_hall.kiosk_auth("K01")}
    status, first = small_hall.post_json(TICKETS, {"item": "general"}, headers)
    assert status == 201, first
    status, again = small_hall.post_json(TICKETS, {"item": "general"}, headers)
    assert status == 200, again
    assert again["id"] == first["id"] and again["number"] == first["number"]

    other = small_hall.issue(item="general", headers={"Idempotency-Key": "kiosk-K01-press-0002",
                                                      **small_hall.kiosk_auth("K01")})
    assert other["id"] != first["id"]
    _, queues = small_hall.get_json("/api/v1/queues")
    queue_a = next(q for q in queues["queues"] if q["id"] == "A")
    assert queue_a["issued"] == 2 and queue_a["waiting"] == 2, queue_a


def test_get_ticket(small_hall: Server):
    ticket = small_hall.issue(item="police")
    got = small_hall.ticket(ticket["id"])
    assert got["id"] == ticket["id"] and got["number"] == ticket["number"]
    assert got["status"] == "waiting"

    status, body = small_hall.get_json(f"{TICKETS}/19700101-Z999")
    assert_error(status, body, 404, "not_found")


def test_health_and_catalogue(small_hall: Server):
    assert small_hall.get_json("/healthz") == (200, {"status": "ok"})
    _, queues = small_hall.get_json("/api/v1/queues")
    assert {q["id"]: q["prefix"] for q in queues["queues"]} == {"A": "A", "B": "B", "C": "C"}
    _, items = small_hall.get_json("/api/v1/items")
    assert {i["id"]: i["queue"] for i in items["items"]} == {"general": "A", "police": "B", "tax": "C"}
    windows = small_hall.windows()
    assert len(windows) == 24
    assert windows["24"]["queues"] == [{"queue": "C", "role": "primary"}]
