"""Calling strategy changed at run time for a group of windows (issue 3, acceptance 2).

The hall's default order puts special groups (特殊人群) before walk-ins. A
supervisor gives windows 3 and 4 an order with walk-ins first; their next
calls over MQTT follow it, while a window outside the group keeps the
default. The change is audited with who and why, and survives a restart.
"""

from __future__ import annotations

from helpers import Server, bearer
from mqtt_terminal import Terminal

WALKINS_FIRST = {"order": ["returned", "green", "appointment", "walkin", "special"]}


def issue(server: Server, priority: str, token: str) -> str:
    status, body = server.post_json(
        "/api/v1/tickets",
        {"item": "general", "priority": priority},
        headers=bearer(token),
    )
    assert status == 201, body
    return body["number"]


def call(terminal: Terminal) -> str:
    reply = terminal.call_next()
    assert reply.get("ok"), reply
    number = reply["ticket"]["number"]
    terminal.serve_and_finish()
    return number


def test_group_strategy_changes_the_next_calls(small_hall: Server, supervisor, window_terminal):
    token = supervisor(small_hall).token
    n1 = issue(small_hall, "normal", token)
    n2 = issue(small_hall, "normal", token)
    s1 = issue(small_hall, "special", token)
    s2 = issue(small_hall, "special", token)

    with window_terminal(small_hall, 3, login=False) as w3, \
            window_terminal(small_hall, 4, login=False) as w4, \
            window_terminal(small_hall, 5, login=False) as w5:
        for t in (w3, w4, w5):
            t.login()
        # Default: special groups before walk-ins.
        assert call(w3) == s1

        status, body = small_hall.put_json(
            "/api/v1/strategies/windows",
            {"windows": ["3", "4"], "strategy": WALKINS_FIRST, "reason": "午间错峰 / midday test"},
            token=token,
        )
        assert status == 200, body
        assert body["windows"]["3"]["order"][3] == "walkin"

        # The group now takes walk-ins first, although S2 waits longer in a higher class.
        assert call(w4) == n1
        assert call(w3) == n2
        # A window outside the group keeps the hall's default.
        assert call(w5) == s2

    # Audited: who, what, why.
    status, body = small_hall.request("GET", "/api/v1/audit?limit=10",
                                      headers=bearer(token))
    assert status == 200, body
    entries = [a["entry"] for a in body["audit"]]
    assert any(e["action"] == "strategy_set" and e["who"] == "admin"
               and e["target"] == "3,4" and "midday" in (e["reason"] or "") for e in entries), entries

    # Persisted: after a restart the group still has its strategy.
    small_hall.restart()
    token = supervisor(small_hall).token
    status, body = small_hall.request("GET", "/api/v1/strategies",
                                      headers=bearer(token))
    assert status == 200 and set(body["windows"]) == {"3", "4"}, body
    s3 = issue(small_hall, "special", token)
    n3 = issue(small_hall, "normal", token)
    with window_terminal(small_hall, 4, login=False) as w4:
        # Still logged in: window state survives restarts too.
        assert call(w4) == n3
    assert s3


def test_invalid_strategies_are_refused(small_hall: Server, supervisor):
    token = supervisor(small_hall).token
    for bad in ({"order": ["walkin", "walkin"]}, {"blend": [{"class": "walkin", "weight": 1}]},
                {"max_wait_s": 5}, {"colour": "red"}):
        status, body = small_hall.put_json("/api/v1/strategies/hall", {"strategy": bad}, token=token)
        assert status == 400, (bad, body)
        assert body["error"]["code"] in ("invalid_strategy", "bad_json"), body
    status, body = small_hall.put_json("/api/v1/strategies/hall", {"strategy": {}})
    assert status == 401, body


def test_strategy_set_from_the_dashboard_stream(small_hall: Server, supervisor, open_screen):
    """A supervisor changes the hall's strategy on the dashboard stream itself."""
    import json

    token = supervisor(small_hall).token
    with open_screen(small_hall, f"/ws/dashboard?token={token}") as dash:
        first = dash.recv(timeout=5)
        assert first and first["type"] == "snapshot"
        dash.ws.send(json.dumps({
            "type": "set_strategy", "id": "d1", "scope": "hall",
            "strategy": {"max_wait_s": 1800}, "reason": "高峰防止久等 / peak cap",
        }))
        result = None
        for _ in range(50):
            frame = dash.recv(timeout=5)
            if frame and frame["type"] == "command_result":
                result = frame
                break
        assert result and result["payload"]["ok"] and result["payload"]["id"] == "d1", result
        assert result["payload"]["result"]["hall"]["max_wait_s"] == 1800
        dash.ws.send(json.dumps({"type": "set_strategy", "scope": "hall", "strategy": {"max_wait_s": 5}}))
        refused = None
        for _ in range(50):
            frame = dash.recv(timeout=5)
            if frame and frame["type"] == "command_result":
                refused = frame
                break
        assert refused and not refused["payload"]["ok"], refused
    status, body = small_hall.request("GET", "/api/v1/strategies",
                                      headers=bearer(token))
    assert status == 200 and body["hall"]["max_wait_s"] == 1800, body
