"""Statistics API behind the supervisor dashboard's charts (issue 9).

A real server, real MQTT terminal: tickets taken on-site and online, one
called and served at window 3; `GET /api/v1/stats` answers supervisors only,
counts them by channel, queue, area and hour, knows who served what, and
gives the same figures as CSV (quoted by a CSV library, UTF-8 with a BOM).
Bad parameters are 400 with a zh/en message and counted in the metrics.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from helpers import Server, assert_error

SHANGHAI = timezone(timedelta(hours=8))


def test_stats_count_what_the_hall_did(small_hall: Server, supervisor, window_terminal):
    sup = supervisor(small_hall)
    a1 = small_hall.issue("general")
    small_hall.issue("general")
    small_hall.issue("general", channel="online")
    small_hall.issue("police")

    with window_terminal(small_hall, 3) as w3:
        reply = w3.call_next()
        assert reply.get("ok"), reply
        assert reply["ticket"]["number"] == a1["number"]
        w3.serve_and_finish()

    status, body = small_hall.get_json("/api/v1/stats")
    assert_error(status, body, 401, "unauthorized")

    status, r = small_hall.get_json("/api/v1/stats", sup.headers)
    assert status == 200, r
    today = datetime.now(SHANGHAI).strftime("%Y-%m-%d")
    assert (r["from"], r["to"]) == (today, today)
    assert r["totals"]["tickets"] == 4
    assert r["totals"]["served"] == 1
    channels = {g["key"]: g["tickets"] for g in r["by_channel"]}
    assert channels == {"onsite": 3, "appointment": 0, "online": 1}
    assert r["by_channel"][0]["label_zh"] == "现场"
    queues = {q["key"]: q for q in r["by_queue"]}
    assert queues["A"]["tickets"] == 3 and queues["A"]["served"] == 1
    assert queues["A"]["waiting_now"] == 2
    assert queues["A"]["longest_wait_ms"] >= 0
    assert queues["A"]["avg_wait_ms"] is not None and queues["A"]["p90_wait_ms"] is not None
    assert queues["B"]["tickets"] == 1
    areas = {g["key"]: g["tickets"] for g in r["by_area"]}
    assert areas["north"] == 3 + (1 if queues["B"]["area"] == "north" else 0)
    assert len(r["by_hour"]) == 24
    assert sum(g["tickets"] for g in r["by_hour"]) == 4
    staff = {s["staff"]: s for s in r["by_staff"]}
    assert staff["S03"]["served"] == 1, r["by_staff"]
    assert staff["S03"]["logged_in_ms"] > 0

    # The same report as CSV.
    with small_hall.http() as client:
        status, headers, data = client.request_raw(
            "GET", f"/api/v1/stats?from={today}&to={today}&format=csv", headers=sup.headers)
    assert status == 200, data[:300]
    assert headers["Content-Type"].startswith("text/csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["section"] == "total" and rows[0]["tickets"] == "4"
    sections = {row["section"] for row in rows}
    assert sections == {"total", "hour", "day", "channel", "area", "queue", "staff"}
    online = next(row for row in rows if row["section"] == "channel" and row["key"] == "online")
    assert (online["label_zh"], online["tickets"]) == ("网上", "1")
    s03 = next(row for row in rows if row["section"] == "staff" and row["key"] == "S03")
    assert s03["served"] == "1" and s03["tickets"] == ""


def test_bad_parameters_are_refused_clearly_and_counted(small_hall: Server, supervisor):
    sup = supervisor(small_hall)
    today = datetime.now(SHANGHAI).date()
    long_ago = (today - timedelta(days=40)).isoformat()
    cases = [
        ("from=2026-13-01", "bad_date"),
        ("to=yesterday", "bad_date"),
        (f"from={today.isoformat()}&to={(today - timedelta(days=1)).isoformat()}", "bad_range"),
        (f"from={long_ago}&to={today.isoformat()}", "range_too_long"),
        ("format=xml", "bad_format"),
        ("until=2026-11-26", "bad_query"),
    ]
    before = small_hall.metrics()
    for query, code in cases:
        status, body = small_hall.get_json(f"/api/v1/stats?{query}", sup.headers)
        err = assert_error(status, body, 400, code)
        if code != "bad_query":
            # zh-CN and English in one message.
            assert any("\u4e00" <= ch <= "\u9fff" for ch in err["message"]), err
            assert any("a" <= ch <= "z" for ch in err["message"]), err
    after = small_hall.metrics()
    for _, code in cases:
        counted = after.value("tingwu_rejected_inputs_total", channel="http", reason=code)
        was = before.value("tingwu_rejected_inputs_total", channel="http", reason=code)
        assert counted - was >= 1, (code, after.select("tingwu_rejected_inputs_total", channel="http"))
