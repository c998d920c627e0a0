"""Issue 8, item 17 — kind: *a view shows the state after the change, and
only what its audience may see*.

- After `unpark`, the screen and dashboard streams no longer list the
  ticket as parked (the window event carried the parked list from before the
  change).
- A worker's private pause reason never reaches a public screen: the window
  screen shows the configured public pause message; supervisors still get
  the reason on the dashboard stream.

Against the real binary, with paho-mqtt terminals and websockets streams.
"""

from __future__ import annotations

from helpers import SMALL_HALL, load_hall
from mqtt_terminal import Terminal

PRIVATE_REASON = "孩子发烧去医院 private-reason"


def last_window(frames: list[dict], window: str) -> dict:
    """The newest view of `window` in a list of frames (window events and snapshots)."""
    found = None
    for f in frames:
        if f["type"] == "window" and f["payload"].get("id") == window:
            found = f["payload"]
        elif f["type"] == "snapshot":
            for w in f["payload"].get("windows", []):
                if w.get("id") == window:
                    found = w
    assert found is not None, f"no view of window {window} in {[f['type'] for f in frames]}"
    return found


def test_unpark_leaves_the_parked_list_on_every_stream(start_server, window_terminal,
                                                        open_screen, supervisor):
    server = start_server(SMALL_HALL)
    token = supervisor(server).token
    screen = open_screen(server, "/ws/screen/w1")
    dash = open_screen(server, f"/ws/dashboard?token={token}")
    screen.drain()
    dash.drain()
    terminal = window_terminal(server, 1)
    ticket = server.issue(item="general")
    terminal.act("call_next")
    terminal.act("start")
    terminal.act("park")
    for stream in (screen, dash):
        view = last_window(stream.drain(), "1")
        assert [p["id"] for p in view["parked"]] == [ticket["id"]], view
    terminal.act("unpark", ticket=ticket["id"])
    for stream in (screen, dash):
        view = last_window(stream.drain(), "1")
        assert view["parked"] == [], f"{stream.url}: still parked after unpark: {view}"


def test_public_screen_shows_the_public_pause_message(start_server, window_terminal,
                                                      open_screen, supervisor):
    server = start_server(SMALL_HALL)
    public = load_hall(SMALL_HALL)["windows"][0].get("pause_message", "暂停服务")
    token = supervisor(server).token
    screen = open_screen(server, "/ws/screen/w1")
    dash = open_screen(server, f"/ws/dashboard?token={token}")
    screen.drain()
    dash.drain()
    terminal = window_terminal(server, 1)
    terminal.act("pause", reason=PRIVATE_REASON)
    seen = screen.drain()
    view = last_window(seen, "1")
    assert view["state"] == "paused", view
    assert PRIVATE_REASON not in str(seen), f"the private reason reached the public screen: {view}"
    assert view["pause_message"] and public.split()[0] in view["pause_message"], view
    # A screen connecting now gets a snapshot: the reason is not in it either.
    late = open_screen(server, "/ws/screen/w1")
    assert PRIVATE_REASON not in str(late.drain())
    # Supervisors keep the reason.
    dash_view = last_window(dash.drain(), "1")
    assert dash_view.get("pause_reason") == PRIVATE_REASON, dash_view
    # The public window list leaves it out too; a supervisor's request keeps it.
    _, listed = server.get_json("/api/v1/windows")
    assert PRIVATE_REASON not in str(listed), listed
    _, listed = server.get_json("/api/v1/windows", headers=supervisor(server).headers)
    first = next(w for w in listed["windows"] if w["id"] == "1")
    assert first.get("pause_reason") == PRIVATE_REASON, first
