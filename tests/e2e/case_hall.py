"""The small hall with cases (办件) for the case tests: item `police` (queue B,
department police, a promise case of 5 working days) gets an `[items.case]`
section — four steps, its household register tolerated missing (容缺) — and a
helper that brings a window to a called ticket of that item with a caller
session for its staff, as the window staff's page would have.
"""

from __future__ import annotations

from typing import Any

from helpers import Server, staff_of

# A valid GB 11643 ID number, a phone and a name that appear nowhere else.
APPLICANT_ID = "11010519491231002X"
APPLICANT_PHONE = "13912345678"
APPLICANT_NAME = "欧阳娜娜"

POLICE_CASE = {
    "fee_fen": 0,
    "steps": [
        {"name": "受理", "name_en": "Acceptance", "days": 0},
        {"name": "审查", "name_en": "Review", "days": 3},
        {"name": "决定", "name_en": "Decision", "days": 1},
        {"name": "办结", "name_en": "Completion", "days": 1},
    ],
    "materials": [
        {"name": "身份证", "name_en": "ID card"},
        {"name": "户口簿", "name_en": "Household register", "tolerated": True},
    ],
}


def with_cases(config: dict) -> dict:
    """The small hall's config with the police item taking cases."""
    for item in config["items"]:
        if item["id"] == "police":
            item["case"] = POLICE_CASE
    return config


def intake_body(**applicant: Any) -> dict:
    """A person's intake with the ID card handed in and the register owed."""
    person = {"kind": "person", "id_number": APPLICANT_ID, "name": APPLICANT_NAME,
              "phone": APPLICANT_PHONE}
    person.update(applicant)
    return {"applicant": person, "materials": ["身份证"]}


def call_police_ticket(server: Server, window_terminal, window: str = "1") -> tuple[Any, str]:
    """Takes a police ticket, calls it over MQTT at `window` (its terminal
    logged in), and opens the staff's caller session. Returns the terminal
    and the caller token."""
    ticket = server.issue(item="police")
    terminal = window_terminal(server, window)
    reply = terminal.call_next()
    assert reply.get("ok") is True, reply
    assert reply["ticket"]["id"] == ticket["id"], reply
    staff, pin = staff_of(window)
    status, body = server.post_json(f"/api/v1/windows/{window}/session", {"staff": staff, "pin": pin})
    assert status == 200, body
    return terminal, body["token"]
