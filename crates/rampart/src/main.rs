//! The `rampart` command: a thin layer over the engines, the scan driver and the reports.

#![forbid(unsafe_code)]

mod api_cmd;
mod attest_cmd;
mod cli;
mod db_cmd;
mod db_fetch;
mod deploy_cmd;
mod engines;
mod fix_cmd;
mod progress;
mod rules_cmd;
mod sbom_cmd;
mod scan_cmd;
mod server_cmd;
mod threat_cmd;
mod upload;

use clap::{CommandFactory, FromArgMatches};
use cli::{Cli, Command};
use std::path::PathBuf;
use std::process::ExitCode;

/// `--format` values with their positions on the command line.
type Positioned<T> = Vec<(usize, T)>;

/// Positions and values of `--format` and `--output` in a scan's arguments.
fn output_args(m: &clap::ArgMatches) -> (Positioned<String>, Positioned<PathBuf>) {
    let formats = match (m.indices_of("format"), m.get_many::<String>("format")) {
        (Some(i), Some(v)) => i.zip(v.cloned()).collect(),
        _ => Vec::new(),
    };
    let outputs = match (m.indices_of("output"), m.get_many::<PathBuf>("output")) {
        (Some(i), Some(v)) => i.zip(v.cloned()).collect(),
        _ => Vec::new(),
    };
    (formats, outputs)
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let result = match &cli.command {
        Command::Scan { args, .. } => {
            let sub = matches.subcommand_matches("scan").expect("scan matched");
            let (f, o) = output_args(sub);
            scan_cmd::pair_outputs(&f, &o).and_then(|outputs| scan_cmd::run(args, outputs))
        }
        Command::Baseline { output, scan } => scan_cmd::baseline(scan, output),
        Command::Fix(args) => fix_cmd::run(args),
        Command::Db { cmd } => db_cmd::run(cmd.clone()),
        Command::Sbom(args) => sbom_cmd::run(args.clone()),
        Command::Server(args) => server_cmd::serve(args),
        Command::Worker(args) => server_cmd::work(args),
        Command::Deploy { cmd } => deploy_cmd::run(cmd),
        Command::Keygen(args) => attest_cmd::keygen(args),
        Command::Attest(args) => attest_cmd::attest(args),
        Command::Verify(args) => attest_cmd::verify(args),
        Command::Api { cmd } => api_cmd::run(cmd),
        Command::Lsp { .. } => rampart_lsp::serve_stdio().map(|()| 0),
        Command::Threat(args) => threat_cmd::run(args),
        Command::Init { path, force } => rules_cmd::init(path, *force),
        Command::Rules {
            engine,
            json,
            project,
            config,
        } => rules_cmd::list(engine.as_deref(), *json, project, config.as_deref()),
        Command::Explain {
            rule,
            project,
            config,
        } => rules_cmd::explain(rule, project, config.as_deref()),
    };
    // The part of a database update left to run while the scan ran.
    db_fetch::finish();
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
