"""The RS-485 bus (issue 4, acceptance 3): a pymodbus RTU server on a socat
pseudo-terminal pair acts as an LED strip, a wired call terminal and an
evaluator of window 1 (`modbus_devices.py`, the register map of
firmware-protocols/docs/modbus-profile.md); tingwu is the Modbus master on
the other end. The strip receives the call text, a key press on the
terminal calls the next ticket, an evaluator grade is stored against the
finished ticket (and a bad one alarms the supervisor), and killing the peer
raises the devices' offline alarms.

Skipped only when socat is missing.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

import helpers

HERE = Path(__file__).resolve().parent
DEADLINE = 15.0  # seconds for any one condition to come true
wait_for = functools.partial(helpers.wait_for, deadline=DEADLINE, interval=0.1)

pytestmark = pytest.mark.timeout(120)


class Bus:
    """The devices on end `a` of a pty pair (conftest's `pty_pair`), tingwu on end `b`."""

    def __init__(self, tmp: Path, pty_pair: tuple[str, str]):
        self.dir = tmp / "bus"
        self.dir.mkdir()
        self.a, self.b = pty_pair
        self.devices: subprocess.Popen | None = None
        self.ctl_id = 0

    def start_devices(self, *units: str) -> None:
        """Starts fresh devices (no events yet, nothing on the strips)."""
        for old in list(self.dir.glob("*.json")):
            old.unlink()
        self.devices = subprocess.Popen(
            [sys.executable, str(HERE / "modbus_devices.py"), self.a, str(self.dir), *units],
            stdout=subprocess.PIPE, stderr=open(self.dir / "devices.log", "wb"), text=True)
        assert self.devices.stdout is not None
        line = self.devices.stdout.readline()
        assert "ready" in line, (self.dir / "devices.log").read_text()

    def kill_devices(self) -> None:
        if self.devices and self.devices.poll() is None:
            self.devices.kill()
            self.devices.wait(5)

    def set(self, unit: int, addr: int, values: list[int]) -> None:
        self.ctl_id += 1
        path = self.dir / f"{unit}.ctl.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"id": self.ctl_id, "set": {hex(addr): values}}))
        tmp.replace(path)

    def fault(self, unit: int, **fault: float) -> None:
        """Injects a fault into the unit's next reply (`late=S` or `stale=S`,
        see modbus_devices.py)."""
        self.ctl_id += 1
        path = self.dir / f"{unit}.ctl.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"id": self.ctl_id, "set": {}, **fault}))
        tmp.replace(path)

    def state(self, unit: int) -> dict:
        try:
            return json.loads((self.dir / f"{unit}.json").read_text())
        except (OSError, ValueError):
            return {}

    def regs(self, unit: int, addr: int, count: int) -> list[int]:
        regs = self.state(unit).get("regs", {})
        return [regs.get(hex(addr + i), 0) for i in range(count)]

    def strip_text(self, unit: int) -> str:
        regs = self.regs(unit, 0x100, 36)
        length = regs[3]
        raw = b"".join(r.to_bytes(2, "big") for r in regs[4:])[:length]
        return raw.decode("gb18030")



@pytest.fixture
def bus(tmp_path: Path, pty_pair):
    pytest.importorskip("pymodbus")
    pytest.importorskip("serial")
    b = Bus(tmp_path, pty_pair)
    yield b
    b.kill_devices()


STRIP, TERMINAL, EVALUATOR, STRANGER = 1, 2, 3, 4
# Unit 4 is an evaluator that the hall's file calls a terminal.
DEVICES = (f"{STRIP}:strip", f"{TERMINAL}:terminal", f"{EVALUATOR}:evaluator",
           f"{STRANGER}:evaluator")


def test_strip_terminal_evaluator_and_offline_alarm(bus: Bus, start_server, small_hall_config,
                                                    supervisor, window_terminal):
    bus.start_devices(*DEVICES)
    hall = small_hall_config
    hall["buses"] = [{"id": "B1", "path": bus.b}]
    hall["bus_devices"] = [
        {"id": "S1", "bus": "B1", "unit": STRIP, "kind": "strip", "window": "1"},
        {"id": "T1", "bus": "B1", "unit": TERMINAL, "kind": "terminal", "window": "1"},
        {"id": "E1", "bus": "B1", "unit": EVALUATOR, "kind": "evaluator", "window": "1"},
        {"id": "X1", "bus": "B1", "unit": STRANGER, "kind": "terminal", "window": "2"},
    ]
    server = start_server(hall)
    auth = supervisor(server).headers

    # The server polls every device.
    for unit in (STRIP, TERMINAL, EVALUATOR):
        wait_for(f"unit {unit} polled", lambda u=unit: bus.state(u).get("requests", 0) > 0)

    # A device of another kind than configured is not driven.
    wrong = wait_for("the identity alarm", lambda: server.alarms(auth).get("bus/B1/X1/identity"))
    assert wrong["severity"] == "error", wrong

    with window_terminal(server, 1) as terminal:
        ticket = server.issue(item="general")

        # 呼叫下一位 on the wired terminal: seq 1, class 1 (key), code 1.
        bus.set(TERMINAL, 0x200, [1, 1, 1, 0])
        wait_for("the ticket called by the terminal key",
                 lambda: server.ticket(ticket["id"])["status"] == "called")
        window = server.windows()["1"]
        assert window["state"] == "called" and window["ticket"]["id"] == ticket["id"], window
        wait_for("the key press acknowledged", lambda: 1 in bus.state(TERMINAL).get("acks", []))
        want = f"{ticket['number']} 请到1号窗口"
        wait_for("the strip showing the call", lambda: bus.strip_text(STRIP) == want)
        assert bus.regs(STRIP, 0x100, 1) == [3], "a fresh call blinks"

        # The same event presented again (a lost acknowledgement) acts once.
        second = server.issue(item="general")
        bus.set(TERMINAL, 0x200, [1, 1, 1, 0])
        wait_for("the repeat acknowledged",
                 lambda: bus.state(TERMINAL).get("acks", []).count(1) >= 2)
        assert server.ticket(second["id"])["status"] == "waiting"

        terminal.serve_and_finish()
        assert server.ticket(ticket["id"])["status"] == "done"

    # 非常不满意 (RS-485 code 5) on the evaluator: stored against the finished
    # ticket on the one scale (★1).
    bus.set(EVALUATOR, 0x200, [1, 2, 5, 0])

    def evaluation():
        status, body = server.get_json(f"/api/v1/tickets/{ticket['id']}/evaluation")
        return body if status == 200 else None

    stored = wait_for("the evaluation stored", evaluation)
    assert stored["stars"] == 1 and stored["window"] == "1", stored
    assert stored["outcome"] == "rated" and stored["channel"] == "rs485", stored
    assert stored["label"] == "非常不满意" and stored["number"] == ticket["number"], stored
    assert server.metrics().value("tingwu_evaluations_total", stars="1") == 1
    bad = wait_for("the bad-rating alarm",
                   lambda: server.alarms(auth).get(f"evaluation/{ticket['id']}/bad"))
    assert bad["severity"] == "warning" and "差评" in bad["message_zh"], bad
    status, _ = server.get_json(f"/api/v1/tickets/{second['id']}/evaluation")
    assert status == 404

    # The peer dies: every device goes offline within a few seconds.
    bus.kill_devices()
    found = wait_for("the offline alarms",
                     lambda: all(f"bus/B1/{d}/offline" in server.alarms(auth)
                                 for d in ("S1", "T1", "E1")),
                     deadline=10.0)
    assert found
    assert server.alarms(auth)["bus/B1/T1/offline"]["severity"] == "error"

    # It comes back (restarted: its events are numbered from 1 again): the
    # alarms clear, and its first key press is a new command, not the old one.
    bus.start_devices(*DEVICES)
    wait_for("the offline alarms cleared",
             lambda: not any(k.endswith("/offline") for k in server.alarms(auth)), deadline=10.0)
    # Identified, then its empty event block (sequence number 0) read.
    wait_for("the restarted terminal polled", lambda: bus.state(TERMINAL).get("requests", 0) >= 3)
    bus.set(TERMINAL, 0x200, [1, 1, 1, 0])
    wait_for("the second ticket called after the terminal restarted",
             lambda: server.ticket(second["id"])["status"] == "called")
    want = f"{second['number']} 请到1号窗口"
    wait_for("the strip showing the second call", lambda: bus.strip_text(STRIP) == want)


# ---------------------------------------------------------------- issue 8, item 6
#
# Kind: after a timeout or a protocol error, every serial link returns to a
# known state (input drained, framing resynchronised) before its next
# request. Before the fix, one reply arriving after the master's 300 ms
# timeout left the bus reading every later reply one frame behind, for good.


def bus_errors(server, device: str, reason: str) -> float:
    return server.metrics().value("tingwu_device_errors_total", device="bus", id=device,
                                  reason=reason)


def start_bus(bus: Bus, start_server, small_hall_config, units: dict[str, tuple[int, str]]):
    hall = small_hall_config
    hall["buses"] = [{"id": "B1", "path": bus.b}]
    hall["bus_devices"] = [
        {"id": dev, "bus": "B1", "unit": unit, "kind": kind, "window": "1"}
        for dev, (unit, kind) in units.items()
    ]
    bus.start_devices(*(f"{unit}:{kind}" for unit, kind in units.values()))
    server = start_server(hall)
    # Identified, then polled for events at least twice.
    for unit, _ in units.values():
        wait_for(f"unit {unit} polled", lambda u=unit: bus.state(u).get("requests", 0) >= 3)
    return server


def test_one_late_reply_leaves_the_bus_in_step(bus: Bus, start_server, small_hall_config,
                                              supervisor, window_terminal):
    """Issue 8, item 6, kind "a serial link resynchronises after a timeout":
    the input is one reply of the terminal arriving 450 ms after its request
    (150 ms after the master gave up on it), on a bus with a strip and an
    evaluator. Key presses and ratings after it are acted on, nobody goes
    offline, and only the terminal counts the timeout and the late reply."""
    server = start_bus(bus, start_server, small_hall_config, {
        "S1": (STRIP, "strip"), "T1": (TERMINAL, "terminal"), "E1": (EVALUATOR, "evaluator")})
    auth = supervisor(server).headers

    before = bus.state(TERMINAL).get("requests", 0)
    bus.fault(TERMINAL, late=0.45)
    wait_for("the late reply sent", lambda: bus.state(TERMINAL).get("requests", 0) > before + 1)
    # Every device answered again since.
    marks = {u: bus.state(u).get("requests", 0) for u in (STRIP, TERMINAL, EVALUATOR)}
    for unit, n in marks.items():
        wait_for(f"unit {unit} polled again",
                 lambda u=unit, n=n: bus.state(u).get("requests", 0) >= n + 3)

    with window_terminal(server, 1) as terminal:
        ticket = server.issue(item="general")
        bus.set(TERMINAL, 0x200, [1, 1, 1, 0])
        wait_for("the ticket called by the terminal key after the late reply",
                 lambda: server.ticket(ticket["id"])["status"] == "called")
        wait_for("the key press acknowledged", lambda: 1 in bus.state(TERMINAL).get("acks", []))
        terminal.serve_and_finish()

    bus.set(EVALUATOR, 0x200, [1, 2, 1, 0])

    def evaluation():
        status, body = server.get_json(f"/api/v1/tickets/{ticket['id']}/evaluation")
        return body if status == 200 else None

    stored = wait_for("the rating after the late reply stored", evaluation)
    assert stored["stars"] == 5, stored

    offline = [k for k in server.alarms(auth) if k.endswith("/offline")]
    assert not offline, offline
    assert bus_errors(server, "T1", "timeout") == 1
    assert bus_errors(server, "T1", "late_reply") == 1
    for device in ("S1", "T1", "E1"):
        assert bus_errors(server, device, "protocol") == 0, device
    for device in ("S1", "E1"):
        for reason in ("timeout", "late_reply"):
            assert bus_errors(server, device, reason) == 0, (device, reason)


def test_a_stale_frame_of_the_same_device_is_drained(bus: Bus, start_server, small_hall_config,
                                                    supervisor, window_terminal):
    """Issue 8, item 6, kind "a serial link drains stale input before each
    request": the input is a terminal that sends one event-block reply twice,
    the copy 20 ms later, so a stale frame of the same device and function
    waits on the line for the master's next read of that block. It is
    drained and counted on the terminal; nothing after it is read one frame
    behind."""
    server = start_bus(bus, start_server, small_hall_config, {"T1": (TERMINAL, "terminal")})
    auth = supervisor(server).headers

    before = bus.state(TERMINAL).get("requests", 0)
    bus.fault(TERMINAL, stale=0.02)
    wait_for("the stale copy sent and polled past",
             lambda: bus.state(TERMINAL).get("requests", 0) >= before + 4)

    with window_terminal(server, 1):
        ticket = server.issue(item="general")
        bus.set(TERMINAL, 0x200, [1, 1, 1, 0])
        wait_for("the 呼叫下一位 key acted on",
                 lambda: server.ticket(ticket["id"])["status"] == "called")
        wait_for("the first key press acknowledged",
                 lambda: 1 in bus.state(TERMINAL).get("acks", []))
        # 开始办理 (code 3) as the next event.
        bus.set(TERMINAL, 0x200, [2, 1, 3, 0])
        wait_for("the 开始办理 key acted on",
                 lambda: server.ticket(ticket["id"])["status"] == "serving")
        wait_for("the second key press acknowledged",
                 lambda: 2 in bus.state(TERMINAL).get("acks", []))

    # In step: the next polls answer the requests they were sent for.
    mark = bus.state(TERMINAL).get("requests", 0)
    wait_for("the terminal polled again", lambda: bus.state(TERMINAL).get("requests", 0) >= mark + 5)
    assert bus_errors(server, "T1", "protocol") == 0
    assert bus_errors(server, "T1", "timeout") == 0
    assert "bus/B1/T1/offline" not in server.alarms(auth)
    assert bus_errors(server, "T1", "late_reply") == 1
