"""Issue 8, item 17 — kind: *a count people see is durable state*.

A kiosk's count of the day's tickets (`GET /api/v1/kiosks`, shown on the
dashboard) was kept in memory only and returned to 0 after a restart. Real
binary, restarted on the same data dir.
"""

from __future__ import annotations

from helpers import SMALL_HALL


def test_kiosk_count_survives_a_restart(start_server, tmp_path):
    server = start_server(SMALL_HALL, data_dir=tmp_path / "data")

    def issued_today() -> int:
        status, body = server.get_json("/api/v1/kiosks")
        assert status == 200, body
        kiosks = body["kiosks"] if isinstance(body, dict) else body
        return next(k for k in kiosks if k["id"] == "K01")["issued_today"]

    server.issue(item="general", kiosk="K01")
    server.issue(item="general", kiosk="K01")
    server.issue(item="general")  # not at the kiosk
    assert issued_today() == 2
    server.restart()
    assert issued_today() == 2, "the kiosk's count of the day's tickets was lost in a restart"
