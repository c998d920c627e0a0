"""Fixtures for the Tingwu end-to-end tests.

`start_server(config=None, data_dir=None)` starts `tingwu serve` (the demo
hall when `config` is None; a path, or a dict written out as TOML) and stops
every server it started when the test ends. When a test fails, the tail of
each server's stderr is attached to the report.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable

import pytest

from helpers import SMALL_HALL, Server, dump_toml, load_hall, tingwu_binary

StartServer = Callable[..., Server]


@pytest.fixture(scope="session")
def tingwu_bin() -> Path:
    path = tingwu_binary()
    if not path.is_file():
        pytest.fail(f"server binary {path} not found: run `cargo build --bin tingwu` "
                    f"or set TINGWU_BIN", pytrace=False)
    return path


@pytest.fixture
def start_server(tingwu_bin: Path, tmp_path: Path, request: pytest.FixtureRequest):
    servers: list[Server] = []
    request.node.tingwu_servers = servers

    def start(config: Path | dict | None = None, data_dir: Path | None = None) -> Server:
        n = len(servers) + 1
        if isinstance(config, dict):
            path = tmp_path / f"hall-{n}.toml"
            path.write_text(dump_toml(config), encoding="utf-8")
            config = path
        server = Server(tingwu_bin, data_dir or tmp_path / f"data-{n}",
                        log_path=tmp_path / f"server-{n}.stderr.log",
                        config=config, name=f"tingwu#{n}")
        servers.append(server)
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


@pytest.fixture
def small_hall_config() -> dict:
    """fixtures/small_hall.toml as a dict, to be varied by a test."""
    return copy.deepcopy(load_hall(SMALL_HALL))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for server in getattr(item, "tingwu_servers", []):
            report.sections.append((f"{server.name} stderr (tail, {server.log_path})",
                                    server.stderr_tail(80)))
