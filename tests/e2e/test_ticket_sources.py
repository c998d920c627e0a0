"""Issue 8, item 12 — kind: *acting as someone without proving it*.

The field fault: anyone on the network took 100 tickets in 0.13 s, credited
to any kiosk id from the config without that kiosk's credentials, and
tickets without an ID or phone escaped the hoarding limit. Now a kiosk
proves itself with its device password (HTTP Basic, the same password as
its MQTT CONNECT, under the same lockout), the citizen's own channels name
the person (phone or ID number) and get online tickets, and every other
source is held to a rate limit per address. Each refusal is clear and
counted. Real binary, plain HTTP clients.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time

from helpers import Server, assert_error, basic, bearer, dump_toml, tingwu_binary

TICKETS = "/api/v1/tickets"
MAX_FAILURES = 5


def queue_issued(server: Server, queue: str = "A") -> int:
    _, queues = server.get_json("/api/v1/queues")
    return next(q for q in queues["queues"] if q["id"] == queue)["issued"]


def rejected(server: Server, reason: str) -> float:
    return server.metrics().value("tingwu_rejected_inputs_total", channel="http", reason=reason)


def test_a_flood_of_anonymous_requests_takes_no_ticket(small_hall: Server):
    # The field input: 100 requests, as fast as they go, naming the kiosk or nobody.
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def flood(kiosk: bool) -> None:
        with small_hall.http() as client:
            for _ in range(50):
                body = {"item": "general", **({"kiosk": "K01"} if kiosk else {})}
                status, answer = client.request("POST", TICKETS, body)
                with lock:
                    answers.append((status, answer))

    started = time.monotonic()
    threads = [threading.Thread(target=flood, args=(k,)) for k in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(answers) == 100, f"{len(answers)} answers in {time.monotonic() - started:.2f}s"
    codes = {a["error"]["code"] for s, a in answers if s != 201}
    assert all(s != 201 for s, _ in answers), [a for s, a in answers if s == 201][:3]
    assert codes <= {"kiosk_unauthorized", "phone_or_id_required", "too_many_requests"}, codes
    assert queue_issued(small_hall) == 0
    assert rejected(small_hall, "kiosk_unauthorized") == 50


def test_a_kiosk_proves_itself_with_its_device_password(small_hall: Server):
    order = {"item": "general", "kiosk": "K01"}
    status, body = small_hall.post_json(TICKETS, order)
    err = assert_error(status, body, 401, "kiosk_unauthorized")
    assert "取号机" in err["message"] and "device password" in err["message"], err
    status, body = small_hall.post_json(TICKETS, order, basic("K01", "pw-T01"))
    assert_error(status, body, 401, "kiosk_unauthorized")
    # A terminal's credentials are not a kiosk's.
    status, body = small_hall.post_json(TICKETS, {"item": "general"}, basic("T01", "pw-T01"))
    assert_error(status, body, 400, "unknown_kiosk")
    status, body = small_hall.post_json(TICKETS, order, basic("K01", ""))
    assert_error(status, body, 401, "kiosk_unauthorized")
    status, body = small_hall.post_json(TICKETS, order, {"Authorization": "Basic !!!"})
    assert_error(status, body, 400, "bad_credentials")
    assert queue_issued(small_hall) == 0

    # The right password: an on-site ticket counted at that kiosk; the body
    # may leave the kiosk to the credentials.
    ticket = small_hall.issue(**order)
    assert ticket["channel"] == "onsite", ticket
    status, again = small_hall.post_json(TICKETS, {"item": "general"}, small_hall.kiosk_auth("K01"))
    assert status == 201 and again["channel"] == "onsite", again
    _, kiosks = small_hall.get_json("/api/v1/kiosks")
    kiosks = kiosks["kiosks"] if isinstance(kiosks, dict) else kiosks
    assert next(k for k in kiosks if k["id"] == "K01")["issued_today"] == 2


def test_guessing_a_kiosk_password_locks_it_on_every_path(small_hall: Server):
    order = {"item": "general", "kiosk": "K01"}
    for i in range(MAX_FAILURES):
        status, body = small_hall.post_json(TICKETS, order, basic("K01", f"guess-{i}"))
        assert_error(status, body, 401, "kiosk_unauthorized")
    status, body = small_hall.post_json(TICKETS, order, small_hall.kiosk_auth("K01"))
    assert_error(status, body, 429, "too_many_attempts")
    m = small_hall.metrics()
    assert m.value("tingwu_auth_refusals_total", credential="device_password",
                   reason="wrong_secret") == MAX_FAILURES
    assert m.value("tingwu_auth_refusals_total", credential="device_password",
                   reason="locked_out") >= 1
    assert "guess-" not in small_hall.stderr_text()


def test_the_citizens_own_channel_names_the_person(small_hall: Server):
    status, body = small_hall.post_json(TICKETS, {"item": "general"})
    err = assert_error(status, body, 400, "phone_or_id_required")
    assert "手机号" in err["message"] and "phone" in err["message"], err
    status, body = small_hall.post_json(TICKETS, {"item": "general", "phone": "13800000007",
                                                  "channel": "onsite"})
    assert_error(status, body, 403, "channel_not_allowed")

    ticket = small_hall.issue(item="general", phone="13800000007")
    assert ticket["channel"] == "online", ticket
    # The hoarding limit now holds every such ticket (3 per person, item and day).
    small_hall.issue(item="general", phone="138 0000 0007")
    small_hall.issue(item="general", phone="13800000007")
    with small_hall.http() as client:
        status, headers, raw = client.request_raw("POST", TICKETS, {"item": "general", "phone": "13800000007"})
    assert_error(status, json.loads(raw), 429, "limit_reached")
    # It lifts when the next hall day starts (00:00 in the small hall): at most a day away.
    assert 0 < int(headers["Retry-After"]) <= 86_400, dict(headers)

    # Hall staff (a supervisor's token) may take an anonymous on-site ticket.
    staff = small_hall.issue(item="general", headers=bearer(small_hall.staff_token()))
    assert staff["channel"] == "onsite", staff
    assert rejected(small_hall, "phone_or_id_required") == 1
    assert rejected(small_hall, "channel_not_allowed") == 1


def limited_hall(start_server, small_hall_config: dict, **limits) -> Server:
    small_hall_config["limits"] = {"per_source_per_minute": 6, "per_source_burst": 3, **limits}
    return start_server(small_hall_config)


def phone(i: int) -> str:
    return f"139{i:08d}"


def test_each_source_is_held_to_its_rate(start_server, small_hall_config: dict):
    hall = limited_hall(start_server, small_hall_config)
    for i in range(3):
        hall.issue(item="general", phone=phone(i))
    with hall.http() as client:
        status, headers, _ = client.request_raw("POST", TICKETS,
                                                {"item": "general", "phone": phone(9)})
    assert status == 429, status
    assert 1 <= int(headers["Retry-After"]) <= 10, headers["Retry-After"]
    status, body = hall.post_json(TICKETS, {"item": "general", "phone": phone(10)})
    err = assert_error(status, body, 429, "too_many_requests")
    assert "请求过于频繁" in err["message"], err
    # Spoofing X-Forwarded-For from an untrusted peer changes nothing.
    status, body = hall.post_json(TICKETS, {"item": "general", "phone": phone(11)},
                                  {"X-Forwarded-For": "198.51.100.7"})
    assert_error(status, body, 429, "too_many_requests")
    # Kiosks and staff are not a citizen source: they go on.
    assert hall.issue(item="general", kiosk="K01")["channel"] == "onsite"
    assert hall.issue(item="general")["channel"] == "onsite"
    assert rejected(hall, "too_many_requests") == 3
    assert queue_issued(hall) == 5
    assert "source=127.0.0.1" in hall.stderr_text()


def test_behind_a_trusted_proxy_each_client_has_its_own_rate(start_server, small_hall_config):
    hall = limited_hall(start_server, small_hall_config, trusted_proxies=["127.0.0.1"])
    for client in ("198.51.100.1", "198.51.100.2"):
        for i in range(3):
            hall.issue(item="general", phone=phone(i + (10 if client.endswith("2") else 0)),
                       headers={"X-Forwarded-For": f"203.0.113.9, {client}"})
        status, body = hall.post_json(TICKETS, {"item": "general", "phone": phone(99)},
                                      {"X-Forwarded-For": client})
        assert_error(status, body, 429, "too_many_requests")
    assert queue_issued(hall) == 6


def test_trusted_proxies_take_ranges_and_several_hops(start_server, small_hall_config):
    # Same kind, second input: a load balancer (10.x) in front of nginx
    # (127.0.0.1). Only the last hop was read, so every phone shared the
    # balancer's rate; ranges were refused.
    hall = limited_hall(start_server, small_hall_config, trusted_proxies=["127.0.0.0/8", "10.0.0.0/8"])
    for client in ("198.51.100.1", "198.51.100.2"):
        for i in range(3):
            hall.issue(item="general", phone=phone(i + (10 if client.endswith("2") else 0)),
                       headers={"X-Forwarded-For": f"{client}, 10.0.0.5"})
        status, body = hall.post_json(TICKETS, {"item": "general", "phone": phone(99)},
                                      {"X-Forwarded-For": f"{client}, 10.0.0.5"})
        assert_error(status, body, 429, "too_many_requests")
    assert queue_issued(hall) == 6


def test_a_bad_trusted_proxy_is_a_config_error(small_hall_config, tmp_path):
    small_hall_config.setdefault("limits", {})["trusted_proxies"] = ["10.0.0.0/33"]
    path = tmp_path / "bad.toml"
    path.write_text(dump_toml(small_hall_config), encoding="utf-8")
    out = subprocess.run([str(tingwu_binary()), "check-config", str(path)], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "CIDR" in out.stdout + out.stderr, out


def test_kiosk_only_powers_stay_at_the_kiosk(small_hall_config, start_server):
    # Same kind, found by a newcomer's trial: the special-group password and
    # idempotency keys were open to any requester.
    small_hall_config["priority"] = {"special_password": "kiosk-staff-pw"}
    hall = start_server(small_hall_config)
    status, body = hall.post_json(TICKETS, {"item": "general", "phone": "13800000008",
                                            "priority": "special",
                                            "priority_password": "kiosk-staff-pw"})
    assert_error(status, body, 403, "password_at_kiosk_only")
    special = hall.issue(item="general", kiosk="K01", priority="special",
                         priority_password="kiosk-staff-pw")
    assert special["priority"] == "special"

    # An Idempotency-Key is its sender's own: staff reusing the kiosk's key
    # get a ticket of their own, the kiosk its first one again.
    key = {"Idempotency-Key": "press-0001"}
    first = hall.issue(item="general", headers={**key, **hall.kiosk_auth("K01")})
    staff = hall.issue(item="general", headers={**key, **bearer(hall.staff_token())})
    assert staff["id"] != first["id"]
    status, again = hall.post_json(TICKETS, {"item": "general"}, {**key, **hall.kiosk_auth("K01")})
    assert status == 200 and again["id"] == first["id"], again
