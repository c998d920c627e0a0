"""Issue 8, item 6 on the ID-card reader's serial link — kind: after a
timeout, every serial link returns to a known state (input drained,
framing resynchronised) before its next command.

The input: a reader that answers one read-basic-information command 1.4 s
late (after the link's 1 s answer timeout). Before the fix the late frame
was taken as the answer to the next find, and every later answer was one
command behind for good: no card was read again. The emulator is
test_card_reader.py's, on a socat pseudo-terminal pair.
"""

from __future__ import annotations

import time
from datetime import date

from helpers import make_id_number as id_number, wait_for
from test_card_reader import ReaderEmulator, basic_info_response, reader_view, text_block

READ = b"\x30\x01"


class LateReader(ReaderEmulator):
    """Answers the next read-basic-information command `late` seconds late, once."""

    late = 0.0

    def _answer(self, code: bytes) -> bytes:
        out = super()._answer(code)
        if code == READ and self.late:
            late, self.late = self.late, 0.0
            time.sleep(late)
        return out


def card(name: str, area: str, age: int, seq: str) -> tuple[str, bytes]:
    born = date(date.today().year - age, 5, 4)
    idn = id_number(area, born, seq)
    return idn, basic_info_response(text_block(name, "1", "01", born, "某市某区某路1号", idn,
                                               "某市公安局", "20200101", "20400101"))


def test_a_late_answer_does_not_leave_the_reader_one_command_behind(pty_pair, start_server,
                                                                    small_hall_config,
                                                                    supervisor):
    reader_path, emu_path = pty_pair
    emulator = LateReader(emu_path)
    hall = small_hall_config
    hall["card_readers"] = [{"id": "R1", "path": reader_path, "kiosk": "K01", "item": "general"}]
    server = start_server(hall)
    auth = supervisor(server).headers
    wait_for("the reader to connect", lambda: reader_view(server, auth)["connected"])

    # The first card's read is answered late: the link gives up on it.
    _, late_card = card("赵一", "110101", 30, "111")
    emulator.late = 1.4
    emulator.present(late_card)
    wait_for("the late answer sent", lambda: emulator.served == 1 and not emulator.late)
    finds = emulator.no_card_finds
    wait_for("finds after the late answer", lambda: emulator.no_card_finds >= finds + 2)

    # The next card is read and takes its ticket.
    idn, next_card = card("钱二", "310104", 72, "222")
    emulator.present(next_card)
    view = wait_for("a ticket taken by the next card",
                    lambda: (v := reader_view(server, auth))["last_ticket_id"] and v)
    assert view["applicant"]["id_masked"] == idn[:3] + "*" * 11 + idn[-4:], view
    status, ticket = server.get_json(f"/api/v1/tickets/{view['last_ticket_id']}")
    assert status == 200 and ticket["priority"] == "special", ticket

    metrics = server.metrics()

    def errors(reason: str) -> float:
        return metrics.value("tingwu_device_errors_total", device="card_reader", id="R1",
                             reason=reason)

    for reason in ("sam_status", "bad_card", "garbage", "bad_frame"):
        assert errors(reason) == 0, reason
    assert errors("timeout") == 1
    assert errors("late_answer") == 1
    assert server.alarms(auth).get("reader/R1/offline") is None
