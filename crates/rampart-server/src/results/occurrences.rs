//! Writing a scan's occurrences (where each finding is, in this scan): on SQLite as multi-row
//! `VALUES` batches (`store::batch`), on PostgreSQL as rows of one JSON parameter read by
//! `json_to_recordset`, so that PostgreSQL parses one text per few thousand rows instead of
//! twelve bound values per row.

use crate::store::batch::{self, P};
use crate::store::{Backend, StoreError};
use rampart_ingest::Imported;
use serde::Serialize;
use sqlx::{Any, Transaction};

/// Rows per PostgreSQL statement: a few MiB of JSON each.
const JSON_ROWS: usize = 10_000;

/// The columns written, in order.
const COLUMNS: &str =
    "finding, scan, path, start_line, start_col, end_line, end_col, severity, message, snippet, suppressed, extra";

/// One occurrence to write: the finding's id and where the import has it.
pub(crate) struct Row<'a> {
    pub(crate) finding: i64,
    pub(crate) f: &'a Imported,
}

/// An occurrence as a JSON object (short keys: the JSON is parsed once per statement).
#[derive(Serialize)]
struct JsonRow<'a> {
    f: i64,
    p: &'a str,
    a: u32,
    b: u32,
    c: u32,
    d: u32,
    s: &'static str,
    m: &'a str,
    n: &'a str,
    u: i64,
    x: String,
}

fn extra(f: &Imported) -> String {
    if f.extra.is_null() {
        String::new()
    } else {
        f.extra.to_string()
    }
}

/// Writes `rows` as occurrences of `scan`.
pub(crate) async fn insert(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    scan: i64,
    rows: &[Row<'_>],
) -> Result<(), StoreError> {
    match backend {
        Backend::Postgres => {
            for chunk in rows.chunks(JSON_ROWS) {
                let json: Vec<JsonRow> = chunk
                    .iter()
                    .map(|r| JsonRow {
                        f: r.finding,
                        p: &r.f.path,
                        a: r.f.start_line,
                        b: r.f.start_col,
                        c: r.f.end_line,
                        d: r.f.end_col,
                        s: r.f.severity.as_str(),
                        m: &r.f.message,
                        n: &r.f.snippet,
                        u: r.f.suppressed.into(),
                        x: extra(r.f),
                    })
                    .collect();
                let json = serde_json::to_string(&json).unwrap_or_else(|_| "[]".into());
                sqlx::query(
                    "INSERT INTO occurrence (finding, scan, path, start_line, start_col, end_line, end_col, severity, message, snippet, suppressed, extra) \
                     SELECT v.f, $1, v.p, v.a, v.b, v.c, v.d, v.s, v.m, v.n, v.u, v.x \
                     FROM json_to_recordset($2::json) AS v(f bigint, p text, a bigint, b bigint, c bigint, d bigint, s text, m text, n text, u bigint, x text)",
                )
                .bind(scan)
                .bind(json)
                .execute(&mut **tx)
                .await?;
            }
            Ok(())
        }
        Backend::Sqlite => {
            let values: Vec<Vec<P>> = rows
                .iter()
                .map(|r| {
                    vec![
                        P::I(r.finding),
                        P::I(scan),
                        P::T(r.f.path.clone()),
                        P::I(r.f.start_line.into()),
                        P::I(r.f.start_col.into()),
                        P::I(r.f.end_line.into()),
                        P::I(r.f.end_col.into()),
                        P::T(r.f.severity.as_str().to_string()),
                        P::T(r.f.message.clone()),
                        P::T(r.f.snippet.clone()),
                        P::I(r.f.suppressed.into()),
                        P::T(extra(r.f)),
                    ]
                })
                .collect();
            batch::values(
                tx,
                backend,
                &format!("INSERT INTO occurrence ({COLUMNS})"),
                &values,
                "",
            )
            .await?;
            Ok(())
        }
    }
}
