//! `rampart api probe`: sends requests generated from an API's spec to the running API and
//! reports what the answers show, as findings in any report format.

use clap::{Args, Subcommand};
use rampart_core::Severity;
use rampart_core::scan::ScanResult;
use rampart_report::{Format, Report};
use std::path::PathBuf;
use std::time::Instant;

/// What `rampart api` does.
#[derive(Debug, Subcommand)]
pub enum ApiCommand {
    /// Probe a running API described by an OpenAPI 3.x or Swagger 2.0 spec (authentication,
    /// object-level authorisation with two users, mass assignment, data exposure, injection,
    /// rate limits, errors and headers, conformance). Sends requests only to --base-url.
    Probe(ProbeArgs),
}

/// Options of `rampart api probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The API's spec (YAML or JSON); `$ref`s to files beside it are followed.
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    /// Where the API runs; every request goes under it (http:// or https://).
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    /// User A's credential: a token (sent as the spec's scheme says) or a header `Name: value`.
    /// Default: $RAMPART_AUTH_A (keeps it out of the process list).
    #[arg(long, value_name = "TOKEN")]
    pub auth_a: Option<String>,
    /// User B's credential, for object-level authorisation tests. Default: $RAMPART_AUTH_B.
    #[arg(long, value_name = "TOKEN")]
    pub auth_b: Option<String>,
    /// Most requests to send.
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub max_requests: usize,
    /// Most requests per second (0: no limit).
    #[arg(long, value_name = "R", default_value_t = 20.0)]
    pub rate: f64,
    /// Also send POST, PUT, PATCH and DELETE requests (they may create or change data).
    #[arg(long)]
    pub allow_writes: bool,
    /// Output format: text, json, sarif or markdown.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "text")]
    pub format: String,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_name = "LEVEL", value_parser = ["critical", "high", "medium", "low", "info", "never"], default_value = "high")]
    pub fail_on: String,
}

/// Runs `rampart api …`; the exit code (0, or 1 when findings reach --fail-on).
pub fn run(cmd: &ApiCommand) -> Result<i32, String> {
    match cmd {
        ApiCommand::Probe(a) => probe(a),
    }
}

fn probe(a: &ProbeArgs) -> Result<i32, String> {
    let format: Format = a.format.parse().map_err(|e| format!("{e}"))?;
    if a.max_requests == 0 {
        return Err("--max-requests must be at least 1".into());
    }
    if !a.rate.is_finite() || a.rate < 0.0 {
        return Err("--rate must be a number of requests per second, 0 for no limit".into());
    }
    let text = std::fs::read_to_string(&a.spec)
        .map_err(|e| format!("cannot read the spec {}: {e}", a.spec.display()))?;
    let dir = a.spec.parent().map(|p| p.to_path_buf()).unwrap_or_default();
    let name = a
        .spec
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let read = |rel: &str| {
        let p = dir.join(rampart_core::paths::to_path(rel));
        let meta = std::fs::metadata(&p).map_err(|e| e.to_string())?;
        if meta.len() > rampart_api::spec::MAX_REF_FILE_BYTES {
            return Err("too large".to_string());
        }
        std::fs::read_to_string(&p).map_err(|e| e.to_string())
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let opts = rampart_api::probe::Options {
        base_url: a.base_url.clone(),
        auth_a: a.auth_a.clone().or_else(|| env("RAMPART_AUTH_A")),
        auth_b: a.auth_b.clone().or_else(|| env("RAMPART_AUTH_B")),
        max_requests: a.max_requests,
        rate: a.rate,
        allow_writes: a.allow_writes,
    };
    let started = Instant::now();
    let outcome = rampart_api::probe::run(&name, &text, &read, &opts).map_err(|e| e.to_string())?;
    let mut findings = outcome.findings;
    rampart_core::fingerprint::assign(&mut findings);
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut result = ScanResult {
        findings,
        diagnostics: outcome.diagnostics,
        rules: rampart_api::probe::rules().to_vec(),
        engines: vec!["api".into()],
        ..ScanResult::default()
    };
    result.stats.elapsed = started.elapsed();
    let fail_on = match a.fail_on.as_str() {
        "never" => None,
        s => Some(
            s.parse::<Severity>()
                .map_err(|_| format!("unknown severity `{s}`"))?,
        ),
    };
    let report = Report {
        result: &result,
        root_display: dir.display().to_string(),
        root_abs: dir.canonicalize().unwrap_or_else(|_| dir.clone()),
        version: env!("CARGO_PKG_VERSION"),
        fail_on,
        verbose: false,
        color: false,
        link_base: None,
    };
    let rendered = report.render(format);
    match &a.output {
        Some(p) => {
            std::fs::write(p, rendered).map_err(|e| format!("cannot write {}: {e}", p.display()))?
        }
        None => print!("{rendered}"),
    }
    for d in &result.diagnostics {
        eprintln!("{}: {}", d.path.as_deref().unwrap_or(""), d.message);
    }
    eprintln!(
        "rampart api probe: {} requests to {}, {} findings",
        outcome.requests,
        a.base_url,
        result.findings.len()
    );
    Ok(i32::from(result.findings.iter().any(|f| f.fails(fail_on))))
}
