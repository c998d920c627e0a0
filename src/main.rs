//! `tingwu`: the real-time operations server of a government service hall.

mod app;
mod audit;
mod backoff;
mod cli;
mod demo;
mod devices;
mod documents;
mod holidays;
mod http;
mod mqtt;
mod notify;
mod serve;
mod simulate;
mod storage;
mod telemetry;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Serve(args) => serve::run(args),
        cli::Command::CheckConfig { file, holidays } => {
            cli::check_config(&file, holidays.as_deref())
        }
        cli::Command::Calendar(cli::CalendarCommand::List { year, source }) => {
            holidays::list(year, source.calendar())
        }
        cli::Command::Calendar(cli::CalendarCommand::AddWorkdays { date, n, source }) => {
            holidays::add_workdays(&date, n, source.calendar())
        }
        cli::Command::Audit(cli::AuditCommand::Verify { data }) => audit::verify_command(&data),
        cli::Command::HashPassword => cli::hash_password(),
        cli::Command::DemoConfig { hall } => demo::print_config(hall),
        cli::Command::Simulate {
            config,
            scenario,
            seed,
        } => simulate::run(config, scenario, seed),
    }
}
