"""24 windows calling at once never call a ticket twice (acceptance 3)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import Server

TICKETS = 300
WINDOWS = 24


def issue_many(server: Server, count: int, item: str, workers: int = 8) -> list[dict]:
    def issue(_: int) -> dict:
        return server.issue(item=item)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(issue, range(count)))


def work_window(window_terminal, server: Server, window: int, called: list[tuple[str, dict]],
                lock: threading.Lock, start: threading.Barrier) -> None:
    """Logs in, then call_next -> start -> finish until the queue is empty."""
    with window_terminal(server, window) as terminal:
        start.wait(timeout=30)
        for _ in range(TICKETS + 1):
            reply = terminal.call_next()
            if not reply.get("ok"):
                assert reply.get("error", {}).get("code") == "queue_empty", \
                    f"window {window}: call_next failed: {reply}"
                return
            ticket = reply.get("ticket")
            assert ticket and ticket.get("id"), f"window {window}: call without ticket: {reply}"
            assert ticket.get("window") == str(window), f"window {window} got {ticket}"
            with lock:
                called.append((str(window), ticket))
            terminal.serve_and_finish()
        raise AssertionError(f"window {window} never saw queue_empty")


@pytest.mark.timeout(240)
def test_each_ticket_called_exactly_once(small_hall: Server, window_terminal):
    issued = issue_many(small_hall, TICKETS, "general")
    ids = {t["id"] for t in issued}
    assert len(ids) == TICKETS and {t["queue"] for t in issued} == {"A"}

    called: list[tuple[str, dict]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(WINDOWS)
    failures: list[BaseException] = []

    def run(window: int) -> None:
        try:
            work_window(window_terminal, small_hall, window, called, lock, barrier)
        except BaseException as e:  # reported below, with the window
            failures.append(e)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(1, WINDOWS + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=200)
    assert not any(t.is_alive() for t in threads), "some windows are still working"
    assert not failures, f"{len(failures)} windows failed; first: {failures[0]!r}"

    counts = Counter(ticket["id"] for _, ticket in called)
    twice = {tid: n for tid, n in counts.items() if n > 1}
    assert not twice, f"tickets called more than once: {twice}"
    assert set(counts) == ids, f"never called: {sorted(ids - set(counts))[:10]}, " \
                               f"unknown: {sorted(set(counts) - ids)[:10]}"

    by_window = Counter(window for window, _ in called)
    assert "24" not in by_window, "window 24 serves only queue C but called from queue A"
    print(f"calls per window: {dict(sorted(by_window.items(), key=lambda kv: int(kv[0])))}")

    for ticket in issued:
        got = small_hall.ticket(ticket["id"])
        assert got["status"] == "done", got
    _, queues = small_hall.get_json("/api/v1/queues")
    assert next(q for q in queues["queues"] if q["id"] == "A")["waiting"] == 0
