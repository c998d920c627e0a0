"""Acknowledged tickets survive `kill -9` (acceptance 2).

Twenty rounds on one data dir: 16 clients take tickets as fast as they can,
the server is killed with SIGKILL after a random delay and restarted. Every
ticket acknowledged with 201 must be there afterwards with the same number,
and no number of a queue is ever issued twice in the day.

A case (办件) acknowledged to a window survives `kill -9` too (issue 10,
acceptance 7): a few rounds of intake and a transition, each killed right
after its answer.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from case_hall import call_police_ticket, intake_body, with_cases
from helpers import HttpClient, Server, SMALL_HALL, bearer

ROUNDS = 20
CLIENTS = 16
MAX_REQUESTS_PER_CLIENT = 2000  # per round; the kill comes long before
ITEMS = ("general", "police", "tax")
VERIFIERS = 8


def hammer(port: int, seed: int, acked: list[dict], unexpected: list, lock: threading.Lock,
           headers: dict[str, str]) -> None:
    """Takes tickets (as the hall's kiosk) until the server goes away; records every 201."""
    rng = random.Random(seed)
    with HttpClient(port, timeout=10) as client:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            try:
                status, body = client.request("POST", "/api/v1/tickets", {"item": rng.choice(ITEMS)},
                                              headers)
            except (OSError, http.client.HTTPException):
                return  # killed
            with lock:
                if status == 201:
                    acked.append(body)
                else:
                    unexpected.append((status, body))


def number_value(ticket: dict) -> int:
    return int(re.search(r"(\d+)$", ticket["number"]).group(1))


def day_of(ticket: dict) -> str:
    return ticket["id"].split("-")[0]


def missing_or_changed(server: Server, tickets: list[dict]) -> list[str]:
    """GETs every ticket; returns a line per ticket that is gone or differs."""
    def check(chunk: list[dict]) -> list[str]:
        problems = []
        with server.http() as client:
            for t in chunk:
                status, body = client.request("GET", f"/api/v1/tickets/{t['id']}")
                if status != 200:
                    problems.append(f"{t['id']} ({t['number']}): GET {status} {body!r}")
                elif (body.get("number"), body.get("queue")) != (t["number"], t["queue"]):
                    problems.append(f"{t['id']}: acknowledged {t['number']}/{t['queue']}, "
                                    f"now {body.get('number')}/{body.get('queue')}")
        return problems

    chunks = [tickets[i::VERIFIERS] for i in range(VERIFIERS)]
    with ThreadPoolExecutor(VERIFIERS) as pool:
        return [p for problems in pool.map(check, chunks) for p in problems]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_acknowledged_tickets_survive_kill_9(start_server, tmp_path, capsys):
    rng = random.Random(20261126)
    data_dir = tmp_path / "crash-data"
    all_acked: list[dict] = []
    issued: dict[tuple[str, str, str], str] = {}  # (day, queue, number) -> ticket id
    highest: dict[tuple[str, str], int] = {}      # (day, queue) -> highest number acknowledged
    server: Server | None = None

    for round_no in range(1, ROUNDS + 1):
        if server is None:
            server = start_server(SMALL_HALL, data_dir=data_dir)
        acked: list[dict] = []
        unexpected: list = []
        lock = threading.Lock()
        threads = [threading.Thread(target=hammer, args=(server.http_port, rng.random(), acked,
                                                         unexpected, lock, server.kiosk_auth("K01")),
                                   daemon=True)
                   for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        delay = rng.uniform(0.3, 1.5)
        time.sleep(delay)
        server.kill9()
        for t in threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in threads), "client threads hang after kill -9"
        assert not unexpected, f"round {round_no}: non-201 answers under load: {unexpected[:5]}"

        # Numbers continue across restarts and never repeat within the day.
        round_high: dict[tuple[str, str], int] = {}
        for t in acked:
            key = (day_of(t), t["queue"], t["number"])
            assert issued.setdefault(key, t["id"]) == t["id"], \
                f"{t['number']} of queue {t['queue']} issued twice: {issued[key]} and {t['id']}"
            day_queue = (day_of(t), t["queue"])
            assert number_value(t) > highest.get(day_queue, 0), \
                f"round {round_no}: {t['number']} is not above {highest.get(day_queue)} " \
                f"acknowledged before the restart"
            round_high[day_queue] = max(round_high.get(day_queue, 0), number_value(t))
        highest.update(round_high)
        all_acked.extend(acked)

        server.start()  # same data dir; this process also serves the next round
        problems = missing_or_changed(server, acked)
        with capsys.disabled():  # progress goes to the terminal even under -q
            print(f"\n  round {round_no:2}: killed after {delay:.2f}s, {len(acked):4} acknowledged, "
                  f"{len(all_acked):5} in all, {len(problems)} lost or changed", end="", flush=True)
        assert not problems, f"round {round_no}: acknowledged tickets lost:\n" + "\n".join(problems[:20])

    problems = missing_or_changed(server, all_acked)
    assert not problems, "acknowledged tickets lost by the end:\n" + "\n".join(problems[:20])
    assert len(all_acked) >= ROUNDS, f"only {len(all_acked)} tickets acknowledged in {ROUNDS} rounds"


CASE_ROUNDS = 2  # one round per window serving queue B (windows 1 and 2)


@pytest.mark.timeout(120)
def test_an_acknowledged_case_survives_kill_9(start_server, small_hall_config, window_terminal,
                                              supervisor, tmp_path):
    """Each round: a ticket called over MQTT, a case taken in (201) and
    suspended (200), then SIGKILL at once; after the restart every case
    acknowledged so far is there, numbered as acknowledged, in the state
    last acknowledged, and numbers never repeat."""
    config = with_cases(small_hall_config)
    data_dir = tmp_path / "case-crash-data"
    acknowledged: dict[str, str] = {}  # number -> status last acknowledged
    server = start_server(config, data_dir=data_dir)
    for round_no in range(1, CASE_ROUNDS + 1):
        terminal, staff = call_police_ticket(server, window_terminal, window=str(round_no))
        status, v = server.post_json("/api/v1/cases", intake_body(), bearer(staff))
        assert status == 201, v
        number = v["case"]["number"]
        assert number not in acknowledged, f"case number {number} given twice"
        acknowledged[number] = v["case"]["status"]
        if round_no % 2:
            status, v = server.post_json(
                f"/api/v1/cases/{number}/suspend",
                {"procedure": "inspection", "detail": "检验", "notice": f"告知书{round_no}"},
                bearer(staff))
            assert status == 200, v
            acknowledged[number] = v["case"]["status"]
        server.kill9()
        terminal.close()
        server.start()
        lead = supervisor(server).headers
        for n, want in acknowledged.items():
            status, got = server.get_json(f"/api/v1/cases/{n}", lead)
            assert status == 200, f"round {round_no}: case {n} lost after kill -9: {got}"
            assert got["case"]["status"] == want, f"round {round_no}: {n} is {got['case']['status']}"
