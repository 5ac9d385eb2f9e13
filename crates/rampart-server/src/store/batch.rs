//! Multi-row statements: one `INSERT … VALUES (…), (…), …` per batch of rows instead of one
//! round trip per row, which is what makes ingesting tens of thousands of findings fast.
//!
//! The one place where the SQL text differs by backend. sqlx binds each SQLite parameter after
//! asking SQLite its name, which walks the statement's list of named parameters (`$N` and `?N`
//! are named): quadratic in the parameters of a statement, 92% of the time of a 50,000-finding
//! upload (12,000 parameters a statement, 200 ms each). Anonymous `?` parameters have no name to
//! look up, and are bound in order, as here; PostgreSQL only knows `$N`.

use super::{Backend, StoreError};
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

/// Most values bound in one statement: under both backends' limits (PostgreSQL 65,535,
/// SQLite 32,766).
pub const MAX_BOUND: usize = 6000;

/// `head VALUES (…), …  tail` for `rows`, run in batches; returns the rows the statements
/// return. An insert (`tail` may hold `ON CONFLICT …` and `RETURNING …`, without parameters), or
/// a statement over the rows as a table (`WITH v (…) AS (` … `) SELECT|UPDATE …`). Nothing is
/// run for no rows.
pub async fn values(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    head: &str,
    rows: &[Vec<P>],
    tail: &str,
) -> Result<Vec<AnyRow>, StoreError> {
    let mut out = Vec::new();
    let width = rows.first().map_or(1, Vec::len).max(1);
    for chunk in rows.chunks((MAX_BOUND / width).max(1)) {
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
                match backend {
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => {
                        sql.push('$');
                        sql.push_str(&n.to_string());
                    }
                }
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
