//! The wire to one second-generation ID-card reader (GA/T 467 SAM) on a
//! serial line.
//!
//! One task per reader: open the port by path, then every [`POLL_EVERY`]
//! send find; when a card is found, select and read its basic information,
//! decode it ([`decode_basic_info`]), seal and mask the ID number and decide
//! the priority by age through the application layer, exactly as
//! `POST /api/v1/tickets` does (`App::seal_id_number`,
//! `App::priority_by_age`), and hand the
//! [`CardRead`] to the reader's actor, which holds the rules. A card left
//! in the field is read once: the next read waits until a find reports no
//! card. Garbage and bad check bytes are counted and the [`FrameDecoder`]
//! resyncs on the next preamble; an I/O error, a read of zero bytes or
//! [`MISSED_ANSWERS`] unanswered commands in a row close the port, which is
//! reopened with backoff. Input waiting before a command is drained, and
//! after a timeout or a bad frame the line must be quiet for
//! [`RESYNC_QUIET`] first ([`super::serial_line`], issue 8, item 6), so a
//! late answer is never taken for the next command's; drained input counts
//! as `late_answer`. Every failure is counted in
//! `tingwu_device_errors_total{device="card_reader",id,reason}`. The plain
//! name and ID number are never logged and never leave this task.

use crate::backoff::Backoff;
use std::time::Duration;

use actix::Addr;
use tingwu_actors::card_reader::{Applicant, CardRead, CardReaderActor, LinkEvent};
use tingwu_actors::config::CardReaderConfig;
use tingwu_actors::core::ticket::Personal;
use tingwu_protocols::id_number;
use tingwu_protocols::idcard::{
    decode_basic_info, Command, FrameDecoder, IdCardError, IdCardInfo, Response,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_serial::{SerialPortBuilderExt, SerialStream};

use super::serial_line::SharedLine;
use tracing::{debug, warn};

use crate::app::App;

/// Pause between two finds.
pub const POLL_EVERY: Duration = Duration::from_millis(300);
/// How long a command waits for its response.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(1);
/// How long writing a command may take.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// Reopen backoff: first and longest wait.
pub const BACKOFF_MIN: Duration = Duration::from_millis(500);
pub const BACKOFF_MAX: Duration = Duration::from_secs(30);
const REOPEN: Backoff = Backoff::new(BACKOFF_MIN, 2, BACKOFF_MAX);
/// After a timeout or a bad frame, the line must be quiet this long before
/// the next command: an answer still on its way is drained, not taken for
/// the next one's.
pub const RESYNC_QUIET: Duration = Duration::from_millis(500);
/// A line that does not fall quiet within this long is used anyway.
pub const RESYNC_MAX: Duration = Duration::from_secs(3);
/// Commands in a row without an answer before the port is treated as gone.
pub const MISSED_ANSWERS: u32 = 3;

fn count_error(id: &str, reason: &'static str) {
    metrics::counter!("tingwu_device_errors_total", "device" => "card_reader", "id" => id.to_string(), "reason" => reason)
        .increment(1);
}

/// What the link needs besides its configuration.
#[derive(Clone)]
pub struct ReaderContext {
    /// The application layer: sealing and priority admission.
    pub app: App,
}

/// Starts the link task of one reader.
pub fn spawn(
    cfg: CardReaderConfig,
    actor: Addr<CardReaderActor>,
    ctx: ReaderContext,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(cfg, actor, ctx))
}

async fn run(cfg: CardReaderConfig, actor: Addr<CardReaderActor>, ctx: ReaderContext) {
    let mut backoff = REOPEN;
    loop {
        let reason = match tokio_serial::new(&cfg.path, cfg.baud)
            .timeout(WRITE_TIMEOUT)
            .open_native_async()
        {
            Ok(port) => {
                backoff.reset();
                if actor.send(LinkEvent::Connected).await.is_err() {
                    return;
                }
                match serve(&cfg, &actor, &ctx, port).await {
                    Ended::ActorGone => return,
                    Ended::Dropped(reason) => reason,
                }
            }
            Err(e) => {
                count_error(&cfg.id, "open");
                format!("open failed: {e}")
            }
        };
        let retry_in = backoff.fail();
        warn!(reader = %cfg.id, path = %cfg.path, reason = %reason, retry_in_ms = retry_in.as_millis() as u64, "card reader link down");
        if actor
            .send(LinkEvent::Disconnected { reason })
            .await
            .is_err()
        {
            return;
        }
        tokio::time::sleep(retry_in).await;
    }
}

enum Ended {
    ActorGone,
    Dropped(String),
}

/// The outcome of one command.
enum Answer {
    Ok(Response),
    /// A SAM status (no card, select failed, …) or an undecodable frame.
    Status(IdCardError),
    /// Nothing complete within [`ANSWER_TIMEOUT`].
    Timeout,
}

struct Port<'a> {
    cfg: &'a CardReaderConfig,
    actor: &'a Addr<CardReaderActor>,
    stream: SharedLine<SerialStream>,
    decoder: FrameDecoder,
    buf: [u8; 1024],
    /// A command timed out or a bad frame came: resynchronise first.
    resync: bool,
}

impl Port<'_> {
    async fn error(&self, reason: &'static str) -> Result<(), Ended> {
        count_error(&self.cfg.id, reason);
        self.actor
            .send(LinkEvent::Error { reason })
            .await
            .map_err(|_| Ended::ActorGone)
    }

    /// Sends `cmd` and waits for its answer. Garbage and frames with a bad
    /// check byte or length are counted and skipped (the decoder resyncs).
    async fn transact(&mut self, cmd: Command) -> Result<Answer, Ended> {
        // Whatever is left from an earlier command belongs to nobody: in
        // the decoder, and on the line.
        self.decoder.reset();
        let drained = if std::mem::take(&mut self.resync) {
            self.stream.resync(RESYNC_QUIET, RESYNC_MAX).await
        } else {
            self.stream.drain_waiting().await
        };
        match drained {
            Ok(d) if d.bytes > 0 => {
                warn!(reader = %self.cfg.id, bytes = d.bytes, quiet = d.quiet, "input drained before a command");
                self.error("late_answer").await?;
            }
            Ok(_) => {}
            Err(e) => {
                count_error(&self.cfg.id, "read");
                return Err(Ended::Dropped(format!("read failed: {e}")));
            }
        }
        match tokio::time::timeout(WRITE_TIMEOUT, self.stream.write_all(&cmd.frame())).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                count_error(&self.cfg.id, "write");
                return Err(Ended::Dropped(format!("write failed: {e}")));
            }
            Err(_) => {
                count_error(&self.cfg.id, "write_timeout");
                return Err(Ended::Dropped("write timed out".into()));
            }
        }
        let deadline = tokio::time::Instant::now() + ANSWER_TIMEOUT;
        loop {
            // Bytes skipped besides the one byte a bad frame costs are garbage.
            let skipped = self.decoder.skipped();
            let mut bad_frames = 0u64;
            while let Some(result) = self.decoder.next_response() {
                match result {
                    Ok(r) => {
                        if self.decoder.skipped() > skipped + bad_frames {
                            self.error("garbage").await?;
                        }
                        return Ok(Answer::Ok(r));
                    }
                    Err(e @ (IdCardError::Checksum { .. } | IdCardError::Length(_))) => {
                        debug!(reader = %self.cfg.id, error = %e, "bad frame skipped");
                        bad_frames += 1;
                        self.resync = true;
                        self.error("bad_frame").await?;
                    }
                    Err(e) => return Ok(Answer::Status(e)),
                }
            }
            if self.decoder.skipped() > skipped + bad_frames {
                self.error("garbage").await?;
            }
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut self.buf)).await;
            let n = match read {
                Err(_) => {
                    self.decoder.timeout();
                    // A bogus header may have hidden a complete frame.
                    if let Some(Ok(r)) = self.decoder.next_response() {
                        return Ok(Answer::Ok(r));
                    }
                    self.resync = true;
                    return Ok(Answer::Timeout);
                }
                Ok(Ok(0)) => {
                    count_error(&self.cfg.id, "closed");
                    return Err(Ended::Dropped("the port gave zero bytes".into()));
                }
                Ok(Ok(n)) => n,
                Ok(Err(e)) => {
                    count_error(&self.cfg.id, "read");
                    return Err(Ended::Dropped(format!("read failed: {e}")));
                }
            };
            self.decoder.feed(self.buf.get(..n).unwrap_or_default());
        }
    }
}

async fn serve(
    cfg: &CardReaderConfig,
    actor: &Addr<CardReaderActor>,
    ctx: &ReaderContext,
    stream: SerialStream,
) -> Ended {
    let mut port = Port {
        cfg,
        actor,
        stream: SharedLine::new(stream),
        decoder: FrameDecoder::new(),
        buf: [0u8; 1024],
        resync: false,
    };
    let mut missed = 0u32;
    // A card read stays in the field: read it again only after a find
    // that reports no card.
    let mut card_served = false;
    loop {
        tokio::time::sleep(POLL_EVERY).await;
        match read_card(&mut port, card_served).await {
            Err(ended) => return ended,
            Ok(Step::Timeout) => {
                missed += 1;
                if let Err(ended) = port.error("timeout").await {
                    return ended;
                }
                if missed >= MISSED_ANSWERS {
                    return Ended::Dropped("the reader does not answer".into());
                }
            }
            Ok(Step::NoCard) => {
                missed = 0;
                card_served = false;
            }
            Ok(Step::Present) => missed = 0,
            Ok(Step::Failed(reason)) => {
                missed = 0;
                if let Err(ended) = port.error(reason).await {
                    return ended;
                }
            }
            Ok(Step::Read(info)) => {
                missed = 0;
                card_served = true;
                let read = card_read(&info, ctx);
                if actor.send(read).await.is_err() {
                    return Ended::ActorGone;
                }
                debug!(reader = %cfg.id, "card read handed over");
            }
        }
    }
}

enum Step {
    NoCard,
    /// A card already read is still in the field.
    Present,
    Read(Box<IdCardInfo>),
    Failed(&'static str),
    Timeout,
}

async fn read_card(port: &mut Port<'_>, card_served: bool) -> Result<Step, Ended> {
    match port.transact(Command::FindCard).await? {
        Answer::Ok(_) if card_served => return Ok(Step::Present),
        Answer::Ok(_) => {}
        Answer::Status(IdCardError::FindFailed) => return Ok(Step::NoCard),
        Answer::Status(e) => {
            debug!(reader = %port.cfg.id, error = %e, "find failed");
            return Ok(Step::Failed("sam_status"));
        }
        Answer::Timeout => return Ok(Step::Timeout),
    }
    match port.transact(Command::SelectCard).await? {
        Answer::Ok(_) => {}
        Answer::Status(e) => {
            debug!(reader = %port.cfg.id, error = %e, "select failed");
            return Ok(Step::Failed("sam_status"));
        }
        Answer::Timeout => return Ok(Step::Timeout),
    }
    match port.transact(Command::ReadBasicInfo).await? {
        Answer::Ok(r) => match decode_basic_info(&r) {
            Ok(b) => Ok(Step::Read(Box::new(b.info))),
            Err(e) => {
                // The error names a field or code, never a personal value.
                debug!(reader = %port.cfg.id, error = %e, "card not decodable");
                Ok(Step::Failed("bad_card"))
            }
        },
        Answer::Status(e) => {
            debug!(reader = %port.cfg.id, error = %e, "read failed");
            Ok(Step::Failed("sam_status"))
        }
        Answer::Timeout => Ok(Step::Timeout),
    }
}

/// Seals, masks and assesses a card for the actor.
fn card_read(info: &IdCardInfo, ctx: &ReaderContext) -> CardRead {
    let mut personal = Personal::default();
    ctx.app.seal_id_number(&info.id_number, &mut personal);
    let now = ctx.app.directory().clock.now();
    // Asked for a normal ticket, the holder's age alone decides; no
    // supervisor is asked.
    let priority = ctx.app.priority_by_age(&info.id_number);
    CardRead {
        personal,
        priority,
        name_sealed: Some(ctx.app.seal_card_name(&info.name)),
        applicant: Applicant {
            name_masked: id_number::mask_name(&info.name),
            id_masked: info.id_number.masked(),
            read_at: now,
        },
    }
}
