//! Test databases: every storage test runs on SQLite (a fresh file), and on PostgreSQL too when
//! `RAMPART_TEST_DATABASE_URL` is set (each test in a fresh schema, dropped at the end).
#![allow(dead_code)]

pub mod attest;
pub mod fake_forge;
pub mod http;
pub mod osv;
pub mod repo;

use rampart_core::Severity;
use rampart_ingest::{Component, Format, Import, Imported};
use rampart_server::Store;
use rampart_server::results::ScanMeta;
use sqlx::Connection;

/// One test database.
pub struct TestDb {
    /// The open store.
    pub store: Store,
    /// Its URL (as workers would be given it).
    pub url: String,
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

impl TestDb {
    /// Drops the PostgreSQL schema (SQLite's folder goes with the value).
    pub async fn done(self) {
        self.store.close().await;
        if let Some((base, schema)) = self.schema
            && let Ok(mut c) = sqlx::AnyConnection::connect(&base).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(&mut c)
            .await;
        }
    }
}

fn unique() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    format!(
        "{}_{}_{}",
        t.as_millis(),
        std::process::id(),
        t.subsec_nanos()
    )
}

/// A fresh SQLite database.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = rampart_server::store::sqlite_url(dir.path());
    TestDb {
        store: Store::open(&url).await.unwrap(),
        url,
        name: "sqlite",
        _dir: Some(dir),
        schema: None,
    }
}

/// A fresh PostgreSQL schema, when `RAMPART_TEST_DATABASE_URL` is set.
pub async fn postgres() -> Option<TestDb> {
    let base = std::env::var("RAMPART_TEST_DATABASE_URL").ok()?;
    sqlx::any::install_default_drivers();
    let schema = format!("rampart_t_{}", unique());
    let mut c = sqlx::AnyConnection::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("RAMPART_TEST_DATABASE_URL={base} does not answer: {e}"));
    // Schemas left by earlier runs that stopped in a panic, over an hour old.
    let hour_ago = unique().split('_').next().unwrap().parse::<u128>().unwrap() - 3_600_000;
    let old: Vec<(String,)> = sqlx::query_as(
        "SELECT schema_name::text FROM information_schema.schemata WHERE schema_name LIKE 'rampart_t_%'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for (name,) in old {
        let made = name.split('_').nth(2).and_then(|t| t.parse::<u128>().ok());
        if made.is_some_and(|t| t < hour_ago) {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE"
            )))
            .execute(&mut c)
            .await;
        }
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut c)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    Some(TestDb {
        store: Store::open(&url).await.unwrap(),
        url,
        name: "postgres",
        _dir: None,
        schema: Some((base, schema)),
    })
}

/// Every backend this run tests.
pub async fn databases() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    v.extend(postgres().await);
    v
}

/// A finding of `tool`/`rule` with fingerprint `fp` at `path:line`.
pub fn finding(tool: &str, rule: &str, fp: &str, path: &str, line: u32) -> Imported {
    Imported {
        tool: tool.into(),
        rule: rule.into(),
        fingerprint: fp.into(),
        severity: Severity::High,
        title: format!("title of {rule}"),
        message: format!("{rule} at {path}:{line}"),
        path: path.into(),
        start_line: line,
        start_col: 1,
        end_line: line,
        end_col: 10,
        snippet: "x = 1".into(),
        cwe: vec!["CWE-79".into()],
        suppressed: false,
        extra: serde_json::Value::Null,
    }
}

/// An import of `findings` (SARIF-like) naming `tools`.
pub fn import(tools: &[&str], findings: Vec<Imported>) -> Import {
    Import {
        format: Format::Sarif,
        findings,
        components: Vec::<Component>::new(),
        warnings: Vec::new(),
        tools: tools.iter().map(|t| t.to_string()).collect(),
        rules: Vec::new(),
        verdict: None,
    }
}

/// A tenant-wide token of `tenant` with `scopes`: its id and secret.
pub async fn token(
    store: &Store,
    tenant: i64,
    name: &str,
    scopes: &[rampart_server::auth::Scope],
) -> (i64, String) {
    let new = rampart_server::auth::NewToken {
        name,
        scopes,
        expires_at: None,
        teams: None,
    };
    rampart_server::auth::create_token(store, tenant, &new, "test")
        .await
        .unwrap()
}

/// An upload of results for `commit` on `branch` of `project`.
pub fn upload_meta(project: i64, commit: &str, branch: &str) -> ScanMeta {
    ScanMeta {
        project,
        commit: commit.into(),
        branch: branch.into(),
        base_commit: None,
        tool: None,
        kind: "upload".into(),
    }
}
