//! The inventory across projects: which projects and branches of a tenant use a package now,
//! judged by each branch's latest scan that holds components (a later scan without any, such as a
//! SARIF upload, does not hide the inventory; a later one with components replaces it).

use crate::findings::{MAX_PAGE, Page};
use crate::store::{Store, StoreError};
use base64::Engine as _;
use serde::Serialize;

/// What to look for.
#[derive(Debug, Clone)]
pub enum Query {
    /// This exact package URL (with its version).
    Purl(String),
    /// This name, any version, optionally in one ecosystem (purl type).
    Name {
        /// Name as the documents give it.
        name: String,
        /// Purl type (`npm`, `pypi`…).
        ecosystem: Option<String>,
    },
}

/// A package in a branch's inventory.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Usage {
    /// The project.
    pub project: i64,
    /// Its name.
    pub project_name: String,
    /// The branch.
    pub branch: String,
    /// The scan whose inventory holds it.
    pub scan: i64,
    /// That scan's commit.
    pub commit: String,
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Package URL, when known.
    pub purl: Option<String>,
    /// Whether the project depends on it directly (unknown without a dependency graph).
    pub direct: Option<bool>,
}

/// Where a page ends: (scan, name, version, purl) of its last item.
type Key = (i64, String, String, String);

/// The cursor text of a key.
fn encode(k: &Key) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(k).unwrap_or_default())
}

/// The key of a cursor; `None` when it is not one this server made.
pub fn decode(cursor: &str) -> Option<(i64, String, String, String)> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

type Row = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    Option<i64>,
);

/// One page of the usages of `q` in `tenant` (only in `projects` when given), after `cursor` (a
/// [`decode`]d `next`).
pub async fn search(
    store: &Store,
    tenant: i64,
    projects: Option<&[i64]>,
    q: &Query,
    after: Option<&Key>,
    limit: i64,
) -> Result<Page<Usage>, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut sql = String::from(
        "SELECT p.id, p.name, sc.branch, sc.id, sc.commit_sha, c.name, c.version, COALESCE(c.purl, ''), MAX(c.direct) \
         FROM component c JOIN scan sc ON sc.id = c.scan JOIN project p ON p.id = sc.project \
         WHERE p.tenant = $1 AND sc.id = (SELECT MAX(s2.id) FROM scan s2 WHERE s2.project = sc.project \
         AND s2.branch = sc.branch AND EXISTS (SELECT 1 FROM component c2 WHERE c2.scan = s2.id))",
    );
    let mut texts: Vec<String> = Vec::new();
    match q {
        Query::Purl(p) => {
            sql.push_str(" AND c.purl = $2");
            texts.push(p.clone());
        }
        Query::Name { name, ecosystem } => {
            sql.push_str(" AND c.name = $2");
            texts.push(name.clone());
            if let Some(e) = ecosystem {
                sql.push_str(" AND c.ecosystem = $3");
                texts.push(e.clone());
            }
        }
    }
    if let Some(ids) = projects {
        if ids.is_empty() {
            return Ok(Page::empty());
        }
        sql.push_str(&format!(" AND p.id IN ({})", crate::store::id_list(ids)));
    }
    let n = texts.len() + 1;
    if after.is_some() {
        let (a, b, c, d) = (n + 1, n + 2, n + 3, n + 4);
        sql.push_str(&format!(
            " AND (sc.id > ${a} OR (sc.id = ${a} AND (c.name > ${b} OR (c.name = ${b} AND (c.version > ${c} \
             OR (c.version = ${c} AND COALESCE(c.purl, '') > ${d}))))))"
        ));
    }
    sql.push_str(&format!(
        " GROUP BY p.id, p.name, sc.branch, sc.id, sc.commit_sha, c.name, c.version, COALESCE(c.purl, '') \
         ORDER BY sc.id, c.name, c.version, COALESCE(c.purl, '') LIMIT {}",
        limit + 1
    ));
    let mut query = sqlx::query_as::<_, Row>(crate::store::built(sql)).bind(tenant);
    for t in texts {
        query = query.bind(t);
    }
    if let Some(k) = after {
        query = query
            .bind(k.0)
            .bind(k.1.clone())
            .bind(k.2.clone())
            .bind(k.3.clone());
    }
    let mut rows = query.fetch_all(store.pool()).await?;
    let more = crate::findings::cut_page(&mut rows, limit);
    let next = more
        .then(|| {
            rows.last()
                .map(|r| encode(&(r.3, r.5.clone(), r.6.clone(), r.7.clone())))
        })
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| Usage {
            project: r.0,
            project_name: r.1,
            branch: r.2,
            scan: r.3,
            commit: r.4,
            name: r.5,
            version: r.6,
            purl: (!r.7.is_empty()).then_some(r.7),
            direct: r.8.map(|d| d != 0),
        })
        .collect();
    Ok(Page { items, next })
}
