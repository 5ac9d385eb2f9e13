//! `rampart scan` and `rampart baseline`.

use crate::cli::{ColorChoice, ScanArgs};
use crate::engines;
use crate::progress::Bar;
use rampart_core::baseline::Baseline;
use rampart_core::config::{self, Config};
use rampart_core::scan::{self, Mode, ScanOptions, ScanResult};
use rampart_core::{DiagnosticLevel, Engine};
use rampart_report::{Format, Report};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Where each report goes: (format, file or stdout).
pub type Outputs = Vec<(Format, Option<PathBuf>)>;

/// Pairs `--format` and `--output` by position: each output belongs to the closest format before
/// it; an output with no format before it takes its format from its extension.
pub fn pair_outputs(
    formats: &[(usize, String)],
    outputs: &[(usize, PathBuf)],
) -> Result<Outputs, String> {
    let mut pairs: Vec<(Format, Option<PathBuf>)> = Vec::new();
    let mut events: Vec<(usize, Result<Format, PathBuf>)> = Vec::new();
    for (i, f) in formats {
        events.push((*i, Ok(f.parse::<Format>().map_err(|e| e.to_string())?)));
    }
    for (i, o) in outputs {
        events.push((*i, Err(o.clone())));
    }
    events.sort_by_key(|(i, _)| *i);
    let mut open: Option<usize> = None;
    for (_, e) in events {
        match e {
            Ok(f) => {
                pairs.push((f, None));
                open = Some(pairs.len() - 1);
            }
            Err(path) => match open.take() {
                Some(i) => pairs[i].1 = Some(path),
                None => pairs.push((format_from_extension(&path)?, Some(path))),
            },
        }
    }
    if pairs.is_empty() {
        pairs.push((Format::Text, None));
    }
    Ok(pairs)
}

fn format_from_extension(path: &Path) -> Result<Format, String> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("sarif") => Ok(Format::Sarif),
        Some("json") => Ok(Format::Json),
        Some("md") | Some("markdown") => Ok(Format::Markdown),
        Some("txt") | Some("log") => Ok(Format::Text),
        _ => Err(format!(
            "cannot tell the format of --output {}: put --format text|json|sarif|markdown before it",
            path.display()
        )),
    }
}

/// Runs a scan as the arguments say and returns the result with the settings used.
pub fn scan(
    args: &ScanArgs,
) -> Result<(ScanResult, Config, Option<rampart_core::Severity>), String> {
    scan_with_policy(args, None)
}

/// [`scan`], with a server's project `[policy]` applied with the repository's (see
/// `rampart_server::policy::merge`).
pub fn scan_with_policy(
    args: &ScanArgs,
    server_policy: Option<&rampart_core::config::PolicySection>,
) -> Result<(ScanResult, Config, Option<rampart_core::Severity>), String> {
    if !args.path.exists() {
        return Err(format!(
            "{} does not exist: give a folder or file to scan",
            args.path.display()
        ));
    }
    let config_root = if args.path.is_file() {
        args.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    } else {
        args.path.clone()
    };
    let mut config =
        Config::load(&config_root, args.config.as_deref()).map_err(|e| e.to_string())?;
    if let Some(server) = server_policy {
        config.policy = rampart_server::policy::merge(&config.policy, server);
    }
    config
        .suppress
        .extend(crate::upload::server_suppressions(args)?);
    add_paths_option(&mut config, "deps", "sbom", "--sbom", &args.sbom)?;
    add_paths_option(&mut config, "iac", "policy", "--policy", &args.policy)?;
    let fail_on = match args.fail_on.as_deref().or(config.scan.fail_on.as_deref()) {
        Some(s) => config::parse_threshold(s).map_err(|e| e.to_string())?,
        None => Some(rampart_core::Severity::High),
    };
    let engine_names = args.engines.clone().or_else(|| config.scan.engines.clone());
    let engines = engines::select(engine_names.as_deref())?;
    let max_file_size = args
        .max_file_size
        .as_deref()
        .map(config::parse_size_str)
        .transpose()
        .map_err(|e| format!("--max-file-size: {e}"))?;
    let baseline = args
        .baseline
        .as_deref()
        .map(Baseline::read)
        .transpose()
        .map_err(|e| e.to_string())?;
    let mode = if args.history {
        Mode::History {
            since: args.since.clone(),
        }
    } else if args.staged {
        Mode::Staged
    } else {
        Mode::WorkTree
    };
    let opts = ScanOptions {
        root: args.path.clone(),
        config: config.clone(),
        exclude: args.exclude.clone(),
        max_file_size,
        show_secrets: args.show_secrets,
        since: if args.history {
            None
        } else {
            args.since.clone()
        },
        mode,
        baseline,
        threads: args.threads,
        unselected_engines: engines::names()
            .into_iter()
            .filter(|n| !engines.iter().any(|e| e.name() == *n))
            .map(str::to_string)
            .collect(),
        overlay: Default::default(),
        only: None,
    };
    if engines.iter().any(|e| e.name() == "deps") {
        crate::db_fetch::before_scan(&config, &config_root, &args.path, args.offline, args.quiet)?;
    }
    let bar = Bar::new(!args.quiet && std::io::stderr().is_terminal());
    let refs: Vec<&dyn Engine> = engines.iter().map(|e| e.as_ref()).collect();
    let result = scan::run(&refs, &opts, &bar);
    bar.finish();
    drop(refs);
    // The command ends with the scan: its engines' compiled rules (hundreds of automata) are
    // left to the OS to free with the process, which is faster than freeing them one by one.
    std::mem::forget(engines);
    Ok((result.map_err(|e| e.to_string())?, config, fail_on))
}

/// Appends command-line paths to an engine's path-list option (`[engines.deps] sbom`,
/// `[engines.iac] policy`), as absolute paths; a missing path is a usage error naming the flag.
fn add_paths_option(
    config: &mut Config,
    engine: &str,
    key: &str,
    flag: &str,
    paths: &[PathBuf],
) -> Result<(), String> {
    if paths.is_empty() {
        return Ok(());
    }
    let mut values = Vec::new();
    for p in paths {
        let abs = p
            .canonicalize()
            .map_err(|e| format!("{flag} {}: {e}", p.display()))?;
        values.push(toml::Value::String(abs.display().to_string()));
    }
    let table = config.engines.entry(engine.into()).or_default();
    match table.get_mut(key) {
        Some(toml::Value::Array(a)) => a.extend(values),
        Some(toml::Value::String(s)) => {
            let mut all = vec![toml::Value::String(s.clone())];
            all.extend(values);
            table.insert(key.into(), toml::Value::Array(all));
        }
        _ => {
            table.insert(key.into(), toml::Value::Array(values));
        }
    }
    Ok(())
}

fn link_base(args: &ScanArgs) -> Option<String> {
    args.link_base.clone().or_else(|| {
        let server = std::env::var("GITHUB_SERVER_URL").ok()?;
        let repo = std::env::var("GITHUB_REPOSITORY").ok()?;
        let sha = std::env::var("GITHUB_SHA").ok()?;
        Some(format!("{server}/{repo}/blob/{sha}"))
    })
}

/// `rampart scan`: writes every requested report and returns the exit code.
pub fn run(args: &ScanArgs, outputs: Outputs) -> Result<i32, String> {
    let (mut result, config, fail_on) = scan(args)?;
    let model_root = if args.path.is_file() {
        args.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    } else {
        args.path.clone()
    };
    let appetite = crate::threat_cmd::rank(&mut result, &config, &model_root)?;
    let root_abs = args
        .path
        .canonicalize()
        .unwrap_or_else(|_| args.path.clone());
    let stdout_tty = std::io::stdout().is_terminal();
    let color_for = |to_stdout: bool| match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_stdout && stdout_tty && std::env::var_os("NO_COLOR").is_none(),
    };
    let version = env!("CARGO_PKG_VERSION");
    let mut write_errors = Vec::new();
    let mut text_on_stdout = false;
    for (format, path) in &outputs {
        let report = Report {
            result: &result,
            root_display: args.path.display().to_string(),
            root_abs: root_abs.clone(),
            version,
            fail_on,
            verbose: args.verbose,
            color: color_for(path.is_none()) && *format == Format::Text,
            link_base: link_base(args),
        };
        let rendered = report.render(*format);
        match path {
            None => {
                text_on_stdout |= *format == Format::Text;
                print!("{rendered}");
            }
            Some(p) => {
                if let Err(e) = std::fs::write(p, rendered) {
                    write_errors.push(format!("cannot write {}: {e}", p.display()));
                }
            }
        }
    }
    if !args.quiet && !text_on_stdout {
        for d in &result.diagnostics {
            if args.verbose || d.level > DiagnosticLevel::Note {
                eprintln!("{d}");
            }
        }
    }
    if args.stats {
        print_stats(&result);
    }
    if args.upload.is_some() {
        let report = Report {
            result: &result,
            root_display: args.path.display().to_string(),
            root_abs: root_abs.clone(),
            version,
            fail_on,
            verbose: false,
            color: false,
            link_base: None,
        };
        match crate::upload::send(args, &report.render(Format::Json)) {
            Ok(summary) if !args.quiet => eprintln!("{summary}"),
            Ok(_) => {}
            Err(e) => write_errors.push(e),
        }
    }
    if !write_errors.is_empty() {
        return Err(write_errors.join("\n"));
    }
    if result.nothing_readable() {
        // The reports say so too; a scan that read nothing proves nothing.
        return Ok(2);
    }
    // With a threat model, the risk appetite decides (unless --fail-on is given).
    let failing = match appetite.filter(|_| args.fail_on.is_none()) {
        Some(a) => result.findings.iter().any(|f| a.fails(f)),
        None => result.findings.iter().any(|f| f.fails(fail_on)),
    };
    Ok(if failing { 1 } else { 0 })
}

fn print_stats(result: &ScanResult) {
    let s = &result.stats;
    eprintln!(
        "stats: {} files, {:.1} MB in {:.3} s ({:.1} MB/s); {} files wanted by no engine",
        s.files_scanned,
        s.bytes_scanned as f64 / 1e6,
        s.elapsed.as_secs_f64(),
        s.bytes_scanned as f64 / 1e6 / s.elapsed.as_secs_f64().max(1e-9),
        s.files_unclaimed
    );
    for (name, e) in &s.engines {
        eprintln!(
            "stats: engine {name}: {} files, {:.3} s busy (summed over threads)",
            e.files,
            e.busy.as_secs_f64()
        );
    }
    if s.commits > 0 {
        eprintln!(
            "stats: history: {} commits, {} unique blobs read once each ({:.0} blobs/s)",
            s.commits,
            s.blobs,
            s.blobs as f64 / s.elapsed.as_secs_f64().max(1e-9)
        );
    }
}

/// `rampart baseline`: records current active findings.
pub fn baseline(args: &ScanArgs, output: &Path) -> Result<i32, String> {
    let (result, _, _) = scan(args)?;
    if result.nothing_readable() {
        return Err(format!(
            "nothing was scanned: {} file(s) could not be read, so no baseline was written (`rampart scan --verbose` lists them)",
            result.stats.files_unreadable
        ));
    }
    let active: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .cloned()
        .collect();
    let b = Baseline::of(&active);
    let text = serde_json::to_string_pretty(&b).map_err(|e| e.to_string())? + "\n";
    std::fs::write(output, text).map_err(|e| format!("cannot write {}: {e}", output.display()))?;
    if !args.quiet {
        eprintln!(
            "baseline: recorded {} finding(s) in {}",
            active.len(),
            output.display()
        );
    }
    Ok(0)
}
