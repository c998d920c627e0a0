"""Operator holiday files (`[calendar] holidays_dir`, `--holidays DIR`) for the
tests: one `{year}.json` notice per year, in the format of
config/holidays/*.json, so a test controls the calendar instead of the clock.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SHANGHAI = timezone(timedelta(hours=8))  # Asia/Shanghai: UTC+8, no daylight saving


def write_notice(directory: Path, year: int, holidays: list[tuple[str, date, date]] = (),
                 workdays: list[date] = (), source: str = "测试用节假日安排") -> Path:
    """Writes `{year}.json` into `directory` (created) and returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{year}.json"
    path.write_text(json.dumps({
        "year": year,
        "source": source,
        "holidays": [{"name": n, "from": a.isoformat(), "to": b.isoformat()}
                     for n, a, b in holidays],
        "workdays": [d.isoformat() for d in workdays],
    }, ensure_ascii=False), encoding="utf-8")
    return path


def weekends(year: int) -> list[date]:
    d, out = date(year, 1, 1), []
    while d.year == year:
        if d.weekday() >= 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def all_working(directory: Path, years: set[int]) -> Path:
    """Notices that make every day of `years` a working day (every weekend
    a make-up workday, no holidays): for tests about something else that
    must not depend on the day of the week CI runs on."""
    for year in sorted(years):
        write_notice(directory, year, workdays=weekends(year), source="每天都是工作日（测试）")
    return directory


def today_in(tz: timezone = SHANGHAI) -> date:
    return datetime.now(tz).date()
