"""Screens follow the calls, resume from a sequence number, never show a stale call (acceptance 5)."""

from __future__ import annotations

import json

from helpers import Server
from mqtt_terminal import Terminal
from screen_stream import calls, handshake_status, summarize


def assert_increasing(frames: list[dict], after: int = -1) -> None:
    seqs = [f["seq"] for f in frames]
    assert all(s > after for s in seqs), f"frames at or before seq {after}: {summarize(frames)}"
    assert seqs == sorted(set(seqs)), f"seq not strictly increasing: {summarize(frames)}"


def current_call(frames: list[dict]) -> str | None:
    """The number a display would show as current after these frames."""
    current = None
    for f in frames:
        if f["type"] == "snapshot":
            shown = f["payload"].get("calls") or []
            current = shown[0]["number"] if shown else None
        elif f["type"] == "call":
            current = f["payload"]["number"]
    return current


def call_next(terminal: Terminal) -> dict:
    reply = terminal.call_next()
    assert reply.get("ok") is True, reply
    return reply["ticket"]


def test_resume_from_last_seen_seq(small_hall: Server, window_terminal, open_screen):
    hall_screen = "/ws/screen/hall"
    tickets = [small_hall.issue(item="general") for _ in range(3)]
    with window_terminal(small_hall, 1) as terminal:
        with open_screen(small_hall, hall_screen) as screen:
            snapshot = screen.first()
            assert snapshot["type"] == "snapshot", snapshot
            payload = snapshot["payload"]
            assert payload["screen"] == "hall" and payload["kind"] == "hall", payload
            assert len(payload["windows"]) == 24 and payload["calls"] == [], payload
            assert {q["id"] for q in payload["queues"]} == {"A", "B", "C"}

            first = call_next(terminal)
            assert first["id"] == tickets[0]["id"]
            frame = screen.wait_for(lambda f: f["type"] == "call")
            assert frame["payload"]["number"] == first["number"], frame
            assert frame["payload"]["ticket"] == first["id"]
            assert frame["payload"]["window"] == "1" and frame["payload"]["window_number"] == 1
            assert frame["payload"]["queue"] == "A" and frame["payload"]["recall"] is False
            screen.drain(quiet=0.5)
            assert_increasing(screen.frames[1:], after=snapshot["seq"])
            last_seq = screen.frames[-1]["seq"]

        missed = []
        for _ in range(2):
            terminal.serve_and_finish()
            missed.append(call_next(terminal))

    with open_screen(small_hall, f"{hall_screen}?since={last_seq}") as screen:
        for ticket in missed:
            screen.wait_for(lambda f, n=ticket["number"]: f["type"] == "call" and f["payload"]["number"] == n)
        screen.drain(quiet=1.0)
        frames = screen.frames
        assert frames[0]["type"] != "snapshot", f"resumable, yet got a snapshot: {summarize(frames)}"
        assert_increasing(frames, after=last_seq)
        assert [f["payload"]["number"] for f in calls(frames)] == [t["number"] for t in missed]
        assert all(f["payload"]["window"] == "1" for f in calls(frames))

    # From the beginning: all events in order, or a snapshot; either way the latest call is current.
    with open_screen(small_hall, f"{hall_screen}?since=0") as screen:
        frames = screen.drain(quiet=1.0)
        assert frames, "nothing received with since=0"
        assert_increasing(frames)
        assert current_call(frames) == missed[-1]["number"], summarize(frames)
        if frames[0]["type"] != "snapshot":
            numbers = [f["payload"]["number"] for f in calls(frames)]
            assert numbers == [first["number"]] + [t["number"] for t in missed], summarize(frames)


def test_window_screen_shows_only_its_window_and_no_personal_data(small_hall: Server,
                                                                  window_terminal, open_screen):
    phone, id_number = "13912345678", "11010519491231002X"
    own = small_hall.issue(item="general", phone=phone, id_number=id_number)
    small_hall.issue(item="general")
    with open_screen(small_hall, "/ws/screen/w1") as screen, \
            window_terminal(small_hall, 1, login=False) as w1, \
            window_terminal(small_hall, 3, login=False) as w3:
        snapshot = screen.first()
        assert snapshot["type"] == "snapshot" and snapshot["payload"]["kind"] == "window", snapshot
        assert [w["id"] for w in snapshot["payload"]["windows"]] == ["1"], snapshot

        w1.login()
        w3.login()
        assert call_next(w1)["id"] == own["id"]
        screen.wait_for(lambda f: f["type"] == "call" and f["payload"]["ticket"] == own["id"])
        call_next(w3)
        screen.drain(quiet=1.0)
        assert [f["payload"]["window"] for f in calls(screen.frames)] == ["1"], summarize(screen.frames)

        text = json.dumps(screen.frames, ensure_ascii=False)
        for secret in (phone, id_number, "****", "002X"):  # neither in full nor masked
            assert secret not in text, f"personal data {secret!r} sent to a display"


def test_seq_survives_restart(small_hall: Server, window_terminal, open_screen):
    small_hall.issue(item="general")
    with window_terminal(small_hall, 1) as terminal:
        called = call_next(terminal)
    with open_screen(small_hall, "/ws/screen/hall") as screen:
        snapshot = screen.first()
        assert current_call([snapshot]) == called["number"], snapshot
        screen.drain(quiet=0.5)
        last_seq = screen.frames[-1]["seq"]
    assert last_seq > 0

    small_hall.restart()
    with open_screen(small_hall, "/ws/screen/hall") as screen:
        snapshot = screen.first()
        assert snapshot["type"] == "snapshot" and snapshot["seq"] >= last_seq, snapshot
        assert current_call([snapshot]) in (None, called["number"]), snapshot
    with open_screen(small_hall, f"/ws/screen/hall?since={last_seq}") as screen:
        frames = screen.drain(quiet=1.0)
        assert not calls(frames), f"old calls replayed after resuming: {summarize(frames)}"
        if frames and frames[0]["type"] == "snapshot":  # allowed: a fresh snapshot instead
            assert frames[0]["seq"] >= last_seq, summarize(frames)
            assert current_call(frames) in (None, called["number"]), frames[0]
            assert_increasing(frames[1:], after=frames[0]["seq"])
        else:
            assert_increasing(frames, after=last_seq)


def test_dashboard_needs_a_supervisor_token(small_hall: Server, supervisor, open_screen):
    assert handshake_status(small_hall.ws_url("/ws/dashboard")) in (401, 403)
    assert handshake_status(small_hall.ws_url("/ws/dashboard?token=forged")) in (401, 403)
    token = supervisor(small_hall).token
    with open_screen(small_hall, f"/ws/dashboard?token={token}") as dashboard:
        snapshot = dashboard.first()
        assert snapshot["type"] == "snapshot" and snapshot["payload"]["kind"] == "dashboard", snapshot
        assert len(snapshot["payload"]["windows"]) == 24


def test_pages(small_hall: Server):
    for path in ("/", "/screen/hall", "/screen/w1"):
        status, text = small_hall.get_text(path)
        assert status == 200 and "<html" in text.lower(), f"{path}: {status} {text[:200]}"
