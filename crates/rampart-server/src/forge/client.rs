//! The GitHub and GitLab REST clients (blocking, `ureq`).

use super::{CommitStatus, Forge, ForgeError};
use crate::hooks::Forge as Kind;
use serde_json::{Value, json};
use std::time::Duration;

/// Largest forge answer read.
const MAX_ANSWER: u64 = 1 << 20;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into()
}

fn failed(message: String) -> ForgeError {
    ForgeError {
        status: None,
        message,
    }
}

/// Sends `body` with `method` to `url`; the JSON answer of a 2xx, else an error with the status.
fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    auth: (&str, &str),
    body: &Value,
) -> Result<Value, ForgeError> {
    let req = match method {
        "PATCH" => agent.patch(url),
        "PUT" => agent.put(url),
        _ => agent.post(url),
    };
    let mut resp = req
        .header(auth.0, auth.1)
        .header("Accept", "application/json")
        .header("User-Agent", concat!("rampart/", env!("CARGO_PKG_VERSION")))
        .content_type("application/json")
        .send(body.to_string())
        .map_err(|e| failed(format!("{method} {url}: {e}")))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_string()
        .unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(ForgeError {
            status: Some(status),
            message: format!(
                "{method} {url} answered {status}: {}",
                text.chars().take(300).collect::<String>()
            ),
        });
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn id_of(v: &Value) -> Result<String, ForgeError> {
    match &v["id"] {
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Ok(s.clone()),
        _ => Err(failed(format!("the forge's answer has no comment id: {v}"))),
    }
}

/// GitHub's REST API (`https://api.github.com`, or GitHub Enterprise's `/api/v3`).
pub struct GitHub {
    api: String,
    token: String,
    repo: String,
    agent: ureq::Agent,
}

impl GitHub {
    /// A client for `repo` (`owner/name`).
    pub fn new(api: &str, token: &str, repo: &str) -> Result<GitHub, ForgeError> {
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        match repo.split_once('/') {
            Some((o, n)) if ok(o) && ok(n) => {}
            _ => return Err(failed(format!("`{repo}` is not a GitHub owner/name"))),
        }
        Ok(GitHub {
            api: api.trim_end_matches('/').into(),
            token: format!("Bearer {token}"),
            repo: repo.into(),
            agent: agent(),
        })
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Result<Value, ForgeError> {
        let url = format!("{}/repos/{}{path}", self.api, self.repo);
        send(
            &self.agent,
            method,
            &url,
            ("Authorization", &self.token),
            &body,
        )
    }
}

impl Forge for GitHub {
    fn set_status(&self, sha: &str, s: &CommitStatus) -> Result<(), ForgeError> {
        let state = if s.success { "success" } else { "failure" };
        self.call(
            "POST",
            &format!("/statuses/{sha}"),
            json!({"state": state, "target_url": s.target_url, "description": s.description, "context": "rampart"}),
        )
        .map(drop)
    }

    fn create_comment(&self, pr: i64, body: &str) -> Result<String, ForgeError> {
        id_of(&self.call(
            "POST",
            &format!("/issues/{pr}/comments"),
            json!({"body": body}),
        )?)
    }

    fn update_comment(&self, _pr: i64, id: &str, body: &str) -> Result<(), ForgeError> {
        self.call(
            "PATCH",
            &format!("/issues/comments/{id}"),
            json!({"body": body}),
        )
        .map(drop)
    }
}

/// GitLab's REST API (`https://gitlab.com/api/v4`, or a self-managed instance's).
pub struct GitLab {
    api: String,
    token: String,
    project: String,
    agent: ureq::Agent,
}

impl GitLab {
    /// A client for `project` (its numeric id or its `group/name` path).
    pub fn new(api: &str, token: &str, project: &str) -> Result<GitLab, ForgeError> {
        let encoded: String = project
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        Ok(GitLab {
            api: api.trim_end_matches('/').into(),
            token: token.into(),
            project: encoded,
            agent: agent(),
        })
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Result<Value, ForgeError> {
        let url = format!("{}/projects/{}{path}", self.api, self.project);
        send(
            &self.agent,
            method,
            &url,
            ("PRIVATE-TOKEN", &self.token),
            &body,
        )
    }
}

impl Forge for GitLab {
    fn set_status(&self, sha: &str, s: &CommitStatus) -> Result<(), ForgeError> {
        let state = if s.success { "success" } else { "failed" };
        self.call(
            "POST",
            &format!("/statuses/{sha}"),
            json!({"state": state, "target_url": s.target_url, "description": s.description, "name": "rampart"}),
        )
        .map(drop)
    }

    fn create_comment(&self, pr: i64, body: &str) -> Result<String, ForgeError> {
        id_of(&self.call(
            "POST",
            &format!("/merge_requests/{pr}/notes"),
            json!({"body": body}),
        )?)
    }

    fn update_comment(&self, pr: i64, id: &str, body: &str) -> Result<(), ForgeError> {
        self.call(
            "PUT",
            &format!("/merge_requests/{pr}/notes/{id}"),
            json!({"body": body}),
        )
        .map(drop)
    }
}

/// The client for `kind` at `api` (default: the public forge's API) for `repo`.
pub fn client(
    kind: Kind,
    api: Option<&str>,
    token: &str,
    repo: &str,
) -> Result<Box<dyn Forge>, ForgeError> {
    Ok(match kind {
        Kind::GitHub => Box::new(GitHub::new(
            api.unwrap_or("https://api.github.com"),
            token,
            repo,
        )?),
        Kind::GitLab => Box::new(GitLab::new(
            api.unwrap_or("https://gitlab.com/api/v4"),
            token,
            repo,
        )?),
    })
}
