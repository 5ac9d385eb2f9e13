//! Forge webhooks: checking that a delivery comes from the forge (GitHub's HMAC signature,
//! GitLab's token, both compared in constant time) and reading what it asks for: a scan of a
//! pushed commit, or of a pull/merge request's head. The HTTP side is `api::hooks`.
//!
//! Only the fields used are read; the body must still be valid JSON within serde_json's nesting
//! limit (128). A push that deletes a branch and events or actions that need no scan are
//! [`Event::Ignored`].

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Which forge sent a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    /// GitHub (and GitHub Enterprise).
    GitHub,
    /// GitLab.
    GitLab,
}

impl Forge {
    /// Its name in job payloads and `webhook_delivery`.
    pub fn as_str(self) -> &'static str {
        match self {
            Forge::GitHub => "github",
            Forge::GitLab => "gitlab",
        }
    }

    /// The forge named `s`.
    pub fn parse(s: &str) -> Option<Forge> {
        [Forge::GitHub, Forge::GitLab]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

/// A scan a delivery asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// The branch (for a pull request: its head branch).
    pub branch: String,
    /// The commit to scan (full hash).
    pub commit: String,
    /// For a pull request: its number (GitHub) or iid (GitLab).
    pub pull_request: Option<i64>,
    /// For a pull request: what to compute the merge base against (GitHub: the base branch's
    /// tip commit; GitLab: `refs/heads/<target branch>`).
    pub base: Option<String>,
    /// The repository as the forge names it (GitHub `owner/name`, GitLab project id).
    pub repo: String,
}

/// What a verified delivery asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// GitHub's `ping`: answered, nothing done.
    Ping,
    /// A scan.
    Scan(Trigger),
    /// Nothing to do, and why.
    Ignored(String),
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    /// No signature or token header.
    #[error("{0}")]
    Unsigned(String),
    /// The signature or token does not match the project's secret.
    #[error("{0}")]
    BadSignature(String),
    /// The body is not the JSON the event needs.
    #[error("{0}")]
    Body(String),
}

/// Checks GitHub's `X-Hub-Signature-256` header (`sha256=<hex>`) over `body` with `secret`.
pub fn verify_github(secret: &str, header: Option<&str>, body: &[u8]) -> Result<(), HookError> {
    let header = header.ok_or_else(|| {
        HookError::Unsigned(
            "no X-Hub-Signature-256 header: set the webhook's secret on GitHub to the project's webhook_secret".into(),
        )
    })?;
    let bad = || {
        HookError::BadSignature(
            "X-Hub-Signature-256 does not match the body signed with the project's webhook_secret"
                .into(),
        )
    };
    let hex_sig = header.trim().strip_prefix("sha256=").ok_or_else(bad)?;
    let sig = hex::decode(hex_sig).map_err(|_| bad())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| bad())?;
    mac.update(body);
    mac.verify_slice(&sig).map_err(|_| bad())
}

/// Checks GitLab's `X-Gitlab-Token` header against `secret`.
pub fn verify_gitlab(secret: &str, header: Option<&str>) -> Result<(), HookError> {
    let token = header.ok_or_else(|| {
        HookError::Unsigned(
            "no X-Gitlab-Token header: set the webhook's secret token on GitLab to the project's webhook_secret".into(),
        )
    })?;
    if bool::from(token.as_bytes().ct_eq(secret.as_bytes())) {
        Ok(())
    } else {
        Err(HookError::BadSignature(
            "X-Gitlab-Token is not the project's webhook_secret".into(),
        ))
    }
}

/// Whether `s` is a full commit hash (SHA-1 or SHA-256).
pub fn is_full_sha(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_zero_sha(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'0')
}

/// Whether `b` can be a branch name here (git's rules, roughly; never an option).
pub fn is_branch(b: &str) -> bool {
    !b.is_empty()
        && b.len() <= 255
        && !b.starts_with('-')
        && !b.contains("..")
        && !b.chars().any(|c| c.is_control() || " ~^:?*[\\".contains(c))
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8], what: &str) -> Result<T, HookError> {
    serde_json::from_slice(body).map_err(|e| {
        HookError::Body(format!(
            "the {what} payload is not what the forge sends: {e}"
        ))
    })
}

fn sha(s: String, field: &str) -> Result<String, HookError> {
    if is_full_sha(&s) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(HookError::Body(format!(
            "`{field}` is not a full commit hash: `{}`",
            s.chars().take(80).collect::<String>()
        )))
    }
}

fn branch(s: String, field: &str) -> Result<String, HookError> {
    if is_branch(&s) {
        Ok(s)
    } else {
        Err(HookError::Body(format!("`{field}` is not a branch name")))
    }
}

/// A push's `ref`: `Some(branch)` for a branch, `None` for a tag or another ref.
fn pushed_branch(r: &str) -> Option<&str> {
    r.strip_prefix("refs/heads/")
}

#[derive(Deserialize)]
struct GhRepo {
    full_name: String,
}

#[derive(Deserialize)]
struct GhPush {
    #[serde(rename = "ref")]
    git_ref: String,
    after: String,
    repository: GhRepo,
}

#[derive(Deserialize)]
struct GhSide {
    sha: String,
    #[serde(rename = "ref")]
    git_ref: String,
}

#[derive(Deserialize)]
struct GhPr {
    head: GhSide,
    base: GhSide,
}

#[derive(Deserialize)]
struct GhPullRequest {
    action: String,
    number: i64,
    pull_request: GhPr,
    repository: GhRepo,
}

/// Reads a GitHub delivery of event `event` (the `X-GitHub-Event` header).
pub fn github_event(event: &str, body: &[u8]) -> Result<Event, HookError> {
    match event {
        "ping" => Ok(Event::Ping),
        "push" => {
            let p: GhPush = parse(body, "push")?;
            let Some(b) = pushed_branch(&p.git_ref) else {
                return Ok(Event::Ignored(format!("`{}` is not a branch", p.git_ref)));
            };
            if is_zero_sha(&p.after) {
                return Ok(Event::Ignored(format!("branch `{b}` was deleted")));
            }
            Ok(Event::Scan(Trigger {
                branch: branch(b.to_string(), "ref")?,
                commit: sha(p.after, "after")?,
                pull_request: None,
                base: None,
                repo: p.repository.full_name,
            }))
        }
        "pull_request" => {
            let p: GhPullRequest = parse(body, "pull_request")?;
            if !matches!(p.action.as_str(), "opened" | "synchronize" | "reopened") {
                return Ok(Event::Ignored(format!(
                    "pull request action `{}` needs no scan",
                    p.action
                )));
            }
            branch(p.pull_request.base.git_ref, "pull_request.base.ref")?;
            Ok(Event::Scan(Trigger {
                branch: branch(p.pull_request.head.git_ref, "pull_request.head.ref")?,
                commit: sha(p.pull_request.head.sha, "pull_request.head.sha")?,
                pull_request: Some(p.number),
                base: Some(sha(p.pull_request.base.sha, "pull_request.base.sha")?),
                repo: p.repository.full_name,
            }))
        }
        other => Ok(Event::Ignored(format!(
            "event `{other}` is not handled (rampart acts on push and pull_request)"
        ))),
    }
}

#[derive(Deserialize)]
struct GlProject {
    id: i64,
}

#[derive(Deserialize)]
struct GlPush {
    #[serde(rename = "ref")]
    git_ref: String,
    after: String,
    project: GlProject,
}

#[derive(Deserialize)]
struct GlCommit {
    id: String,
}

#[derive(Deserialize)]
struct GlMrAttributes {
    iid: i64,
    #[serde(default)]
    action: Option<String>,
    source_branch: String,
    target_branch: String,
    last_commit: GlCommit,
    /// Set on `update` when the update pushed commits.
    #[serde(default)]
    oldrev: Option<String>,
}

#[derive(Deserialize)]
struct GlMergeRequest {
    object_attributes: GlMrAttributes,
    project: GlProject,
}

/// Reads a GitLab delivery of event `event` (the `X-Gitlab-Event` header).
pub fn gitlab_event(event: &str, body: &[u8]) -> Result<Event, HookError> {
    match event {
        "Push Hook" => {
            let p: GlPush = parse(body, "Push Hook")?;
            let Some(b) = pushed_branch(&p.git_ref) else {
                return Ok(Event::Ignored(format!("`{}` is not a branch", p.git_ref)));
            };
            if is_zero_sha(&p.after) {
                return Ok(Event::Ignored(format!("branch `{b}` was deleted")));
            }
            Ok(Event::Scan(Trigger {
                branch: branch(b.to_string(), "ref")?,
                commit: sha(p.after, "after")?,
                pull_request: None,
                base: None,
                repo: p.project.id.to_string(),
            }))
        }
        "Merge Request Hook" => {
            let m: GlMergeRequest = parse(body, "Merge Request Hook")?;
            let a = m.object_attributes;
            let action = a.action.unwrap_or_default();
            let pushed = action == "update" && a.oldrev.is_some();
            if !(matches!(action.as_str(), "open" | "reopen") || pushed) {
                return Ok(Event::Ignored(format!(
                    "merge request action `{action}` needs no scan (no new commits)"
                )));
            }
            let target = branch(a.target_branch, "object_attributes.target_branch")?;
            Ok(Event::Scan(Trigger {
                branch: branch(a.source_branch, "object_attributes.source_branch")?,
                commit: sha(a.last_commit.id, "object_attributes.last_commit.id")?,
                pull_request: Some(a.iid),
                base: Some(format!("refs/heads/{target}")),
                repo: m.project.id.to_string(),
            }))
        }
        other => Ok(Event::Ignored(format!(
            "event `{other}` is not handled (rampart acts on Push Hook and Merge Request Hook)"
        ))),
    }
}

/// The HMAC-SHA256 signature header GitHub would send for `body` (for tests and tools).
pub fn github_signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
