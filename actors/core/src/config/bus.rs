//! `[[buses]]` and `[[bus_devices]]`: RS-485 lines (Modbus RTU) and the
//! strips, terminals and evaluators on them. The bus rules are in `bus.rs` of this crate.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{check_id, ConfigError, HallConfig};

/// One RS-485 line (`[[buses]]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusConfig {
    pub id: String,
    /// Serial device, e.g. `/dev/ttyUSB0` or a pseudo-terminal.
    pub path: String,
    #[serde(default = "default_baud")]
    pub baud: u32,
}

fn default_baud() -> u32 {
    9600
}

/// What answers at an address on a bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusDeviceKind {
    /// LED window strip (窗口条屏): written on calls.
    Strip,
    /// Wired call terminal (呼叫器): its keys act for its window.
    Terminal,
    /// Evaluator (评价器): its grades are stored against the window's
    /// last finished ticket.
    Evaluator,
}

/// One device on a bus (`[[bus_devices]]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusDeviceConfig {
    pub id: String,
    pub bus: String,
    /// Modbus slave address, 1..=247.
    pub unit: u8,
    pub kind: BusDeviceKind,
    /// The window it belongs to.
    pub window: String,
}

/// Checks `[[buses]]` and `[[bus_devices]]`, naming the bad field.
pub(super) fn validate(cfg: &HallConfig) -> Result<(), ConfigError> {
    let invalid = |field: String, message: String| ConfigError::Invalid { field, message };
    let mut buses = HashSet::new();
    for (i, b) in cfg.buses.iter().enumerate() {
        check_id(&format!("buses[{i}].id"), &b.id)?;
        if !buses.insert(b.id.as_str()) {
            return Err(invalid(
                format!("buses[{i}].id"),
                format!("{:?} is used twice", b.id),
            ));
        }
        if b.path.trim().is_empty() {
            return Err(invalid(
                format!("buses[{i}].path"),
                "a serial device path such as \"/dev/ttyUSB0\"".into(),
            ));
        }
        if !(1200..=115_200).contains(&b.baud) {
            return Err(invalid(
                format!("buses[{i}].baud"),
                format!("1200..=115200, got {}", b.baud),
            ));
        }
    }
    let windows: HashSet<&str> = cfg.windows.iter().map(|w| w.id.as_str()).collect();
    let mut ids = HashSet::new();
    let mut units = HashSet::new();
    for (i, d) in cfg.bus_devices.iter().enumerate() {
        check_id(&format!("bus_devices[{i}].id"), &d.id)?;
        if !ids.insert(d.id.as_str()) {
            return Err(invalid(
                format!("bus_devices[{i}].id"),
                format!("{:?} is used twice", d.id),
            ));
        }
        if !buses.contains(d.bus.as_str()) {
            return Err(invalid(
                format!("bus_devices[{i}].bus"),
                format!("unknown bus {:?}", d.bus),
            ));
        }
        if !(1..=247).contains(&d.unit) {
            return Err(invalid(
                format!("bus_devices[{i}].unit"),
                format!("a Modbus slave address 1..=247, got {}", d.unit),
            ));
        }
        if !units.insert((d.bus.as_str(), d.unit)) {
            return Err(invalid(
                format!("bus_devices[{i}].unit"),
                format!("unit {} is used twice on bus {:?}", d.unit, d.bus),
            ));
        }
        if !windows.contains(d.window.as_str()) {
            return Err(invalid(
                format!("bus_devices[{i}].window"),
                format!("unknown window {:?}", d.window),
            ));
        }
    }
    Ok(())
}
