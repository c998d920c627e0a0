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

    # 非常不满意 (grade 5) on the evaluator: stored against the finished ticket.
    bus.set(EVALUATOR, 0x200, [1, 2, 5, 0])

    def evaluation():
        status, body = server.get_json(f"/api/v1/tickets/{ticket['id']}/evaluation")
        return body if status == 200 else None

    stored = wait_for("the evaluation stored", evaluation)
    assert stored["score"] == 5 and stored["window"] == "1", stored
    assert stored["label"] == "非常不满意" and stored["number"] == ticket["number"], stored
    assert server.metrics().value("tingwu_evaluations_total", score="5") == 1
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
