//! What tools say about their rules (why a finding matters, how to fix it), kept per project
//! from the latest results that documented each rule, and shown with the rule's findings.

use crate::store::batch::{self, P};
use crate::store::{Backend, Store, StoreError};
use rampart_ingest::RuleDoc;
use serde::Serialize;
use sqlx::{Any, Transaction};

/// A rule's text as stored.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RuleText {
    /// The rule's title (may be empty).
    pub title: String,
    /// Why it is dangerous (may be empty).
    pub why: String,
    /// How to fix it (may be empty).
    pub fix: String,
    /// CWE ids.
    pub cwe: Vec<String>,
    /// Links to read more (`http(s)` only).
    pub references: Vec<String>,
    /// When it was last written (Unix ms).
    pub updated_at: i64,
}

/// PostgreSQL refuses NUL in text; a rule's text is shown, never matched, so NULs are dropped.
fn clean(s: &str) -> String {
    s.replace('\0', "")
}

/// Stores `docs` for `project` in `tx`: a rule not documented before is inserted, one whose
/// text changed is updated, and an unchanged one is not written at all (repeat scans write
/// nothing here).
pub async fn store_in(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    project: i64,
    docs: &[RuleDoc],
    now: i64,
) -> Result<(), StoreError> {
    // One row per key: PostgreSQL refuses an upsert that touches a row twice.
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<Vec<P>> = docs
        .iter()
        .filter(|d| seen.insert((clean(&d.tool), clean(&d.rule))))
        .map(|d| {
            vec![
                P::I(project),
                P::T(clean(&d.tool)),
                P::T(clean(&d.rule)),
                P::T(clean(&d.title)),
                P::T(clean(&d.why)),
                P::T(clean(&d.fix)),
                P::T(serde_json::to_string(&d.cwe).unwrap_or_default()),
                P::T(clean(
                    &serde_json::to_string(&d.references).unwrap_or_default(),
                )),
                P::I(now),
            ]
        })
        .collect();
    batch::values(
        tx,
        backend,
        "INSERT INTO rule_doc (project, tool, rule, title, why, fix, cwe, refs, updated_at)",
        &rows,
        " ON CONFLICT (project, tool, rule) DO UPDATE SET title = excluded.title, why = excluded.why, \
         fix = excluded.fix, cwe = excluded.cwe, refs = excluded.refs, updated_at = excluded.updated_at \
         WHERE rule_doc.title <> excluded.title OR rule_doc.why <> excluded.why OR rule_doc.fix <> excluded.fix \
         OR rule_doc.cwe <> excluded.cwe OR rule_doc.refs <> excluded.refs",
    )
    .await?;
    Ok(())
}

/// The text of `tool`'s rule `rule` in `project`, if any results documented it.
pub async fn get(
    store: &Store,
    project: i64,
    tool: &str,
    rule: &str,
) -> Result<Option<RuleText>, StoreError> {
    let row: Option<(String, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT title, why, fix, cwe, refs, updated_at FROM rule_doc WHERE project = $1 AND tool = $2 AND rule = $3",
    )
    .bind(project)
    .bind(tool)
    .bind(rule)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| RuleText {
        title: r.0,
        why: r.1,
        fix: r.2,
        cwe: serde_json::from_str(&r.3).unwrap_or_default(),
        references: serde_json::from_str(&r.4).unwrap_or_default(),
        updated_at: r.5,
    }))
}
