"""The `tingwu` command line: check-config and a clean shutdown of serve."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from helpers import DEMO_HALL, SMALL_HALL, load_hall


def check_config(binary: Path, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), "check-config", str(path)], capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("path", [DEMO_HALL, SMALL_HALL], ids=["demo-hall", "small-hall"])
def test_check_config_accepts_good_halls(tingwu_bin: Path, path: Path):
    result = check_config(tingwu_bin, path)
    assert result.returncode == 0, f"exit {result.returncode}\nstderr: {result.stderr}"
    assert result.stdout.startswith("ok"), result.stdout


def test_check_config_names_the_bad_field(tingwu_bin: Path, hall_toml):
    hall = load_hall(DEMO_HALL)
    index = min(3, len(hall["windows"]) - 1)
    hall["windows"][index]["queues"][0]["queue"] = "Z"
    broken = hall_toml(hall, "broken.toml")

    result = check_config(tingwu_bin, broken)
    assert result.returncode == 1, f"exit {result.returncode}\nstdout: {result.stdout}"
    assert f"windows[{index}].queues[0].queue" in result.stderr, result.stderr
    assert "Z" in result.stderr and result.stderr.startswith("error:"), result.stderr


def test_check_config_rejects_unknown_fields(tingwu_bin: Path, hall_toml, small_hall_config):
    hall = small_hall_config
    hall["items"][0]["colour"] = "red"
    broken = hall_toml(hall, "typo.toml")
    result = check_config(tingwu_bin, broken)
    assert result.returncode == 1 and "colour" in result.stderr, result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_shuts_down_cleanly(server, sig):
    assert server.get_json("/healthz")[0] == 200
    assert server.terminate(sig, timeout=10) == 0, server.stderr_tail()
