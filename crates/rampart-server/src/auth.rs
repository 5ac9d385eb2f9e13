//! API tokens: 256-bit random secrets shown once, stored as their SHA-256, with scopes, an
//! optional expiry and revocation; and the first start's tenant and admin token.

use crate::clock::now_ms;
use crate::store::{Store, StoreError};
use crate::teams::{self, Role};
use base64::Engine as _;
use rampart_core::fingerprint::sha256_hex;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What a token may do. `admin` may do everything; the others only what they name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read projects, scans, findings and components.
    Read,
    /// Upload results and ask for scans (what CI needs).
    Upload,
    /// Record triage decisions.
    Triage,
    /// Manage projects, tokens and members.
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Upload, Scope::Triage, Scope::Admin];

    /// The scope's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Upload => "upload",
            Scope::Triage => "triage",
            Scope::Admin => "admin",
        }
    }

    /// The scope named `s`.
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Which projects of its tenant a token reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Every project of the tenant (its scopes say what it may do).
    Tenant,
    /// Only the projects where its teams have a role, with the best such role per project.
    Teams(HashMap<i64, Role>),
}

impl Access {
    /// The name stored in `token.access`.
    pub fn kind(&self) -> &'static str {
        match self {
            Access::Tenant => "tenant",
            Access::Teams(_) => "teams",
        }
    }
}

/// Who is calling: the token that authenticated the request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The token's id.
    pub token: i64,
    /// The token's name (shown in the audit log).
    pub name: String,
    /// The tenant whose projects the token may see.
    pub tenant: i64,
    /// What it may do: a ceiling over whatever its roles grant.
    pub scopes: Vec<Scope>,
    /// Which projects it reaches.
    pub access: Access,
}

impl Principal {
    /// Whether the token's scopes allow what `scope` names (its roles may still not).
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&Scope::Admin) || self.scopes.contains(&scope)
    }

    /// Whether project `project` (of the token's tenant) is visible to it.
    pub fn sees(&self, project: i64) -> bool {
        match &self.access {
            Access::Tenant => true,
            Access::Teams(roles) => roles.contains_key(&project),
        }
    }

    /// The role the token acts with on `project`: a tenant-wide token acts as an admin (its
    /// scopes still bound it); `None` when it does not see the project.
    pub fn role_on(&self, project: i64) -> Option<Role> {
        match &self.access {
            Access::Tenant => Some(Role::Admin),
            Access::Teams(roles) => roles.get(&project).copied(),
        }
    }

    /// Whether the token may do what `scope` names on `project`: its scopes and its role agree.
    pub fn may_on(&self, project: i64, scope: Scope) -> bool {
        self.may(scope) && self.role_on(project).is_some_and(|r| r.allows(scope))
    }

    /// Whether the token administers the whole tenant (tokens, teams, new projects, the audit
    /// log): tenant-wide and with the `admin` scope.
    pub fn is_tenant_admin(&self) -> bool {
        self.access == Access::Tenant && self.may(Scope::Admin)
    }

    /// The projects a team-bound token sees; `None` for a tenant-wide one (all of them).
    pub fn visible_projects(&self) -> Option<Vec<i64>> {
        match &self.access {
            Access::Tenant => None,
            Access::Teams(roles) => {
                let mut ids: Vec<i64> = roles.keys().copied().collect();
                ids.sort_unstable();
                Some(ids)
            }
        }
    }

    /// The name the audit log records.
    pub fn actor(&self) -> String {
        format!("token:{}:{}", self.token, self.name)
    }
}

/// The prefix of every token, so secret scanners (rampart's own included) can recognise one.
pub const TOKEN_PREFIX: &str = "rpt_";

/// A new random token secret.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// What the database keeps of a secret.
pub fn hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// A token as listed (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its scopes.
    pub scopes: Vec<Scope>,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// When it was last used.
    pub last_used_at: Option<i64>,
    /// `tenant` (every project) or `teams` (the projects its teams have roles on).
    pub access: String,
    /// The teams it is a member of.
    pub teams: Vec<i64>,
}

fn scopes_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn scopes_of(text: &str) -> Vec<Scope> {
    text.split(',').filter_map(Scope::parse).collect()
}

/// A token to create.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its scopes.
    pub scopes: &'a [Scope],
    /// When it stops working, if ever (Unix ms).
    pub expires_at: Option<i64>,
    /// `Some(teams)`: a team-bound token, member of these teams (of the same tenant; checked by
    /// the caller); `None`: tenant-wide.
    pub teams: Option<&'a [i64]>,
}

/// Creates a token for `tenant`, audited as `actor`; returns its id and its secret (shown once,
/// never stored).
pub async fn create_token(
    store: &Store,
    tenant: i64,
    new: &NewToken<'_>,
    actor: &str,
) -> Result<(i64, String), StoreError> {
    let secret = new_secret();
    let now = now_ms();
    let access = if new.teams.is_some() {
        "teams"
    } else {
        "tenant"
    };
    let mut tx = store.pool().begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO token (tenant, name, hash, scopes, created_at, expires_at, access) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(tenant)
    .bind(new.name)
    .bind(hash(&secret))
    .bind(scopes_text(new.scopes))
    .bind(now)
    .bind(new.expires_at)
    .bind(access)
    .fetch_one(&mut *tx)
    .await?;
    for team in new.teams.unwrap_or_default() {
        sqlx::query(
            "INSERT INTO team_member (team, token, added_at) VALUES ($1, $2, $3) ON CONFLICT (team, token) DO NOTHING",
        )
        .bind(team)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let scopes: Vec<&str> = new.scopes.iter().map(|s| s.as_str()).collect();
    audit(
        &mut *tx,
        tenant,
        actor,
        "token.create",
        &format!("token:{id}"),
        &serde_json::json!({"name": new.name, "scopes": scopes, "access": access, "teams": new.teams, "expires_at": new.expires_at})
            .to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// The principal a secret authenticates: `None` when it is unknown, revoked or expired.
pub async fn authenticate(store: &Store, secret: &str) -> Result<Option<Principal>, StoreError> {
    let now = now_ms();
    let row: Option<TokenRow> = sqlx::query_as(
        "SELECT id, name, tenant, scopes, access, last_used_at FROM token WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(hash(secret))
    .bind(now)
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    principal_of(store, row, now).await.map(Some)
}

/// A live token's row: id, name, tenant, scopes, access, last use.
pub(crate) type TokenRow = (i64, String, i64, String, String, Option<i64>);

/// The principal of a live token's row, noting its use.
pub(crate) async fn principal_of(
    store: &Store,
    (token, name, tenant, scopes, access, last_used): TokenRow,
    now: i64,
) -> Result<Principal, StoreError> {
    // Last use, to the minute: one write per token per minute at most, and none at all on the
    // requests in between (a write on every request would queue readers behind SQLite's one
    // writer). The condition repeats in the statement so that concurrent requests write once.
    if last_used.is_none_or(|t| t < now - 60_000) {
        sqlx::query(
            "UPDATE token SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(token)
        .bind(now - 60_000)
        .execute(store.pool())
        .await?;
    }
    let access = if access == "tenant" {
        Access::Tenant
    } else {
        Access::Teams(teams::roles_of_token(store, token).await?)
    };
    Ok(Principal {
        token,
        name,
        tenant,
        scopes: scopes_of(&scopes),
        access,
    })
}

/// The tokens of a tenant.
pub async fn list_tokens(store: &Store, tenant: i64) -> Result<Vec<TokenInfo>, StoreError> {
    type Row = (
        i64,
        String,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, scopes, created_at, expires_at, revoked_at, last_used_at, access FROM token WHERE tenant = $1 ORDER BY id",
    )
    .bind(tenant)
    .fetch_all(store.pool())
    .await?;
    let members: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.token, m.team FROM team_member m JOIN token t ON t.id = m.token WHERE t.tenant = $1 ORDER BY m.team",
    )
    .bind(tenant)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, scopes, created_at, expires_at, revoked_at, last_used_at, access)| {
                TokenInfo {
                    id,
                    name,
                    scopes: scopes_of(&scopes),
                    created_at,
                    expires_at,
                    revoked_at,
                    last_used_at,
                    access,
                    teams: members.iter().filter(|m| m.0 == id).map(|m| m.1).collect(),
                }
            },
        )
        .collect())
}

/// Revokes a token of `tenant`, audited as `actor`; false when the tenant has no such live
/// token.
pub async fn revoke_token(
    store: &Store,
    tenant: i64,
    id: i64,
    actor: &str,
) -> Result<bool, StoreError> {
    let mut tx = store.pool().begin().await?;
    let done = sqlx::query(
        "UPDATE token SET revoked_at = $1 WHERE id = $2 AND tenant = $3 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(id)
    .bind(tenant)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    // Its dashboard sessions end with it.
    sqlx::query("DELETE FROM session WHERE token = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut *tx,
        tenant,
        actor,
        "token.revoke",
        &format!("token:{id}"),
        "{}",
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Creates a tenant; returns its id.
pub async fn create_tenant(store: &Store, name: &str) -> Result<i64, StoreError> {
    let (id,): (i64,) =
        sqlx::query_as("INSERT INTO tenant (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(now_ms())
            .fetch_one(store.pool())
            .await?;
    Ok(id)
}

/// The id of the tenant named `name`.
pub async fn tenant_by_name(store: &Store, name: &str) -> Result<Option<i64>, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM tenant WHERE name = $1")
        .bind(name)
        .fetch_optional(store.pool())
        .await?;
    Ok(row.map(|r| r.0))
}

/// On first start (no tenant yet): creates the `default` tenant and an admin token, and returns
/// the token's secret to show once. Later starts return `None`.
pub async fn bootstrap(store: &Store) -> Result<Option<String>, StoreError> {
    let (tenants,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tenant")
        .fetch_one(store.pool())
        .await?;
    if tenants > 0 {
        return Ok(None);
    }
    let tenant = create_tenant(store, "default").await?;
    let new = NewToken {
        name: "admin (first start)",
        scopes: &[Scope::Admin],
        expires_at: None,
        teams: None,
    };
    let (_, secret) = create_token(store, tenant, &new, "server").await?;
    Ok(Some(secret))
}

/// Records a change in the audit log, through `db`: the transaction that makes the change, so
/// that the change and its record land together or not at all.
pub async fn audit<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    tenant: i64,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit (tenant, at, actor, action, object, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(now_ms())
    .bind(actor)
    .bind(action)
    .bind(object)
    .bind(detail)
    .execute(db)
    .await?;
    Ok(())
}

/// One audit record.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Its id (newer records have larger ids).
    pub id: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Who: `token:ID:NAME`, or `server`.
    pub actor: String,
    /// What: `token.create`, `team.member.add`, `triage.decide`…
    pub action: String,
    /// On what: `token:ID`, `team:ID`, `project:ID`, `finding:ID`.
    pub object: String,
    /// The change's details (JSON).
    pub detail: serde_json::Value,
}

/// A page of `tenant`'s audit log, newest first, before record `before` (the previous page's
/// last id) when given.
pub async fn audit_page(
    store: &Store,
    tenant: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<crate::findings::Page<AuditEntry>, StoreError> {
    let mut rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, at, actor, action, object, detail FROM audit WHERE tenant = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(tenant)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit + 1)
    .fetch_all(store.pool())
    .await?;
    let more = crate::findings::cut_page(&mut rows, limit);
    let next = more.then(|| rows.last().map(|r| r.0.to_string())).flatten();
    Ok(crate::findings::Page {
        items: rows
            .into_iter()
            .map(|(id, at, actor, action, object, detail)| AuditEntry {
                id,
                at,
                actor,
                action,
                object,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
        next,
    })
}
