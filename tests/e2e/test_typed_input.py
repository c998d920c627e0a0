"""Issue 8, item 14 — kind: *input typed the way people write it is refused*.

What people and devices type is normalised once (`tingwu_protocols::typed`,
applied in the application layer) before it is validated: full-width digits
and letters (as Chinese input methods produce), the ideographic space,
spaces and dashes inside phone and ID numbers, a lower-case x at the end of
an ID number. Only what is still invalid is refused. Every channel: HTTP
tickets, appointment booking and check-in, the caller page login.
"""

from __future__ import annotations

from datetime import date, timedelta

from helpers import Server, assert_error, make_id_number
from test_appointments import (ITEM, appointment_hall, booked, checkin, floor_slot,
                               working_every_day)

FULL = str.maketrans("0123456789Xx-", "０１２３４５６７８９Ｘｘ－")


def full_width(s: str) -> str:
    return s.translate(FULL)


def id_ending_in_x() -> str:
    for serial in range(1000):
        n = make_id_number("110105", date(1990, 1, 1), f"{serial:03d}")
        if n.endswith("X"):
            return n
    raise AssertionError("no ID number ending in X")


def test_full_width_phone_takes_a_ticket(small_hall: Server):
    # Kind: input typed the way people write it — the field fault: a phone
    # number in full-width digits was refused with 400.
    status, body = small_hall.post_json("/api/v1/tickets",
                                        {"item": "general", "phone": full_width("13812345678")})
    assert status == 201, (status, body)
    assert body["phone"] == "138****5678", body


def test_spaced_dashed_and_lower_x_numbers_are_the_same_numbers(small_hall: Server):
    # Kind: input typed the way people write it — spaces, dashes, lower-case x.
    for phone in ("138 1234 5678", "138-1234-5678", "　１３８－１２３４－５６７８ "):
        status, body = small_hall.post_json("/api/v1/tickets", {"item": "general", "phone": phone})
        assert status == 201, (phone, status, body)
    idn = id_ending_in_x()
    typed = f"{idn[:6]} {idn[6:14]} {idn[14:].lower()}"
    status, body = small_hall.post_json("/api/v1/tickets", {"item": "general", "id_number": typed})
    assert status == 201, (typed, status, body)
    status, body = small_hall.post_json("/api/v1/tickets",
                                        {"item": "general", "id_number": full_width(idn.lower())})
    assert status == 201, (status, body)
    # Still invalid after normalising: still refused, with its own code.
    status, body = small_hall.post_json("/api/v1/tickets", {"item": "general", "phone": "１３８１２３"})
    assert_error(status, body, 400, "invalid_phone")
    status, body = small_hall.post_json("/api/v1/tickets",
                                        {"item": "general", "id_number": idn[:-1] + "Y"})
    assert_error(status, body, 400, "invalid_id_number")


def test_appointments_book_and_check_in_with_typed_numbers(start_server, small_hall_config,
                                                          tmp_path):
    # Kind: input typed the way people write it — booking and check-in.
    server, now = appointment_hall(start_server, small_hall_config, 12,
                                   holidays=working_every_day(tmp_path, 12))
    day = now.date().isoformat()
    slot = floor_slot(now, 30)
    if now - slot >= timedelta(minutes=10):
        slot += timedelta(minutes=30)
    b = booked(server, day, slot.strftime("%H:%M"), phone=full_width("139-0000-0042"))
    assert b["status"] == "booked", b
    status, body = checkin(server, phone="139 0000 0042", kiosk="K01")
    assert status == 201, (status, body)
    code = booked(server, day, slot.strftime("%H:%M"), phone="13900000043")["code"]
    status, body = checkin(server, code=" " + full_width(code.lower()) + " ")
    assert status == 201, (status, body)


def test_caller_login_with_full_width_pin(small_hall: Server):
    # Kind: input typed the way people write it — a PIN typed in full width.
    status, body = small_hall.post_json("/api/v1/windows/1/session",
                                        {"staff": "Ｓ01", "pin": full_width("1111")})
    assert status == 200, (status, body)
    status, body = small_hall.post_json("/api/v1/windows/1/session", {"staff": "S01", "pin": "１１１２"})
    assert_error(status, body, 401, "unauthorized")
