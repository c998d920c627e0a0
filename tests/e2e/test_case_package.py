"""Packages (套餐, issue 10) over the real API: one application split into
department parts that run in parallel under a lead department.

A package item "开办企业" (market regulator leading, police and tax parts)
is taken in from the ticket window 1 serves; each part is acted on by its
own department's staff — window 1 (market regulator and police) and
window 2 (tax) — and never by another department's (403); the one set of
materials is shared, a tolerated material holding every part's decision
until it is handed in once; the package completes exactly when its last
part does; the citizen's query by the package's number shows every part;
the same ticket cannot be taken in twice for the same item (409); the
rating of the ticket's service names the package; and a restart keeps it
all.
"""

from __future__ import annotations

from pathlib import Path

from case_hall import APPLICANT_ID, APPLICANT_NAME, APPLICANT_PHONE
from helpers import assert_error, basic, bearer, staff_of, wait_for

PACKAGE_ITEM = {
    "id": "open-company",
    "name": "企业开办“一件事”",
    "name_en": "Company start-up package",
    "department": "amr",
    "queue": "B",
    "promise_days": 3,
    "materials": ["公司登记申请书", "公司章程", "住所使用证明"],
    "case": {
        "fee_fen": 0,
        "materials": [
            {"name": "公司登记申请书", "name_en": "Registration application"},
            {"name": "公司章程", "name_en": "Articles of association"},
            {"name": "住所使用证明", "name_en": "Proof of address", "tolerated": True},
        ],
        "package": {
            "name": "我要开一家公司",
            "name_en": "I want to start a company",
            "lead": "amr",
            "parts": [
                {"department": "amr", "name": "营业执照", "name_en": "Business licence",
                 "days": 1},
                {"department": "police", "name": "公章刻制备案", "name_en": "Seal engraving",
                 "days": 1},
                {"department": "tax", "name": "涉税事项及发票申领",
                 "name_en": "Tax registration and invoices", "days": 2},
            ],
        },
    },
}


def package_hall(config: dict) -> dict:
    """The small hall with the package item on queue B. Window 1 serves B
    (police and the market regulator), window 2 serves C (tax), window 3
    serves A (general intake, no part)."""
    config["departments"] += [
        {"id": "amr", "name": "市场监督管理局", "name_en": "Market regulation"},
        {"id": "tax", "name": "税务局", "name_en": "Tax bureau"},
    ]
    config["items"].append(PACKAGE_ITEM)
    for item in config["items"]:
        if item["id"] == "tax":
            item["department"] = "tax"
    for w in config["windows"]:
        if w["id"] == "1":
            w["queues"] = [{"queue": "B", "role": "primary"}]
        if w["id"] == "2":
            w["queues"] = [{"queue": "C", "role": "primary"}]
    config["devices"] = config.get("devices", []) + [
        {"id": "EV1", "kind": "evaluator", "password": "pw-EV1", "window": "1"},
    ]
    return config


def session(server, window_terminal, window: str):
    """Logs window `window`'s terminal in and opens its staff's caller
    session: (the terminal, the caller token)."""
    terminal = window_terminal(server, window)
    staff, pin = staff_of(window)
    status, body = server.post_json(f"/api/v1/windows/{window}/session",
                                    {"staff": staff, "pin": pin})
    assert status == 200, body
    return terminal, body["token"]


def intake() -> dict:
    return {
        "applicant": {"kind": "person", "id_number": APPLICANT_ID, "name": APPLICANT_NAME,
                      "phone": APPLICANT_PHONE},
        "materials": ["公司登记申请书", "公司章程"],
    }


def act(server, number: str, action: str, token: str, body: dict | None = None,
        want: int = 200) -> dict:
    status, reply = server.post_json(f"/api/v1/cases/{number}/{action}", body or {},
                                     bearer(token))
    assert status == want, f"{number} {action}: {status} {reply}"
    return reply


def test_a_package_runs_in_department_parts_and_completes_with_the_last(
        start_server, small_hall_config, window_terminal, supervisor, tmp_path):
    data = tmp_path / "package-data"
    server = start_server(package_hall(small_hall_config), data_dir=data)
    ticket = server.issue(item="open-company")
    terminal, amr_police = session(server, window_terminal, "1")
    _, tax = session(server, window_terminal, "2")
    _, general = session(server, window_terminal, "3")
    reply = terminal.call_next()
    assert reply.get("ok") is True and reply["ticket"]["id"] == ticket["id"], reply

    # Intake: one package, three department parts, one set of materials.
    status, v = server.post_json("/api/v1/cases", intake(), bearer(amr_police))
    assert status == 201, v
    pkg = v["package"]
    number = pkg["number"]
    assert pkg["ticket"] == ticket["id"] and pkg["lead"] == "amr"
    assert pkg["parts"] == [f"{number}-P1", f"{number}-P2", f"{number}-P3"]
    progress = v["progress"]
    assert progress["status"] == "in_progress" and (progress["done"], progress["total"]) == (0, 3)
    assert [p["department"] for p in progress["parts"]] == ["amr", "police", "tax"]
    assert [p["lead"] for p in progress["parts"]] == [True, False, False]
    assert all(p["status"] == "in_progress" and p["deadline"] and p["colour"]
               for p in progress["parts"]), progress
    assert APPLICANT_ID not in str(v) and APPLICANT_NAME not in str(v)

    # One case per ticket and item: the same ticket again is refused.
    status, body = server.post_json("/api/v1/cases", intake(), bearer(amr_police))
    assert_error(status, body, 409, "case_ticket_taken")
    assert number in body["error"]["message"]

    p1, p2, p3 = (f"{number}-P{n}" for n in (1, 2, 3))
    # Each part is its department's: tax staff cannot act on the market
    # regulator's part, nor window 1's staff on the tax part.
    status, body = server.post_json(f"/api/v1/cases/{p1}/approve", {}, bearer(tax))
    assert_error(status, body, 403, "case_other_department")
    status, body = server.post_json(f"/api/v1/cases/{p3}/approve", {}, bearer(amr_police))
    assert_error(status, body, 403, "case_other_department")
    # Staff with no part in it do not see the package.
    status, body = server.get_json(f"/api/v1/cases/{number}", bearer(general))
    assert_error(status, body, 403, "case_other_department")

    # The tolerated material holds every decision until handed in once.
    status, body = server.post_json(f"/api/v1/cases/{p3}/approve", {}, bearer(tax))
    assert_error(status, body, 409, "case_materials_owed")
    status, body = server.post_json(f"/api/v1/cases/{number}/approve", {}, bearer(tax))
    assert_error(status, body, 409, "case_package_action")
    v = act(server, number, "supply", tax, {"materials": ["住所使用证明"]})
    assert v["package"]["history"][-1]["type"] == "materials_supplied"

    # Parts complete in any order; the package only with the last.
    v = act(server, p3, "approve", tax)
    assert v["case"]["status"] == "completed" and v["case"]["department"] == "tax"
    v = act(server, p1, "approve", amr_police)
    assert v["case"]["status"] == "completed"
    status, v = server.get_json(f"/api/v1/cases/{number}", bearer(tax))
    assert status == 200, v
    assert v["progress"]["status"] == "in_progress" and v["progress"]["done"] == 2
    assert v["package"]["completed_on"] is None
    assert [p["status"] for p in v["progress"]["parts"]] == ["completed", "in_progress",
                                                             "completed"]
    act(server, p2, "approve", amr_police)
    status, v = server.get_json(f"/api/v1/cases/{number}", bearer(amr_police))
    assert status == 200, v
    assert v["progress"]["status"] == "completed" and v["progress"]["done"] == 3
    assert v["package"]["completed_on"] is not None
    assert v["package"]["history"][-1]["type"] == "package_completed"
    # Delivery is each part's own.
    v = act(server, p2, "deliver", amr_police, {"method": "pick_up", "notice": "领取通知001"})
    assert v["case"]["status"] == "delivered"

    # The citizen's query by the package's number shows every part.
    status, public = server.get_json(f"/api/v1/cases/{number}/public?check=5678")
    assert status == 200, public
    assert public["kind"] == "package" and public["status_zh"] == "已办结"
    assert (public["done"], public["total"]) == (3, 3) and public["owed"] == []
    assert [p["number"] for p in public["parts"]] == [p1, p2, p3]
    assert [p["department_name"] for p in public["parts"]] == ["市场监督管理局", "公安局",
                                                                "税务局"]
    assert [p["status"] for p in public["parts"]] == ["completed", "delivered", "completed"]
    assert all(p["history"] for p in public["parts"])
    assert [h["type"] for h in public["history"]] == [
        "package_received", "materials_supplied", "package_completed"]
    wrong = server.get_json(f"/api/v1/cases/{number}/public?check=0000")
    assert wrong[0] == 404
    # One part by its own number is a case like any other.
    status, part = server.get_json(f"/api/v1/cases/{p3}/public?check=5678")
    assert status == 200 and part["number"] == p3 and part["status"] == "completed"

    # The rating of the ticket's service belongs to the package.
    terminal.serve_and_finish()
    ev = basic("EV1", "pw-EV1")

    def prompt_open():
        status, body = server.get_json("/api/v1/evaluate/1", ev)
        return status == 200 and body["open"] and body["ticket"] == ticket["id"]
    wait_for("the rating prompt", prompt_open)
    status, body = server.post_json("/api/v1/evaluate/1", {"stars": 5}, ev)
    assert status == 201, body
    status, rating = server.get_json(f"/api/v1/tickets/{ticket['id']}/evaluation")
    assert status == 200, rating
    assert rating["case"] == number and rating["service"]["case"] == number

    # A restart keeps the package, its parts and the ticket's case.
    server.restart()
    lead = supervisor(server).token
    status, v = server.get_json(f"/api/v1/cases/{number}", bearer(lead))
    assert status == 200, v
    assert v["progress"]["status"] == "completed"
    assert [p["status"] for p in v["progress"]["parts"]] == ["completed", "delivered",
                                                             "completed"]
    status, public = server.get_json(f"/api/v1/cases/{number}/public?check=002X")
    assert status == 200 and len(public["parts"]) == 3
    status, listed = server.get_json("/api/v1/cases", bearer(lead))
    assert status == 200
    assert {p1, p2, p3} <= {c["case"]["number"] for c in listed["cases"]}

    # Nothing personal is readable in the sled files (parts sealed, the
    # package record masked).
    server.terminate()
    raw = b"".join(p.read_bytes() for p in Path(data).rglob("*") if p.is_file())
    assert number.encode() in raw
    for secret in (APPLICANT_ID, APPLICANT_PHONE, APPLICANT_NAME):
        assert secret.encode("utf-8") not in raw, f"{secret} readable in the data dir"


def test_a_package_is_told_in_one_acceptance_and_one_completion_sms(
        start_server, small_hall_config, window_terminal):
    """A real local receiver stands in for the SMS gateway: the package gets
    ONE acceptance SMS (its name and number, its parts, the material still
    owed and by when), a part's correction names the part and its
    department, and ONE completion SMS lists each part's decision — no SMS
    per part for what the citizen applied for once."""
    from helpers import HOST, wait_until
    from test_silent_calling import Gateway

    gateway = Gateway().start()
    try:
        config = package_hall(small_hall_config)
        config["notify"] = {"webhook": f"http://{HOST}:{gateway.port}/sms"}
        server = start_server(config)
        ticket = server.issue(item="open-company")
        terminal, amr_police = session(server, window_terminal, "1")
        _, tax = session(server, window_terminal, "2")
        reply = terminal.call_next()
        assert reply.get("ok") is True and reply["ticket"]["id"] == ticket["id"], reply
        status, v = server.post_json("/api/v1/cases", intake(), bearer(amr_police))
        assert status == 201, v
        number = v["package"]["number"]
        p1, p2, p3 = (f"{number}-P{n}" for n in (1, 2, 3))

        def ours() -> list[dict]:
            return [n for n in gateway.received() if n.get("package") == number
                    or str(n.get("case", "")).startswith(number)]

        def wait_kind(kind: str) -> dict:
            assert wait_until(lambda: any(n["kind"] == kind for n in ours()), 15.0), \
                f"no {kind}; got {[n['kind'] for n in ours()]}"
            return next(n for n in ours() if n["kind"] == kind)

        accepted = wait_kind("package_accepted")
        assert accepted["id"] == f"{number}/accepted" and accepted["case"] == number
        assert accepted["phone"] == APPLICANT_PHONE
        text = accepted["text"]
        for want in ("我要开一家公司", number, "已受理", "住所使用证明", accepted["owed_by"],
                     "营业执照", "公章刻制备案", "涉税事项及发票申领", "/case"):
            assert want in text, f"{want} missing: {text}"
        assert accepted["deadline"] in text and "-P1" not in text, text
        assert [o["name"] for o in accepted["owed"]] == ["住所使用证明"]

        # The police part asks for a correction: the SMS names the part and
        # who asks.
        act(server, p2, "correction", amr_police, {"materials": ["公章样式说明"]})
        corr = wait_kind("case_correction")
        assert corr["case"] == p2 and corr["package"] == number
        assert corr["department_name"] == "公安局" and corr["item_name"] == "公章刻制备案"
        for want in ("我要开一家公司", "公章刻制备案", "公安局", p2, "公章样式说明"):
            assert want in corr["text"], f"{want} missing: {corr['text']}"
        act(server, p2, "answer", amr_police, {"materials": ["公章样式说明"]})

        act(server, number, "supply", tax, {"materials": ["住所使用证明"]})
        act(server, p3, "approve", tax)
        act(server, p1, "approve", amr_police)
        act(server, p2, "reject", amr_police, {"reason": "公章样式不符合规定"})
        done = wait_kind("package_completed")
        assert done["id"] == f"{number}/completed" and done["phone"] == APPLICANT_PHONE
        text = done["text"]
        for want in ("我要开一家公司", number, "已全部办结", "营业执照准予许可",
                     "公章刻制备案不予许可（理由：公章样式不符合规定）",
                     "涉税事项及发票申领准予许可", "领取", done["delivery_due"]):
            assert want in text, f"{want} missing: {text}"
        assert "企业开办" not in text, "the item's name, not the package's"
        assert [p["outcome"]["outcome"] for p in done["parts"]] == ["approved", "rejected",
                                                                     "approved"]
        # One lane per package, in order: everything before the completion
        # has arrived, and that is all.
        assert [n["kind"] for n in ours()] == ["package_accepted", "case_correction",
                                               "package_completed"], ours()
        assert gateway.keys.count(f"{number}/accepted") == 1
    finally:
        gateway.stop()
