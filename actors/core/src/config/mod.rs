//! The hall's configuration: what exists in the hall and who may do what.
//!
//! Parsed from TOML (`config/hall.toml` is compiled into the binary as the
//! demo hall). Every struct denies unknown fields so that a typo is an error,
//! and [`HallConfig::validate`] (`validate.rs`) checks cross references,
//! naming the bad field by its path (`windows[3].queues[0].queue`).

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

mod bus;
mod calendar;
pub mod cases;
pub mod documents;
pub mod supervision;
mod validate;

pub use bus::{BusConfig, BusDeviceConfig, BusDeviceKind};
pub use calendar::{CalendarConfig, HolidayFileError, OpenOn, YearWarning};
pub(crate) use validate::check_id;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Parse(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallConfig {
    pub hall: HallInfo,
    #[serde(default)]
    pub areas: Vec<Area>,
    #[serde(default)]
    pub departments: Vec<Department>,
    pub queues: Vec<QueueConfig>,
    pub items: Vec<ItemConfig>,
    pub windows: Vec<WindowConfig>,
    #[serde(default)]
    pub staff: Vec<StaffConfig>,
    #[serde(default)]
    pub devices: Vec<DeviceConfig>,
    #[serde(default)]
    pub screens: Vec<ScreenConfig>,
    #[serde(default)]
    pub kiosks: Vec<KioskConfig>,
    #[serde(default)]
    pub supervisors: Vec<SupervisorConfig>,
    #[serde(default)]
    pub estimate: EstimateConfig,
    #[serde(default)]
    pub priority: PriorityConfig,
    #[serde(default)]
    pub calling: CallingConfig,
    #[serde(default)]
    pub notify: NotifyConfig,
    #[serde(default)]
    pub appointments: AppointmentConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Ticket printers (取号机打印机), one per kiosk at most.
    #[serde(default)]
    pub printers: Vec<PrinterConfig>,
    /// What a printed ticket says besides the ticket itself.
    #[serde(default)]
    pub ticket: TicketConfig,
    /// RS-485 lines (Modbus RTU); their rules are in `bus.rs`.
    #[serde(default)]
    pub buses: Vec<BusConfig>,
    /// Strips, terminals and evaluators on those lines.
    #[serde(default)]
    pub bus_devices: Vec<BusDeviceConfig>,
    /// Second-generation ID-card readers (身份证阅读器, GA/T 467) at kiosks
    /// and windows.
    #[serde(default)]
    pub card_readers: Vec<CardReaderConfig>,
    /// The working-day calendar: operator holiday files and which days the
    /// hall serves (`calendar.rs`).
    #[serde(default)]
    pub calendar: CalendarConfig,
    /// Alarm thresholds, attendance shifts, escalation and 好差评 limits
    /// (`supervision.rs`); defaults when absent.
    #[serde(default)]
    pub supervision: supervision::SupervisionConfig,
    /// Printed documents: the PDF font (`documents.rs`); Debian's Noto
    /// Sans CJK SC when absent.
    #[serde(default)]
    pub documents: documents::DocumentsConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallInfo {
    /// Short id used in MQTT topics (`tingwu/v1/{id}/…`) and storage.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// IANA time zone of the hall; the hall's day and service hours are in it.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Local time at which ticket numbers start again from 001.
    #[serde(default = "default_day_start")]
    pub day_start: String,
}

fn default_timezone() -> String {
    "Asia/Shanghai".into()
}
fn default_day_start() -> String {
    "00:00".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    pub id: String,
    /// Letters in front of the number: `A` gives `A001`.
    pub prefix: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub area: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemConfig {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub department: String,
    pub queue: String,
    /// Promise time limit in working days; 0 is an immediate case (即办件).
    #[serde(default)]
    pub promise_days: u32,
    /// Service hours as `HH:MM-HH:MM` ranges in the hall's time zone.
    #[serde(default = "all_day")]
    pub hours: Vec<String>,
    /// Materials to bring, printed on the ticket.
    #[serde(default)]
    pub materials: Vec<String>,
    /// Appointments (预约) per slot; 0 or absent: the item takes no bookings.
    #[serde(default)]
    pub appointment_capacity: u32,
    /// How its cases (办件) are handled (`[items.case]`, `cases.rs`); none:
    /// the item takes no cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<cases::CaseSettings>,
    /// The kiosk page's group within the department (事项分类, e.g. 企业开办);
    /// optional: items without one are listed under their department.
    #[serde(default)]
    pub category: Option<String>,
    /// The category in English (optional).
    #[serde(default)]
    pub category_en: Option<String>,
}

fn all_day() -> Vec<String> {
    vec!["00:00-24:00".into()]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueRole {
    Primary,
    Secondary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowQueue {
    pub queue: String,
    #[serde(default = "primary")]
    pub role: QueueRole,
}

fn primary() -> QueueRole {
    QueueRole::Primary
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    /// Topic-safe id (`window/{id}/cmd`).
    pub id: String,
    /// The number called out and shown: "请 A001 号到 5 号窗口".
    pub number: u32,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub area: String,
    pub queues: Vec<WindowQueue>,
    /// Device id of this window's call terminal (its MQTT username).
    #[serde(default)]
    pub terminal: Option<String>,
    /// Shown on the window screen while the window is paused.
    #[serde(default = "default_pause_message")]
    pub pause_message: String,
}

fn default_pause_message() -> String {
    "暂停服务，请稍候 / Service paused, please wait".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffConfig {
    pub id: String,
    pub name: String,
    /// Demo only: real halls keep PINs out of the config file.
    pub pin: String,
    /// Windows this person may log in at; empty means any.
    #[serde(default)]
    pub windows: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Terminal,
    Kiosk,
    Screen,
    Evaluator,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    /// MQTT username and client id.
    pub id: String,
    pub kind: DeviceKind,
    /// Demo only: MQTT password of the device.
    pub password: String,
    /// An evaluator's (评价器) window: it rates only that window's services
    /// and may publish only on that window's evaluation topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenKind {
    Hall,
    Window,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenConfig {
    pub id: String,
    pub kind: ScreenKind,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// Hall screens: the areas shown; empty means the whole hall.
    #[serde(default)]
    pub areas: Vec<String>,
    /// Window screens: the windows shown (two for 一屏双号).
    #[serde(default)]
    pub windows: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub area: String,
}

/// A thermal ticket printer speaking ESC/POS over raw TCP (port 9100) or
/// a serial line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterConfig {
    pub id: String,
    /// The kiosk whose tickets it prints.
    pub kiosk: String,
    /// `IP:port` of the printer's raw TCP port, e.g. `192.168.1.50:9100`,
    /// or `serial:` and a serial device, e.g. `serial:/dev/ttyUSB0`.
    pub address: String,
    /// Serial line speed (only with a `serial:` address); 9600 by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud: Option<u32>,
    /// Paper width in millimetres: 80 or 58.
    #[serde(default = "default_paper_width")]
    pub paper_width: u32,
    /// The character set of its Chinese font: `gb18030`, `gbk` (default),
    /// `gb2312` or `ascii`. Ticket text outside it is printed with a
    /// stand-in (`tingwu_protocols::escpos::substitute`); `check-config`
    /// warns about it (issue 8, item 4).
    #[serde(default)]
    pub charset: tingwu_protocols::escpos::Charset,
}

fn default_paper_width() -> u32 {
    80
}

/// Where a printer is reached, from [`PrinterConfig::address`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterAddress {
    Tcp(std::net::SocketAddr),
    Serial { path: String, baud: u32 },
}

impl PrinterConfig {
    /// The parsed address (validated with the config).
    pub fn link_address(&self) -> Result<PrinterAddress, String> {
        if let Some(path) = self.address.strip_prefix("serial:") {
            if path.is_empty() || path.chars().any(char::is_control) {
                return Err(format!(
                    "expected a serial device path such as \"serial:/dev/ttyUSB0\", got {:?}",
                    self.address
                ));
            }
            return Ok(PrinterAddress::Serial {
                path: path.to_string(),
                baud: self.baud.unwrap_or(9_600),
            });
        }
        self.address.parse().map(PrinterAddress::Tcp).map_err(|_| {
            format!(
                "expected IP:port such as \"127.0.0.1:9100\" or serial:/dev/ttyUSB0, got {:?}",
                self.address
            )
        })
    }
}

/// The printed ticket's own lines (the ticket's number, item, people ahead,
/// expected time, windows and materials come from the hall).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketConfig {
    /// The first line; none: the hall's name.
    #[serde(default)]
    pub hall_name: Option<String>,
    /// Lines printed at the foot of every ticket (温馨提示).
    #[serde(default)]
    pub notices: Vec<String>,
    /// Where phones reach the ticket status page, e.g.
    /// `http://hall.example.cn`; the QR code is this plus `/t/{ticket id}`.
    /// None: the server's own HTTP address.
    #[serde(default)]
    pub status_base_url: Option<String>,
}

/// A second-generation ID-card reader (GA/T 467 SAM) on a serial line,
/// at a kiosk (a read takes a ticket for `item`) or at a window (a read
/// identifies the applicant).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardReaderConfig {
    pub id: String,
    /// Serial device, e.g. `/dev/ttyUSB0`.
    pub path: String,
    #[serde(default = "default_reader_baud")]
    pub baud: u32,
    /// The kiosk it sits in (exactly one of `kiosk` and `window`).
    #[serde(default)]
    pub kiosk: Option<String>,
    /// The window it sits at.
    #[serde(default)]
    pub window: Option<String>,
    /// At a kiosk: the item a card read takes a ticket for.
    #[serde(default)]
    pub item: Option<String>,
}

fn default_reader_baud() -> u32 {
    115_200
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisorConfig {
    pub user: String,
    pub name: String,
    /// Demo only.
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstimateConfig {
    /// Service time assumed before any has been observed, in seconds.
    #[serde(default = "default_service_s")]
    pub default_service_s: u32,
}

fn default_service_s() -> u32 {
    300
}

impl Default for EstimateConfig {
    fn default() -> Self {
        Self {
            default_service_s: default_service_s(),
        }
    }
}

/// Who may take a priority ticket (DESIGN: special groups by age read from
/// the ID card or with a password; the green channel by a supervisor).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityConfig {
    /// A ticket for someone this old or older (by the ID number's birth
    /// date, on the hall's day) is a special-group ticket without asking.
    #[serde(default = "default_special_age")]
    pub special_age: u32,
    /// Kiosk staff may grant a special-group ticket with this password;
    /// None: only age or a supervisor can.
    #[serde(default)]
    pub special_password: Option<String>,
}

fn default_special_age() -> u32 {
    70
}

impl Default for PriorityConfig {
    fn default() -> Self {
        Self {
            special_age: default_special_age(),
            special_password: None,
        }
    }
}

/// How windows call (叫号).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallingConfig {
    /// Silent calling (静默叫号) for the whole hall: no voice; citizens are
    /// told on their phones and the screens.
    #[serde(default)]
    pub silent: bool,
    /// Silent calling for these areas only.
    #[serde(default)]
    pub silent_areas: Vec<String>,
    /// Silent calling for these windows only.
    #[serde(default)]
    pub silent_windows: Vec<String>,
    /// Times a ticket may be recalled (re-announced).
    #[serde(default = "default_recall_limit")]
    pub recall_limit: u32,
    /// A no-show who comes back rejoins this many places back…
    #[serde(default = "default_rejoin_places")]
    pub rejoin_places: u32,
    /// …if back within this many seconds of being skipped.
    #[serde(default = "default_rejoin_within_s")]
    pub rejoin_within_s: u32,
    /// What happens to tickets still waiting when the hall's day ends
    /// (`"close"`, the default, or `"carry_over"` for 24-hour halls); the
    /// rule is `crate::day_end`.
    #[serde(default)]
    pub day_end: crate::day_end::DayEnd,
}

fn default_recall_limit() -> u32 {
    3
}
fn default_rejoin_places() -> u32 {
    3
}
fn default_rejoin_within_s() -> u32 {
    1800
}

impl Default for CallingConfig {
    fn default() -> Self {
        Self {
            silent: false,
            silent_areas: Vec::new(),
            silent_windows: Vec::new(),
            recall_limit: default_recall_limit(),
            rejoin_places: default_rejoin_places(),
            rejoin_within_s: default_rejoin_within_s(),
            day_end: crate::day_end::DayEnd::default(),
        }
    }
}

/// Notices to citizens' phones through an SMS/WeChat gateway webhook.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// `http://host:port/path` the notices are POSTed to (JSON); none: no
    /// notices are sent.
    #[serde(default)]
    pub webhook: Option<String>,
    /// Tell the citizen when this many people are ahead.
    #[serde(default = "default_notify_ahead")]
    pub ahead: u32,
}

fn default_notify_ahead() -> u32 {
    3
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            webhook: None,
            ahead: default_notify_ahead(),
        }
    }
}

/// Appointments (预约): slots and the check-in window around them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentConfig {
    /// Length of a slot in minutes; slots run through each item's hours.
    #[serde(default = "default_slot_minutes")]
    pub slot_minutes: u32,
    /// Check-in opens this many minutes before the slot…
    #[serde(default = "default_early_minutes")]
    pub early_minutes: u32,
    /// …and closes this many minutes after its start; later arrivals become
    /// walk-ins.
    #[serde(default = "default_late_minutes")]
    pub late_minutes: u32,
    /// Days ahead that can be booked.
    #[serde(default = "default_book_days")]
    pub book_days: u32,
}

fn default_slot_minutes() -> u32 {
    30
}
fn default_early_minutes() -> u32 {
    30
}
fn default_late_minutes() -> u32 {
    15
}
fn default_book_days() -> u32 {
    7
}

impl Default for AppointmentConfig {
    fn default() -> Self {
        Self {
            slot_minutes: default_slot_minutes(),
            early_minutes: default_early_minutes(),
            late_minutes: default_late_minutes(),
            book_days: default_book_days(),
        }
    }
}

/// Limits against ticket hoarding (防黄牛).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Tickets one ID number or phone may take for one item in one day;
    /// 0: no limit.
    #[serde(default = "default_per_person")]
    pub per_person_per_item_per_day: u32,
    /// Ticket and booking requests one source (client address) may make
    /// per minute when it is neither an authenticated kiosk nor hall staff
    /// — the citizen's own channels; 0: no limit. A refusal is 429
    /// `too_many_requests` with `Retry-After`.
    #[serde(default = "default_per_source_per_minute")]
    pub per_source_per_minute: u32,
    /// How many of those requests may come at once before the per-minute
    /// rate applies (a family taking tickets together).
    #[serde(default = "default_per_source_burst")]
    pub per_source_burst: u32,
    /// Reverse proxies (Caddy, nginx, a load balancer) in front of the
    /// server, as addresses or CIDR ranges (`"10.0.0.0/8"`): for a request
    /// from one of them, the source is the first address of its
    /// `X-Forwarded-For` that is not a trusted proxy, read from the right
    /// (`forwarded::client_address`). Empty: the peer address is the source.
    #[serde(default)]
    pub trusted_proxies: Vec<crate::forwarded::ProxyRange>,
}

fn default_per_source_per_minute() -> u32 {
    20
}

fn default_per_source_burst() -> u32 {
    10
}

fn default_per_person() -> u32 {
    3
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            per_person_per_item_per_day: default_per_person(),
            per_source_per_minute: default_per_source_per_minute(),
            per_source_burst: default_per_source_burst(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// The demo hall, compiled into the binary.
pub const DEMO_HALL_TOML: &str = include_str!("../../../../config/hall.toml");

impl HallConfig {
    /// Parses and validates a hall configuration.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let cfg: HallConfig =
            toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn demo() -> Result<Self, ConfigError> {
        Self::from_toml(DEMO_HALL_TOML)
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        // validate() has checked that this parses.
        self.hall
            .timezone
            .parse()
            .unwrap_or(chrono_tz::Asia::Shanghai)
    }

    pub fn day_start(&self) -> NaiveTime {
        crate::hhmm::parse_time_of_day(&self.hall.day_start).unwrap_or(NaiveTime::MIN)
    }

    pub fn queue(&self, id: &str) -> Option<&QueueConfig> {
        self.queues.iter().find(|q| q.id == id)
    }
    pub fn item(&self, id: &str) -> Option<&ItemConfig> {
        self.items.iter().find(|i| i.id == id)
    }
    pub fn window(&self, id: &str) -> Option<&WindowConfig> {
        self.windows.iter().find(|w| w.id == id)
    }
    pub fn device(&self, id: &str) -> Option<&DeviceConfig> {
        self.devices.iter().find(|d| d.id == id)
    }
    pub fn screen(&self, id: &str) -> Option<&ScreenConfig> {
        self.screens.iter().find(|s| s.id == id)
    }
    /// The window whose terminal is this device.
    /// The window an evaluator device (`kind = "evaluator"`) belongs to.
    pub fn window_of_evaluator(&self, device: &str) -> Option<&WindowConfig> {
        let d = self
            .devices
            .iter()
            .find(|d| d.id == device && d.kind == DeviceKind::Evaluator)?;
        let w = d.window.as_deref()?;
        self.windows.iter().find(|x| x.id == w)
    }
    pub fn window_of_terminal(&self, device: &str) -> Option<&WindowConfig> {
        self.windows
            .iter()
            .find(|w| w.terminal.as_deref() == Some(device))
    }
    /// Windows that serve a queue in any role.
    pub fn windows_serving(&self, queue: &str) -> impl Iterator<Item = &WindowConfig> {
        let queue = queue.to_string();
        self.windows
            .iter()
            .filter(move |w| w.queues.iter().any(|q| q.queue == queue))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_hall_is_valid_and_realistic() {
        let cfg = HallConfig::demo().unwrap();
        assert!(cfg.windows.len() >= 20);
        assert!(cfg.queues.len() >= 10);
        assert!(cfg.items.len() >= 30);
        assert!(!cfg.kiosks.is_empty() && !cfg.screens.is_empty());
        // Every queue can be served somewhere, and some windows serve many.
        for q in &cfg.queues {
            assert!(
                cfg.windows_serving(&q.id).count() >= 1,
                "queue {} unserved",
                q.id
            );
        }
        assert!(cfg.windows.iter().any(|w| w.queues.len() >= 4));
    }

    fn broken(edit: impl Fn(&str) -> String) -> String {
        match HallConfig::from_toml(&edit(DEMO_HALL_TOML)) {
            Ok(_) => panic!("edited config was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors_name_the_bad_field() {
        let err = broken(|t| t.replacen("queue = \"A\", role", "queue = \"ZZ\", role", 1));
        assert!(
            err.contains("windows[") && err.contains("].queue") && err.contains("ZZ"),
            "{err}"
        );
        let err = broken(|t| {
            t.replacen(
                "timezone = \"Asia/Shanghai\"",
                "timezone = \"Mars/Base\"",
                1,
            )
        });
        assert!(err.starts_with("hall.timezone"), "{err}");
        let err = broken(|t| t.replacen("[hall]", "[hall]\ncolour = \"red\"", 1));
        assert!(err.contains("colour"), "{err}");
        let err = broken(|t| {
            t.replacen(
                "\nhours = [\"00:00-24:00\"]",
                "\nhours = [\"25:00-26:00\"]",
                1,
            )
        });
        assert!(err.contains("items[") && err.contains("hours[0]"), "{err}");
    }

    fn with_printer(extra: &str) -> String {
        format!("{DEMO_HALL_TOML}\n{extra}")
    }

    #[test]
    fn printers_and_the_ticket_section() {
        let ok = with_printer(
            "[[printers]]\nid = \"P1\"\nkiosk = \"K1\"\naddress = \"127.0.0.1:9100\"\n\n\
             [ticket]\nhall_name = \"某某政务服务中心\"\nnotices = [\"请保管好号票\"]\n",
        );
        let cfg = HallConfig::from_toml(&ok).unwrap();
        assert_eq!(cfg.printers[0].paper_width, 80, "80 mm by default");
        assert_eq!(cfg.ticket.notices, vec!["请保管好号票"]);
        // The demo hall has no printers and the default ticket section.
        let demo = HallConfig::demo().unwrap();
        assert!(demo.printers.is_empty() && demo.ticket.hall_name.is_none());

        let err = |extra: &str| match HallConfig::from_toml(&with_printer(extra)) {
            Ok(_) => panic!("accepted: {extra}"),
            Err(e) => e.to_string(),
        };
        let p = |fields: &str| format!("[[printers]]\nid = \"P1\"\n{fields}\n");
        let e = err(&p("kiosk = \"K9\"\naddress = \"127.0.0.1:9100\""));
        assert!(
            e.starts_with("printers[0].kiosk") && e.contains("K9"),
            "{e}"
        );
        let e = err(&p("kiosk = \"K1\"\naddress = \"printer.local\""));
        assert!(e.starts_with("printers[0].address"), "{e}");
        let e = err(&p(
            "kiosk = \"K1\"\naddress = \"127.0.0.1:9100\"\npaper_width = 76",
        ));
        assert!(e.starts_with("printers[0].paper_width"), "{e}");
        let e = err(&p(
            "kiosk = \"K1\"\naddress = \"127.0.0.1:9100\"\nbaud = 9600",
        ));
        assert!(e.starts_with("printers[0].baud"), "{e}");
        let serial = HallConfig::from_toml(&with_printer(&p(
            "kiosk = \"K1\"\naddress = \"serial:/dev/ttyUSB0\"",
        )))
        .unwrap();
        assert_eq!(
            serial.printers[0].link_address(),
            Ok(PrinterAddress::Serial {
                path: "/dev/ttyUSB0".into(),
                baud: 9600
            }),
            "9600 by default"
        );
        let e = err(&p("kiosk = \"K1\"\naddress = \"serial:\""));
        assert!(e.starts_with("printers[0].address"), "{e}");
        let e = err(&p(
            "kiosk = \"K1\"\naddress = \"serial:/dev/ttyS0\"\nbaud = 7",
        ));
        assert!(e.starts_with("printers[0].baud"), "{e}");
        let two = format!(
            "{}[[printers]]\nid = \"P2\"\nkiosk = \"K1\"\naddress = \"127.0.0.1:9101\"\n",
            p("kiosk = \"K1\"\naddress = \"127.0.0.1:9100\"")
        );
        let e = err(&two);
        assert!(e.starts_with("printers[1].kiosk"), "{e}");
        let e = err("[ticket]\nnotices = [\"ok\", \"bad\\u001b@\"]\n");
        assert!(e.starts_with("ticket.notices[1]"), "{e}");
        let e = err("[ticket]\nstatus_base_url = \"hall.example/\"\n");
        assert!(e.starts_with("ticket.status_base_url"), "{e}");
    }

    #[test]
    fn card_readers() {
        let demo = HallConfig::demo().unwrap();
        assert!(demo.card_readers.is_empty(), "the demo hall has no readers");
        let item = &demo.items[0].id;
        let window = &demo.windows[0].id;
        let r = |fields: &str| {
            with_printer(&format!(
                "[[card_readers]]\nid = \"R1\"\npath = \"/dev/ttyUSB0\"\n{fields}\n"
            ))
        };
        let cfg = HallConfig::from_toml(&r(&format!("kiosk = \"K1\"\nitem = \"{item}\""))).unwrap();
        assert_eq!(cfg.card_readers[0].baud, 115_200, "115200 by default");
        HallConfig::from_toml(&r(&format!("window = \"{window}\""))).unwrap();
        let err = |fields: &str| match HallConfig::from_toml(&r(fields)) {
            Ok(_) => panic!("accepted: {fields}"),
            Err(e) => e.to_string(),
        };
        let e = err("kiosk = \"K9\"\nitem = \"x\"");
        assert!(
            e.starts_with("card_readers[0].kiosk") && e.contains("K9"),
            "{e}"
        );
        let e = err("kiosk = \"K1\"");
        assert!(e.starts_with("card_readers[0].item"), "{e}");
        let e = err("kiosk = \"K1\"\nitem = \"nope\"");
        assert!(e.starts_with("card_readers[0].item"), "{e}");
        let e = err(&format!(
            "kiosk = \"K1\"\nwindow = \"{window}\"\nitem = \"{item}\""
        ));
        assert!(
            e.starts_with("card_readers[0].kiosk") && e.contains("exactly one"),
            "{e}"
        );
        let e = err("");
        assert!(e.contains("exactly one"), "{e}");
        let e = err(&format!("window = \"{window}\"\nitem = \"{item}\""));
        assert!(e.starts_with("card_readers[0].item"), "{e}");
        let e = err(&format!("window = \"{window}\"\nbaud = 7"));
        assert!(e.starts_with("card_readers[0].baud"), "{e}");
        let e = err("window = \"W99\"");
        assert!(e.starts_with("card_readers[0].window"), "{e}");
    }
}
