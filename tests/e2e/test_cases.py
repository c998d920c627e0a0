"""Cases (办件) over the real API (issue 10, acceptance 3 and 6).

- A ticket is taken and called over MQTT; the window's staff take in a
  promise case (承诺件) with a tolerated missing material (容缺) and move it
  through every step — a correction (补正), a suspension (挂起) and its
  resumption, an extension (延期) by a supervisor, each approval step, the
  owed material handed in, the decision and the delivery — and the
  citizen's query shows each step. (A suspension across a holiday needs the
  clock to move: `src/http/cases_tests.rs` drives the same API with an
  injected clock across the 2026 Spring Festival.)
- Nothing personal is readable in the sled files or in the server's log.
- An intake retried with its Idempotency-Key gets its case; the same key
  with another request is refused (422 idempotency_mismatch), also after a
  restart.
"""

from __future__ import annotations

from pathlib import Path

from case_hall import (APPLICANT_ID, APPLICANT_NAME, APPLICANT_PHONE, call_police_ticket,
                       intake_body, with_cases)
from helpers import assert_error, bearer, staff_of


def act(server, number: str, action: str, token: str, body: dict | None = None,
        want: int = 200) -> dict:
    status, reply = server.post_json(f"/api/v1/cases/{number}/{action}", body or {}, bearer(token))
    assert status == want, f"{action}: {status} {reply}"
    return reply


def test_a_promise_case_goes_through_every_step_and_the_citizen_sees_each(
        start_server, small_hall_config, window_terminal, supervisor):
    server = start_server(with_cases(small_hall_config))
    _, staff = call_police_ticket(server, window_terminal)
    lead = supervisor(server).token
    serving = server.windows()["1"]["ticket"]["id"]

    status, v = server.post_json("/api/v1/cases", intake_body(), bearer(staff))
    assert status == 201, v
    case = v["case"]
    number = case["number"]
    # The staff answer names the ticket the case was taken in from.
    assert v["ticket"] == serving, v
    assert number.startswith(f"{server.hall}-"), number
    assert case["status"] == "in_progress" and case["item"] == "police"
    assert case["rules"]["kind"] == "promise"
    assert case["window"] == "1"
    assert case["applicant"] == {"kind": "person", "id": "110***********002X",
                                 "name": "欧**娜", "phone": "139****5678"}
    notice = v["history"][0]["payload"]["notice"]
    assert [i["name"] for i in notice["items"]] == ["户口簿"], notice
    assert v["supervision"]["colour"] == "green"

    # Only window staff take cases in (a supervisor's token is refused).
    status, body = server.post_json("/api/v1/cases", intake_body(), bearer(lead))
    assert_error(status, body, 403, "staff_only")

    # A body or query serde cannot read is refused with a Chinese lead.
    status, body = server.post_json(f"/api/v1/cases/{number}/suspend",
                                    {"procedure": "picnic", "detail": "x", "notice": "n"},
                                    bearer(staff))
    err = assert_error(status, body, 400, "bad_json")
    assert err["message"].startswith("请求格式错误 / ") and "hearing" in err["message"], err
    status, body = server.get_json("/api/v1/supervision?colour=purple", bearer(lead))
    err = assert_error(status, body, 400, "bad_query")
    assert err["message"].startswith("查询参数错误 / "), err

    act(server, number, "correction", staff, {"materials": ["身份证复印件不清晰"]})
    v = act(server, number, "answer", staff, {"materials": ["身份证复印件不清晰"]})
    assert v["case"]["status"] == "in_progress"
    v = act(server, number, "suspend", staff,
            {"procedure": "site_inspection", "detail": "现场核查", "notice": "核查告知书001"})
    assert v["case"]["status"] == "suspended" and v["supervision"]["paused"] is True
    act(server, number, "resume", staff)
    status, body = server.post_json(f"/api/v1/cases/{number}/extend",
                                    {"days": 3, "reason": "需补充调查"}, bearer(staff))
    assert_error(status, body, 403, "case_role_not_allowed")
    v = act(server, number, "extend", lead, {"days": 3, "reason": "需补充调查"})
    assert v["case"]["limit_days"] == 8
    for _ in range(3):
        act(server, number, "approve", staff, {"opinion": "同意"})
    status, body = server.post_json(f"/api/v1/cases/{number}/approve", {}, bearer(staff))
    assert_error(status, body, 409, "case_materials_owed")
    act(server, number, "supply", staff, {"materials": ["户口簿"]})
    v = act(server, number, "approve", staff, {})
    assert v["case"]["status"] == "completed"
    v = act(server, number, "deliver", staff, {"method": "pick_up", "notice": "领取通知书001"})
    assert v["case"]["status"] == "delivered"
    status, body = server.post_json(f"/api/v1/cases/{number}/resume", {}, bearer(staff))
    assert_error(status, body, 409, "case_transition_not_allowed")

    # The citizen's query, by the phone's or the ID number's last four.
    status, public = server.get_json(f"/api/v1/cases/{number}/public?check=5678")
    assert status == 200, public
    assert [h["type"] for h in public["history"]] == [
        "received", "correction_requested", "correction_answered", "suspended", "resumed",
        "extended", "step_approved", "step_approved", "step_approved", "materials_supplied",
        "completed", "delivered"]
    assert all(h["zh"] and h["en"] for h in public["history"])
    assert public["status_zh"] == "已送达" and public["applicant"] == "欧**娜"
    assert all(s["done_on"] is not None for s in public["stages"]), public["stages"]
    # The day of the decision is a field of its own; the deadline stays the deadline.
    assert public["completed_on"] is not None and public["deadline"] is not None, public
    assert "ticket" not in public
    status, _ = server.get_json(f"/api/v1/cases/{number}/public?check=002x")
    assert status == 200
    wrong = server.get_json(f"/api/v1/cases/{number}/public?check=0000")
    unknown = server.get_json(f"/api/v1/cases/{server.hall}-20000101-000001/public?check=5678")
    assert wrong[0] == unknown[0] == 404 and wrong[1] == unknown[1]
    status, body = server.get_json(f"/api/v1/cases/{number}/public")
    assert_error(status, body, 400, "check_required")

    # Staff and supervisors read it, masked; the page is there.
    status, v = server.get_json(f"/api/v1/cases/{number}", bearer(staff))
    assert status == 200 and v["case"]["status"] == "delivered"
    assert v["ticket"] == serving, v
    assert public["completed_on"] == v["case"]["completed_on"], (public, v["case"])
    status, v = server.get_json("/api/v1/cases", bearer(lead))
    assert status == 200 and [c["case"]["number"] for c in v["cases"]] == [number]
    assert v["cases"][0]["supervision"]["colour"] in ("green", "yellow", "red")
    # ?open=false lists the closed ones, ?open=true the open ones.
    status, closed = server.get_json("/api/v1/cases?open=false", bearer(lead))
    assert status == 200 and [c["case"]["number"] for c in closed["cases"]] == [number]
    status, still_open = server.get_json("/api/v1/cases?open=true", bearer(lead))
    assert status == 200 and still_open["cases"] == [], still_open
    status, page = server.get_text("/case")
    assert status == 200 and "办件查询" in page


def test_nothing_personal_is_readable_in_the_sled_files_or_the_log(
        start_server, small_hall_config, window_terminal, tmp_path):
    data = tmp_path / "personal-data"
    server = start_server(with_cases(small_hall_config), data_dir=data)
    _, staff = call_police_ticket(server, window_terminal)
    status, v = server.post_json("/api/v1/cases", intake_body(), bearer(staff))
    assert status == 201, v
    number = v["case"]["number"]
    act(server, number, "suspend", staff,
        {"procedure": "hearing", "detail": "听证", "notice": "听证告知书001"})
    # The response itself holds only masked values.
    assert APPLICANT_ID not in str(v) and APPLICANT_PHONE not in str(v)
    assert APPLICANT_NAME not in str(v)
    server.terminate()

    secrets = [APPLICANT_ID.encode(), APPLICANT_PHONE.encode(), APPLICANT_NAME.encode("utf-8"),
               APPLICANT_ID.lower().encode()]
    files = [p for p in Path(data).rglob("*") if p.is_file()]
    assert files, "the data dir is empty"
    record_seen = False
    for path in files:
        raw = path.read_bytes()
        record_seen |= number.encode() in raw
        for s in secrets:
            assert s not in raw, f"{s!r} readable in {path}"
    assert record_seen, "the case record is not in the data dir at all"
    log = server.stderr_text()
    assert number in log, "the case's log lines are missing"
    for s in (APPLICANT_ID, APPLICANT_PHONE, APPLICANT_NAME):
        assert s not in log, f"{s} in the server log"


def test_an_intake_key_with_another_request_is_refused_also_after_a_restart(
        start_server, small_hall_config, window_terminal):
    server = start_server(with_cases(small_hall_config))
    _, staff = call_police_ticket(server, window_terminal)

    def keyed(body: dict, token: str) -> tuple[int, dict]:
        return server.post_json("/api/v1/cases", body,
                                {**bearer(token), "Idempotency-Key": "intake-1"})

    status, first = keyed(intake_body(), staff)
    assert status == 201, first
    number = first["case"]["number"]
    status, again = keyed(intake_body(), staff)
    assert status in (200, 201) and again["case"]["number"] == number, again
    # Another applicant, other materials, another option: 422, zh / en,
    # naming the case the key made; nothing new is taken in.
    others = [intake_body(name="欧阳明"), intake_body(phone="13900001111"),
              {**intake_body(), "materials": ["身份证", "户口簿"]},
              {**intake_body(), "on_the_spot": False}]
    for body in others:
        status, reply = keyed(body, staff)
        assert_error(status, reply, 422, "idempotency_mismatch")
        message = reply["error"]["message"]
        assert number in message and "/" in message, message
    m = server.metrics()
    assert m.value("tingwu_rejected_inputs_total", channel="http",
                   reason="idempotency_mismatch") == len(others)

    # After a restart the fingerprint is still there (kept with the case).
    server.restart()
    who, pin = staff_of("1")
    status, body = server.post_json("/api/v1/windows/1/session", {"staff": who, "pin": pin})
    assert status == 200, body
    staff = body["token"]
    status, reply = keyed(intake_body(name="欧阳明"), staff)
    assert_error(status, reply, 422, "idempotency_mismatch")
    status, again = keyed(intake_body(), staff)
    assert status in (200, 201) and again["case"]["number"] == number, again
