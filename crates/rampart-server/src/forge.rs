//! Results back to the forge: after a scan a webhook asked for, a `report` job sets the commit's
//! status and, for a pull/merge request, writes one summary comment that later pushes update
//! (its id is kept in `forge_comment`).
//!
//! The rule, kept simple: the status is `failure` when the scan brought in a finding of high or
//! critical severity, else `success`. What it "brought in": for a pull request, the findings
//! present now and absent from the merge base's latest scan (`counts.introduced`; a base never
//! scanned counts everything as brought in); for a push, the findings that are new or reopened on
//! the branch. "Fixed" is the reverse: in the base's scan and gone (pull request), or fixed on
//! the branch by this scan (push).
//!
//! The clients ([`GitHub`], [`GitLab`]) are blocking (`ureq`) and run in `spawn_blocking`.

mod client;
mod summary;

pub use client::{GitHub, GitLab, client};
pub use summary::{Line, Summary, comment_body, summarise};

use crate::clock::now_ms;
use crate::projects::ProjectFields;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A commit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStatus {
    /// Whether the commit passes.
    pub success: bool,
    /// One line (at most 140 characters).
    pub description: String,
    /// Where the details are.
    pub target_url: String,
}

/// A forge request that failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ForgeError {
    /// The HTTP status, when the forge answered.
    pub status: Option<u16>,
    /// What went wrong.
    pub message: String,
}

impl ForgeError {
    /// Whether retrying cannot help (a 4xx other than 408 and 429: bad token, no such repo).
    pub fn permanent(&self) -> bool {
        matches!(self.status, Some(s) if (400..500).contains(&s) && s != 408 && s != 429)
    }
}

/// What rampart asks of a forge, for one repository.
pub trait Forge: Send + Sync {
    /// Sets the status of commit `sha`.
    fn set_status(&self, sha: &str, status: &CommitStatus) -> Result<(), ForgeError>;
    /// Comments on pull/merge request `pr`; returns the comment's id.
    fn create_comment(&self, pr: i64, body: &str) -> Result<String, ForgeError>;
    /// Replaces the text of comment `id` on `pr`.
    fn update_comment(&self, pr: i64, id: &str, body: &str) -> Result<(), ForgeError>;
    /// The open pull/merge request from `branch`, if any (its number; GitLab's `iid`).
    fn find_request(&self, branch: &str) -> Result<Option<i64>, ForgeError>;
    /// Commits `files` (whole new contents) on top of commit `base` and points `branch` at
    /// the commit (creating it, or force-updating it); returns the commit's SHA.
    fn push_branch(
        &self,
        branch: &str,
        base: &str,
        files: &[crate::fixes::FixFile],
        message: &str,
    ) -> Result<String, ForgeError>;
    /// Opens a request from `branch` into `target`; returns its number.
    fn open_request(
        &self,
        branch: &str,
        target: &str,
        title: &str,
        body: &str,
    ) -> Result<i64, ForgeError>;
    /// Replaces the title and body of request `number`.
    fn update_request(&self, number: i64, title: &str, body: &str) -> Result<(), ForgeError>;
    /// Comments on request `number`, then closes it.
    fn close_request(&self, number: i64, comment: &str) -> Result<(), ForgeError>;
}

/// A `report` job's input, written by the scan job that stored `scan`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportJob {
    /// The tenant (jobs name theirs).
    pub tenant: i64,
    /// The project.
    pub project: i64,
    /// The stored scan.
    pub scan: i64,
    /// Its commit.
    pub commit: String,
    /// Its branch.
    pub branch: String,
    /// The merge base, for a pull request.
    pub base_commit: Option<String>,
    /// `github` or `gitlab`.
    pub forge: String,
    /// The repository as the webhook named it (the project's `forge_repo` wins).
    pub repo: String,
    /// The pull/merge request, if any.
    pub pull_request: Option<i64>,
    /// This server's base URL as the forge reached it.
    pub target: String,
}

/// Checks the forge fields of a project change: `(field, message)` when one is wrong.
pub fn check_fields(f: &ProjectFields) -> Result<(), (&'static str, String)> {
    if let Some(api) = &f.forge_api
        && (!(api.starts_with("https://") || api.starts_with("http://"))
            || api.len() > 500
            || api.chars().any(|c| c.is_control() || c == ' '))
    {
        return Err(("forge_api", "must be an https:// or http:// URL".into()));
    }
    if let Some(repo) = &f.forge_repo
        && (repo.is_empty() || repo.len() > 300 || repo.chars().any(|c| c.is_control() || c == ' '))
    {
        return Err((
            "forge_repo",
            "must be owner/name (GitHub) or a project id or path (GitLab)".into(),
        ));
    }
    if let Some(t) = &f.forge_token
        && (t.is_empty() || t.len() > 2000 || t.chars().any(char::is_control))
    {
        return Err(("forge_token", "must be 1 to 2000 characters".into()));
    }
    Ok(())
}

/// A project's forge settings: API base URL, token and repository.
pub async fn settings(
    store: &Store,
    project: i64,
) -> Result<Option<(Option<String>, Option<String>, Option<String>)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT forge_api, forge_token, forge_repo FROM project WHERE id = $1")
            .bind(project)
            .fetch_optional(store.pool())
            .await?,
    )
}

/// Why a report failed: `(message, permanent)`.
pub type ReportError = (String, bool);

fn store_err(e: StoreError) -> ReportError {
    (e.to_string(), false)
}

fn forge_err(what: &str) -> impl Fn(ForgeError) -> ReportError + '_ {
    move |e| {
        let p = e.permanent();
        (format!("{what}: {e}"), p)
    }
}

/// Runs a `report` job: the commit status, then for a pull request the summary comment (created
/// once, updated afterwards). Returns what was done.
pub async fn report(store: &Store, job: &ReportJob) -> Result<Value, ReportError> {
    let (api, token, repo) = settings(store, job.project)
        .await
        .map_err(store_err)?
        .ok_or_else(|| (format!("project {} is gone", job.project), true))?;
    let Some(token) = token else {
        return Ok(json!({"skipped": "the project has no forge_token"}));
    };
    let kind = crate::hooks::Forge::parse(&job.forge)
        .ok_or_else(|| (format!("unknown forge `{}`", job.forge), true))?;
    let repo = repo.unwrap_or_else(|| job.repo.clone());
    let forge = client(kind, api.as_deref(), &token, &repo).map_err(|e| (e.message, true))?;
    let summary = summarise(store, job.scan, job.base_commit.as_deref())
        .await
        .map_err(store_err)?;
    let target_url = format!(
        "{}/api/v1/projects/{}/findings?{}",
        job.target.trim_end_matches('/'),
        job.project,
        serde_urlencoded::to_string([("branch", &job.branch)]).unwrap_or_default()
    );
    let status = summary.status(&target_url);
    let body = comment_body(&summary, job, &target_url);
    let existing: Option<(String,)> = match job.pull_request {
        Some(pr) => sqlx::query_as(
            "SELECT comment_id FROM forge_comment WHERE project = $1 AND forge = $2 AND pull_request = $3",
        )
        .bind(job.project)
        .bind(&job.forge)
        .bind(pr)
        .fetch_optional(store.pool())
        .await
        .map_err(|e| store_err(e.into()))?,
        None => None,
    };
    let (commit, pr) = (job.commit.clone(), job.pull_request);
    let sent = status.clone();
    let comment =
        tokio::task::spawn_blocking(move || -> Result<Option<(String, bool)>, ReportError> {
            forge
                .set_status(&commit, &sent)
                .map_err(forge_err("setting the commit status"))?;
            let Some(pr) = pr else { return Ok(None) };
            if let Some((id,)) = existing {
                match forge.update_comment(pr, &id, &body) {
                    Ok(()) => return Ok(Some((id, false))),
                    // Deleted on the forge: write a new one.
                    Err(e) if e.status == Some(404) => {}
                    Err(e) => return Err(forge_err("updating the comment")(e)),
                }
            }
            let id = forge
                .create_comment(pr, &body)
                .map_err(forge_err("commenting"))?;
            Ok(Some((id, true)))
        })
        .await
        .map_err(|e| (format!("the forge call stopped: {e}"), false))??;
    if let (Some((id, true)), Some(pr)) = (&comment, job.pull_request) {
        sqlx::query(
            "INSERT INTO forge_comment (project, forge, pull_request, comment_id, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (project, forge, pull_request) DO UPDATE SET comment_id = $4, updated_at = $5",
        )
        .bind(job.project)
        .bind(&job.forge)
        .bind(pr)
        .bind(id)
        .bind(now_ms())
        .execute(store.pool())
        .await
        .map_err(|e| store_err(e.into()))?;
    }
    Ok(json!({
        "status": if status.success { "success" } else { "failure" },
        "description": status.description,
        "comment": comment.map(|(id, created)| json!({"id": id, "created": created})),
    }))
}
