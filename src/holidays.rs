//! The operator's holiday files (`[calendar] holidays_dir`, or `--holidays
//! DIR`) read from disk, and the `tingwu calendar` commands.
//!
//! Every `*.json` in the directory is one year's notice
//! (`tingwu_core::calendar::YearNotice`, named `{year}.json`); it adds its
//! year to the compiled-in 2024–2026 or replaces one of them. The rules that
//! check the files are `CalendarConfig::apply_files` in the rules crate;
//! this module only reads them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use tingwu_actors::config::HallConfig;
use tingwu_actors::core::calendar::Calendar;

/// The largest holiday file read (a notice is well under 4 KiB).
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Which directory applies: `--holidays` wins over the hall file's
/// `holidays_dir`, which is read relative to the hall file's directory.
pub fn holidays_dir(
    cfg: &HallConfig,
    config_path: Option<&Path>,
    flag: Option<&Path>,
) -> Option<PathBuf> {
    if let Some(dir) = flag {
        return Some(dir.to_path_buf());
    }
    let dir = PathBuf::from(cfg.calendar.holidays_dir.as_ref()?);
    if dir.is_relative() {
        if let Some(base) = config_path.and_then(Path::parent) {
            return Some(base.join(dir));
        }
    }
    Some(dir)
}

/// Reads every `*.json` of `dir` as `(file name, text)`, in name order.
/// Errors: the directory or a file cannot be read, a file is too large or
/// not UTF-8 — each naming the path.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "holidays directory {}: cannot read it (节假日目录无法读取): {e}",
            dir.display()
        )
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("holidays directory {}: {e}", dir.display()))?;
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".json") || !path.is_file() {
            continue;
        }
        let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
        if len > MAX_FILE_BYTES {
            return Err(format!(
                "holiday file {name}: {len} bytes, larger than {MAX_FILE_BYTES} (文件过大)"
            ));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("holiday file {name}: cannot read {}: {e}", path.display()))?;
        files.push((name.to_string(), text));
    }
    files.sort();
    Ok(files)
}

/// Applies the operator's files to `cfg`'s calendar. Errors: the file's
/// name and the problem.
pub fn apply(
    cfg: &mut HallConfig,
    config_path: Option<&Path>,
    flag: Option<&Path>,
) -> Result<(), String> {
    let Some(dir) = holidays_dir(cfg, config_path, flag) else {
        return Ok(());
    };
    let files = read_dir(&dir)?;
    cfg.calendar
        .apply_files(&files)
        .map_err(|e| format!("{e} (in {})", dir.display()))?;
    tracing::info!(dir = %dir.display(), files = files.len(), "operator holiday files applied");
    Ok(())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// `tingwu calendar list YEAR`: every date of the year as
/// `YYYY-MM-DD workday|offday`, one a line, nothing else on stdout.
/// `calendar`: the hall's (with the operator's files), or why there is none.
pub fn list(year: i32, calendar: Result<Calendar, String>) -> ExitCode {
    let days = match calendar.and_then(|c| c.list_year(year).map_err(|e| e.to_string())) {
        Ok(days) => days,
        Err(e) => return fail(&e),
    };
    let mut out = String::with_capacity(days.len() * 20);
    for (date, kind) in days {
        let word = if kind.is_workday() {
            "workday"
        } else {
            "offday"
        };
        out.push_str(&format!("{} {word}\n", date.format("%Y-%m-%d")));
    }
    print!("{out}");
    ExitCode::SUCCESS
}

/// `tingwu calendar add-workdays DATE N`: the N-th working day after DATE
/// (the date itself never counts), as `YYYY-MM-DD`.
pub fn add_workdays(date: &str, n: u32, calendar: Result<Calendar, String>) -> ExitCode {
    let Ok(start) = NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
        return fail(&format!(
            "DATE must be YYYY-MM-DD, got {date:?} (日期格式应为 YYYY-MM-DD)"
        ));
    };
    match calendar.and_then(|c| c.add_working_days(start, n).map_err(|e| e.to_string())) {
        Ok(end) => {
            println!("{}", end.format("%Y-%m-%d"));
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_and_relative_dirs_follow_the_hall_file() {
        let mut cfg = HallConfig::demo().unwrap();
        assert_eq!(holidays_dir(&cfg, None, None), None);
        cfg.calendar.holidays_dir = Some("holidays".into());
        assert_eq!(
            holidays_dir(&cfg, Some(Path::new("/etc/tingwu/hall.toml")), None),
            Some(PathBuf::from("/etc/tingwu/holidays"))
        );
        assert_eq!(
            holidays_dir(
                &cfg,
                Some(Path::new("/etc/tingwu/hall.toml")),
                Some(Path::new("/srv/h"))
            ),
            Some(PathBuf::from("/srv/h"))
        );
    }

    #[test]
    fn files_are_read_by_name_and_others_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("2027.json"), "{}").unwrap();
        std::fs::write(dir.path().join("README.txt"), "notes").unwrap();
        let files = read_dir(dir.path()).unwrap();
        assert_eq!(files, vec![("2027.json".to_string(), "{}".to_string())]);
        let e = read_dir(&dir.path().join("missing")).unwrap_err();
        assert!(e.contains("missing"), "{e}");
    }
}
