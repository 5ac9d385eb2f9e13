//! Projects: what the server scans and keeps findings for, each in one tenant.

use crate::clock::now_ms;
use crate::schedule::Schedule;
use crate::sla::{Sla, SlaPatch};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A project as the API shows it (never its webhook secret).
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// Its id.
    pub id: i64,
    /// Its name, unique in its tenant.
    pub name: String,
    /// The git remote the server clones, if any.
    pub remote: Option<String>,
    /// A folder on the server's machine to scan in place, if any.
    pub local_path: Option<String>,
    /// The branch scheduled scans and the inventory follow.
    pub default_branch: String,
    /// Free tags.
    pub tags: Vec<String>,
    /// Who answers for it (names or e-mail addresses).
    pub owners: Vec<String>,
    /// Whether webhooks are verified with a secret.
    pub has_webhook_secret: bool,
    /// The forge's API base URL for statuses and comments (see [`crate::forge`]).
    pub forge_api: Option<String>,
    /// The repository on the forge (GitHub `owner/name`, GitLab project id or path).
    pub forge_repo: Option<String>,
    /// Whether a forge token is set (the token itself is never shown).
    pub has_forge_token: bool,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// Days a finding may stay open, per severity.
    pub sla: Sla,
    /// When the default branch is rescanned: a cron expression (see [`crate::schedule`]).
    pub schedule: Option<String>,
    /// When it is next rescanned (Unix ms).
    pub next_rescan_at: Option<i64>,
    /// Fix pull/merge requests after scans of the default branch: `grouped`, `per_package`,
    /// or `null` for none (see [`crate::fixes`]).
    pub fix_requests: Option<String>,
    /// `github` or `gitlab`: the forge of requests for scans no webhook asked for.
    pub forge_kind: Option<String>,
    /// The project's `[policy]` section (TOML text), applied to its scans with the repository's
    /// (see [`crate::policy`]).
    pub policy: Option<String>,
}

/// The fields of a new project, or of a change to one (absent fields are left as they are).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFields {
    /// Name.
    pub name: Option<String>,
    /// Git remote.
    pub remote: Option<String>,
    /// Local folder.
    pub local_path: Option<String>,
    /// Default branch (`main` when a new project names none).
    pub default_branch: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Owners.
    pub owners: Option<Vec<String>>,
    /// The webhook secret (write only).
    pub webhook_secret: Option<String>,
    /// Days per severity: the severities named change (a number of days, or `null`/`0` for no
    /// due date); the others keep their values (the defaults, for a new project).
    pub sla: Option<SlaPatch>,
    /// Rescans of the default branch: a cron expression, `""` for none.
    pub schedule: Option<String>,
    /// Forge API base URL (`https://api.github.com`, `https://gitlab.example/api/v4`).
    pub forge_api: Option<String>,
    /// Forge API token (write only).
    pub forge_token: Option<String>,
    /// Repository on the forge.
    pub forge_repo: Option<String>,
    /// `github` or `gitlab` (`""` to clear): where fix requests of scans no webhook asked for
    /// go; a webhook's forge wins.
    pub forge_kind: Option<String>,
    /// Fix pull/merge requests: `off`, `grouped` or `per_package`.
    pub fix_requests: Option<String>,
    /// The `[policy]` section as in rampart.toml (TOML text; `""` to clear).
    pub policy: Option<String>,
}

/// Why a project change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// A field is missing or wrong.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The tenant already has a project of that name.
    #[error("a project named `{0}` exists already")]
    Exists(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

const COLUMNS: &str = "id, name, remote, local_path, default_branch, tags, owners, webhook_secret, created_at, \
     sla, forge_api, forge_repo, forge_token, schedule, next_rescan_at, fix_requests, forge_kind, policy";

/// A project from a row of [`COLUMNS`] (more columns than sqlx's tuples read).
fn project_of(r: &AnyRow) -> Result<Project, sqlx::Error> {
    let list = |s: String| serde_json::from_str(&s).unwrap_or_default();
    Ok(Project {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        remote: r.try_get(2)?,
        local_path: r.try_get(3)?,
        default_branch: r.try_get(4)?,
        tags: list(r.try_get(5)?),
        owners: list(r.try_get(6)?),
        has_webhook_secret: r.try_get::<Option<String>, _>(7)?.is_some(),
        created_at: r.try_get(8)?,
        sla: Sla::from_stored(r.try_get::<Option<String>, _>(9)?.as_deref()),
        forge_api: r.try_get(10)?,
        forge_repo: r.try_get(11)?,
        has_forge_token: r.try_get::<Option<String>, _>(12)?.is_some(),
        schedule: r.try_get(13)?,
        next_rescan_at: r.try_get(14)?,
        fix_requests: r.try_get(15)?,
        forge_kind: r.try_get(16)?,
        policy: r.try_get(17)?,
    })
}

/// The SLA to store when `f` changes `base`: checked, as JSON.
fn sla_text(f: &ProjectFields, base: Sla) -> Result<Option<String>, ProjectError> {
    f.sla
        .as_ref()
        .map(|patch| {
            base.patched(patch)
                .map(|s| serde_json::to_string(&s).unwrap_or_default())
                .map_err(|(_, message)| ProjectError::Invalid {
                    field: "sla",
                    message,
                })
        })
        .transpose()
}

/// The schedule to store and when it next falls due, when `f` sets one (`Some((None, None))`
/// when it clears it).
#[allow(clippy::type_complexity)]
fn schedule_of(f: &ProjectFields) -> Result<Option<(Option<String>, Option<i64>)>, ProjectError> {
    let Some(text) = &f.schedule else {
        return Ok(None);
    };
    if text.trim().is_empty() {
        return Ok(Some((None, None)));
    }
    let s = Schedule::parse(text).map_err(|message| ProjectError::Invalid {
        field: "schedule",
        message,
    })?;
    let next = s.next_after(now_ms()).ok_or(ProjectError::Invalid {
        field: "schedule",
        message: "this schedule never falls due".into(),
    })?;
    Ok(Some((Some(text.trim().to_string()), Some(next))))
}

fn check(f: &ProjectFields) -> Result<(), ProjectError> {
    sla_text(f, Sla::default())?;
    schedule_of(f)?;
    let invalid = |field, message: &str| ProjectError::Invalid {
        field,
        message: message.to_string(),
    };
    if let Some(n) = &f.name
        && (n.trim().is_empty() || n.len() > 200 || n.chars().any(char::is_control))
    {
        return Err(invalid(
            "name",
            "must be 1 to 200 characters, without control characters",
        ));
    }
    if let Some(b) = &f.default_branch
        && (b.is_empty() || b.len() > 255 || b.chars().any(|c| c.is_control() || c == ' '))
    {
        return Err(invalid("default_branch", "must be a git branch name"));
    }
    if let Some(r) = &f.remote
        && !(r.starts_with("https://")
            || r.starts_with("http://")
            || r.starts_with("ssh://")
            || r.starts_with("file://")
            || r.starts_with("git@"))
    {
        return Err(invalid(
            "remote",
            "must be an https://, http://, ssh://, file:// or git@ URL",
        ));
    }
    crate::forge::check_fields(f).map_err(|(field, m)| invalid(field, &m))?;
    if let Some(k) = &f.forge_kind
        && !matches!(k.as_str(), "" | "github" | "gitlab")
    {
        return Err(invalid("forge_kind", "must be github or gitlab"));
    }
    if let Some(m) = &f.fix_requests {
        crate::fixes::FixMode::parse(m).map_err(|e| invalid("fix_requests", &e))?;
    }
    if let Some(p) = &f.policy
        && !p.trim().is_empty()
    {
        crate::policy::parse(p).map_err(|e| invalid("policy", &e))?;
    }
    for (field, list) in [("tags", &f.tags), ("owners", &f.owners)] {
        if list
            .as_ref()
            .is_some_and(|l| l.len() > 100 || l.iter().any(|t| t.is_empty() || t.len() > 200))
        {
            return Err(invalid(
                field,
                "at most 100 entries of 1 to 200 characters each",
            ));
        }
    }
    Ok(())
}

/// The stored form of a text setting: `None` when not given, `Some(None)` to clear it.
fn cleared(v: &Option<String>) -> Option<Option<String>> {
    v.as_ref()
        .map(|t| (!t.trim().is_empty()).then(|| t.to_string()))
}

/// The stored fix mode: `Some(None)` for off.
fn fix_mode(v: &Option<String>) -> Option<Option<String>> {
    v.as_ref().map(|m| {
        crate::fixes::FixMode::parse(m)
            .ok()
            .flatten()
            .map(|m| m.as_str().to_string())
    })
}

/// Creates a project in `tenant`.
pub async fn create(
    store: &Store,
    tenant: i64,
    f: &ProjectFields,
) -> Result<Project, ProjectError> {
    check(f)?;
    let name = f.name.clone().ok_or(ProjectError::Invalid {
        field: "name",
        message: "is required".into(),
    })?;
    let schedule = schedule_of(f)?.unwrap_or((None, None));
    let json = |l: &Option<Vec<String>>| {
        serde_json::to_string(l.as_deref().unwrap_or(&[])).unwrap_or_default()
    };
    let row = sqlx::query(crate::store::built(format!(
        "INSERT INTO project (tenant, name, remote, local_path, default_branch, tags, owners, webhook_secret, created_at, sla, forge_api, forge_token, forge_repo, schedule, next_rescan_at, fix_requests, forge_kind, policy) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING {COLUMNS}"
    )))
    .bind(tenant)
    .bind(&name)
    .bind(&f.remote)
    .bind(&f.local_path)
    .bind(f.default_branch.as_deref().unwrap_or("main"))
    .bind(json(&f.tags))
    .bind(json(&f.owners))
    .bind(&f.webhook_secret)
    .bind(now_ms())
    .bind(sla_text(f, Sla::default())?)
    .bind(&f.forge_api)
    .bind(&f.forge_token)
    .bind(&f.forge_repo)
    .bind(schedule.0)
    .bind(schedule.1)
    .bind(fix_mode(&f.fix_requests).flatten())
    .bind(cleared(&f.forge_kind).flatten())
    .bind(cleared(&f.policy).flatten())
    .fetch_one(store.pool())
    .await;
    match row.and_then(|r| project_of(&r)) {
        Ok(p) => Ok(p),
        Err(e) if crate::store::is_unique_violation(&e) => Err(ProjectError::Exists(name)),
        Err(e) => Err(StoreError::from(e).into()),
    }
}

/// The project `id` if it is in `tenant`.
pub async fn get(store: &Store, tenant: i64, id: i64) -> Result<Option<Project>, StoreError> {
    let row = sqlx::query(crate::store::built(format!(
        "SELECT {COLUMNS} FROM project WHERE id = $1 AND tenant = $2"
    )))
    .bind(id)
    .bind(tenant)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.as_ref().map(project_of).transpose()?)
}

/// The webhook secret of project `id` (any tenant: webhooks are not authenticated by token).
pub async fn webhook_secret(store: &Store, id: i64) -> Result<Option<String>, StoreError> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT webhook_secret FROM project WHERE id = $1")
            .bind(id)
            .fetch_optional(store.pool())
            .await?;
    Ok(row.and_then(|r| r.0))
}

/// The projects of `tenant`, by name.
pub async fn list(store: &Store, tenant: i64) -> Result<Vec<Project>, StoreError> {
    let rows = sqlx::query(crate::store::built(format!(
        "SELECT {COLUMNS} FROM project WHERE tenant = $1 ORDER BY name"
    )))
    .bind(tenant)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(project_of).collect::<Result<Vec<_>, _>>()?)
}

/// Changes the fields given; `None` when `tenant` has no project `id`.
pub async fn update(
    store: &Store,
    tenant: i64,
    id: i64,
    f: &ProjectFields,
) -> Result<Option<Project>, ProjectError> {
    check(f)?;
    let Some(old) = get(store, tenant, id).await? else {
        return Ok(None);
    };
    let name = f.name.clone().unwrap_or(old.name);
    let sla = sla_text(f, old.sla)?;
    let schedule = schedule_of(f)?.unwrap_or((old.schedule, old.next_rescan_at));
    let json = |new: &Option<Vec<String>>, old: Vec<String>| {
        serde_json::to_string(new.as_ref().unwrap_or(&old)).unwrap_or_default()
    };
    let done = sqlx::query(
        "UPDATE project SET name = $1, remote = $2, local_path = $3, default_branch = $4, tags = $5, owners = $6, \
         webhook_secret = COALESCE($7, webhook_secret), sla = COALESCE($10, sla), forge_api = COALESCE($11, forge_api), \
         forge_token = COALESCE($12, forge_token), forge_repo = COALESCE($13, forge_repo), schedule = $14, next_rescan_at = $15, \
         fix_requests = $16, forge_kind = $17, policy = $18 WHERE id = $8 AND tenant = $9",
    )
    .bind(&name)
    .bind(f.remote.clone().or(old.remote))
    .bind(f.local_path.clone().or(old.local_path))
    .bind(f.default_branch.clone().unwrap_or(old.default_branch))
    .bind(json(&f.tags, old.tags))
    .bind(json(&f.owners, old.owners))
    .bind(&f.webhook_secret)
    .bind(id)
    .bind(tenant)
    .bind(sla)
    .bind(&f.forge_api)
    .bind(&f.forge_token)
    .bind(&f.forge_repo)
    .bind(schedule.0)
    .bind(schedule.1)
    .bind(fix_mode(&f.fix_requests).unwrap_or(old.fix_requests))
    .bind(cleared(&f.forge_kind).unwrap_or(old.forge_kind))
    .bind(cleared(&f.policy).unwrap_or(old.policy))
    .execute(store.pool())
    .await;
    match done {
        Ok(_) => Ok(get(store, tenant, id).await?),
        Err(e) if crate::store::is_unique_violation(&e) => Err(ProjectError::Exists(name)),
        Err(e) => Err(StoreError::from(e).into()),
    }
}
