"""Silent calling: notices to phones through the SMS gateway webhook (issue 3).

A real local HTTP receiver stands in for the SMS/WeChat gateway. Tickets
taken with a phone get an `issued` notice, an `ahead` notice when
`notify.ahead` (here 2) people are ahead, and a `called` notice naming the
window. While the receiver is down, calling goes on; the notices missed
arrive once it is back.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from helpers import HOST, Server, wait_until
from mqtt_terminal import Terminal

AHEAD = 2
WINDOW = 5  # small hall: window 5 ("5号窗口") serves queue A only


class Gateway:
    """An HTTP receiver recording every JSON body POSTed to /sms."""

    def __init__(self, port: int = 0):
        self.notices: list[dict] = []
        self.keys: list[str | None] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.port = port

    def start(self) -> "Gateway":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    notice = json.loads(body)
                except ValueError:
                    self.send_response(400)
                    self.end_headers()
                    return
                with gateway._lock:
                    gateway.notices.append({"_path": self.path, **notice})
                    gateway.keys.append(self.headers.get("Idempotency-Key"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._httpd = ThreadingHTTPServer((HOST, self.port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, name="gateway", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def received(self) -> list[dict]:
        with self._lock:
            return list(self.notices)

    def find(self, kind: str, number: str) -> list[dict]:
        return [n for n in self.received() if n["kind"] == kind and n["number"] == number]

    def wait_for(self, kind: str, number: str, timeout: float = 10.0) -> dict:
        assert wait_until(lambda: self.find(kind, number), timeout), \
            f"no {kind} notice for {number} within {timeout}s; got {summary(self.received())}"
        return self.find(kind, number)[0]


def summary(notices: list[dict]) -> list[str]:
    return [f"{n.get('kind')}:{n.get('number')}:{n.get('people_ahead', n.get('window'))}" for n in notices]


def phone(i: int) -> str:
    return f"1391234{i:04d}"


def call_next(terminal: Terminal, want: str) -> float:
    """Calls the next ticket, insists it is `want`, returns how long the reply took."""
    began = time.monotonic()
    reply = terminal.call_next()
    took = time.monotonic() - began
    assert reply.get("ok") is True, reply
    assert reply["ticket"]["number"] == want, reply
    return took


def test_notices_on_issue_ahead_and_call_survive_a_gateway_outage(start_server, small_hall_config,
                                                                  window_terminal):
    gateway = Gateway().start()
    try:
        config = small_hall_config
        config["notify"] = {"webhook": f"http://{HOST}:{gateway.port}/sms", "ahead": AHEAD}
        server: Server = start_server(config)

        tickets = [server.issue(item="general", phone=phone(i)) for i in range(1, 6)]
        no_phone = server.issue(item="general")
        numbers = [t["number"] for t in tickets]
        assert numbers == ["A001", "A002", "A003", "A004", "A005"], numbers

        # Issued: number, people ahead, expected call time, the plain phone.
        for i, t in enumerate(tickets):
            n = gateway.wait_for("issued", t["number"])
            assert n["_path"] == "/sms"
            assert n["ticket"] == t["id"] and n["id"] == f"{t['id']}/issued", n
            assert n["people_ahead"] == i == t["people_ahead"], n
            assert n["phone"] == phone(i + 1), n
            assert n["queue"] == "A" and n["hall"] == "test", n
            expected = datetime.fromisoformat(n["expected_call_at"])
            assert expected.utcoffset() is not None and expected.utcoffset().total_seconds() == 8 * 3600, n
            assert t["number"] in n["text"] and f"前面还有{i}人" in n["text"], n["text"]
            assert n["text_en"], n

        with window_terminal(server, WINDOW) as terminal:

            # A001 called: its notice names window 5; A004 now has 2 ahead.
            call_next(terminal, "A001")
            called = gateway.wait_for("called", "A001")
            assert called["window"] == str(WINDOW) and called["window_number"] == WINDOW, called
            assert called["window_name"] == "5号窗口" and called["recall"] is False, called
            assert called["text"] == "【测试政务服务大厅】您的号码A001已叫号，请到5号窗口办理。", called
            ahead = gateway.wait_for("ahead", "A004")
            assert ahead["people_ahead"] == AHEAD and ahead["phone"] == phone(4), ahead
            assert "前面还有2人" in ahead["text"], ahead

            terminal.serve_and_finish()
            call_next(terminal, "A002")
            gateway.wait_for("called", "A002")
            ahead = gateway.wait_for("ahead", "A005")
            assert ahead["people_ahead"] == AHEAD, ahead

            # Tickets issued with 2 or fewer ahead were told so at issue: no
            # separate ahead notice; the ticket without a phone gets nothing.
            time.sleep(0.5)
            got = gateway.received()
            assert not [n for n in got if n["kind"] == "ahead" and n["number"] in ("A001", "A002", "A003")], summary(got)
            assert not [n for n in got if n["number"] == no_phone["number"]], summary(got)
            assert all(k == n["id"] for k, n in zip(gateway.keys, got)), "Idempotency-Key differs from id"

            # The gateway goes down: calling goes on, promptly.
            gateway.stop()
            before = len(gateway.received())
            terminal.serve_and_finish()
            assert call_next(terminal, "A003") < 2.0
            terminal.serve_and_finish()
            assert call_next(terminal, "A004") < 2.0
            late = server.issue(item="general", phone=phone(9))
            assert wait_until(lambda: server.metrics().value("tingwu_notices_pending") >= 3, 5.0), \
                server.metrics().select("tingwu_notices_pending")
            assert server.metrics().value("tingwu_notices_failed_total") >= 1

            # Back on the same port: what was missed arrives, in order per ticket.
            time.sleep(2.0)
            gateway = Gateway(gateway.port).start()
            gateway.wait_for("called", "A003", timeout=20.0)
            gateway.wait_for("called", "A004", timeout=20.0)
            issued_late = gateway.wait_for("issued", late["number"], timeout=20.0)
            assert issued_late["phone"] == phone(9) and issued_late["people_ahead"] == late["people_ahead"]
            assert before == 9, summary(gateway.received())
            assert wait_until(lambda: server.metrics().value("tingwu_notices_pending") == 0, 10.0)

        metrics = server.metrics()
        assert metrics.value("tingwu_notices_sent_total", kind="issued") >= 6
        assert metrics.value("tingwu_notices_sent_total", kind="ahead") >= 2
        assert metrics.value("tingwu_notices_sent_total", kind="called") >= 4

        # The plain phone numbers never reach the log.
        log = server.stderr_text()
        for i in list(range(1, 6)) + [9]:
            assert phone(i) not in log, f"plain phone {phone(i)} in the server log"
    finally:
        gateway.stop()


def test_notices_waiting_at_a_restart_are_sent_after_it(start_server, small_hall_config):
    # A port with nobody on it yet: the gateway is down from the start.
    gateway = Gateway().start()
    port = gateway.port
    gateway.stop()
    config = small_hall_config
    config["notify"] = {"webhook": f"http://{HOST}:{port}/sms", "ahead": AHEAD}
    server: Server = start_server(config)
    try:
        tickets = [server.issue(item="general", phone=phone(i)) for i in (1, 2)]
        assert wait_until(lambda: server.metrics().value("tingwu_notices_pending") == 2, 5.0)
        time.sleep(2.5)  # the notifier's cursor is committed meanwhile, behind the pending notices
        assert server.terminate() == 0

        server.start()
        gateway = Gateway(port).start()
        for i, t in enumerate(tickets):
            n = gateway.wait_for("issued", t["number"], timeout=20.0)
            assert n["phone"] == phone(i + 1) and n["people_ahead"] == i, n
        # Once delivered, a further restart sends nothing again.
        assert wait_until(lambda: server.metrics().value("tingwu_notices_pending") == 0, 5.0)
        time.sleep(2.5)
        count = len(gateway.received())
        server.restart()
        time.sleep(1.5)
        assert len(gateway.received()) == count, summary(gateway.received())
    finally:
        gateway.stop()
