//! `tingwu audit verify [--data DIR]`: opens the hall database (the server
//! must be stopped: the database admits one process), walks the audit chain and
//! prints `ok: N entries, last hash …` (exit 0) or `broken: entry seq S …`
//! naming the first broken link (exit 1). A database that cannot be
//! opened or read exits 2.

use std::path::Path;
use std::process::ExitCode;

use crate::storage::Storage;

use super::verify::{report, verify, Verdict};

/// The exit code when the chain could not be checked at all.
const CANNOT_CHECK: u8 = 2;

/// Runs the check over the database in `data` and prints the report.
pub fn verify_command(data: &Path) -> ExitCode {
    match check(data) {
        Ok(verdict) => {
            println!("{}", report(&verdict));
            match verdict {
                Verdict::Intact { .. } => ExitCode::SUCCESS,
                Verdict::Broken { .. } => ExitCode::FAILURE,
            }
        }
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::from(CANNOT_CHECK)
        }
    }
}

/// The verdict on the chain stored in `data`, or why it could not be read.
pub(super) fn check(data: &Path) -> Result<Verdict, String> {
    let storage = Storage::open_existing(data).map_err(|e| e.to_string())?;
    verify(storage.reader().audit_chain())
        .map_err(|e| format!("审计日志读取失败 / reading the audit log failed: {e}"))
}
