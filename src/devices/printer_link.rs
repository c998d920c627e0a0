//! The wire to one ESC/POS ticket printer over raw TCP (port 9100) or a
//! serial line (`serial:/dev/…` addresses, opened by path).
//!
//! One task per printer: connect or open (with a timeout), then write the print
//! jobs the printer actor hands over, and every [`POLL_EVERY`] ask the
//! printer for its real-time status (`DLE EOT 1..4`), decoded with
//! [`StatusDecoder`]; a complete poll is reported to the actor, which holds
//! the rules (service, alarms). A printer that does not answer two polls in
//! a row, a read of zero bytes or an I/O error (a vanished serial port)
//! closes the connection; the task reconnects with backoff. Every failure is counted in
//! `tingwu_device_errors_total{device="printer",id,reason}`.

use std::time::Duration;

use actix::Addr;
use tingwu_actors::config::{PrinterAddress, PrinterConfig};
use tingwu_actors::printer::{LinkEvent, PrintJob, PrinterActor};
use tingwu_protocols::escpos::{RealTimeRequest, StatusDecoder, StatusEvent};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_serial::SerialPortBuilderExt;
use tracing::{debug, warn};

use crate::backoff::Backoff;

/// How long a connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long writing one job may take.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Status polling period.
pub const POLL_EVERY: Duration = Duration::from_secs(2);
/// Reconnect backoff: first and longest wait (doubling in between).
pub const BACKOFF_MIN: Duration = Duration::from_millis(500);
pub const BACKOFF_MAX: Duration = Duration::from_secs(30);
const RECONNECT: Backoff = Backoff::new(BACKOFF_MIN, 2, BACKOFF_MAX);
/// Polls in a row without a complete answer before the connection is
/// treated as dead.
const MISSED_POLLS: u32 = 2;

fn count_error(id: &str, reason: &'static str) {
    metrics::counter!("tingwu_device_errors_total", "device" => "printer", "id" => id.to_string(), "reason" => reason)
        .increment(1);
}

/// Starts the link task of one printer.
pub fn spawn(
    cfg: PrinterConfig,
    actor: Addr<PrinterActor>,
    jobs: mpsc::Receiver<PrintJob>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(cfg, actor, jobs))
}

async fn run(cfg: PrinterConfig, actor: Addr<PrinterActor>, mut jobs: mpsc::Receiver<PrintJob>) {
    let mut backoff = RECONNECT;
    loop {
        let reason = match cfg.link_address() {
            Ok(PrinterAddress::Tcp(addr)) => {
                match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
                    Ok(Ok(stream)) => {
                        let _ = stream.set_nodelay(true);
                        backoff.reset();
                        match attached(&cfg, &actor, stream, &mut jobs).await {
                            Some(reason) => reason,
                            None => return,
                        }
                    }
                    Ok(Err(e)) => {
                        count_error(&cfg.id, "connect");
                        format!("connect failed: {e}")
                    }
                    Err(_) => {
                        count_error(&cfg.id, "connect_timeout");
                        "connect timed out".to_string()
                    }
                }
            }
            Ok(PrinterAddress::Serial { path, baud }) => {
                match tokio_serial::new(&path, baud)
                    .timeout(WRITE_TIMEOUT)
                    .open_native_async()
                {
                    Ok(port) => {
                        backoff.reset();
                        match attached(&cfg, &actor, port, &mut jobs).await {
                            Some(reason) => reason,
                            None => return,
                        }
                    }
                    Err(e) => {
                        count_error(&cfg.id, "open");
                        format!("open failed: {e}")
                    }
                }
            }
            Err(e) => {
                count_error(&cfg.id, "address");
                e
            }
        };
        let retry_in = backoff.fail();
        warn!(printer = %cfg.id, address = %cfg.address, reason = %reason, retry_in_ms = retry_in.as_millis() as u64, "printer link down");
        if actor
            .send(LinkEvent::Disconnected { reason })
            .await
            .is_err()
        {
            return;
        }
        // While down, jobs that arrive are refused at once rather than
        // left to wait (the actor does not send any while out of service).
        let wait = tokio::time::sleep(retry_in);
        tokio::pin!(wait);
        loop {
            tokio::select! {
                _ = &mut wait => break,
                job = jobs.recv() => match job {
                    Some(job) => { let _ = job.done.send(Err("printer offline".into())); }
                    None => return,
                },
            }
        }
    }
}

enum Ended {
    ActorGone,
    Dropped(String),
}

/// Reports the connection and serves it; the reason it dropped, or none
/// when the actor is gone.
async fn attached<S: AsyncRead + AsyncWrite + Unpin>(
    cfg: &PrinterConfig,
    actor: &Addr<PrinterActor>,
    stream: S,
    jobs: &mut mpsc::Receiver<PrintJob>,
) -> Option<String> {
    if actor.send(LinkEvent::Connected).await.is_err() {
        return None;
    }
    match serve(cfg, actor, stream, jobs).await {
        Ended::ActorGone => None,
        Ended::Dropped(reason) => Some(reason),
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    cfg: &PrinterConfig,
    actor: &Addr<PrinterActor>,
    mut stream: S,
    jobs: &mut mpsc::Receiver<PrintJob>,
) -> Ended {
    let mut decoder = StatusDecoder::new();
    let mut poll = tokio::time::interval(POLL_EVERY);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut missed = 0u32;
    let mut buf = [0u8; 256];
    let poll_bytes: Vec<u8> = RealTimeRequest::ALL
        .iter()
        .flat_map(|r| r.command())
        .collect();
    loop {
        tokio::select! {
            _ = poll.tick() => {
                if decoder.pending() > 0 {
                    missed += 1;
                    count_error(&cfg.id, "status_timeout");
                    debug!(printer = %cfg.id, pending = decoder.pending(), "status poll not answered");
                    decoder.reset();
                    if missed >= MISSED_POLLS {
                        return Ended::Dropped("printer does not answer status polls".into());
                    }
                } else {
                    missed = 0;
                }
                for r in RealTimeRequest::ALL {
                    decoder.expect(r);
                }
                match tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(&poll_bytes)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        count_error(&cfg.id, "write");
                        return Ended::Dropped(format!("status poll write failed: {e}"));
                    }
                    Err(_) => {
                        count_error(&cfg.id, "write_timeout");
                        return Ended::Dropped("status poll write timed out".into());
                    }
                }
            }
            read = stream.read(&mut buf) => {
                let n = match read {
                    Ok(0) => {
                        count_error(&cfg.id, "closed");
                        return Ended::Dropped("printer closed the connection (or the port vanished)".into());
                    }
                    Ok(n) => n,
                    Err(e) => {
                        count_error(&cfg.id, "read");
                        return Ended::Dropped(format!("read failed: {e}"));
                    }
                };
                let skipped = decoder.skipped();
                let events = decoder.feed(buf.get(..n).unwrap_or_default());
                if decoder.skipped() > skipped {
                    count_error(&cfg.id, "garbage");
                }
                // A full poll answered, or an automatic status: report it.
                let complete = events.iter().any(|e| match e {
                    StatusEvent::Asb(_) => true,
                    StatusEvent::RealTime(_) => decoder.pending() == 0,
                });
                if complete {
                    missed = 0;
                    if actor.send(LinkEvent::Status(decoder.status())).await.is_err() {
                        return Ended::ActorGone;
                    }
                }
            }
            job = jobs.recv() => {
                let Some(job) = job else { return Ended::ActorGone };
                match tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(&job.bytes)).await {
                    Ok(Ok(())) => {
                        debug!(printer = %cfg.id, ticket = %job.ticket, bytes = job.bytes.len(), "ticket printed");
                        let _ = job.done.send(Ok(()));
                    }
                    Ok(Err(e)) => {
                        count_error(&cfg.id, "write");
                        let _ = job.done.send(Err(e.to_string()));
                        return Ended::Dropped(format!("print write failed: {e}"));
                    }
                    Err(_) => {
                        count_error(&cfg.id, "write_timeout");
                        let _ = job.done.send(Err("write timed out".into()));
                        return Ended::Dropped("print write timed out".into());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use actix::Actor;
    use tingwu_actors::alarm::{AlarmActor, GetAlarms};
    use tingwu_actors::clock::HallClock;
    use tingwu_actors::config::HallConfig;
    use tingwu_actors::printer::{AttachLink, GetPrinter, OutOfService, JOB_QUEUE};
    use tingwu_actors::store::memory_store;
    use tokio::net::TcpListener;

    use super::*;

    /// A printer that answers every `DLE EOT n` with "all well" (0x12) and
    /// keeps what else it receives.
    async fn fake_printer(listener: &TcpListener, paper_out: bool) -> (TcpStream, Vec<u8>) {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        // Answer one full poll.
        while got
            .windows(3)
            .filter(|w| w[0] == 0x10 && w[1] == 0x04)
            .count()
            < 4
        {
            let n = s.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        let roll = if paper_out { 0x7e } else { 0x12 };
        s.write_all(&[0x12, 0x12, 0x12, roll]).await.unwrap();
        (s, got)
    }

    async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
        for _ in 0..400 {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out waiting for {what}");
    }

    #[actix::test]
    async fn polls_reports_and_reconnects_after_a_drop() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let toml = format!(
            "{}\n[[printers]]\nid = \"P1\"\nkiosk = \"K1\"\naddress = \"{address}\"\n",
            tingwu_actors::config::DEMO_HALL_TOML
        );
        let cfg = Arc::new(HallConfig::from_toml(&toml).unwrap());
        let alarms = AlarmActor::new(memory_store(0)).start();
        let printer = PrinterActor::new(
            cfg.printers[0].clone(),
            cfg.clone(),
            HallClock::of(&cfg),
            alarms.clone(),
        )
        .start();
        let (tx, rx) = mpsc::channel(JOB_QUEUE);
        printer
            .send(AttachLink {
                jobs: tx,
                status_base_url: "http://127.0.0.1".into(),
            })
            .await
            .unwrap();
        let link = spawn(cfg.printers[0].clone(), printer.clone(), rx);

        let (conn, polled) = fake_printer(&listener, false).await;
        assert_eq!(
            polled.get(..12),
            Some(&[0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4][..])
        );
        until("in service", async || {
            printer.send(GetPrinter).await.unwrap().in_service
        })
        .await;
        // The printer goes away: offline alarm, then a new connection.
        drop(conn);
        until("offline alarm", async || {
            !alarms.send(GetAlarms).await.unwrap().is_empty()
        })
        .await;
        let (_conn, _) = fake_printer(&listener, true).await;
        until("paper-out seen", async || {
            let v = printer.send(GetPrinter).await.unwrap();
            v.connected && v.out_of_service == Some(OutOfService::PaperEnd)
        })
        .await;
        link.abort();
    }

    #[actix::test]
    async fn any_stream_serves_and_a_vanished_peer_ends_it() {
        let toml = format!(
            "{}\n[[printers]]\nid = \"P1\"\nkiosk = \"K1\"\naddress = \"serial:/dev/null-printer\"\n",
            tingwu_actors::config::DEMO_HALL_TOML
        );
        let cfg = Arc::new(HallConfig::from_toml(&toml).unwrap());
        let alarms = AlarmActor::new(memory_store(0)).start();
        let printer = PrinterActor::new(
            cfg.printers[0].clone(),
            cfg.clone(),
            HallClock::of(&cfg),
            alarms,
        )
        .start();
        let (_tx, mut rx) = mpsc::channel(JOB_QUEUE);
        let (ours, mut theirs) = tokio::io::duplex(256);
        let pcfg = cfg.printers[0].clone();
        let served = tokio::spawn(async move { attached(&pcfg, &printer, ours, &mut rx).await });
        // The poll arrives on the other end; then the peer vanishes.
        let mut buf = [0u8; 12];
        theirs.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf, [0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4]);
        drop(theirs);
        let reason = tokio::time::timeout(Duration::from_secs(5), served)
            .await
            .unwrap()
            .unwrap();
        assert!(reason.is_some_and(|r| r.contains("closed") || r.contains("failed")));
    }
}
