//! Deliveries: routing outbox events to rules, claiming deliveries like jobs, sending them
//! through their rule's publisher, retrying with backoff, and daily digests.
//!
//! - **Routing** ([`route`]): each event not yet routed is marked routed in the transaction that
//!   writes its deliveries (one per matching rule; for a ticket rule with a ticket per finding,
//!   one per finding of the scan at or above the rule's severity, read from the scan's
//!   `finding_event` rows, set-based). `UNIQUE (event_id, rule_id, finding_id)` keeps a second
//!   router from writing any twice.
//! - **Claiming** ([`claim`]): one `UPDATE … WHERE id = (SELECT … LIMIT 1 [FOR UPDATE SKIP
//!   LOCKED]) RETURNING` takes a pending delivery that is due, or a running one whose lease ran
//!   out (its worker died before recording the outcome), under a lease. A ticket delivery waits
//!   for the earlier unfinished deliveries of its finding and rule (a fix never overtakes the
//!   opening of its ticket).
//! - **Sending** ([`deliver_one`]): the publisher runs; only on its success is the delivery
//!   marked `sent` (with its ticket mapping, in one transaction). A failure is retried after
//!   [`backoff_ms`], up to [`MAX_ATTEMPTS`], then marked `failed` with its last error.
//! - **Digests** ([`digest_tick`]): a digest rule's deliveries wait as `held`; once a day they
//!   become one digest delivery.

use super::publishers::{
    self, EventNotice, FindingRef, Notice, Outcome, ProjectRef, PublishError, Ticket,
};
use super::rules::{self, Rule};
use crate::clock::DAY_MS;
use crate::store::{Backend, Store, StoreError};
use serde_json::Value;

/// Attempts before a delivery is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// The longest wait before a retry (ms).
pub const MAX_BACKOFF_MS: i64 = 60 * 60_000;

/// Findings listed in one message (the count says how many there are).
pub const MAX_LISTED: i64 = 50;

/// Events routed per call of [`route`].
const ROUTE_BATCH: i64 = 100;

/// The wait before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min… at most
/// [`MAX_BACKOFF_MS`].
pub fn backoff_ms(attempts: i64) -> i64 {
    (30_000i64 << (attempts - 1).clamp(0, 20)).min(MAX_BACKOFF_MS)
}

/// A stored event.
#[derive(Debug, Clone)]
struct Event {
    id: i64,
    kind: String,
    project: Option<i64>,
    severity: Option<String>,
    payload: Value,
    created_at: i64,
}

type EventRow = (i64, String, Option<i64>, Option<String>, String, i64);

fn event_of(r: EventRow) -> Event {
    Event {
        id: r.0,
        kind: r.1,
        project: r.2,
        severity: r.3,
        payload: serde_json::from_str(&r.4).unwrap_or(Value::Null),
        created_at: r.5,
    }
}

const EVENT_COLUMNS: &str = "id, kind, project_id, severity, payload, created_at";

/// The lifecycle's `finding_event` kind behind a scan event kind.
fn lifecycle_kind(kind: &str) -> Option<&'static str> {
    match kind {
        "new_finding" => Some("new"),
        "reopened_finding" => Some("reopened"),
        "fixed_finding" => Some("fixed"),
        _ => None,
    }
}

fn in_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Routes up to a batch of events not routed yet; returns how many deliveries it wrote.
pub async fn route(store: &Store, now: i64) -> Result<u64, StoreError> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM notification_event WHERE routed_at IS NULL ORDER BY id LIMIT {ROUTE_BATCH}"
    );
    let events: Vec<EventRow> = sqlx::query_as(crate::store::built(sql))
        .fetch_all(store.pool())
        .await?;
    let mut written = 0;
    for e in events.into_iter().map(event_of) {
        written += route_one(store, &e, now).await?;
    }
    Ok(written)
}

async fn route_one(store: &Store, e: &Event, now: i64) -> Result<u64, StoreError> {
    // The tenant: the project's, else the payload's; read before the transaction.
    let (tenant, tags): (Option<i64>, Vec<String>) = match e.project {
        Some(p) => {
            let row: Option<(i64, String)> =
                sqlx::query_as("SELECT tenant, tags FROM project WHERE id = $1")
                    .bind(p)
                    .fetch_optional(store.pool())
                    .await?;
            match row {
                Some((t, tags)) => (Some(t), serde_json::from_str(&tags).unwrap_or_default()),
                None => (None, Vec::new()),
            }
        }
        None => (e.payload.get("tenant").and_then(Value::as_i64), Vec::new()),
    };
    let rules = match tenant {
        Some(t) => rules::list(store, t).await?,
        None => Vec::new(),
    };
    let mut tx = store.pool().begin().await?;
    let took = sqlx::query(
        "UPDATE notification_event SET routed_at = $1 WHERE id = $2 AND routed_at IS NULL",
    )
    .bind(now)
    .bind(e.id)
    .execute(&mut *tx)
    .await?;
    if took.rows_affected() != 1 {
        return Ok(0); // another router took it
    }
    let mut written = 0;
    for rule in rules {
        if !rule.takes(&e.kind) || !rule.covers(&tags) {
            continue;
        }
        let min = rule
            .min_severity
            .as_deref()
            .and_then(super::events::parse_severity);
        let state = if rule.digest { "held" } else { "pending" };
        let insert = "INSERT INTO notification_delivery (event_id, rule_id, finding_id, state, attempts, next_attempt_at, created_at)";
        if let Some(lk) = lifecycle_kind(&e.kind) {
            let scan = e.payload.get("scan").and_then(Value::as_i64).unwrap_or(0);
            let severities = in_list(&super::events::at_or_above(min));
            let from = format!(
                "FROM finding_event fe JOIN finding f ON f.id = fe.finding \
                 WHERE fe.scan = $4 AND fe.kind = '{lk}' AND f.severity IN ({severities})"
            );
            let per_finding = rule.publisher.is_tracker() && rule.ticket_per_finding();
            let sql = if per_finding {
                format!(
                    "{insert} SELECT DISTINCT $1, $2, fe.finding, $3, 0, $5, $5 {from} ON CONFLICT DO NOTHING"
                )
            } else {
                format!(
                    "{insert} SELECT $1, $2, 0, $3, 0, $5, $5 WHERE EXISTS (SELECT 1 {from}) ON CONFLICT DO NOTHING"
                )
            };
            let done = sqlx::query(crate::store::built(sql))
                .bind(e.id)
                .bind(rule.id)
                .bind(state)
                .bind(scan)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            written += done.rows_affected();
            continue;
        }
        // Events with a severity below the rule's are not for it; those without one are.
        if let (Some(min), Some(sev)) = (
            min,
            e.severity
                .as_deref()
                .and_then(super::events::parse_severity),
        ) && sev < min
        {
            continue;
        }
        let finding = if rule.publisher.is_tracker() && rule.ticket_per_finding() {
            e.payload
                .get("finding")
                .and_then(Value::as_i64)
                .unwrap_or(0)
        } else {
            0
        };
        let done = sqlx::query(crate::store::built(format!(
            "{insert} VALUES ($1, $2, $3, $4, 0, $5, $5) ON CONFLICT DO NOTHING"
        )))
        .bind(e.id)
        .bind(rule.id)
        .bind(finding)
        .bind(state)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        written += done.rows_affected();
    }
    tx.commit().await?;
    Ok(written)
}

/// A claimed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// Its id.
    pub id: i64,
    /// Its event (`None`: a digest).
    pub event: Option<i64>,
    /// Its rule.
    pub rule: i64,
    /// Its finding (0: none).
    pub finding: i64,
    /// This attempt's number, from 1.
    pub attempt: i64,
}

/// Claims the next delivery due at `now` for `worker`, under a lease of `lease_ms`.
pub async fn claim(
    store: &Store,
    worker: &str,
    now: i64,
    lease_ms: i64,
) -> Result<Option<Claimed>, StoreError> {
    let lock = match store.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let due =
        "(state = 'pending' AND next_attempt_at <= $3) OR (state = 'running' AND lease_until < $3)";
    let sql = format!(
        "UPDATE notification_delivery SET state = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT d.id FROM notification_delivery d WHERE ({}) \
             AND NOT EXISTS (SELECT 1 FROM notification_delivery p WHERE d.finding_id <> 0 AND p.rule_id = d.rule_id \
                 AND p.finding_id = d.finding_id AND p.id < d.id AND p.state IN ('pending', 'running')) \
             ORDER BY d.id LIMIT 1 {lock}) \
         AND ({due}) RETURNING id, event_id, rule_id, finding_id, attempts",
        due.replace("state", "d.state")
            .replace("next_attempt_at", "d.next_attempt_at")
            .replace("lease_until", "d.lease_until")
    );
    for _ in 0..4 {
        let row: Option<(i64, Option<i64>, i64, i64, i64)> =
            sqlx::query_as(crate::store::built(sql.clone()))
                .bind(worker)
                .bind(now + lease_ms)
                .bind(now)
                .fetch_optional(store.pool())
                .await?;
        if let Some(r) = row {
            return Ok(Some(Claimed {
                id: r.0,
                event: r.1,
                rule: r.2,
                finding: r.3,
                attempt: r.4,
            }));
        }
        // On PostgreSQL the row picked may have been taken meanwhile: look again while any
        // delivery is due (see `jobs::claim`).
        let (waiting,): (i64,) = sqlx::query_as(crate::store::built(format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM notification_delivery WHERE {} LIMIT 1) x",
            due.replace("$3", "$1")
        )))
        .bind(now)
        .fetch_one(store.pool())
        .await?;
        if waiting == 0 || store.backend() == Backend::Sqlite {
            break;
        }
    }
    Ok(None)
}

/// Records a failed attempt of `c`: pending again after [`backoff_ms`], or `failed` when it
/// used [`MAX_ATTEMPTS`] or retrying cannot help.
pub async fn fail(
    store: &Store,
    c: &Claimed,
    worker: &str,
    error: &PublishError,
    now: i64,
) -> Result<(), StoreError> {
    let last = error.permanent || c.attempt >= MAX_ATTEMPTS;
    let message: String = error.message.chars().take(1000).collect();
    sqlx::query(
        "UPDATE notification_delivery SET state = $1, last_error = $2, next_attempt_at = $3, lease_owner = NULL, lease_until = NULL \
         WHERE id = $4 AND lease_owner = $5 AND state = 'running'",
    )
    .bind(if last { "failed" } else { "pending" })
    .bind(message)
    .bind(now + backoff_ms(c.attempt))
    .bind(c.id)
    .bind(worker)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Marks `c` sent (and keeps its ticket) in one transaction; `false` when the lease was lost.
pub async fn sent(
    store: &Store,
    c: &Claimed,
    worker: &str,
    subject: Option<&str>,
    outcome: &Outcome,
    now: i64,
) -> Result<bool, StoreError> {
    let mut tx = store.pool().begin().await?;
    let done = sqlx::query(
        "UPDATE notification_delivery SET state = 'sent', sent_at = $1, last_error = NULL, lease_owner = NULL, lease_until = NULL \
         WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
    )
    .bind(now)
    .bind(c.id)
    .bind(worker)
    .execute(&mut *tx)
    .await?;
    if let (Outcome::Ticket(t), Some(subject)) = (outcome, subject) {
        sqlx::query(
            "INSERT INTO notification_ticket (rule_id, subject, external_id, url, state, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (rule_id, subject) DO UPDATE SET external_id = excluded.external_id, url = excluded.url, \
             state = excluded.state, updated_at = excluded.updated_at",
        )
        .bind(c.rule)
        .bind(subject)
        .bind(&t.external_id)
        .bind(&t.url)
        .bind(&t.state)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// The server's public URL for links in messages: the rule's `link_base`, else
/// `RAMPART_PUBLIC_URL`, else none (links are paths from the server's root).
fn link_base(rule: &Rule) -> String {
    rule.config
        .get("link_base")
        .and_then(Value::as_str)
        .map(String::from)
        .or_else(|| std::env::var("RAMPART_PUBLIC_URL").ok())
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A finding as read for a message: id, tool, rule, title, severity, `path:line`.
type FindingRow = (i64, String, String, String, String, Option<String>);

/// An event as a message tells it to `rule` (about `finding` alone when not 0).
async fn event_notice(
    store: &Store,
    e: &Event,
    rule: &Rule,
    finding: i64,
) -> Result<EventNotice, StoreError> {
    let base = link_base(rule);
    let project = match e.project {
        Some(id) => {
            sqlx::query_as::<_, (i64, String)>("SELECT id, name FROM project WHERE id = $1")
                .bind(id)
                .fetch_optional(store.pool())
                .await?
                .map(|(id, name)| ProjectRef { id, name })
        }
        None => None,
    };
    let scan = e.payload.get("scan").and_then(Value::as_i64).unwrap_or(0);
    let min = rule
        .min_severity
        .as_deref()
        .and_then(super::events::parse_severity);
    let severities = in_list(&super::events::at_or_above(min));
    let rank = "CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END";
    let columns = "f.id, f.tool, f.rule, f.title, f.severity, \
         (SELECT o.path || ':' || CAST(o.start_line AS TEXT) FROM occurrence o WHERE o.finding = f.id AND o.scan = $1 LIMIT 1)";
    let (rows, total): (Vec<FindingRow>, usize) = match (lifecycle_kind(&e.kind), finding) {
        (_, id) if id != 0 => {
            let sql = format!("SELECT {columns} FROM finding f WHERE f.id = $2");
            let rows = sqlx::query_as(crate::store::built(sql))
                .bind(scan)
                .bind(id)
                .fetch_all(store.pool())
                .await?;
            let n = rows.len();
            (rows, n)
        }
        (Some(lk), _) => {
            let from = format!(
                "FROM finding_event fe JOIN finding f ON f.id = fe.finding \
                     WHERE fe.scan = $1 AND fe.kind = '{lk}' AND f.severity IN ({severities})"
            );
            let sql =
                format!("SELECT {columns} {from} ORDER BY {rank} DESC, f.id LIMIT {MAX_LISTED}");
            let rows = sqlx::query_as(crate::store::built(sql))
                .bind(scan)
                .fetch_all(store.pool())
                .await?;
            let (n,): (i64,) = sqlx::query_as(crate::store::built(format!(
                "SELECT COUNT(DISTINCT fe.finding) {from}"
            )))
            .bind(scan)
            .fetch_one(store.pool())
            .await?;
            (rows, n as usize)
        }
        (None, _) => match e.payload.get("finding").and_then(Value::as_i64) {
            Some(id) => {
                let sql = format!("SELECT {columns} FROM finding f WHERE f.id = $2");
                let rows = sqlx::query_as(crate::store::built(sql))
                    .bind(0i64)
                    .bind(id)
                    .fetch_all(store.pool())
                    .await?;
                let n = rows.len();
                (rows, n)
            }
            None => (Vec::new(), 0),
        },
    };
    let findings: Vec<FindingRef> = rows
        .into_iter()
        .map(|r| FindingRef {
            url: format!("{base}/ui/findings/{}", r.0),
            id: r.0,
            tool: r.1,
            rule: r.2,
            title: r.3,
            severity: r.4,
            location: r.5,
        })
        .collect();
    let pname = project
        .as_ref()
        .map_or("a project".to_string(), |p| p.name.clone());
    let branch = e
        .payload
        .get("branch")
        .and_then(Value::as_str)
        .map(|b| format!(" ({b})"))
        .unwrap_or_default();
    let one = findings
        .first()
        .filter(|_| finding != 0 || e.kind == "sla_overdue");
    let title = match (e.kind.as_str(), one) {
        ("new_finding", Some(f)) => format!("New {} finding in {pname}: {}", f.severity, f.title),
        ("reopened_finding", Some(f)) => {
            format!("Reopened {} finding in {pname}: {}", f.severity, f.title)
        }
        ("fixed_finding", Some(f)) => format!("Fixed in {pname}: {}", f.title),
        ("sla_overdue", Some(f)) => {
            format!("Overdue {} finding in {pname}: {}", f.severity, f.title)
        }
        ("new_finding", _) => format!(
            "{} in {pname}{branch}",
            plural(total, "new finding", "new findings")
        ),
        ("reopened_finding", _) => format!(
            "{} in {pname}{branch}",
            plural(total, "reopened finding", "reopened findings")
        ),
        ("fixed_finding", _) => format!(
            "{} fixed in {pname}{branch}",
            plural(total, "finding", "findings")
        ),
        ("sla_overdue", _) => format!("A finding in {pname} is past its due date"),
        ("scan_failed", _) => format!(
            "Scan failed in {pname}{branch}: {}",
            e.payload
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("")
                .chars()
                .take(200)
                .collect::<String>()
        ),
        ("policy_failed", _) => format!(
            "Policy gate failed in {pname}{branch}: {} at or above {}",
            plural(
                e.payload
                    .get("failing")
                    .and_then(Value::as_u64)
                    .unwrap_or(0) as usize,
                "finding",
                "findings"
            ),
            e.payload
                .get("fail_on")
                .and_then(Value::as_str)
                .unwrap_or("the threshold")
        ),
        ("deployment_advisory", _) => e
            .payload
            .get("title")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| format!("A new advisory affects a deployment of {pname}")),
        (other, _) => format!("{other} in {pname}"),
    };
    let url = match (one, &project) {
        (Some(f), _) => Some(f.url.clone()),
        (None, Some(p)) => Some(format!("{base}/ui/projects/{}", p.id)),
        _ => None,
    };
    Ok(EventNotice {
        id: e.id,
        kind: e.kind.clone(),
        title,
        severity: e.severity.clone(),
        project,
        findings,
        findings_total: total,
        url,
        data: e.payload.clone(),
        created_at: e.created_at,
    })
}

async fn event_by_id(store: &Store, id: i64) -> Result<Option<Event>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM notification_event WHERE id = $1");
    let row: Option<EventRow> = sqlx::query_as(crate::store::built(sql))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    Ok(row.map(event_of))
}

/// What `c` sends to `rule`, and the ticket subject it concerns.
async fn notice(store: &Store, c: &Claimed, rule: &Rule, now: i64) -> Result<Notice, StoreError> {
    let mut events = Vec::new();
    let mut subject = None;
    match c.event {
        Some(id) => {
            if let Some(e) = event_by_id(store, id).await? {
                if rule.publisher.is_tracker() {
                    let s = if c.finding != 0 {
                        format!("finding:{}", c.finding)
                    } else {
                        format!("project:{}", e.project.unwrap_or(0))
                    };
                    let row: Option<(String, Option<String>, String)> = sqlx::query_as(
                        "SELECT external_id, url, state FROM notification_ticket WHERE rule_id = $1 AND subject = $2",
                    )
                    .bind(rule.id)
                    .bind(&s)
                    .fetch_optional(store.pool())
                    .await?;
                    let ticket = row.map(|(external_id, url, state)| Ticket {
                        external_id,
                        url,
                        state,
                    });
                    subject = Some((s, ticket));
                }
                events.push(event_notice(store, &e, rule, c.finding).await?);
            }
        }
        None => {
            let ids: Vec<(i64,)> = sqlx::query_as(
                "SELECT event_id FROM notification_delivery WHERE digest_id = $1 ORDER BY id",
            )
            .bind(c.id)
            .fetch_all(store.pool())
            .await?;
            for (id,) in ids {
                if let Some(e) = event_by_id(store, id).await? {
                    events.push(event_notice(store, &e, rule, 0).await?);
                }
            }
        }
    }
    Ok(Notice {
        delivery: c.id,
        rule: (rule.id, rule.name.clone()),
        events,
        digest: c.event.is_none(),
        subject,
        now,
    })
}

/// How one delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Sent (or, for a ticket rule, nothing to do).
    Sent(i64),
    /// Failed this time: `(delivery, error, retried)`.
    Failed(i64, String, bool),
}

/// Claims one due delivery and sends it; `None` when nothing is due.
pub async fn deliver_one(
    store: &Store,
    worker: &str,
    now: i64,
    lease_ms: i64,
) -> Result<Option<Delivered>, StoreError> {
    let Some(c) = claim(store, worker, now, lease_ms).await? else {
        return Ok(None);
    };
    let Some(rule) = rules::by_id(store, c.rule).await? else {
        // Its rule was deleted meanwhile.
        sqlx::query("UPDATE notification_delivery SET state = 'cancelled', lease_owner = NULL WHERE id = $1 AND lease_owner = $2")
            .bind(c.id)
            .bind(worker)
            .execute(store.pool())
            .await?;
        return Ok(Some(Delivered::Failed(
            c.id,
            "the rule was deleted".into(),
            false,
        )));
    };
    let notice = notice(store, &c, &rule, now).await?;
    let subject = notice.subject.as_ref().map(|(s, _)| s.clone());
    let outcome = match publishers::for_rule(&rule) {
        Ok(p) => tokio::task::spawn_blocking(move || p.publish(&notice))
            .await
            .unwrap_or_else(|e| {
                Err(PublishError::transient(format!(
                    "the publisher stopped: {e}"
                )))
            }),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(outcome) => {
            sent(store, &c, worker, subject.as_deref(), &outcome, now).await?;
            Ok(Some(Delivered::Sent(c.id)))
        }
        Err(e) => {
            fail(store, &c, worker, &e, now).await?;
            let retried = !e.permanent && c.attempt < MAX_ATTEMPTS;
            Ok(Some(Delivered::Failed(c.id, e.message, retried)))
        }
    }
}

/// Turns the held deliveries of each digest rule whose day is over (at `now`) into one digest
/// delivery; returns how many digests it wrote. A compare-and-set on the rule's
/// `next_digest_at` makes each day's digest once, whichever process gets there.
pub async fn digest_tick(store: &Store, now: i64) -> Result<u64, StoreError> {
    let due: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, next_digest_at FROM notification_rule WHERE digest = 1 AND deleted_at IS NULL \
         AND next_digest_at IS NOT NULL AND next_digest_at <= $1",
    )
    .bind(now)
    .fetch_all(store.pool())
    .await?;
    let mut written = 0;
    for (rule, was) in due {
        let mut next = was + DAY_MS;
        while next <= now {
            next += DAY_MS;
        }
        let mut tx = store.pool().begin().await?;
        let moved = sqlx::query(
            "UPDATE notification_rule SET next_digest_at = $1 WHERE id = $2 AND next_digest_at = $3",
        )
        .bind(next)
        .bind(rule)
        .bind(was)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            continue;
        }
        let (held,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM notification_delivery WHERE rule_id = $1 AND state = 'held'",
        )
        .bind(rule)
        .fetch_one(&mut *tx)
        .await?;
        if held > 0 {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO notification_delivery (event_id, rule_id, finding_id, state, attempts, next_attempt_at, created_at) \
                 VALUES (NULL, $1, 0, 'pending', 0, $2, $2) RETURNING id",
            )
            .bind(rule)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE notification_delivery SET state = 'digested', digest_id = $1 WHERE rule_id = $2 AND state = 'held'",
            )
            .bind(id)
            .bind(rule)
            .execute(&mut *tx)
            .await?;
            written += 1;
        }
        tx.commit().await?;
    }
    Ok(written)
}

/// A delivery as the settings page and the API show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveryItem {
    /// Its id.
    pub id: i64,
    /// Its rule's id.
    pub rule: i64,
    /// Its rule's name.
    pub rule_name: String,
    /// Its event's kind (`digest` for a digest).
    pub kind: String,
    /// Its state.
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// When it is tried next (pending ones).
    pub next_attempt_at: i64,
    /// When it was made.
    pub created_at: i64,
}

/// The newest deliveries of `tenant`'s rules that failed or are being retried after a failure.
pub async fn failures(
    store: &Store,
    tenant: i64,
    limit: i64,
) -> Result<Vec<DeliveryItem>, StoreError> {
    type Row = (
        i64,
        i64,
        String,
        Option<String>,
        String,
        i64,
        Option<String>,
        i64,
        i64,
    );
    let rows: Vec<Row> = sqlx::query_as(crate::store::built(format!(
        "SELECT d.id, d.rule_id, r.name, e.kind, d.state, d.attempts, d.last_error, d.next_attempt_at, d.created_at \
         FROM notification_delivery d JOIN notification_rule r ON r.id = d.rule_id \
         LEFT JOIN notification_event e ON e.id = d.event_id \
         WHERE r.tenant = $1 AND d.last_error IS NOT NULL AND d.state IN ('failed', 'pending', 'running') \
         ORDER BY d.id DESC LIMIT {}",
        limit.clamp(1, 500)
    )))
    .bind(tenant)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DeliveryItem {
            id: r.0,
            rule: r.1,
            rule_name: r.2,
            kind: r.3.unwrap_or_else(|| "digest".into()),
            state: r.4,
            attempts: r.5,
            last_error: r.6,
            next_attempt_at: r.7,
            created_at: r.8,
        })
        .collect())
}
