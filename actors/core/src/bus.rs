//! The RS-485 bus (Modbus RTU): LED window strips, wired call terminals
//! and evaluators. This module holds the configuration and the rules; the
//! wire (tokio-serial, tokio-modbus) is `src/devices/bus_link.rs`.
//!
//! The rules: [`Poller`] chooses the next device to poll, round robin, so a
//! busy bus serves every device in turn; [`Poller::answered`] and
//! [`Poller::timed_out`] count each device's consecutive timeouts and say
//! when its offline alarm is raised (after [`OFFLINE_AFTER`] in a row) or
//! cleared (on the next answer); [`EventGate`] acts on an event sequence
//! number once, whatever the bus repeats; [`key_action`] maps terminal keys
//! to window commands; [`call_text`] is what a strip shows for a call.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tingwu_protocols::modbus_profile::{DeviceKind, Grade, Key};
use tingwu_protocols::terminal::Action;

use crate::alarm::{Alarm, Severity};
pub use crate::config::{BusConfig, BusDeviceConfig, BusDeviceKind};

/// Consecutive timeouts before a device is offline.
pub const OFFLINE_AFTER: u32 = 3;

/// What the poller decided about a device's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Nothing changed.
    Same,
    /// It has just gone offline: raise its alarm.
    WentOffline,
    /// It answered after being offline: clear its alarm.
    CameBack,
}

/// Round-robin polling and offline counting for the devices of one bus.
#[derive(Debug, Clone)]
pub struct Poller {
    devices: Vec<String>,
    next: usize,
    misses: HashMap<String, u32>,
    offline: HashSet<String>,
}

impl Poller {
    /// The devices to poll, in order (strips too: their answer is their
    /// health).
    pub fn new(devices: Vec<String>) -> Self {
        Self {
            devices,
            next: 0,
            misses: HashMap::new(),
            offline: HashSet::new(),
        }
    }

    /// The next device to poll; every device comes round once per cycle.
    pub fn next_device(&mut self) -> Option<&str> {
        if self.devices.is_empty() {
            return None;
        }
        let i = self.next % self.devices.len();
        self.next = (i + 1) % self.devices.len();
        self.devices.get(i).map(String::as_str)
    }

    /// The device answered.
    pub fn answered(&mut self, device: &str) -> Health {
        self.misses.remove(device);
        if self.offline.remove(device) {
            Health::CameBack
        } else {
            Health::Same
        }
    }

    /// The device did not answer in time (or the port is gone).
    pub fn timed_out(&mut self, device: &str) -> Health {
        let n = self.misses.entry(device.to_string()).or_insert(0);
        *n = n.saturating_add(1);
        if *n >= OFFLINE_AFTER && self.offline.insert(device.to_string()) {
            Health::WentOffline
        } else {
            Health::Same
        }
    }

    pub fn is_offline(&self, device: &str) -> bool {
        self.offline.contains(device)
    }
}

/// Acts on each event sequence number of a device once: a repeated number
/// (the acknowledgement was lost) is acknowledged again, not acted on.
///
/// A device that restarts numbers its events from 1 again; it shows that by
/// presenting sequence number 0 ("no event yet"). The gate then starts a
/// new epoch for it, which goes into the command ids, so that the new
/// events are not taken for the old ones of the same day.
#[derive(Debug, Clone, Default)]
pub struct EventGate {
    handled: HashMap<String, u16>,
    epochs: HashMap<String, u32>,
}

impl EventGate {
    /// Notes the sequence number a device presents (before acting on it).
    pub fn observe(&mut self, device: &str, seq: u16) {
        if seq == 0 && self.handled.get(device).is_some_and(|&h| h != 0) {
            self.handled.insert(device.to_string(), 0);
            *self.epochs.entry(device.to_string()).or_insert(0) += 1;
        }
    }

    /// Whether `seq` from `device` is new.
    pub fn is_new(&self, device: &str, seq: u16) -> bool {
        self.handled.get(device) != Some(&seq)
    }

    pub fn handled(&mut self, device: &str, seq: u16) {
        self.handled.insert(device.to_string(), seq);
    }

    /// Restarts of the device seen by this process.
    pub fn epoch(&self, device: &str) -> u32 {
        self.epochs.get(device).copied().unwrap_or(0)
    }
}

/// The window command for a terminal key; `None` for a key that is not a
/// window action (请求评价 prompts the evaluator, nothing to do here).
pub fn key_action(key: Key) -> Option<Action> {
    match key {
        Key::CallNext => Some(Action::CallNext),
        Key::Recall => Some(Action::Recall),
        Key::Start => Some(Action::Start),
        Key::Finish => Some(Action::Finish),
        Key::Skip => Some(Action::Skip),
        Key::Pause => Some(Action::Pause),
        Key::Resume => Some(Action::Resume),
        Key::RequestEvaluation => None,
    }
}

/// The command id of a terminal event: the same event read twice (even
/// across a restart of the server) is the same command, which takes effect
/// once.
pub fn command_id(bus: &str, device: &str, epoch: u32, seq: u16) -> String {
    if epoch == 0 {
        format!("rs485-{bus}-{device}-{seq}")
    } else {
        format!("rs485-{bus}-{device}-r{epoch}-{seq}")
    }
}

/// What a strip shows for a call: `A023 请到5号窗口`.
pub fn call_text(number: &str, window_number: u32) -> String {
    format!("{number} 请到{window_number}号窗口")
}

/// An evaluation (好差评) as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub ticket: String,
    pub number: String,
    pub window: String,
    /// 1 非常满意 … 5 非常不满意 (the evaluator's grade codes).
    pub score: u16,
    pub label: String,
    pub device: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The offline alarm of a bus device.
pub fn offline_alarm(bus: &str, device: &str) -> Alarm {
    Alarm {
        id: format!("bus/{bus}/{device}/offline"),
        source: format!("bus/{bus}/{device}"),
        kind: "offline".into(),
        severity: Severity::Error,
        message_zh: format!("总线 {bus} 上的设备 {device} 离线"),
        message_en: format!("Device {device} on bus {bus} is offline"),
    }
}

/// Whether a device's identity block shows the configured kind.
pub fn kind_matches(configured: BusDeviceKind, found: DeviceKind) -> bool {
    matches!(
        (configured, found),
        (BusDeviceKind::Strip, DeviceKind::LedStrip)
            | (BusDeviceKind::Terminal, DeviceKind::CallTerminal)
            | (BusDeviceKind::Evaluator, DeviceKind::Evaluator)
    )
}

/// The alarm of a device that is not what the configuration says.
pub fn identity_alarm(bus: &str, device: &str, kind: BusDeviceKind) -> Alarm {
    Alarm {
        id: format!("bus/{bus}/{device}/identity"),
        source: format!("bus/{bus}/{device}"),
        kind: "identity".into(),
        severity: Severity::Error,
        message_zh: format!("总线 {bus} 上的设备 {device} 不是配置的类型（{kind:?}），未启用"),
        message_en: format!(
            "Device {device} on bus {bus} is not a Tingwu-profile {kind:?}; not driven"
        ),
    }
}

/// The alarm for a bad rating (差评), for the supervisor at once.
pub fn bad_rating_alarm(e: &Evaluation) -> Alarm {
    Alarm {
        id: format!("evaluation/{}/bad", e.ticket),
        source: format!("window/{}", e.window),
        kind: "bad_rating".into(),
        severity: Severity::Warning,
        message_zh: format!(
            "差评：{}号窗口 {} 号票 评价为「{}」",
            e.window, e.number, e.label
        ),
        message_en: format!(
            "Bad rating at window {}: ticket {} rated {} ({})",
            e.window, e.number, e.score, e.label
        ),
    }
}

/// Whether a grade is a bad rating (不满意, 非常不满意).
pub fn is_bad(grade: Grade) -> bool {
    grade.is_bad()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_visits_every_device_in_turn() {
        let mut p = Poller::new(vec!["S1".into(), "T1".into(), "E1".into()]);
        let order: Vec<String> = (0..6)
            .map(|_| p.next_device().unwrap().to_string())
            .collect();
        assert_eq!(order, ["S1", "T1", "E1", "S1", "T1", "E1"]);
        assert_eq!(Poller::new(Vec::new()).next_device(), None);
    }

    #[test]
    fn offline_after_consecutive_timeouts_and_back_on_an_answer() {
        let mut p = Poller::new(vec!["T1".into()]);
        for _ in 1..OFFLINE_AFTER {
            assert_eq!(p.timed_out("T1"), Health::Same);
        }
        assert_eq!(p.timed_out("T1"), Health::WentOffline);
        assert!(p.is_offline("T1"));
        assert_eq!(p.timed_out("T1"), Health::Same, "raised once");
        assert_eq!(p.answered("T1"), Health::CameBack);
        assert_eq!(p.answered("T1"), Health::Same);
        // An answer in between restarts the count.
        p.timed_out("T1");
        p.timed_out("T1");
        p.answered("T1");
        assert_eq!(p.timed_out("T1"), Health::Same);
    }

    #[test]
    fn an_event_is_acted_on_once() {
        let mut g = EventGate::default();
        assert!(g.is_new("T1", 1));
        g.handled("T1", 1);
        assert!(!g.is_new("T1", 1));
        assert!(g.is_new("T1", 2));
        assert!(g.is_new("T2", 1));
        assert_eq!(command_id("B1", "T1", g.epoch("T1"), 7), "rs485-B1-T1-7");
        // The device restarts: it shows 0, then numbers from 1 again.
        g.observe("T1", 1);
        assert_eq!(g.epoch("T1"), 0, "a repeat is not a restart");
        g.observe("T1", 0);
        assert_eq!(g.epoch("T1"), 1);
        assert!(g.is_new("T1", 1));
        g.observe("T1", 0);
        assert_eq!(g.epoch("T1"), 1, "one restart counted once");
        assert_eq!(command_id("B1", "T1", 1, 1), "rs485-B1-T1-r1-1");
        g.observe("T9", 0);
        assert_eq!(g.epoch("T9"), 0, "a new device is not a restart");
    }

    #[test]
    fn keys_texts_and_alarms() {
        assert_eq!(key_action(Key::CallNext), Some(Action::CallNext));
        assert_eq!(key_action(Key::Finish), Some(Action::Finish));
        assert_eq!(key_action(Key::RequestEvaluation), None);
        assert_eq!(call_text("A023", 5), "A023 请到5号窗口");
        assert!(kind_matches(BusDeviceKind::Strip, DeviceKind::LedStrip));
        assert!(!kind_matches(
            BusDeviceKind::Terminal,
            DeviceKind::Evaluator
        ));
        assert_eq!(
            identity_alarm("B1", "T1", BusDeviceKind::Terminal).id,
            "bus/B1/T1/identity"
        );
        assert_eq!(offline_alarm("B1", "T1").id, "bus/B1/T1/offline");
        assert!(is_bad(Grade::VeryDissatisfied) && !is_bad(Grade::VerySatisfied));
    }

    fn hall(extra: &str) -> Result<crate::config::HallConfig, String> {
        let text = format!("{}\n{extra}", include_str!("../../../config/hall.toml"));
        crate::config::HallConfig::from_toml(&text).map_err(|e| e.to_string())
    }

    #[test]
    fn config_names_the_bad_field() {
        let bus = "[[buses]]\nid = \"B1\"\npath = \"/dev/ttyUSB0\"\n";
        let dev = |fields: &str| format!("{bus}[[bus_devices]]\nid = \"S1\"\n{fields}\n");
        let ok = hall(&dev(
            "bus = \"B1\"\nunit = 1\nkind = \"strip\"\nwindow = \"1\"",
        ))
        .unwrap();
        assert_eq!(ok.buses[0].baud, 9600);
        assert_eq!(ok.bus_devices[0].kind, BusDeviceKind::Strip);
        let e = hall(&dev(
            "bus = \"B9\"\nunit = 1\nkind = \"strip\"\nwindow = \"1\"",
        ))
        .unwrap_err();
        assert!(e.starts_with("bus_devices[0].bus"), "{e}");
        let e = hall(&dev(
            "bus = \"B1\"\nunit = 0\nkind = \"strip\"\nwindow = \"1\"",
        ))
        .unwrap_err();
        assert!(e.starts_with("bus_devices[0].unit"), "{e}");
        let e = hall(&dev(
            "bus = \"B1\"\nunit = 1\nkind = \"strip\"\nwindow = \"nope\"",
        ))
        .unwrap_err();
        assert!(e.starts_with("bus_devices[0].window"), "{e}");
        let e = hall("[[buses]]\nid = \"B1\"\npath = \"\"\n").unwrap_err();
        assert!(e.starts_with("buses[0].path"), "{e}");
        let e = hall("[[buses]]\nid = \"B1\"\npath = \"/dev/x\"\nbaud = 5\n").unwrap_err();
        assert!(e.starts_with("buses[0].baud"), "{e}");
    }
}
