//! Latency samples, percentiles and the markdown table.
//!
//! No histogram library: every latency is kept in a `Vec<Duration>`, sorted
//! once, and percentiles are picked by nearest rank. A run holds a few
//! thousand samples per measurement, so this is exact and cheap.

use std::fmt::Write as _;
use std::time::Duration;

/// What one timed phase produced.
#[derive(Debug, Default)]
pub struct Measured {
    /// One entry per successful operation.
    pub latencies: Vec<Duration>,
    /// Wall time of the whole phase, from the first request to the last answer.
    pub elapsed: Duration,
    /// Operations that failed (wrong status, error reply, timeout).
    pub errors: usize,
    /// The first failure, to show the reader.
    pub first_error: Option<String>,
}

impl Measured {
    pub fn error(&mut self, why: String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(why);
        }
    }

    /// Merges the samples of one concurrent worker into the phase.
    pub fn absorb(&mut self, other: Measured) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    pub fn summary(mut self, label: &str, concurrency: usize) -> Summary {
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let secs = self.elapsed.as_secs_f64();
        Summary {
            label: label.to_string(),
            n,
            concurrency,
            p50: percentile(&self.latencies, 50.0),
            p99: percentile(&self.latencies, 99.0),
            max: self.latencies.last().copied().unwrap_or_default(),
            throughput: if secs > 0.0 { n as f64 / secs } else { 0.0 },
            errors: self.errors,
            first_error: self.first_error,
        }
    }
}

/// Nearest-rank percentile of sorted samples (zero when there are none).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub label: String,
    pub n: usize,
    pub concurrency: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Successful operations per second of wall time.
    pub throughput: f64,
    pub errors: usize,
    pub first_error: Option<String>,
}

/// A measurement of the server and the bare transport it rides on, both
/// measured in the same run.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub scenario: Summary,
    pub baseline: Summary,
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// `a ÷ b` to about three significant digits.
fn ratio(a: f64, b: f64) -> String {
    if b <= 0.0 {
        return "n/a".into();
    }
    let r = a / b;
    if r >= 100.0 {
        format!("{r:.0}×")
    } else if r >= 10.0 {
        format!("{r:.1}×")
    } else if r >= 0.01 || r == 0.0 {
        format!("{r:.2}×")
    } else {
        format!("{r:.1e}×")
    }
}

/// The results as a markdown table: each scenario row is followed by its
/// baseline row; the ratio columns are scenario ÷ baseline.
pub fn table(rows: &[Comparison]) -> String {
    let mut out = String::new();
    out.push_str(
        "| measurement | n | conc. | p50 ms | p99 ms | max ms | ops/s | p50 ÷ base | p99 ÷ base | ops/s ÷ base | errors |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for r in rows {
        let s = &r.scenario;
        let b = &r.baseline;
        let _ = writeln!(
            out,
            "| **{}** | {} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {} |",
            s.label,
            s.n,
            s.concurrency,
            ms(s.p50),
            ms(s.p99),
            ms(s.max),
            s.throughput,
            ratio(s.p50.as_secs_f64(), b.p50.as_secs_f64()),
            ratio(s.p99.as_secs_f64(), b.p99.as_secs_f64()),
            ratio(s.throughput, b.throughput),
            s.errors
        );
        let _ = writeln!(
            out,
            "| ↳ baseline: {} | {} | {} | {} | {} | {} | {:.0} | 1 | 1 | 1 | {} |",
            b.label,
            b.n,
            b.concurrency,
            ms(b.p50),
            ms(b.p99),
            ms(b.max),
            b.throughput,
            b.errors
        );
    }
    out
}
