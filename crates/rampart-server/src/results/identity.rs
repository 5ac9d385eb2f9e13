//! Finding identities: the `finding` row of each (project, tool, rule, fingerprint) a scan
//! reports, created the first time it is seen and kept up to date (severity, title, CWE,
//! package) after.
//!
//! The identities already stored are read first and only the missing ones are inserted, so a
//! scan of known findings writes nothing here and a scan of new ones writes plain inserts.
//! (`INSERT … ON CONFLICT DO UPDATE` for every identity wrote a new version of every row of a
//! repeated scan, and its speculative insertion cost a third more than a plain insert.) Two
//! scans of different branches of one project may insert the same new identity at once: the
//! insert skips conflicts and whatever it skipped is read again, which then sees the other
//! scan's committed row.

use crate::store::batch::{self, P};
use crate::store::{Backend, StoreError};
use rampart_ingest::Imported;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// A finding's identity, borrowed from the import.
type Key<'a> = (&'a str, &'a str, &'a str);

fn key(f: &Imported) -> Key<'_> {
    (f.tool.as_str(), f.rule.as_str(), f.fingerprint.as_str())
}

/// The descriptive fields stored with an identity.
#[derive(PartialEq)]
struct Fields {
    severity: String,
    title: String,
    cwe: String,
    purl: Option<String>,
    advisory: Option<String>,
}

impl Fields {
    fn of(f: &Imported) -> Fields {
        Fields {
            severity: f.severity.as_str().to_string(),
            title: f.title.clone(),
            cwe: serde_json::to_string(&f.cwe).unwrap_or_default(),
            purl: property(&f.extra, "purl"),
            advisory: property(&f.extra, "advisory_id"),
        }
    }
}

/// A text property of a finding (rampart's dependency findings carry `purl` and `advisory_id`),
/// bounded to 1,000 bytes.
fn property(extra: &serde_json::Value, key: &str) -> Option<String> {
    extra["properties"][key]
        .as_str()
        .filter(|v| !v.is_empty() && v.len() <= 1000)
        .map(String::from)
}

/// The ids of the identities of `findings` in `project` (each identity once, the first
/// finding's fields winning), creating the missing ones as first seen in `scan`.
pub(super) async fn resolve<'a>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    project: i64,
    scan: i64,
    now: i64,
    findings: &'a [Imported],
) -> Result<HashMap<Key<'a>, i64>, StoreError> {
    let mut unique: HashMap<Key<'a>, usize> = HashMap::with_capacity(findings.len());
    let mut order: Vec<&Imported> = Vec::with_capacity(findings.len());
    for f in findings {
        unique.entry(key(f)).or_insert_with(|| {
            order.push(f);
            order.len() - 1
        });
    }
    let mut ids: HashMap<Key<'a>, i64> = HashMap::with_capacity(order.len());
    // A project's first results of a tool have nothing to look up.
    let mut tools: Vec<&str> = order.iter().map(|f| f.tool.as_str()).collect();
    tools.sort_unstable();
    tools.dedup();
    let fresh = !any_stored(tx, project, &tools).await?;
    let stored = if fresh {
        Vec::new()
    } else {
        lookup(tx, backend, project, &order).await?
    };
    let mut changed = Vec::new();
    for r in &stored {
        let Some(&i) = unique.get(&(r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)) else {
            continue;
        };
        let f = order[i];
        let id: i64 = r.try_get(0)?;
        ids.insert(key(f), id);
        let now_fields = Fields::of(f);
        let was = Fields {
            severity: r.try_get(4)?,
            title: r.try_get(5)?,
            cwe: r.try_get(6)?,
            purl: r.try_get(7)?,
            advisory: r.try_get(8)?,
        };
        if now_fields != was {
            changed.push(vec![
                P::I(id),
                P::T(now_fields.severity),
                P::T(now_fields.title),
                P::T(now_fields.cwe),
                P::OT(now_fields.purl),
                P::OT(now_fields.advisory),
            ]);
        }
    }
    let missing: Vec<&Imported> = order
        .iter()
        .copied()
        .filter(|f| !ids.contains_key(&key(f)))
        .collect();
    let rows: Vec<Vec<P>> = missing
        .iter()
        .map(|f| {
            let d = Fields::of(f);
            vec![
                P::I(project),
                P::T(f.tool.clone()),
                P::T(f.rule.clone()),
                P::T(f.fingerprint.clone()),
                P::T(d.severity),
                P::T(d.title),
                P::T(d.cwe),
                P::I(scan),
                P::I(now),
                P::OT(d.purl),
                P::OT(d.advisory),
            ]
        })
        .collect();
    let inserted = insert(tx, backend, &rows, fresh).await?;
    for r in &inserted {
        if let Some(&i) = unique.get(&(r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)) {
            ids.insert(key(order[i]), r.try_get(0)?);
        }
    }
    // Skipped as conflicts: created by a concurrent scan, committed since.
    let raced: Vec<&Imported> = missing
        .into_iter()
        .filter(|f| !ids.contains_key(&key(f)))
        .collect();
    if !raced.is_empty() {
        for r in &lookup(tx, backend, project, &raced).await? {
            if let Some(&i) = unique.get(&(r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)) {
                ids.insert(key(order[i]), r.try_get(0)?);
            }
        }
    }
    batch::values(
        tx,
        backend,
        "WITH v (id, severity, title, cwe, purl, advisory) AS (",
        &changed,
        ") UPDATE finding SET severity = v.severity, title = v.title, cwe = v.cwe, purl = v.purl, advisory = v.advisory \
         FROM v WHERE finding.id = v.id",
    )
    .await?;
    Ok(ids)
}

const INSERT: &str = "INSERT INTO finding (project, tool, rule, fingerprint, severity, title, cwe, first_seen_scan, created_at, purl, advisory)";
const RETURNING: &str = "RETURNING id, tool, rule, fingerprint";

/// Inserts identity `rows`; returns id, tool, rule and fingerprint of those it inserted.
///
/// When the project had none of these tools' identities (`fresh`), a plain insert is tried
/// first, in a savepoint: it cost two thirds of `ON CONFLICT DO NOTHING`'s speculative insertion
/// on PostgreSQL (0.45 s against 0.7 s for 50,000). If a concurrent scan inserted one of them
/// meanwhile, the savepoint is rolled back and the conflicts are skipped instead.
async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    rows: &[Vec<P>],
    fresh: bool,
) -> Result<Vec<AnyRow>, StoreError> {
    if fresh {
        let mut savepoint = sqlx::Acquire::begin(&mut **tx).await?;
        match batch::values(&mut savepoint, backend, INSERT, rows, RETURNING).await {
            Ok(inserted) => {
                savepoint.commit().await?;
                return Ok(inserted);
            }
            Err(StoreError::Query(e)) if crate::store::is_unique_violation(&e) => {
                savepoint.rollback().await?;
            }
            Err(e) => return Err(e),
        }
    }
    let tail = format!("ON CONFLICT (project, tool, rule, fingerprint) DO NOTHING {RETURNING}");
    batch::values(tx, backend, INSERT, rows, &tail).await
}

/// Whether `project` has any identity of `tools`.
async fn any_stored(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    project: i64,
    tools: &[&str],
) -> Result<bool, StoreError> {
    if tools.is_empty() {
        return Ok(false);
    }
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM finding WHERE project = $1 AND tool IN ({}) LIMIT 1) x",
        super::placeholders(2, tools.len())
    );
    let mut q = sqlx::query_as::<_, (i64,)>(crate::store::built(sql)).bind(project);
    for t in tools {
        q = q.bind(*t);
    }
    Ok(q.fetch_one(&mut **tx).await?.0 > 0)
}

/// The stored identities among `findings`: id, tool, rule, fingerprint and the fields.
///
/// On PostgreSQL the keys go as one JSON parameter, each looked up through the identity index
/// (`LATERAL … LIMIT 1` keeps the planner from hashing the whole table instead); batches of
/// `VALUES` joined to `finding` took 0.87 s for 50,000 keys there, this 0.3 s. SQLite looks each
/// row of a `VALUES` batch up through the index by itself.
async fn lookup(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    project: i64,
    findings: &[&Imported],
) -> Result<Vec<AnyRow>, StoreError> {
    const COLUMNS: &str =
        "f.id, f.tool, f.rule, f.fingerprint, f.severity, f.title, f.cwe, f.purl, f.advisory";
    if backend == Backend::Postgres {
        #[derive(serde::Serialize)]
        struct K<'a> {
            t: &'a str,
            r: &'a str,
            p: &'a str,
        }
        let keys: Vec<K> = findings
            .iter()
            .map(|f| K {
                t: &f.tool,
                r: &f.rule,
                p: &f.fingerprint,
            })
            .collect();
        let json = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into());
        let sql = format!(
            "SELECT {COLUMNS} FROM json_to_recordset($2::json) AS v(t text, r text, p text) \
             CROSS JOIN LATERAL (SELECT * FROM finding x WHERE x.project = $1 AND x.tool = v.t AND x.rule = v.r AND x.fingerprint = v.p LIMIT 1) f"
        );
        return Ok(sqlx::query(crate::store::built(sql))
            .bind(project)
            .bind(json)
            .fetch_all(&mut **tx)
            .await?);
    }
    let keys: Vec<Vec<P>> = findings
        .iter()
        .map(|f| {
            vec![
                P::T(f.tool.clone()),
                P::T(f.rule.clone()),
                P::T(f.fingerprint.clone()),
            ]
        })
        .collect();
    // `project` is an integer, written into the text; everything from outside is bound.
    let tail = format!(
        ") SELECT {COLUMNS} FROM v JOIN finding f ON f.project = {project} AND f.tool = v.tool AND f.rule = v.rule AND f.fingerprint = v.fingerprint"
    );
    batch::values(
        tx,
        backend,
        "WITH v (tool, rule, fingerprint) AS (",
        &keys,
        &tail,
    )
    .await
}
