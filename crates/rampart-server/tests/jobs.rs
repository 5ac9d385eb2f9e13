//! The job queue on each backend: claiming, leases, retries, concurrency keys; and many workers
//! at once taking every job exactly once.

mod common;
use common::databases;
use rampart_server::Store;
use rampart_server::jobs::{self, NewJob};
use serde_json::json;
use std::collections::HashSet;

fn job(key: Option<&str>, priority: i64) -> NewJob {
    NewJob {
        kind: "scan".into(),
        payload: json!({"tenant": 1}),
        priority,
        concurrency_key: key.map(String::from),
        max_attempts: 2,
    }
}

async fn finish(store: &Store, id: i64, worker: &str) -> bool {
    let mut tx = store.pool().begin().await.unwrap();
    let ok = jobs::finish_in(&mut tx, id, worker, &json!({"ok": true}))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    ok
}

async fn state(store: &Store, id: i64) -> (String, i64) {
    sqlx::query_as("SELECT state, attempts FROM job WHERE id = $1")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn higher_priority_first_and_one_job_per_key_at_a_time() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let low = jobs::enqueue(s, &job(None, 10)).await.unwrap();
        let keyed = jobs::enqueue(s, &job(Some("p1:main"), 30)).await.unwrap();
        let first = jobs::claim(s, "w1", jobs::LEASE_MS).await.unwrap().unwrap();
        assert_eq!(first.id, keyed);
        assert_eq!(first.attempt, 1);
        // A newer job of the same key waits while the first runs; the low one goes meanwhile.
        let newer = jobs::enqueue(s, &job(Some("p1:main"), 30)).await.unwrap();
        assert_eq!(
            jobs::claim(s, "w2", jobs::LEASE_MS)
                .await
                .unwrap()
                .unwrap()
                .id,
            low
        );
        assert!(
            jobs::claim(s, "w2", jobs::LEASE_MS)
                .await
                .unwrap()
                .is_none()
        );
        assert!(finish(s, keyed, "w1").await);
        assert_eq!(
            jobs::claim(s, "w2", jobs::LEASE_MS)
                .await
                .unwrap()
                .unwrap()
                .id,
            newer
        );
        db.done().await;
    }
}

#[tokio::test]
async fn a_newer_job_supersedes_a_queued_one_of_its_key() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let old = jobs::enqueue(s, &job(Some("p1:main"), 20)).await.unwrap();
        let new = jobs::enqueue(s, &job(Some("p1:main"), 20)).await.unwrap();
        assert_eq!(state(s, old).await.0, "superseded");
        assert_eq!(
            jobs::claim(s, "w", jobs::LEASE_MS)
                .await
                .unwrap()
                .unwrap()
                .id,
            new
        );
        db.done().await;
    }
}

#[tokio::test]
async fn failures_retry_with_backoff_then_fail() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let id = jobs::enqueue(s, &job(None, 20)).await.unwrap();
        jobs::claim(s, "w", jobs::LEASE_MS).await.unwrap().unwrap();
        jobs::fail(s, id, "w", "boom", false).await.unwrap();
        assert_eq!(state(s, id).await, ("queued".into(), 1));
        // Backing off: not claimable yet.
        assert!(jobs::claim(s, "w", jobs::LEASE_MS).await.unwrap().is_none());
        sqlx::query("UPDATE job SET run_after = 0 WHERE id = $1")
            .bind(id)
            .execute(s.pool())
            .await
            .unwrap();
        assert_eq!(
            jobs::claim(s, "w", jobs::LEASE_MS)
                .await
                .unwrap()
                .unwrap()
                .attempt,
            2
        );
        jobs::fail(s, id, "w", "boom again", false).await.unwrap();
        assert_eq!(state(s, id).await, ("failed".into(), 2));
        assert_eq!(jobs::backoff_ms(1), 2000);
        assert_eq!(jobs::backoff_ms(40), jobs::MAX_BACKOFF_MS);
        db.done().await;
    }
}

#[tokio::test]
async fn an_expired_lease_goes_to_another_worker_and_the_first_cannot_finish() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let id = jobs::enqueue(s, &job(None, 20)).await.unwrap();
        jobs::claim(s, "dead", jobs::LEASE_MS)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            jobs::reap(s).await.unwrap(),
            0,
            "a live lease is not reaped"
        );
        sqlx::query("UPDATE job SET lease_until = 0 WHERE id = $1")
            .bind(id)
            .execute(s.pool())
            .await
            .unwrap();
        assert_eq!(jobs::reap(s).await.unwrap(), 1);
        let again = jobs::claim(s, "alive", jobs::LEASE_MS)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.id, again.attempt), (id, 2));
        assert!(
            !jobs::heartbeat(s, id, "dead", jobs::LEASE_MS)
                .await
                .unwrap()
        );
        assert!(
            !finish(s, id, "dead").await,
            "the worker that lost the lease cannot finish"
        );
        assert!(
            jobs::heartbeat(s, id, "alive", jobs::LEASE_MS)
                .await
                .unwrap()
        );
        assert!(finish(s, id, "alive").await);
        assert_eq!(state(s, id).await.0, "done");
        db.done().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_workers_take_every_job_exactly_once() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = db.store.clone();
        let n = 200;
        for _ in 0..n {
            jobs::enqueue(&s, &job(None, 20)).await.unwrap();
        }
        let mut handles = Vec::new();
        for w in 0..4 {
            let s = s.clone();
            handles.push(tokio::spawn(async move {
                let name = format!("w{w}");
                let mut mine = Vec::new();
                let mut idle = 0;
                while idle < 3 {
                    match jobs::claim(&s, &name, jobs::LEASE_MS).await.unwrap() {
                        Some(j) => {
                            idle = 0;
                            assert!(finish(&s, j.id, &name).await);
                            mine.push(j.id);
                        }
                        None => {
                            idle += 1;
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        }
                    }
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        let unique: HashSet<i64> = all.iter().copied().collect();
        assert_eq!((all.len(), unique.len()), (n, n), "each job once");
        let (done,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM job WHERE state = 'done'")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(done, n as i64);
        db.done().await;
    }
}
