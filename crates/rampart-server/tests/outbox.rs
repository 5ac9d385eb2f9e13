//! The notification outbox: an event is written once per key, inside the caller's transaction.

mod common;

use rampart_server::outbox::{self, EventKind, NewEvent};

fn event(key: &str) -> NewEvent {
    NewEvent {
        kind: EventKind::NewFinding,
        project: None,
        severity: Some("high".into()),
        dedup_key: key.into(),
        payload: serde_json::json!({"rule": "py.sql-injection"}),
    }
}

async fn count(db: &common::TestDb) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notification_event")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn an_event_is_written_once_per_key_and_only_with_its_transaction() {
    for db in common::databases().await {
        let pool = db.store.pool();
        assert!(
            outbox::enqueue(pool, &event("a")).await.unwrap(),
            "{}",
            db.name
        );
        assert!(
            !outbox::enqueue(pool, &event("a")).await.unwrap(),
            "{}",
            db.name
        );
        let mut tx = pool.begin().await.unwrap();
        assert!(outbox::enqueue(&mut *tx, &event("b")).await.unwrap());
        tx.rollback().await.unwrap();
        assert_eq!(
            count(&db).await,
            1,
            "{}: the rolled-back event is not kept",
            db.name
        );
        let (kind, payload): (String, String) =
            sqlx::query_as("SELECT kind, payload FROM notification_event")
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!(kind, "new_finding");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&payload).unwrap()["rule"],
            "py.sql-injection"
        );
        db.done().await;
    }
}
