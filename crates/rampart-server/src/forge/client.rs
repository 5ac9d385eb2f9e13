//! The GitHub and GitLab REST clients (blocking, `ureq`).

use super::{CommitStatus, Forge, ForgeError};
use crate::fixes::FixFile;
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
    let agent_name = concat!("rampart/", env!("CARGO_PKG_VERSION"));
    let sent = if method == "GET" {
        agent
            .get(url)
            .header(auth.0, auth.1)
            .header("Accept", "application/json")
            .header("User-Agent", agent_name)
            .call()
    } else {
        let req = match method {
            "PATCH" => agent.patch(url),
            "PUT" => agent.put(url),
            _ => agent.post(url),
        };
        req.header(auth.0, auth.1)
            .header("Accept", "application/json")
            .header("User-Agent", agent_name)
            .content_type("application/json")
            .send(body.to_string())
    };
    let mut resp = sent.map_err(|e| failed(format!("{method} {url}: {e}")))?;
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

/// The number under `key` of an answer (a pull request's `number`, a merge request's `iid`).
fn number_of(v: &Value, key: &str) -> Result<i64, ForgeError> {
    v[key]
        .as_i64()
        .filter(|n| *n > 0)
        .ok_or_else(|| failed(format!("the forge's answer has no `{key}`: {v}")))
}

/// The number of the first request of a list answer, if any.
fn first_number(v: &Value, key: &str) -> Result<Option<i64>, ForgeError> {
    match v.as_array() {
        Some(list) => list.first().map(|r| number_of(r, key)).transpose(),
        None => Err(failed(format!("the forge's answer is not a list: {v}"))),
    }
}

/// The `sha` of an answer, checked to be a hex object id.
fn sha_of(v: &Value, what: &str) -> Result<String, ForgeError> {
    match v["sha"].as_str() {
        Some(s) if (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(s.to_string())
        }
        _ => Err(failed(format!(
            "the forge's answer for {what} has no sha: {v}"
        ))),
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

    fn find_request(&self, branch: &str) -> Result<Option<i64>, ForgeError> {
        let owner = self.repo.split('/').next().unwrap_or_default();
        let query = serde_urlencoded::to_string([
            ("head", format!("{owner}:{branch}")),
            ("state", "open".into()),
        ])
        .unwrap_or_default();
        first_number(
            &self.call("GET", &format!("/pulls?{query}"), Value::Null)?,
            "number",
        )
    }

    fn push_branch(
        &self,
        branch: &str,
        base: &str,
        files: &[FixFile],
        message: &str,
    ) -> Result<String, ForgeError> {
        let base_commit = self.call("GET", &format!("/git/commits/{base}"), Value::Null)?;
        let base_tree = sha_of(&base_commit["tree"], "the base commit's tree")?;
        let mut entries = Vec::new();
        for f in files {
            let blob = self.call(
                "POST",
                "/git/blobs",
                json!({"content": f.content, "encoding": "utf-8"}),
            )?;
            entries.push(json!({"path": f.path, "mode": "100644", "type": "blob", "sha": sha_of(&blob, "a blob")?}));
        }
        let tree = self.call(
            "POST",
            "/git/trees",
            json!({"base_tree": base_tree, "tree": entries}),
        )?;
        let commit = self.call(
            "POST",
            "/git/commits",
            json!({"message": message, "tree": sha_of(&tree, "a tree")?, "parents": [base]}),
        )?;
        let sha = sha_of(&commit, "a commit")?;
        match self.call("GET", &format!("/git/ref/heads/{branch}"), Value::Null) {
            Ok(_) => self
                .call(
                    "PATCH",
                    &format!("/git/refs/heads/{branch}"),
                    json!({"sha": sha, "force": true}),
                )
                .map(drop)?,
            Err(e) if e.status == Some(404) => self
                .call(
                    "POST",
                    "/git/refs",
                    json!({"ref": format!("refs/heads/{branch}"), "sha": sha}),
                )
                .map(drop)?,
            Err(e) => return Err(e),
        }
        Ok(sha)
    }

    fn open_request(
        &self,
        branch: &str,
        target: &str,
        title: &str,
        body: &str,
    ) -> Result<i64, ForgeError> {
        let pr = self.call(
            "POST",
            "/pulls",
            json!({"title": title, "head": branch, "base": target, "body": body}),
        )?;
        number_of(&pr, "number")
    }

    fn update_request(&self, number: i64, title: &str, body: &str) -> Result<(), ForgeError> {
        self.call(
            "PATCH",
            &format!("/pulls/{number}"),
            json!({"title": title, "body": body}),
        )
        .map(drop)
    }

    fn close_request(&self, number: i64, comment: &str) -> Result<(), ForgeError> {
        self.create_comment(number, comment)?;
        self.call(
            "PATCH",
            &format!("/pulls/{number}"),
            json!({"state": "closed"}),
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

    fn find_request(&self, branch: &str) -> Result<Option<i64>, ForgeError> {
        let query = serde_urlencoded::to_string([("source_branch", branch), ("state", "opened")])
            .unwrap_or_default();
        first_number(
            &self.call("GET", &format!("/merge_requests?{query}"), Value::Null)?,
            "iid",
        )
    }

    fn push_branch(
        &self,
        branch: &str,
        base: &str,
        files: &[FixFile],
        message: &str,
    ) -> Result<String, ForgeError> {
        // One commit on top of `base`; `force` replaces what the branch held before (GitLab
        // creates the branch from `start_sha` when it does not exist).
        let actions: Vec<Value> = files
            .iter()
            .map(|f| json!({"action": "update", "file_path": f.path, "content": f.content}))
            .collect();
        let commit = self.call(
            "POST",
            "/repository/commits",
            json!({"branch": branch, "start_sha": base, "commit_message": message, "actions": actions, "force": true}),
        )?;
        match &commit["id"] {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            _ => Err(failed(format!(
                "the forge's answer has no commit id: {commit}"
            ))),
        }
    }

    fn open_request(
        &self,
        branch: &str,
        target: &str,
        title: &str,
        body: &str,
    ) -> Result<i64, ForgeError> {
        let mr = self.call(
            "POST",
            "/merge_requests",
            json!({"source_branch": branch, "target_branch": target, "title": title, "description": body, "remove_source_branch": true}),
        )?;
        number_of(&mr, "iid")
    }

    fn update_request(&self, number: i64, title: &str, body: &str) -> Result<(), ForgeError> {
        self.call(
            "PUT",
            &format!("/merge_requests/{number}"),
            json!({"title": title, "description": body}),
        )
        .map(drop)
    }

    fn close_request(&self, number: i64, comment: &str) -> Result<(), ForgeError> {
        self.create_comment(number, comment)?;
        self.call(
            "PUT",
            &format!("/merge_requests/{number}"),
            json!({"state_event": "close"}),
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
