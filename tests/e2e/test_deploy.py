"""Issue 8 item 19 and acceptance 3: the README's "Deploying in a hall"
section, followed on this machine.

Kind of fault: the server is only reachable from its own host (both ports on
127.0.0.1 by default) and nothing tells a hall how to run it as a service.
The test follows the deployment as written:

- `deploy/tingwu.service` exists and `systemd-analyze verify` accepts it
  (skipped, saying so, where systemd-analyze is missing);
- the binary is started with the unit's own `ExecStart` arguments (binding
  `--http 0.0.0.0:8080 --mqtt 0.0.0.0:1883`), inside a network namespace the
  test makes, joined to this one by a veth pair on a private test subnet
  (198.18.0.0/15, RFC 2544); a screen (WebSocket), a window terminal
  (paho-mqtt) and a browser's HTTP request reach it from outside the
  namespace, at the namespace's address. Without permission for `ip netns`
  it binds 0.0.0.0 with kernel-chosen ports and is reached at this machine's
  own non-loopback address instead. No traffic leaves the machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
import websockets

from helpers import Process

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "tingwu.service"
README = REPO / "README.md"
READY = re.compile(r"^tingwu ready http=(?P<http>\S+) mqtt=(?P<mqtt>\S+)\s*$")


def run(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), capture_output=True, text=True, check=check)


def unit_exec_args() -> list[str]:
    """The arguments of the unit's ExecStart, after `serve`."""
    text = UNIT.read_text(encoding="utf-8")
    lines = re.findall(r"^ExecStart=(.+?)$", text.replace("\\\n", " "), re.MULTILINE)
    assert len(lines) == 1, f"one ExecStart in {UNIT}: {lines}"
    argv = shlex.split(lines[0])
    assert argv[1] == "serve", argv
    return argv[2:]


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


# ------------------------------------------------------------------ the unit


def test_readme_has_the_deployment_section():
    text = README.read_text(encoding="utf-8")
    assert "## Deploying in a hall" in text
    section = text.split("## Deploying in a hall", 1)[1].split("\n## ", 1)[0]
    for needed in ("deploy/tingwu.service", "--http 0.0.0.0:8080", "seal.key",
                   "check-config", "systemd-analyze verify", "reverse_proxy"):
        assert needed in section, f"{needed!r} missing from the deployment section"


def test_unit_binds_all_interfaces_as_a_dedicated_user():
    text = UNIT.read_text(encoding="utf-8")
    args = unit_exec_args()
    assert option(args, "--http") == "0.0.0.0:8080"
    assert option(args, "--mqtt") == "0.0.0.0:1883"
    for setting in ("User=tingwu", "Restart=", "NoNewPrivileges=yes", "ProtectSystem=strict",
                    "StateDirectory=tingwu"):
        assert setting in text, f"{setting} missing from {UNIT}"


def test_systemd_analyze_verifies_the_unit(tmp_path: Path, tingwu_bin: Path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the unit is not verified here")
    # The unit as installed, with ExecStart pointing at the binary under test
    # (verify checks that the program exists and is executable).
    text = UNIT.read_text(encoding="utf-8")
    installed = tmp_path / "tingwu.service"
    installed.write_text(text.replace("/usr/local/bin/tingwu", str(tingwu_bin.resolve())),
                         encoding="utf-8")
    out = run(analyze, "verify", str(installed), check=False)
    problems = [line for line in (out.stdout + out.stderr).splitlines()
                if str(installed) in line or "tingwu.service" in line]
    assert out.returncode == 0 and not problems, out.stdout + out.stderr


# ------------------------------------------------------------- the network


class Namespace:
    """A network namespace joined to this one by a veth pair on a /30 of
    198.18.0.0/15: this side .1, the namespace's side .2."""

    def __init__(self) -> None:
        n = os.getpid() % 250
        self.name = f"tw-deploy-{os.getpid()}"
        self.outer = f"twd{os.getpid() % 100000}a"
        self.inner = f"twd{os.getpid() % 100000}b"
        self.host_ip = f"198.18.{n}.1"
        self.ns_ip = f"198.18.{n}.2"

    def create(self) -> None:
        run("ip", "netns", "add", self.name)
        try:
            run("ip", "link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
            run("ip", "link", "set", self.inner, "netns", self.name)
            run("ip", "addr", "add", f"{self.host_ip}/30", "dev", self.outer)
            run("ip", "link", "set", self.outer, "up")
            self.exec("ip", "addr", "add", f"{self.ns_ip}/30", "dev", self.inner)
            self.exec("ip", "link", "set", self.inner, "up")
            self.exec("ip", "link", "set", "lo", "up")
        except BaseException:
            self.delete()
            raise

    def exec(self, *cmd: str) -> subprocess.CompletedProcess:
        return run("ip", "netns", "exec", self.name, *cmd)

    def delete(self) -> None:
        run("ip", "link", "del", self.outer, check=False)
        run("ip", "netns", "del", self.name, check=False)


def own_non_loopback_ipv4() -> str | None:
    try:
        out = run("ip", "-4", "-o", "addr", "show", "scope", "global", check=False).stdout
    except FileNotFoundError:
        return None
    for line in out.splitlines():
        match = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", line)
        if match:
            return match[1]
    return None


class Deployed(Process):
    """`tingwu serve` started with the unit's arguments (optionally through
    `ip netns exec`), its ready line read from stdout."""

    def start(self, argv: list[str]) -> tuple[str, str]:
        proc = self.spawn(argv, stdout=subprocess.PIPE)
        found: list[re.Match] = []

        def pump() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                match = READY.match(raw.decode("utf-8", "replace").rstrip())
                if match:
                    found.append(match)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + 30
        while not found and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert found, f"no ready line; stderr:\n{self.stderr_tail()}"
        return found[0]["http"], found[0]["mqtt"]


@pytest.fixture
def reachable_server(tmp_path: Path, tingwu_bin: Path, attached_logs):
    """(address to reach it at, http port, mqtt port), following the unit."""
    args = unit_exec_args()
    data = tmp_path / "var-lib-tingwu"
    data.mkdir()
    args[args.index("--data") + 1] = str(data)
    # /etc/tingwu/hall.toml: the hall's configuration, copied from the demo
    # hall and checked with check-config before the service starts.
    hall = tmp_path / "etc-tingwu" / "hall.toml"
    hall.parent.mkdir()
    shutil.copy(REPO / "config" / "hall.toml", hall)
    checked = run(str(tingwu_bin), "check-config", str(hall), check=False)
    assert checked.returncode == 0 and checked.stdout.startswith("ok:"), checked
    assert option(args, "--config") == "/etc/tingwu/hall.toml"
    args[args.index("--config") + 1] = str(hall)
    server = Deployed("tingwu-deployed", tmp_path / "tingwu.stderr.log")
    attached_logs.append(server)
    ns = Namespace()
    try:
        ns.create()
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        ns = None
        detail = e.stderr.strip() if isinstance(e, subprocess.CalledProcessError) else str(e)
        print(f"ip netns not permitted ({detail}); binding 0.0.0.0 on this machine instead")
    try:
        if ns is not None:
            http, mqtt_addr = server.start(["ip", "netns", "exec", ns.name, str(tingwu_bin),
                                            "serve", *args])
            where = ns.ns_ip
        else:
            where = own_non_loopback_ipv4()
            if where is None:
                pytest.skip("no network namespace and no non-loopback address to reach")
            args[args.index("--http") + 1] = "0.0.0.0:0"
            args[args.index("--mqtt") + 1] = "0.0.0.0:0"
            http, mqtt_addr = server.start([str(tingwu_bin), "serve", *args])
        assert http.startswith("0.0.0.0:") and mqtt_addr.startswith("0.0.0.0:"), (http, mqtt_addr)
        yield where, int(http.rsplit(":", 1)[1]), int(mqtt_addr.rsplit(":", 1)[1])
    finally:
        server.stop()
        if ns is not None:
            ns.delete()


def test_screens_terminals_and_browsers_reach_the_hall_server(reachable_server):
    host, http_port, mqtt_port = reachable_server

    # A browser or kiosk: plain HTTP.
    import http.client
    conn = http.client.HTTPConnection(host, http_port, timeout=10)
    conn.request("GET", "/healthz")
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()
    conn.close()

    # A hall screen: the WebSocket stream starts with a snapshot.
    async def first_frame() -> dict:
        async with websockets.connect(f"ws://{host}:{http_port}/ws/screen/hall",
                                      open_timeout=10) as ws:
            return json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert asyncio.run(first_frame())["type"] == "snapshot"

    # A window terminal: MQTT login with the demo hall's terminal T01.
    replies: list[dict] = []
    connected = threading.Event()
    got = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="T01")
    client.username_pw_set("T01", "demo-pass-T01")

    def on_connect(c, _u, _f, rc, _p):
        if not rc.is_failure:
            c.subscribe("tingwu/v1/demo/window/1/reply", qos=1)
            connected.set()

    def on_subscribe(c, *_):
        c.publish("tingwu/v1/demo/window/1/cmd", json.dumps(
            {"id": "deploy-1", "action": "login", "staff": "S01", "pin": "1234"}), qos=1)

    def on_message(_c, _u, msg):
        replies.append(json.loads(msg.payload))
        got.set()

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    client.connect(host, mqtt_port, keepalive=30)
    client.loop_start()
    try:
        assert connected.wait(10), "MQTT CONNACK not received"
        assert got.wait(10), "no reply to the login"
    finally:
        client.loop_stop()
        client.disconnect()
    assert replies[0]["id"] == "deploy-1" and replies[0]["ok"] is True, replies
