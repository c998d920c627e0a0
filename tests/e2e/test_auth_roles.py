"""Field fault (a newcomer's trial) — kind: the answer must say what is
wrong with a credential.

Input: a window staff member's valid caller token sent to a supervisor's
endpoint got 401 "the token is unknown or expired", so they logged in again
and again. A valid token of the wrong role is now 403 naming the role that
is needed (both ways), and every 401 for a missing or unknown bearer token
carries `WWW-Authenticate: Bearer` (RFC 7235 §3.1, RFC 6750 §3).
"""

from __future__ import annotations

from helpers import Server, assert_error


def caller_token(server: Server, window: str = "1") -> str:
    status, body = server.post_json(f"/api/v1/windows/{window}/session", {"staff": "S01", "pin": "1111"})
    assert status == 200, (status, body)
    return body["token"]


def test_a_staff_token_at_a_supervisor_endpoint_is_403_naming_the_role(small_hall: Server):
    token = caller_token(small_hall)
    status, body = small_hall.get_json("/api/v1/alarms", {"Authorization": f"Bearer {token}"})
    assert_error(status, body, 403, "supervisor_required")
    assert "管理员" in body["error"]["message"]
    # The token still works where it belongs.
    status, body = small_hall.post_json("/api/v1/windows/1/commands", {"id": "roles-1", "action": "pause", "reason": "e2e"},
                                        {"Authorization": f"Bearer {token}"})
    assert status == 200, (status, body)


def test_a_supervisor_token_at_a_window_endpoint_is_403_naming_the_role(small_hall: Server):
    token = small_hall.staff_token()
    status, body = small_hall.post_json("/api/v1/windows/1/commands", {"id": "roles-2", "action": "pause"},
                                        {"Authorization": f"Bearer {token}"})
    assert_error(status, body, 403, "caller_required")
    assert "窗口工作人员" in body["error"]["message"]


def test_missing_and_unknown_tokens_are_401_with_a_bearer_challenge(small_hall: Server):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        with small_hall.http() as client:
            status, response_headers, _ = client.request_raw("GET", "/api/v1/alarms", headers=headers)
        assert status == 401
        assert response_headers.get("WWW-Authenticate", "").startswith("Bearer"), dict(response_headers)
    # A wrong password is a 401 too, but there is no token to challenge for.
    with small_hall.http() as client:
        status, response_headers, _ = client.request_raw(
            "POST", "/api/v1/login", {"user": "admin", "password": "wrong"})
    assert status == 401
