//! Versioned schema migrations, one SQL file per version and backend, applied in order at start,
//! each in its own transaction; `schema_version` records what ran.

use super::{Backend, Store, StoreError};
use crate::clock::now_ms;

/// One schema version.
pub struct Migration {
    /// Its number, from 1, increasing (gaps allowed: each number is applied once).
    pub version: i64,
    /// The file name (for messages).
    pub name: &'static str,
    /// The SQL for SQLite.
    pub sqlite: &'static str,
    /// The SQL for PostgreSQL.
    pub postgres: &'static str,
}

/// Every migration, oldest first. Adding one: write its SQL once in `migrations/shared/` when both
/// backends accept it, else one file per backend; append it here.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_init.sql",
        sqlite: include_str!("../../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "0002_triage.sql",
        sqlite: include_str!("../../migrations/shared/0002_triage.sql"),
        postgres: include_str!("../../migrations/shared/0002_triage.sql"),
    },
    Migration {
        version: 3,
        name: "0003_forge.sql",
        sqlite: include_str!("../../migrations/shared/0003_forge.sql"),
        postgres: include_str!("../../migrations/shared/0003_forge.sql"),
    },
    Migration {
        version: 4,
        name: "0004_finding_pages.sql",
        sqlite: include_str!("../../migrations/shared/0004_finding_pages.sql"),
        postgres: include_str!("../../migrations/shared/0004_finding_pages.sql"),
    },
    Migration {
        version: 5,
        name: "0005_teams.sql",
        sqlite: include_str!("../../migrations/sqlite/0005_teams.sql"),
        postgres: include_str!("../../migrations/postgres/0005_teams.sql"),
    },
    Migration {
        version: 6,
        name: "0006_schedule.sql",
        sqlite: include_str!("../../migrations/shared/0006_schedule.sql"),
        postgres: include_str!("../../migrations/shared/0006_schedule.sql"),
    },
    Migration {
        version: 7,
        name: "0007_ingest.sql",
        sqlite: include_str!("../../migrations/sqlite/0007_ingest.sql"),
        postgres: include_str!("../../migrations/postgres/0007_ingest.sql"),
    },
    Migration {
        version: 8,
        name: "0008_attestations.sql",
        sqlite: include_str!("../../migrations/sqlite/0008_attestations.sql"),
        postgres: include_str!("../../migrations/postgres/0008_attestations.sql"),
    },
    Migration {
        version: 9,
        name: "0009_session.sql",
        sqlite: include_str!("../../migrations/shared/0009_session.sql"),
        postgres: include_str!("../../migrations/shared/0009_session.sql"),
    },
    Migration {
        version: 10,
        name: "0010_outbox.sql",
        sqlite: include_str!("../../migrations/sqlite/0010_outbox.sql"),
        postgres: include_str!("../../migrations/postgres/0010_outbox.sql"),
    },
    Migration {
        version: 11,
        name: "0011_deployments.sql",
        sqlite: include_str!("../../migrations/sqlite/0011_deployments.sql"),
        postgres: include_str!("../../migrations/postgres/0011_deployments.sql"),
    },
    Migration {
        version: 12,
        name: "0012_alerts.sql",
        sqlite: include_str!("../../migrations/sqlite/0012_alerts.sql"),
        postgres: include_str!("../../migrations/postgres/0012_alerts.sql"),
    },
    Migration {
        version: 13,
        name: "0013_rule_docs.sql",
        sqlite: include_str!("../../migrations/shared/0013_rule_docs.sql"),
        postgres: include_str!("../../migrations/shared/0013_rule_docs.sql"),
    },
    Migration {
        version: 14,
        name: "0014_component_licenses.sql",
        sqlite: include_str!("../../migrations/shared/0014_component_licenses.sql"),
        postgres: include_str!("../../migrations/shared/0014_component_licenses.sql"),
    },
    Migration {
        version: 15,
        name: "0015_state_path.sql",
        sqlite: include_str!("../../migrations/shared/0015_state_path.sql"),
        postgres: include_str!("../../migrations/shared/0015_state_path.sql"),
    },
    Migration {
        version: 16,
        name: "0016_fix_requests.sql",
        sqlite: include_str!("../../migrations/shared/0016_fix_requests.sql"),
        postgres: include_str!("../../migrations/shared/0016_fix_requests.sql"),
    },
];

/// An arbitrary, fixed key for PostgreSQL's advisory lock: two processes starting at once
/// migrate one after the other.
const LOCK_KEY: i64 = 0x0072_616d_7061_7274;

/// Applies the migrations the database has not run yet.
pub(super) async fn run(store: &Store) -> Result<(), StoreError> {
    let pool = store.pool();
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    for m in MIGRATIONS {
        let mut tx = pool.begin().await?;
        if store.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(LOCK_KEY)
                .execute(&mut *tx)
                .await?;
        }
        let (found,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM schema_version WHERE version = $1")
                .bind(m.version)
                .fetch_one(&mut *tx)
                .await?;
        if found > 0 {
            continue;
        }
        let sql = match store.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        let failed = |source| StoreError::Migrate {
            version: m.version,
            name: m.name,
            source,
        };
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(failed)?;
        sqlx::query("INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
    }
    let (newest,): (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM schema_version")
        .fetch_one(pool)
        .await?;
    match newest {
        Some(found) if found > known => Err(StoreError::TooNew { found, known }),
        _ => Ok(()),
    }
}
