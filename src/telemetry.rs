//! Logs and metrics. The metrics recorder is installed once, first, before
//! any actor records anything.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// Structured logs on stderr; `RUST_LOG` overrides the default filter,
/// `TINGWU_LOG_FORMAT=json` switches to JSON lines.
pub fn init_logs() {
    let filter = EnvFilter::try_from_default_env()
        // rumqttd logs every ordinary disconnect as an error; the gate
        // logs device connections itself. RUST_LOG=rumqttd=info brings it back.
        .unwrap_or_else(|_| EnvFilter::new("info,rumqttd=off,rumqttc=warn,sled=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if std::env::var("TINGWU_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot install the metrics recorder: {0}")]
pub struct MetricsError(String);

pub fn init_metrics() -> Result<PrometheusHandle, MetricsError> {
    let latency = [
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
    ];
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &latency)
        .and_then(|b| {
            b.set_buckets_for_metric(
                Matcher::Full("tingwu_storage_group_size".into()),
                &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 1024.0],
            )
        })
        .map_err(|e| MetricsError(e.to_string()))?
        .install_recorder()
        .map_err(|e| MetricsError(e.to_string()))
}

/// How often the Prometheus recorder's upkeep runs.
pub const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs the recorder's upkeep (draining histogram samples into their
/// buckets) every `period`, so that memory stays flat between scrapes
/// however rarely `/metrics` is read.
pub fn spawn_upkeep(
    handle: PrometheusHandle,
    period: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    every(period, move || handle.run_upkeep())
}

/// Calls `f` every `period` (first after one period) until aborted.
fn every(
    period: std::time::Duration,
    mut f: impl FnMut() + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            f();
        }
    })
}

/// Counts a rejected input by channel and reason.
pub fn rejected(channel: &'static str, reason: &str) {
    metrics::counter!("tingwu_rejected_inputs_total", "channel" => channel, "reason" => reason.to_string())
        .increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn upkeep_runs_on_its_period() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let period = Duration::from_millis(100);
        let task = every(period, move || {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 0, "ran before one period");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let n = runs.load(Ordering::SeqCst);
        assert!((3..=6).contains(&n), "{n} runs in 550 ms");
        task.abort();
        // The real thing, against a recorder that is not installed.
        let handle = PrometheusBuilder::new().build_recorder().handle();
        let upkeep = spawn_upkeep(handle, period);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(!upkeep.is_finished());
        upkeep.abort();
    }
}
