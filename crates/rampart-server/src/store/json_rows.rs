//! Query results as one JSON array built by the database: `SELECT json_agg(json_build_object(…))`
//! on PostgreSQL, `json_group_array(json_object(…))` on SQLite, parsed with serde.
//!
//! A page of a hundred rows of fourteen columns is fourteen hundred values, each of which sqlx's
//! `Any` driver copies into its own row type (and SQLite's driver hands over from its thread one
//! row at a time); as one text value it is one copy and one parse. Hot reads (the finding list)
//! use this; everything else reads rows as usual.

use super::{Backend, StoreError};
use serde::de::DeserializeOwned;

/// `SELECT <array of objects> FROM (inner) j`: one row, one text column holding a JSON array with
/// an object per row of `inner`, in `order`, keyed by `columns` (the names of `inner`'s columns).
pub(crate) fn sql(backend: Backend, columns: &[&str], inner: &str, order: &str) -> String {
    let array = match backend {
        // The row itself: its column names are the keys (`json_build_object` looks up how to
        // write each argument on every call, which took PostgreSQL more time than the query).
        // `json_agg` gives `json`, which the `Any` driver reads once cast to text.
        Backend::Postgres => format!("CAST(json_agg(j ORDER BY {order}) AS TEXT)"),
        Backend::Sqlite => {
            let pairs = columns
                .iter()
                .map(|c| format!("'{c}', j.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("json_group_array(json_object({pairs}) ORDER BY {order})")
        }
    };
    format!("SELECT {array} FROM ({inner}) j")
}

/// The rows of a [`sql`] result (PostgreSQL gives NULL for no rows, SQLite `[]`).
pub(crate) fn parse<T: DeserializeOwned>(text: Option<String>) -> Result<Vec<T>, StoreError> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(&t)
            .map_err(|e| StoreError::Query(sqlx::Error::Decode(Box::new(e)))),
    }
}
