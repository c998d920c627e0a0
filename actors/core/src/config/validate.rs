//! [`HallConfig::validate`]: cross references and values, section by
//! section, each error naming the bad field by its path
//! (`windows[3].queues[0].queue`). The sections run in the file's order, so
//! the first error reported is the first one in the file.

use std::collections::HashSet;

use super::bus;
use super::*;
use crate::hours::ServiceHours;

type Ids<'a> = HashSet<&'a str>;

impl HallConfig {
    /// Checks the whole configuration; the first error names its field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let cfg = self;
        let (areas, departments, queues) = hall_and_queues(cfg)?;
        items(cfg, &departments, &queues)?;
        let windows = windows(cfg, &areas, &queues)?;
        staff_and_screens(cfg, &areas, &windows)?;
        let kiosks = kiosks_and_printers(cfg, &areas)?;
        card_readers(cfg, &kiosks, &windows)?;
        bus::validate(cfg)?;
        ticket_text(cfg)?;
        people_and_calling(cfg, &areas, &windows)?;
        super::cases::validate(cfg)?;
        notify_and_timing(cfg)?;
        super::supervision::validate(cfg)?;
        calendar(cfg)
    }
}

/// The hall, areas, departments and queues; their ids for what follows.
fn hall_and_queues<'a>(cfg: &'a HallConfig) -> Result<(Ids<'a>, Ids<'a>, Ids<'a>), ConfigError> {
    check_id("hall.id", &cfg.hall.id)?;
    if cfg.hall.timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err(invalid(
            "hall.timezone",
            format!("unknown time zone {:?}", cfg.hall.timezone),
        ));
    }
    if crate::hhmm::parse_time_of_day(&cfg.hall.day_start).is_none() {
        return Err(invalid("hall.day_start", "expected HH:MM"));
    }
    let areas = unique_ids("areas", cfg.areas.iter().map(|a| a.id.as_str()))?;
    let departments = unique_ids("departments", cfg.departments.iter().map(|d| d.id.as_str()))?;
    let queues = unique_ids("queues", cfg.queues.iter().map(|q| q.id.as_str()))?;
    if cfg.queues.is_empty() {
        return Err(invalid("queues", "at least one queue is needed"));
    }
    let mut prefixes = HashSet::new();
    for (i, q) in cfg.queues.iter().enumerate() {
        if q.prefix.is_empty()
            || q.prefix.len() > 3
            || !q.prefix.chars().all(|c| c.is_ascii_uppercase())
        {
            return Err(invalid(
                format!("queues[{i}].prefix"),
                "one to three capital letters",
            ));
        }
        if !prefixes.insert(q.prefix.as_str()) {
            return Err(invalid(
                format!("queues[{i}].prefix"),
                format!("prefix {:?} is used twice", q.prefix),
            ));
        }
        check_ref(&format!("queues[{i}].area"), &q.area, &areas, "area")?;
    }
    Ok((areas, departments, queues))
}

/// Service items: their department, queue and hours.
fn items<'a>(
    cfg: &'a HallConfig,
    departments: &Ids<'a>,
    queues: &Ids<'a>,
) -> Result<(), ConfigError> {
    unique_ids("items", cfg.items.iter().map(|i| i.id.as_str()))?;
    for (i, item) in cfg.items.iter().enumerate() {
        check_ref(
            &format!("items[{i}].department"),
            &item.department,
            departments,
            "department",
        )?;
        check_ref(&format!("items[{i}].queue"), &item.queue, queues, "queue")?;
        for (h, range) in item.hours.iter().enumerate() {
            if ServiceHours::parse(std::slice::from_ref(range)).is_err() {
                return Err(invalid(
                    format!("items[{i}].hours[{h}]"),
                    format!("expected HH:MM-HH:MM, got {range:?}"),
                ));
            }
        }
    }
    Ok(())
}

/// Windows: numbers, areas, queues, terminals; every queue served somewhere.
fn windows<'a>(
    cfg: &'a HallConfig,
    areas: &Ids<'a>,
    queues: &Ids<'a>,
) -> Result<Ids<'a>, ConfigError> {
    let devices = unique_ids("devices", cfg.devices.iter().map(|d| d.id.as_str()))?;
    let windows = unique_ids("windows", cfg.windows.iter().map(|w| w.id.as_str()))?;
    let mut numbers = HashSet::new();
    let mut terminals = HashSet::new();
    for (i, w) in cfg.windows.iter().enumerate() {
        if w.number == 0 {
            return Err(invalid(
                format!("windows[{i}].number"),
                "window numbers start at 1",
            ));
        }
        if !numbers.insert(w.number) {
            return Err(invalid(
                format!("windows[{i}].number"),
                format!("window number {} is used twice", w.number),
            ));
        }
        check_ref(&format!("windows[{i}].area"), &w.area, areas, "area")?;
        if w.queues.is_empty() {
            return Err(invalid(
                format!("windows[{i}].queues"),
                "a window serves at least one queue",
            ));
        }
        for (j, wq) in w.queues.iter().enumerate() {
            check_ref(
                &format!("windows[{i}].queues[{j}].queue"),
                &wq.queue,
                queues,
                "queue",
            )?;
        }
        if let Some(t) = &w.terminal {
            check_ref(&format!("windows[{i}].terminal"), t, &devices, "device")?;
            if cfg.device(t).map(|d| d.kind) != Some(DeviceKind::Terminal) {
                return Err(invalid(
                    format!("windows[{i}].terminal"),
                    format!("device {t:?} is not of kind \"terminal\""),
                ));
            }
            if !terminals.insert(t.as_str()) {
                return Err(invalid(
                    format!("windows[{i}].terminal"),
                    format!("terminal {t:?} already belongs to another window"),
                ));
            }
        }
    }
    for (i, q) in cfg.queues.iter().enumerate() {
        if cfg.windows_serving(&q.id).next().is_none() {
            return Err(invalid(
                format!("queues[{i}]"),
                format!(
                    "no window serves queue {:?}; its tickets would never be called",
                    q.id
                ),
            ));
        }
    }
    // An evaluator (评价器) names its window; no other device kind does.
    for (i, d) in cfg.devices.iter().enumerate() {
        match (&d.window, d.kind) {
            (Some(w), DeviceKind::Evaluator) => {
                check_ref(&format!("devices[{i}].window"), w, &windows, "window")?
            }
            (Some(_), _) => {
                return Err(invalid(
                    format!("devices[{i}].window"),
                    "only an evaluator device names a window",
                ))
            }
            (None, _) => {}
        }
    }
    Ok(windows)
}

/// Staff windows and screen scopes.
fn staff_and_screens<'a>(
    cfg: &'a HallConfig,
    areas: &Ids<'a>,
    windows: &Ids<'a>,
) -> Result<(), ConfigError> {
    unique_ids("staff", cfg.staff.iter().map(|s| s.id.as_str()))?;
    for (i, s) in cfg.staff.iter().enumerate() {
        for (j, w) in s.windows.iter().enumerate() {
            check_ref(&format!("staff[{i}].windows[{j}]"), w, windows, "window")?;
        }
    }
    unique_ids("screens", cfg.screens.iter().map(|s| s.id.as_str()))?;
    for (i, s) in cfg.screens.iter().enumerate() {
        for (j, a) in s.areas.iter().enumerate() {
            check_ref(&format!("screens[{i}].areas[{j}]"), a, areas, "area")?;
        }
        for (j, w) in s.windows.iter().enumerate() {
            check_ref(&format!("screens[{i}].windows[{j}]"), w, windows, "window")?;
        }
        if s.kind == ScreenKind::Hall && !s.windows.is_empty() {
            return Err(invalid(
                format!("screens[{i}].windows"),
                "a hall screen is scoped by areas, not windows",
            ));
        }
        if s.kind == ScreenKind::Window && !s.areas.is_empty() {
            return Err(invalid(
                format!("screens[{i}].areas"),
                "a window screen is scoped by windows, not areas",
            ));
        }
        if s.kind == ScreenKind::Window && !(1..=2).contains(&s.windows.len()) {
            return Err(invalid(
                format!("screens[{i}].windows"),
                "a window screen shows one or two windows",
            ));
        }
    }
    Ok(())
}

/// Kiosks and their printers (one each at most, address, paper).
fn kiosks_and_printers<'a>(cfg: &'a HallConfig, areas: &Ids<'a>) -> Result<Ids<'a>, ConfigError> {
    for (i, k) in cfg.kiosks.iter().enumerate() {
        check_ref(&format!("kiosks[{i}].area"), &k.area, areas, "area")?;
    }
    let kiosks = unique_ids("kiosks", cfg.kiosks.iter().map(|k| k.id.as_str()))?;
    unique_ids("printers", cfg.printers.iter().map(|p| p.id.as_str()))?;
    let mut printed_kiosks = HashSet::new();
    for (i, p) in cfg.printers.iter().enumerate() {
        check_ref(&format!("printers[{i}].kiosk"), &p.kiosk, &kiosks, "kiosk")?;
        if !printed_kiosks.insert(p.kiosk.as_str()) {
            return Err(invalid(
                format!("printers[{i}].kiosk"),
                format!("kiosk {:?} already has a printer", p.kiosk),
            ));
        }
        match p.link_address() {
            Err(e) => return Err(invalid(format!("printers[{i}].address"), e)),
            Ok(PrinterAddress::Tcp(_)) if p.baud.is_some() => {
                return Err(invalid(
                    format!("printers[{i}].baud"),
                    "only for a serial: address",
                ))
            }
            Ok(PrinterAddress::Serial { baud, .. }) if !(1_200..=921_600).contains(&baud) => {
                return Err(invalid(
                    format!("printers[{i}].baud"),
                    "1200 to 921600 (usually 9600)",
                ))
            }
            Ok(_) => {}
        }
        if p.paper_width != 80 && p.paper_width != 58 {
            return Err(invalid(
                format!("printers[{i}].paper_width"),
                "80 or 58 (mm)",
            ));
        }
    }
    Ok(kiosks)
}

/// ID-card readers: a kiosk's (with the item it takes tickets for) or a window's.
fn card_readers<'a>(
    cfg: &'a HallConfig,
    kiosks: &Ids<'a>,
    windows: &Ids<'a>,
) -> Result<(), ConfigError> {
    unique_ids(
        "card_readers",
        cfg.card_readers.iter().map(|r| r.id.as_str()),
    )?;
    for (i, r) in cfg.card_readers.iter().enumerate() {
        check_id(&format!("card_readers[{i}].id"), &r.id)?;
        if r.path.is_empty() || r.path.chars().any(char::is_control) {
            return Err(invalid(
                format!("card_readers[{i}].path"),
                "expected a serial device path such as \"/dev/ttyUSB0\"",
            ));
        }
        if !(1_200..=921_600).contains(&r.baud) {
            return Err(invalid(
                format!("card_readers[{i}].baud"),
                "1200 to 921600 (usually 115200)",
            ));
        }
        match (&r.kiosk, &r.window) {
            (Some(k), None) => {
                check_ref(&format!("card_readers[{i}].kiosk"), k, kiosks, "kiosk")?;
                let item = r.item.as_deref().ok_or_else(|| {
                    invalid(
                        format!("card_readers[{i}].item"),
                        "a kiosk's reader needs the item a card read takes a ticket for",
                    )
                })?;
                if cfg.item(item).is_none() {
                    return Err(invalid(
                        format!("card_readers[{i}].item"),
                        format!("unknown item {item:?}"),
                    ));
                }
            }
            (None, Some(w)) => {
                check_ref(&format!("card_readers[{i}].window"), w, windows, "window")?;
                if r.item.is_some() {
                    return Err(invalid(
                        format!("card_readers[{i}].item"),
                        "only a kiosk's reader takes tickets",
                    ));
                }
            }
            _ => {
                return Err(invalid(
                    format!("card_readers[{i}].kiosk"),
                    "set exactly one of kiosk and window",
                ))
            }
        }
    }
    Ok(())
}

/// What a printed ticket says: one printable line each, a status URL.
fn ticket_text(cfg: &HallConfig) -> Result<(), ConfigError> {
    let printable = |field: String, text: &str| {
        if text.chars().any(char::is_control) || text.len() > 200 {
            Err(invalid(
                field,
                "one printed line: no control characters, at most 200 bytes",
            ))
        } else {
            Ok(())
        }
    };
    if let Some(name) = &cfg.ticket.hall_name {
        printable("ticket.hall_name".into(), name)?;
    }
    for (i, n) in cfg.ticket.notices.iter().enumerate() {
        printable(format!("ticket.notices[{i}]"), n)?;
    }
    if let Some(url) = &cfg.ticket.status_base_url {
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.ends_with('/')
            || url.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(invalid(
                "ticket.status_base_url",
                "expected http:// or https:// and a host, without a trailing /",
            ));
        }
    }
    Ok(())
}

/// Supervisors, and the silent-calling areas and windows.
fn people_and_calling<'a>(
    cfg: &'a HallConfig,
    areas: &Ids<'a>,
    windows: &Ids<'a>,
) -> Result<(), ConfigError> {
    let mut users = HashSet::new();
    for (i, s) in cfg.supervisors.iter().enumerate() {
        check_id(&format!("supervisors[{i}].user"), &s.user)?;
        if !users.insert(s.user.as_str()) {
            return Err(invalid(
                format!("supervisors[{i}].user"),
                format!("{:?} is used twice", s.user),
            ));
        }
    }
    for (i, a) in cfg.calling.silent_areas.iter().enumerate() {
        check_ref(&format!("calling.silent_areas[{i}]"), a, areas, "area")?;
    }
    for (i, w) in cfg.calling.silent_windows.iter().enumerate() {
        check_ref(
            &format!("calling.silent_windows[{i}]"),
            w,
            windows,
            "window",
        )?;
    }
    Ok(())
}

/// The notice webhook, appointment slots and the service-time estimate.
fn notify_and_timing(cfg: &HallConfig) -> Result<(), ConfigError> {
    if let Some(url) = &cfg.notify.webhook {
        if !url.starts_with("http://") {
            return Err(invalid(
                "notify.webhook",
                "expected an http:// URL (this build sends no TLS)",
            ));
        }
    }
    let slot = cfg.appointments.slot_minutes;
    if !(5..=240).contains(&slot) || 1440 % slot != 0 {
        return Err(invalid(
            "appointments.slot_minutes",
            "5 to 240 minutes, dividing a day evenly",
        ));
    }
    if cfg.limits.per_source_per_minute > 0 && cfg.limits.per_source_burst == 0 {
        return Err(invalid(
            "limits.per_source_burst",
            "at least 1 while limits.per_source_per_minute is set",
        ));
    }
    if cfg.estimate.default_service_s == 0 {
        return Err(invalid("estimate.default_service_s", "must be above zero"));
    }
    Ok(())
}

pub(crate) fn check_id(field: &str, id: &str) -> Result<(), ConfigError> {
    let ok = !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{id:?} is not a valid id (1-32 of A-Z a-z 0-9 - _)"),
        ))
    }
}

pub(super) fn unique_ids<'a>(
    list: &str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashSet<&'a str>, ConfigError> {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        check_id(&format!("{list}[{i}].id"), id)?;
        if !seen.insert(id) {
            return Err(invalid(
                format!("{list}[{i}].id"),
                format!("{id:?} is used twice"),
            ));
        }
    }
    Ok(seen)
}

fn check_ref(field: &str, id: &str, known: &HashSet<&str>, what: &str) -> Result<(), ConfigError> {
    if known.contains(id) {
        Ok(())
    } else {
        Err(invalid(field, format!("unknown {what} {id:?}")))
    }
}

/// `[calendar]`: a `holidays_dir`, if given, is a usable path (its files
/// are read and checked by the binary, which names a bad one).
fn calendar(cfg: &HallConfig) -> Result<(), ConfigError> {
    if let Some(dir) = &cfg.calendar.holidays_dir {
        if dir.trim().is_empty() || dir.chars().any(char::is_control) {
            return Err(invalid(
                "calendar.holidays_dir",
                "expected a directory path such as \"/etc/tingwu/holidays\"",
            ));
        }
    }
    Ok(())
}
