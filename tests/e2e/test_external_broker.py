"""Tingwu with an external broker (`--mqtt-broker`): Debian's mosquitto.

With `--mqtt-broker mqtt://user:pass@host:port` the server does not run its
embedded broker or its ACL gate; it connects to the given broker as a client,
and that broker must enforce the device ACLs itself. Here mosquitto runs on a
free 127.0.0.1 port with a password file (the server user and terminals
T01/T02) and an ACL file (the server may use `tingwu/#`, each terminal only
its own window and its own status topic). The terminals connect directly to
mosquitto.

Checked: the ready line names the external broker; a call over mosquitto
works and leaves a retained `called` state; a command that mosquitto's ACL
drops (T02 acting for window 1) changes nothing and is never answered; after
mosquitto is killed and started again on the same port, the server reconnects
(with backoff), subscribes again and republishes its retained states, and a
new command from T01 works.
"""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from helpers import HOST, SMALL_HALL, Process, free_port, staff_of, terminal_of, wait_until
from mqtt_terminal import Terminal, new_command

HALL = "test"  # fixtures/small_hall.toml
PREFIX = f"tingwu/v1/{HALL}"
SERVER_USER = "tingwu"
SERVER_PASSWORD = "e2e-broker-secret"
TERMINAL_WINDOWS = {"T01": "1", "T02": "2"}

BROKER_READY_TIMEOUT = 10.0
RECONNECT_TIMEOUT = 15.0   # the server's backoff is capped at 5 s
DROP_WINDOW = 1.5          # how long a dropped command must stay unanswered


def find_program(name: str) -> str | None:
    """`name` on $PATH, or in /usr/sbin (Debian's mosquitto is not on a user's PATH)."""
    found = shutil.which(name)
    if found:
        return found
    candidate = Path("/usr/sbin") / name
    return str(candidate) if candidate.is_file() else None


class Mosquitto(Process):
    """A mosquitto process on 127.0.0.1:`port` with a password file and an ACL file.

    Its log goes to `log_path` (appended to across restarts); conftest's
    failure hook attaches it next to the server's.
    """

    def __init__(self, binary: str, passwd_binary: str, workdir: Path, port: int,
                 users: dict[str, str], acl: str):
        super().__init__("mosquitto", workdir / "mosquitto.log")
        self.binary = binary
        self.port = port

        passwd = workdir / "mosquitto.passwd"
        for i, (user, password) in enumerate(users.items()):
            args = [passwd_binary, "-b"] + (["-c"] if i == 0 else []) + [str(passwd), user, password]
            done = subprocess.run(args, capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, \
                f"{' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}"
        acl_file = workdir / "mosquitto.acl"
        acl_file.write_text(acl, encoding="utf-8")
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text("\n".join([
            f"listener {port} {HOST}",
            "allow_anonymous false",
            f"password_file {passwd}",
            f"acl_file {acl_file}",
            "persistence false",
            # When run as root mosquitto switches to user "mosquitto", which
            # cannot read pytest's tmp dir; stay the user we are.
            f"user {getpass.getuser()}",
            "log_dest stderr",
            "log_type all",
            "connection_messages true",
            "",
        ]), encoding="utf-8")

    def start(self) -> "Mosquitto":
        self.spawn([self.binary, "-c", str(self.conf)])
        deadline = time.monotonic() + BROKER_READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"mosquitto exited with {self.proc.returncode} on start:\n"
                                     f"{self.stderr_tail()}")
            try:
                with socket.create_connection((HOST, self.port), timeout=1.0):
                    return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"mosquitto does not accept connections on {HOST}:{self.port} "
                             f"after {BROKER_READY_TIMEOUT}s:\n{self.stderr_tail()}")


def acl_text() -> str:
    lines = [f"user {SERVER_USER}", "topic readwrite tingwu/#", ""]
    for device, window in TERMINAL_WINDOWS.items():
        lines += [
            f"user {device}",
            f"topic write {PREFIX}/window/{window}/cmd",
            f"topic read {PREFIX}/window/{window}/#",
            f"topic readwrite {PREFIX}/device/{device}/status",
            "",
        ]
    return "\n".join(lines)


@pytest.fixture
def mosquitto(tmp_path: Path, attached_logs) -> Mosquitto:
    """mosquitto on a free port, with the server user and terminals T01/T02 and
    their ACLs; not started yet. Stopped when the test ends (after the servers)."""
    mosquitto_bin = find_program("mosquitto")
    passwd_bin = find_program("mosquitto_passwd")
    if mosquitto_bin is None or passwd_bin is None:
        pytest.skip("mosquitto (with mosquitto_passwd) is not installed; "
                    "scripts/test-all installs it with apt-get install mosquitto")
    users = {SERVER_USER: SERVER_PASSWORD}
    users.update({device: terminal_of(window)[1] for device, window in TERMINAL_WINDOWS.items()})
    broker = Mosquitto(mosquitto_bin, passwd_bin, tmp_path, free_port(), users, acl_text())
    attached_logs.append(broker)
    yield broker
    broker.stop()


def retained_state(port: int, window: str, want: str, timeout: float = 10.0) -> dict:
    """The retained `window/{w}/state` once it shows state `want`, read as a new
    subscriber (so that only a retained message can answer) with the window's
    own terminal credentials under a probe client id."""
    device, password = terminal_of(window)
    topic = f"{PREFIX}/window/{window}/state"
    deadline = time.monotonic() + timeout
    last: list = []
    while True:
        got: list = []
        subscribed = threading.Event()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                             client_id=f"{device}-state-probe", protocol=mqtt.MQTTv311)
        client.username_pw_set(device, password)
        client.on_subscribe = lambda c, u, mid, codes, props: subscribed.set()
        client.on_message = lambda c, u, msg: got.append((msg.retain, msg.payload))
        try:
            client.connect(HOST, port, keepalive=30)
            client.loop_start()
            client.subscribe(topic, qos=1)
            # A retained message is sent right after the SUBACK.
            subscribed.wait(5.0)
            time.sleep(0.3)
        finally:
            client.disconnect()
            client.loop_stop()
        retained = [json.loads(p) for r, p in got if r]
        if retained:
            last = retained
            if retained[-1].get("state") == want:
                return retained[-1]
        if time.monotonic() >= deadline:
            raise AssertionError(f"retained {topic} never showed state {want!r} within "
                                 f"{timeout}s; last retained: {last}")
        time.sleep(0.2)


def request_until_heard(terminal: Terminal, command: dict, timeout: float) -> dict:
    """Sends `command` again (same id, so it takes effect at most once) until the
    server answers: commands published before the server has subscribed again
    are lost with the broker's restart."""
    deadline = time.monotonic() + timeout
    while True:
        mark = terminal.publish(command)
        left = max(0.1, min(1.0, deadline - time.monotonic()))
        if wait_until(lambda: any(r.get("id") == command["id"] for r in terminal.replies[mark:]),
                      timeout=left):
            return next(r for r in terminal.replies[mark:] if r.get("id") == command["id"])
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"no reply to {command} within {timeout}s after the broker came back: "
                f"the server did not reconnect and subscribe again; "
                f"replies seen: {terminal.replies[-10:]}")


def test_external_mosquitto_acl_and_reconnect(mosquitto: Mosquitto, start_server,
                                              window_terminal):
    broker = mosquitto
    port = broker.port
    broker.start()
    server = start_server(SMALL_HALL,
                          broker_url=f"mqtt://{SERVER_USER}:{SERVER_PASSWORD}@{HOST}:{port}")
    # With an external broker the ready line names that broker.
    assert server.mqtt_port == port, \
        f"ready line reports mqtt port {server.mqtt_port}, expected mosquitto's {port}"

    # -- a call through mosquitto
    t01 = window_terminal(server, "1", login=False)
    t02 = window_terminal(server, "2", login=False)
    t01.subscribe(f"{PREFIX}/window/1/state")

    first = server.issue(item="general")
    second = server.issue(item="general")
    t01.login()
    t02.login()  # T02 is a working terminal for its own window
    called = t01.request(new_command("call_next"))
    assert called.get("ok") is True, f"call_next over mosquitto failed: {called}"
    assert called["ticket"]["id"] == first["id"], called
    assert called["ticket"]["number"] == first["number"], called
    assert server.ticket(first["id"])["status"] == "called"
    state = retained_state(port, "1", "called")
    assert state["window"] == "1", state
    assert state["ticket"] == {"id": first["id"], "number": first["number"]}, state
    staff_id, _ = staff_of(1)
    assert (state.get("staff") or {}).get("id") == staff_id, state

    # -- mosquitto's ACL drops T02's command for window 1
    before = server.windows()["1"]
    assert before["state"] == "called", before
    foreign = new_command("call_next")
    mark = len(t01.replies)
    info = t02.client.publish(t02.cmd_topic("1"), json.dumps(foreign), qos=1)
    assert info.rc == mqtt.MQTT_ERR_SUCCESS, mqtt.error_string(info.rc)
    info.wait_for_publish(timeout=5.0)
    assert info.is_published(), "mosquitto did not acknowledge T02's publish"
    time.sleep(DROP_WINDOW)
    leaked = [r for r in t01.replies[mark:] + t02.replies if r.get("id") == foreign["id"]]
    assert not leaked, f"a command mosquitto's ACL should drop was answered: {leaked}"
    after = server.windows()["1"]
    assert (after["state"], after["staff"], after["ticket"]) == \
        (before["state"], before["staff"], before["ticket"]), (before, after)
    assert server.ticket(second["id"])["status"] == "waiting"
    assert "Denied PUBLISH from T02" in broker.stderr_text(), \
        "mosquitto's log does not show that it denied T02's publish"

    # -- the broker restarts under the running server
    t01.close()
    t02.close()
    broker.kill9()
    time.sleep(0.5)  # let the server notice and start backing off
    broker.start()
    t01 = window_terminal(server, "1", login=False)
    start = new_command("start")
    started = request_until_heard(t01, start, RECONNECT_TIMEOUT)
    assert started.get("ok") is True, f"start after the broker restart failed: {started}"
    assert started["ticket"]["id"] == first["id"], started
    assert server.windows()["1"]["state"] == "serving"
    # The retained state is back (the restarted broker kept nothing) and current.
    state = retained_state(port, "1", "serving")
    assert state["ticket"] == {"id": first["id"], "number": first["number"]}, state
    assert server.ticket(second["id"])["status"] == "waiting"
