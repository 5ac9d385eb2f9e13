//! A rampart server from the CLI: `rampart scan --upload` sends the JSON report for a commit and
//! branch; `rampart scan --server` applies the server's triage decisions as suppressions.

use crate::cli::ScanArgs;
use std::time::Duration;

/// The first set, non-empty environment variable of `names`.
fn env_first(names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| std::env::var(n).ok())
        .find(|v| !v.trim().is_empty())
}

/// The branch of the scanned folder: the flag, then CI variables, then git's current branch.
fn branch_of(args: &ScanArgs, repo: Option<&gix::Repository>) -> Option<String> {
    args.branch
        .clone()
        .or_else(|| {
            env_first(&[
                "GITHUB_HEAD_REF",
                "GITHUB_REF_NAME",
                "CI_COMMIT_REF_NAME",
                "GIT_BRANCH",
            ])
        })
        .or_else(|| {
            let name = repo?.head_name().ok()??;
            Some(name.shorten().to_string())
        })
}

/// The commit and branch of the scanned folder: flags, then CI variables, then git's HEAD.
fn commit_and_branch(args: &ScanArgs) -> Result<(String, Option<String>), String> {
    let repo = rampart_core::git::Repo::open(&args.path)
        .ok()
        .map(|r| r.local());
    let commit = args
        .commit
        .clone()
        .or_else(|| env_first(&["GITHUB_SHA", "CI_COMMIT_SHA", "BUILD_SOURCEVERSION", "GIT_COMMIT"]))
        .or_else(|| repo.as_ref()?.head_id().ok().map(|id| id.to_string()))
        .ok_or_else(|| {
            format!(
                "--upload: cannot tell which commit {} is (not a git repository, and no GITHUB_SHA or CI_COMMIT_SHA): pass --commit SHA",
                args.path.display()
            )
        })?;
    Ok((commit, branch_of(args, repo.as_ref())))
}

/// The token for `flag`: --token, then RAMPART_TOKEN.
fn token(args: &ScanArgs, flag: &str) -> Result<String, String> {
    args.token
        .clone()
        .or_else(|| env_first(&["RAMPART_TOKEN"]))
        .ok_or_else(|| format!("{flag} needs a token: set RAMPART_TOKEN (or pass --token)"))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(300)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// A query value, percent-encoded.
fn query_value(s: &str) -> String {
    rampart_core::paths::percent_encode(s.as_bytes(), |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
    })
}

/// The `[[suppress]]` entries `--server` names: the server's triage decisions for the project and
/// branch, exported as rampart.toml.
pub fn server_suppressions(
    args: &ScanArgs,
) -> Result<Vec<rampart_core::config::SuppressEntry>, String> {
    let Some(url) = &args.server else {
        return Ok(Vec::new());
    };
    let url = url.trim_end_matches('/');
    if !(url.starts_with("http://") || url.starts_with("https://"))
        || !url.contains("/api/v1/projects/")
    {
        return Err(format!(
            "--server: `{url}` is not a project's URL, e.g. https://rampart.example/api/v1/projects/7"
        ));
    }
    let token = token(args, "--server")?;
    let repo = rampart_core::git::Repo::open(&args.path)
        .ok()
        .map(|r| r.local());
    let mut export = format!("{url}/triage/export?format=rampart-toml");
    if let Some(b) = branch_of(args, repo.as_ref()) {
        export.push_str("&branch=");
        export.push_str(&query_value(&b));
    }
    let mut resp = agent()
        .get(&export)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .map_err(|e| format!("--server: cannot reach {url}: {e}"))?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .map_err(|e| format!("--server: cannot read the answer of {url}: {e}"))?;
    if status != 200 {
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
        return Err(format!(
            "--server: {url} answered {status}: {}",
            v["error"]["message"].as_str().unwrap_or(body.trim())
        ));
    }
    let config = rampart_core::config::Config::parse(&body, std::path::Path::new(&export))
        .map_err(|e| format!("--server: the decisions of {url} are not valid rampart.toml: {e}"))?;
    Ok(config.suppress)
}

/// Posts `report` (the JSON report) to `--upload`; returns a one-line summary of what the
/// server recorded.
pub fn send(args: &ScanArgs, report: &str) -> Result<String, String> {
    let Some(url) = &args.upload else {
        return Ok(String::new());
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!(
            "--upload: `{url}` is not an http(s) URL of a project's results, e.g. https://rampart.example/api/v1/projects/7/results"
        ));
    }
    let token = token(args, "--upload")?;
    let (commit, branch) = commit_and_branch(args)?;
    let mut query = format!(
        "commit={}",
        rampart_core::paths::percent_encode(commit.as_bytes(), |c| c.is_ascii_alphanumeric())
    );
    if let Some(b) = &branch {
        query.push_str("&branch=");
        query.push_str(&rampart_core::paths::percent_encode(b.as_bytes(), |c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
        }));
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    let mut resp = agent()
        .post(format!("{url}{sep}{query}"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(report.as_bytes())
        .map_err(|e| format!("--upload: cannot reach {url}: {e}"))?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    match status {
        201 => {
            let c = &v["counts"];
            Ok(format!(
                "uploaded to {url} (commit {commit}): {} new, {} unchanged, {} fixed, {} reopened",
                c["new"], c["unchanged"], c["fixed"], c["reopened"]
            ))
        }
        202 => Ok(format!(
            "uploaded to {url} (commit {commit}): being processed as job {}",
            v["job"]
        )),
        _ => Err(format!(
            "--upload: the server answered {status}: {}",
            v["error"]["message"].as_str().unwrap_or(body.trim())
        )),
    }
}
