"""The fixtures of the Tingwu end-to-end tests: every set-up a test needs.

pytest finds them here by name; a test asks for them as arguments and never
imports this file. What they are built on (the `Server` class, the TOML
writer, `wait_for`, ...) is in `helpers.py`, `mqtt_terminal.py` and
`screen_stream.py`.

Servers and halls
- `start_server(config=None, data_dir=None, broker_url=None)`: starts
  `tingwu serve` and returns the `Server` (`restart()`, `terminate()`,
  `kill9()`, `start()` again on the same data dir). `config` is None (the
  demo hall), a path, or a dict written out as TOML. Every server it started
  is stopped when the test ends.
- `server`: the demo hall; `small_hall`: fixtures/small_hall.toml, both on a
  fresh data dir.
- `small_hall_config`: fixtures/small_hall.toml as a dict, for a test to vary
  (add printers, readers, a webhook, ...) and pass to `start_server`.
- `hall_toml(config, name)`: writes such a dict to a TOML file.

Clients
- `window_terminal(server, window, login=True)`: the small hall's MQTT
  terminal of a window, connected and (by default) logged in as its staff.
- `open_screen(server, path)`: a WebSocket stream (`/ws/screen/...`,
  `/ws/dashboard?token=...`).
- `supervisor(server)`: logs in as the hall's supervisor; `.token` and
  `.headers` (the bearer header).
Terminals and streams are `with`-able to close them early; whatever is still
open is closed at the end of the test, before the servers stop.

Devices
- `pty_pair`: two linked pseudo-terminals (socat), as a pair of paths; the
  test is skipped without socat.

When a test fails, the tail of each server's stderr (and of any other
process in `attached_logs`) is attached to the report.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Callable, NamedTuple

import pytest

from helpers import (SMALL_HALL, Process, Server, bearer, dump_toml, load_hall, tingwu_binary,
                     wait_for)
from mqtt_terminal import Terminal
from screen_stream import ScreenStream

StartServer = Callable[..., Server]


# ------------------------------------------------------------ servers and halls


@pytest.fixture(scope="session")
def tingwu_bin() -> Path:
    path = tingwu_binary()
    if not path.is_file():
        pytest.fail(f"server binary {path} not found: run `cargo build --bin tingwu` "
                    f"or set TINGWU_BIN", pytrace=False)
    return path


@pytest.fixture
def attached_logs(request: pytest.FixtureRequest) -> list[Process]:
    """Processes whose log tails go into the report of a failed test."""
    logs: list[Process] = []
    request.node.tingwu_logs = logs
    return logs


@pytest.fixture
def hall_toml(tmp_path: Path) -> Callable[[dict, str], Path]:
    def write(config: dict, name: str) -> Path:
        path = tmp_path / name
        path.write_text(dump_toml(config), encoding="utf-8")
        return path
    return write


@pytest.fixture
def small_hall_config() -> dict:
    """fixtures/small_hall.toml as a dict, to be varied by a test."""
    return copy.deepcopy(load_hall(SMALL_HALL))


@pytest.fixture
def start_server(tingwu_bin: Path, tmp_path: Path, hall_toml, attached_logs: list[Process]):
    servers: list[Server] = []

    def start(config: Path | dict | None = None, data_dir: Path | None = None,
              broker_url: str | None = None) -> Server:
        n = len(servers) + 1
        if isinstance(config, dict):
            config = hall_toml(config, f"hall-{n}.toml")
        server = Server(tingwu_bin, data_dir or tmp_path / f"data-{n}",
                        log_path=tmp_path / f"server-{n}.stderr.log",
                        config=config, name=f"tingwu#{n}",
                        extra_args=["--mqtt-broker", broker_url] if broker_url else [])
        servers.append(server)
        attached_logs.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(start_server: StartServer) -> Server:
    """The demo hall compiled into the binary, on a fresh data dir."""
    return start_server()


@pytest.fixture
def small_hall(start_server: StartServer) -> Server:
    """The test hall of fixtures/small_hall.toml, on a fresh data dir."""
    return start_server(SMALL_HALL)


# --------------------------------------------------------------------- clients
# These depend on start_server so that they are torn down before it.


@pytest.fixture
def window_terminal(start_server: StartServer):
    opened: list[Terminal] = []

    def open_terminal(server: Server, window: int | str, login: bool = True) -> Terminal:
        terminal = Terminal.for_window(server, window).connect()
        opened.append(terminal)
        if login:
            terminal.login()
        return terminal

    yield open_terminal
    for terminal in opened:
        if terminal.connected:
            try:
                terminal.close()
            except Exception:  # best effort: the server or broker may be gone
                pass


@pytest.fixture
def open_screen(start_server: StartServer):
    opened: list[ScreenStream] = []

    def open_stream(server: Server, path: str) -> ScreenStream:
        stream = ScreenStream(server.ws_url(path))
        opened.append(stream)
        return stream

    yield open_stream
    for stream in opened:
        stream.close()


class Supervisor(NamedTuple):
    token: str
    headers: dict[str, str]


@pytest.fixture
def supervisor() -> Callable[..., Supervisor]:
    def login(server: Server, user: str = "admin", password: str = "secret") -> Supervisor:
        token = server.login(user, password)
        return Supervisor(token, bearer(token))
    return login


# --------------------------------------------------------------------- devices


@pytest.fixture
def pty_pair(tmp_path: Path):
    """Two pseudo-terminals linked by socat, as (path a, path b); socat's log
    is pty/socat.log in the test's tmp dir."""
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed")
    folder = tmp_path / "pty"
    folder.mkdir()
    a, b = folder / "a", folder / "b"
    with open(folder / "socat.log", "wb") as log:
        proc = subprocess.Popen(
            ["socat", "-d", "-d", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
            stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for("socat's pty pair", lambda: a.exists() and b.exists(), 10, interval=0.05)
        yield str(a), str(b)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


# ------------------------------------------------------------------- reports


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for process in getattr(item, "tingwu_logs", []):
            report.sections.append((f"{process.name} stderr (tail, {process.log_path})",
                                    process.stderr_tail(80)))
