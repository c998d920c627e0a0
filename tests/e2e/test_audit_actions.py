"""Issue 8, item 13 — kind: *a staff or supervisor action that leaves no
audit entry*. Every staff and supervisor action is audited as an audit
event in the same commit as the change: window enable/disable, login,
logout, pause (with its reason), resume, skip and named calls; `GET
/api/v1/audit` shows them.
"""

from __future__ import annotations

from helpers import Server, bearer
from mqtt_terminal import new_command


def audit(server: Server, token: str) -> list[dict]:
    status, body = server.get_json("/api/v1/audit?limit=100", bearer(token))
    assert status == 200, body
    return [a["entry"] for a in body["audit"]]


def test_every_staff_and_supervisor_action_is_audited(small_hall: Server, window_terminal):
    # Kind: an action that leaves no audit entry — the field fault listed
    # window enable/disable, logins, logouts, pauses, skips and named calls.
    token = small_hall.login()
    first = small_hall.issue(item="general")
    named = small_hall.issue(item="general")
    with window_terminal(small_hall, 1, login=False) as terminal:
        assert terminal.request(new_command("login", staff="S01", pin="1111"))["ok"] is True
        assert terminal.request(new_command("pause", reason="午餐 lunch"))["ok"] is True
        assert terminal.request(new_command("resume"))["ok"] is True
        assert terminal.request(new_command("call", ticket=named["number"], reason="回访"))["ok"] is True
        assert terminal.request(new_command("skip"))["ok"] is True
        assert terminal.request(new_command("logout"))["ok"] is True
    small_hall.set_enabled("2", False, token)
    small_hall.set_enabled("2", True, token)

    entries = audit(small_hall, token)
    by_action: dict[str, list[dict]] = {}
    for e in entries:
        by_action.setdefault(e["action"], []).append(e)
    for action in ("login", "logout", "pause", "resume", "skip", "call_out_of_order",
                   "window_disabled", "window_enabled"):
        assert action in by_action, f"no {action} in the audit log: {entries}"
    assert by_action["login"][0]["who"] == "S01" and by_action["login"][0]["target"] == "1"
    assert by_action["logout"][0]["who"] == "S01"
    assert by_action["pause"][0]["reason"] == "午餐 lunch"
    assert by_action["skip"][0]["target"] == named["id"], by_action["skip"]
    assert by_action["window_disabled"][0]["who"] == "admin"
    assert by_action["window_disabled"][0]["target"] == "2"
    assert by_action["window_disabled"][0]["reason"] == "e2e test"
    assert first["id"]  # issued, still waiting: only staff actions are audited
