"""ID-card readers (issue 4): a second-generation card reader at kiosk K01,
emulated in Python on one end of a socat pseudo-terminal pair, tingwu on the
other. The emulator answers find / select / read with GA/T 467 frames built
here from field values (preamble AA AA AA 96 69, length, SW1 SW2 SW3, data,
XOR check; the 256-byte UCS-2 LE text block of firmware-protocols/docs/idcard.md).

A card of someone aged 70 or more takes a special-group ticket through the
kiosk, with the ID number masked; garbage and a frame with a bad check byte
before a valid one are counted and skipped; closing the emulator's end
raises `reader/R1/offline`. Skipped only when socat is missing.
"""

from __future__ import annotations

import os
import threading
import tty
from datetime import date

from helpers import Server, make_id_number as id_number, wait_for

PREAMBLE = bytes([0xAA, 0xAA, 0xAA, 0x96, 0x69])


def xor(data: bytes) -> int:
    out = 0
    for b in data:
        out ^= b
    return out


def frame(head: bytes, data: bytes = b"") -> bytes:
    body = head + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor(length + body)])


def ucs2(value: str, size: int) -> bytes:
    raw = value.encode("utf-16-le")
    assert len(raw) <= size, value
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


def text_block(name: str, sex: str, nation: str, birth: date, address: str, idn: str,
               issuer: str, valid_from: str, valid_to: str) -> bytes:
    block = (ucs2(name, 30) + ucs2(sex, 2) + ucs2(nation, 4) + ucs2(f"{birth:%Y%m%d}", 16)
             + ucs2(address, 70) + ucs2(idn, 36) + ucs2(issuer, 30) + ucs2(valid_from, 16)
             + ucs2(valid_to, 16) + ucs2("", 36))
    assert len(block) == 256
    return block


def basic_info_response(text: bytes) -> bytes:
    photo = bytes(1024)
    data = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo
    out = frame(bytes([0, 0, 0x90]), data)
    assert len(out) == 1295
    return out


class ReaderEmulator:
    """Answers GA/T 467 commands on a pty: find says a card is there while
    one is presented; after its basic information is read the card is taken
    away. `prefix` bytes go out before the next read response."""

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.lock = threading.Lock()
        self.card: bytes | None = None
        self.prefix = b""
        self.served = 0
        self.no_card_finds = 0
        self.commands: list[bytes] = []
        self.closed = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def present(self, response: bytes, prefix: bytes = b"") -> None:
        with self.lock:
            self.card, self.prefix = response, prefix

    def close(self) -> None:
        self.closed = True
        try:
            os.close(self.fd)
        except OSError:
            pass

    def _answer(self, code: bytes) -> bytes:
        with self.lock:
            if code == b"\x20\x01":
                if self.card:
                    return frame(b"\x00\x00\x9f", bytes(4))
                self.no_card_finds += 1
                return frame(b"\x00\x00\x80")
            if code == b"\x20\x02":
                return frame(b"\x00\x00\x90", bytes(8)) if self.card else frame(b"\x00\x00\x81")
            if code == b"\x30\x01" and self.card:
                out = self.prefix + self.card
                self.card, self.prefix = None, b""
                self.served += 1
                return out
            return frame(b"\x00\x00\x41")

    def _run(self) -> None:
        buf = b""
        while not self.closed:
            try:
                chunk = os.read(self.fd, 256)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while True:
                start = buf.find(PREAMBLE)
                if start < 0 or len(buf) < start + 10:
                    break
                cmd = buf[start:start + 10]
                buf = buf[start + 10:]
                assert cmd[5:7] == b"\x00\x03" and xor(cmd[5:9]) == cmd[9], cmd.hex()
                self.commands.append(cmd)
                try:
                    os.write(self.fd, self._answer(cmd[7:9]))
                except OSError:
                    return


def reader_view(server: Server, auth: dict[str, str]) -> dict:
    """The one card reader, as the supervisor sees it."""
    status, body = server.get_json("/api/v1/card-readers", auth)
    assert status == 200, body
    (view,) = body["card_readers"]
    return view


def test_kiosk_reader_takes_special_ticket_resyncs_and_goes_offline(pty_pair, start_server,
                                                                    small_hall_config, supervisor):
    reader_path, emu_path = pty_pair
    emulator = ReaderEmulator(emu_path)
    hall = small_hall_config
    hall["card_readers"] = [{"id": "R1", "path": reader_path, "kiosk": "K01", "item": "general"}]
    server = start_server(hall)
    auth = supervisor(server).headers

    def kiosk_view() -> dict:
        status, body = server.get_json("/api/v1/kiosks")
        assert status == 200, body
        kiosks = body["kiosks"] if isinstance(body, dict) else body
        return next(k for k in kiosks if k["id"] == "K01")

    wait_for("the reader to connect", lambda: reader_view(server, auth)["connected"])
    wait_for("find polls", lambda: len(emulator.commands) >= 2)
    assert emulator.commands[0] == bytes.fromhex("AAAAAA96690003200122")

    today = date.today()
    born = date(today.year - 75, 3, 15)
    idn = id_number("110101", born, "123")
    card = basic_info_response(text_block("张三丰", "1", "01", born, "北京市东城区某街道1号", idn,
                                          "北京市公安局东城分局", "20200101", "长期"))
    emulator.present(card)
    view = wait_for("a ticket taken by the card",
                    lambda: (v := reader_view(server, auth))["last_ticket_id"] and v)
    masked = idn[:3] + "*" * 11 + idn[-4:]
    assert view["applicant"]["id_masked"] == masked, view
    assert view["applicant"]["name_masked"] == "张*丰", view
    status, ticket = server.get_json(f"/api/v1/tickets/{view['last_ticket_id']}")
    assert status == 200, ticket
    assert ticket["priority"] == "special", ticket
    assert ticket["number"] == view["last_ticket"], ticket
    assert kiosk_view()["issued_today"] == 1
    assert emulator.served == 1

    # Garbage and a frame with a bad check byte before a valid frame: the
    # decoder resyncs, the errors are counted, the second card still works.
    # The card is taken away (a find says so) before the next one comes.
    finds = emulator.no_card_finds
    wait_for("a find without a card", lambda: emulator.no_card_finds > finds)
    born2 = date(today.year - 40, 6, 1)
    idn2 = id_number("310104", born2, "456")
    card2 = basic_info_response(text_block("李四", "2", "01", born2, "上海市徐汇区某路2号", idn2,
                                           "上海市公安局徐汇分局", "20210101", "20410101"))
    bad = bytearray(card2)
    bad[-1] ^= 0xFF
    emulator.present(card2, prefix=b"\x00\x13garbage\xaa\xaa" + bytes(bad))
    view = wait_for("a second ticket after resync",
                    lambda: (v := reader_view(server, auth))["last_ticket_id"]
                    not in (None, ticket["id"]) and v)
    assert view["errors"] >= 2, view
    assert view["applicant"]["id_masked"] == idn2[:3] + "*" * 11 + idn2[-4:], view
    status, ticket2 = server.get_json(f"/api/v1/tickets/{view['last_ticket_id']}")
    assert status == 200 and ticket2["priority"] == "normal", ticket2
    assert kiosk_view()["issued_today"] == 2
    metrics = server.metrics()
    assert metrics.value("tingwu_device_errors_total", device="card_reader", id="R1",
                         reason="bad_frame") >= 1
    assert metrics.value("tingwu_device_errors_total", device="card_reader", id="R1",
                         reason="garbage") >= 1

    # The emulator's end closes: the reader goes offline and alarms.
    emulator.close()
    alarm = wait_for("the offline alarm", lambda: server.alarms(auth).get("reader/R1/offline"))
    assert alarm["severity"] == "error", alarm
    assert not reader_view(server, auth)["connected"]

    # Personal data never reaches the logs in clear.
    log = server.stderr_text()
    for secret in (idn, idn2, "张三丰", "李四"):
        assert secret not in log


def test_window_reader_identifies_the_applicant(pty_pair, start_server, small_hall_config,
                                                supervisor):
    reader_path, emu_path = pty_pair
    emulator = ReaderEmulator(emu_path)
    hall = small_hall_config
    hall["card_readers"] = [{"id": "R3", "path": reader_path, "window": "3"}]
    server = start_server(hall)
    auth = supervisor(server).headers
    status, body = server.get_json("/api/v1/card-readers")
    assert status == 401, body

    wait_for("the reader to connect", lambda: reader_view(server, auth)["connected"])
    born = date(date.today().year - 30, 1, 2)
    idn = id_number("440305", born, "789")
    emulator.present(basic_info_response(text_block(
        "王小明", "1", "01", born, "深圳市南山区某路3号", idn, "深圳市公安局南山分局",
        "20200101", "20300101")))
    view = wait_for("the applicant", lambda: (v := reader_view(server, auth))["applicant"] and v)
    assert view["window"] == "3" and view["kiosk"] is None, view
    assert view["applicant"]["name_masked"] == "王*明", view
    assert view["applicant"]["id_masked"] == idn[:3] + "*" * 11 + idn[-4:], view
    assert view["last_ticket"] is None, view
    status, queues = server.get_json("/api/v1/queues")
    assert status == 200, queues
    assert idn not in server.stderr_text() and "王小明" not in server.stderr_text()
