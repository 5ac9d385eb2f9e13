//! Drift of what runs from what was scanned, checked when a deployment is recorded: an artifact
//! with no stored attestation in its project ([`crate::attestations`]) was never scanned (or its
//! attestation never uploaded); an attestation whose commit is not on the project's default
//! branch attests a build of unreviewed code; a deployment naming another commit than its
//! attestation runs something else. Each is a `drift` finding on the deployment.
//!
//! A commit is on the default branch when the server stored a scan of it on that branch, or,
//! for a project with a local repository, when git says it is an ancestor of the branch.

use crate::deployments::Hit;
use crate::projects::Project;
use crate::store::{Store, StoreError};
use serde_json::json;

/// The drift findings of `artifact` (`sha256:HEX`) deployed from `project` of `tenant`, built
/// from `commit` when the deployment names one.
pub(crate) async fn check(
    store: &Store,
    tenant: i64,
    project: &Project,
    artifact: &str,
    commit: Option<&str>,
) -> Result<Vec<Hit>, StoreError> {
    let hex = artifact.strip_prefix("sha256:").unwrap_or(artifact);
    let newest: Option<(i64, Option<String>)> = sqlx::query_as(
        "SELECT a.id, a.commit_sha FROM attestation_subject s JOIN attestation a ON a.id = s.attestation \
         WHERE s.tenant = $1 AND s.digest = $2 AND a.tenant = $1 AND a.project = $3 ORDER BY a.id DESC LIMIT 1",
    )
    .bind(tenant)
    .bind(hex)
    .bind(project.id)
    .fetch_optional(store.pool())
    .await?;
    let short = crate::deployments::short_artifact(artifact);
    let Some((attestation, attested)) = newest else {
        return Ok(vec![Hit {
            kind: "drift",
            key: "unattested".into(),
            severity: "high".into(),
            message: format!(
                "{short} has no attestation in project {}: what runs was not scanned (or its attestation was not uploaded: rampart attest, then POST /api/v1/attestations)",
                project.name
            ),
            detail: json!({"artifact": artifact}),
        }]);
    };
    let mut hits = Vec::new();
    let Some(attested) = attested else {
        return Ok(vec![Hit {
            kind: "drift",
            key: "attestation_without_commit".into(),
            severity: "medium".into(),
            message: format!(
                "the newest attestation of {short} (id {attestation}) names no commit: it cannot be tied to the default branch"
            ),
            detail: json!({"artifact": artifact, "attestation": attestation}),
        }]);
    };
    if let Some(c) = commit
        && !same_commit(c, &attested)
    {
        hits.push(Hit {
            kind: "drift",
            key: "commit_mismatch".into(),
            severity: "high".into(),
            message: format!(
                "the deployment names commit {c} but the attestation of {short} (id {attestation}) was made from {attested}"
            ),
            detail: json!({"artifact": artifact, "attestation": attestation, "deployed_commit": c, "attested_commit": attested}),
        });
    }
    if !on_default_branch(store, project, &attested).await? {
        hits.push(Hit {
            kind: "drift",
            key: "commit_not_on_default_branch".into(),
            severity: "medium".into(),
            message: format!(
                "the attestation of {short} (id {attestation}) was made from commit {attested}, which is not known on the default branch {} (no scan of it there{})",
                project.default_branch,
                if project.local_path.is_some() {
                    ", and git does not find it in the branch's history"
                } else {
                    ""
                }
            ),
            detail: json!({"artifact": artifact, "attestation": attestation, "attested_commit": attested, "branch": project.default_branch}),
        });
    }
    Ok(hits)
}

/// Whether two commit ids name the same commit (one may be abbreviated).
fn same_commit(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a.len() >= 4 && b.len() >= 4 && (a.starts_with(&b) || b.starts_with(&a))
}

/// Whether `commit` is on `project`'s default branch: a scan of it stored on that branch, or an
/// ancestor of the branch in the project's local repository.
async fn on_default_branch(
    store: &Store,
    project: &Project,
    commit: &str,
) -> Result<bool, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM scan WHERE project = $1 AND branch = $2 AND commit_sha = $3",
    )
    .bind(project.id)
    .bind(&project.default_branch)
    .bind(commit)
    .fetch_one(store.pool())
    .await?;
    if n > 0 {
        return Ok(true);
    }
    let (Some(path), true) = (project.local_path.clone(), crate::git::is_commit(commit)) else {
        return Ok(false);
    };
    let branch = format!("refs/heads/{}", project.default_branch);
    let commit = commit.to_string();
    let ancestor = tokio::task::spawn_blocking(move || {
        std::process::Command::new("git")
            .args(["-C", &path, "merge-base", "--is-ancestor", &commit, &branch])
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
    .await
    .unwrap_or(false);
    Ok(ancestor)
}
