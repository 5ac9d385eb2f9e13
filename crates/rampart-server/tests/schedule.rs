//! Scheduled rescans: cron expressions checked and evaluated, one scan queued per occurrence
//! (however many servers tick), the worker scanning the branch's head as it is when the job
//! runs (a remote is fetched first); and the leftovers of killed workers cleaned up.

mod common;
use axum::http::StatusCode;
use common::databases;
use common::http::{call, new_project, tenant};
use common::repo::{GrepScanner, commit, git};
use rampart_server::api::{self, AppState, Limits};
use rampart_server::jobs::{self, priority};
use rampart_server::projects::{self, ProjectFields};
use rampart_server::schedule::{self, Schedule};
use rampart_server::worker::{self, Scanner, WorkerConfig};
use rampart_server::{Store, auth};
use serde_json::{Value, json};
use std::process::Command;
use std::sync::Arc;

/// 2026-12-06T07:00:00Z.
const DEC_6_0700: i64 = 1_796_540_400_000;
const HOUR: i64 = 3_600_000;

#[test]
fn cron_expressions_are_checked_and_fall_due_when_they_say() {
    let daily = Schedule::parse("0 2 * * *").unwrap();
    // The next 02:00 UTC after 07:00 is the next day's.
    assert_eq!(daily.next_after(DEC_6_0700), Some(DEC_6_0700 + 19 * HOUR));
    // Strictly after: at 02:00 itself, the next is a day later.
    assert_eq!(
        daily.next_after(DEC_6_0700 + 19 * HOUR),
        Some(DEC_6_0700 + 43 * HOUR)
    );
    assert_eq!(
        Schedule::parse("@daily").unwrap().next_after(DEC_6_0700),
        Some(DEC_6_0700 + 17 * HOUR)
    );
    assert_eq!(
        Schedule::parse("30 * * * *")
            .unwrap()
            .next_after(DEC_6_0700),
        Some(DEC_6_0700 + HOUR / 2)
    );
    // In a time zone: 02:00 in Berlin is 01:00 UTC in winter.
    let berlin = Schedule::parse("CRON_TZ=Europe/Berlin 0 2 * * *").unwrap();
    assert_eq!(berlin.next_after(DEC_6_0700), Some(DEC_6_0700 + 18 * HOUR));
    // Sunday 2026-12-06 07:00: the next Monday 03:00.
    assert_eq!(
        Schedule::parse("0 3 * * MON")
            .unwrap()
            .next_after(DEC_6_0700),
        Some(DEC_6_0700 + 20 * HOUR)
    );
    for (bad, says) in [
        ("", "cron expression"),
        ("61 * * * *", "not a cron expression"),
        ("0 0 2 * * *", "five fields"),
        ("every night", "not a cron expression"),
        ("CRON_TZ=Mars/Olympus 0 2 * * *", "unknown time zone"),
        ("CRON_TZ=Europe/Berlin", "must be followed"),
        (
            "CRON_TZ=../../../../etc/passwd 0 2 * * *",
            "unknown time zone",
        ),
        ("CRON_TZ=/etc/localtime 0 2 * * *", "unknown time zone"),
        ("CRON_TZ=Europe/Berlin\u{0} 0 2 * * *", "unknown time zone"),
        ("0 2 * * *\n0 3 * * *", "five fields"),
        ("0 2 ** * *", "not a cron expression"),
        ("0 2 31 2 *", "never"),
    ] {
        let e = Schedule::parse(bad).unwrap_err();
        assert!(e.contains(says), "{bad:?}: {e}");
    }
    assert!(Schedule::parse(&"1".repeat(300)).is_err());
}

#[tokio::test]
async fn the_api_keeps_a_schedule_and_a_partial_sla_changes_only_what_it_names() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let admin = tenant(&db.store, "t").await;
        let p = new_project(
            &app,
            &admin,
            json!({"name": "p", "local_path": "/tmp", "schedule": "0 2 * * *", "sla": {"critical": 3}}),
        )
        .await;
        let patch = |body: Value| {
            let app = app.clone();
            let admin = admin.clone();
            async move {
                call(
                    &app,
                    "PATCH",
                    &format!("/api/v1/projects/{p}"),
                    &admin,
                    body.to_string().into_bytes(),
                )
                .await
            }
        };
        let (status, v) = patch(json!({"tags": ["x"]})).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["schedule"], "0 2 * * *");
        let next = v["next_rescan_at"].as_i64().unwrap();
        assert!(next > rampart_server::clock::now_ms(), "{v}");
        assert_eq!(
            v["sla"],
            json!({"critical": 3, "high": 30, "medium": 90, "low": 180, "info": null})
        );
        // A partial SLA changes the severities it names only.
        let (_, v) = patch(json!({"sla": {"high": null, "low": 0}})).await;
        assert_eq!(
            v["sla"],
            json!({"critical": 3, "high": null, "medium": 90, "low": null, "info": null})
        );
        for (body, field) in [
            (json!({"schedule": "0 25 * * *"}), "schedule"),
            (json!({"schedule": "CRON_TZ=Nowhere 0 2 * * *"}), "schedule"),
            (json!({"sla": {"urgent": 1}}), "sla"),
            (json!({"sla": {"high": "soon"}}), "sla"),
            (json!({"sla": {"high": 99999}}), "sla"),
        ] {
            let (status, v) = patch(body.clone()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {v}");
            assert_eq!(v["error"]["field"], field, "{v}");
        }
        // Nothing of a refused change was kept; an empty schedule clears it.
        let (_, v) = patch(json!({"schedule": ""})).await;
        assert_eq!(v["schedule"], Value::Null);
        assert_eq!(v["next_rescan_at"], Value::Null);
        assert_eq!(v["sla"]["critical"], 3);
        db.done().await;
    }
}

async fn due_now(store: &Store, project: i64, at: i64) {
    sqlx::query("UPDATE project SET next_rescan_at = $1 WHERE id = $2")
        .bind(at)
        .bind(project)
        .execute(store.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn each_occurrence_queues_one_rescan_however_many_servers_tick() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let t = auth::create_tenant(&db.store, "t").await.unwrap();
        let fields = ProjectFields {
            name: Some("p".into()),
            local_path: Some("/tmp".into()),
            default_branch: Some("trunk".into()),
            schedule: Some("0 2 * * *".into()),
            ..Default::default()
        };
        let p = projects::create(&db.store, t, &fields).await.unwrap();
        let idle = ProjectFields {
            name: Some("idle".into()),
            local_path: Some("/tmp".into()),
            ..Default::default()
        };
        projects::create(&db.store, t, &idle).await.unwrap();
        // Not due yet: nothing.
        assert!(
            schedule::tick(&db.store, DEC_6_0700)
                .await
                .unwrap()
                .is_empty()
        );
        due_now(&db.store, p.id, DEC_6_0700 - 1000).await;
        // Four servers tick at once: one job.
        let ticks = futures_join(&db.store, DEC_6_0700).await;
        let queued: Vec<i64> = ticks.into_iter().flatten().collect();
        assert_eq!(queued.len(), 1, "{queued:?}");
        let (kind, payload, prio): (String, String, i64) =
            sqlx::query_as("SELECT kind, payload, priority FROM job WHERE id = $1")
                .bind(queued[0])
                .fetch_one(db.store.pool())
                .await
                .unwrap();
        let payload: Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(kind, "scan");
        assert_eq!(payload["ref"], "trunk");
        assert_eq!(payload["project"], p.id);
        assert_eq!(prio, priority::SCHEDULE);
        // The next time is the next occurrence after now.
        let (next,): (Option<i64>,) =
            sqlx::query_as("SELECT next_rescan_at FROM project WHERE id = $1")
                .bind(p.id)
                .fetch_one(db.store.pool())
                .await
                .unwrap();
        assert_eq!(next, Some(DEC_6_0700 + 19 * HOUR));
        assert!(
            schedule::tick(&db.store, DEC_6_0700 + HOUR)
                .await
                .unwrap()
                .is_empty()
        );
        // A push queued for the branch goes before the rescan.
        let push = jobs::enqueue(
            &db.store,
            &worker::commit_scan_job(t, p.id, "other", "abcdef12", None, None),
        )
        .await
        .unwrap();
        let first = jobs::claim(&db.store, "w", 30_000).await.unwrap().unwrap();
        assert_eq!(first.id, push);
        db.done().await;
    }
}

async fn futures_join(store: &Store, now: i64) -> Vec<Vec<i64>> {
    let mut handles = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            schedule::tick(&store, now).await.unwrap()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn run_all(store: &Store, config: &WorkerConfig) -> Vec<(String, Option<String>)> {
    let scanner: Arc<dyn Scanner> = Arc::new(GrepScanner);
    let mut out = Vec::new();
    while let Some(job) = jobs::claim(store, &config.id, jobs::LEASE_MS)
        .await
        .unwrap()
    {
        let id = job.id;
        worker::run_one(store, &scanner, config, job).await;
        let (state, error): (String, Option<String>) =
            sqlx::query_as("SELECT state, error FROM job WHERE id = $1")
                .bind(id)
                .fetch_one(store.pool())
                .await
                .unwrap();
        out.push((state, error));
    }
    out
}

async fn last_scan(store: &Store, project: i64) -> (String, String, String) {
    sqlx::query_as(
        "SELECT commit_sha, branch, counts FROM scan WHERE project = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(project)
    .fetch_one(store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_rescan_takes_the_branch_head_as_it_is_when_it_runs() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let data = tempfile::tempdir().unwrap();
        let config = WorkerConfig::numbered(0, data.path());
        let t = auth::create_tenant(&db.store, "t").await.unwrap();
        // A remote (file://) whose main moves after the mirror was made.
        let upstream = tempfile::tempdir().unwrap();
        git(upstream.path(), &["init", "-q", "-b", "main"]);
        let c1 = commit(upstream.path(), &[("a.txt", "BAD")]);
        let remote = ProjectFields {
            name: Some("remote".into()),
            remote: Some(format!("file://{}", upstream.path().display())),
            schedule: Some("@daily".into()),
            ..Default::default()
        };
        let pr = projects::create(&db.store, t, &remote).await.unwrap().id;
        jobs::enqueue(&db.store, &schedule::rescan_job(t, pr, "main"))
            .await
            .unwrap();
        assert_eq!(
            run_all(&db.store, &config).await,
            vec![("done".into(), None)]
        );
        let (sha, branch, counts) = last_scan(&db.store, pr).await;
        assert_eq!((sha.as_str(), branch.as_str()), (c1.as_str(), "main"));
        assert!(counts.contains("\"new\":1"), "{counts}");
        let c2 = commit(upstream.path(), &[("a.txt", "fine now")]);
        jobs::enqueue(&db.store, &schedule::rescan_job(t, pr, "main"))
            .await
            .unwrap();
        assert_eq!(
            run_all(&db.store, &config).await,
            vec![("done".into(), None)]
        );
        let (sha, _, counts) = last_scan(&db.store, pr).await;
        assert_eq!(sha, c2, "the mirror was fetched before resolving main");
        assert!(counts.contains("\"fixed\":1"), "{counts}");
        // A local repository, read as it is; a local folder that is no repository, scanned as is.
        let local = tempfile::tempdir().unwrap();
        git(local.path(), &["init", "-q", "-b", "dev"]);
        let c3 = commit(local.path(), &[("b.txt", "BAD")]);
        let lp = ProjectFields {
            name: Some("local".into()),
            local_path: Some(local.path().display().to_string()),
            default_branch: Some("dev".into()),
            ..Default::default()
        };
        let pl = projects::create(&db.store, t, &lp).await.unwrap().id;
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("c.txt"), "BAD").unwrap();
        let fp = ProjectFields {
            name: Some("folder".into()),
            local_path: Some(folder.path().display().to_string()),
            ..Default::default()
        };
        let pf = projects::create(&db.store, t, &fp).await.unwrap().id;
        jobs::enqueue(&db.store, &schedule::rescan_job(t, pl, "dev"))
            .await
            .unwrap();
        jobs::enqueue(&db.store, &schedule::rescan_job(t, pf, "main"))
            .await
            .unwrap();
        // A branch that does not exist fails the job with a reason, at once (not retried).
        jobs::enqueue(&db.store, &schedule::rescan_job(t, pl, "gone"))
            .await
            .unwrap();
        let ran = run_all(&db.store, &config).await;
        assert_eq!(ran.len(), 3, "{ran:?}");
        assert_eq!(last_scan(&db.store, pl).await.0, c3);
        assert_eq!(last_scan(&db.store, pf).await.0, "working-tree");
        let failed: Vec<_> = ran.iter().filter(|r| r.0 == "failed").collect();
        assert_eq!(failed.len(), 1, "{ran:?}");
        assert!(
            failed[0].1.as_deref().unwrap().contains("no branch `gone`"),
            "{ran:?}"
        );
        // Every checkout folder is gone after its scan.
        let work = data
            .path()
            .join("work")
            .join(std::process::id().to_string());
        assert_eq!(std::fs::read_dir(&work).map(|d| d.count()).unwrap_or(0), 0);
        db.done().await;
    }
}

#[test]
fn checkouts_left_by_dead_processes_are_removed_and_live_ones_kept() {
    let data = tempfile::tempdir().unwrap();
    let work = data.path().join("work");
    // A process that has exited: its pid is free (until reused, which a live check would see).
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    for pid in [
        dead.to_string(),
        std::process::id().to_string(),
        "1".into(),
        "notes".into(),
    ] {
        std::fs::create_dir_all(work.join(&pid).join("scan-x/tree")).unwrap();
    }
    assert_eq!(rampart_server::git::clean_stale_work(data.path()), 1);
    assert!(!work.join(dead.to_string()).exists());
    for kept in [std::process::id().to_string(), "1".into(), "notes".into()] {
        assert!(work.join(&kept).exists(), "{kept}");
    }
}
