"""Issue 9 — attendance (考勤异常) at work on the real binary: window 3's shift
began a few minutes ago with no grace and nobody logged in, so within a
supervision pass (every 5 s) the window shows `attendance_anomaly` on
`GET /api/v1/windows`, an `attendance_anomaly` alarm is open, and logging
in ends both. 考勤异常 is the window's fifth state on every screen and page
that shows states (issue 9): public readers and the hall screen see it too
— the state only, never the alarm's details.

The calendar is the operator's (every day a working day), so the test does
not depend on the day of the week it runs on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from helpers import wait_for
from holiday_files import SHANGHAI, all_working

ALARM = "window/3/attendance/not_logged_in"


def shift_started_minutes_ago(now: datetime) -> str:
    """`HH:MM-HH:MM` from a few minutes before `now` (never before 00:00) to
    two hours after it (never after 24:00), in hall time."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(midnight, now - timedelta(minutes=5))
    end = min(midnight + timedelta(days=1), now + timedelta(hours=2))
    end_text = "24:00" if end.date() > now.date() else end.strftime("%H:%M")
    return f"{start.strftime('%H:%M')}-{end_text}"


def shown(server, auth, window: str) -> tuple[str, str | None]:
    status, body = server.get_json("/api/v1/windows", auth)
    assert status == 200, body
    w = next(w for w in body["windows"] if w["id"] == window)
    return w["state"], w.get("display_state")


def test_a_window_not_logged_in_after_its_shift_starts(start_server, small_hall_config,
                                                       supervisor, window_terminal, open_screen,
                                                       tmp_path):
    now = datetime.now(SHANGHAI)
    years = {now.year, (now + timedelta(hours=2)).year}
    hall = small_hall_config
    hall["calendar"] = {"open_on": "every_day",
                        "holidays_dir": str(all_working(tmp_path / "holidays", years))}
    hall["supervision"] = {"attendance": {
        "login_grace_minutes": 0,
        "shifts": [{"window": "3", "hours": [shift_started_minutes_ago(now)]}]}}
    server = start_server(hall)
    _, auth = supervisor(server)
    screen = open_screen(server, "/ws/screen/hall")
    snapshot = screen.first()
    assert snapshot["type"] == "snapshot"

    wait_for("window 3 shown as 考勤异常",
             lambda: shown(server, auth, "3") == ("logged_out", "attendance_anomaly"))
    alarm = wait_for("the attendance alarm", lambda: server.alarms(auth).get(ALARM))
    assert alarm["kind"] == "attendance_anomaly", alarm
    assert "考勤异常" in alarm["message_zh"] and "Attendance anomaly" in alarm["message_en"], alarm
    # Windows without a shift show their own state.
    assert shown(server, auth, "4") == ("logged_out", "logged_out")
    # Public readers see 考勤异常 too: the state, not the alarm.
    assert shown(server, None, "3") == ("logged_out", "attendance_anomaly")
    status, body = server.get_json("/api/v1/windows")
    public = next(w for w in body["windows"] if w["id"] == "3")
    assert "attendance" not in str({k: v for k, v in public.items() if k != "display_state"}), public
    # And the hall screen: in its snapshot if supervision was quicker than
    # the stream, else as a window frame.
    on_screen = next(w for w in snapshot["payload"]["windows"] if w["id"] == "3")
    if on_screen.get("display_state") != "attendance_anomaly":
        on_screen = screen.wait_for(
            lambda f: f["type"] == "window" and f["payload"]["id"] == "3"
            and f["payload"].get("display_state") == "attendance_anomaly", timeout=20)["payload"]
    assert on_screen["state"] == "logged_out" and "pause_reason" not in on_screen
    # Counted per kind: the alarm raised, the anomaly holding now.
    m = server.metrics()
    assert m.value("tingwu_alarms_raised_total", kind="attendance_anomaly") == 1, m.text
    assert m.value("tingwu_attendance_anomalies", kind="not_logged_in") == 1, m.text

    with window_terminal(server, "3"):  # logs in as S03
        wait_for("window 3 back to its own state",
                 lambda: shown(server, auth, "3") == ("idle", "idle"))
        wait_for("the attendance alarm cleared",
                 lambda: ALARM not in server.alarms(auth))
        wait_for("no anomaly holding",
                 lambda: server.metrics().value("tingwu_attendance_anomalies",
                                                kind="not_logged_in") == 0)
