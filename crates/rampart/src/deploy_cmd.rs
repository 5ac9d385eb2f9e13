//! `rampart deploy record`: tells a rampart server what runs where (an artifact's digest and its
//! SBOM, in an environment of a project), so that the server matches it against every later
//! vulnerability-database update. Exit 0 when recorded, 2 when not (with a message naming the
//! flag, file or the server's answer).

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// The largest SBOM sent (the server's upload limit).
const MAX_SBOM_BYTES: u64 = 256 << 20;

/// `rampart deploy` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum DeployCommand {
    /// Record a deployment: ARTIFACT (with its SBOM) now runs in ENV; the previous deployment
    /// of the project in ENV is superseded.
    Record(RecordArgs),
}

/// `rampart deploy record` options.
#[derive(Debug, Clone, Args)]
pub struct RecordArgs {
    /// The server's URL, e.g. https://rampart.example.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// An API token with the `upload` scope (default: RAMPART_TOKEN).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// The project's id on the server.
    #[arg(long, value_name = "ID")]
    pub project: i64,
    /// The environment it runs in: production, staging…
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// The artifact's digest: sha256: and 64 hex digits (an image's digest, or a file's).
    #[arg(long, value_name = "sha256:HEX")]
    pub artifact: String,
    /// The artifact's SBOM: CycloneDX 1.6 or SPDX 2.3 JSON (`rampart sbom` writes one).
    #[arg(long, value_name = "FILE")]
    pub sbom: PathBuf,
    /// The commit the artifact was built from.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Print the server's answer as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `rampart deploy …`.
pub fn run(cmd: &DeployCommand) -> Result<i32, String> {
    match cmd {
        DeployCommand::Record(a) => record(a),
    }
}

fn query_value(s: &str) -> String {
    rampart_core::paths::percent_encode(s.as_bytes(), |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
    })
}

/// The request `record` sends: URL and body; errors name the flag or the file.
fn request(a: &RecordArgs) -> Result<(String, Vec<u8>), String> {
    let base = a.server.trim_end_matches('/');
    let base = base.strip_suffix("/api/v1").unwrap_or(base);
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(format!(
            "--server: `{}` is not an http(s) URL of a rampart server, e.g. https://rampart.example",
            a.server
        ));
    }
    if a.project <= 0 {
        return Err(format!(
            "--project: `{}` is not a project id (a positive integer)",
            a.project
        ));
    }
    let env = rampart_server::deployments::parse_environment(&a.env)
        .map_err(|m| format!("--env: {m}"))?;
    let artifact = rampart_server::deployments::parse_artifact(&a.artifact)
        .map_err(|m| format!("--artifact: {m}"))?;
    let commit = a
        .commit
        .as_deref()
        .map(rampart_server::deployments::parse_commit)
        .transpose()
        .map_err(|m| format!("--commit: {m}"))?;
    let path = &a.sbom;
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("--sbom: cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("--sbom: {} is not a file", path.display()));
    }
    if meta.len() > MAX_SBOM_BYTES {
        return Err(format!(
            "--sbom: {} is {} MiB, over the server's {} MiB limit",
            path.display(),
            meta.len() >> 20,
            MAX_SBOM_BYTES >> 20
        ));
    }
    let body =
        std::fs::read(path).map_err(|e| format!("--sbom: cannot read {}: {e}", path.display()))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(format!("--sbom: {} is empty", path.display()));
    }
    let mut url = format!(
        "{base}/api/v1/projects/{}/deployments?environment={}&artifact={}",
        a.project,
        query_value(&env),
        query_value(&artifact)
    );
    if let Some(c) = commit {
        url.push_str("&commit=");
        url.push_str(&c);
    }
    Ok((url, body))
}

fn record(a: &RecordArgs) -> Result<i32, String> {
    let (url, body) = request(a)?;
    let token = a
        .token
        .clone()
        .or_else(|| std::env::var("RAMPART_TOKEN").ok())
        .filter(|t| !t.trim().is_empty())
        .ok_or("deploy record needs a token: set RAMPART_TOKEN (or pass --token)")?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(300)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .post(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(&body[..])
        .map_err(|e| format!("--server: cannot reach {}: {e}", a.server))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    if status != 201 {
        let e = &v["error"];
        let field = e["field"]
            .as_str()
            .map(|f| match f {
                "body" => format!(" (--sbom {})", a.sbom.display()),
                "environment" => " (--env)".to_string(),
                other => format!(" (--{other})"),
            })
            .unwrap_or_default();
        return Err(format!(
            "the server answered {status}{field}: {}",
            e["message"].as_str().unwrap_or(text.trim())
        ));
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or(text));
        return Ok(0);
    }
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    let count = |kind: &str| findings.iter().filter(|f| f["kind"] == kind).count();
    println!(
        "recorded deployment {} of project {} in {} ({}): {} package(s), {} advisory finding(s), {} drift finding(s){}",
        v["id"],
        a.project,
        v["environment"].as_str().unwrap_or(&a.env),
        v["artifact"].as_str().unwrap_or(&a.artifact),
        v["components"],
        count("advisory"),
        count("drift"),
        if v["monitored"] == false {
            " (the server keeps no vulnerability database: no advisories matched)"
        } else {
            ""
        }
    );
    for f in &findings {
        println!(
            "  {:8} {}",
            f["severity"].as_str().unwrap_or(""),
            f["message"].as_str().unwrap_or("")
        );
    }
    for w in v["warnings"].as_array().into_iter().flatten() {
        eprintln!("warning: {}", w.as_str().unwrap_or(""));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(sbom: PathBuf) -> RecordArgs {
        RecordArgs {
            server: "http://127.0.0.1:1/".into(),
            token: Some("t".into()),
            project: 3,
            env: "production".into(),
            artifact: format!("sha256:{}", "Ab".repeat(32)),
            sbom,
            commit: Some("ABC123".into()),
            json: false,
        }
    }

    #[test]
    fn builds_the_request_and_names_the_flag_at_fault() {
        let dir = tempfile::tempdir().unwrap();
        let sbom = dir.path().join("bom.json");
        std::fs::write(&sbom, br#"{"bomFormat": "CycloneDX"}"#).unwrap();
        let (url, body) = request(&args(sbom.clone())).unwrap();
        assert_eq!(
            url,
            format!(
                "http://127.0.0.1:1/api/v1/projects/3/deployments?environment=production&artifact=sha256:{}&commit=abc123",
                "ab".repeat(32)
            )
        );
        assert!(!body.is_empty());
        let cases: Vec<(RecordArgs, &str)> = vec![
            (
                RecordArgs {
                    server: "ftp://x".into(),
                    ..args(sbom.clone())
                },
                "--server",
            ),
            (
                RecordArgs {
                    artifact: "sha256:abc".into(),
                    ..args(sbom.clone())
                },
                "--artifact",
            ),
            (
                RecordArgs {
                    artifact: "md5:abc".into(),
                    ..args(sbom.clone())
                },
                "--artifact",
            ),
            (
                RecordArgs {
                    env: "prod env".into(),
                    ..args(sbom.clone())
                },
                "--env",
            ),
            (
                RecordArgs {
                    commit: Some("HEAD".into()),
                    ..args(sbom.clone())
                },
                "--commit",
            ),
            (
                RecordArgs {
                    project: 0,
                    ..args(sbom.clone())
                },
                "--project",
            ),
            (args(dir.path().join("missing.json")), "missing.json"),
            (args(dir.path().to_path_buf()), "not a file"),
        ];
        for (a, want) in cases {
            let e = request(&a).unwrap_err();
            assert!(e.contains(want), "{want}: {e}");
        }
        std::fs::write(&sbom, b"  \n").unwrap();
        assert!(request(&args(sbom)).unwrap_err().contains("empty"));
    }
}
