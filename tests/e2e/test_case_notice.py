"""The acceptance notice (受理通知书) as a page and a PDF, and the SMS notices
of a case (issue 10), against the real binary.

- Window staff take in a promise case with a tolerated missing material (容缺);
  the notice page shows what is owed, the PDF is a PDF whose text (read back
  with poppler's `pdftotext`) holds the case number and the item; staff of
  another department get 403, nobody without a token gets in.
- Without the configured font the PDF answers 503 naming `[documents] font`,
  the page still works, and `check-config` warns.
- A real local HTTP receiver stands in for the SMS gateway: the applicant's
  phone (in the clear there, and only there) gets the acceptance, the
  correction (补正) with what is owed and by when, the completion (办结) with
  how to collect, and the posting with the tracking number; a restart sends
  none of them again.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from case_hall import APPLICANT_PHONE, call_police_ticket, intake_body, with_cases
from helpers import HOST, assert_error, bearer, staff_of, wait_until
from test_silent_calling import Gateway

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def get_raw(server, path: str, token: str | None) -> tuple[int, dict, bytes]:
    with server.http() as client:
        status, headers, data = client.request_raw("GET", path, headers=bearer(token) if token else {})
    return status, dict(headers), data


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True, timeout=30)
    return done.stdout.decode("utf-8")


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    """The page count poppler's `pdfinfo` reads from `pdf`."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, timeout=30)
    for line in done.stdout.decode("utf-8").splitlines():
        if line.startswith("Pages:"):
            return int(line.split(":", 1)[1])
    raise AssertionError(f"pdfinfo names no page count: {done.stdout!r}")


def other_department_token(server) -> str:
    """A caller session at window 5, which serves queue A (department admin) only."""
    staff, pin = staff_of("5")
    status, body = server.post_json("/api/v1/windows/5/session", {"staff": staff, "pin": pin})
    assert status == 200, body
    return body["token"]


def case_notices(gateway: Gateway, number: str) -> list[dict]:
    return [n for n in gateway.received() if n.get("case") == number]


def wait_notice(gateway: Gateway, number: str, kind: str) -> dict:
    assert wait_until(lambda: [n for n in case_notices(gateway, number) if n["kind"] == kind], 15.0), \
        f"no {kind} notice for {number}; got {[n['kind'] for n in case_notices(gateway, number)]}"
    return [n for n in case_notices(gateway, number) if n["kind"] == kind][0]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
@pytest.mark.skipif(not FONT.exists(), reason="fonts-noto-cjk is not installed")
def test_the_notice_page_and_pdf_and_who_may_read_them(start_server, small_hall_config,
                                                        window_terminal, supervisor, tmp_path):
    server = start_server(with_cases(small_hall_config))
    _, staff = call_police_ticket(server, window_terminal)
    status, v = server.post_json("/api/v1/cases", intake_body(), bearer(staff))
    assert status == 201, v
    number = v["case"]["number"]
    path = f"/api/v1/cases/{number}/notice"

    status, headers, html = get_raw(server, path, staff)
    assert status == 200, html[:300]
    assert headers["content-type"].startswith("text/html")
    page = html.decode("utf-8")
    assert "受理通知书" in page and number in page
    owed = page[page.index('id="owed"'):]
    assert "户口簿" in owed and "Household register" in owed, owed[:400]
    assert "身份证" in page[page.index("received"):page.index('id="owed"')]
    assert "<svg" in page, "no QR code"
    assert f"/case?n={number}" in page
    # Masked, as every case answer: the phone and ID number never in the clear.
    assert APPLICANT_PHONE not in page and "139****5678" in page

    status, headers, pdf = get_raw(server, path + ".pdf", staff)
    assert status == 200, pdf[:300]
    assert headers["content-type"] == "application/pdf"
    assert pdf.startswith(b"%PDF-")
    # The CJK font is subset: a ~20 MB collection becomes a few tens of KB.
    assert len(pdf) < 300_000, len(pdf)
    text = pdf_text(pdf, tmp_path)
    assert number in text, text
    assert "户籍办理" in text and "户口簿" in text, text
    assert APPLICANT_PHONE not in text
    # A normal notice is one page, with no blank page after it.
    if shutil.which("pdfinfo") is not None:
        assert pdf_pages(pdf, tmp_path) == 1

    # Supervisors read it; staff of another department and strangers do not.
    lead = supervisor(server).token
    status, _, _ = get_raw(server, path + ".pdf", lead)
    assert status == 200
    other = other_department_token(server)
    for p in (path, path + ".pdf"):
        status, body = server.get_json(p, bearer(other))
        assert_error(status, body, 403, "case_other_department")
        status, body = server.get_json(p)
        assert status == 401, body
    status, body = server.get_json(f"/api/v1/cases/{server.hall}-20000101-000001/notice.pdf",
                                   bearer(lead))
    assert_error(status, body, 404, "not_found")


def test_without_the_font_the_pdf_is_503_and_the_page_still_works(start_server, small_hall_config,
                                                                    window_terminal, hall_toml,
                                                                    tingwu_bin):
    config = with_cases(small_hall_config)
    config["documents"] = {"font": "/nonexistent/fonts/missing-cjk.ttc"}
    server = start_server(config)
    _, staff = call_police_ticket(server, window_terminal)
    status, v = server.post_json("/api/v1/cases", intake_body(), bearer(staff))
    assert status == 201, v
    number = v["case"]["number"]
    status, body = server.get_json(f"/api/v1/cases/{number}/notice.pdf", bearer(staff))
    err = assert_error(status, body, 503, "pdf_font_missing")
    assert "[documents] font" in err["message"] and "字体" in err["message"], err
    status, _, html = get_raw(server, f"/api/v1/cases/{number}/notice", staff)
    assert status == 200 and number in html.decode("utf-8")

    path = hall_toml(config, "no-font.toml")
    done = subprocess.run([str(tingwu_bin), "check-config", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "warning:" in done.stderr and "[documents] font" in done.stderr, done.stderr


def test_sms_notices_at_acceptance_correction_completion_and_posting(start_server, small_hall_config,
                                                                      window_terminal):
    gateway = Gateway().start()
    try:
        config = with_cases(small_hall_config)
        config["notify"] = {"webhook": f"http://{HOST}:{gateway.port}/sms"}
        server = start_server(config)
        _, staff = call_police_ticket(server, window_terminal)
        status, v = server.post_json("/api/v1/cases", intake_body(), bearer(staff))
        assert status == 201, v
        number = v["case"]["number"]

        accepted = wait_notice(gateway, number, "case_accepted")
        assert accepted["phone"] == APPLICANT_PHONE, accepted
        assert accepted["id"] == f"{number}/accepted"
        assert accepted["item_name"] == "户籍办理" and accepted["limit_days"] == 5
        text = accepted["text"]
        assert number in text and "已受理" in text and "/case" in text, text
        assert "户口簿" in text and accepted["owed_by"] in text, text
        assert number in accepted["text_en"]

        def act(action: str, body: dict | None = None) -> dict:
            status, reply = server.post_json(f"/api/v1/cases/{number}/{action}", body or {},
                                             bearer(staff))
            assert status == 200, f"{action}: {status} {reply}"
            return reply

        act("correction", {"materials": ["申请表缺少签名"]})
        corr = wait_notice(gateway, number, "case_correction")
        assert corr["phone"] == APPLICANT_PHONE
        owed = [i["name"] for i in corr["owed"]]
        assert "申请表缺少签名" in owed, corr
        assert "申请表缺少签名" in corr["text"] and corr["owed_by"] in corr["text"], corr["text"]
        assert "暂停" in corr["text"] and "/case" in corr["text"]

        act("answer", {"materials": ["申请表缺少签名"]})
        for _ in range(3):
            act("approve", {"opinion": "同意"})
        act("supply", {"materials": ["户口簿"]})
        act("approve")
        done = wait_notice(gateway, number, "case_completed")
        assert done["phone"] == APPLICANT_PHONE and done["outcome"]["outcome"] == "approved"
        assert "已办结" in done["text"] and "准予许可" in done["text"], done["text"]
        assert "领取" in done["text"] and "邮寄" in done["text"] and done["delivery_due"] in done["text"]

        act("deliver", {"method": "post", "carrier": "EMS", "tracking": "EA123456789CN"})
        posted = wait_notice(gateway, number, "case_posted")
        assert "EA123456789CN" in posted["text"] and "EMS" in posted["text"], posted

        kinds = [n["kind"] for n in case_notices(gateway, number)]
        assert kinds == ["case_accepted", "case_correction", "case_completed", "case_posted"], kinds
        # Logs show the masked phone only.
        log = server.stderr_text()
        assert "139****5678" in log and APPLICANT_PHONE not in log

        # Delivered notices are not sent again after a restart.
        assert wait_until(lambda: server.metrics().value("tingwu_notices_pending") == 0, 5.0)
        time.sleep(2.5)  # the notifier's cursor is committed every 2 s
        count = len(gateway.received())
        server.restart()
        time.sleep(1.5)
        assert len(gateway.received()) == count, [n["kind"] for n in gateway.received()]
    finally:
        gateway.stop()
