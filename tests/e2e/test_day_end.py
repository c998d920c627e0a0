"""Issue 8, item 7 — kind: *the end of a hall day follows one explicit rule
for the tickets still waiting, shown the same way everywhere*.

A ticket still waiting when the hall's day turns used to stay `waiting`
for ever (0 people ahead, nobody in its queue). Now the hall's
`[calling] day_end` decides: `close` (the default) ends it as `expired`
(已过期（当日未办理）) with no people ahead and no expected call time;
`carry_over` (24-hour halls) keeps it waiting into the new day, ahead of
the new day's tickets. Both ways the day can turn: while the server runs
(the hall's `day_start` passes) and while it is down (a restart on a later
hall day). Real binary, paho-mqtt terminal.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from helpers import wait_until

# The hall's clock zone decides its day: moving the zone from UTC-12 to
# UTC+14 moves the hall's date forward by one or two days whatever the hour.
BEHIND = "Etc/GMT+12"
AHEAD = "Etc/GMT-14"


def _hall(small_hall_config: dict, zone: str, day_end: str | None = None,
          day_start: str = "00:00") -> dict:
    cfg = small_hall_config
    cfg["hall"]["timezone"] = zone
    cfg["hall"]["day_start"] = day_start
    if day_end is not None:
        cfg.setdefault("calling", {})["day_end"] = day_end
    return cfg


def _assert_expired(view: dict) -> None:
    assert view["status"] == "expired", f"left waiting after its day: {view}"
    assert view["people_ahead"] == 0, view
    assert view.get("expected_call_at") is None, view


def test_waiting_ticket_expires_when_the_day_turns_while_the_server_is_down(
        start_server, small_hall_config, hall_toml, tmp_path):
    data = tmp_path / "day-end-data"
    server = start_server(_hall(small_hall_config, BEHIND), data_dir=data)
    ticket = server.issue(item="general")
    assert server.ticket(ticket["id"])["status"] == "waiting"
    server.terminate()

    server.config = hall_toml(_hall(small_hall_config, AHEAD), "hall-ahead.toml")
    server.start()
    _assert_expired(server.ticket(ticket["id"]))
    # The queue of the new day holds nobody from the old one, and numbers
    # start again at 001.
    fresh = server.issue(item="general")
    assert fresh["number"] == "A001", fresh
    assert fresh["people_ahead"] == 0, fresh
    # The rule holds across a second restart (kept durably).
    server.restart()
    _assert_expired(server.ticket(ticket["id"]))


def test_waiting_ticket_expires_when_the_day_turns_while_the_server_runs(
        start_server, small_hall_config):
    # The hall's day starts at the next whole minute of its zone (UTC here).
    now = datetime.now(timezone.utc)
    if now.second > 50:
        time.sleep(61 - now.second)
        now = datetime.now(timezone.utc)
    turn = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    cfg = _hall(small_hall_config, "Etc/UTC", day_start=turn.strftime("%H:%M"))
    server = start_server(cfg)
    ticket = server.issue(item="general")
    assert server.ticket(ticket["id"])["status"] == "waiting"
    time.sleep(max(0.0, (turn - datetime.now(timezone.utc)).total_seconds()))
    assert wait_until(lambda: server.ticket(ticket["id"])["status"] != "waiting",
                      timeout=15.0), f"still waiting after the day turned: {server.ticket(ticket['id'])}"
    _assert_expired(server.ticket(ticket["id"]))
    status, queues = server.get_json("/api/v1/queues")
    assert status == 200, queues
    listed = queues["queues"] if isinstance(queues, dict) else queues
    general = next(q for q in listed if q["id"] == "A")
    assert general["waiting"] == 0, general


def test_carry_over_keeps_the_ticket_waiting_and_calls_it_first(
        start_server, small_hall_config, hall_toml, tmp_path, window_terminal):
    data = tmp_path / "carry-data"
    server = start_server(_hall(small_hall_config, BEHIND, "carry_over"), data_dir=data)
    old = server.issue(item="general")
    server.terminate()

    server.config = hall_toml(_hall(small_hall_config, AHEAD, "carry_over"), "hall-carry.toml")
    server.start()
    view = server.ticket(old["id"])
    assert view["status"] == "waiting", view
    fresh = server.issue(item="general")
    assert fresh["number"] == "A001", fresh
    assert fresh["id"] != old["id"], (fresh, old)
    assert fresh["people_ahead"] == 1, f"the carried ticket is not ahead: {fresh}"
    terminal = window_terminal(server, 1)
    reply = terminal.call_next()
    assert reply.get("ok") is True, reply
    assert reply["ticket"]["id"] == old["id"], f"the carried ticket was not called first: {reply}"
