"""Issue 9 — 大厅公告: a supervisor broadcasts a notice to the hall screens.

On the real binary with real WebSocket clients (the small hall: screen
`hall` shows the whole hall, screen `w1` is window 1's, in the north area):

- a notice for the south area reaches the whole-hall screen, not window 1's;
  one for screen `w1` reaches that screen only; one for the whole hall
  reaches both — as `notice` frames and in the snapshots, without the
  sender's name on public screens;
- the same notice sent again is the one in force (200, no new frame);
- `GET /api/v1/notices` lists those in force; `DELETE` clears one, which
  leaves the screens with an `active: false` frame; both are audited;
- a notice in force survives a restart (snapshot after it), and a client
  resuming with `?since=` gets exactly the notice frames it missed;
- bad input is refused with 400 and a zh/en message and counted in
  `tingwu_rejected_inputs_total`; clearing twice is 404; no token is 401.

Expiry is tested on a manual hall clock in `actors/tests/hall_notices.rs`
rather than by sleeping here.
"""

from __future__ import annotations

from helpers import Server, assert_error


def notice_frames(frames: list[dict]) -> list[dict]:
    return [f for f in frames if f["type"] == "notice"]


def snapshot_notices(open_screen, server: Server, screen: str) -> list[dict]:
    stream = open_screen(server, f"/ws/screen/{screen}")
    snap = stream.first()
    assert snap["type"] == "snapshot", snap
    stream.close()
    return snap["payload"]["notices"]


def send(server: Server, headers: dict, body: dict) -> dict:
    status, notice = server.post_json("/api/v1/notices", body, headers)
    assert status == 201, notice
    return notice


def test_notices_reach_their_screens_are_cleared_and_survive_a_restart(
        small_hall: Server, supervisor, open_screen):
    auth = supervisor(small_hall).headers
    hall = open_screen(small_hall, "/ws/screen/hall")
    w1 = open_screen(small_hall, "/ws/screen/w1")
    for s in (hall, w1):
        snap = s.first()
        assert snap["type"] == "snapshot" and snap["payload"]["notices"] == [], snap

    south = send(small_hall, auth, {"text_zh": "南区系统维护，社保业务暂停办理",
                                    "text_en": "South area: social insurance paused for maintenance",
                                    "areas": ["south"], "minutes": 60})
    only_w1 = send(small_hall, auth, {"text_zh": "本窗口 10:30 恢复办理", "screens": ["w1"]})
    everyone = send(small_hall, auth, {"text_zh": "今日 17:00 停止取号", "text_en": "Tickets until 17:00 today"})
    # The same notice again (a retried request): the one in force, 200, no new frame.
    status, same = small_hall.post_json("/api/v1/notices", {"text_zh": "今日 17:00 停止取号",
                                                            "text_en": "Tickets until 17:00 today"}, auth)
    assert status == 200 and same["id"] == everyone["id"], (status, same)
    assert south["by"] == "admin" and south["areas"] == ["south"]
    assert south["expires_at"] is not None and only_w1["expires_at"] is None

    # Frames: the whole-hall screen gets south and everyone; w1 gets only_w1 and everyone.
    got_hall = hall.wait_for(lambda f: f["type"] == "notice" and f["payload"]["id"] == everyone["id"])
    got_w1 = w1.wait_for(lambda f: f["type"] == "notice" and f["payload"]["id"] == everyone["id"])
    assert [f["payload"]["id"] for f in notice_frames(hall.frames)] == [south["id"], everyone["id"]]
    assert [f["payload"]["id"] for f in notice_frames(w1.frames)] == [only_w1["id"], everyone["id"]]
    for f in (got_hall, got_w1):
        assert f["payload"]["active"] is True
        assert f["payload"]["text_en"] == "Tickets until 17:00 today"
        assert "by" not in f["payload"], "public screens do not name the supervisor"
    assert [n["id"] for n in snapshot_notices(open_screen, small_hall, "hall")] == [south["id"], everyone["id"]]
    assert [n["id"] for n in snapshot_notices(open_screen, small_hall, "w1")] == [only_w1["id"], everyone["id"]]

    status, body = small_hall.get_json("/api/v1/notices", auth)
    assert status == 200, body
    assert [n["id"] for n in body["notices"]] == [south["id"], only_w1["id"], everyone["id"]]
    assert {a["id"] for a in body["areas"]} == {"north", "south"}
    assert {s["id"] for s in body["screens"]} == {"hall", "w1"}

    # Cleared: a frame on the screens it was on, gone from the list.
    last_seen = got_hall["seq"]
    status, cleared = small_hall.request("DELETE", f"/api/v1/notices/{south['id']}", None, auth)
    assert status == 200, cleared
    gone = hall.wait_for(lambda f: f["type"] == "notice" and f["payload"]["id"] == south["id"]
                         and f["payload"]["active"] is False)
    assert gone["payload"]["end"]["reason"] == "cleared"
    assert "by" not in gone["payload"]["end"]
    status, body = small_hall.get_json("/api/v1/notices", auth)
    assert [n["id"] for n in body["notices"]] == [only_w1["id"], everyone["id"]]
    status, body = small_hall.request("DELETE", f"/api/v1/notices/{south['id']}", None, auth)
    assert_error(status, body, 404, "notice_not_found")

    # A client resuming from the last send gets exactly the clear's frame
    # (and nothing for the repeated send).
    resumed = open_screen(small_hall, f"/ws/screen/hall?since={last_seen}")
    frames = resumed.drain(quiet=1.0)
    assert [f["type"] for f in frames] == ["notice"], frames
    assert frames[0]["payload"]["id"] == south["id"] and frames[0]["payload"]["active"] is False

    # Audited: who sent and who cleared.
    status, body = small_hall.get_json("/api/v1/audit?limit=20", auth)
    actions = [(a["entry"]["action"], a["entry"]["target"], a["entry"]["who"]) for a in body["audit"]]
    assert ("notice_sent", f"notice/{south['id']}", "admin") in actions, actions
    assert ("notice_cleared", f"notice/{south['id']}", "admin") in actions, actions

    # A restart: the notices in force are still on the screens.
    hall.close()
    w1.close()
    small_hall.restart()
    assert [n["id"] for n in snapshot_notices(open_screen, small_hall, "hall")] == [everyone["id"]]
    assert [n["id"] for n in snapshot_notices(open_screen, small_hall, "w1")] == [only_w1["id"], everyone["id"]]
    auth = supervisor(small_hall).headers
    status, body = small_hall.get_json("/api/v1/notices", auth)
    assert [n["id"] for n in body["notices"]] == [only_w1["id"], everyone["id"]]
    # New ids never repeat old ones.
    again = send(small_hall, auth, {"text_zh": "重启后的公告"})
    assert again["id"] not in {south["id"], only_w1["id"], everyone["id"]}


def test_bad_notices_are_refused_and_counted(small_hall: Server, supervisor):
    auth = supervisor(small_hall).headers
    status, body = small_hall.post_json("/api/v1/notices", {"text_zh": "没有令牌"})
    assert_error(status, body, 401, "unauthorized")
    cases = [
        ({"text_zh": "   "}, "notice_text_empty"),
        ({"text_zh": "长" * 201}, "notice_text_too_long"),
        ({"text_zh": "第一行\n第二行"}, "notice_text_invalid"),
        ({"text_zh": "通知", "text_en": "x" * 401}, "notice_text_too_long"),
        ({"text_zh": "通知", "minutes": 0}, "notice_bad_minutes"),
        ({"text_zh": "通知", "minutes": 7 * 24 * 60 + 1}, "notice_bad_minutes"),
        ({"text_zh": "通知", "areas": ["east"]}, "unknown_area"),
        ({"text_zh": "通知", "screens": ["lobby"]}, "unknown_screen"),
        ({"text_zh": "通知", "minutes": -5}, "bad_json"),
        ({"text_zh": "通知", "colour": "red"}, "bad_json"),
        ({"text_en": "no Chinese"}, "bad_json"),
    ]
    for body, code in cases:
        status, answer = small_hall.post_json("/api/v1/notices", body, auth)
        err = assert_error(status, answer, 400, code)
        if code != "bad_json":
            assert " / " in err["message"], f"zh and en: {err}"
    m = small_hall.metrics()
    assert m.value("tingwu_rejected_inputs_total", channel="http", reason="notice_text_too_long") == 2, m.text
    assert m.value("tingwu_rejected_inputs_total", channel="http", reason="unknown_area") == 1, m.text
    status, body = small_hall.get_json("/api/v1/notices", auth)
    assert body["notices"] == [], "nothing refused was sent"
