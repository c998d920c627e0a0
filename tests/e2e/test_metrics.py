"""Prometheus metrics tell what happened (acceptance 7)."""

from __future__ import annotations

import math

from helpers import Server, wait_until


def test_metrics_after_issuing_calling_and_a_bad_request(small_hall: Server, window_terminal):
    for item in ("general", "general", "general", "police"):
        small_hall.issue(item=item)
    with window_terminal(small_hall, 1) as terminal:
        reply = terminal.call_next()
        assert reply["ok"] is True, reply
        called_queue = reply["ticket"]["queue"]
    status, _ = small_hall.post_json("/api/v1/tickets", b"{oops")
    assert status == 400

    issued = {"A": 3, "B": 1, "C": 0}
    waiting = {q: n - (q == called_queue) for q, n in issued.items()}

    def settled() -> bool:  # gauges may be updated just after the replies
        m = small_hall.metrics()
        return all(m.value("tingwu_queue_waiting", queue=q) == n for q, n in waiting.items())

    wait_until(settled, timeout=5)
    m = small_hall.metrics()
    dump = m.text

    for name in ("tingwu_tickets_issued_total", "tingwu_calls_total", "tingwu_queue_waiting",
                 "tingwu_call_latency_seconds_bucket", "tingwu_rejected_inputs_total"):
        assert m.has(name), f"{name} missing from /metrics:\n{dump}"

    for q, n in issued.items():
        assert m.value("tingwu_tickets_issued_total", queue=q) == n, f"issued {q}:\n{dump}"
        assert m.value("tingwu_queue_waiting", queue=q) == waiting[q], f"waiting {q}:\n{dump}"
    assert m.value("tingwu_calls_total", window="1") == 1, dump
    assert m.value("tingwu_calls_total") == 1, dump

    buckets = m.select("tingwu_call_latency_seconds_bucket")
    assert all("le" in b.labels for b in buckets), buckets
    by_le = sorted(buckets, key=lambda b: float(b.labels["le"]))
    assert by_le[-1].labels["le"] == "+Inf" and by_le[-1].value == 1, by_le
    assert all(a.value <= b.value for a, b in zip(by_le, by_le[1:])), "buckets not cumulative"
    assert m.value("tingwu_call_latency_seconds_count") == 1, dump
    latency = m.value("tingwu_call_latency_seconds_sum")
    assert 0 < latency < 10 and not math.isnan(latency), f"call latency sum {latency}"

    rejected = m.select("tingwu_rejected_inputs_total", channel="http")
    assert rejected and all(r.labels.get("reason") for r in rejected), f"rejections:\n{dump}"
    assert m.value("tingwu_rejected_inputs_total", channel="http", reason="bad_json") == 1, dump
