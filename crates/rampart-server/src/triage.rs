//! Triage decisions that stick: a decision is about a finding's identity (tool, rule,
//! fingerprint), never about a scan, so every later scan of the branch keeps it. States follow
//! CycloneDX / OpenVEX analysis; a decision applies to one branch, every branch of the project,
//! or every project of the tenant (there, a dependency finding may be matched by the rule and
//! the advisory or package the caller names instead of its fingerprint). A newer decision for the
//! same target supersedes the older one, which stays as history; an expired one no longer
//! applies. Branch scope beats project scope beats tenant scope.

pub mod export;

use crate::clock::now_ms;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Triage states.
pub const STATES: &[&str] = &[
    "in_triage",
    "exploitable",
    "false_positive",
    "not_affected",
    "resolved",
];
/// States that need no more work: such findings are never overdue.
pub const SETTLED: &[&str] = &["false_positive", "not_affected", "resolved"];
/// Why a finding is `not_affected` (CycloneDX's impact-analysis justifications).
pub const JUSTIFICATIONS: &[&str] = &[
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
];
/// What is done about it (CycloneDX's responses).
pub const RESPONSES: &[&str] = &[
    "can_not_fix",
    "will_not_fix",
    "update",
    "rollback",
    "workaround_available",
];
/// Where a decision applies.
pub const SCOPES: &[&str] = &["branch", "project", "tenant"];
/// The longest reason, in characters.
pub const MAX_REASON_CHARS: usize = 4000;
/// The longest advisory id, purl or branch name, in bytes.
pub const MAX_NAME_BYTES: usize = 1000;

/// A decision as asked for (`POST /findings/{id}/triage`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    /// One of [`STATES`].
    pub state: String,
    /// One of [`JUSTIFICATIONS`]; required for `not_affected`, refused otherwise.
    #[serde(default)]
    pub justification: Option<String>,
    /// One of [`RESPONSES`].
    #[serde(default)]
    pub response: Option<String>,
    /// Why (required, at most [`MAX_REASON_CHARS`]).
    pub reason: String,
    /// After this (Unix ms, in the future) the decision no longer applies.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// One of [`SCOPES`]; `branch` when absent.
    #[serde(default)]
    pub scope: Option<String>,
    /// For `branch` scope: the branch (the project's default branch when absent).
    #[serde(default)]
    pub branch: Option<String>,
    /// For `tenant` scope: match findings of the rule about this advisory instead of the
    /// fingerprint.
    #[serde(default)]
    pub advisory: Option<String>,
    /// For `tenant` scope: match findings of the rule about this package instead of the
    /// fingerprint.
    #[serde(default)]
    pub purl: Option<String>,
}

/// A refused field and why.
#[derive(Debug, Clone)]
pub struct Invalid {
    /// The field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

fn one_of(field: &'static str, v: &str, list: &[&str]) -> Result<(), Invalid> {
    if list.contains(&v) {
        Ok(())
    } else {
        Err(Invalid {
            field,
            message: format!("unknown {field} `{v}`: use {}", list.join(", ")),
        })
    }
}

fn name_ok(field: &'static str, v: &Option<String>) -> Result<(), Invalid> {
    match v {
        Some(v) if v.is_empty() || v.len() > MAX_NAME_BYTES || v.chars().any(char::is_control) => {
            Err(Invalid {
                field,
                message: format!("must be 1 to {MAX_NAME_BYTES} bytes without control characters"),
            })
        }
        _ => Ok(()),
    }
}

impl NewDecision {
    /// The scope asked for.
    pub fn scope(&self) -> &str {
        self.scope.as_deref().unwrap_or("branch")
    }

    /// Checks every field; the first wrong one is named.
    pub fn check(&self, now: i64) -> Result<(), Invalid> {
        let invalid = |field, message: &str| {
            Err(Invalid {
                field,
                message: message.to_string(),
            })
        };
        one_of("state", &self.state, STATES)?;
        match (&self.justification, self.state.as_str()) {
            (Some(j), "not_affected") => one_of("justification", j, JUSTIFICATIONS)?,
            (None, "not_affected") => {
                return invalid(
                    "justification",
                    &format!(
                        "`not_affected` needs a justification: {}",
                        JUSTIFICATIONS.join(", ")
                    ),
                );
            }
            (Some(_), _) => {
                return invalid(
                    "justification",
                    "only a `not_affected` decision has a justification",
                );
            }
            (None, _) => {}
        }
        if let Some(r) = &self.response {
            one_of("response", r, RESPONSES)?;
        }
        if self.reason.trim().is_empty() {
            return invalid("reason", "say why: the reason is required");
        }
        if self.reason.chars().count() > MAX_REASON_CHARS {
            return invalid("reason", &format!("at most {MAX_REASON_CHARS} characters"));
        }
        if let Some(e) = self.expires_at
            && e <= now
        {
            return invalid("expires_at", "must be in the future (Unix milliseconds)");
        }
        one_of("scope", self.scope(), SCOPES)?;
        name_ok("branch", &self.branch)?;
        name_ok("advisory", &self.advisory)?;
        name_ok("purl", &self.purl)?;
        if self.branch.is_some() && self.scope() != "branch" {
            return invalid("branch", "only a `branch` scope decision names a branch");
        }
        for (field, v) in [("advisory", &self.advisory), ("purl", &self.purl)] {
            if v.is_some() && self.scope() != "tenant" {
                return invalid(
                    field,
                    "only a `tenant` scope decision names an advisory or a purl",
                );
            }
        }
        if self.purl.as_deref().is_some_and(|p| !p.starts_with("pkg:")) {
            return invalid("purl", "must be a package URL (pkg:type/name@version)");
        }
        Ok(())
    }
}

/// A recorded decision.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Decision {
    /// Its id.
    pub id: i64,
    /// `branch`, `project` or `tenant`.
    pub scope: String,
    /// The project (none for tenant scope).
    pub project: Option<i64>,
    /// The branch (branch scope only).
    pub branch: Option<String>,
    /// Tool.
    pub tool: String,
    /// Rule.
    pub rule: String,
    /// The finding's fingerprint (none when the decision names an advisory or purl).
    pub fingerprint: Option<String>,
    /// Advisory id it matches (tenant scope).
    pub advisory: Option<String>,
    /// Package it matches (tenant scope).
    pub purl: Option<String>,
    /// The state.
    pub state: String,
    /// Why not affected.
    pub justification: Option<String>,
    /// What is done about it.
    pub response: Option<String>,
    /// Why.
    pub reason: String,
    /// When it stops applying (Unix ms).
    pub expires_at: Option<i64>,
    /// Who decided.
    pub author: String,
    /// When (Unix ms).
    pub at: i64,
    /// When a newer decision for the same target replaced it.
    pub superseded_at: Option<i64>,
}

const COLUMNS: &str = "id, scope, project, branch, tool, rule, fingerprint, advisory, purl, state, \
     justification, response, reason, expires_at, author, at, superseded_at";

fn decision_of(r: &AnyRow) -> Result<Decision, sqlx::Error> {
    Ok(Decision {
        id: r.try_get(0)?,
        scope: r.try_get(1)?,
        project: r.try_get(2)?,
        branch: r.try_get(3)?,
        tool: r.try_get(4)?,
        rule: r.try_get(5)?,
        fingerprint: r.try_get(6)?,
        advisory: r.try_get(7)?,
        purl: r.try_get(8)?,
        state: r.try_get(9)?,
        justification: r.try_get(10)?,
        response: r.try_get(11)?,
        reason: r.try_get(12)?,
        expires_at: r.try_get(13)?,
        author: r.try_get(14)?,
        at: r.try_get(15)?,
        superseded_at: r.try_get(16)?,
    })
}

/// What a decision is matched against: a finding's identity.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The finding's project.
    pub project: i64,
    /// Tool.
    pub tool: &'a str,
    /// Rule.
    pub rule: &'a str,
    /// Fingerprint.
    pub fingerprint: &'a str,
    /// The package a dependency finding is about.
    pub purl: Option<&'a str>,
    /// The advisory a dependency finding is about.
    pub advisory: Option<&'a str>,
}

impl Decision {
    /// Not superseded and not expired at `now`.
    pub fn active(&self, now: i64) -> bool {
        self.superseded_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }

    /// Whether it is about `t` (on `branch`; any branch when `None`).
    pub fn matches(&self, t: &Target, branch: Option<&str>) -> bool {
        if self.tool != t.tool || self.rule != t.rule {
            return false;
        }
        let same_fp = self.fingerprint.as_deref() == Some(t.fingerprint);
        match self.scope.as_str() {
            "branch" => {
                self.project == Some(t.project)
                    && same_fp
                    && branch.is_none_or(|b| self.branch.as_deref() == Some(b))
            }
            "project" => self.project == Some(t.project) && same_fp,
            _ => {
                same_fp
                    || (self.fingerprint.is_none()
                        && (self.advisory.is_some() || self.purl.is_some())
                        && self
                            .advisory
                            .as_deref()
                            .is_none_or(|a| Some(a) == t.advisory || a == t.rule)
                        && self.purl.as_deref().is_none_or(|p| Some(p) == t.purl))
            }
        }
    }

    /// Precedence: branch (0) before project (1) before tenant (2).
    pub fn rank(&self) -> u8 {
        match self.scope.as_str() {
            "branch" => 0,
            "project" => 1,
            _ => 2,
        }
    }
}

/// The decision in effect for `t` on `branch` at `now`: the narrowest scope, then the newest.
pub fn effective<'d>(
    decisions: &'d [Decision],
    t: &Target,
    branch: &str,
    now: i64,
) -> Option<&'d Decision> {
    decisions
        .iter()
        .filter(|d| d.active(now) && d.matches(t, Some(branch)))
        .min_by_key(|d| (d.rank(), std::cmp::Reverse(d.id)))
}

/// SQL for the id of the decision in effect for the finding `f` (joined with its project `p`)
/// on the branch of finding state `s`; `now` is the placeholder of the current time. Same rules
/// as [`effective`].
pub(crate) fn effective_sql(now: &str) -> String {
    format!(
        "(SELECT t.id FROM triage t WHERE {} \
         ORDER BY CASE t.scope WHEN 'branch' THEN 0 WHEN 'project' THEN 1 ELSE 2 END, t.id DESC LIMIT 1)",
        matching_sql(now)
    )
}

/// The condition on `triage t` that a live decision concerns the finding `f` (with `p` its
/// project, `s` its state on a branch) at `now`: the candidates [`effective_sql`] ranks.
/// `NOT EXISTS (SELECT 1 FROM triage t WHERE …)` is "untriaged" in a form planners estimate.
pub(crate) fn matching_sql(now: &str) -> String {
    format!(
        "t.tenant = p.tenant AND t.tool = f.tool AND t.rule = f.rule \
         AND t.superseded_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > {now}) \
         AND ((t.scope = 'branch' AND t.project = f.project AND t.branch = s.branch AND t.fingerprint = f.fingerprint) \
         OR (t.scope = 'project' AND t.project = f.project AND t.fingerprint = f.fingerprint) \
         OR (t.scope = 'tenant' AND (t.fingerprint = f.fingerprint OR (t.fingerprint IS NULL \
         AND (t.advisory IS NOT NULL OR t.purl IS NOT NULL) \
         AND (t.advisory IS NULL OR t.advisory = f.advisory OR t.advisory = f.rule) \
         AND (t.purl IS NULL OR t.purl = f.purl)))))"
    )
}

/// The decisions with these ids.
pub async fn by_ids(store: &Store, ids: &[i64]) -> Result<Vec<Decision>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM triage WHERE id IN ({})",
        crate::results::placeholders(1, ids.len())
    );
    let mut q = sqlx::query(crate::store::built(sql));
    for id in ids {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(store.pool()).await?;
    Ok(rows.iter().map(decision_of).collect::<Result<_, _>>()?)
}

/// Every decision of `tenant` (current and superseded) that may concern findings of `tool` and
/// `rule` in `project`, oldest first.
pub async fn candidates(
    store: &Store,
    tenant: i64,
    project: i64,
    tool_rule: Option<(&str, &str)>,
) -> Result<Vec<Decision>, StoreError> {
    let mut sql = format!(
        "SELECT {COLUMNS} FROM triage WHERE tenant = $1 AND (project IS NULL OR project = $2)"
    );
    if tool_rule.is_some() {
        sql.push_str(" AND tool = $3 AND rule = $4");
    }
    sql.push_str(" ORDER BY id");
    let mut q = sqlx::query(crate::store::built(sql))
        .bind(tenant)
        .bind(project);
    if let Some((tool, rule)) = tool_rule {
        q = q.bind(tool.to_string()).bind(rule.to_string());
    }
    let rows = q.fetch_all(store.pool()).await?;
    Ok(rows.iter().map(decision_of).collect::<Result<_, _>>()?)
}

/// The decision in effect on one branch.
#[derive(Debug, Clone, Serialize)]
pub struct BranchDecision {
    /// The branch.
    pub branch: String,
    /// `untriaged` or the decision's state.
    pub state: String,
    /// The decision, when one applies.
    pub decision: Option<Decision>,
}

/// A finding's triage: what applies on each branch, and every decision about it.
#[derive(Debug, Clone, Serialize)]
pub struct FindingTriage {
    /// Per branch the finding was seen on.
    pub effective: Vec<BranchDecision>,
    /// Every decision about it, oldest first (superseded and expired ones included).
    pub history: Vec<Decision>,
}

/// The triage of the finding `t` of `tenant`, seen on `branches`.
pub async fn for_finding(
    store: &Store,
    tenant: i64,
    t: &Target<'_>,
    branches: &[String],
) -> Result<FindingTriage, StoreError> {
    let history: Vec<Decision> = candidates(store, tenant, t.project, Some((t.tool, t.rule)))
        .await?
        .into_iter()
        .filter(|d| d.matches(t, None))
        .collect();
    let now = now_ms();
    let effective = branches
        .iter()
        .map(|b| {
            let d = effective(&history, t, b, now).cloned();
            BranchDecision {
                branch: b.clone(),
                state: d.as_ref().map_or("untriaged".into(), |d| d.state.clone()),
                decision: d,
            }
        })
        .collect();
    Ok(FindingTriage { effective, history })
}

/// The finding a decision is asked for.
#[derive(Debug, Clone)]
pub struct FindingRef {
    /// Its id.
    pub id: i64,
    /// Its project.
    pub project: i64,
    /// The project's default branch.
    pub default_branch: String,
    /// Tool.
    pub tool: String,
    /// Rule.
    pub rule: String,
    /// Fingerprint.
    pub fingerprint: String,
}

/// Finding `id` if its project is in `tenant`.
pub async fn finding_ref(
    store: &Store,
    tenant: i64,
    id: i64,
) -> Result<Option<FindingRef>, StoreError> {
    let row: Option<(i64, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT f.id, f.project, p.default_branch, f.tool, f.rule, f.fingerprint FROM finding f \
         JOIN project p ON p.id = f.project WHERE f.id = $1 AND p.tenant = $2",
    )
    .bind(id)
    .bind(tenant)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| FindingRef {
        id: r.0,
        project: r.1,
        default_branch: r.2,
        tool: r.3,
        rule: r.4,
        fingerprint: r.5,
    }))
}

/// Records `new` (already [checked](NewDecision::check)) about finding `f` of `tenant` by
/// `author`, superseding the current decision for the same target, and its audit record; one
/// transaction.
pub async fn record(
    store: &Store,
    tenant: i64,
    f: &FindingRef,
    author: &str,
    new: &NewDecision,
) -> Result<Decision, StoreError> {
    let now = now_ms();
    let scope = new.scope();
    let project = (scope != "tenant").then_some(f.project);
    let branch =
        (scope == "branch").then(|| new.branch.clone().unwrap_or(f.default_branch.clone()));
    let by_package = new.advisory.is_some() || new.purl.is_some();
    let fingerprint = (!by_package).then(|| f.fingerprint.clone());
    let mut tx = store.pool().begin().await?;
    sqlx::query(
        "UPDATE triage SET superseded_at = $1 WHERE tenant = $2 AND scope = $3 AND COALESCE(project, 0) = $4 \
         AND COALESCE(branch, '') = $5 AND tool = $6 AND rule = $7 AND COALESCE(fingerprint, '') = $8 \
         AND COALESCE(advisory, '') = $9 AND COALESCE(purl, '') = $10 AND superseded_at IS NULL",
    )
    .bind(now)
    .bind(tenant)
    .bind(scope)
    .bind(project.unwrap_or(0))
    .bind(branch.clone().unwrap_or_default())
    .bind(&f.tool)
    .bind(&f.rule)
    .bind(fingerprint.clone().unwrap_or_default())
    .bind(new.advisory.clone().unwrap_or_default())
    .bind(new.purl.clone().unwrap_or_default())
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query(crate::store::built(format!(
        "INSERT INTO triage (tenant, scope, project, branch, tool, rule, fingerprint, advisory, purl, state, \
         justification, response, reason, expires_at, author, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING {COLUMNS}"
    )))
    .bind(tenant)
    .bind(scope)
    .bind(project)
    .bind(branch)
    .bind(&f.tool)
    .bind(&f.rule)
    .bind(fingerprint)
    .bind(&new.advisory)
    .bind(&new.purl)
    .bind(&new.state)
    .bind(&new.justification)
    .bind(&new.response)
    .bind(new.reason.trim())
    .bind(new.expires_at)
    .bind(author)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let d = decision_of(&row)?;
    crate::auth::audit(
        &mut *tx,
        tenant,
        author,
        "triage.decide",
        &format!("finding:{}", f.id),
        &serde_json::json!({"decision": d.id, "state": d.state, "scope": d.scope, "branch": d.branch,
            "justification": d.justification, "response": d.response, "expires_at": d.expires_at})
        .to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}
