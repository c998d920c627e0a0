"""Issue 8, item 10 — kind: *a secret stored in clear text*. Supervisor
passwords are stored as argon2 PHC strings made by `tingwu hash-password`;
a clear-text password in a config still works (the demo's old configs) but
the server warns about it at start.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def hash_password(binary: Path, password: str) -> str:
    result = subprocess.run([str(binary), "hash-password"], input=password + "\n",
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_hashed_supervisor_password_logs_in(tingwu_bin: Path, start_server, small_hall_config):
    # Kind: a secret stored in clear text — supervisor passwords.
    phc = hash_password(tingwu_bin, "zhōngxīn-密码-1")
    assert phc.startswith("$argon2id$"), phc
    assert "zhōngxīn" not in phc
    assert hash_password(tingwu_bin, "zhōngxīn-密码-1") != phc, "no salt"
    small_hall_config["supervisors"] = [{"user": "chief", "name": "主任", "password": phc}]
    hall = start_server(small_hall_config)
    status, body = hall.post_json("/api/v1/login", {"user": "chief", "password": "zhōngxīn-密码-1"})
    assert status == 200 and body["token"], (status, body)
    # The stored string is not itself a password.
    status, body = hall.post_json("/api/v1/login", {"user": "chief", "password": phc})
    assert status == 401, (status, body)
    assert "clear text" not in hall.stderr_text()


def test_clear_text_password_still_works_with_a_warning(start_server, small_hall_config):
    # Kind: a secret stored in clear text — old configs keep working, warned.
    small_hall_config["supervisors"] = [{"user": "old", "name": "旧", "password": "plain-pw"}]
    hall = start_server(small_hall_config)
    status, body = hall.post_json("/api/v1/login", {"user": "old", "password": "plain-pw"})
    assert status == 200, (status, body)
    log = hall.stderr_text()
    assert "clear text" in log and "hash-password" in log, log[-2000:]
    assert "plain-pw" not in log
