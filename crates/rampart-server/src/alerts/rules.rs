//! Notification rules: which events of which projects (by tag), from which severity, go to
//! which publisher, one message per event or one daily digest. A tenant admin manages them
//! (`/api/v1/notification-rules`); secrets and tokens in a rule's configuration are stored as
//! given (like a project's forge token) and never shown back.

use crate::clock::{DAY_MS, now_ms};
use crate::outbox::EventKind;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The longest rule name.
pub const MAX_NAME: usize = 200;

/// Rules per tenant.
pub const MAX_RULES: i64 = 200;

/// Where a rule's messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublisherKind {
    /// A JSON POST signed with HMAC-SHA256 (`docs/alerts.md`).
    Webhook,
    /// A Slack-compatible incoming webhook (Slack, Mattermost, Teams' Slack endpoint).
    Slack,
    /// GitHub issues.
    Github,
    /// GitLab issues.
    Gitlab,
    /// Jira issues (REST v2).
    Jira,
    /// E-mail over SMTP.
    Email,
}

impl PublisherKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PublisherKind::Webhook => "webhook",
            PublisherKind::Slack => "slack",
            PublisherKind::Github => "github",
            PublisherKind::Gitlab => "gitlab",
            PublisherKind::Jira => "jira",
            PublisherKind::Email => "email",
        }
    }

    /// The kind stored as `name`.
    pub fn parse(name: &str) -> Option<PublisherKind> {
        serde_json::from_value(Value::String(name.into())).ok()
    }

    /// Whether it keeps tickets (one per finding or per rule and project).
    pub fn is_tracker(self) -> bool {
        matches!(
            self,
            PublisherKind::Github | PublisherKind::Gitlab | PublisherKind::Jira
        )
    }
}

/// A stored rule.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// Its id.
    pub id: i64,
    /// Its tenant.
    pub tenant: i64,
    /// Its name.
    pub name: String,
    /// The event kinds it takes (`new_finding`, …).
    pub events: Vec<String>,
    /// Projects with any of these tags; empty: every project.
    pub project_tags: Vec<String>,
    /// The lowest severity it takes; `None`: any (events without a severity always pass).
    pub min_severity: Option<String>,
    /// Where messages go.
    pub publisher: PublisherKind,
    /// The publisher's settings (secrets included: see [`Rule::shown`]).
    pub config: Value,
    /// One message a day instead of one per event.
    pub digest: bool,
    /// When the next digest is due (Unix ms), for digest rules.
    pub next_digest_at: Option<i64>,
    /// When it was made.
    pub created_at: i64,
    /// Who made it.
    pub created_by: String,
}

/// Configuration keys whose values are never shown back.
const SECRET_KEYS: &[&str] = &["secret", "token", "password"];

impl Rule {
    /// The rule as the API shows it: secrets replaced by `"(set)"`.
    pub fn shown(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(cfg) = v.get_mut("config").and_then(Value::as_object_mut) {
            for k in SECRET_KEYS {
                if let Some(x) = cfg.get_mut(*k) {
                    *x = Value::String("(set)".into());
                }
            }
        }
        v
    }

    /// Whether it takes events of `kind`.
    pub fn takes(&self, kind: &str) -> bool {
        self.events.iter().any(|e| e == kind)
    }

    /// Whether it takes events of a project tagged `tags`.
    pub fn covers(&self, tags: &[String]) -> bool {
        self.project_tags.is_empty() || self.project_tags.iter().any(|t| tags.contains(t))
    }

    /// One ticket per finding (`true`, the default) or per rule and project.
    pub fn ticket_per_finding(&self) -> bool {
        self.config.get("ticket_per").and_then(Value::as_str) != Some("project")
    }
}

/// A rule as the API takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// 1 to [`MAX_NAME`] characters.
    pub name: String,
    /// At least one event kind.
    pub events: Vec<String>,
    /// Project tags (default: none, every project).
    #[serde(default)]
    pub project_tags: Vec<String>,
    /// The lowest severity (default: any).
    #[serde(default)]
    pub min_severity: Option<String>,
    /// `webhook`, `slack`, `github`, `gitlab`, `jira` or `email`.
    pub publisher: String,
    /// The publisher's settings (see `docs/alerts.md`).
    pub config: Value,
    /// One message a day (not for ticket publishers).
    #[serde(default)]
    pub digest: bool,
}

/// Settings of the webhook publisher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST.
    pub url: String,
    /// The HMAC-SHA256 key of `X-Rampart-Signature`.
    pub secret: String,
    /// The server's public base URL, for links (default: `RAMPART_PUBLIC_URL`).
    #[serde(default)]
    pub link_base: Option<String>,
}

/// Settings of the Slack-compatible publisher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// The incoming webhook's URL.
    pub url: String,
    /// The server's public base URL, for links.
    #[serde(default)]
    pub link_base: Option<String>,
}

/// Settings of the ticket publishers (GitHub, GitLab, Jira).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackerConfig {
    /// The API's base URL (GitHub default `https://api.github.com`, GitLab default
    /// `https://gitlab.com/api/v4`; Jira: the site, required).
    #[serde(default)]
    pub api: Option<String>,
    /// GitHub `owner/name`; GitLab project id or path; Jira project key.
    pub project: String,
    /// The API token (GitHub, GitLab: bearer / PRIVATE-TOKEN; Jira: see `user`).
    pub token: String,
    /// Jira: the account's e-mail for basic authentication with `token` (absent: bearer).
    #[serde(default)]
    pub user: Option<String>,
    /// Jira: the issue type (default `Bug`).
    #[serde(default)]
    pub issue_type: Option<String>,
    /// Jira: the transition that closes an issue (default `Done`).
    #[serde(default)]
    pub close_transition: Option<String>,
    /// `finding` (default) or `project`.
    #[serde(default)]
    pub ticket_per: Option<String>,
    /// Labels put on new issues.
    #[serde(default)]
    pub labels: Vec<String>,
    /// The server's public base URL, for links.
    #[serde(default)]
    pub link_base: Option<String>,
}

/// Settings of the e-mail publisher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The SMTP server.
    pub host: String,
    /// Its port (default 587 with `starttls`, 465 with `tls`, 25 with `none`).
    #[serde(default)]
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none` (plain, for a relay on the same network).
    #[serde(default)]
    pub tls: Option<String>,
    /// SMTP user, if the server wants a login.
    #[serde(default)]
    pub username: Option<String>,
    /// Its password.
    #[serde(default)]
    pub password: Option<String>,
    /// The sender address.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
    /// The server's public base URL, for links.
    #[serde(default)]
    pub link_base: Option<String>,
}

/// A rule that cannot be stored: the field at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field (`name`, `events`, `config.url`, …).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        message: message.into(),
    }
}

fn check_url(field: &str, url: &str) -> Result<(), Invalid> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2000
        && !url.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            "must be an http:// or https:// URL of at most 2000 characters",
        ))
    }
}

fn typed<T: serde::de::DeserializeOwned>(config: &Value) -> Result<T, Invalid> {
    serde_json::from_value(config.clone()).map_err(|e| {
        let text = e.to_string();
        let field = text.split('`').nth(1).unwrap_or("").to_string();
        let field = if field.is_empty() {
            "config".to_string()
        } else {
            format!("config.{field}")
        };
        invalid(
            &field,
            format!("the publisher's config is not valid: {text}"),
        )
    })
}

/// Checks `rule`; the error names the field.
pub fn validate(rule: &NewRule) -> Result<PublisherKind, Invalid> {
    if rule.name.trim().is_empty() || rule.name.chars().count() > MAX_NAME {
        return Err(invalid(
            "name",
            format!("must be 1 to {MAX_NAME} characters"),
        ));
    }
    if rule.events.is_empty() || rule.events.len() > EventKind::ALL.len() {
        return Err(invalid("events", "name at least one event kind"));
    }
    for e in &rule.events {
        if EventKind::parse(e).is_none() {
            let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
            return Err(invalid(
                "events",
                format!("unknown event `{e}`: use {}", known.join(", ")),
            ));
        }
    }
    if rule.project_tags.len() > 50
        || rule
            .project_tags
            .iter()
            .any(|t| t.is_empty() || t.len() > 100)
    {
        return Err(invalid(
            "project_tags",
            "at most 50 tags of 1 to 100 characters",
        ));
    }
    if let Some(s) = &rule.min_severity
        && super::events::parse_severity(s).is_none()
    {
        return Err(invalid(
            "min_severity",
            format!("unknown severity `{s}`: use info, low, medium, high or critical"),
        ));
    }
    let kind = PublisherKind::parse(&rule.publisher).ok_or_else(|| {
        invalid(
            "publisher",
            format!(
                "unknown publisher `{}`: use webhook, slack, github, gitlab, jira or email",
                rule.publisher
            ),
        )
    })?;
    if !rule.config.is_object() {
        return Err(invalid("config", "must be a JSON object"));
    }
    let link = |l: &Option<String>| match l {
        Some(l) => check_url("config.link_base", l),
        None => Ok(()),
    };
    match kind {
        PublisherKind::Webhook => {
            let c: WebhookConfig = typed(&rule.config)?;
            check_url("config.url", &c.url)?;
            if c.secret.len() < 16 || c.secret.len() > 1000 {
                return Err(invalid(
                    "config.secret",
                    "must be 16 to 1000 characters (the signature's key)",
                ));
            }
            link(&c.link_base)?;
        }
        PublisherKind::Slack => {
            let c: SlackConfig = typed(&rule.config)?;
            check_url("config.url", &c.url)?;
            link(&c.link_base)?;
        }
        PublisherKind::Github | PublisherKind::Gitlab | PublisherKind::Jira => {
            let c: TrackerConfig = typed(&rule.config)?;
            if let Some(api) = &c.api {
                check_url("config.api", api)?;
            } else if kind == PublisherKind::Jira {
                return Err(invalid("config.api", "Jira needs its site's URL"));
            }
            if c.project.trim().is_empty() || c.project.len() > 500 {
                return Err(invalid("config.project", "must be 1 to 500 characters"));
            }
            if kind == PublisherKind::Github && c.project.split('/').count() != 2 {
                return Err(invalid("config.project", "must be `owner/name`"));
            }
            if c.token.is_empty() {
                return Err(invalid("config.token", "must not be empty"));
            }
            if !matches!(c.ticket_per.as_deref(), None | Some("finding" | "project")) {
                return Err(invalid("config.ticket_per", "use finding or project"));
            }
            if rule.digest {
                return Err(invalid(
                    "digest",
                    "ticket publishers keep one ticket per finding or project: no digest",
                ));
            }
            link(&c.link_base)?;
        }
        PublisherKind::Email => {
            let c: EmailConfig = typed(&rule.config)?;
            if c.host.trim().is_empty() {
                return Err(invalid("config.host", "must not be empty"));
            }
            if !matches!(c.tls.as_deref(), None | Some("starttls" | "tls" | "none")) {
                return Err(invalid("config.tls", "use starttls, tls or none"));
            }
            if c.from.parse::<lettre::Address>().is_err() {
                return Err(invalid("config.from", "must be an e-mail address"));
            }
            if c.to.is_empty() || c.to.len() > 100 {
                return Err(invalid("config.to", "name 1 to 100 recipients"));
            }
            if let Some(bad) = c.to.iter().find(|t| t.parse::<lettre::Address>().is_err()) {
                return Err(invalid(
                    "config.to",
                    format!("`{bad}` is not an e-mail address"),
                ));
            }
            link(&c.link_base)?;
        }
    }
    Ok(kind)
}

const COLUMNS: &str = "id, tenant, name, events, project_tags, min_severity, publisher, config, digest, next_digest_at, created_at, created_by";

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    String,
);

fn from_row(r: Row) -> Rule {
    Rule {
        id: r.0,
        tenant: r.1,
        name: r.2,
        events: serde_json::from_str(&r.3).unwrap_or_default(),
        project_tags: serde_json::from_str(&r.4).unwrap_or_default(),
        min_severity: r.5,
        publisher: PublisherKind::parse(&r.6).unwrap_or(PublisherKind::Webhook),
        config: serde_json::from_str(&r.7).unwrap_or(Value::Null),
        digest: r.8 != 0,
        next_digest_at: r.9,
        created_at: r.10,
        created_by: r.11,
    }
}

/// Stores a checked rule (see [`validate`]) with its audit record; returns it.
pub async fn create(
    store: &Store,
    tenant: i64,
    rule: &NewRule,
    kind: PublisherKind,
    actor: &str,
) -> Result<Rule, StoreError> {
    let now = now_ms();
    let mut tx = store.pool().begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO notification_rule (tenant, name, events, project_tags, min_severity, publisher, config, digest, next_digest_at, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(tenant)
    .bind(rule.name.trim())
    .bind(serde_json::to_string(&rule.events).unwrap_or_default())
    .bind(serde_json::to_string(&rule.project_tags).unwrap_or_default())
    .bind(&rule.min_severity)
    .bind(kind.as_str())
    .bind(rule.config.to_string())
    .bind(i64::from(rule.digest))
    .bind(rule.digest.then_some(now + DAY_MS))
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *tx)
    .await?;
    crate::auth::audit(
        &mut *tx,
        tenant,
        actor,
        "notification_rule.create",
        &format!("notification_rule:{id}"),
        &format!(
            "{} → {} ({})",
            rule.name.trim(),
            kind.as_str(),
            rule.events.join(", ")
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(get(store, tenant, id).await?.expect("the rule just stored"))
}

/// How many live rules `tenant` has.
pub async fn count(store: &Store, tenant: i64) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM notification_rule WHERE tenant = $1 AND deleted_at IS NULL",
    )
    .bind(tenant)
    .fetch_one(store.pool())
    .await?;
    Ok(n)
}

/// The live rule `id` of `tenant`.
pub async fn get(store: &Store, tenant: i64, id: i64) -> Result<Option<Rule>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notification_rule WHERE id = $1 AND tenant = $2 AND deleted_at IS NULL"
    );
    let row: Option<Row> = sqlx::query_as(crate::store::built(sql))
        .bind(id)
        .bind(tenant)
        .fetch_optional(store.pool())
        .await?;
    Ok(row.map(from_row))
}

/// The rule `id`, whichever its tenant, if it is live.
pub async fn by_id(store: &Store, id: i64) -> Result<Option<Rule>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM notification_rule WHERE id = $1 AND deleted_at IS NULL");
    let row: Option<Row> = sqlx::query_as(crate::store::built(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    Ok(row.map(from_row))
}

/// The live rules of `tenant`, oldest first.
pub async fn list(store: &Store, tenant: i64) -> Result<Vec<Rule>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notification_rule WHERE tenant = $1 AND deleted_at IS NULL ORDER BY id"
    );
    let rows: Vec<Row> = sqlx::query_as(crate::store::built(sql))
        .bind(tenant)
        .fetch_all(store.pool())
        .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Deletes rule `id` of `tenant` (kept for its deliveries' history; its unsent deliveries are
/// cancelled), with its audit record; `false` when there is no such rule.
pub async fn delete(store: &Store, tenant: i64, id: i64, actor: &str) -> Result<bool, StoreError> {
    let now = now_ms();
    let mut tx = store.pool().begin().await?;
    let done = sqlx::query(
        "UPDATE notification_rule SET deleted_at = $1 WHERE id = $2 AND tenant = $3 AND deleted_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(tenant)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE notification_delivery SET state = 'cancelled', lease_owner = NULL \
         WHERE rule_id = $1 AND state IN ('pending', 'held')",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    crate::auth::audit(
        &mut *tx,
        tenant,
        actor,
        "notification_rule.delete",
        &format!("notification_rule:{id}"),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
