//! Opening the database: migrations run once, a newer schema is refused with a clear message,
//! and a URL that names no database is explained.

mod common;
use common::databases;
use rampart_server::{Store, StoreError};

#[tokio::test]
async fn migrations_run_once_and_a_newer_schema_is_refused() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        // Opening again (a restart, a second worker) applies nothing twice.
        let again = Store::open(&db.url).await.unwrap();
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM schema_version")
            .fetch_one(again.pool())
            .await
            .unwrap();
        assert_eq!(n, rampart_server::store::MIGRATIONS.len() as i64);
        sqlx::query(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future.sql', 0)",
        )
        .execute(again.pool())
        .await
        .unwrap();
        again.close().await;
        let err = Store::open(&db.url).await.unwrap_err();
        assert!(
            matches!(err, StoreError::TooNew { found: 999, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("upgrade rampart"), "{err}");
        db.done().await;
    }
}

#[tokio::test]
async fn a_bad_url_says_what_is_accepted() {
    let err = Store::open("mysql://root@localhost/x").await.unwrap_err();
    assert!(err.to_string().contains("use sqlite://PATH"), "{err}");
    // A server that does not answer: the message names it, without its password.
    let err = Store::open("postgres://u:hunter2@127.0.0.1:1/db")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("postgres://u:***@127.0.0.1:1/db"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}
