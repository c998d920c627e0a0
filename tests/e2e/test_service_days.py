"""Service hours follow the working-day calendar (issue 10): with
`[calendar] open_on = "workdays"` an item takes no tickets on a statutory
holiday or rest day (`item_closed`, with the reason in zh and en), and does
on a working day; a hall open `every_day` serves on holidays too.

The tests control the calendar, not the clock: an operator holidays dir
whose notice for the current year makes TODAY (Asia/Shanghai, the small
hall's zone) a holiday — or a working day — whatever day and year CI runs on.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from helpers import assert_error
from holiday_files import all_working, today_in, weekends, write_notice

TICKETS = "/api/v1/tickets"


def holiday_around_today(directory: Path) -> date:
    """A notice for this year (and the next, near its end) in which
    yesterday, today and tomorrow are 国庆节 and every weekend is worked, so
    a test running across midnight still sees a holiday."""
    today = today_in()
    for year in sorted({today.year, (today + timedelta(days=1)).year}):
        first = max(date(year, 1, 1), today - timedelta(days=1))
        last = min(date(year, 12, 31), today + timedelta(days=1))
        spans = [("国庆节", first, last)] if first <= last else []
        off = {first + timedelta(days=n) for n in range((last - first).days + 1)}
        write_notice(directory, year, holidays=spans,
                     workdays=[d for d in weekends(year) if d not in off])
    return today


def workdays_hall(config: dict, holidays: Path) -> dict:
    config["calendar"] = {"open_on": "workdays", "holidays_dir": str(holidays)}
    return config


def test_a_holiday_closes_every_item(start_server, small_hall_config, tmp_path):
    holiday_around_today(tmp_path / "holidays")
    hall = start_server(workdays_hall(small_hall_config, tmp_path / "holidays"))

    status, body = hall.post_json(TICKETS, {"item": "general", "phone": "13800000002"})
    err = assert_error(status, body, 409, "item_closed")
    assert "法定节假日（国庆节）" in err["message"], err
    assert "not served today" in err["message"] and "National Day" in err["message"], err
    status, items = hall.get_json("/api/v1/items")
    assert status == 200 and not any(i["open"] for i in items["items"]), items
    m = hall.metrics()
    assert m.value("tingwu_rejected_inputs_total", channel="http", reason="item_closed") >= 1


def test_a_working_day_serves(start_server, small_hall_config, tmp_path):
    today = today_in()
    all_working(tmp_path / "holidays", {today.year, (today + timedelta(days=1)).year})
    hall = start_server(workdays_hall(small_hall_config, tmp_path / "holidays"))

    ticket = hall.issue(item="general")
    assert ticket["queue"] == "A" and ticket["status"] == "waiting", ticket
    status, items = hall.get_json("/api/v1/items")
    assert all(i["open"] for i in items["items"] if i["hours"] == ["00:00-24:00"]), items


def test_a_hall_open_every_day_serves_on_holidays(start_server, small_hall_config, tmp_path):
    holiday_around_today(tmp_path / "holidays")
    small_hall_config["calendar"] = {"open_on": "every_day",
                                     "holidays_dir": str(tmp_path / "holidays")}
    hall = start_server(small_hall_config)
    assert hall.issue(item="general")["queue"] == "A"
