//! Multi-row statements: one `INSERT … VALUES (…), (…), …` per batch of rows instead of one
//! round trip per row, which is what makes ingesting tens of thousands of findings fast.

use super::StoreError;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// One bound value.
#[derive(Debug, Clone)]
pub enum P {
    /// An integer.
    I(i64),
    /// Text.
    T(String),
    /// Text or NULL.
    OT(Option<String>),
    /// An integer or NULL.
    OI(Option<i64>),
}

/// Rows per statement: under both backends' limits on bound values (PostgreSQL 65,535,
/// SQLite 32,766) for tables of up to 30 columns.
pub const ROWS_PER_BATCH: usize = 1000;

/// `head VALUES (…), …  tail` for `rows`, run in batches; returns the rows the statements
/// return (`tail` may hold `ON CONFLICT …` and `RETURNING …`).
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    head: &str,
    rows: &[Vec<P>],
    tail: &str,
) -> Result<Vec<AnyRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in rows.chunks(ROWS_PER_BATCH) {
        let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * 64);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 0..row.len() {
                if j > 0 {
                    sql.push(',');
                }
                n += 1;
                sql.push('$');
                sql.push_str(&n.to_string());
            }
            sql.push(')');
        }
        sql.push(' ');
        sql.push_str(tail);
        let mut q = sqlx::query(crate::store::built(sql));
        for row in chunk {
            for v in row {
                q = match v {
                    P::I(x) => q.bind(*x),
                    P::T(x) => q.bind(x.clone()),
                    P::OT(x) => q.bind(x.clone()),
                    P::OI(x) => q.bind(*x),
                };
            }
        }
        out.extend(q.fetch_all(&mut **tx).await?);
    }
    Ok(out)
}
