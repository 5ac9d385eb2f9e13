//! Fix pull/merge requests: after a scan of a project's default branch, the dependency
//! upgrades and pins the scanner computed (a [`FixSet`], see [`crate::worker::Scanner`]) go to
//! the forge as pull requests (GitHub) or merge requests (GitLab), one per package or one for
//! everything (the project's `fix_requests` setting).
//!
//! The scan job stores its findings and enqueues a `fix` job ([`FixJob`]) in the same
//! transaction; the `fix` job runs [`run`]. Per request:
//! - the branch is `rampart/fix/<key>` (`all` when grouped, else the package, action or image,
//!   see [`branch_name`]);
//! - the files' new contents are committed through the forge's API on top of the scanned
//!   commit (GitHub: blobs, a tree on the commit's tree, a commit, then the ref is created or
//!   force-updated; GitLab: one commit with `update` actions and `force`);
//! - an open request from that branch is edited (title and body), else one is opened: never
//!   two. A request whose files, title and body are unchanged since the last push is left as
//!   it is (nightly rescans do not re-push the same fix).
//!
//! **Requests no longer needed** (the latest fix set has no request for their branch: merged,
//! or the vulnerable package went away) are **closed with a comment** saying why; the branch is
//! left for people to delete. Only requests this server opened (rows of `fix_request`) are
//! closed. A scan that computed no fix set (the scanner cannot, or the set was too large)
//! closes nothing.
//!
//! Failures (forge down, 4xx) end the `fix` job with its error on the job and it is retried
//! with backoff like `report` jobs; the scan itself has already been stored.

use crate::clock::now_ms;
use crate::forge::{self, ForgeError, ReportError};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Largest fix set a scan may hand over (bytes of file contents, all requests together).
pub const MAX_FIX_BYTES: usize = 8 << 20;
/// Most files one request may change.
pub const MAX_FILES: usize = 200;
/// Most requests one fix set may hold.
pub const MAX_REQUESTS: usize = 50;

/// How a project's fixes are grouped into requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixMode {
    /// One request for all fixes (branch `rampart/fix/all`).
    Grouped,
    /// One request per package, action or image (branch `rampart/fix/<package>`).
    PerPackage,
}

impl FixMode {
    /// Parses the setting: `grouped`, `per_package`; `off` (or empty) is `None`.
    pub fn parse(s: &str) -> Result<Option<FixMode>, String> {
        match s.trim() {
            "" | "off" => Ok(None),
            "grouped" => Ok(Some(FixMode::Grouped)),
            "per_package" => Ok(Some(FixMode::PerPackage)),
            other => Err(format!(
                "`{other}` is not a mode: give off, grouped or per_package"
            )),
        }
    }

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            FixMode::Grouped => "grouped",
            FixMode::PerPackage => "per_package",
        }
    }
}

/// A file of a request with its new contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixFile {
    /// Path relative to the repository's root, `/`-separated.
    pub path: String,
    /// The whole new text.
    pub content: String,
}

/// A finding a change resolves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixFinding {
    /// Its rule (`deps/GHSA-…`, `iac/gha-unpinned-uses`).
    pub rule: String,
    /// Where it is.
    pub path: String,
    /// Its line.
    pub line: u64,
    /// Its fingerprint, as in the scan's report.
    pub fingerprint: String,
}

/// One change (an upgrade in a manifest, a pin) and what it resolves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixChange {
    /// What it does, in one line ("upgrade lodash 4.17.20 → 4.17.21 in package.json").
    pub description: String,
    /// The findings it resolves.
    pub resolves: Vec<FixFinding>,
}

/// A lockfile command to run after the change (rampart runs no package manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixCommand {
    /// The folder, relative to the repository's root (empty for the root).
    pub dir: String,
    /// The command line.
    pub line: String,
}

/// One pull/merge request's worth of fixes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixRequest {
    /// `all` when grouped, else the package, action or image (the branch is made from it).
    pub key: String,
    /// The request's title.
    pub title: String,
    /// The changed files, with their whole new contents.
    pub files: Vec<FixFile>,
    /// The changes, each with the findings it resolves.
    pub changes: Vec<FixChange>,
    /// Commands that regenerate lockfiles after it.
    pub commands: Vec<FixCommand>,
}

/// What a scan can fix by itself: requests, and what it could not fix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixSet {
    /// The requests (none when there is nothing to fix).
    pub requests: Vec<FixRequest>,
    /// What could not be fixed automatically, and why.
    pub notes: Vec<String>,
}

impl FixSet {
    /// Checks the set's bounds and paths before it is stored as a job.
    pub fn check(&self) -> Result<(), String> {
        if self.requests.len() > MAX_REQUESTS {
            return Err(format!(
                "{} requests; at most {MAX_REQUESTS}",
                self.requests.len()
            ));
        }
        let mut bytes = 0usize;
        for r in &self.requests {
            if r.files.is_empty() || r.files.len() > MAX_FILES {
                return Err(format!(
                    "request `{}` changes {} files; 1 to {MAX_FILES}",
                    r.key,
                    r.files.len()
                ));
            }
            for f in &r.files {
                let bad = f.path.is_empty()
                    || f.path.starts_with('/')
                    || f.path.contains('\\')
                    || f.path
                        .split('/')
                        .any(|s| s.is_empty() || s == "." || s == "..")
                    || f.path.chars().any(char::is_control);
                if bad {
                    return Err(format!("`{}` is not a relative path", f.path));
                }
                bytes += f.content.len();
            }
        }
        if bytes > MAX_FIX_BYTES {
            return Err(format!("{bytes} bytes of files; at most {MAX_FIX_BYTES}"));
        }
        Ok(())
    }
}

/// The branch of a request: `rampart/fix/` and the key, with anything but ASCII letters,
/// digits, `.`, `_` and `-` made `-` (so `@babel/core` is `rampart/fix/babel-core`), at most
/// 100 characters.
pub fn branch_name(key: &str) -> String {
    let mut s: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    while s.contains("..") {
        s = s.replace("..", ".");
    }
    let mut s = s.trim_matches(|c| c == '-' || c == '.').to_string();
    s.truncate(100);
    let s = s.trim_end_matches(['-', '.']);
    let s = s.strip_suffix(".lock").unwrap_or(s);
    if s.is_empty() {
        "rampart/fix/package".into()
    } else {
        format!("rampart/fix/{s}")
    }
}

/// A `fix` job's input, written by the scan job that computed the set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FixJob {
    /// The tenant.
    pub tenant: i64,
    /// The project.
    pub project: i64,
    /// The stored scan.
    pub scan: i64,
    /// The scanned commit: each request's commit goes on top of it.
    pub commit: String,
    /// The default branch: the requests' target.
    pub branch: String,
    /// `github` or `gitlab`.
    pub forge: String,
    /// The repository as the forge names it (the project's `forge_repo` wins).
    pub repo: String,
    /// What to push.
    pub fixes: FixSet,
}

const MAX_BODY: usize = 60_000;

/// Text that cannot break out of Markdown code spans or start HTML.
fn inert(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '`' => '\'',
            '<' => '‹',
            '>' => '›',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// The body of a request: each change with the findings it resolves, the lockfile commands and
/// what could not be fixed.
pub fn request_body(r: &FixRequest, job: &FixJob) -> String {
    let short: String = job.commit.chars().take(12).collect();
    let mut out = format!(
        "<!-- rampart:fix -->\n**rampart** found vulnerable dependencies or unpinned references on `{}` (commit `{short}`) that these changes fix.\n\n#### Changes\n\n",
        inert(&job.branch)
    );
    for c in &r.changes {
        out.push_str(&format!("- {}\n", inert(&c.description)));
        for f in &c.resolves {
            out.push_str(&format!(
                "  - resolves `{}` at `{}:{}`\n",
                inert(&f.rule),
                inert(&f.path),
                f.line
            ));
        }
    }
    if !r.commands.is_empty() {
        out.push_str(
            "\n#### Then regenerate the lockfiles\n\nrampart runs no package manager: run these on this branch and push the result.\n\n```sh\n",
        );
        for c in &r.commands {
            let dir = if c.dir.is_empty() { "." } else { &c.dir };
            out.push_str(&format!(
                "(cd {} && {})\n",
                dir.replace('`', "'"),
                c.line.replace('`', "'")
            ));
        }
        out.push_str("```\n");
    }
    if !job.fixes.notes.is_empty() {
        out.push_str("\n#### Not fixed automatically\n\n");
        for n in job.fixes.notes.iter().take(50) {
            out.push_str(&format!("- {}\n", inert(n)));
        }
    }
    out.push_str("\nThis request is kept up to date by the rampart server after each scan of the default branch.\n");
    if out.len() > MAX_BODY {
        let mut cut = MAX_BODY;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("\n\n… (cut)\n");
    }
    out
}

/// The digest of what a request pushes (files, title, body), to skip unchanged ones.
fn digest(r: &FixRequest, body: &str) -> String {
    let mut h = Sha256::new();
    for f in &r.files {
        h.update((f.path.len() as u64).to_le_bytes());
        h.update(f.path.as_bytes());
        h.update((f.content.len() as u64).to_le_bytes());
        h.update(f.content.as_bytes());
    }
    h.update(r.title.as_bytes());
    h.update([0]);
    h.update(body.as_bytes());
    hex::encode(h.finalize())
}

fn store_err(e: impl Into<StoreError>) -> ReportError {
    (e.into().to_string(), false)
}

fn forge_err(what: String) -> impl Fn(ForgeError) -> ReportError {
    move |e| {
        let p = e.permanent();
        (format!("{what}: {e}"), p)
    }
}

/// What happened to one request.
#[derive(Debug, Clone, Serialize)]
struct Outcome {
    branch: String,
    number: i64,
    action: &'static str,
}

/// Runs a `fix` job: opens or updates each request, then closes the ones no longer needed.
/// Returns what was done.
pub async fn run(store: &Store, job: &FixJob) -> Result<Value, ReportError> {
    let (api, token, repo) = forge::settings(store, job.project)
        .await
        .map_err(store_err)?
        .ok_or_else(|| (format!("project {} is gone", job.project), true))?;
    let Some(token) = token else {
        return Ok(json!({"skipped": "the project has no forge_token"}));
    };
    let kind = crate::hooks::Forge::parse(&job.forge)
        .ok_or_else(|| (format!("unknown forge `{}`", job.forge), true))?;
    let repo = repo.unwrap_or_else(|| job.repo.clone());
    let client: std::sync::Arc<dyn forge::Forge> =
        forge::client(kind, api.as_deref(), &token, &repo)
            .map_err(|e| (e.message, true))?
            .into();
    job.fixes
        .check()
        .map_err(|e| (format!("fix set: {e}"), true))?;
    let mut done = Vec::new();
    let mut wanted = Vec::new();
    for r in &job.fixes.requests {
        let branch = branch_name(&r.key);
        wanted.push(branch.clone());
        let body = request_body(r, job);
        let digest = digest(r, &body);
        let known: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT number, digest, state FROM fix_request WHERE project = $1 AND forge = $2 AND branch = $3",
        )
        .bind(job.project)
        .bind(&job.forge)
        .bind(&branch)
        .fetch_optional(store.pool())
        .await
        .map_err(store_err)?;
        let (forge, b, req, base, target) = (
            client.clone(),
            branch.clone(),
            r.clone(),
            job.commit.clone(),
            job.branch.clone(),
        );
        let unchanged = known
            .as_ref()
            .is_some_and(|(_, d, state)| *d == digest && state == "open");
        let (number, sha, action) = tokio::task::spawn_blocking(
            move || -> Result<(i64, Option<String>, &'static str), ReportError> {
                let open = forge
                    .find_request(&b)
                    .map_err(forge_err(format!("looking for the request of {b}")))?;
                if let (Some(n), true) = (open, unchanged) {
                    return Ok((n, None, "unchanged"));
                }
                let message = format!("{}\n\nrampart fix from the scan of {base}.", req.title);
                let sha = forge
                    .push_branch(&b, &base, &req.files, &message)
                    .map_err(forge_err(format!("pushing {b}")))?;
                match open {
                    Some(n) => {
                        forge
                            .update_request(n, &req.title, &body)
                            .map_err(forge_err(format!("updating request {n}")))?;
                        Ok((n, Some(sha), "updated"))
                    }
                    None => {
                        let n = forge
                            .open_request(&b, &target, &req.title, &body)
                            .map_err(forge_err(format!("opening the request of {b}")))?;
                        Ok((n, Some(sha), "opened"))
                    }
                }
            },
        )
        .await
        .map_err(|e| (format!("the forge call stopped: {e}"), false))??;
        sqlx::query(
            "INSERT INTO fix_request (project, forge, branch, number, head_sha, digest, state, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7) \
             ON CONFLICT (project, forge, branch) DO UPDATE SET number = $4, head_sha = COALESCE($5, fix_request.head_sha), \
             digest = $6, state = 'open', updated_at = $7",
        )
        .bind(job.project)
        .bind(&job.forge)
        .bind(&branch)
        .bind(number)
        .bind(sha)
        .bind(&digest)
        .bind(now_ms())
        .execute(store.pool())
        .await
        .map_err(store_err)?;
        done.push(Outcome {
            branch,
            number,
            action,
        });
    }
    // Requests no longer needed: closed with a comment.
    let open: Vec<(String, i64)> = sqlx::query_as(
        "SELECT branch, number FROM fix_request WHERE project = $1 AND forge = $2 AND state = 'open' ORDER BY branch",
    )
    .bind(job.project)
    .bind(&job.forge)
    .fetch_all(store.pool())
    .await
    .map_err(store_err)?;
    for (branch, number) in open.into_iter().filter(|(b, _)| !wanted.contains(b)) {
        let forge = client.clone();
        let comment = format!(
            "rampart: the latest scan of `{}` (commit `{}`) needs none of these changes any more (merged, or the findings are gone), so this request is closed. The branch `{branch}` can be deleted.",
            inert(&job.branch),
            job.commit.chars().take(12).collect::<String>()
        );
        let b = branch.clone();
        let action = tokio::task::spawn_blocking(move || -> Result<&'static str, ReportError> {
            match forge
                .find_request(&b)
                .map_err(forge_err(format!("looking for the request of {b}")))?
            {
                Some(n) => {
                    forge
                        .close_request(n, &comment)
                        .map_err(forge_err(format!("closing request {n}")))?;
                    Ok("closed")
                }
                None => Ok("gone"),
            }
        })
        .await
        .map_err(|e| (format!("the forge call stopped: {e}"), false))??;
        sqlx::query(
            "UPDATE fix_request SET state = 'closed', updated_at = $4 WHERE project = $1 AND forge = $2 AND branch = $3",
        )
        .bind(job.project)
        .bind(&job.forge)
        .bind(&branch)
        .bind(now_ms())
        .execute(store.pool())
        .await
        .map_err(store_err)?;
        done.push(Outcome {
            branch,
            number,
            action,
        });
    }
    Ok(json!({ "requests": done, "notes": job.fixes.notes.len() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_are_deterministic_and_safe() {
        assert_eq!(branch_name("all"), "rampart/fix/all");
        assert_eq!(branch_name("lodash"), "rampart/fix/lodash");
        assert_eq!(branch_name("@babel/core"), "rampart/fix/babel-core");
        assert_eq!(
            branch_name("actions/checkout"),
            "rampart/fix/actions-checkout"
        );
        assert_eq!(
            branch_name("org.apache.logging.log4j:log4j-core"),
            "rampart/fix/org.apache.logging.log4j-log4j-core"
        );
        assert_eq!(branch_name("../x..y.lock"), "rampart/fix/x.y");
        assert_eq!(branch_name("///"), "rampart/fix/package");
        assert!(branch_name(&"a".repeat(500)).len() <= 112);
    }

    #[test]
    fn modes_parse() {
        assert_eq!(FixMode::parse("grouped"), Ok(Some(FixMode::Grouped)));
        assert_eq!(FixMode::parse("per_package"), Ok(Some(FixMode::PerPackage)));
        assert_eq!(FixMode::parse("off"), Ok(None));
        assert!(
            FixMode::parse("sometimes")
                .unwrap_err()
                .contains("per_package")
        );
    }

    #[test]
    fn sets_out_of_bounds_or_with_bad_paths_are_refused() {
        let req = |path: &str| FixRequest {
            key: "k".into(),
            title: "t".into(),
            files: vec![FixFile {
                path: path.into(),
                content: "x".into(),
            }],
            changes: vec![],
            commands: vec![],
        };
        let set = |r: FixRequest| FixSet {
            requests: vec![r],
            notes: vec![],
        };
        assert!(set(req("package.json")).check().is_ok());
        assert!(set(req("web/package.json")).check().is_ok());
        for bad in ["", "/etc/passwd", "../x", "a//b", "a/./b", "a\\b"] {
            assert!(set(req(bad)).check().is_err(), "{bad}");
        }
        let mut big = req("a");
        big.files[0].content = "x".repeat(MAX_FIX_BYTES + 1);
        assert!(set(big).check().is_err());
    }
}
