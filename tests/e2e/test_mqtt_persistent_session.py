"""Issue 8, item 3 — kind: a (re)subscription to a retained topic must get
the topic's current value, whatever the session.

Input: a terminal that reconnects with a persistent session
(`clean_session = false`, as the terminal docs recommend) and subscribes to
its window's `state` topic again. The embedded broker kept the subscription
in the session and so sent no retained state: the display stayed blank until
the next change.
"""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt

from helpers import Server
from mqtt_terminal import Terminal

STATE_TIMEOUT = 5.0


def persistent_terminal(server: Server, window: int) -> Terminal:
    terminal = Terminal.for_window(server, window)
    terminal.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=terminal.device,
                                  protocol=mqtt.MQTTv311, clean_session=False)
    terminal.client.username_pw_set(terminal.device, f"pw-{terminal.device}")
    terminal.client.will_set(f"{terminal.prefix}/device/{terminal.device}/status",
                             "offline", qos=1, retain=True)
    terminal.client.on_connect = terminal._on_connect
    terminal.client.on_disconnect = terminal._on_disconnect
    terminal.client.on_subscribe = terminal._on_subscribe
    terminal.client.on_message = terminal._on_message
    return terminal


def states_after(terminal: Terminal, mark: int, topic: str) -> list[dict]:
    with terminal._cv:
        terminal._cv.wait_for(
            lambda: any(r.get("_topic") == topic for r in terminal.replies[mark:]), STATE_TIMEOUT)
        return [r for r in terminal.replies[mark:] if r.get("_topic") == topic]


def test_resubscribe_with_persistent_session_gets_retained_state(small_hall: Server):
    # Kind: resubscription to a retained topic. Input: clean_session=false, same filter again.
    state_topic = f"tingwu/v1/{small_hall.hall}/window/1/state"
    first = persistent_terminal(small_hall, 1).connect()
    first.login()
    mark = len(first.replies)
    first.subscribe(state_topic)
    states = states_after(first, mark, state_topic)
    assert states, "no retained state on the first subscription"
    current = states[-1]
    first.close()

    for attempt in range(2):  # the second time the session surely holds the subscription
        again = persistent_terminal(small_hall, 1)
        ok, what = again.try_connect()
        assert ok, what
        try:
            mark = len(again.replies)
            again.subscribe(state_topic)
            states = states_after(again, mark, state_topic)
            assert states, f"reconnect {attempt + 1}: resubscribing to {state_topic} " \
                           "with a persistent session gave no state"
            assert states[-1].get("state") == current.get("state"), (states[-1], current)
            # The session still works: commands are answered.
            again.subscribe(again.reply_topic())
            assert again.call_next().get("id"), "no reply after resubscribing"
        finally:
            again.close()
