"""Issue 9 — alarms a supervisor acknowledges, kept across a restart, and
escalated to the supervisor on duty when nobody does.

Real binary, the emupos ESC/POS emulator as the kiosk's printer, a real
local HTTP receiver standing in for the notification webhook.
"""

from __future__ import annotations

from helpers import HOST, assert_error, wait_for
from test_printer import start_emupos  # noqa: F401 (pytest fixture)
from test_silent_calling import Gateway

ALARM = "printer/P1/out_of_service"


def test_paper_out_is_acknowledged_stays_acknowledged_and_escalates(start_emupos,  # noqa: F811
                                                                    start_server,
                                                                    small_hall_config,
                                                                    supervisor):
    emulator = start_emupos()
    gateway = Gateway().start()
    try:
        hall = small_hall_config
        hall["printers"] = [{"id": "P1", "kiosk": "K01", "address": f"{HOST}:{emulator.port}"}]
        hall["notify"] = {"webhook": f"http://{HOST}:{gateway.port}/sms"}
        # Errors unacknowledged for 0 minutes are escalated at once; the
        # supervisor on duty is `admin` all day.
        hall["supervision"] = {"escalation": {
            "error_minutes": 0, "warning_minutes": 0,
            "duty": [{"user": "admin", "hours": ["00:00-24:00"]}]}}
        server = start_server(hall)
        _, auth = supervisor(server)
        wait_for("printer P1 in service",
                 lambda: server.get_json("/api/v1/printers", auth)[1]["printers"][0]["in_service"])

        emulator.fault("paper-out", True)
        alarm = wait_for("the paper-out alarm", lambda: server.alarms(auth).get(ALARM))
        assert alarm["kind"] == "paper_out" and alarm["severity"] == "error", alarm
        assert "acknowledged" not in alarm, alarm

        # Nobody acknowledged it: it reaches the webhook, addressed to the one on duty.
        sent = wait_for("the escalation at the webhook",
                        lambda: [n for n in gateway.received() if n.get("alarm") == ALARM])
        assert sent[0]["type"] == "alarm_escalation" and sent[0]["to"] == "admin", sent
        assert "告警未确认" in sent[0]["text"] and sent[0]["severity"] == "error", sent

        # Refusals: no supervisor, an unknown alarm, a bad body.
        status, body = server.post_json("/api/v1/alarms/ack", {"id": ALARM})
        assert status == 401, body
        status, body = server.post_json("/api/v1/alarms/ack", {"id": "printer/P9/x"}, auth)
        assert_error(status, body, 404, "not_found")
        status, body = server.post_json("/api/v1/alarms/ack", {"id": ALARM, "who": "x"}, auth)
        assert_error(status, body, 400, "bad_json")

        status, body = server.post_json("/api/v1/alarms/ack",
                                        {"id": ALARM, "note": "已通知大厅值守更换纸卷"}, auth)
        assert status == 200, body
        ack = body["alarm"]["acknowledged"]
        assert ack["by"] == "admin" and ack["note"] == "已通知大厅值守更换纸卷" and ack["at"], body
        status, body = server.post_json("/api/v1/alarms/ack", {"id": ALARM}, auth)
        assert_error(status, body, 409, "alarm_refused")

        # Still acknowledged after a restart (the paper is still out).
        server.restart()
        _, auth = supervisor(server)
        alarm = wait_for("the alarm after the restart", lambda: server.alarms(auth).get(ALARM))
        assert alarm["acknowledged"]["by"] == "admin", alarm
        assert alarm["acknowledged"]["note"] == "已通知大厅值守更换纸卷", alarm
        escalations = len([n for n in gateway.received() if n.get("alarm") == ALARM])
        assert escalations >= 1

        # A new roll: the alarm clears.
        emulator.fault("paper-out", False)
        wait_for("the alarm to clear", lambda: ALARM not in server.alarms(auth))
    finally:
        gateway.stop()
