"""The code the end-to-end fixtures (`conftest.py`) are built on.

- `Process`: a child process whose stderr goes to a log file, one banner per
  start (the tingwu server and the test's mosquitto are both one).
- `Server`: runs `tingwu serve` on ports chosen by the kernel, waits for its
  ready line, and talks HTTP/JSON to it.
- `HttpClient`: one keep-alive HTTP/1.1 connection (for load loops).
- hall configuration: load the fixture halls, dump TOML, compute closed hours.
- waiting: `wait_until` (a bool) and `wait_for` (the value, or the test fails).
- `bearer`, `free_port`, GB 11643 ID numbers, Prometheus text parsing,
  error-body assertions.

MQTT terminals live in `mqtt_terminal.py`, WebSocket screens in
`screen_stream.py`.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import queue
import re
import signal
import subprocess
import socket
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

HOST = "127.0.0.1"
HTTP_TIMEOUT = 10.0
READY_TIMEOUT = 30.0

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
FIXTURES = E2E_DIR / "fixtures"
SMALL_HALL = FIXTURES / "small_hall.toml"
DEMO_HALL = REPO_ROOT / "config" / "hall.toml"

READY_LINE = re.compile(
    r"^tingwu ready http=(?P<http_host>[^\s]+):(?P<http_port>\d+)"
    r" mqtt=(?P<mqtt_host>[^\s]+):(?P<mqtt_port>\d+)\s*$"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0,
               interval: float = 0.05) -> bool:
    """Polls `predicate` until it is true or `timeout` s passed; returns its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def wait_for(what: str, check: Callable[[], Any], deadline: float = 20.0,
             interval: float = 0.2) -> Any:
    """Polls `check` until it returns something true and returns that; fails
    the test, naming `what` and the last answer, after `deadline` s."""
    end = time.monotonic() + deadline
    last = None
    while time.monotonic() < end:
        last = check()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {deadline}s waiting for {what}; last: {last!r}")


def tingwu_binary() -> Path:
    """The server binary: $TINGWU_BIN (relative to the repo root) or the debug build."""
    path = Path(os.environ.get("TINGWU_BIN") or "target/debug/tingwu")
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


# --------------------------------------------------------------------------- HTTP


def decode_body(data: bytes) -> Any:
    """JSON if the body parses as JSON, else the text."""
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def encode_body(body: Any, headers: dict[str, str]) -> bytes | None:
    """Dicts and lists become JSON; bytes and str are sent as they are."""
    if body is None:
        return None
    headers.setdefault("Content-Type", "application/json")
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, ensure_ascii=False).encode()


class HttpClient:
    """One keep-alive HTTP/1.1 connection to a server."""

    def __init__(self, port: int, host: str = HOST, timeout: float = HTTP_TIMEOUT):
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def request_raw(self, method: str, path: str, body: Any = None,
                    headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        hdrs = dict(headers or {})
        payload = encode_body(body, hdrs)
        self.conn.request(method, path, body=payload, headers=hdrs)
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, resp.headers, data

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        status, _, data = self.request_raw(method, path, body, headers)
        return status, decode_body(data)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bearer(token: str) -> dict[str, str]:
    """The headers of a request made with a supervisor's token."""
    return {"Authorization": f"Bearer {token}"}


def basic(user: str, password: str) -> dict[str, str]:
    """`Authorization: Basic` (RFC 7617), e.g. a kiosk's device credentials."""
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def assert_error(status: int, body: Any, want_status: int, *want_codes: str) -> dict:
    """Checks a `{"error":{"code","message"}}` answer; returns the error object."""
    assert status == want_status, f"expected {want_status} {want_codes}, got {status}: {body!r}"
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), \
        f"error body is not {{'error': {{...}}}}: {body!r}"
    err = body["error"]
    assert err.get("code") in want_codes, f"expected code in {want_codes}, got {err!r}"
    assert isinstance(err.get("message"), str) and err["message"].strip(), \
        f"error {err.get('code')} has no message: {err!r}"
    return err


# ---------------------------------------------------------------------- processes


class Process:
    """A child process whose stderr is appended to `log_path`, with a banner
    per start, so that restarts share one file. `name`, `log_path` and
    `stderr_tail()` are what conftest attaches to the report of a failed test."""

    def __init__(self, name: str, log_path: Path):
        self.name = name
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def spawn(self, cmd: list[str], **popen: Any) -> subprocess.Popen:
        """Starts `cmd` (stdin closed, stderr to the log; stdout to the log too
        unless `popen` says otherwise)."""
        assert not self.running, f"{self.name} is already running"
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(cmd)}\n".encode())
            log.flush()
            popen.setdefault("stdout", log)
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=log, **popen)
        return self.proc

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL: no chance to flush or clean up."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Sends SIGTERM (or `sig`) and returns the exit code; fails after `timeout`."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError(f"{self.name} did not exit within {timeout}s of signal {sig}")

    def stop(self) -> None:
        """Best-effort shutdown for teardown."""
        if self.running:
            try:
                self.terminate()
            except AssertionError:
                pass

    def stderr_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no stderr captured)"
        return "\n".join(text.splitlines()[-lines:])

    def stderr_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


# ------------------------------------------------------------------------- server


class Server(Process):
    """A `tingwu serve` process on 127.0.0.1 with kernel-chosen ports.

    stdout is read until the ready line (and drained afterwards); stderr (the
    logs) is appended to `log_path`. `extra_args` go after the usual ones
    (e.g. `--mqtt-broker URL`).
    """

    def __init__(self, binary: Path, data_dir: Path, log_path: Path,
                 config: Path | None = None, name: str = "tingwu",
                 extra_args: list[str] | tuple[str, ...] = ()):
        super().__init__(name, log_path)
        self.binary = binary
        self.data_dir = data_dir
        self.config = config
        self.extra_args = list(extra_args)
        self.hall = hall_id(config)
        self.http_port = 0
        self.mqtt_port = 0
        self.stdout_lines: list[str] = []
        self._staff: tuple[int, str] | None = None

    # -- lifecycle

    def command(self) -> list[str]:
        cmd = [str(self.binary), "serve", "--data", str(self.data_dir),
               "--http", f"{HOST}:0", "--mqtt", f"{HOST}:0"]
        if self.config is not None:
            cmd += ["--config", str(self.config)]
        return cmd + self.extra_args

    def start(self, timeout: float = READY_TIMEOUT) -> "Server":
        cmd = self.command()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.setdefault("RUST_BACKTRACE", "1")
        proc = self.spawn(cmd, stdout=subprocess.PIPE, cwd=self.data_dir.parent, env=env)
        ready: queue.Queue[re.Match | None] = queue.Queue()
        threading.Thread(target=self._pump_stdout, args=(proc, ready),
                         name=f"{self.name}-stdout", daemon=True).start()
        try:
            match = ready.get(timeout=timeout)
        except queue.Empty:
            match = None
        if match is None:
            if proc.poll() is None:
                proc.kill()
            code = proc.wait(timeout=10)
            raise AssertionError(
                f"{self.name} did not print its ready line within {timeout}s "
                f"(exit code {code}); command: {' '.join(cmd)}\n"
                f"stdout:\n{''.join(self.stdout_lines[-20:])}\n"
                f"stderr (last lines):\n{self.stderr_tail()}")
        assert match["http_host"] == HOST and match["mqtt_host"] == HOST, \
            f"server must listen on {HOST} only: {match.group(0)!r}"
        self.http_port = int(match["http_port"])
        self.mqtt_port = int(match["mqtt_port"])
        return self

    def _pump_stdout(self, proc: subprocess.Popen, ready: queue.Queue) -> None:
        signalled = False
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", errors="replace")
            self.stdout_lines.append(line)
            match = READY_LINE.match(line.rstrip("\r\n"))
            if match and not signalled:
                signalled = True
                ready.put(match)
        if not signalled:
            ready.put(None)

    def restart(self, timeout: float = READY_TIMEOUT) -> "Server":
        """Stops the server if it runs and starts it again on the same data dir."""
        if self.running:
            self.terminate()
        return self.start(timeout)

    # -- HTTP

    def http(self, timeout: float = HTTP_TIMEOUT) -> HttpClient:
        return HttpClient(self.http_port, timeout=timeout)

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        with self.http() as client:
            return client.request(method, path, body, headers)

    def post_json(self, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return self.request("POST", path, body, headers)

    def get_json(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return self.request("GET", path, None, headers)

    def put_json(self, path: str, body: Any, token: str | None = None,
                 headers: dict[str, str] | None = None) -> tuple[int, Any]:
        hdrs = dict(headers or {})
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        return self.request("PUT", path, body, hdrs)

    def get_text(self, path: str) -> tuple[int, str]:
        with self.http() as client:
            status, _, data = client.request_raw("GET", path)
        return status, data.decode("utf-8", errors="replace")

    def ws_url(self, path: str) -> str:
        return f"ws://{HOST}:{self.http_port}{path}"

    # -- the hall, through its API

    def issue(self, item: str | None = None, queue_id: str | None = None,
              headers: dict[str, str] | None = None, **fields: Any) -> dict:
        """POST /api/v1/tickets and insist on 201.

        Without `headers`, the request is made as a real one would be: a
        ticket at a kiosk carries that kiosk's device credentials, and one
        naming nobody (no phone or ID number) is taken by hall staff (a
        supervisor's token), since only those may take anonymous tickets.
        """
        body = dict(fields)
        if item is not None:
            body["item"] = item
        if queue_id is not None:
            body["queue"] = queue_id
        if headers is None:
            if "kiosk" in body:
                headers = self.kiosk_auth(body["kiosk"])
            elif "phone" not in body and "id_number" not in body:
                headers = bearer(self.staff_token())
        status, ticket = self.post_json("/api/v1/tickets", body, headers)
        assert status == 201, f"issuing {body} failed: {status} {ticket!r}"
        return ticket

    def hall_config(self) -> dict:
        return load_hall(self.config if self.config is not None else DEMO_HALL)

    def kiosk_auth(self, kiosk: str) -> dict[str, str]:
        """`Authorization: Basic` with the kiosk's device password from the config."""
        device = next((d for d in self.hall_config().get("devices", [])
                       if d["id"] == kiosk and d["kind"] == "kiosk"), None)
        assert device is not None, f"the hall has no kiosk device {kiosk!r}"
        return basic(kiosk, device["password"])

    def staff_token(self) -> str:
        """A supervisor's token for this run of the server (hall staff)."""
        if self._staff is None or self._staff[0] != self.http_port:
            password = "demo-admin" if self.config in (None, DEMO_HALL) else "secret"
            self._staff = (self.http_port, self.login("admin", password))
        return self._staff[1]

    def ticket(self, ticket_id: str) -> dict:
        status, body = self.get_json(f"/api/v1/tickets/{ticket_id}")
        assert status == 200, f"GET ticket {ticket_id}: {status} {body!r}"
        return body

    def windows(self) -> dict[str, dict]:
        status, body = self.get_json("/api/v1/windows")
        assert status == 200, f"GET windows: {status} {body!r}"
        return {w["id"]: w for w in body["windows"]}

    def login(self, user: str = "admin", password: str = "secret") -> str:
        status, body = self.post_json("/api/v1/login", {"user": user, "password": password})
        assert status == 200, f"supervisor login failed: {status} {body!r}"
        return body["token"]

    def alarms(self, headers: dict[str, str]) -> dict[str, dict]:
        """The active alarms by id (GET /api/v1/alarms with a supervisor's `headers`)."""
        status, body = self.get_json("/api/v1/alarms", headers)
        assert status == 200, body
        return {a["id"]: a for a in body["alarms"]}

    def set_enabled(self, window: str, enabled: bool, token: str) -> dict:
        status, body = self.put_json(f"/api/v1/windows/{window}/enabled",
                                     {"enabled": enabled, "reason": "e2e test"}, token=token)
        assert status == 200, f"PUT window {window} enabled={enabled}: {status} {body!r}"
        assert body["enabled"] is enabled, body
        return body

    def metrics(self) -> "Metrics":
        status, text = self.get_text("/metrics")
        assert status == 200, f"GET /metrics: {status} {text[:500]}"
        return Metrics.parse(text)


# -------------------------------------------------------------------------- halls


def hall_id(config: Path | None) -> str:
    if config is None:
        return "demo"
    with open(config, "rb") as f:
        return tomllib.load(f)["hall"]["id"]


def load_hall(path: Path = SMALL_HALL) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # A JSON string (escapes \" \\ \n \uXXXX) is a valid TOML basic string.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def dump_toml(doc: dict) -> str:
    """Writes the subset of TOML that hall configs use (tables, arrays of tables)."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in doc.items()
             if not isinstance(v, dict) and not _is_table_array(v)]
    for key, value in doc.items():
        if isinstance(value, dict):
            lines += ["", f"[{_toml_key(key)}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()]
        elif _is_table_array(value):
            for entry in value:
                lines += ["", f"[[{_toml_key(key)}]]"]
                lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in entry.items()]
    return "\n".join(lines).lstrip("\n") + "\n"


HALL_TZ = timezone(timedelta(hours=8))  # Asia/Shanghai: UTC+8, no daylight saving


def closed_hours(now: datetime | None = None) -> str:
    """A one-minute `HH:MM-HH:MM` range twelve hours away from the hall's time."""
    now = now or datetime.now(HALL_TZ)
    start = (now.astimezone(HALL_TZ) + timedelta(hours=12)).replace(second=0, microsecond=0)
    if (start.hour, start.minute) == (23, 59):
        start -= timedelta(minutes=1)
    end = start + timedelta(minutes=1)
    return f"{start:%H:%M}-{end:%H:%M}"


def terminal_of(window: int | str) -> tuple[str, str]:
    """(device id, password) of a small-hall window's terminal."""
    device = f"T{int(window):02d}"
    return device, f"pw-{device}"


def staff_of(window: int | str) -> tuple[str, str]:
    """(staff id, PIN) of the small-hall staff member for a window."""
    return f"S{int(window):02d}", "1111"


# --------------------------------------------------------------------- ID numbers

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def make_id_number(area: str, born: date, seq: str) -> str:
    """A GB 11643 ID number: 6-digit area, birth date, 3-digit sequence, check character."""
    first17 = f"{area}{born:%Y%m%d}{seq}"
    assert len(first17) == 17
    return first17 + id_check_char(first17)


def id_number_valid(number: str) -> bool:
    return (len(number) == 18 and number[:17].isdigit()
            and number[17].upper() == id_check_char(number[:17]))


# ------------------------------------------------------------------------ metrics

_SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


@dataclass
class Sample:
    name: str
    labels: dict[str, str]
    value: float


@dataclass
class Metrics:
    """Samples of a Prometheus text exposition."""

    samples: list[Sample] = field(default_factory=list)
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> "Metrics":
        samples = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = _SAMPLE.match(line)
            assert m, f"unparsable metrics line: {line!r}"
            labels = {k: v for k, v in _LABEL.findall(m.group(2) or "")}
            samples.append(Sample(m.group(1), labels, float(m.group(3))))
        return cls(samples, text)

    def select(self, name: str, **labels: str) -> list[Sample]:
        return [s for s in self.samples
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]

    def value(self, name: str, **labels: str) -> float:
        """Sum over the samples of `name` whose labels include `labels` (0 if none)."""
        return sum(s.value for s in self.select(name, **labels))

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.samples)
