//! The notification outbox: events worth telling someone about, written in the same transaction
//! as what caused them, so that none is lost when a process dies and none is written twice (each
//! has a `dedup_key`). Delivery to publishers reads from here.

use crate::clock::now_ms;
use crate::store::StoreError;
use sqlx::{Any, Executor};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A finding seen for the first time.
    NewFinding,
    /// A finding that was fixed and is back.
    ReopenedFinding,
    /// A finding that was open and is gone (closes its tickets).
    FixedFinding,
    /// A finding past its SLA due date.
    SlaOverdue,
    /// A scan job that failed for good.
    ScanFailed,
    /// A scan whose policy verdict was "fail".
    PolicyFailed,
    /// An advisory, new or changed, that now affects a deployed artifact.
    DeploymentAdvisory,
}

impl EventKind {
    /// The name stored and shown (`new_finding`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::NewFinding => "new_finding",
            EventKind::ReopenedFinding => "reopened_finding",
            EventKind::FixedFinding => "fixed_finding",
            EventKind::SlaOverdue => "sla_overdue",
            EventKind::ScanFailed => "scan_failed",
            EventKind::PolicyFailed => "policy_failed",
            EventKind::DeploymentAdvisory => "deployment_advisory",
        }
    }

    /// Every kind, in the order shown.
    pub const ALL: [EventKind; 7] = [
        EventKind::NewFinding,
        EventKind::ReopenedFinding,
        EventKind::FixedFinding,
        EventKind::SlaOverdue,
        EventKind::ScanFailed,
        EventKind::PolicyFailed,
        EventKind::DeploymentAdvisory,
    ];

    /// The kind stored as `name`.
    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// An event to write.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// The project it concerns, if one.
    pub project: Option<i64>,
    /// Its severity (`critical`, `high`, …), if it has one.
    pub severity: Option<String>,
    /// Identifies the event: writing one with a key already stored does nothing.
    pub dedup_key: String,
    /// What a publisher needs to render it (a JSON object).
    pub payload: serde_json::Value,
}

/// Writes `event` (in the caller's transaction, when `exec` is one); `false` when an event with
/// its key was already stored.
pub async fn enqueue<'c, E>(exec: E, event: &NewEvent) -> Result<bool, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let done = sqlx::query(
        "INSERT INTO notification_event (kind, project_id, severity, dedup_key, payload, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(event.kind.as_str())
    .bind(event.project)
    .bind(event.severity.as_deref())
    .bind(&event.dedup_key)
    .bind(event.payload.to_string())
    .bind(now_ms())
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}
