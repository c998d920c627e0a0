"""A window call terminal (呼叫器) over MQTT, wrapping paho-mqtt 2.x.

The terminal connects as its device (client id == username == device id),
sets its last will on `device/{id}/status`, subscribes to its own window's
reply topic, and sends commands on `window/{w}/cmd`. `request()` publishes a
command and waits for the reply carrying the same command id.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from typing import Any, Callable

import paho.mqtt.client as mqtt

from helpers import HOST, Server, staff_of, terminal_of

REPLY_TIMEOUT = 10.0
CONNECT_TIMEOUT = 10.0

_serial = itertools.count(1)


def new_command(action: str, **fields: Any) -> dict:
    """A command with a fresh, unique id."""
    return {"id": f"e2e-{uuid.uuid4().hex[:12]}-{next(_serial)}", "action": action, **fields}


class Terminal:
    def __init__(self, server: Server, device: str, password: str, window: str,
                 client_id: str | None = None):
        self.server = server
        self.device = device
        self.window = str(window)
        self.prefix = f"tingwu/v1/{server.hall}"
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=client_id or device, protocol=mqtt.MQTTv311)
        self.client.username_pw_set(device, password)
        self.client.will_set(f"{self.prefix}/device/{device}/status", "offline", qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self._cv = threading.Condition()
        self._connack: Any = None
        self._disconnected = False
        self.connected = False  # by connect(), until close()
        self._subacks: dict[int, list] = {}
        self.replies: list[dict] = []  # every reply received, in order

    @classmethod
    def for_window(cls, server: Server, window: int | str) -> "Terminal":
        """The small hall's terminal of `window` (device Tnn, password pw-Tnn)."""
        device, password = terminal_of(window)
        return cls(server, device, password, str(window))

    # -- topics

    def cmd_topic(self, window: str | None = None) -> str:
        return f"{self.prefix}/window/{window or self.window}/cmd"

    def reply_topic(self, window: str | None = None) -> str:
        return f"{self.prefix}/window/{window or self.window}/reply"

    # -- paho callbacks (network thread)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        with self._cv:
            self._connack = reason_code
            self._cv.notify_all()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        with self._cv:
            self._disconnected = True
            self._cv.notify_all()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        with self._cv:
            self._subacks[mid] = list(reason_codes)
            self._cv.notify_all()

    def _on_message(self, client, userdata, msg: mqtt.MQTTMessage) -> None:
        try:
            reply = json.loads(msg.payload)
        except ValueError:
            reply = {"_unparsable": msg.payload.decode("utf-8", errors="replace")}
        if isinstance(reply, dict):
            reply["_topic"] = msg.topic
        with self._cv:
            self.replies.append(reply)
            self._cv.notify_all()

    # -- connection

    def try_connect(self, timeout: float = CONNECT_TIMEOUT) -> tuple[bool, str]:
        """Connects; returns (accepted, what happened). Never raises on refusal."""
        try:
            self.client.connect(HOST, self.server.mqtt_port, keepalive=30)
        except OSError as e:
            return False, f"TCP connect failed: {e}"
        self.client.loop_start()
        with self._cv:
            self._cv.wait_for(lambda: self._connack is not None or self._disconnected, timeout)
            connack, dropped = self._connack, self._disconnected
        if connack is None:
            self.close()
            return False, "closed without CONNACK" if dropped else f"no CONNACK within {timeout}s"
        if connack.is_failure:
            self.close()
            return False, f"CONNACK refused: {connack} ({connack.value})"
        return True, "connected"

    def connect(self, timeout: float = CONNECT_TIMEOUT) -> "Terminal":
        """Connects and subscribes to the window's reply topic; fails the test if refused."""
        ok, what = self.try_connect(timeout)
        assert ok, f"terminal {self.device} could not connect: {what}"
        self.subscribe(self.reply_topic(), timeout)
        self.connected = True
        return self

    def subscribe(self, topic: str, timeout: float = CONNECT_TIMEOUT) -> None:
        result, mid = self.client.subscribe(topic, qos=1)
        assert result == mqtt.MQTT_ERR_SUCCESS, f"subscribe {topic}: {mqtt.error_string(result)}"
        with self._cv:
            assert self._cv.wait_for(lambda: mid in self._subacks, timeout), \
                f"no SUBACK for {topic} within {timeout}s"
            codes = self._subacks[mid]
        assert not any(c.is_failure for c in codes), f"subscription to {topic} refused: {codes}"

    def close(self) -> None:
        self.connected = False
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()

    def __enter__(self) -> "Terminal":
        """Connects, unless connect() already did (conftest's `window_terminal`)."""
        return self if self.connected else self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- commands

    def publish(self, payload: dict | bytes | str, window: str | None = None) -> int:
        """Sends a command (or raw bytes) on a window's cmd topic; returns the reply index to wait from."""
        if isinstance(payload, dict):
            payload = json.dumps(payload, ensure_ascii=False)
        with self._cv:
            mark = len(self.replies)
        info = self.client.publish(self.cmd_topic(window), payload, qos=1, retain=False)
        assert info.rc == mqtt.MQTT_ERR_SUCCESS, f"publish failed: {mqtt.error_string(info.rc)}"
        return mark

    def wait_reply(self, since: int, match: Callable[[dict], bool],
                   timeout: float = REPLY_TIMEOUT) -> dict:
        """The first reply at index >= `since` that satisfies `match`."""
        def find() -> dict | None:
            return next((r for r in self.replies[since:] if match(r)), None)

        with self._cv:
            self._cv.wait_for(lambda: find() is not None, timeout)
            found = find()
            seen = self.replies[since:]
        assert found is not None, \
            f"terminal {self.device}: no matching reply within {timeout}s; replies seen: {seen}"
        return found

    def request(self, command: dict, window: str | None = None,
                timeout: float = REPLY_TIMEOUT) -> dict:
        """Publishes a command and returns the reply with the same id."""
        mark = self.publish(command, window)
        return self.wait_reply(mark, lambda r: r.get("id") == command["id"], timeout)

    def send_raw(self, payload: bytes | str, command_id: str | None = None,
                 window: str | None = None, timeout: float = REPLY_TIMEOUT) -> dict:
        """Publishes arbitrary bytes; the reply carries `command_id` if the server could read it, else null."""
        mark = self.publish(payload, window)
        return self.wait_reply(mark, lambda r: r.get("id") in (None, command_id), timeout)

    def act(self, action: str, **fields: Any) -> dict:
        """Sends an action and insists on ok=true; returns the reply."""
        reply = self.request(new_command(action, **fields))
        assert reply.get("ok") is True, f"window {self.window} {action} failed: {reply}"
        return reply

    def login(self, staff: str | None = None, pin: str | None = None) -> dict:
        default_staff, default_pin = staff_of(self.window)
        return self.act("login", staff=staff or default_staff, pin=pin or default_pin)

    def call_next(self) -> dict:
        """call_next as a plain request (the caller checks ok / queue_empty)."""
        return self.request(new_command("call_next"))

    def serve_and_finish(self) -> None:
        self.act("start")
        self.act("finish")
