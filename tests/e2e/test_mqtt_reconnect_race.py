"""Field fault — kind: a device that comes back with the same client id at
once must keep what it asks for.

Input: a window terminal that sends DISCONNECT and reconnects with the same
client id straight away (or reconnects over a half-dead connection, a
session takeover) and subscribes. The embedded broker (rumqttd 0.20) frees a
connection's slot id on takeover and hands it to the newcomer; the old
link's late `Disconnect` event, which carries that id, then removed the new
connection, so its SUBSCRIBE was never answered ("no SUBACK within 10 s",
seen in test_mqtt_nagle and test_mqtt_persistent_session under load).

The gate now lets one connection per client id reach the broker: a newcomer
takes over (the old device connection is closed) and is forwarded only once
the broker has closed the old upstream connection.
"""

from __future__ import annotations

import socket
import struct

from helpers import Server, terminal_of

ROUNDS = int(__import__("os").environ.get("RACE_ROUNDS", "150"))
SUBACK_TIMEOUT = 5.0


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string(s: str) -> bytes:
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def connect_packet(device: str, password: str, clean: bool) -> bytes:
    flags = 0xC0 | (0x02 if clean else 0)
    body = _string("MQTT") + bytes([4, flags]) + struct.pack("!H", 30)
    body += _string(device) + _string(device) + _string(password)
    return b"\x10" + _remaining_length(len(body)) + body


def subscribe_packet(packet_id: int, topic: str) -> bytes:
    body = struct.pack("!H", packet_id) + _string(topic) + b"\x01"
    return b"\x82" + _remaining_length(len(body)) + body


def read_packet(sock: socket.socket) -> tuple[int, bytes]:
    def exact(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    first = exact(1)[0]
    length, shift = 0, 0
    while True:
        byte = exact(1)[0]
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return first >> 4, exact(length)


def session(server: Server, window: int, clean: bool, packet_id: int) -> socket.socket:
    """Connects as the window's terminal and subscribes to its reply topic;
    fails unless CONNACK accepts and the SUBACK comes in time."""
    device, password = terminal_of(window)
    sock = socket.create_connection(("127.0.0.1", server.mqtt_port), timeout=SUBACK_TIMEOUT)
    sock.sendall(connect_packet(device, password, clean))
    kind, body = read_packet(sock)
    assert kind == 2 and body[1] == 0, f"CONNACK {body!r}"
    sock.sendall(subscribe_packet(packet_id, f"tingwu/v1/{server.hall}/window/{window}/reply"))
    while True:
        try:
            kind, body = read_packet(sock)
        except socket.timeout:
            raise AssertionError(f"no SUBACK within {SUBACK_TIMEOUT} s (packet id {packet_id})")
        if kind == 9:
            assert struct.unpack("!H", body[:2])[0] == packet_id
            assert body[2] != 0x80, "subscription refused"
            return sock


def test_reconnect_after_disconnect_keeps_its_subscribe(small_hall: Server):
    for clean in (True, False):
        for n in range(1, ROUNDS + 1):
            sock = session(small_hall, 1, clean, n)
            sock.sendall(b"\xe0\x00")  # DISCONNECT, then at once the next round
            sock.close()


def test_takeover_keeps_the_newcomer(small_hall: Server):
    old = session(small_hall, 2, True, 1)
    for n in range(2, ROUNDS + 2):
        new = session(small_hall, 2, True, n)  # the old one never said goodbye
        old.settimeout(SUBACK_TIMEOUT)
        try:
            assert old.recv(1) == b"", "the replaced connection was not closed"
        except ConnectionResetError:
            pass
        old.close()
        old = new
    old.close()
