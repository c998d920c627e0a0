//! The command line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tingwu_actors::config::HallConfig;

#[derive(Parser)]
#[command(
    name = "tingwu",
    version,
    about = "厅务 Tingwu: real-time server of a government service hall"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the hall: HTTP + WebSocket, MQTT, storage.
    Serve(ServeArgs),
    /// Validate a hall configuration file and name the first bad field.
    CheckConfig {
        /// The TOML file to check.
        file: PathBuf,
        /// Operator holiday files (`{year}.json`); overrides `[calendar] holidays_dir`.
        #[arg(long, value_name = "DIR")]
        holidays: Option<PathBuf>,
    },
    /// The working-day calendar (工作日历): list a year, count working days.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The tamper-evident audit log (审计日志): check its hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Read a password from standard input (one line) and print its argon2id
    /// PHC string, for a supervisor's `password` in the hall config.
    HashPassword,
    /// Print a demo hall's configuration (TOML), e.g. the 100-window hall of
    /// `serve --demo --demo-hall large`.
    DemoConfig {
        #[arg(long, value_enum, default_value_t = DemoHall::Standard)]
        hall: DemoHall,
    },
    /// Simulate a day in the hall to compare calling strategies and staffing
    /// (docs/simulate.md).
    Simulate {
        /// Hall configuration (TOML); default: the built-in demo hall.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The scenario (TOML), e.g. config/scenarios/peak.toml.
        #[arg(long)]
        scenario: PathBuf,
        /// Random seed: the same seed gives the same day and the same report.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// `tingwu audit …` (docs/audit-chain.md).
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit chain and name its first broken link: prints
    /// `ok: N entries, last hash …` (exit 0) or `broken: entry seq S …`
    /// (exit 1); exit 2 when the database cannot be opened (stop the server
    /// first: the database admits one process).
    Verify {
        /// Data directory of the hall (as given to `serve --data`).
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
}

/// `tingwu calendar …`: the compiled-in notices plus the operator's files.
#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Print every date of YEAR as `YYYY-MM-DD workday|offday`.
    List {
        year: i32,
        #[command(flatten)]
        source: CalendarSource,
    },
    /// Print the N-th working day after DATE (`YYYY-MM-DD`; DATE itself never counts).
    AddWorkdays {
        date: String,
        n: u32,
        #[command(flatten)]
        source: CalendarSource,
    },
}

/// Where the calendar commands take their calendar from.
#[derive(Args, Debug)]
pub struct CalendarSource {
    /// Hall configuration whose `[calendar] holidays_dir` applies; default: the demo hall.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Operator holiday files (`{year}.json`); overrides `[calendar] holidays_dir`.
    #[arg(long, value_name = "DIR")]
    pub holidays: Option<PathBuf>,
}

impl CalendarSource {
    /// The hall's calendar (the demo hall's without `--config`) with the
    /// operator's files, or why it could not be built.
    pub fn calendar(&self) -> Result<tingwu_actors::core::calendar::Calendar, String> {
        let cfg = load_config_with(self.config.as_deref(), self.holidays.as_deref())?;
        Ok(cfg.calendar.days)
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Hall configuration (TOML); default: the demo hall built in from config/hall.toml.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Data directory (database and keys); default ./data, or ./data-demo with --demo.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// HTTP + WebSocket listen address (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub http: SocketAddr,
    /// Listen address of the embedded MQTT broker for devices (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:1883")]
    pub mqtt: SocketAddr,
    /// Use an external broker instead of the embedded one,
    /// e.g. mqtt://tingwu:secret@127.0.0.1:1883 (it must enforce the device ACLs).
    #[arg(long)]
    pub mqtt_broker: Option<String>,
    /// Operator holiday files (`{year}.json`, each adding or replacing its
    /// year); overrides `[calendar] holidays_dir`.
    #[arg(long, value_name = "DIR")]
    pub holidays: Option<PathBuf>,
    /// Demo mode: simulated citizens, staff and kiosks act on the hall
    /// through its own HTTP and MQTT ports (the demo hall unless --config).
    #[arg(long)]
    pub demo: bool,
    /// Simulated minutes per real minute in demo mode.
    #[arg(long, default_value_t = 10, requires = "demo",
          value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub demo_speed: u32,
    /// Which demo hall runs without --config: `standard` (24 windows) or
    /// `large` (100 windows, 30 queues).
    #[arg(long, value_enum, default_value_t = DemoHall::Standard,
          requires = "demo", conflicts_with = "config")]
    pub demo_hall: DemoHall,
    /// Random seed of the demo's arrivals.
    #[arg(long, default_value_t = 1, requires = "demo")]
    pub demo_seed: u64,
}

impl ServeArgs {
    /// The data directory: `--data`, else `./data-demo` in demo mode and
    /// `./data` otherwise.
    pub fn data_dir(&self) -> PathBuf {
        data_dir(self.data.clone(), self.demo)
    }
}

/// Which demo hall `serve --demo` runs when no `--config` is given
/// (built in `src/demo/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DemoHall {
    /// The demo hall compiled in from `config/hall.toml` (24 windows).
    #[default]
    Standard,
    /// 100 windows and 30 queues, generated from the demo hall.
    Large,
}

/// Where `--demo` keeps its data unless `--data` is given, so a real hall's
/// `./data` is never touched.
pub const DEMO_DATA_DIR: &str = "./data-demo";

/// The data directory: `data` (`--data`), else [`DEMO_DATA_DIR`] for a
/// demo and `./data` otherwise.
pub fn data_dir(data: Option<PathBuf>, demo: bool) -> PathBuf {
    data.unwrap_or_else(|| PathBuf::from(if demo { DEMO_DATA_DIR } else { "./data" }))
}

/// Reads and validates a hall configuration file, with the operator
/// holiday files of its `[calendar] holidays_dir`.
pub fn load_config(path: Option<&Path>) -> Result<HallConfig, String> {
    load_config_with(path, None)
}

/// [`load_config`], the holiday files of `holidays` (`--holidays DIR`)
/// replacing the hall file's `holidays_dir`. A bad holiday file is an
/// error naming the file and the problem.
pub fn load_config_with(
    path: Option<&Path>,
    holidays: Option<&Path>,
) -> Result<HallConfig, String> {
    let mut cfg = read_config(path)?;
    crate::holidays::apply(&mut cfg, path, holidays)?;
    Ok(cfg)
}

fn read_config(path: Option<&Path>) -> Result<HallConfig, String> {
    match path {
        None => HallConfig::demo().map_err(|e| format!("built-in demo hall: {e}")),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            HallConfig::from_toml(&text).map_err(|e| e.to_string())
        }
    }
}

pub fn check_config(file: &Path, holidays: Option<&Path>) -> ExitCode {
    match load_config_with(Some(file), holidays) {
        Ok(cfg) => {
            let today = tingwu_actors::core::calendar::local_date(chrono::Utc::now(), cfg.tz());
            match cfg.calendar.check_years(today) {
                Ok(warnings) => {
                    for w in warnings {
                        eprintln!("warning: {w}");
                    }
                }
                Err(e) => {
                    eprintln!("error: calendar: {e}");
                    return ExitCode::FAILURE;
                }
            }
            let years: Vec<String> = cfg.calendar.days.years().map(|y| y.to_string()).collect();
            println!(
                "ok: hall {:?} ({}): {} areas, {} queues, {} items, {} windows, {} screens; \
                 holiday calendar {}",
                cfg.hall.id,
                cfg.hall.name,
                cfg.areas.len(),
                cfg.queues.len(),
                cfg.items.len(),
                cfg.windows.len(),
                cfg.screens.len(),
                years.join(", ")
            );
            // Ticket text a printer cannot print (issue 8, item 4): a
            // warning, the ticket prints with a stand-in.
            for u in tingwu_actors::core::printing::unprintable_ticket_text(&cfg) {
                let (c, code, name) = (u.character, u32::from(u.character), u.charset.name());
                eprintln!(
                    "warning: 打印机 {p}（字符集 {name}）打印不了 {f} 中的 '{c}' (U+{code:04X})，改印 '{to}' / printer {p} (charset {name}) cannot print '{c}' (U+{code:04X}) in {f}; it prints '{to}'",
                    p = u.printer,
                    f = u.field,
                    to = u.printed_as,
                );
            }
            // The acceptance notice's PDF font (issue 10): without it the
            // PDF answers 503; the page still works.
            if let Err(e) = crate::documents::load_font(&cfg.documents) {
                eprintln!("warning: {e}");
            }
            for k in tingwu_actors::core::ticket_source::kiosks_without_credentials(&cfg) {
                eprintln!(
                    "warning: 取号机 {k} 没有设备凭据（[[devices]] kind = \"kiosk\"），不能通过 HTTP 取号 / kiosk {k} has no [[devices]] entry of kind \"kiosk\": it cannot authenticate, so it cannot take tickets over HTTP"
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `tingwu hash-password`: reads one line from standard input (the
/// password, without its line end) and prints its argon2id PHC string.
/// Refuses an empty password.
pub fn hash_password() -> ExitCode {
    let mut line = String::new();
    if let Err(e) = std::io::stdin().read_line(&mut line) {
        eprintln!("error: could not read the password from standard input: {e}");
        return ExitCode::FAILURE;
    }
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        eprintln!("error: the password is empty (密码不能为空)");
        return ExitCode::FAILURE;
    }
    match crate::app::passwords::hash(password) {
        Ok(phc) => {
            println!("{phc}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
