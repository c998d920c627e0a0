"""Consultations (咨询, issue 10) over the real API: window staff record the
enquiries they answer — an item or a free topic, the ticket being served if
any, a short note without personal data — and supervisors read the counts
by department, window and day, kept across a restart; a retry with the
same Idempotency-Key counts once, also after the restart, and the same key
with another request is refused (422 idempotency_mismatch); bad input is
refused with zh/en messages and counted as rejected.
"""

from __future__ import annotations

from datetime import datetime

from helpers import HALL_TZ, assert_error, bearer, staff_of


def session(server, window_terminal, window: str):
    terminal = window_terminal(server, window)
    staff, pin = staff_of(window)
    status, body = server.post_json(f"/api/v1/windows/{window}/session",
                                    {"staff": staff, "pin": pin})
    assert status == 200, body
    return terminal, body["token"]


def record(server, token: str, body: dict, want: int = 201, key: str | None = None) -> dict:
    headers = bearer(token)
    if key:
        headers["Idempotency-Key"] = key
    status, reply = server.post_json("/api/v1/consultations", body, headers)
    assert status == want, f"{body}: {status} {reply}"
    return reply


def test_consultations_are_recorded_at_windows_and_counted(
        start_server, small_hall_config, window_terminal, supervisor):
    server = start_server(small_hall_config)
    lead = supervisor(server).token
    today = datetime.now(HALL_TZ).date().isoformat()
    counts = f"/api/v1/consultations?from={today}&to={today}"
    status, before = server.get_json(counts, bearer(lead))
    assert status == 200 and before["total"] == 0, before

    terminal1, one = session(server, window_terminal, "1")  # queues A, B, C: admin, police
    _, three = session(server, window_terminal, "3")        # queue A: admin

    # A free topic at a window of one department counts for it.
    c = record(server, three, {"topic": "营业执照办理流程", "note": "询问所需材料"})
    assert (c["window"], c["department"], c["ticket"]) == ("3", "admin", None)
    assert c["topic"] == "营业执照办理流程" and c["staff"] == "S03" and c["day"] == today

    # A window of two departments: the item says which, or the request.
    status, body = server.post_json("/api/v1/consultations", {"topic": "户籍迁移"}, bearer(one))
    assert_error(status, body, 400, "department_required")
    assert "/" in body["error"]["message"]  # zh / en
    c = record(server, one, {"item": "police", "note": "迁入条件"})
    assert c["department"] == "police" and c["item"] == "police"
    c = record(server, one, {"topic": "户籍迁移", "department": "police"})
    assert c["department"] == "police"
    status, body = server.post_json("/api/v1/consultations",
                                    {"topic": "x", "department": "tax"}, bearer(one))
    assert_error(status, body, 400, "consultation_other_department")
    status, body = server.post_json("/api/v1/consultations", {"item": "nope"}, bearer(three))
    assert_error(status, body, 400, "item_not_at_window")

    # With a ticket being served: the ticket is recorded, its item's
    # department counts.
    ticket = server.issue(item="general")
    reply = terminal1.call_next()
    assert reply.get("ok") is True and reply["ticket"]["id"] == ticket["id"], reply
    c = record(server, one, {"topic": "医保报销"}, key="consult-1")
    assert c["ticket"] == ticket["id"] and c["department"] == "admin"
    again = record(server, one, {"topic": "医保报销"}, key="consult-1")
    assert again == c, "a retry answers the same consultation"
    # The same key with another request is refused, not answered with the
    # first consultation (422, zh/en, counted).
    status, body = server.post_json("/api/v1/consultations", {"topic": "社保转移"},
                                    {**bearer(one), "Idempotency-Key": "consult-1"})
    assert_error(status, body, 422, "idempotency_mismatch")
    assert c["id"] in body["error"]["message"] and "/" in body["error"]["message"]

    # Bad input: no subject, personal data, a note too long; the wrong
    # roles.
    status, body = server.post_json("/api/v1/consultations", {"note": "只有备注"}, bearer(three))
    assert_error(status, body, 400, "consultation_subject_required")
    status, body = server.post_json("/api/v1/consultations",
                                    {"topic": "社保", "note": "请回电13812345678"}, bearer(three))
    assert_error(status, body, 400, "consultation_personal_data")
    status, body = server.post_json("/api/v1/consultations",
                                    {"topic": "社保", "note": "长" * 201}, bearer(three))
    assert_error(status, body, 400, "consultation_note_too_long")
    status, body = server.post_json("/api/v1/consultations", {"topic": "x"}, bearer(lead))
    assert_error(status, body, 403, "staff_only")
    status, body = server.get_json(counts, bearer(three))
    assert_error(status, body, 403, "forbidden")
    status, body = server.get_json(f"/api/v1/consultations?from={today}&to=2020-01-01",
                                   bearer(lead))
    assert_error(status, body, 400, "bad_range")
    status, body = server.get_json("/api/v1/consultations?from=today&to=today", bearer(lead))
    assert_error(status, body, 400, "bad_date")
    m = server.metrics()
    assert m.value("tingwu_rejected_inputs_total", channel="http",
                   reason="consultation_personal_data") == 1
    assert m.value("tingwu_rejected_inputs_total", channel="http",
                   reason="idempotency_mismatch") == 1

    # The counts, by department, window and day.
    status, v = server.get_json(counts, bearer(lead))
    assert status == 200, v
    assert v["total"] == 4, v
    assert v["by_department"] == {"admin": 2, "police": 2}
    assert v["by_window"] == {"1": 3, "3": 1}
    assert v["by_day"] == {today: 4}

    # A restart keeps them, and the retry still counts once.
    server.restart()
    lead = supervisor(server).token
    # Window 1 is still logged in, its ticket called: only a new session.
    status, body = server.post_json("/api/v1/windows/1/session", {"staff": "S01", "pin": "1111"})
    assert status == 200, body
    one = body["token"]
    again = record(server, one, {"topic": "医保报销"}, key="consult-1")
    assert again["id"] == c["id"]
    status, body = server.post_json("/api/v1/consultations", {"topic": "医保报销", "note": "另一次"},
                                    {**bearer(one), "Idempotency-Key": "consult-1"})
    assert_error(status, body, 422, "idempotency_mismatch")
    status, v = server.get_json(counts, bearer(lead))
    assert status == 200 and v["total"] == 4 and v["by_window"] == {"1": 3, "3": 1}, v
