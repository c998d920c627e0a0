"""Issue 10 — intake (一窗受理) with the applicant read from the window's
ID-card reader (身份证阅读器) instead of typed: the reader is emulated on a
socat pseudo-terminal pair (the GA/T 467 emulator of test_card_reader.py),
the window is served over MQTT, the intake goes through the real API.

A read is held sealed for one intake within 10 minutes; without a read, or
at a window without a reader, the intake is refused with a clear error; the
name and ID number never reach the logs in clear.
"""

from __future__ import annotations

from datetime import date

from case_hall import call_police_ticket, with_cases
from helpers import Server, assert_error, bearer, make_id_number, staff_of, wait_for
from test_card_reader import ReaderEmulator, basic_info_response, reader_view, text_block

PHONE = "13912340000"


def card_intake(server: Server, token: str) -> tuple[int, dict]:
    return server.post_json("/api/v1/cases",
                            {"applicant": {"kind": "card_reader", "phone": PHONE},
                             "materials": ["身份证"]}, bearer(token))


def test_the_applicant_comes_from_the_windows_card_reader(pty_pair, start_server, small_hall_config,
                                                          supervisor, window_terminal):
    reader_path, emu_path = pty_pair
    emulator = ReaderEmulator(emu_path)
    hall = with_cases(small_hall_config)
    hall["card_readers"] = [{"id": "R1", "path": reader_path, "window": "1"}]
    server = start_server(hall)
    auth = supervisor(server).headers
    wait_for("the reader to connect", lambda: reader_view(server, auth)["connected"])

    _, token = call_police_ticket(server, window_terminal, "1")
    status, body = card_intake(server, token)
    assert_error(status, body, 409, "no_card_read")
    assert "身份证" in body["error"]["message"]

    born = date(1985, 6, 15)
    idn = make_id_number("440305", born, "456")
    emulator.present(basic_info_response(text_block(
        "司马光明", "1", "01", born, "深圳市南山区某路8号", idn, "深圳市公安局南山分局",
        "20200101", "20400101")))
    wait_for("the applicant", lambda: (v := reader_view(server, auth))["applicant"] and v)

    status, body = card_intake(server, token)
    assert status == 201, body
    applicant = body["case"]["applicant"]
    assert applicant["id"] == idn[:3] + "*" * 11 + idn[-4:], applicant
    assert "司马光明" not in str(body) and idn not in str(body)

    # One read, one intake: the next needs the card on the reader again.
    status, again = card_intake(server, token)
    assert_error(status, again, 409, "no_card_read")

    # A window without a reader says so.
    staff, pin = staff_of("2")
    status, session = server.post_json("/api/v1/windows/2/session", {"staff": staff, "pin": pin})
    assert status == 200, session
    status, body = card_intake(server, session["token"])
    assert_error(status, body, 409, "no_card_reader")

    # Nothing personal is in the log in clear.
    log = server.stderr_text()
    for secret in (idn, "司马光明", PHONE):
        assert secret not in log, secret
    emulator.close()
