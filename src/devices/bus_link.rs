//! The wire to one RS-485 bus: Tingwu is the Modbus RTU master
//! (tokio-serial + tokio-modbus) of the strips, terminals and evaluators
//! configured on it.
//!
//! One task per bus owns the port and the bus's rules
//! ([`tingwu_actors::bus::Poller`], [`EventGate`]). Between polls it follows
//! the store's committed events: a `call` for a window queues the call text
//! for that window's strips; an evaluator's grade rates the window's open
//! rating prompt through `App::rate` (the one rating path). Each turn writes one pending strip,
//! else polls the next device round robin: a terminal's or evaluator's
//! event block (`modbus_profile`), acted on once and acknowledged; a
//! strip's magic register (its health). [`REPLY_TIMEOUT`] without an answer
//! counts against the device, and [`OFFLINE_AFTER`] in a row raise
//! `bus/{bus}/{device}/offline`, cleared on the next answer. A port that
//! cannot be opened or fails (I/O errors, e.g. the device vanished) is
//! closed, raises `bus/{bus}/port`, and is reopened with backoff. Every
//! failure counts in `tingwu_device_errors_total{device="bus",id,reason}`.
//!
//! The line is kept in step (issue 8, item 6; [`super::serial_line`]):
//! input waiting before a request is drained, and after a timeout or a
//! protocol error (a reply from another unit or function, a bad frame, a
//! wrong register count) the line must be quiet for [`RESYNC_QUIET`] before
//! the next request. What is drained counts as `late_reply` on the device
//! whose unit address starts it (else on the bus).
//!
//! [`OFFLINE_AFTER`]: tingwu_actors::bus::OFFLINE_AFTER

use crate::backoff::Backoff;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tingwu_actors::alarm::{Alarm, AlarmKind, Clear, Raise, Severity};
use tingwu_actors::bus::{
    self, BusConfig, BusDeviceConfig, BusDeviceKind, EventGate, Health, Poller,
};
use tingwu_actors::directory::Directory;
use tingwu_actors::events::{CommittedEvent, EventBody};
use tingwu_protocols::modbus_profile::{self as profile, Beep, DeviceEvent, Display, DisplayMode};
use tingwu_protocols::terminal::TerminalCommand;
use tokio::sync::broadcast;
use tokio_modbus::client::{Client, Context};
use tokio_modbus::prelude::*;
use tokio_serial::{SerialPortBuilderExt, SerialStream};
use tracing::{debug, info, warn};

use crate::app::evaluations::{EvaluationError, RatingInput};
use crate::app::window_commands::Origin;
use crate::app::{App, WindowCommandError};
use tingwu_actors::core::rating::record::Channel;
use tingwu_actors::core::rating::{Rater, RatingGrade};

use super::serial_line::SharedLine;

/// How long a device may take to answer one request.
pub const REPLY_TIMEOUT: Duration = Duration::from_millis(300);
/// After a timeout or a protocol error, the line must be quiet this long
/// before the next request: a reply still on its way (up to twice the
/// timeout late) is drained, not taken for the next one.
pub const RESYNC_QUIET: Duration = REPLY_TIMEOUT;
/// A line that does not fall quiet within this long is used anyway (and
/// counted as `noise` on the bus).
pub const RESYNC_MAX: Duration = Duration::from_secs(2);
/// Pause between two turns on the bus.
pub const TURN_EVERY: Duration = Duration::from_millis(50);
/// Reopen backoff: first and longest wait.
pub const BACKOFF_MIN: Duration = Duration::from_millis(500);
pub const BACKOFF_MAX: Duration = Duration::from_secs(30);
const REOPEN: Backoff = Backoff::new(BACKOFF_MIN, 2, BACKOFF_MAX);

fn count_error(id: &str, reason: &'static str) {
    metrics::counter!("tingwu_device_errors_total", "device" => "bus", "id" => id.to_string(), "reason" => reason)
        .increment(1);
}

/// Starts a link task per configured bus; key presses and ratings go
/// through `app`.
pub fn start(app: &App) {
    let dir = app.directory();
    for b in &dir.config.buses {
        let devices: Vec<BusDeviceConfig> = dir
            .config
            .bus_devices
            .iter()
            .filter(|d| d.bus == b.id)
            .cloned()
            .collect();
        let link = Link {
            resync: false,
            poller: Poller::new(devices.iter().map(|d| d.id.clone()).collect()),
            gate: EventGate::default(),
            devices: devices.into_iter().map(|d| (d.id.clone(), d)).collect(),
            strips: HashMap::new(),
            identified: HashSet::new(),
            events: dir.store.subscribe(),
            cfg: b.clone(),
            dir: dir.clone(),
            app: app.clone(),
        };
        tokio::spawn(link.run());
    }
}

struct Link {
    /// A request timed out or failed: resynchronise before the next one.
    resync: bool,
    cfg: BusConfig,
    dir: Directory,
    app: App,
    devices: HashMap<String, BusDeviceConfig>,
    poller: Poller,
    gate: EventGate,
    /// Text waiting to be written, by strip.
    strips: HashMap<String, String>,
    /// Devices whose identity block matched their configured kind since
    /// they last came online; only these are driven.
    identified: HashSet<String>,
    events: broadcast::Receiver<Arc<CommittedEvent>>,
}

/// The open port: the Modbus client and a handle on the same line.
struct Port {
    ctx: Context,
    line: SharedLine<SerialStream>,
}

/// Why a session on the port ended.
enum Ended {
    Port(String),
}

impl Link {
    async fn run(mut self) {
        let mut backoff = REOPEN;
        let port_alarm = Alarm {
            id: format!("bus/{}/port", self.cfg.id),
            source: format!("bus/{}", self.cfg.id),
            kind: AlarmKind::DeviceOffline.as_str().into(),
            severity: Severity::Error,
            message_zh: format!("RS-485 总线 {} 串口 {} 不可用", self.cfg.id, self.cfg.path),
            message_en: format!(
                "RS-485 bus {}: serial port {} is unavailable",
                self.cfg.id, self.cfg.path
            ),
        };
        loop {
            let reason = match tokio_serial::new(&self.cfg.path, self.cfg.baud)
                .timeout(REPLY_TIMEOUT)
                .open_native_async()
            {
                Ok(port) => {
                    info!(bus = %self.cfg.id, path = %self.cfg.path, "RS-485 bus open");
                    backoff.reset();
                    let _ = self.dir.alarms.send(Clear(port_alarm.id.clone())).await;
                    let line = SharedLine::new(port);
                    let port = Port {
                        ctx: rtu::attach_slave(line.clone(), Slave(1)),
                        line,
                    };
                    self.resync = true;
                    match self.session(port).await {
                        Ended::Port(reason) => reason,
                    }
                }
                Err(e) => {
                    count_error(&self.cfg.id, "open");
                    format!("cannot open: {e}")
                }
            };
            let retry_in = backoff.fail();
            warn!(bus = %self.cfg.id, path = %self.cfg.path, reason = %reason, retry_in_ms = retry_in.as_millis() as u64, "RS-485 bus down");
            let _ = self.dir.alarms.send(Raise(port_alarm.clone())).await;
            // Nobody answers on a dead port: every device counts a miss.
            let ids: Vec<String> = self.devices.keys().cloned().collect();
            for id in ids {
                self.health(&id, false).await;
            }
            let wait_until = Instant::now() + retry_in;
            while Instant::now() < wait_until {
                self.follow_events();
                tokio::time::sleep(TURN_EVERY).await;
            }
        }
    }

    async fn session(&mut self, mut port: Port) -> Ended {
        loop {
            self.follow_events();
            let ready = self
                .strips
                .keys()
                .find(|k| self.identified.contains(*k))
                .cloned();
            let result = if let Some(strip) = ready {
                let text = self.strips.remove(&strip).unwrap_or_default();
                let r = self.write_strip(&mut port, &strip, &text).await;
                if matches!(r, Ok(false)) && !self.poller.is_offline(&strip) {
                    // Not written: try again on a later turn.
                    self.strips.entry(strip.clone()).or_insert(text);
                }
                r.map(|ok| (strip, ok))
            } else if let Some(id) = self.poller.next_device().map(str::to_string) {
                self.poll(&mut port, &id).await.map(|ok| (id, ok))
            } else {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            };
            match result {
                Ok((id, answered)) => self.health(&id, answered).await,
                Err(reason) => return Ended::Port(reason),
            }
            tokio::time::sleep(TURN_EVERY).await;
        }
    }

    /// Takes in the committed events since the last turn.
    fn follow_events(&mut self) {
        loop {
            match self.events.try_recv() {
                Ok(e) => {
                    if let EventBody::Call(call) = &e.body {
                        let text = bus::call_text(&call.number, call.window_number);
                        for d in self.devices.values() {
                            if d.kind == BusDeviceKind::Strip && d.window == call.window {
                                self.strips.insert(d.id.clone(), text.clone());
                            }
                        }
                    }
                }
                Err(broadcast::error::TryRecvError::Lagged(n)) => {
                    warn!(bus = %self.cfg.id, missed = n, "bus link fell behind the event stream");
                }
                Err(_) => return,
            }
        }
    }

    async fn health(&mut self, id: &str, answered: bool) {
        let h = if answered {
            self.poller.answered(id)
        } else {
            self.poller.timed_out(id)
        };
        let alarm = bus::offline_alarm(&self.cfg.id, id);
        match h {
            Health::Same => {}
            Health::WentOffline => {
                self.identified.remove(id);
                let _ = self.dir.alarms.send(Raise(alarm)).await;
            }
            Health::CameBack => {
                let _ = self.dir.alarms.send(Clear(alarm.id)).await;
            }
        }
    }

    /// Writes a strip's display block. `Ok(answered)`; `Err` when the port
    /// itself failed.
    async fn write_strip(
        &mut self,
        port: &mut Port,
        strip: &str,
        text: &str,
    ) -> Result<bool, String> {
        let Some(dev) = self.devices.get(strip) else {
            return Ok(true);
        };
        let display = Display {
            mode: DisplayMode::Blink,
            brightness: 100,
            beep: Beep {
                count: 1,
                duration_50ms: 4,
            },
            text: text.to_string(),
        };
        let regs = match profile::encode_display(&display) {
            Ok(r) => r,
            Err(e) => {
                warn!(strip = %strip, error = %e, "call text cannot be shown on a strip");
                return Ok(true);
            }
        };
        let unit = dev.unit;
        self.settle(&port.line).await?;
        port.ctx.set_slave(Slave(unit));
        let r = tokio::time::timeout(
            REPLY_TIMEOUT,
            port.ctx
                .write_multiple_registers(profile::DISPLAY_ADDR, &regs),
        )
        .await;
        let ok = self.outcome(strip, r)?;
        if ok {
            debug!(strip = %strip, text = %text, "strip written");
        }
        Ok(ok)
    }

    /// Polls one device. `Ok(answered)`; `Err` when the port failed.
    async fn poll(&mut self, port: &mut Port, id: &str) -> Result<bool, String> {
        let Some(dev) = self.devices.get(id).cloned() else {
            return Ok(true);
        };
        if !self.identified.contains(id) {
            return self.identify(port, &dev).await;
        }
        if dev.kind == BusDeviceKind::Strip {
            let r = self.read(port, dev.unit, profile::IDENTITY_ADDR, 1).await?;
            return self.outcome(id, r.map(|r| r.map(|r| r.map(|_| ()))));
        }
        let r = self
            .read(
                port,
                dev.unit,
                profile::EVENT_ADDR,
                profile::EVENT_LEN as u16,
            )
            .await?;
        let regs = match r {
            Ok(Ok(Ok(regs))) => regs,
            other => return self.outcome(id, other.map(|r| r.map(|r| r.map(|_| ())))),
        };
        let block = match profile::decode_event(&regs) {
            Ok(b) => b,
            Err(e) => {
                count_error(id, "bad_event");
                warn!(device = %id, error = %e, "bad event block");
                return Ok(true);
            }
        };
        self.gate.observe(id, block.seq);
        let Some(event) = block.event else {
            // Nothing pending: `seq` is the last one acknowledged.
            if block.seq != 0 {
                self.gate.handled(id, block.seq);
            }
            return Ok(true);
        };
        if self.gate.is_new(id, block.seq) {
            if !self.act(&dev, block.seq, event).await {
                // Not handled (the hall is shutting down, storage busy):
                // not acknowledged, read again next time round.
                return Ok(true);
            }
            self.gate.handled(id, block.seq);
        }
        let (addr, value) = profile::ack(block.seq);
        self.settle(&port.line).await?;
        port.ctx.set_slave(Slave(dev.unit));
        let r = tokio::time::timeout(
            REPLY_TIMEOUT,
            port.ctx.write_multiple_registers(addr, &[value]),
        )
        .await;
        self.outcome(id, r)
    }

    /// Reads a device's identity block: one of the configured kind is
    /// driven from now on; another kind, or not a Tingwu-profile device,
    /// raises `bus/{bus}/{device}/identity` and is not driven.
    async fn identify(&mut self, port: &mut Port, dev: &BusDeviceConfig) -> Result<bool, String> {
        let r = self
            .read(
                port,
                dev.unit,
                profile::IDENTITY_ADDR,
                profile::IDENTITY_LEN as u16,
            )
            .await?;
        let regs = match r {
            Ok(Ok(Ok(regs))) => regs,
            other => return self.outcome(&dev.id, other.map(|r| r.map(|r| r.map(|_| ())))),
        };
        let alarm = bus::identity_alarm(&self.cfg.id, &dev.id, dev.kind);
        match profile::decode_identity(&regs) {
            Ok(ident) if bus::kind_matches(dev.kind, ident.kind) => {
                info!(device = %dev.id, kind = ?ident.kind, serial = ident.serial, vendor = %ident.vendor, model = %ident.model, "bus device identified");
                self.identified.insert(dev.id.clone());
                let _ = self.dir.alarms.send(Clear(alarm.id)).await;
            }
            other => {
                count_error(&dev.id, "identity");
                warn!(device = %dev.id, identity = ?other, "bus device is not what the configuration says");
                let _ = self.dir.alarms.send(Raise(alarm)).await;
            }
        }
        Ok(true)
    }

    /// Brings the line to a known state before a request: drains what is
    /// waiting and, after a timeout or a protocol error, waits for quiet.
    /// `Err` when the port itself failed.
    async fn settle(&mut self, line: &SharedLine<SerialStream>) -> Result<(), String> {
        let drained = if std::mem::take(&mut self.resync) {
            let d = line.resync(RESYNC_QUIET, RESYNC_MAX).await;
            if matches!(d, Ok(d) if !d.quiet) {
                count_error(&self.cfg.id, "noise");
                warn!(bus = %self.cfg.id, "RS-485 line did not fall quiet; polling anyway");
            }
            d
        } else {
            line.drain_waiting().await
        };
        let drained = drained.map_err(|e| {
            count_error(&self.cfg.id, "io");
            format!("I/O error: {e}")
        })?;
        if drained.bytes > 0 {
            let from = drained
                .first
                .and_then(|unit| self.devices.values().find(|d| d.unit == unit))
                .map_or_else(|| self.cfg.id.clone(), |d| d.id.clone());
            count_error(&from, "late_reply");
            warn!(bus = %self.cfg.id, from = %from, bytes = drained.bytes, "input drained before a request");
        }
        Ok(())
    }

    /// Reads holding registers after settling the line; a reply with
    /// another register count than asked for is a protocol error.
    /// `Err` when the port failed.
    async fn read(
        &mut self,
        port: &mut Port,
        unit: u8,
        addr: u16,
        count: u16,
    ) -> Result<Result<tokio_modbus::Result<Vec<u16>>, tokio::time::error::Elapsed>, String> {
        self.settle(&port.line).await?;
        port.ctx.set_slave(Slave(unit));
        let r = tokio::time::timeout(
            REPLY_TIMEOUT,
            port.ctx.call(Request::ReadHoldingRegisters(addr, count)),
        )
        .await;
        Ok(r.map(|r| {
            r.and_then(|r| match r {
                Ok(Response::ReadHoldingRegisters(words)) if words.len() == count as usize => {
                    Ok(Ok(words))
                }
                Ok(other) => Err(tokio_modbus::ProtocolError::FunctionCodeMismatch {
                    request: tokio_modbus::FunctionCode::ReadHoldingRegisters,
                    result: Ok(other),
                }
                .into()),
                Err(code) => Ok(Err(code)),
            })
        }))
    }

    /// Sorts a request's result: answered, timed out (or refused), or the
    /// port failed. A timeout or a protocol error asks for a resync.
    fn outcome(
        &mut self,
        id: &str,
        r: Result<tokio_modbus::Result<()>, tokio::time::error::Elapsed>,
    ) -> Result<bool, String> {
        match r {
            Ok(Ok(Ok(()))) => Ok(true),
            Ok(Ok(Err(code))) => {
                // An exception is an answer: the device is there.
                count_error(id, "exception");
                warn!(device = %id, exception = ?code, "device answered with an exception");
                Ok(true)
            }
            // The codec gave up on the bytes (no frame in them): the line,
            // not the port, is out of step.
            Ok(Err(tokio_modbus::Error::Transport(e)))
                if e.kind() == std::io::ErrorKind::InvalidData =>
            {
                count_error(id, "protocol");
                debug!(device = %id, error = %e, "unreadable reply");
                self.resync = true;
                Ok(false)
            }
            Ok(Err(tokio_modbus::Error::Transport(e))) => {
                count_error(&self.cfg.id, "io");
                Err(format!("I/O error: {e}"))
            }
            Ok(Err(e)) => {
                count_error(id, "protocol");
                debug!(device = %id, error = %e, "bad reply");
                self.resync = true;
                Ok(false)
            }
            Err(_) => {
                count_error(id, "timeout");
                self.resync = true;
                Ok(false)
            }
        }
    }

    /// Acts on a new event; true once it has taken effect (or was refused
    /// for good), so that it may be acknowledged.
    async fn act(&mut self, dev: &BusDeviceConfig, seq: u16, event: DeviceEvent) -> bool {
        match event {
            DeviceEvent::Key(key) => {
                let Some(action) = bus::key_action(key) else {
                    return true;
                };
                if dev.kind != BusDeviceKind::Terminal {
                    warn!(device = %dev.id, "a key press from a device that is not a terminal");
                    return true;
                }
                let cmd = TerminalCommand {
                    id: bus::command_id(&self.cfg.id, &dev.id, self.gate.epoch(&dev.id), seq),
                    action,
                    staff: None,
                    pin: None,
                    reason: None,
                    queue: None,
                    ticket: None,
                    window: None,
                };
                match self
                    .app
                    .window_command(&dev.window, cmd, Instant::now(), Origin::Bus)
                    .await
                {
                    Ok(reply) => {
                        info!(device = %dev.id, window = %dev.window, key = ?key, ok = reply.ok, error = ?reply.error, "terminal key");
                        true
                    }
                    Err(WindowCommandError::Unavailable) => false,
                    Err(e) => {
                        // Refused for good (no such window): acknowledged.
                        warn!(device = %dev.id, window = %dev.window, error = %e, "terminal key refused");
                        true
                    }
                }
            }
            DeviceEvent::Evaluation(grade) => self.evaluate(dev, grade).await,
        }
    }

    /// An evaluator's grade (its RS-485 code, 1 = 非常满意) for the
    /// window's open prompt; true when it is settled (stored or refused for
    /// good), false to read it again (storage busy).
    async fn evaluate(&mut self, dev: &BusDeviceConfig, grade: profile::Grade) -> bool {
        let input = RatingInput::grade(RatingGrade::from_rs485(grade));
        let rater = Rater::Device(dev.id.clone());
        match self
            .app
            .rate(&dev.window, input, rater, Channel::Rs485)
            .await
        {
            Ok(_) => true,
            Err(EvaluationError::Storage(err)) => {
                warn!(device = %dev.id, error = %err, "evaluation not stored; read again");
                false
            }
            Err(e) => {
                count_error(&dev.id, e.code());
                warn!(device = %dev.id, window = %dev.window, error = %e, "rating refused");
                true
            }
        }
    }
}
