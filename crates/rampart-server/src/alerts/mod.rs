//! Alerts and tickets (#14): from the notification outbox ([`crate::outbox`]) to the people and
//! trackers that should hear about an event.
//!
//! ```text
//! lifecycle / sweeps / jobs ──(same transaction)──▶ notification_event (outbox, dedup_key)
//!        route: per event × matching rule (× finding, for tickets per finding) ──▶ notification_delivery
//!        claim (lease, SKIP LOCKED) ─▶ publisher (webhook, Slack, GitHub, GitLab, Jira, e-mail)
//!        ─▶ sent (only after the publisher succeeded) | retried with backoff ─▶ failed
//! ```
//!
//! Invariants: an event is written in the transaction of what caused it, so it exists if and
//! only if its cause does; it is routed once (a compare-and-set on `routed_at` in the
//! transaction that writes its deliveries); a delivery is marked `sent` only after its publisher
//! succeeded, so a worker that dies mid-send leaves it `running` under a lease that runs out,
//! and another claim sends it again (at least once; receivers drop repeats by the idempotency
//! key, the delivery's id). Ingest writes one event per scan and kind of change (`scan:{id}:new`,
//! `…:reopened`, `…:fixed`), never one per finding: routing and delivery read the scan's
//! `finding_event` rows.
//!
//! [`events`] writes events, [`rules`] keeps the rules, [`delivery`] routes, claims, sends and
//! retries, [`publishers`] render and send; [`run`] is the loop each server and worker process
//! runs beside its job workers.

pub mod delivery;
pub mod events;
pub mod publishers;
pub mod rules;

use crate::clock::now_ms;
use crate::store::{Store, StoreError};
use std::time::Duration;
use tokio::sync::watch;

/// How often the loop looks for work when there was none.
pub const POLL: Duration = Duration::from_secs(2);

/// How often overdue findings are looked for.
pub const SLA_EVERY: Duration = Duration::from_secs(600);

/// A delivery's lease: a worker that has not recorded the outcome by then is taken for dead.
pub const LEASE_MS: i64 = 120_000;

/// Deliveries sent per [`tick`] at most (the loop comes back at once when it hit this).
const PER_TICK: usize = 50;

/// What one [`tick`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Deliveries written by routing.
    pub routed: u64,
    /// Digest deliveries written.
    pub digests: u64,
    /// How each delivery went.
    pub delivered: Vec<delivery::Delivered>,
}

/// One round at `now`: route new events, make due digests, send due deliveries (up to a batch).
pub async fn tick(store: &Store, worker: &str, now: i64) -> Result<TickReport, StoreError> {
    let mut report = TickReport {
        routed: delivery::route(store, now).await?,
        digests: delivery::digest_tick(store, now).await?,
        ..TickReport::default()
    };
    while report.delivered.len() < PER_TICK {
        match delivery::deliver_one(store, worker, now, LEASE_MS).await? {
            Some(d) => report.delivered.push(d),
            None => break,
        }
    }
    Ok(report)
}

/// Runs [`tick`] (and every [`SLA_EVERY`] the SLA sweep) until `stop` turns true; errors are
/// logged and retried on the next round.
pub async fn run(store: Store, worker: String, mut stop: watch::Receiver<bool>) {
    let mut swept: Option<std::time::Instant> = None;
    while !*stop.borrow() {
        if swept.is_none_or(|at| at.elapsed() >= SLA_EVERY) {
            if let Err(e) = events::sla_sweep(&store, now_ms()).await {
                eprintln!("rampart alerts: SLA sweep: {e}");
            }
            swept = Some(std::time::Instant::now());
        }
        let busy = match tick(&store, &worker, now_ms()).await {
            Ok(r) => r.delivered.len() >= PER_TICK || r.routed > 0,
            Err(e) => {
                eprintln!("rampart alerts: {e}");
                false
            }
        };
        if !busy {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
