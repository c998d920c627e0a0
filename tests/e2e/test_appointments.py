"""Appointments (预约, issue 3): slots, booking, cancelling, check-in inside and
outside the slot window, no-shows and stats, over the real API.

The hall's time zone is chosen per test (a fixed-offset `Etc/GMT…` zone) so
that "now" in the hall is mid-day whatever the time on the machine, and the
slots around now are all on the same hall day. Bookings are taken on working
days only (issue 10), so the tests control the calendar, not the clock: an
operator holidays dir makes every day a working day (or today's neighbours
a holiday, a rest day, or a year without a notice), whatever day and year CI
runs on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers import Server, assert_error, make_id_number
from holiday_files import all_working, write_notice

APPT = "/api/v1/appointments"
ITEM = "appt"


def id_number(serial: int) -> str:
    """A valid ID number (born 1990, so no special-group priority)."""
    return make_id_number("110105", date(1990, 1, 1), f"{serial:03d}")


def phone(serial: int) -> str:
    return f"139{serial:08d}"


def zone_for_local_hour(hour: int) -> tuple[str, timezone]:
    """A fixed-offset zone in which the local hour is `hour` right now."""
    offset = (hour - datetime.now(timezone.utc).hour) % 24
    if offset > 14:
        offset -= 24
    # POSIX sign convention: Etc/GMT-8 is UTC+8.
    name = "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    return name, timezone(timedelta(hours=offset))


def years_around(today: date, book_days: int = 7) -> set[int]:
    return {(today + timedelta(days=n)).year for n in range(-1, book_days + 2)}


def appointment_hall(start_server, config: dict, local_hour: int, slot_minutes: int = 30,
                     early: int = 30, late: int = 15, *,
                     holidays: Path) -> tuple[Server, datetime]:
    """Starts `config` (the small hall) with an appointment item, a time
    zone in which it is `local_hour` o'clock and the operator holidays dir
    `holidays`; returns the server and the hall's time now."""
    name, tz = zone_for_local_hour(local_hour)
    config["hall"]["timezone"] = name
    config.setdefault("calendar", {})["holidays_dir"] = str(holidays)
    config["items"].append({
        "id": ITEM, "name": "预约办理", "name_en": "By appointment",
        "department": "admin", "queue": "A",
        "hours": ["00:00-24:00"], "appointment_capacity": 2,
    })
    config["appointments"] = {"slot_minutes": slot_minutes, "early_minutes": early,
                              "late_minutes": late, "book_days": 7}
    server = start_server(config)
    now = datetime.now(tz)
    assert now.hour == local_hour, now
    return server, now


def working_every_day(tmp_path: Path, local_hour: int) -> Path:
    """A holidays dir in which every day around the hall's today is a
    working day, so the tests below pass on any day of the week and year."""
    _, tz = zone_for_local_hour(local_hour)
    return all_working(tmp_path / "holidays", years_around(datetime.now(tz).date()))


def floor_slot(now: datetime, minutes: int) -> datetime:
    m = (now.hour * 60 + now.minute) // minutes * minutes
    return now.replace(hour=m // 60, minute=m % 60, second=0, microsecond=0)


def book(server: Server, day: str, start: str, **person: str) -> tuple[int, dict]:
    return server.post_json(APPT, {"item": ITEM, "day": day, "start": start, **person})


def booked(server: Server, day: str, start: str, **person: str) -> dict:
    status, body = book(server, day, start, **person)
    assert status == 201, f"booking {start}: {status} {body!r}"
    return body


def checkin(server: Server, credentials: bool = True, **by: str) -> tuple[int, dict]:
    """A check-in at a kiosk, with that kiosk's credentials: the one named,
    or K01 when none is (check-in is made in the hall). `credentials=False`
    sends none."""
    kiosks = {d["id"] for d in server.hall_config().get("devices", []) if d["kind"] == "kiosk"}
    kiosk = by.get("kiosk", "K01")
    headers = server.kiosk_auth(kiosk) if credentials and kiosk in kiosks else None
    return server.post_json(f"{APPT}/checkin", by, headers)


@pytest.fixture
def hall(start_server, small_hall_config, tmp_path) -> tuple[Server, datetime]:
    """30-minute slots, check-in from 30 min before to 15 min after the start;
    the hall's local time is between 12:00 and 13:00; every day a working day."""
    return appointment_hall(start_server, small_hall_config, 12,
                            holidays=working_every_day(tmp_path, 12))


def test_slots_are_listed_and_bad_requests_refused(hall):
    server, now = hall
    day = now.date().isoformat()
    status, body = server.get_json(f"{APPT}/slots?item={ITEM}&day={day}")
    assert status == 200, body
    assert body["item"] == ITEM and body["day"] == day
    slots = body["slots"]
    assert len(slots) == 48
    assert slots[0] == {"start": "00:00", "end": "00:30", "capacity": 2, "booked": 0,
                        "available": False}  # over by mid-day
    assert slots[-1]["end"] == "24:00" and slots[-1]["available"] is True

    status, body = server.get_json(f"{APPT}/slots?item=nothing&day={day}")
    assert_error(status, body, 404, "unknown_item")
    status, body = server.get_json(f"{APPT}/slots?item=general&day={day}")
    assert_error(status, body, 404, "no_appointments")
    far = (now.date() + timedelta(days=8)).isoformat()
    status, body = server.get_json(f"{APPT}/slots?item={ITEM}&day={far}")
    assert_error(status, body, 400, "day_out_of_range")
    yesterday = (now.date() - timedelta(days=1)).isoformat()
    status, body = server.get_json(f"{APPT}/slots?item={ITEM}&day={yesterday}")
    assert_error(status, body, 400, "day_out_of_range")
    status, body = server.get_json(f"{APPT}/slots?item={ITEM}&day=2026-13-01")
    assert_error(status, body, 400, "bad_day")
    status, body = server.get_json(f"{APPT}/slots?item={ITEM}")
    assert_error(status, body, 400, "bad_query")

    later = (floor_slot(now, 30) + timedelta(hours=2)).strftime("%H:%M")
    status, body = book(server, day, later, id_number=id_number(1)[:17] +
                        next(c for c in "0123456789X" if c != id_number(1)[17]))
    assert_error(status, body, 400, "invalid_id_number")
    status, body = book(server, day, later, phone="2391234567")
    assert_error(status, body, 400, "invalid_phone")
    status, body = book(server, day, later)
    assert_error(status, body, 400, "person_required")
    status, body = book(server, day, "12:05", phone=phone(1))
    assert_error(status, body, 400, "unknown_slot")
    status, body = book(server, day, "9am", phone=phone(1))
    assert_error(status, body, 400, "bad_start")
    status, body = book(server, day, "00:00", phone=phone(1))
    assert_error(status, body, 409, "slot_over")
    status, body = server.post_json(APPT, {"item": ITEM, "day": day, "start": later,
                                           "phone": phone(1), "name": "x"})
    assert_error(status, body, 400, "bad_json")


def test_check_in_inside_the_window_gives_an_appointment_ticket(hall):
    server, now = hall
    day = now.date().isoformat()
    # The slot containing now if it started under 10 minutes ago (within
    # the 15 late minutes, with margin), else the next one (check-in opens
    # 30 minutes before it, so it is open now).
    slot = floor_slot(now, 30)
    if now - slot >= timedelta(minutes=10):
        slot += timedelta(minutes=30)
    start = slot.strftime("%H:%M")
    b = booked(server, day, start, id_number=id_number(2))
    assert b["status"] == "booked" and b["item"] == ITEM and b["day"] == day
    assert b["start"] == start and len(b["code"]) == 8
    assert b["end"] == (slot + timedelta(minutes=30)).strftime("%H:%M")
    assert b["id_number"] == id_number(2)[:3] + "*" * 11 + id_number(2)[-4:]
    assert id_number(2) not in str(b)

    # Issue 8, item 12 (kind: acting as someone without proving it): a
    # check-in credited to a kiosk needs that kiosk's credentials.
    status, body = checkin(server, credentials=False, code=b["code"], kiosk="K01")
    assert_error(status, body, 401, "kiosk_unauthorized")
    # ...and one from anywhere else (a phone) is refused: check-in is in the hall.
    status, body = checkin(server, credentials=False, code=b["code"])
    err = assert_error(status, body, 403, "kiosk_required")
    assert "取号机" in err["message"], err
    status, body = checkin(server, code=b["code"].lower(), kiosk="K01")
    assert status == 201, body
    assert body["checkin"] == "on_time", body
    ticket = body["ticket"]
    assert ticket["channel"] == "appointment" and ticket["item"] == ITEM
    assert ticket["queue"] == "A" and ticket["status"] == "waiting"
    assert body["appointment"]["booking"] == b["code"], body
    assert body["booking"]["status"] == "checked_in"
    # The ticket is a real one, readable at once.
    assert server.ticket(ticket["id"])["number"] == ticket["number"]

    status, again = checkin(server, code=b["code"])
    err = assert_error(status, again, 409, "already_checked_in")
    assert ticket["id"] in err["message"]
    status, again = checkin(server, id_number=id_number(2))
    assert_error(status, again, 409, "already_checked_in")


def test_check_in_before_the_window_is_too_early(hall):
    server, now = hall
    day = now.date().isoformat()
    slot = floor_slot(now, 30) + timedelta(hours=2)
    b = booked(server, day, slot.strftime("%H:%M"), phone=phone(3))
    status, body = checkin(server, code=b["code"])
    err = assert_error(status, body, 409, "too_early")
    opens = (slot - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
    assert err["opens_local"] == opens and opens in err["message"], err
    # By phone too; the booking is still usable afterwards.
    status, body = checkin(server, phone=phone(3))
    assert_error(status, body, 409, "too_early")
    status, body = checkin(server, phone=phone(4))
    assert_error(status, body, 404, "unknown_booking")
    status, body = checkin(server, code="ZZZZZZZZ")
    assert_error(status, body, 404, "unknown_booking")
    status, body = checkin(server, code="bad")
    assert_error(status, body, 400, "invalid_code")
    status, body = checkin(server)
    assert_error(status, body, 400, "bad_request")
    status, body = checkin(server, code=b["code"], kiosk="K99")
    assert_error(status, body, 400, "unknown_kiosk")


def test_capacity_limit_per_person_and_cancel(hall):
    server, now = hall
    day = now.date().isoformat()
    start = (floor_slot(now, 30) + timedelta(hours=3)).strftime("%H:%M")
    first = booked(server, day, start, phone=phone(10))
    booked(server, day, start, id_number=id_number(11))
    status, body = book(server, day, start, phone=phone(12))
    assert_error(status, body, 409, "slot_full")
    # One booking per person, item and day.
    other = (floor_slot(now, 30) + timedelta(hours=4)).strftime("%H:%M")
    status, body = book(server, day, other, phone=phone(10))
    assert_error(status, body, 409, "already_booked")

    slots = {s["start"]: s for s in server.get_json(
        f"{APPT}/slots?item={ITEM}&day={day}")[1]["slots"]}
    assert slots[start]["booked"] == 2 and slots[start]["available"] is False

    status, body = server.request("DELETE", f"{APPT}/{first['code']}")
    assert status == 200 and body["status"] == "cancelled", body
    status, body = server.request("DELETE", f"{APPT}/{first['code']}")
    assert_error(status, body, 404, "booking_cancelled")
    status, body = server.request("DELETE", f"{APPT}/ZZZZZZZZ")
    assert_error(status, body, 404, "unknown_booking")
    status, body = checkin(server, code=first["code"])
    assert_error(status, body, 404, "booking_cancelled")

    # The place is free again, for anyone (the cancelled person included).
    again = booked(server, day, start, phone=phone(10))
    assert again["code"] != first["code"]
    status, body = book(server, day, start, phone=phone(12))
    assert_error(status, body, 409, "slot_full")

    # Bookings survive a restart.
    server.restart()
    slots = {s["start"]: s for s in server.get_json(
        f"{APPT}/slots?item={ITEM}&day={day}")[1]["slots"]}
    assert slots[start]["booked"] == 2
    status, body = book(server, day, start, phone=phone(13))
    assert_error(status, body, 409, "slot_full")
    status, body = checkin(server, code=again["code"])
    assert_error(status, body, 409, "too_early")


def test_late_arrival_becomes_a_walk_in_and_no_shows_are_counted(start_server, small_hall_config,
                                                                  supervisor, tmp_path):
    # Four-hour slots and a hall clock at 13:xx: the 12:00-16:00 slot began
    # over an hour ago (past the 15 late minutes) and is still bookable.
    server, now = appointment_hall(start_server, small_hall_config, 13, slot_minutes=240,
                                   holidays=working_every_day(tmp_path, 13))
    day = now.date().isoformat()
    late = booked(server, day, "12:00", id_number=id_number(20))
    absent = booked(server, day, "12:00", phone=phone(21))

    status, body = checkin(server, id_number=id_number(20))
    assert status == 201, body
    assert body["checkin"] == "late_walkin", body
    assert body["appointment"] is None
    assert body["ticket"]["channel"] == "appointment"
    assert "walk-in" in body["message"]
    assert body["booking"]["code"] == late["code"] and body["booking"]["status"] == "late"
    status, body = checkin(server, code=late["code"])
    assert_error(status, body, 409, "already_checked_in")

    stats_path = f"{APPT}/stats?day={day}"
    status, body = server.get_json(stats_path)
    assert_error(status, body, 401, "unauthorized")
    status, stats = server.get_json(stats_path, supervisor(server).headers)
    assert status == 200, stats
    assert {k: stats[k] for k in ("booked", "checked_in", "late", "no_show", "cancelled")} == \
        {"booked": 2, "checked_in": 0, "late": 1, "no_show": 1, "cancelled": 0}, stats
    # A no-show cannot be cancelled any more.
    status, body = server.request("DELETE", f"{APPT}/{absent['code']}")
    assert_error(status, body, 409, "not_cancellable")

    m = server.metrics()
    assert m.value("tingwu_appointments_total", event="booked") == 2
    assert m.value("tingwu_appointments_total", event="late") == 1


def first(days: list[date], want) -> date:
    return next(d for d in days if want(d))


def test_holidays_and_rest_days_are_not_offered(start_server, small_hall_config, tmp_path):
    """A holiday of the operator's notice and a rest day are listed closed,
    with why, and refused `not_a_workday`; the working days around them are
    booked as before."""
    _, tz = zone_for_local_hour(12)
    today = datetime.now(tz).date()
    ahead = [today + timedelta(days=n) for n in range(1, 8)]
    holiday = ahead[1]
    rest = first(ahead, lambda d: d.weekday() >= 5 and d != holiday)
    work = first(ahead, lambda d: d.weekday() < 5 and d != holiday)
    holidays = tmp_path / "holidays"
    for year in years_around(today):
        spans = [("国庆节", holiday, holiday)] if year == holiday.year else []
        write_notice(holidays, year, holidays=spans)
    server, _ = appointment_hall(start_server, small_hall_config, 12, holidays=holidays)

    status, body = server.get_json(f"{APPT}/slots?item={ITEM}&day={holiday.isoformat()}")
    assert status == 200, body
    assert body["slots"] == [] and body["day"] == holiday.isoformat()
    closed = body["closed"]
    assert closed["code"] == "not_a_workday"
    assert closed["reason"] == "法定节假日（国庆节）", closed
    assert "National Day" in closed["reason_en"], closed
    status, body = book(server, holiday.isoformat(), "10:00", phone=phone(40))
    err = assert_error(status, body, 409, "not_a_workday")
    assert "国庆节" in err["message"] and "working days only" in err["message"], err

    status, body = server.get_json(f"{APPT}/slots?item={ITEM}&day={rest.isoformat()}")
    assert status == 200 and body["slots"] == [], body
    assert body["closed"]["reason"] == "休息日" and "weekend" in body["closed"]["reason_en"]
    status, body = book(server, rest.isoformat(), "10:00", id_number=id_number(41))
    err = assert_error(status, body, 409, "not_a_workday")
    assert "休息日" in err["message"], err

    status, body = server.get_json(f"{APPT}/slots?item={ITEM}&day={work.isoformat()}")
    assert status == 200 and len(body["slots"]) == 48 and "closed" not in body, body
    assert booked(server, work.isoformat(), "10:00", phone=phone(40))["status"] == "booked"
    m = server.metrics()
    assert m.value("tingwu_appointments_total", event="booked") == 1


def test_a_year_without_a_notice_is_not_booked(start_server, small_hall_config, tmp_path):
    """Bookings open far ahead reach a year the hall has no notice for:
    refused `no_calendar` with the file to add, and logged."""
    _, tz = zone_for_local_hour(12)
    today = datetime.now(tz).date()
    holidays = tmp_path / "holidays"
    known = years_around(today, 0)
    all_working(holidays, known)
    unknown = date(max(known) + 1, 1, 5)
    config = small_hall_config
    server, _ = appointment_hall(start_server, config, 12, holidays=holidays)
    server.stop()
    config["appointments"]["book_days"] = 400
    server = start_server(config)

    status, body = server.get_json(f"{APPT}/slots?item={ITEM}&day={unknown.isoformat()}")
    err = assert_error(status, body, 503, "no_calendar")
    assert f"{unknown.year}.json" in err["message"], err
    status, body = book(server, unknown.isoformat(), "10:00", phone=phone(50))
    err = assert_error(status, body, 503, "no_calendar")
    assert "国务院办公厅" in err["message"], err
    assert "no holiday calendar" in server.stderr_tail(), server.stderr_tail()


def test_bookings_and_cancellations_from_one_address_are_rate_limited(start_server,
                                                                      small_hall_config, tmp_path):
    # Issue 8, item 12 (kind: taking places without limit): booking takes a
    # slot and cancelling by code can be guessed; both are the citizen's own
    # channel, held to the per-address rate.
    small_hall_config["limits"] = {"per_source_per_minute": 6, "per_source_burst": 3}
    server, now = appointment_hall(start_server, small_hall_config, 12,
                                   holidays=working_every_day(tmp_path, 12))
    day = (now.date() + timedelta(days=1)).isoformat()
    for i in range(3):
        book(server, day, "15:00", id_number=id_number(40 + i))
    status, body = book(server, day, "15:30", id_number=id_number(50))
    assert_error(status, body, 429, "too_many_requests")
    status, body = server.request("DELETE", f"{APPT}/ABCD2345")
    assert_error(status, body, 429, "too_many_requests")
