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

/// Counts a rejected input by channel and reason.
pub fn rejected(channel: &'static str, reason: &str) {
    metrics::counter!("tingwu_rejected_inputs_total", "channel" => channel, "reason" => reason.to_string())
        .increment(1);
}
