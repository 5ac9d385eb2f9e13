//! `rampart keygen`, `rampart attest` and `rampart verify`: signed scan attestations and the
//! deploy gate. The work is `rampart_attest`'s; this module reads flags, files and the
//! environment, and prints.

use crate::cli::ScanArgs;
use rampart_attest::keys::{self, KeyType, PublicKey, SigningKey};
use rampart_attest::predicate::scan::{self as scan_pred, DigestOf, RuleSet, ScanContext};
use rampart_attest::predicate::vuln::{self, Db, Invocation, VulnContext};
use rampart_attest::predicate::{Report, SCAN_V1, VULN_V1};
use rampart_attest::{Policy, Sha256Digest, Statement};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The largest `--results` report read.
const MAX_RESULTS_BYTES: u64 = 512 * 1024 * 1024;

/// `rampart keygen` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct KeygenArgs {
    /// Key type: ed25519 (default) or ecdsa-p256 (cosign's default type).
    #[arg(long = "type", value_name = "TYPE", default_value = "ed25519", value_parser = ["ed25519", "ecdsa-p256"])]
    pub key_type: String,
    /// The private key file (PKCS#8 PEM, written with mode 0600; never overwritten).
    #[arg(long, value_name = "FILE", default_value = "rampart.key")]
    pub output_key: PathBuf,
    /// The public key file (SubjectPublicKeyInfo PEM; default: the key file's name + .pub).
    #[arg(long, value_name = "FILE")]
    pub output_pub: Option<PathBuf>,
    /// Encrypt the private key with the passphrase in this environment variable.
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
}

/// `rampart attest` arguments.
#[derive(Debug, clap::Args)]
pub struct AttestArgs {
    /// The private key to sign with (from `rampart keygen`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The artifact attested: a file (its SHA-256 is taken) or sha256:DIGEST (an image digest).
    #[arg(long, value_name = "FILE|sha256:DIGEST")]
    pub subject: String,
    /// The subject's name in the statement (default: the file's name, or the digest).
    #[arg(long, value_name = "NAME")]
    pub subject_name: Option<String>,
    /// Attest this rampart JSON report (`rampart scan --format json`) instead of scanning.
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
    /// With --results: the SBOM made with the report, whose digest is attested.
    #[arg(long, value_name = "FILE", requires = "results")]
    pub results_sbom: Option<PathBuf>,
    /// Also write the CycloneDX SBOM whose digest is attested (when scanning).
    #[arg(long, value_name = "FILE", conflicts_with = "results")]
    pub sbom_output: Option<PathBuf>,
    /// Also write the JSON report whose digest is attested (when scanning).
    #[arg(long, value_name = "FILE", conflicts_with = "results")]
    pub report_output: Option<PathBuf>,
    /// The private key's passphrase is in this environment variable.
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
    /// Where to write the attestation: one DSSE envelope per line (default: standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Scan options (when not given --results).
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `rampart verify` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// A trusted public key (PEM; repeatable: any of them may have signed).
    #[arg(long = "key", value_name = "PUB", required = true)]
    pub keys: Vec<PathBuf>,
    /// The artifact: a file (its SHA-256 is taken) or sha256:DIGEST.
    #[arg(long, value_name = "FILE|sha256:DIGEST")]
    pub subject: String,
    /// The attestation `rampart attest` wrote (a DSSE envelope, or one per line).
    #[arg(long, value_name = "FILE")]
    pub attestation: PathBuf,
    /// The policy (TOML: max_age, predicate_types, required_engines, max_critical…).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The oldest scan accepted (7d, 12h, 30m…); overrides the policy's max_age.
    #[arg(long, value_name = "AGE")]
    pub max_age: Option<String>,
    /// Print nothing when the attestation passes.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The passphrase in the environment variable `var`, when a variable is named.
fn passphrase(var: Option<&str>) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
    let Some(var) = var else {
        return Ok(None);
    };
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => Ok(Some(Zeroizing::new(v.into_encoded_bytes()))),
        Some(_) => Err(format!(
            "--passphrase-env {var}: the environment variable {var} is empty"
        )),
        None => Err(format!(
            "--passphrase-env {var}: the environment variable {var} is not set"
        )),
    }
}

/// `rampart keygen`.
pub fn keygen(args: &KeygenArgs) -> Result<i32, String> {
    let kind: KeyType = args.key_type.parse()?;
    let pass = passphrase(args.passphrase_env.as_deref())?;
    let pub_path = args.output_pub.clone().unwrap_or_else(|| {
        let mut p = args.output_key.clone().into_os_string();
        p.push(".pub");
        PathBuf::from(p)
    });
    if pub_path == args.output_key {
        return Err("--output-pub is the same file as --output-key".into());
    }
    for p in [&args.output_key, &pub_path] {
        if p.exists() {
            return Err(rampart_attest::KeyError::Exists(p.clone()).to_string());
        }
    }
    let key = SigningKey::generate(kind).map_err(|e| e.to_string())?;
    let pem = key
        .to_pem(pass.as_ref().map(|p| p.as_slice()))
        .map_err(|e| e.to_string())?;
    keys::write_key_file(&args.output_key, &pem, true).map_err(|e| e.to_string())?;
    keys::write_key_file(&pub_path, &key.public_key().to_pem(), false)
        .map_err(|e| e.to_string())?;
    eprintln!(
        "keygen: {kind} key {} written to {}{} (keep it secret) and its public key to {}",
        key.public_key().keyid(),
        args.output_key.display(),
        if pass.is_some() { ", encrypted" } else { "" },
        pub_path.display()
    );
    Ok(0)
}

/// The subject: a file's digest and name, or a given digest.
fn subject(text: &str, name: Option<&str>) -> Result<(Sha256Digest, String), String> {
    let looks_like_digest = text
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("sha256:"));
    if looks_like_digest {
        let d = Sha256Digest::parse(text).map_err(|e| format!("--subject {e}"))?;
        let n = name.map(str::to_string).unwrap_or_else(|| d.to_string());
        return Ok((d, n));
    }
    let path = Path::new(text);
    if !path.is_file() {
        return Err(format!(
            "--subject {text}: no such file (give the artifact's file, or sha256:DIGEST)"
        ));
    }
    let d = Sha256Digest::of_file(path).map_err(|e| format!("--subject {text}: {e}"))?;
    let n = name.map(str::to_string).unwrap_or_else(|| {
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| text.to_string())
    });
    Ok((d, n))
}

/// The first set, non-empty environment variable of `names`.
fn env_first(names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| std::env::var(n).ok())
        .find(|v| !v.trim().is_empty())
}

/// How the scan was run: the arguments (a `--token` value hidden) and the CI run.
fn invocation() -> Invocation {
    let mut params = Vec::new();
    let mut hide_next = false;
    for a in std::env::args().skip(1) {
        if hide_next {
            params.push("***".to_string());
            hide_next = false;
        } else if a == "--token" {
            hide_next = true;
            params.push(a);
        } else if a.starts_with("--token=") {
            params.push("--token=***".into());
        } else {
            params.push(a);
        }
    }
    let github = env_first(&["GITHUB_RUN_ID"]).map(|id| {
        let uri = match (
            env_first(&["GITHUB_SERVER_URL"]),
            env_first(&["GITHUB_REPOSITORY"]),
        ) {
            (Some(s), Some(r)) => format!("{s}/{r}/actions/runs/{id}"),
            _ => String::new(),
        };
        (uri, id, "GitHub Actions")
    });
    let gitlab = || {
        env_first(&["CI_JOB_ID"]).map(|id| {
            (
                env_first(&["CI_JOB_URL"]).unwrap_or_default(),
                id,
                "GitLab CI",
            )
        })
    };
    let (uri, event_id, builder) =
        github
            .or_else(gitlab)
            .unwrap_or((String::new(), String::new(), ""));
    Invocation {
        parameters: serde_json::json!(params),
        uri,
        event_id,
        builder_id: builder.to_string(),
    }
}

/// The commit of `path`: CI variables, then git's HEAD; only full hashes.
fn commit_of(path: &Path) -> Option<String> {
    let c = env_first(&[
        "GITHUB_SHA",
        "CI_COMMIT_SHA",
        "BUILD_SOURCEVERSION",
        "GIT_COMMIT",
    ])
    .or_else(|| {
        let repo = rampart_core::git::Repo::open(path).ok()?.local();
        repo.head_id().ok().map(|id| id.to_string())
    })?;
    let c = c.trim().to_ascii_lowercase();
    (matches!(c.len(), 40 | 64) && c.bytes().all(|b| b.is_ascii_hexdigit())).then_some(c)
}

/// The SBOM format of a CycloneDX or SPDX JSON document, for the predicate.
fn sbom_format(bytes: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    if let Some(spec) = v.get("specVersion").and_then(|s| s.as_str()) {
        format!("cyclonedx-{spec}")
    } else if let Some(spdx) = v.get("spdxVersion").and_then(|s| s.as_str()) {
        spdx.to_ascii_lowercase()
    } else {
        "unknown".into()
    }
}

/// Writes `bytes` to `path`, naming the flag on failure.
fn write_to(flag: &str, path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{flag} {}: {e}", path.display()))
}

/// What attest signs: the report and what goes with it.
struct Scanned {
    report_bytes: Vec<u8>,
    ruleset: RuleSet,
    sbom: Option<DigestOf>,
    commit: Option<String>,
    db: Db,
    started: jiff::Timestamp,
    finished: jiff::Timestamp,
}

/// Runs the scan as `rampart scan` would and renders its JSON report.
fn run_scan(args: &AttestArgs) -> Result<Scanned, String> {
    let s = &args.scan;
    if s.upload.is_some() {
        return Err("--upload belongs to `rampart scan`; attest writes an attestation".into());
    }
    let started = jiff::Timestamp::now();
    let (result, _config, fail_on) = crate::scan_cmd::scan(s)?;
    let finished = jiff::Timestamp::now();
    if !s.quiet {
        for d in &result.diagnostics {
            if s.verbose || d.level > rampart_core::DiagnosticLevel::Note {
                eprintln!("{d}");
            }
        }
    }
    if result.nothing_readable() {
        return Err(format!(
            "nothing was scanned: {} file(s) could not be read, so there is nothing to attest",
            result.stats.files_unreadable
        ));
    }
    let root_abs = s.path.canonicalize().unwrap_or_else(|_| s.path.clone());
    let report = rampart_report::Report {
        result: &result,
        root_display: s.path.display().to_string(),
        root_abs: root_abs.clone(),
        version: env!("CARGO_PKG_VERSION"),
        fail_on,
        verbose: false,
        color: false,
        link_base: None,
    };
    let report_bytes = report.render(rampart_report::Format::Json).into_bytes();
    if let Some(p) = &args.report_output {
        write_to("--report-output", p, &report_bytes)?;
    }
    let ruleset = RuleSet::of_rules(
        env!("CARGO_PKG_VERSION"),
        result
            .rules
            .iter()
            .map(|r| (r.id.as_str(), r.severity.as_str())),
    );
    // The SBOM of the work tree that was scanned (not of the index or of history).
    let sbom = if s.staged || s.history {
        None
    } else {
        let (lockfiles, _) = rampart_deps::sbom::collect(&s.path);
        let name = root_abs
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into());
        let doc = rampart_deps::sbom::cyclonedx(&name, &lockfiles);
        let bytes = serde_json::to_string_pretty(&doc)
            .map(|t| t + "\n")
            .map_err(|e| format!("cannot write the SBOM: {e}"))?
            .into_bytes();
        if let Some(p) = &args.sbom_output {
            write_to("--sbom-output", p, &bytes)?;
        }
        Some(DigestOf {
            sha256: Sha256Digest::of_bytes(&bytes).to_string(),
            format: sbom_format(&bytes),
        })
    };
    let db = if result.engines.iter().any(|e| e == "deps") {
        match rampart_deps::db::status(&rampart_deps::db::default_dir(), 7) {
            Ok(st) => {
                let mut locations: Vec<String> =
                    st.sources.iter().map(|x| x.location.clone()).collect();
                locations.dedup();
                Db {
                    uri: locations.join(" "),
                    version: jiff::Timestamp::from_second(st.built_at as i64)
                        .map(rampart_attest::time::format)
                        .unwrap_or_default(),
                }
            }
            Err(_) => Db::default(),
        }
    } else {
        Db::default()
    };
    Ok(Scanned {
        report_bytes,
        ruleset,
        sbom,
        commit: commit_of(&s.path),
        db,
        started,
        finished,
    })
}

/// Reads a report made elsewhere (`--results`).
fn read_results(args: &AttestArgs, path: &Path) -> Result<Scanned, String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    let file =
        std::fs::File::open(path).map_err(|e| format!("--results {}: {e}", path.display()))?;
    let modified = file.metadata().and_then(|m| m.modified()).ok();
    file.take(MAX_RESULTS_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("--results {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_RESULTS_BYTES {
        return Err(format!(
            "--results {}: larger than {} MiB",
            path.display(),
            MAX_RESULTS_BYTES >> 20
        ));
    }
    let report = Report::parse(&bytes).map_err(|e| format!("--results {}: {e}", path.display()))?;
    // The report holds no times: it was finished when it was written.
    let finished = modified
        .and_then(|m| jiff::Timestamp::try_from(m).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    let elapsed = jiff::SignedDuration::try_from_secs_f64((report.elapsed_ms() / 1000.0).max(0.0))
        .unwrap_or(jiff::SignedDuration::ZERO);
    let started = finished.checked_sub(elapsed).unwrap_or(finished);
    let sbom = match &args.results_sbom {
        Some(p) => {
            let b = std::fs::read(p).map_err(|e| format!("--results-sbom {}: {e}", p.display()))?;
            Some(DigestOf {
                sha256: Sha256Digest::of_bytes(&b).to_string(),
                format: sbom_format(&b),
            })
        }
        None => None,
    };
    Ok(Scanned {
        ruleset: RuleSet {
            version: report.tool_version().to_string(),
            sha256: None,
            rules: None,
        },
        report_bytes: bytes,
        sbom,
        commit: commit_of(Path::new(".")),
        db: Db::default(),
        started,
        finished,
    })
}

/// `rampart attest`.
pub fn attest(args: &AttestArgs) -> Result<i32, String> {
    // Everything that can fail on the command line is checked before the scan.
    let pass = passphrase(args.passphrase_env.as_deref())?;
    let key = keys::read_signing_key(&args.key, pass.as_ref().map(|p| p.as_slice()))
        .map_err(|e| format!("--key {e}"))?;
    let (digest, name) = subject(&args.subject, args.subject_name.as_deref())?;
    let scanned = match &args.results {
        Some(p) => read_results(args, p)?,
        None => run_scan(args)?,
    };
    let report = Report::parse(&scanned.report_bytes)?;
    let scan = scan_pred::build(
        &report,
        &ScanContext {
            commit: scanned.commit.clone(),
            ruleset: scanned.ruleset.clone(),
            sbom: scanned.sbom.clone(),
            report_sha256: Sha256Digest::of_bytes(&scanned.report_bytes),
            started: scanned.started,
            finished: scanned.finished,
        },
    );
    let vuln = vuln::build(
        &report,
        &VulnContext {
            invocation: invocation(),
            db: scanned.db.clone(),
            started: scanned.started,
            finished: scanned.finished,
        },
    );
    let to_value = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| format!("cannot write the predicate: {e}"))
    };
    let statements = [
        Statement::new(
            &name,
            &digest,
            SCAN_V1,
            to_value(serde_json::to_value(&scan))?,
        ),
        Statement::new(
            &name,
            &digest,
            VULN_V1,
            to_value(serde_json::to_value(&vuln))?,
        ),
    ];
    let mut envelopes = Vec::new();
    for s in &statements {
        envelopes.push(rampart_attest::sign_statement(s, &key).map_err(|e| e.to_string())?);
    }
    let text = rampart_attest::bundle(&envelopes);
    match &args.output {
        Some(p) => write_to("--output", p, text.as_bytes())?,
        None => print!("{text}"),
    }
    if !args.scan.quiet {
        eprintln!(
            "attest: {} signed by key {}: {SCAN_V1} and {VULN_V1}{}; the scan {} its policy (fail on {}: {} failing finding(s))",
            digest,
            key.public_key().keyid(),
            args.output
                .as_ref()
                .map(|p| format!(", written to {}", p.display()))
                .unwrap_or_default(),
            if scan.policy.verdict == "pass" {
                "passed"
            } else {
                "failed"
            },
            scan.policy.fail_on,
            scan.policy.failing
        );
    }
    Ok(0)
}

/// `rampart verify`: 0 when the attestation passes, 1 when it is refused (with the reasons).
pub fn verify(args: &VerifyArgs) -> Result<i32, String> {
    let mut trusted: Vec<PublicKey> = Vec::new();
    for p in &args.keys {
        trusted.push(keys::read_public_key(p).map_err(|e| format!("--key {e}"))?);
    }
    let mut policy = match &args.policy {
        Some(p) => Policy::load(p).map_err(|e| format!("--policy {e}"))?,
        None => Policy::default(),
    };
    if let Some(age) = &args.max_age {
        policy.max_age =
            Some(rampart_attest::time::parse_duration(age).map_err(|e| format!("--max-age {e}"))?);
    }
    let (digest, _) = subject(&args.subject, None)?;
    let bytes = read_attestation(&args.attestation)?;
    let verdict = rampart_attest::verify(&bytes, &digest, &policy, &trusted);
    if verdict.passed() {
        if !args.quiet {
            let what: Vec<String> = verdict
                .attestations
                .iter()
                .map(|a| format!("{} (key {})", a.predicate_type, a.keyids.join(", ")))
                .collect();
            println!("verified: {digest}: {}", what.join("; "));
        }
        return Ok(0);
    }
    eprintln!(
        "refused: {} does not pass ({}):",
        args.attestation.display(),
        digest
    );
    for r in &verdict.reasons {
        eprintln!("  - {r}");
    }
    Ok(1)
}

/// The attestation file, refused past the size `rampart_attest` reads.
fn read_attestation(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let limit = rampart_attest::verify::MAX_ATTESTATION_BYTES as u64;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("--attestation {}: {e}", path.display()))?;
    // Past the limit, verify refuses it with its own reason (exit 1).
    Ok(bytes)
}
