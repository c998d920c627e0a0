//! Storage keys, designed for the reads the hall needs: one prefix scan gives
//! a day's tickets by queue, a window's record, or the outbox in order.

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

pub const WINDOWS: &[u8] = b"w/";

/// `c/20261126/5/<command id>`: the reply to a command that took effect.
pub fn command(day: &str, window: &str, id: &str) -> Vec<u8> {
    format!("c/{day}/{window}/{id}").into_bytes()
}

pub fn commands_of_day(day: &str) -> Vec<u8> {
    format!("c/{day}/").into_bytes()
}

/// `i/20261126/<key>`: the ticket an HTTP Idempotency-Key produced.
pub fn idempotency(day: &str, key: &str) -> Vec<u8> {
    format!("i/{day}/{key}").into_bytes()
}

pub fn idempotency_of_day(day: &str) -> Vec<u8> {
    format!("i/{day}/").into_bytes()
}

/// `s/*` (the hall) or `s/{window}`: a calling strategy set by a supervisor.
pub fn strategy(scope: &str) -> Vec<u8> {
    format!("s/{scope}").into_bytes()
}

pub const STRATEGIES: &[u8] = b"s/";

/// `e/00000000000000000042`: the outbox, in sequence order.
pub fn event(seq: u64) -> Vec<u8> {
    format!("e/{seq:020}").into_bytes()
}

pub const EVENTS: &[u8] = b"e/";

/// Parses the sequence out of an event key.
pub fn event_seq(key: &[u8]) -> Option<u64> {
    std::str::from_utf8(key.strip_prefix(EVENTS)?)
        .ok()?
        .parse()
        .ok()
}

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
    }
}
