"""`tingwu serve --demo` (issue 9): simulated citizens, staff and kiosks act
on the real server through its own HTTP and MQTT ports, so the public API
shows a living hall within a minute; the process still stops cleanly on
SIGTERM. And the large demo hall (100 windows, 30 queues) validates with
`check-config`, starts, and its citizens rate at every window's evaluator.

Each test is bounded: a high `--demo-speed` (simulated minutes per real
minute) and polling with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from helpers import Server, bearer, tingwu_binary, wait_for

#: Simulated minutes per real minute: the quiet weekday's morning passes in
#: a few real seconds.
SPEED = "600"
#: How long the hall may take to come alive, real seconds.
ALIVE_WITHIN = 45.0


def demo_server(tmp_path: Path, attached_logs: list, *extra: str) -> Server:
    server = Server(tingwu_binary(), tmp_path / "data-demo",
                    log_path=tmp_path / "demo.stderr.log", name="tingwu-demo",
                    extra_args=["--demo", "--demo-speed", SPEED, *extra])
    attached_logs.append(server)
    return server.start()


def metric_sum(text: str, name: str) -> float:
    """The sum of every sample of the metric `name` (all label sets)."""
    total = 0.0
    for line in text.splitlines():
        if re.match(rf"^{name}(\{{| )", line):
            total += float(line.rsplit(" ", 1)[1])
    return total


def login(server: Server) -> str:
    status, body = server.post_json("/api/v1/login", {"user": "admin", "password": "demo-admin"})
    assert status == 200, body
    return body["token"]


def totals(server: Server, token: str) -> dict:
    """Today's totals of the statistics API (tickets, served, by channel)."""
    status, stats = server.get_json("/api/v1/stats", headers=bearer(token))
    assert status == 200, stats
    return stats["totals"]


def test_demo_hall_comes_alive_through_the_public_api_and_stops_on_sigterm(
        tmp_path: Path, attached_logs: list) -> None:
    server = demo_server(tmp_path, attached_logs)

    def issued() -> int:
        _, body = server.get_json("/api/v1/queues")
        return sum(q["issued"] for q in body["queues"])

    wait_for("tickets issued by simulated citizens", lambda: issued() >= 20, ALIVE_WITHIN)

    def staffed() -> list:
        _, body = server.get_json("/api/v1/windows")
        return [w for w in body["windows"] if w["state"] != "logged_out"]

    # The quiet weekday staffs 15 of the demo hall's 24 windows.
    wait_for("windows staffed over MQTT", lambda: len(staffed()) >= 10, ALIVE_WITHIN)
    token = login(server)
    wait_for("services finished", lambda: totals(server, token)["served"] >= 5, ALIVE_WITHIN)

    _, metrics = server.get_text("/metrics")
    assert metric_sum(metrics, "tingwu_tickets_issued_total") >= 20, metrics
    assert metric_sum(metrics, "tingwu_calls_total") >= 5, metrics
    # Kiosk tickets came as the kiosks K1..K3, with their device passwords.
    assert metric_sum(metrics, "tingwu_kiosk_tickets_total") >= 1, metrics
    # The demo sends nothing the server has to refuse as malformed.
    assert metric_sum(metrics, "tingwu_rejected_inputs_total") == 0, \
        [l for l in metrics.splitlines() if l.startswith("tingwu_rejected_inputs_total")]

    t = totals(server, token)
    assert t["onsite"] >= 1 and t["called"] >= 5, t

    # SIGTERM stops the driver with the server: a clean, prompt exit.
    assert server.terminate(timeout=15) == 0, server.stderr_tail()
    log = server.stderr_text()
    assert "demo: simulated citizens and staff start" in log
    assert "demo hall" in log and "sim_time" in log, "a line per simulated quarter hour"
    assert "panicked" not in log


def test_large_demo_hall_validates_and_starts(tmp_path: Path, attached_logs: list) -> None:
    binary = tingwu_binary()
    printed = subprocess.run([str(binary), "demo-config", "--hall", "large"],
                             capture_output=True, text=True, timeout=30, check=True)
    hall = tmp_path / "large.toml"
    hall.write_text(printed.stdout)
    checked = subprocess.run([str(binary), "check-config", str(hall)],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert "30 queues" in checked.stdout and "100 windows" in checked.stdout, checked.stdout

    server = demo_server(tmp_path, attached_logs, "--demo-hall", "large")
    _, windows = server.get_json("/api/v1/windows")
    _, queues = server.get_json("/api/v1/queues")
    assert len(windows["windows"]) == 100 and len(queues["queues"]) == 30

    def busy() -> bool:
        _, body = server.get_json("/api/v1/windows")
        return sum(w["state"] in ("called", "serving") for w in body["windows"]) >= 10

    wait_for("the large hall's windows calling and serving", busy, ALIVE_WITHIN)

    # Every window has its evaluator (E001 … E100): the citizens rate at
    # all of them, so 未评价 (not rated) stays a minority of the outcomes
    # (it was most of them while only windows 1-24 had one).
    token = login(server)

    def rated_enough() -> dict | None:
        status, body = server.get_json("/api/v1/ratings/summary", headers=bearer(token))
        assert status == 200, body
        return body if body["rated"] + body["not_rated"] >= 60 else None

    summary = wait_for("60 rating outcomes in the large hall", rated_enough, ALIVE_WITHIN + 30)
    assert summary["not_rated"] * 2 < summary["rated"] + summary["not_rated"], summary
    status, month = server.get_json("/api/v1/ratings/monthly", headers=bearer(token))
    assert status == 200, month
    rated_windows = {int(r["name"].removesuffix("号窗口")) for r in month["window_ranking"]}
    assert any(n > 24 for n in rated_windows), f"rated only at windows {sorted(rated_windows)}"
    assert server.terminate(timeout=15) == 0, server.stderr_tail()


def test_demo_citizens_rate_on_the_evaluators_and_a_bad_rating_is_followed_up(
        tmp_path: Path, attached_logs: list) -> None:
    """Issue 9: simulated evaluators. After each finished service the
    citizen rates it on the window's evaluator tablet (its HTTP API, with
    the evaluator's demo credentials) or walks away: the month's ratings
    show rated and not-rated outcomes, mostly satisfied, and a 差评 raised
    its alarm and opened its follow-up, as in a real hall."""
    server = demo_server(tmp_path, attached_logs)
    token = login(server)

    def month() -> dict:
        status, body = server.get_json("/api/v1/ratings/monthly", headers=bearer(token))
        assert status == 200, body
        return body

    hall = wait_for("rated, not rated and bad outcomes in the month",
                    lambda: (lambda h: h if h["rated"] >= 20 and h["not_rated"] >= 1
                             and h["bad"] >= 1 else None)(month()["hall"]),
                    ALIVE_WITHIN + 30)
    assert hall["rated"] == sum(hall["by_stars"]), hall
    assert hall["by_stars"][4] + hall["by_stars"][3] > hall["rated"] / 2, "mostly ★5 and ★4"
    assert hall["satisfied"] > hall["bad"], hall
    ranking = month()["window_ranking"]
    assert len(ranking) >= 5 and all(r["name"].endswith("号窗口") for r in ranking), ranking

    # Each rating is the record of one service, rated on its evaluator.
    status, follow_ups = server.get_json("/api/v1/ratings/follow-ups", headers=bearer(token))
    assert status == 200 and follow_ups["follow_ups"], follow_ups
    bad = follow_ups["follow_ups"][0]
    assert bad["grade"] in ("dissatisfied", "very_dissatisfied"), bad
    assert bad["stage"] == {"awaiting": "call_back"}, bad
    status, record = server.get_json(f"/api/v1/tickets/{bad['id']}/evaluation")
    assert status == 200, record
    assert record["outcome"] == "rated" and record["channel"] == "tablet", record
    assert record["device"] == f"E{int(bad['service']['window']):02d}", record
    assert record["reasons"], "a 差评 says why"
    alarm = wait_for("the bad rating's alarm",
                     lambda: server.alarms(bearer(token)).get(f"evaluation/{bad['id']}/bad"))
    assert alarm["kind"] == "bad_rating", alarm

    # The dashboard's range summary: today's ratings, the same scale.
    status, summary = server.get_json("/api/v1/ratings/summary", headers=bearer(token))
    assert status == 200, summary
    assert summary["from"] == summary["to"] and summary["rated"] >= 1, summary
    assert month()["month"] == summary["to"][:7], "the month asked for, once"
    assert summary["rated"] == sum(summary["by_stars"]), summary
    assert summary["satisfaction_permille"] == summary["satisfied"] * 1000 // summary["rated"]
    for query, code in (("from=2026-13-01", "bad_date"), ("from=2026-11-30&to=2026-11-01", "bad_range"),
                        ("from=2026-01-01&to=2026-03-01", "range_too_long"), ("month=2026-11", "bad_query")):
        status, body = server.get_json(f"/api/v1/ratings/summary?{query}", headers=bearer(token))
        assert status == 400 and body["error"]["code"] == code, (query, body)
    status, body = server.get_json("/api/v1/ratings/summary")
    assert status == 401, body

    # Ratings and prompts went through without a refusal the demo caused;
    # the bad queries above were counted.
    _, metrics = server.get_text("/metrics")
    rejected = [l for l in metrics.splitlines() if l.startswith("tingwu_rejected_inputs_total")]
    for code in ("bad_date", "bad_range", "range_too_long"):
        assert any(f'reason="{code}"' in l for l in rejected), rejected
    assert metric_sum(metrics, "tingwu_evaluations_total") >= 20, metrics
    assert metric_sum(metrics, "tingwu_ratings_refused_total") == 0, \
        [l for l in metrics.splitlines() if l.startswith("tingwu_ratings_refused_total")]
    assert server.terminate(timeout=15) == 0, server.stderr_tail()
    assert re.search(r"demo hall .*rated=\d+ not_rated=\d+", server.stderr_text()), \
        "the quarter-hour line counts ratings"
