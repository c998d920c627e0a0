//! Start-up recovery: read back today's state and the outbox position.

use tingwu_actors::clock::HallClock;
use tingwu_actors::core::case::CaseRecord;
use tingwu_actors::core::strategy::Strategy;
use tingwu_actors::core::ticket::parse_ticket_id;
use tingwu_actors::keys;
use tingwu_actors::records::{KioskRecord, Recovered, WindowRecord};
use tracing::{info, warn};

use super::reads::{ReadError, StoreReader};

/// Days a closed case (delivered, terminated) stays in the case actor's
/// memory after it closed; older ones stay on disk only.
const CLOSED_CASES_KEPT_DAYS: i64 = 90;

/// Events kept for screens resuming across a restart.
const RECENT_EVENTS: usize = 2048;

fn utf8(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Reads back what the actors start from: today's tickets (and any earlier
/// ticket a window still holds), window records, today's command replies
/// and idempotency keys, calling strategies, hall notices, and the newest
/// [`RECENT_EVENTS`] events with the outbox's last sequence number.
/// Unreadable records are skipped and logged.
pub fn recover(reader: &StoreReader, clock: &HallClock) -> Result<Recovered, ReadError> {
    let day = clock.day(clock.now());
    let today = reader.tickets_of_day(&day)?;
    let mut skipped = today.skipped;
    let mut out = Recovered {
        day: day.clone(),
        tickets: today.items,
        ..Recovered::default()
    };
    for kv in reader.raw_prefix(keys::WINDOWS) {
        let (k, v) = kv?;
        let id = utf8(keys::window_id(&k).unwrap_or_default());
        match serde_json::from_slice::<WindowRecord>(&v) {
            Ok(w) => {
                out.windows.insert(id, w);
            }
            Err(e) => {
                skipped += 1;
                warn!(window = %id, error = %e, "unreadable window record skipped");
            }
        }
    }
    // A window may hold a ticket from an earlier day (served across the
    // day start, or the server was down over it): read those too.
    let held: Vec<String> = out
        .windows
        .values()
        .filter_map(|w| w.ticket.clone())
        .filter(|id| !id.starts_with(&day))
        .collect();
    for id in held {
        let Some((ticket_day, _, _)) = parse_ticket_id(&id) else {
            continue;
        };
        let earlier = reader.tickets_of_day(ticket_day)?;
        if let Some(t) = earlier.items.into_iter().find(|t| t.id == id) {
            out.tickets.push(t);
        }
    }
    // Tickets of earlier days still waiting: the end-of-day rule applies.
    let unfinished = reader.unfinished_before(&day)?;
    skipped += unfinished.skipped;
    out.unfinished = unfinished.items;
    let prefix = keys::commands_of_day(&day);
    for kv in reader.raw_prefix(&prefix) {
        let (k, v) = kv?;
        let rest = utf8(k.strip_prefix(prefix.as_slice()).unwrap_or_default());
        if let Some((window, id)) = rest.split_once('/') {
            out.commands
                .entry(window.to_string())
                .or_default()
                .push((id.to_string(), v));
        }
    }
    for kv in reader.raw_prefix(keys::STRATEGIES) {
        let (k, v) = kv?;
        let scope = utf8(keys::strategy_scope(&k).unwrap_or_default());
        match serde_json::from_slice::<Strategy>(&v) {
            Ok(s) => {
                out.strategies.insert(scope, s);
            }
            Err(e) => warn!(scope = %scope, error = %e, "unreadable strategy skipped"),
        }
    }
    let prefix = keys::idempotency_of_day(&day);
    for kv in reader.raw_prefix(&prefix) {
        let (k, v) = kv?;
        out.idempotency.insert(
            utf8(k.strip_prefix(prefix.as_slice()).unwrap_or_default()),
            utf8(&v),
        );
    }
    let prefix = keys::kiosks_of_day(&day);
    for kv in reader.raw_prefix(&prefix) {
        let (k, v) = kv?;
        let id = utf8(k.strip_prefix(prefix.as_slice()).unwrap_or_default());
        match serde_json::from_slice::<KioskRecord>(&v) {
            Ok(r) => {
                out.kiosks.insert(id, r);
            }
            Err(e) => {
                skipped += 1;
                warn!(kiosk = %id, error = %e, "unreadable kiosk record skipped");
            }
        }
    }
    for kv in reader.raw_prefix(keys::ALARMS) {
        let (k, v) = kv?;
        match serde_json::from_slice(&v) {
            Ok(a) => out.alarms.push(a),
            Err(e) => {
                skipped += 1;
                warn!(alarm = %utf8(&k), error = %e, "unreadable alarm record skipped");
            }
        }
    }
    for kv in reader.raw_prefix(keys::NOTICES) {
        let (k, v) = kv?;
        match serde_json::from_slice(&v) {
            Ok(n) => out.notices.push(n),
            Err(e) => {
                skipped += 1;
                warn!(notice = %utf8(&k), error = %e, "unreadable hall notice skipped");
            }
        }
    }
    let (ratings, unreadable) = reader.rating_state()?;
    skipped += unreadable;
    out.ratings = ratings;
    let (recent, last_seq) = reader.newest_events(RECENT_EVENTS)?;
    out.recent_events = recent;
    out.last_seq = last_seq;
    // Today's and later bookings (earlier days are only read for reports).
    let bookings = reader.bookings_from(&day)?;
    skipped += bookings.skipped;
    out.bookings = bookings.items;
    // Cases: every open one, and those closed within CLOSED_CASES_KEPT_DAYS
    // (the citizen's query and the staff's list still show them).
    let cases = reader.cases()?;
    skipped += cases.skipped;
    let since = tingwu_actors::core::calendar::local_date(clock.now(), clock.tz)
        - chrono::Duration::days(CLOSED_CASES_KEPT_DAYS);
    let recent = |r: &CaseRecord| r.closed_on().is_none_or(|d| d >= since);
    // A package's parts go together: one recent part keeps them all.
    let kept: std::collections::HashSet<String> = cases
        .items
        .iter()
        .filter(|r| r.case.number.part.is_some() && recent(r))
        .map(|r| r.case.number.package().to_string())
        .collect();
    out.cases = cases
        .items
        .into_iter()
        .filter(|r| recent(r) || kept.contains(&r.case.number.package().to_string()))
        .collect();
    // The packages whose parts were kept.
    let packages = reader.packages()?;
    skipped += packages.skipped;
    out.packages = packages
        .items
        .into_iter()
        .filter(|p| kept.contains(&p.number.to_string()))
        .collect();
    // Today's consultations: their request keys answer retries.
    let consultations = reader.consultations(&day, &day)?;
    skipped += consultations.skipped;
    out.consultations = consultations.items;
    // The open-case index (by deadline, for supervision) should name every
    // open case: say so if it does not (the next transition of each case
    // rewrites its entry).
    let indexed = reader.open_cases_by_deadline()?.len();
    let open = out.cases.iter().filter(|r| r.case.status.is_open()).count();
    if indexed != open {
        warn!(
            indexed,
            open, "open-case index differs from the open case records"
        );
    }
    info!(
        day = %day,
        tickets = out.tickets.len(),
        cases = out.cases.len(),
        packages = out.packages.len(),
        unfinished = out.unfinished.len(),
        bookings = out.bookings.len(),
        windows = out.windows.len(),
        alarms = out.alarms.len(),
        last_seq = out.last_seq,
        skipped,
        "storage recovered"
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookings_of_today_and_later_are_recovered() {
        let storage = crate::storage::Storage::temporary().unwrap();
        let cfg = tingwu_actors::config::HallConfig::demo().unwrap();
        let clock = tingwu_actors::clock::HallClock::of(&cfg);
        let today = clock.day(clock.now());
        let booking = |day: &str, code: &str| {
            let date = chrono::NaiveDate::parse_from_str(day, "%Y%m%d").unwrap();
            let now = clock.now();
            tingwu_actors::appointment::Booking {
                code: code.into(),
                item: "x".into(),
                date,
                slot_start: 0,
                slot_end: 30,
                start: now,
                end: now,
                persons: vec![],
                personal: tingwu_actors::core::ticket::Personal::default(),
                status: tingwu_actors::appointment::BookingStatus::Booked,
                booked_at: now,
                changed_at: None,
                ticket: None,
                kiosk: None,
            }
        };
        let mut commit = tingwu_actors::store::Commit::default();
        for (day, code) in [
            ("20000101", "AAAAAAAA"),
            (today.as_str(), "BBBBBBBB"),
            ("99991231", "CCCCCCCC"),
        ] {
            commit.put_json(tingwu_actors::keys::booking(day, code), &booking(day, code));
        }
        commit.put(
            tingwu_actors::keys::booking(&today, "DDDDDDDD"),
            b"not json".to_vec(),
        );
        storage.write_now(commit).unwrap();
        let mut codes: Vec<String> = recover(&storage.reader(), &clock)
            .unwrap()
            .bookings
            .into_iter()
            .map(|b| b.code)
            .collect();
        codes.sort();
        assert_eq!(codes, ["BBBBBBBB", "CCCCCCCC"]);
    }

    #[test]
    fn open_alarms_are_recovered_with_their_acknowledgement() {
        use tingwu_actors::core::alarm::{lifecycle, AlarmKind};
        let storage = crate::storage::Storage::temporary().unwrap();
        let cfg = tingwu_actors::config::HallConfig::demo().unwrap();
        let clock = tingwu_actors::clock::HallClock::of(&cfg);
        let a = AlarmKind::PaperOut.alarm(
            "printer/P1/out_of_service",
            "printer/P1",
            "缺纸",
            "Paper out",
        );
        let now = clock.now();
        let raised = lifecycle::raise(None, &a, now).unwrap().record().clone();
        let acked = lifecycle::acknowledge(&raised, "admin", "换纸中", now).unwrap();
        let mut commit = tingwu_actors::store::Commit::default();
        commit.put_json(tingwu_actors::keys::alarm(&acked.id), &acked);
        commit.put(
            tingwu_actors::keys::alarm("bus/B1/port"),
            b"not json".to_vec(),
        );
        storage.write_now(commit).unwrap();
        let alarms = recover(&storage.reader(), &clock).unwrap().alarms;
        assert_eq!(alarms, vec![acked], "the unreadable one is skipped");
    }

    #[test]
    fn hall_notices_in_storage_are_recovered() {
        use tingwu_actors::core::hall_notice::{compose, Draft};
        let storage = crate::storage::Storage::temporary().unwrap();
        let cfg = tingwu_actors::config::HallConfig::demo().unwrap();
        let clock = tingwu_actors::clock::HallClock::of(&cfg);
        let draft = Draft {
            text_zh: "系统维护".into(),
            minutes: Some(5),
            ..Draft::default()
        };
        let n = compose(&draft, &cfg, 0, "n7".into(), "admin", clock.now()).unwrap();
        let mut commit = tingwu_actors::store::Commit::default();
        commit.put_json(tingwu_actors::keys::notice(&n.id), &n);
        commit.put(tingwu_actors::keys::notice("n8"), b"not json".to_vec());
        storage.write_now(commit).unwrap();
        let notices = recover(&storage.reader(), &clock).unwrap().notices;
        assert_eq!(notices, vec![n], "the unreadable one is skipped");
    }

    #[test]
    fn open_cases_and_recently_closed_ones_are_recovered() {
        use tingwu_actors::core::case::transition::{apply, intake, Input, Intake};
        use tingwu_actors::core::case::{Actor, Applicant, CaseNumber, CaseRecord, Now};
        let storage = crate::storage::Storage::temporary().unwrap();
        let cfg = tingwu_actors::config::HallConfig::demo().unwrap();
        let clock = tingwu_actors::clock::HallClock::of(&cfg);
        let cal = &cfg.calendar.days;
        let today = tingwu_actors::core::calendar::local_date(clock.now(), clock.tz);
        let case_on = |date: chrono::NaiveDate, seq: u32| {
            let at = Now {
                at: clock.now(),
                date,
            };
            let input = Intake {
                number: CaseNumber::new("demo", date, seq).unwrap(),
                applicant: Applicant::person("11010519491231002X", "张三", None).unwrap(),
                provided: vec![
                    "食品经营许可申请书".into(),
                    "营业执照".into(),
                    "经营场所平面图".into(),
                    "食品安全管理制度".into(),
                ],
                green: false,
                on_the_spot: true,
                window: None,
                ticket: None,
            };
            let item = cfg.item("food-license").unwrap();
            intake(item, &input, &Actor::staff("S01"), at, cal)
                .unwrap()
                .0
        };
        let record = |case| CaseRecord {
            case,
            sealed: Default::default(),
            history: vec![],
            keys: vec![],
            ticket: None,
            request_print: None,
        };
        let open = case_on(today, 1);
        let long_ago = today - chrono::Duration::days(400);
        let old = case_on(long_ago, 1);
        let (old, _) = apply(
            &old,
            &Input::Terminate {
                reason: "撤回".into(),
            },
            &Actor::staff("S01"),
            Now {
                at: clock.now(),
                date: long_ago,
            },
            cal,
        )
        .unwrap();
        let mut commit = tingwu_actors::store::Commit::default();
        for c in [&open, &old] {
            commit.put_json(keys::case(&c.number.to_string()), &record(c.clone()));
        }
        commit.put(
            keys::open_case(open.deadline(cal).unwrap(), &open.number.to_string()),
            vec![],
        );
        commit.put(keys::case("demo-x"), b"not json".to_vec());
        storage.write_now(commit).unwrap();
        let reader = storage.reader();
        let got = recover(&reader, &clock).unwrap().cases;
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].case.number, open.number);
        assert_eq!(
            reader.open_cases_by_deadline().unwrap(),
            [open.number.to_string()]
        );
    }
}
