//! The dashboard's reads (`overview`) and browser sessions (`sessions`), on each backend.

mod common;
use common::http::scan;
use common::{databases, finding, token};
use rampart_core::Severity;
use rampart_server::auth::{self, Scope};
use rampart_server::clock::{DAY_MS, now_ms};
use rampart_server::overview::{self, SeverityCounts};
use rampart_server::projects::{self, ProjectFields};
use rampart_server::{sessions, triage};

fn with(sev: Severity, fp: &str) -> rampart_ingest::Imported {
    let mut f = finding("t", "r", fp, "a.py", 1);
    f.severity = sev;
    f
}

/// A project-wide false-positive decision.
fn false_positive() -> triage::NewDecision {
    triage::NewDecision {
        state: "false_positive".into(),
        justification: None,
        response: None,
        reason: "test".into(),
        expires_at: None,
        scope: Some("project".into()),
        branch: None,
        advisory: None,
        purl: None,
    }
}

async fn backdate(store: &rampart_server::Store, scan: i64, days: i64) {
    let at = now_ms() - days * DAY_MS;
    for sql in [
        "UPDATE scan SET created_at = $1 WHERE id = $2",
        "UPDATE finding_event SET at = $1 WHERE scan = $2",
    ] {
        sqlx::query(sql)
            .bind(at)
            .bind(scan)
            .execute(store.pool())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn counts_overdue_trend_and_portfolio() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let tenant = auth::create_tenant(s, "a").await.unwrap();
        let p = |n: &str| ProjectFields {
            name: Some(n.into()),
            ..Default::default()
        };
        let web = projects::create(s, tenant, &p("web")).await.unwrap();
        let api = projects::create(s, tenant, &p("api")).await.unwrap();
        // 40 days ago: A (critical), B (high); 10 days ago: B fixed, C (medium) new; today: B back.
        let s1 = scan(
            s,
            web.id,
            "c1",
            "main",
            &["t"],
            vec![with(Severity::Critical, "A"), with(Severity::High, "B")],
        )
        .await;
        backdate(s, s1, 40).await;
        let s2 = scan(
            s,
            web.id,
            "c2",
            "main",
            &["t"],
            vec![with(Severity::Critical, "A"), with(Severity::Medium, "C")],
        )
        .await;
        backdate(s, s2, 10).await;
        scan(
            s,
            web.id,
            "c3",
            "main",
            &["t"],
            vec![
                with(Severity::Critical, "A"),
                with(Severity::High, "B"),
                with(Severity::Medium, "C"),
            ],
        )
        .await;
        scan(
            s,
            web.id,
            "c4",
            "dev",
            &["t"],
            vec![with(Severity::Low, "D")],
        )
        .await;

        let open = overview::open_counts(s, web.id, "main").await.unwrap();
        assert_eq!(
            open,
            SeverityCounts {
                critical: 1,
                high: 1,
                medium: 1,
                low: 0,
                info: 0
            }
        );
        assert_eq!(
            overview::open_counts(s, web.id, "dev").await.unwrap().low,
            1
        );
        // A is 40 days old (critical: due after 7): overdue; C (medium, 10 days) is not; B's due
        // date counts from when main first saw it (40 days, high: 30): overdue.
        assert_eq!(
            overview::overdue_count(s, web.id, "main", &web.sla)
                .await
                .unwrap(),
            2
        );
        // A settled by triage is no longer overdue.
        let (a_id,): (i64,) = sqlx::query_as("SELECT id FROM finding WHERE fingerprint = 'A'")
            .fetch_one(s.pool())
            .await
            .unwrap();
        let a = triage::finding_ref(s, tenant, a_id).await.unwrap().unwrap();
        let fp = false_positive();
        assert_eq!(a.fingerprint, "A");
        triage::record(s, tenant, &a, "test", &fp).await.unwrap();
        assert_eq!(
            overview::overdue_count(s, web.id, "main", &web.sla)
                .await
                .unwrap(),
            1
        );

        // The trend: 45 days, ending today.
        let t = overview::trend(s, web.id, "main", 45, now_ms())
            .await
            .unwrap();
        assert_eq!(t.len(), 45);
        let at = |days_ago: usize| t[44 - days_ago].open;
        assert_eq!(at(44).total(), 0);
        assert_eq!((at(40).critical, at(40).high, at(40).medium), (1, 1, 0));
        assert_eq!((at(10).critical, at(10).high, at(10).medium), (1, 0, 1));
        assert_eq!(
            at(0),
            SeverityCounts {
                critical: 1,
                high: 1,
                medium: 1,
                low: 0,
                info: 0
            }
        );
        assert_eq!(t[44].day, now_ms().div_euclid(DAY_MS) * DAY_MS);
        // A window shorter than the history starts from what was open before it.
        let t = overview::trend(s, web.id, "main", 5, now_ms())
            .await
            .unwrap();
        assert_eq!(
            t[0].open,
            SeverityCounts {
                critical: 1,
                high: 0,
                medium: 1,
                low: 0,
                info: 0
            }
        );

        // The portfolio: by name, only the visible projects, with the last scan on any branch.
        let all = overview::portfolio(s, tenant, None, 30).await.unwrap();
        assert_eq!(
            all.iter()
                .map(|r| r.project.name.as_str())
                .collect::<Vec<_>>(),
            ["api", "web"]
        );
        let w = &all[1];
        assert_eq!((w.open.total(), w.overdue, w.trend.len()), (3, 1, 30));
        assert_eq!(w.last_scan.as_ref().unwrap().branch, "dev");
        assert_eq!(*w.trend.last().unwrap(), 3);
        assert!(all[0].last_scan.is_none() && all[0].open.total() == 0);
        let only = overview::portfolio(s, tenant, Some(&[api.id]), 30)
            .await
            .unwrap();
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].project.id, api.id);
        assert!(
            overview::portfolio(s, tenant + 1, None, 30)
                .await
                .unwrap()
                .is_empty()
        );

        assert_eq!(overview::branches(s, &web).await.unwrap(), ["main", "dev"]);
        let (scan_id, inv) = overview::inventory(s, web.id, "main", 10).await.unwrap();
        assert!(scan_id.is_none() && inv.is_empty());
        db.done().await;
    }
}

#[tokio::test]
async fn sessions_act_as_their_token_until_it_ends() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let tenant = auth::create_tenant(s, "a").await.unwrap();
        let (id, secret) = token(s, tenant, "alice", &[Scope::Read, Scope::Triage]).await;
        assert!(
            sessions::create(s, "rpt_unknown", 60_000)
                .await
                .unwrap()
                .is_none()
        );
        let (new, who) = sessions::create(s, &secret, 60_000).await.unwrap().unwrap();
        assert_eq!(who.token, id);
        assert!(new.expires_at > now_ms() + 50_000 && new.expires_at <= now_ms() + 60_000);
        let back = sessions::authenticate(s, &new.id).await.unwrap().unwrap();
        assert_eq!(
            (back.token, back.tenant, back.scopes.clone()),
            (id, tenant, vec![Scope::Read, Scope::Triage])
        );
        assert!(
            sessions::authenticate(s, "rps_other")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            sessions::authenticate(s, &secret).await.unwrap().is_none(),
            "a token is not a session id"
        );

        // CSRF tokens: per session, checked in constant time.
        let csrf = sessions::csrf_token(&new.id);
        assert!(sessions::csrf_ok(&new.id, &csrf));
        assert!(!sessions::csrf_ok(&new.id, &csrf[1..]));
        let (other, _) = sessions::create(s, &secret, 60_000).await.unwrap().unwrap();
        assert!(!sessions::csrf_ok(&other.id, &csrf));

        // Logout ends one session; revoking the token ends the rest.
        assert!(sessions::end(s, &new.id).await.unwrap());
        assert!(!sessions::end(s, &new.id).await.unwrap());
        assert!(sessions::authenticate(s, &new.id).await.unwrap().is_none());
        assert!(
            sessions::authenticate(s, &other.id)
                .await
                .unwrap()
                .is_some()
        );
        auth::revoke_token(s, tenant, id, "test").await.unwrap();
        assert!(
            sessions::authenticate(s, &other.id)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(sessions::count_for_token(s, id).await.unwrap(), 0);

        // A session never outlives its token, and ends at its own expiry.
        let new = auth::NewToken {
            name: "short",
            scopes: &[Scope::Read],
            expires_at: Some(now_ms() + 5_000),
            teams: None,
        };
        let (_, short) = auth::create_token(s, tenant, &new, "test").await.unwrap();
        let (sess, _) = sessions::create(s, &short, 3_600_000)
            .await
            .unwrap()
            .unwrap();
        assert!(sess.expires_at <= now_ms() + 5_000);
        let (_, long) = token(s, tenant, "long", &[Scope::Read]).await;
        let (sess, _) = sessions::create(s, &long, 60_000).await.unwrap().unwrap();
        sqlx::query("UPDATE session SET expires_at = 1")
            .execute(s.pool())
            .await
            .unwrap();
        assert!(sessions::authenticate(s, &sess.id).await.unwrap().is_none());
        // Ended sessions are swept when the next one opens.
        sessions::create(s, &long, 60_000).await.unwrap().unwrap();
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM session")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(n, 1);
        db.done().await;
    }
}

/// A branch's summary is served from memory until a scan, a triage decision or the SLA changes
/// what it counts: a change the key does not see (written here behind the server's back) is
/// not in it; a new scan, a decision and a new SLA each are.
#[tokio::test]
async fn branch_summaries_are_reused_until_what_they_count_changes() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let tenant = auth::create_tenant(s, "a").await.unwrap();
        let web = projects::create(
            s,
            tenant,
            &ProjectFields {
                name: Some("web".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let first = scan(
            s,
            web.id,
            "c1",
            "main",
            &["t"],
            vec![with(Severity::Critical, "A"), with(Severity::High, "B")],
        )
        .await;
        backdate(s, first, 40).await;
        let one = rampart_server::summary::branch(s, &web, "main")
            .await
            .unwrap();
        assert_eq!((one.open.critical, one.open.high, one.overdue), (1, 1, 2));
        assert_eq!(one.trend.len(), rampart_server::summary::TREND_DAYS);
        assert_eq!(one.trend.last().unwrap().open.total(), 2);

        // Behind the server's back: not seen, the summary is the one kept.
        sqlx::query("UPDATE finding SET severity = 'low' WHERE fingerprint = 'B'")
            .execute(s.pool())
            .await
            .unwrap();
        let again = rampart_server::summary::branch(s, &web, "main")
            .await
            .unwrap();
        assert_eq!(again.computed_at, one.computed_at);
        assert_eq!(again.open.high, 1);

        // A scan: recomputed.
        scan(
            s,
            web.id,
            "c2",
            "main",
            &["t"],
            vec![
                with(Severity::Critical, "A"),
                with(Severity::Low, "B"),
                with(Severity::Medium, "C"),
            ],
        )
        .await;
        let two = rampart_server::summary::branch(s, &web, "main")
            .await
            .unwrap();
        assert_eq!(
            (
                two.open.critical,
                two.open.high,
                two.open.medium,
                two.open.low
            ),
            (1, 0, 1, 1)
        );
        // A (critical, 40 days) is overdue; B, low now, is due after 180 days; C is new.
        assert_eq!(two.overdue, 1);

        // A decision: recomputed (A settled is not overdue).
        let (a_id,): (i64,) = sqlx::query_as("SELECT id FROM finding WHERE fingerprint = 'A'")
            .fetch_one(s.pool())
            .await
            .unwrap();
        let a = triage::finding_ref(s, tenant, a_id).await.unwrap().unwrap();
        let fp = false_positive();
        triage::record(s, tenant, &a, "test", &fp).await.unwrap();
        let three = rampart_server::summary::branch(s, &web, "main")
            .await
            .unwrap();
        assert_eq!(three.overdue, 0);

        // A new SLA (low findings due after a day): recomputed, B is overdue.
        let patch: rampart_server::sla::SlaPatch =
            serde_json::from_value(serde_json::json!({"low": 1})).unwrap();
        let changed = projects::update(
            s,
            tenant,
            web.id,
            &ProjectFields {
                sla: Some(patch),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            rampart_server::summary::branch(s, &changed, "main")
                .await
                .unwrap()
                .overdue,
            1
        );
        db.done().await;
    }
}
