//! The large demo hall (`--demo-hall large`): 100 windows and 30 queues,
//! generated from the demo hall's shape (`config/hall.toml`) for the
//! dashboard's load test (issue 9, acceptance 4).
//!
//! The demo hall's text is read as TOML and grown: its 14 queues get 16
//! more (one per queue of the demo hall, over again, with a first item
//! each), the 24 windows become 100 (each with a primary queue in turn and
//! the next queue as secondary, in the primary queue's area), with one
//! terminal, one evaluator (评价器, `E001`…`E100`, DEMO ONLY passwords as
//! in the demo hall), one staff member and one window screen each, so the
//! demo's citizens can rate (好差评) at every window. The result is
//! TOML text, checked by the same validation as any hall file
//! (`HallConfig::from_toml`), and printed by `tingwu demo-config --hall large`.

use tingwu_actors::config::{HallConfig, DEMO_HALL_TOML};
use toml::{Table, Value};

/// Windows and queues of the large demo hall.
pub const WINDOWS: usize = 100;
pub const QUEUES: usize = 30;

/// Prefixes of the added queues (I and O are skipped, as in the demo hall).
const ADDED_PREFIXES: [&str; QUEUES - 14] = [
    "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "AA", "AB", "AC", "AD", "AE", "AF",
];

/// Why the large hall could not be made (a bug: the demo hall changed shape).
#[derive(Debug, thiserror::Error)]
pub enum LargeHallError {
    #[error("the demo hall is not readable TOML: {0}")]
    Source(#[from] toml::de::Error),
    #[error("the demo hall has no {0}")]
    Missing(&'static str),
    #[error("the large hall does not print as TOML: {0}")]
    Print(#[from] toml::ser::Error),
    #[error("the large hall fails validation: {0}")]
    Invalid(String),
}

/// The large demo hall: its TOML text and the validated configuration.
pub fn large_hall() -> Result<(String, HallConfig), LargeHallError> {
    let text = large_hall_text()?;
    let cfg = HallConfig::from_toml(&text).map_err(|e| LargeHallError::Invalid(e.to_string()))?;
    Ok((text, cfg))
}

fn tables(t: &Table, key: &'static str) -> Result<Vec<Table>, LargeHallError> {
    t.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_table).cloned().collect())
        .ok_or(LargeHallError::Missing(key))
}

fn text_of(t: &Table, key: &str) -> String {
    t.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn array(tables: Vec<Table>) -> Value {
    Value::Array(tables.into_iter().map(Value::Table).collect())
}

/// The large hall's TOML text (not yet validated).
pub fn large_hall_text() -> Result<String, LargeHallError> {
    let mut root: Table = toml::from_str(DEMO_HALL_TOML)?;
    if let Some(Value::Table(hall)) = root.get_mut("hall") {
        hall.insert("id".into(), "demo-large".into());
        hall.insert("name".into(), "示例市政务服务中心（百窗演示）".into());
        hall.insert(
            "name_en".into(),
            "Demo City Government Service Center (100-window demo)".into(),
        );
    }
    let mut queues = tables(&root, "queues")?;
    let mut items = tables(&root, "items")?;
    let base = queues.clone();
    for (n, prefix) in ADDED_PREFIXES.iter().enumerate() {
        let src = &base[n % base.len()];
        let src_id = text_of(src, "id");
        let mut q = src.clone();
        q.insert("id".into(), (*prefix).into());
        q.insert("prefix".into(), (*prefix).into());
        q.insert(
            "name".into(),
            format!("{}（二）", text_of(src, "name")).into(),
        );
        q.insert(
            "name_en".into(),
            format!("{} II", text_of(src, "name_en")).into(),
        );
        queues.push(q);
        let item = items
            .iter()
            .find(|i| text_of(i, "queue") == src_id)
            .cloned()
            .ok_or(LargeHallError::Missing("item for every queue"))?;
        let mut item = item;
        let id = format!("{}-{}", text_of(&item, "id"), prefix.to_ascii_lowercase());
        item.insert("id".into(), id.into());
        item.insert("queue".into(), (*prefix).into());
        item.insert(
            "name".into(),
            format!("{}（二）", text_of(&item, "name")).into(),
        );
        item.insert(
            "name_en".into(),
            format!("{} II", text_of(&item, "name_en")).into(),
        );
        item.remove("appointment_capacity");
        items.push(item);
    }
    let first_window = tables(&root, "windows")?
        .into_iter()
        .next()
        .ok_or(LargeHallError::Missing("windows"))?;
    let mut windows = Vec::with_capacity(WINDOWS);
    let mut terminals = Vec::with_capacity(WINDOWS);
    let mut evaluators = Vec::with_capacity(WINDOWS);
    let mut staff = Vec::with_capacity(WINDOWS);
    let (mut screens, window_screens): (Vec<Table>, Vec<Table>) = tables(&root, "screens")?
        .into_iter()
        .partition(|s| text_of(s, "kind") == "hall");
    let window_screen = window_screens
        .into_iter()
        .next()
        .ok_or(LargeHallError::Missing("window screen"))?;
    for i in 1..=WINDOWS {
        let primary = &queues[(i - 1) % queues.len()];
        let secondary = &queues[i % queues.len()];
        let id = i.to_string();
        let terminal = format!("T{i:03}");
        let mut w = first_window.clone();
        w.insert("id".into(), id.clone().into());
        w.insert("number".into(), Value::Integer(i as i64));
        w.insert("name".into(), format!("{i}号窗口").into());
        w.insert("name_en".into(), format!("Window {i}").into());
        w.insert("area".into(), text_of(primary, "area").into());
        let role = |q: &Table, role: &str| {
            let mut t = Table::new();
            t.insert("queue".into(), text_of(q, "id").into());
            t.insert("role".into(), role.into());
            Value::Table(t)
        };
        w.insert(
            "queues".into(),
            Value::Array(vec![role(primary, "primary"), role(secondary, "secondary")]),
        );
        w.insert("terminal".into(), terminal.clone().into());
        windows.push(w);
        let mut d = Table::new();
        d.insert("id".into(), terminal.clone().into());
        d.insert("kind".into(), "terminal".into());
        d.insert("password".into(), format!("demo-pass-{terminal}").into());
        terminals.push(d);
        let evaluator = format!("E{i:03}");
        let mut e = Table::new();
        e.insert("id".into(), evaluator.clone().into());
        e.insert("kind".into(), "evaluator".into());
        e.insert("password".into(), format!("demo-pass-{evaluator}").into());
        e.insert("window".into(), id.clone().into());
        evaluators.push(e);
        let mut s = Table::new();
        s.insert("id".into(), format!("S{i:03}").into());
        s.insert("name".into(), format!("工作人员{i:03}").into());
        s.insert("pin".into(), "1234".into());
        s.insert("windows".into(), Value::Array(Vec::new()));
        staff.push(s);
        let mut sc = window_screen.clone();
        sc.insert("id".into(), format!("w{i}").into());
        sc.insert("name".into(), format!("{i}号窗口屏").into());
        sc.insert("windows".into(), Value::Array(vec![id.into()]));
        screens.push(sc);
    }
    // Kiosks keep their devices; the demo hall's terminals and evaluators
    // (of its 24 windows only) are replaced by one of each per window.
    let mut devices: Vec<Table> = tables(&root, "devices")?
        .into_iter()
        .filter(|d| !matches!(text_of(d, "kind").as_str(), "terminal" | "evaluator"))
        .collect();
    devices.extend(terminals);
    devices.extend(evaluators);
    root.insert("queues".into(), array(queues));
    root.insert("items".into(), array(items));
    root.insert("windows".into(), array(windows));
    root.insert("staff".into(), array(staff));
    root.insert("devices".into(), array(devices));
    root.insert("screens".into(), array(screens));
    // The demo hall's shifts fit the quiet day's roster of its 24 windows,
    // not the large hall's generated one: no attendance shifts here.
    if let Some(Value::Table(supervision)) = root.get_mut("supervision") {
        supervision.remove("attendance");
    }
    let body = toml::to_string(&root)?;
    Ok(format!(
        "# The large demo hall (厅务百窗演示): {WINDOWS} windows, {QUEUES} queues, generated by\n\
         # `tingwu demo-config --hall large` from config/hall.toml. DEMO ONLY credentials.\n\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_large_hall_validates_with_100_windows_and_30_queues() {
        let (text, cfg) = large_hall().expect("large hall");
        assert_eq!(cfg.windows.len(), WINDOWS);
        assert_eq!(cfg.queues.len(), QUEUES);
        assert_eq!(cfg.staff.len(), WINDOWS);
        assert!(cfg
            .items
            .iter()
            .all(|i| cfg.queues.iter().any(|q| q.id == i.queue)));
        for q in &cfg.queues {
            assert!(
                cfg.windows.iter().any(|w| w.queues[0].queue == q.id),
                "queue {} has a primary window",
                q.id
            );
        }
        assert!(text.starts_with("# The large demo hall"));
        // The text is the hall: parsing it again gives the same shape.
        let again = HallConfig::from_toml(&text).expect("reparse");
        assert_eq!(again.windows.len(), WINDOWS);
        assert!(cfg.supervision.attendance.shifts.is_empty());
        assert!(cfg.supervision.attendance.hours.is_empty());
    }

    #[test]
    fn the_large_hall_keeps_the_demo_halls_kiosks_and_credentials() {
        let (_, cfg) = large_hall().expect("large hall");
        assert_eq!(cfg.kiosks.len(), 3);
        assert!(tingwu_actors::core::ticket_source::kiosks_without_credentials(&cfg).is_empty());
        let sc = crate::demo::scenario::for_hall(&cfg, false).expect("scenario");
        let (shifts, unstaffed) = crate::demo::roster::shifts(&cfg, &sc.staffing[0]);
        assert_eq!(shifts.len(), WINDOWS);
        assert!(unstaffed.is_empty(), "{unstaffed:?}");
    }

    #[test]
    fn every_window_of_the_large_hall_has_its_own_evaluator() {
        let (_, cfg) = large_hall().expect("large hall");
        let sc = crate::demo::scenario::for_hall(&cfg, false).expect("scenario");
        let (shifts, _) = crate::demo::roster::shifts(&cfg, &sc.staffing[0]);
        assert_eq!(shifts.len(), WINDOWS);
        let mut devices = std::collections::HashSet::new();
        for s in &shifts {
            let (device, password) = s.evaluator.clone().expect("an evaluator at every window");
            let n: usize = s.window.parse().expect("number");
            assert_eq!(device, format!("E{n:03}"));
            assert_eq!(password, format!("demo-pass-{device}"));
            assert!(devices.insert(device), "one evaluator per window");
        }
    }
}
