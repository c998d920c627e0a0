"""Issue 8, item 1 — kind: a terminal's own TCP settings must not cost it
the server's delayed ACK (~40 ms per command).

paho-mqtt, like many embedded stacks, leaves Nagle's algorithm on: after a
QoS 1 message it sends its PUBACK, and its next small packet waits until
that PUBACK is ACKed by the server's kernel. With delayed ACKs that is about
40 ms for every command. The server cannot choose its clients' socket
options, so the gate must ACK at once. This test runs the same sequential
traffic from one paho terminal twice, with Nagle on (paho's default) and with
`TCP_NODELAY` set, and compares the two against each other in the same run.
It looks for the fault's signature, not for speed: Nagle on may cost at most
1.5x *or* 20 ms (half the delayed-ACK timer), whichever is more, so a busy
machine cannot fail it while one delayed ACK per command always does.
Speed itself is measured by `cargo bench --bench hall_load`.
"""

from __future__ import annotations

import socket
import statistics
import time

from helpers import Server
from mqtt_terminal import Terminal, new_command

ROUNDS = 15
# Half of Linux's 40 ms delayed-ACK timer: one stall per command exceeds it.
STALL_S = 0.020


def echo_round_trips(terminal: Terminal, rounds: int) -> list[float]:
    """Publishes the terminal's own status at QoS 1 and waits for it back
    (the terminal is subscribed at QoS 1, so it PUBACKs every echo)."""
    status = f"{terminal.prefix}/device/{terminal.device}/status"
    times = []
    for n in range(rounds):
        payload = f"online-{n}"
        with terminal._cv:
            mark = len(terminal.replies)
        sent = time.perf_counter()
        info = terminal.client.publish(status, payload, qos=1, retain=False)
        assert info.rc == 0, f"publish failed: {info.rc}"
        terminal.wait_reply(mark, lambda r, p=payload: r.get("_topic") == status
                            and r.get("_unparsable") == p)
        times.append(time.perf_counter() - sent)
    return times


def call_round_trips(server: Server, terminal: Terminal, rounds: int) -> list[float]:
    """call_next → its reply, each after a start and finish of the previous call."""
    times = []
    for _ in range(rounds):
        server.issue(item="general")
        sent = time.perf_counter()
        reply = terminal.request(new_command("call_next"))
        times.append(time.perf_counter() - sent)
        assert reply.get("ok") is True, reply
        terminal.serve_and_finish()
    return times


def measure(server: Server, nodelay: bool, window: int) -> tuple[float, float]:
    # Each measurement has its own terminal: reconnecting one client id at
    # right after its DISCONNECT can lose the SUBSCRIBE — a separate fault,
    # not the Nagle one this test measures.
    terminal = Terminal.for_window(server, window).connect()
    try:
        if nodelay:
            terminal.client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        else:
            # paho's default, asserted so the test keeps testing what it says.
            assert terminal.client.socket().getsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        terminal.subscribe(f"{terminal.prefix}/device/{terminal.device}/status")
        terminal.login()
        echo = statistics.median(echo_round_trips(terminal, ROUNDS))
        calls = statistics.median(call_round_trips(server, terminal, ROUNDS))
        terminal.act("logout")
        return echo, calls
    finally:
        terminal.close()


def test_nagle_at_the_terminal_costs_no_delayed_ack(small_hall: Server):
    # Kind: the client's Nagle meets the server's delayed ACK. Input: paho-mqtt defaults.
    fast_echo, fast_call = measure(small_hall, nodelay=True, window=1)
    slow_echo, slow_call = measure(small_hall, nodelay=False, window=2)
    report = (f"p50 with TCP_NODELAY: echo {fast_echo * 1e3:.1f} ms, call {fast_call * 1e3:.1f} ms; "
              f"with Nagle on: echo {slow_echo * 1e3:.1f} ms, call {slow_call * 1e3:.1f} ms")
    # The fault is a ~40 ms stall per command: allow 1.5x or 20 ms,
    # whichever is more, so scheduling noise on a loaded machine cannot fail it.
    assert slow_echo <= max(1.5 * fast_echo, fast_echo + STALL_S), report
    assert slow_call <= max(1.5 * fast_call, fast_call + STALL_S), report
