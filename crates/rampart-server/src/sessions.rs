//! Browser sessions for the dashboard: a user logs in with an API token, and the browser then
//! holds a random session id (256 bits) in a cookie. The database keeps only the id's SHA-256,
//! the token it acts as and when it ends. A session acts with its token's principal, so the same
//! scopes, roles and tenant rules apply; it ends at its own expiry, at its token's expiry, when
//! the token is revoked, or at logout.
//!
//! Each session has a CSRF token derived from its id (a keyed hash the database cannot
//! recompute, since it never sees the id), which every form of the session must send back.

use crate::auth::{self, Principal};
use crate::clock::now_ms;
use crate::store::{Store, StoreError};
use base64::Engine as _;
use rampart_core::fingerprint::sha256_hex;
use subtle::ConstantTimeEq;

/// The prefix of a session id.
pub const SESSION_PREFIX: &str = "rps_";

/// A new random session id.
fn new_id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    format!(
        "{SESSION_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// What the database keeps of a session id.
fn id_hash(id: &str) -> String {
    sha256_hex(format!("session\0{id}").as_bytes())
}

/// A session just made: its id (for the cookie, never stored) and when it ends (Unix ms).
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The session id.
    pub id: String,
    /// When it ends.
    pub expires_at: i64,
}

/// Opens a session for the token `secret` authenticates, lasting `ttl_ms` (less if the token
/// expires sooner); `None` when the secret is unknown, revoked or expired. Ended sessions are
/// swept on the way.
pub async fn create(
    store: &Store,
    secret: &str,
    ttl_ms: i64,
) -> Result<Option<(NewSession, Principal)>, StoreError> {
    let Some(who) = auth::authenticate(store, secret).await? else {
        return Ok(None);
    };
    let now = now_ms();
    let (token_expiry,): (Option<i64>,) =
        sqlx::query_as("SELECT expires_at FROM token WHERE id = $1")
            .bind(who.token)
            .fetch_one(store.pool())
            .await?;
    let expires_at = token_expiry.map_or(now + ttl_ms, |e| e.min(now + ttl_ms));
    let id = new_id();
    sqlx::query("DELETE FROM session WHERE expires_at <= $1")
        .bind(now)
        .execute(store.pool())
        .await?;
    sqlx::query(
        "INSERT INTO session (id_hash, token, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id_hash(&id))
    .bind(who.token)
    .bind(now)
    .bind(expires_at)
    .execute(store.pool())
    .await?;
    Ok(Some((NewSession { id, expires_at }, who)))
}

/// The principal session `id` acts as: `None` when the session is unknown or ended, or its
/// token is revoked or expired.
pub async fn authenticate(store: &Store, id: &str) -> Result<Option<Principal>, StoreError> {
    if !id.starts_with(SESSION_PREFIX) || id.len() > 100 {
        return Ok(None);
    }
    let now = now_ms();
    let row: Option<auth::TokenRow> = sqlx::query_as(
        "SELECT t.id, t.name, t.tenant, t.scopes, t.access, t.last_used_at FROM session s JOIN token t ON t.id = s.token \
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
    )
    .bind(id_hash(id))
    .bind(now)
    .fetch_optional(store.pool())
    .await?;
    match row {
        Some(row) => auth::principal_of(store, row, now).await.map(Some),
        None => Ok(None),
    }
}

/// Ends session `id` (logout); false when there was none.
pub async fn end(store: &Store, id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM session WHERE id_hash = $1")
        .bind(id_hash(id))
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The live sessions of token `token`.
pub async fn count_for_token(store: &Store, token: i64) -> Result<i64, StoreError> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM session WHERE token = $1 AND expires_at > $2")
            .bind(token)
            .bind(now_ms())
            .fetch_one(store.pool())
            .await?;
    Ok(n)
}

/// The CSRF token of session `id`: what its forms carry in a hidden field.
pub fn csrf_token(id: &str) -> String {
    sha256_hex(format!("csrf\0{id}").as_bytes())
}

/// Whether `given` is session `id`'s CSRF token (compared in constant time).
pub fn csrf_ok(id: &str, given: &str) -> bool {
    let want = csrf_token(id);
    want.len() == given.len() && bool::from(want.as_bytes().ct_eq(given.as_bytes()))
}
