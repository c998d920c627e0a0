//! Storage keys, every one of them, designed for the reads the hall needs:
//! one prefix scan gives a day's tickets by queue, a window's record, or the
//! outbox in order. No other module spells a key or a prefix.

/// `t/20261126/A/000001`: a ticket.
pub fn ticket(day: &str, queue: &str, seq: u32) -> Vec<u8> {
    format!("t/{day}/{queue}/{seq:06}").into_bytes()
}

/// `t/20261126/`: all tickets of one day.
pub fn tickets_of_day(day: &str) -> Vec<u8> {
    format!("t/{day}/").into_bytes()
}

/// `w/5`: a window's durable state.
pub fn window(id: &str) -> Vec<u8> {
    format!("w/{id}").into_bytes()
}

/// `w/`: every window record.
pub const WINDOWS: &[u8] = b"w/";

/// The window id of a window record's key (`w/5` → `5`).
pub fn window_id(key: &[u8]) -> Option<&[u8]> {
    key.strip_prefix(WINDOWS)
}

/// `c/20261126/5/<command id>`: the reply to a command that took effect, or
/// its refusal when the refusal is about the command itself (final answers).
pub fn command(day: &str, window: &str, id: &str) -> Vec<u8> {
    format!("c/{day}/{window}/{id}").into_bytes()
}

/// `c/20261126/`: every applied command of one day.
pub fn commands_of_day(day: &str) -> Vec<u8> {
    format!("c/{day}/").into_bytes()
}

/// `k/20261126/K01`: a kiosk's count of one day's tickets.
pub fn kiosk(day: &str, kiosk: &str) -> Vec<u8> {
    format!("k/{day}/{kiosk}").into_bytes()
}

/// `k/20261126/`: every kiosk record of one day.
pub fn kiosks_of_day(day: &str) -> Vec<u8> {
    format!("k/{day}/").into_bytes()
}

/// `i/20261126/<key>`: the ticket an HTTP Idempotency-Key produced.
pub fn idempotency(day: &str, key: &str) -> Vec<u8> {
    format!("i/{day}/{key}").into_bytes()
}

/// `i/20261126/`: every idempotency key of one day.
pub fn idempotency_of_day(day: &str) -> Vec<u8> {
    format!("i/{day}/").into_bytes()
}

/// `s/*` (the hall) or `s/{window}`: a calling strategy set by a supervisor.
pub fn strategy(scope: &str) -> Vec<u8> {
    format!("s/{scope}").into_bytes()
}

/// `s/`: every calling strategy.
pub const STRATEGIES: &[u8] = b"s/";

/// The scope of a strategy's key (`s/*` → `*`, `s/5` → `5`).
pub fn strategy_scope(key: &[u8]) -> Option<&[u8]> {
    key.strip_prefix(STRATEGIES)
}

/// `e/00000000000000000042`: the outbox, in sequence order.
pub fn event(seq: u64) -> Vec<u8> {
    format!("e/{seq:020}").into_bytes()
}

/// `e/`: the whole outbox.
pub const EVENTS: &[u8] = b"e/";

/// Parses the sequence out of an event key.
pub fn event_seq(key: &[u8]) -> Option<u64> {
    std::str::from_utf8(key.strip_prefix(EVENTS)?)
        .ok()?
        .parse()
        .ok()
}

/// `h/00000000000000000042`: the audit chain's link for the audit event
/// stored at `e/00000000000000000042` — the SHA-256 chain hash as 64
/// lowercase hex characters (docs/audit-chain.md).
pub fn audit_link(seq: u64) -> Vec<u8> {
    format!("h/{seq:020}").into_bytes()
}

/// `h/`: every audit chain link, in sequence order.
pub const AUDIT_LINKS: &[u8] = b"h/";

/// Parses the outbox sequence out of an audit link's key.
pub fn audit_link_seq(key: &[u8]) -> Option<u64> {
    std::str::from_utf8(key.strip_prefix(AUDIT_LINKS)?)
        .ok()?
        .parse()
        .ok()
}

/// `a/20261126/K7M2Q9XA`: one booking.
pub fn booking(day: &str, code: &str) -> Vec<u8> {
    format!("a/{day}/{code}").into_bytes()
}

/// `a/20261126/`: every booking of one day.
pub fn bookings_of_day(day: &str) -> Vec<u8> {
    format!("a/{day}/").into_bytes()
}

/// The end of the day-keyed bookings (`:` sorts right after `9`), so that
/// `a/{today}/ .. BOOKINGS_END` is today's and every later day's bookings.
pub const BOOKINGS_END: &[u8] = b"a/:";

/// `v/20261126/<ticket id>`: the evaluation (好差评) of a finished ticket.
pub fn evaluation(day: &str, ticket: &str) -> Vec<u8> {
    format!("v/{day}/{ticket}").into_bytes()
}

/// `n/cursor`: the notifier's position in the outbox (the last event whose
/// notices are all done), stored as a decimal number.
pub const NOTIFY_CURSOR: &[u8] = b"n/cursor";

/// `d/day_end`: the last hall day (`20261126`) up to which start-up has
/// closed every ticket left waiting (the `close` end-of-day rule), so that
/// start-up reads only the days after it.
pub const DAY_END_DONE: &[u8] = b"d/day_end";

/// `l/printer/P1/paper_near_end`: an open alarm occurrence (raised or
/// acknowledged, not cleared), as `AlarmRecord` JSON; deleted when cleared.
pub fn alarm(id: &str) -> Vec<u8> {
    format!("l/{id}").into_bytes()
}

/// `l/`: every open alarm.
pub const ALARMS: &[u8] = b"l/";

/// `lh/001772413200000/0000000007/printer/P1/paper_near_end/acknowledged`:
/// one step of an alarm's history at `at_ms` (Unix milliseconds), the
/// `n`-th the alarm actor wrote since it started (steps within one
/// millisecond keep their order), as a schema-versioned `HistoryEntry`.
pub fn alarm_history(at_ms: i64, n: u64, id: &str, change: &str) -> Vec<u8> {
    format!("lh/{:015}/{n:010}/{id}/{change}", at_ms.max(0)).into_bytes()
}

/// `lh/`: the whole alarm history.
pub const ALARM_HISTORY: &[u8] = b"lh/";

/// `cs/demo-20261130-000001`: a case (办件) record (`case::CaseRecord`),
/// by its number.
pub fn case(number: &str) -> Vec<u8> {
    format!("cs/{number}").into_bytes()
}

/// `cs/`: every case record.
pub const CASES: &[u8] = b"cs/";

/// `cp/demo-20261130-000002`: a package (套餐) record
/// (`case::PackageRecord`: what its parts share); its parts are case
/// records `cs/{number}-P{n}`.
pub fn package(number: &str) -> Vec<u8> {
    format!("cp/{number}").into_bytes()
}

/// `cp/`: every package record.
pub const PACKAGES: &[u8] = b"cp/";

/// `co/20261214/demo-20261130-000001`: an open case by its deadline (the
/// hall-local day, `YYYYMMDD`; `99999999` while the deadline is not known —
/// before acceptance or while the clock stands still), so that supervision
/// reads open cases soonest-due first. The value is empty.
pub fn open_case(deadline: Option<chrono::NaiveDate>, number: &str) -> Vec<u8> {
    let day = deadline.map_or_else(
        || "99999999".to_string(),
        |d| d.format("%Y%m%d").to_string(),
    );
    format!("co/{day}/{number}").into_bytes()
}

/// `co/`: every open case, by deadline.
pub const OPEN_CASES: &[u8] = b"co/";

/// The case number of an open-case key (`co/20261214/demo-…` → `demo-…`).
pub fn open_case_number(key: &[u8]) -> Option<&str> {
    let rest = std::str::from_utf8(key.strip_prefix(OPEN_CASES)?).ok()?;
    rest.split_once('/').map(|(_, n)| n)
}

/// `cn/20261130/001764464523000/000000`: a consultation (咨询) recorded on
/// hall day `day` at `at_ms` (Unix milliseconds), the `n`-th its recorder
/// wrote since it started (`consultation::StoredConsultation`).
pub fn consultation(day: &str, at_ms: i64, n: u64) -> Vec<u8> {
    format!("cn/{day}/{:015}/{n:06}", at_ms.max(0)).into_bytes()
}

/// `cn/20261130/`: the consultations of one hall day (the start of a range
/// of days).
pub fn consultations_of_day(day: &str) -> Vec<u8> {
    format!("cn/{day}/").into_bytes()
}

/// Just past the consultations of hall day `day`: the end of a range of
/// days that includes `day`.
pub fn consultations_after_day(day: &str) -> Vec<u8> {
    let mut k = consultations_of_day(day);
    k.push(0xFF);
    k
}

/// `rp/5`: window 5's latest rating prompt (好差评) and, once answered or
/// timed out, its record (`tingwu_core::rating::stored::WindowPrompt`).
pub fn rating_prompt(window: &str) -> Vec<u8> {
    format!("rp/{window}").into_bytes()
}

/// `rp/`: every window's rating prompt.
pub const RATING_PROMPTS: &[u8] = b"rp/";

/// `rr/20261130/20261130-A001`: the rating record (rated or not rated) of
/// the service of a ticket of hall day `day` (`RatingRecord` JSON).
pub fn rating(day: &str, ticket: &str) -> Vec<u8> {
    format!("rr/{day}/{ticket}").into_bytes()
}

/// `rr/202611`: the rating records of the tickets of one month
/// (`yyyymm`), or of one day given `yyyymmdd`.
pub fn ratings_from(prefix: &str) -> Vec<u8> {
    format!("rr/{prefix}").into_bytes()
}

/// `rf/20261130-A001`: the follow-up of a bad rating (`FollowUp` JSON),
/// kept after it is closed (the monthly tallies read it).
pub fn follow_up(ticket: &str) -> Vec<u8> {
    format!("rf/{ticket}").into_bytes()
}

/// `rf/`: every follow-up.
pub const FOLLOW_UPS: &[u8] = b"rf/";

/// `nt/n1764468000000`: a hall notice (大厅公告) in force
/// (`hall_notice::Notice` JSON), by its id; deleted when cleared or
/// expired.
pub fn notice(id: &str) -> Vec<u8> {
    format!("nt/{id}").into_bytes()
}

/// `nt/`: every hall notice in force.
pub const NOTICES: &[u8] = b"nt/";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_in_the_order_they_are_read() {
        assert!(ticket("20261126", "A", 9) < ticket("20261126", "A", 10));
        assert!(event(9) < event(10));
        assert!(ticket("20261126", "A", 1).starts_with(&tickets_of_day("20261126")));
        assert_eq!(event_seq(&event(42)), Some(42));
        assert_eq!(event_seq(b"x/1"), None);
        let k = booking("20261126", "K7M2Q9XA");
        assert!(k.starts_with(&bookings_of_day("20261126")));
        assert!(k.as_slice() < BOOKINGS_END);
        assert!(bookings_of_day("99991231").as_slice() < BOOKINGS_END);
        assert_eq!(evaluation("20261126", "x"), b"v/20261126/x".to_vec());
        assert_eq!(window_id(&window("5")), Some(&b"5"[..]));
        assert_eq!(strategy_scope(&strategy("*")), Some(&b"*"[..]));
        assert_eq!(window_id(&strategy("*")), None);
        assert!(alarm("printer/P1/x").starts_with(ALARMS));
        assert!(!alarm_history(1, 0, "x", "raised").starts_with(ALARMS));
        assert!(alarm_history(9, 5, "x", "raised") < alarm_history(10, 0, "a", "raised"));
        assert!(alarm_history(9, 1, "x", "raised") < alarm_history(9, 2, "x", "acknowledged"));
        assert!(alarm_history(9, 0, "x", "raised").starts_with(ALARM_HISTORY));

        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let soon = open_case(Some(d("2026-12-14")), "demo-20261130-000002");
        let later = open_case(Some(d("2027-01-04")), "demo-20261130-000001");
        let unknown = open_case(None, "demo-20261130-000003");
        assert!(soon < later && later < unknown);
        assert!(soon.starts_with(OPEN_CASES));
        assert_eq!(open_case_number(&soon), Some("demo-20261130-000002"));
        assert!(case("demo-20261130-000001").starts_with(CASES));
        assert!(!case("x").starts_with(OPEN_CASES));
        assert!(package("demo-20261130-000002").starts_with(PACKAGES));
        assert!(!package("x").starts_with(CASES));
        assert!(rating("20261130", "t").starts_with(&ratings_from("202611")));
        assert!(!rating_prompt("1").starts_with(&ratings_from("")));
        assert!(follow_up("t").starts_with(FOLLOW_UPS));
        let c = consultation("20261130", 1_764_464_523_000, 7);
        assert!(c.starts_with(&consultations_of_day("20261130")));
        assert!(consultations_of_day("20261130") < c && c < consultations_after_day("20261130"));
        assert!(consultations_after_day("20261130") < consultations_of_day("20261201"));
        assert!(consultation("20261130", 9, 1) < consultation("20261130", 10, 0));
        assert!(rating_prompt("1").starts_with(RATING_PROMPTS));
        assert!(notice("n1").starts_with(NOTICES));
        assert!(!NOTIFY_CURSOR.starts_with(NOTICES));
    }
}
