"""Issue 8, item 8 — kind: *an answer, once given, is final*.

A refusal that is an answer about the command itself (`queue_empty`,
`bad_state`, ...) is kept durably like a successful reply, so a command
delivered again after a restart gets the same refusal instead of taking
effect later. Driven with paho-mqtt against the real binary, with a restart
between the first delivery and the redelivery.
"""

from __future__ import annotations

from helpers import SMALL_HALL
from mqtt_terminal import Terminal, new_command


def test_refusals_survive_a_restart(start_server, window_terminal, tmp_path):
    server = start_server(SMALL_HALL, data_dir=tmp_path / "data")
    # Window 24 serves only queue C, which is empty.
    terminal = window_terminal(server, 24)
    call = new_command("call_next")
    first = terminal.request(call)
    assert first.get("ok") is False and first.get("error", {}).get("code") == "queue_empty", first
    finish = new_command("finish")
    refused = terminal.request(finish)
    assert refused.get("ok") is False, refused
    terminal.close()

    server.restart()
    ticket = server.issue(item="tax")
    with Terminal.for_window(server, 24) as again:
        # The same command ids, delivered again (a QoS 1 redelivery).
        second = again.request(call)
        assert second.get("ok") is False and second.get("error", {}).get("code") == "queue_empty", \
            f"the redelivered call_next took effect after a restart: {second}"
        assert again.request(finish) == refused
        # The ticket that came later is still waiting, and a new command calls it.
        status, body = server.get_json(f"/api/v1/tickets/{ticket['id']}")
        assert status == 200 and body.get("status") == "waiting", body
        called = again.call_next()
        assert called.get("ok") is True, called
