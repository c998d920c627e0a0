"""A display's WebSocket stream (/ws/screen/{id}, /ws/dashboard), as frames.

Every frame is a JSON envelope {"type", "seq", "ts", "payload"}; the helper
checks the envelope on receipt and keeps every frame it has seen.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any, Callable

import websockets.exceptions
from websockets.sync.client import connect as ws_connect

OPEN_TIMEOUT = 10.0


class StreamClosed(Exception):
    pass


class ScreenStream:
    def __init__(self, url: str):
        self.url = url
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(
            ws_connect(url, open_timeout=OPEN_TIMEOUT, close_timeout=2))
        self.frames: list[dict] = []
        self.closed = False

    def __enter__(self) -> "ScreenStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    def recv(self, timeout: float) -> dict | None:
        """The next frame, or None after `timeout` s; raises StreamClosed when the server closed."""
        try:
            raw = self.ws.recv(timeout=timeout)
        except TimeoutError:
            return None
        except websockets.exceptions.ConnectionClosed as e:
            self.closed = True
            raise StreamClosed(f"{self.url} closed: {e}") from e
        assert isinstance(raw, str), f"binary frame on {self.url}: {raw!r}"
        frame = json.loads(raw)
        check_envelope(frame)
        self.frames.append(frame)
        return frame

    def first(self, timeout: float = 10.0) -> dict:
        frame = self.recv(timeout)
        assert frame is not None, f"no frame within {timeout}s on {self.url}"
        return frame

    def wait_for(self, match: Callable[[dict], bool], timeout: float = 10.0) -> dict:
        """Reads frames until one satisfies `match`."""
        start = len(self.frames)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            frame = self.recv(left)
            if frame is not None and match(frame):
                return frame
        raise AssertionError(
            f"no matching frame within {timeout}s on {self.url}; got: {summarize(self.frames[start:])}")

    def drain(self, quiet: float = 1.0, limit: float = 10.0) -> list[dict]:
        """Reads frames until none arrives for `quiet` s (or `limit` s passed, or the server closed)."""
        got: list[dict] = []
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                frame = self.recv(min(quiet, max(0.01, deadline - time.monotonic())))
            except StreamClosed:
                break
            if frame is None:
                break
            got.append(frame)
        return got


def check_envelope(frame: Any) -> None:
    assert isinstance(frame, dict), f"frame is not an object: {frame!r}"
    for key in ("type", "seq", "ts", "payload"):
        assert key in frame, f"frame without {key!r}: {frame!r}"
    assert isinstance(frame["seq"], int) and frame["seq"] >= 0, f"bad seq: {frame!r}"
    assert isinstance(frame["payload"], dict), f"payload is not an object: {frame!r}"


def calls(frames: list[dict]) -> list[dict]:
    return [f for f in frames if f["type"] == "call"]


def summarize(frames: list[dict]) -> list[str]:
    out = []
    for f in frames:
        p = f.get("payload", {})
        detail = p.get("number") or p.get("id") or p.get("reason") or ""
        out.append(f"{f.get('seq')}:{f.get('type')}:{detail}")
    return out


def handshake_status(url: str) -> int:
    """101 if the WebSocket opens, else the HTTP status of the refused handshake."""
    try:
        with ws_connect(url, open_timeout=OPEN_TIMEOUT, close_timeout=2):
            return 101
    except websockets.exceptions.InvalidHandshake as e:
        response = getattr(e, "response", None)  # websockets >= 14: InvalidStatus
        status = getattr(response, "status_code", None) or getattr(e, "status_code", None)
        assert status is not None, f"handshake to {url} failed without a status: {e!r}"
        return int(status)
