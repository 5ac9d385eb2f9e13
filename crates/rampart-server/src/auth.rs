//! API tokens: 256-bit random secrets shown once, stored as their SHA-256, with scopes, an
//! optional expiry and revocation; and the first start's tenant and admin token.

use crate::clock::now_ms;
use crate::store::{Store, StoreError};
use base64::Engine as _;
use rampart_core::fingerprint::sha256_hex;
use serde::{Deserialize, Serialize};

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

/// Who is calling: the token that authenticated the request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The token's id.
    pub token: i64,
    /// The token's name (shown in the audit log).
    pub name: String,
    /// The tenant whose projects the token may see.
    pub tenant: i64,
    /// What it may do.
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// Whether the token may do what `scope` allows.
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&Scope::Admin) || self.scopes.contains(&scope)
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

/// Creates a token for `tenant`; returns its id and its secret (shown once, never stored).
pub async fn create_token(
    store: &Store,
    tenant: i64,
    name: &str,
    scopes: &[Scope],
    expires_at: Option<i64>,
) -> Result<(i64, String), StoreError> {
    let secret = new_secret();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO token (tenant, name, hash, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(tenant)
    .bind(name)
    .bind(hash(&secret))
    .bind(scopes_text(scopes))
    .bind(now_ms())
    .bind(expires_at)
    .fetch_one(store.pool())
    .await?;
    Ok((id, secret))
}

/// The principal a secret authenticates: `None` when it is unknown, revoked or expired.
pub async fn authenticate(store: &Store, secret: &str) -> Result<Option<Principal>, StoreError> {
    let now = now_ms();
    let row: Option<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT id, name, tenant, scopes FROM token WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(hash(secret))
    .bind(now)
    .fetch_optional(store.pool())
    .await?;
    let Some((token, name, tenant, scopes)) = row else {
        return Ok(None);
    };
    // Last use, to the minute: one write per token per minute at most.
    sqlx::query(
        "UPDATE token SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(token)
    .bind(now - 60_000)
    .execute(store.pool())
    .await?;
    Ok(Some(Principal {
        token,
        name,
        tenant,
        scopes: scopes_of(&scopes),
    }))
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
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, scopes, created_at, expires_at, revoked_at, last_used_at FROM token WHERE tenant = $1 ORDER BY id",
    )
    .bind(tenant)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, scopes, created_at, expires_at, revoked_at, last_used_at)| TokenInfo {
                id,
                name,
                scopes: scopes_of(&scopes),
                created_at,
                expires_at,
                revoked_at,
                last_used_at,
            },
        )
        .collect())
}

/// Revokes a token of `tenant`; false when the tenant has no such token.
pub async fn revoke_token(store: &Store, tenant: i64, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE token SET revoked_at = $1 WHERE id = $2 AND tenant = $3 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(id)
    .bind(tenant)
    .execute(store.pool())
    .await?;
    Ok(done.rows_affected() == 1)
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
    let (_, secret) =
        create_token(store, tenant, "admin (first start)", &[Scope::Admin], None).await?;
    audit(store, tenant, "server", "token.create", "token:admin", "{}").await?;
    Ok(Some(secret))
}

/// Records a change in the audit log.
pub async fn audit(
    store: &Store,
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
    .execute(store.pool())
    .await?;
    Ok(())
}
