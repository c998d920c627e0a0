"""Issue 10, "Records" and acceptance 5: the audit log is hash-chained by the
storage writer, and `tingwu audit verify` checks the chain of the real
server's database.

Here: audited actions through the real binary (a supervisor's strategy
change, a window disabled and enabled, a staff login and logout), the
check refused while the server holds the database, `ok` with every entry
once it is stopped, and the chain continued across a restart. Tampering
with one stored entry is detected in the Rust tests of the same check
over a real database (`src/audit/tamper_tests.rs`): the database's file
format is not for editing from Python.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from helpers import Server, bearer
from mqtt_terminal import new_command

OK = re.compile(r"^ok: (?P<n>\d+) entries, last hash (?P<hash>[0-9a-f]{64}) \(seq (?P<seq>\d+)\)")


def verify(binary: Path, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), "audit", "verify", "--data", str(data)],
                          capture_output=True, text=True, timeout=60)


def audit_seqs(server: Server, token: str) -> list[int]:
    status, body = server.get_json("/api/v1/audit?limit=500", bearer(token))
    assert status == 200, body
    return sorted(a["seq"] for a in body["audit"])


def audited_actions(server: Server, token: str, window_terminal, reason: str) -> None:
    status, body = server.put_json(
        "/api/v1/strategies/windows",
        {"windows": ["3"], "strategy": {"max_wait_s": 1200}, "reason": reason},
        token=token)
    assert status == 200, body
    server.set_enabled("2", False, token)
    server.set_enabled("2", True, token)
    with window_terminal(server, 1, login=False) as terminal:
        assert terminal.request(new_command("login", staff="S01", pin="1111"))["ok"] is True
        assert terminal.request(new_command("logout"))["ok"] is True


def test_the_audit_chain_of_the_real_server_verifies(small_hall: Server, tingwu_bin: Path,
                                                     window_terminal):
    token = small_hall.login()
    audited_actions(small_hall, token, window_terminal, "午间错峰 / midday")
    seqs = audit_seqs(small_hall, token)
    assert len(seqs) >= 5, seqs

    # While the server runs it holds the database: refused, and said why.
    running = verify(tingwu_bin, small_hall.data_dir)
    assert running.returncode == 2, (running.stdout, running.stderr)
    assert "stop the server first" in running.stderr, running.stderr

    assert small_hall.terminate() == 0
    done = verify(tingwu_bin, small_hall.data_dir)
    assert done.returncode == 0, (done.stdout, done.stderr)
    first = OK.match(done.stdout)
    assert first, done.stdout
    assert int(first["n"]) == len(seqs)
    assert int(first["seq"]) == seqs[-1]
    # Verifying writes nothing: the same answer again.
    assert verify(tingwu_bin, small_hall.data_dir).stdout == done.stdout

    # A restart continues the chain: the new entries check onto the old ones.
    small_hall.start()
    token = small_hall.login()
    audited_actions(small_hall, token, window_terminal, "恢复 / back to normal")
    more = audit_seqs(small_hall, token)
    assert small_hall.terminate() == 0
    again = verify(tingwu_bin, small_hall.data_dir)
    assert again.returncode == 0, (again.stdout, again.stderr)
    second = OK.match(again.stdout)
    assert second, again.stdout
    assert int(second["n"]) == len(more) > len(seqs)
    assert int(second["seq"]) == more[-1]
    assert second["hash"] != first["hash"]


def test_verify_refuses_a_directory_without_a_database(tmp_path: Path, tingwu_bin: Path):
    missing = tmp_path / "no-hall-here"
    result = verify(tingwu_bin, missing)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "no hall database" in result.stderr, result.stderr
    assert not missing.exists(), "verify creates nothing"


def test_the_chain_survives_kill_9(small_hall: Server, tingwu_bin: Path):
    # An entry and its link are one durable batch: after SIGKILL every
    # acknowledged audited action is in a chain that checks.
    token = small_hall.login()
    acknowledged = 0
    for i in range(10):
        small_hall.set_enabled("2", i % 2 == 1, token)
        acknowledged += 1
    small_hall.kill9()
    result = verify(tingwu_bin, small_hall.data_dir)
    assert result.returncode == 0, (result.stdout, result.stderr)
    match = OK.match(result.stdout)
    assert match and int(match["n"]) >= acknowledged, result.stdout
