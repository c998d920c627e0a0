"""`tingwu calendar list|add-workdays` and the operator's holiday files
(issue 10): the compiled-in 2024–2026 notices, a year without a notice, a
file that changes a year or adds one, and bad files refused by name by
check-config and at start-up."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from helpers import DEMO_HALL, SMALL_HALL, dump_toml, load_hall
from holiday_files import write_notice


def run(binary: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def listing(result: subprocess.CompletedProcess) -> dict[str, str]:
    assert result.returncode == 0, f"exit {result.returncode}\nstderr: {result.stderr}"
    days = {}
    for line in result.stdout.splitlines():
        day, kind = line.split(" ")
        assert kind in ("workday", "offday"), line
        days[day] = kind
    return days


def test_list_prints_every_date_of_an_official_year(tingwu_bin: Path):
    result = run(tingwu_bin, "calendar", "list", "2026")
    days = listing(result)
    assert len(days) == 365 and len(result.stdout.splitlines()) == 365
    assert list(days)[0] == "2026-01-01" and list(days)[-1] == "2026-12-31"
    # 国务院办公厅关于2026年部分节假日安排的通知: 春节 2-15..2-23 off, Saturdays
    # 2-14 and 2-28 worked; 国庆节 10-1..10-7 off, Saturday 10-10 worked.
    assert days["2026-02-14"] == "workday" and days["2026-02-28"] == "workday"
    assert all(days[f"2026-02-{d}"] == "offday" for d in range(15, 24))
    assert days["2026-02-24"] == "workday"
    assert days["2026-10-01"] == "offday" and days["2026-10-10"] == "workday"
    assert days["2026-11-28"] == "offday" and days["2026-11-30"] == "workday"
    # 261 weekdays, 19 of them holidays, 6 make-up workdays.
    assert sum(1 for k in days.values() if k == "workday") == 248
    # 2024 is a leap year.
    assert len(listing(run(tingwu_bin, "calendar", "list", "2024"))) == 366


def test_add_workdays_counts_from_the_day_after(tingwu_bin: Path):
    def add(day: str, n: int) -> str:
        result = run(tingwu_bin, "calendar", "add-workdays", day, str(n))
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert add("2026-09-30", 1) == "2026-10-08"  # over 国庆节
    assert add("2026-02-13", 1) == "2026-02-14"  # a make-up Saturday counts
    assert add("2026-02-13", 2) == "2026-02-24"  # then the whole Spring Festival is skipped
    assert add("2026-11-30", 0) == "2026-11-30"
    assert add("2025-12-31", 1) == "2026-01-04"  # 元旦 1-1..1-3 off, Sunday 1-4 a make-up workday
    assert add("2026-01-01", 2) == "2026-01-05"


def test_a_year_without_a_notice_is_a_clear_error(tingwu_bin: Path):
    result = run(tingwu_bin, "calendar", "list", "2031")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "2031.json" in result.stderr and "国务院办公厅" in result.stderr, result.stderr
    result = run(tingwu_bin, "calendar", "add-workdays", "2026-12-28", "10")
    assert result.returncode != 0 and result.stdout == ""
    assert "2027.json" in result.stderr, result.stderr
    result = run(tingwu_bin, "calendar", "add-workdays", "2026-13-01", "1")
    assert result.returncode != 0 and "YYYY-MM-DD" in result.stderr


def test_an_operator_file_changes_a_year_and_adds_one(tingwu_bin: Path, tmp_path: Path):
    holidays = tmp_path / "holidays"
    # A replacement for 2026 with only 元旦: 国庆节 becomes working days.
    write_notice(holidays, 2026, holidays=[("元旦", date(2026, 1, 1), date(2026, 1, 3))],
                 workdays=[date(2026, 10, 10)])
    write_notice(holidays, 2027, holidays=[("春节", date(2027, 2, 6), date(2027, 2, 12))],
                 workdays=[date(2027, 2, 20)])
    (holidays / "notes.txt").write_text("not a notice", encoding="utf-8")

    days = listing(run(tingwu_bin, "calendar", "list", "2026", "--holidays", str(holidays)))
    assert days["2026-10-01"] == "workday" and days["2026-02-16"] == "workday"
    assert days["2026-01-02"] == "offday"
    days = listing(run(tingwu_bin, "calendar", "list", "2027", "--holidays", str(holidays)))
    assert len(days) == 365
    assert days["2027-02-08"] == "offday" and days["2027-02-20"] == "workday"
    result = run(tingwu_bin, "calendar", "add-workdays", "2026-12-31", "1",
                 "--holidays", str(holidays))
    assert result.returncode == 0 and result.stdout == "2027-01-01\n", result
    # Without the files the compiled-in notice stands.
    days = listing(run(tingwu_bin, "calendar", "list", "2026"))
    assert days["2026-10-01"] == "offday"

    # The hall file's [calendar] holidays_dir, relative to the hall file.
    hall = load_hall(SMALL_HALL)
    hall.setdefault("calendar", {})["holidays_dir"] = "holidays"
    hall_file = tmp_path / "hall.toml"
    hall_file.write_text(dump_toml(hall), encoding="utf-8")
    days = listing(run(tingwu_bin, "calendar", "list", "2027", "--config", str(hall_file)))
    assert days["2027-02-08"] == "offday"
    result = run(tingwu_bin, "check-config", str(hall_file))
    assert result.returncode == 0 and "2027" in result.stdout, result


def test_bad_files_are_refused_by_check_config_and_at_start_up(tingwu_bin: Path, tmp_path: Path):
    bad = tmp_path / "bad"
    write_notice(bad, 2027, workdays=[date(2027, 3, 3)])  # a Wednesday
    result = run(tingwu_bin, "check-config", str(DEMO_HALL), "--holidays", str(bad))
    assert result.returncode == 1
    assert "2027.json" in result.stderr and "not a weekend day" in result.stderr, result.stderr

    misnamed = tmp_path / "misnamed"
    write_notice(misnamed, 2027)
    (misnamed / "2027.json").rename(misnamed / "2028.json")
    result = run(tingwu_bin, "calendar", "list", "2026", "--holidays", str(misnamed))
    assert result.returncode != 0 and result.stdout == ""
    assert "2028.json" in result.stderr and "2027.json" in result.stderr, result.stderr

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "2027.json").write_text("{\"year\": 2027,", encoding="utf-8")
    serve = subprocess.run(
        [str(tingwu_bin), "serve", "--data", str(tmp_path / "data"), "--http", "127.0.0.1:0",
         "--mqtt", "127.0.0.1:0", "--holidays", str(broken)],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert serve.returncode != 0
    assert "2027.json" in serve.stderr and "JSON" in serve.stderr, serve.stderr[-2000:]
    assert "tingwu ready" not in serve.stdout

    missing = run(tingwu_bin, "check-config", str(DEMO_HALL), "--holidays",
                  str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "nowhere" in missing.stderr, missing.stderr
