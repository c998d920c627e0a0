"""Issue 8, item 2 — kind: what the gate accepts and what the broker accepts
differ. Every CONNECT either works end to end or is refused at the gate with
the MQTT return code a device can show.

Input: an MQTT 3.1 client (protocol name `MQIsdp`, level 3), which the gate's
document says it supports, used to pass the gate and then be dropped by the
embedded broker with no CONNACK. (The property test
`gate_and_broker_parsers_agree` in `src/mqtt/` holds the gate's parser
against the broker's for every CONNECT/PUBLISH/SUBSCRIBE.)
"""

from __future__ import annotations

import paho.mqtt.client as mqtt

from helpers import Server
from mqtt_terminal import Terminal


def terminal_speaking(server: Server, window: int, protocol: int) -> Terminal:
    terminal = Terminal.for_window(server, window)
    # Same device, same will, only the protocol version differs.
    terminal.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=terminal.device, protocol=protocol)
    terminal.client.username_pw_set(terminal.device, f"pw-{terminal.device}")
    terminal.client.will_set(f"{terminal.prefix}/device/{terminal.device}/status",
                             "offline", qos=1, retain=True)
    terminal.client.on_connect = terminal._on_connect
    terminal.client.on_disconnect = terminal._on_disconnect
    terminal.client.on_subscribe = terminal._on_subscribe
    terminal.client.on_message = terminal._on_message
    return terminal


def test_mqtt_3_1_terminal_works_end_to_end(small_hall: Server):
    # Kind: gate and broker disagree on CONNECT. Input: protocol name MQIsdp, level 3.
    ticket = small_hall.issue(item="general")
    terminal = terminal_speaking(small_hall, 1, mqtt.MQTTv31)
    ok, what = terminal.try_connect()
    assert ok, f"an MQTT 3.1 terminal was not served: {what}"
    try:
        terminal.subscribe(terminal.reply_topic())
        terminal.connected = True
        terminal.login()
        reply = terminal.call_next()
        assert reply.get("ok") is True and reply["ticket"]["id"] == ticket["id"], reply
    finally:
        terminal.close()


def test_mqtt_5_terminal_is_refused_with_a_return_code(small_hall: Server):
    # Kind: gate and broker disagree on CONNECT. Input: protocol level 5, which
    # neither serves: the device must get CONNACK 0x01, not a silent drop.
    terminal = terminal_speaking(small_hall, 1, mqtt.MQTTv5)
    ok, what = terminal.try_connect()
    assert not ok
    assert "CONNACK refused" in what, what
    metrics = small_hall.metrics()
    assert metrics.value("tingwu_rejected_inputs_total", channel="mqtt", reason="bad_connect") >= 1
