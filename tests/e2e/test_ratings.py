"""Issue 9 — 好差评 at work (acceptance 3): one rating per service from any
evaluator (an MQTT evaluator, the tablet page's API), "not rated" on a
timeout, no rating by staff, an evaluator refused on another window's
topic; a bad rating reaches a real local HTTP receiver standing in for the
webhook and the alarm list, its follow-up goes 回访 → 整改 → 反馈, and an
upheld appeal removes it from the monthly statistics (kept across a
restart). The follow-up turning red across working days is driven by an
injected clock in `actors/src/rating/tests/follow_ups.rs`.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from helpers import HOST, assert_error, basic, bearer, wait_for
from mqtt_terminal import Terminal
from test_silent_calling import Gateway

TIMEOUT_S = 3


def finish_one(server, terminal) -> dict:
    """Issues a ticket, has window 1 call, serve and finish it."""
    ticket = server.issue(item="general")
    reply = terminal.call_next()
    assert reply.get("ok") is True, reply
    terminal.serve_and_finish()
    assert server.ticket(ticket["id"])["status"] == "done"
    return ticket


def prompt_for(server, ticket: dict, auth: dict) -> dict:
    def open_prompt():
        status, body = server.get_json("/api/v1/evaluate/1", auth)
        assert status == 200, body
        return body if body["open"] and body["ticket"] == ticket["id"] else None
    return wait_for(f"the rating prompt for {ticket['number']}", open_prompt)


def month_of(ticket: dict) -> str:
    day = ticket["id"].split("-")[0]
    return f"{day[:4]}-{day[4:6]}"


def test_ratings_from_every_evaluator_and_the_bad_ratings_follow_up(start_server,
                                                                     small_hall_config,
                                                                     window_terminal,
                                                                     supervisor):
    gateway = Gateway().start()
    try:
        hall = small_hall_config
        hall["devices"] = hall.get("devices", []) + [
            {"id": "EV1", "kind": "evaluator", "password": "pw-EV1", "window": "1"},
            {"id": "EV2", "kind": "evaluator", "password": "pw-EV2", "window": "2"},
        ]
        hall["notify"] = {"webhook": f"http://{HOST}:{gateway.port}/sms"}
        hall["supervision"] = {
            "rating": {"prompt_timeout_s": TIMEOUT_S},
            "escalation": {"duty": [{"user": "admin", "hours": ["00:00-24:00"]}]},
        }
        server = start_server(hall)
        _, auth = supervisor(server)
        ev1, ev2 = basic("EV1", "pw-EV1"), basic("EV2", "pw-EV2")

        # The tablet page is served; nothing to rate before a service ends.
        status, page = server.get_text("/evaluate/1")
        assert status == 200 and "非常满意" in page and "服务态度" in page
        status, body = server.post_json("/api/v1/evaluate/1", {"stars": 5}, ev1)
        assert_error(status, body, 409, "no_service_to_rate")

        terminal = window_terminal(server, 1)
        first = finish_one(server, terminal)
        prompt_for(server, first, ev1)

        # Staff cannot rate for the citizen: neither the window's own staff
        # member (caller token) nor a supervisor.
        status, session = server.post_json("/api/v1/windows/1/session",
                                           {"staff": "S01", "pin": "1111"})
        assert status == 200, session
        staff = bearer(session["token"])
        status, body = server.post_json("/api/v1/evaluate/1", {"stars": 5}, staff)
        assert_error(status, body, 403, "staff_cannot_rate")
        status, body = server.post_json("/api/v1/evaluate/1", {"stars": 5}, auth)
        assert_error(status, body, 403, "staff_cannot_rate")
        # Another window's evaluator, a wrong password: refused.
        status, body = server.post_json("/api/v1/evaluate/1", {"stars": 5}, ev2)
        assert_error(status, body, 403, "evaluator_other_window")
        status, body = server.post_json("/api/v1/evaluate/1", {"stars": 5}, basic("EV1", "x"))
        assert status == 401, body

        # The MQTT evaluator of window 2 may not publish on window 1's topic.
        other = Terminal(server, "EV2", "pw-EV2", "2").connect()
        mark = len(other.replies)
        info = other.client.publish(f"tingwu/v1/{server.hall}/window/1/evaluation",
                                    json.dumps({"id": "ev2-1", "stars": 5}), qos=1)
        assert info.rc == 0
        refused = other.wait_reply(mark, lambda r: r.get("id") == "ev2-1")
        assert refused["error"]["code"] == "forbidden", refused
        other.close()
        status, _ = server.get_json(f"/api/v1/tickets/{first['id']}/evaluation")
        assert status == 404, "the refused rating was not recorded"

        # Window 1's MQTT evaluator: 不满意 ★2 with indicators and a reason.
        ev = Terminal(server, "EV1", "pw-EV1", "1")
        ok, what = ev.try_connect()
        assert ok, what
        ev.subscribe(f"tingwu/v1/{server.hall}/window/1/evaluation/reply")
        mark = len(ev.replies)
        ev.client.publish(f"tingwu/v1/{server.hall}/window/1/evaluation",
                          json.dumps({"id": "ev1-1", "stars": 2, "efficiency": 2, "level": 3,
                                      "attitude": 1, "reasons": ["态度不好"]},
                                     ensure_ascii=False), qos=1)
        answer = ev.wait_reply(mark, lambda r: r.get("id") == "ev1-1")
        assert answer["ok"] is True, answer
        rating = answer["rating"]
        assert rating["stars"] == 2 and rating["channel"] == "mqtt", rating
        assert rating["ticket"] == first["id"] and rating["staff"] == "S01", rating
        assert rating["indicators"]["attitude"] == "very_dissatisfied", rating
        # 一次一评: the same service once only, on any channel.
        mark = len(ev.replies)
        ev.client.publish(f"tingwu/v1/{server.hall}/window/1/evaluation",
                          json.dumps({"id": "ev1-2", "stars": 5}), qos=1)
        again = ev.wait_reply(mark, lambda r: r.get("id") == "ev1-2")
        assert again["error"]["code"] == "already_rated", again
        status, body = server.post_json("/api/v1/evaluate/1", {"stars": 5}, ev1)
        assert_error(status, body, 409, "already_rated")
        ev.close()

        # The bad rating reached the webhook and the alarm list at once.
        sent = wait_for("the bad rating at the webhook",
                        lambda: [n for n in gateway.received() if n.get("type") == "bad_rating"])
        assert sent[0]["ticket"] == first["id"] and sent[0]["window"] == "1", sent
        assert sent[0]["stars"] == 2 and sent[0]["to"] == "admin", sent
        assert "差评" in sent[0]["text"] and sent[0]["callback_due"], sent
        alarm = wait_for("the bad-rating alarm",
                         lambda: server.alarms(auth).get(f"evaluation/{first['id']}/bad"))
        assert alarm["kind"] == "bad_rating", alarm

        # Its follow-up: open, green, the call back awaited.
        status, body = server.get_json("/api/v1/ratings/follow-ups", auth)
        assert status == 200, body
        [f] = body["follow_ups"]
        assert f["id"] == first["id"] and f["colour"] == "green", f
        assert f["stage"] == {"awaiting": "call_back"} and f["due"] == f["callback_due"], f
        status, body = server.get_json("/api/v1/ratings/follow-ups")
        assert status == 401, body
        base = f"/api/v1/ratings/follow-ups/{first['id']}"
        status, body = server.post_json(f"{base}/rectification", {"text": "x"}, auth)
        assert_error(status, body, 409, "step_out_of_order")
        status, body = server.post_json(f"{base}/callback", {"text": " "}, auth)
        assert_error(status, body, 400, "text_required")
        status, body = server.post_json(f"{base}/callback",
                                        {"text": "x", "at": "2099-01-01T00:00:00Z"}, auth)
        assert_error(status, body, 400, "bad_time")
        called_at = datetime.now(timezone.utc).isoformat()
        status, body = server.post_json(f"{base}/callback",
                                        {"text": "电话回访：等候过久属实", "by": "duty-1",
                                         "at": called_at}, auth)
        assert status == 200, body
        assert body["callback"]["by"] == {"role": "supervisor", "id": "duty-1"}, body
        assert datetime.fromisoformat(body["callback"]["at"]) == datetime.fromisoformat(called_at)
        assert body["callback"]["at"] and body["rectify_due"], body
        status, body = server.post_json(f"{base}/rectification", {"text": "高峰增开窗口"}, auth)
        assert status == 200, body
        status, body = server.post_json(f"{base}/feedback", {"text": "已电话告知整改结果"}, auth)
        assert status == 200 and body["stage"] == "closed", body
        status, body = server.get_json("/api/v1/ratings/follow-ups", auth)
        assert body["follow_ups"] == [], body

        # The next service is rated on the tablet; the one after it nobody rates.
        second = finish_one(server, terminal)
        prompt_for(server, second, ev1)
        status, body = server.post_json("/api/v1/evaluate/1",
                                        {"stars": 5, "efficiency": 5, "level": 4,
                                         "attitude": 5}, ev1)
        assert status == 201 and body["stars"] == 5 and body["channel"] == "tablet", body
        third = finish_one(server, terminal)
        prompt_for(server, third, ev1)
        time.sleep(TIMEOUT_S + 1.5)

        def not_rated():
            status, body = server.get_json(f"/api/v1/tickets/{third['id']}/evaluation")
            return body if status == 200 else None
        record = wait_for("the not-rated record", not_rated)
        assert record["outcome"] == "not_rated" and record["stars"] is None, record
        status, body = server.post_json("/api/v1/evaluate/1", {"stars": 5}, ev1)
        assert_error(status, body, 409, "rating_timed_out")

        month = month_of(first)
        status, stats = server.get_json(f"/api/v1/ratings/monthly?month={month}", auth)
        assert status == 200, stats
        w1 = stats["by_window"]["1"]
        assert (w1["rated"], w1["bad"], w1["not_rated"], w1["excluded"]) == (2, 1, 1, 0), w1
        assert stats["by_staff"]["S01"]["bad"] == 1, stats
        assert stats["window_ranking"][0]["id"] in ("1", "2"), stats
        status, body = server.get_json("/api/v1/ratings/monthly?month=2026-13", auth)
        assert_error(status, body, 400, "bad_month")

        # 申诉复核: the staff member appeals, a supervisor upholds it; the
        # rating leaves the statistics, the reason kept.
        status, body = server.post_json(f"{base}/appeal", {"reason": "群众误按"}, auth)
        assert status == 401, body
        status, body = server.post_json(f"{base}/appeal", {"reason": "群众误按，已现场确认"}, staff)
        assert status == 200 and body["appeal"]["filed_by"] == "S01", body
        status, body = server.post_json(f"{base}/appeal/decision",
                                        {"upheld": True, "reason": "录像核实为误按"}, auth)
        assert status == 200 and body["excluded"] is True, body
        status, stats = server.get_json(f"/api/v1/ratings/monthly?month={month}", auth)
        w1 = stats["by_window"]["1"]
        assert (w1["rated"], w1["bad"], w1["excluded"]) == (1, 0, 1), w1

        # All of it is durable.
        server.restart()
        _, auth = supervisor(server)
        status, body = server.get_json("/api/v1/ratings/follow-ups?all=true", auth)
        [f] = body["follow_ups"]
        assert f["excluded"] and f["appeal"]["decision"]["reason"] == "录像核实为误按", f
        status, stats = server.get_json(f"/api/v1/ratings/monthly?month={month}", auth)
        assert stats["by_window"]["1"]["excluded"] == 1, stats
        status, body = server.post_json("/api/v1/evaluate/1", {"stars": 5}, ev1)
        assert_error(status, body, 409, "rating_timed_out")
    finally:
        gateway.stop()
