"""Issue 8, item 16 — kind: *the phone page tells the truth in each state,
and says when it does not know*.

A ticket in a queue that no window is open to call (nobody logged in, or
every window paused) must not be promised "预计等候 0 分钟": the public
ticket status API (what `/t/{id}` reads) says `wait_unknown: true` and gives
no expected call time. Once a window of its queue is open, the wait is
known again. Real binary, paho-mqtt terminal.
"""

from __future__ import annotations

from helpers import SMALL_HALL


def test_no_window_serving_means_the_wait_is_unknown(start_server, window_terminal):
    server = start_server(SMALL_HALL)
    # Queue C (tax): windows 1, 2 (secondary) and 24; nobody is logged in.
    ticket = server.issue(item="tax")
    view = server.ticket(ticket["id"])
    assert view["status"] == "waiting", view
    assert view.get("wait_unknown") is True, \
        f"a wait promised in a queue no window serves: {view}"
    assert view.get("expected_call_at") is None, view

    terminal = window_terminal(server, 24)
    view = server.ticket(ticket["id"])
    assert not view.get("wait_unknown"), view
    assert view.get("expected_call_at") is not None, view

    terminal.act("pause", reason="break")
    view = server.ticket(ticket["id"])
    assert view.get("wait_unknown") is True, f"every window of the queue is paused: {view}"


def test_a_skipped_ticket_says_until_when_it_may_rejoin(start_server, window_terminal):
    """Item 16: a skipped (过号) ticket's status says until when it may rejoin
    (the hall's `calling.rejoin_within_s`); the rejoin then works."""
    server = start_server(SMALL_HALL)
    terminal = window_terminal(server, 1)
    ticket = server.issue(item="general")
    terminal.act("call_next")
    terminal.act("skip")
    view = server.ticket(ticket["id"])
    assert view["status"] == "no_show", view
    assert view.get("rejoin_until"), f"a skipped ticket is not offered rejoin: {view}"
    status, body = server.post_json(f"/api/v1/tickets/{ticket['id']}/rejoin", {})
    assert status == 200, body
    view = server.ticket(ticket["id"])
    assert view["status"] == "waiting" and "rejoin_until" not in view, view
