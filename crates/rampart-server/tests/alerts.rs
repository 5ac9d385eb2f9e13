//! Alerts and tickets (#14): rules through the API, events from the lifecycle, SLA sweeps and
//! failed jobs, routing and delivery with retries and leases, and every publisher against a
//! fake receiver on loopback that records what it got (HTTP, and SMTP for e-mail).

mod common;
use axum::http::StatusCode;
use common::databases;
use common::http::{call, get, new_project, post, tenant};
use hmac::{Hmac, KeyInit, Mac};
use rampart_core::Severity;
use rampart_server::Store;
use rampart_server::alerts::{self, delivery};
use rampart_server::api::{self, AppState, Limits};
use rampart_server::clock::{DAY_MS, now_ms};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const SECRET: &str = "a-webhook-secret-of-some-length";

/// A request the fake receiver got.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    raw: Vec<u8>,
    body: Value,
}

type Answer = Arc<dyn Fn(&Seen, usize) -> (u16, Value) + Send + Sync>;

/// A fake HTTP receiver on loopback: records every request and answers with `answer(request,
/// how many came before)`.
async fn receiver(answer: Answer) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (log, answer) = (log.clone(), answer.clone());
        async move {
            let (parts, body) = req.into_parts();
            let raw = axum::body::to_bytes(body, 1 << 22).await.unwrap().to_vec();
            let s = Seen {
                method: parts.method.to_string(),
                path: parts.uri.path().to_string(),
                headers: parts
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect(),
                body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
                raw,
            };
            let mut log = log.lock().unwrap();
            let (status, v) = answer(&s, log.len());
            log.push(s);
            (StatusCode::from_u16(status).unwrap(), axum::Json(v))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

fn ok() -> Answer {
    Arc::new(|_: &Seen, _: usize| (200, json!({"ok": true})))
}

struct World {
    store: Store,
    app: axum::Router,
    admin: String,
    project: i64,
}

async fn world(store: &Store) -> World {
    let app = api::router(AppState::new(store.clone(), Limits::default()));
    let admin = tenant(store, "acme").await;
    let project = new_project(
        &app,
        &admin,
        json!({"name": "shop", "local_path": "/tmp", "tags": ["prod"]}),
    )
    .await;
    World {
        store: store.clone(),
        app,
        admin,
        project,
    }
}

async fn rule(w: &World, body: Value) -> i64 {
    let (status, v) = post(&w.app, "/api/v1/notification-rules", &w.admin, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

fn finding(fp: &str, sev: Severity) -> rampart_ingest::Imported {
    let mut f = common::finding("semgrep", &format!("rule-{fp}"), fp, "src/app.py", 3);
    f.severity = sev;
    f
}

async fn scan(w: &World, commit: &str, findings: Vec<rampart_ingest::Imported>) -> i64 {
    common::http::scan(&w.store, w.project, commit, "main", &["semgrep"], findings).await
}

fn requests(seen: &Arc<Mutex<Vec<Seen>>>) -> Vec<Seen> {
    seen.lock().unwrap().clone()
}

async fn delivery_row(store: &Store, id: i64) -> (String, i64, Option<String>) {
    sqlx::query_as("SELECT state, attempts, last_error FROM notification_delivery WHERE id = $1")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn rules_are_validated_tenant_bound_audited_and_hide_secrets() {
    for db in databases().await {
        let w = world(&db.store).await;
        let bad = [
            (
                json!({"name": "x", "events": [], "publisher": "slack", "config": {"url": "http://h/"}}),
                "events",
            ),
            (
                json!({"name": "x", "events": ["nope"], "publisher": "slack", "config": {"url": "http://h/"}}),
                "events",
            ),
            (
                json!({"name": "x", "events": ["new_finding"], "publisher": "fax", "config": {}}),
                "publisher",
            ),
            (
                json!({"name": "x", "events": ["new_finding"], "min_severity": "severe", "publisher": "slack", "config": {"url": "http://h/"}}),
                "min_severity",
            ),
            (
                json!({"name": "x", "events": ["new_finding"], "publisher": "webhook", "config": {"url": "http://h/", "secret": "short"}}),
                "config.secret",
            ),
            (
                json!({"name": "x", "events": ["new_finding"], "publisher": "slack", "config": {"url": "ftp://h/"}}),
                "config.url",
            ),
            (
                json!({"name": "x", "events": ["new_finding"], "publisher": "github", "config": {"project": "just-a-name", "token": "t"}}),
                "config.project",
            ),
            (
                json!({"name": "x", "events": ["new_finding"], "publisher": "email", "config": {"host": "h", "from": "not an address", "to": ["a@b.c"]}}),
                "config.from",
            ),
            (
                json!({"name": "x", "events": ["new_finding"], "publisher": "github", "digest": true, "config": {"project": "o/r", "token": "t"}}),
                "digest",
            ),
        ];
        for (body, field) in bad {
            let (status, v) =
                post(&w.app, "/api/v1/notification-rules", &w.admin, body.clone()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {v}");
            assert_eq!(v["error"]["code"], "invalid_field", "{v}");
            assert_eq!(v["error"]["field"], field, "{body}: {v}");
        }
        let id = rule(
            &w,
            json!({"name": "hook", "events": ["new_finding"], "publisher": "webhook",
                   "config": {"url": "http://127.0.0.1:9/x", "secret": SECRET}}),
        )
        .await;
        let v = get(&w.app, "/api/v1/notification-rules", &w.admin).await;
        assert_eq!(v["items"][0]["id"], id);
        assert_eq!(v["items"][0]["config"]["secret"], "(set)", "{v}");
        assert!(!v.to_string().contains(SECRET));
        // Another tenant neither sees nor deletes it.
        let other = tenant(&w.store, "other").await;
        let v = get(&w.app, "/api/v1/notification-rules", &other).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 0);
        let uri = format!("/api/v1/notification-rules/{id}");
        let (status, _) = call(&w.app, "DELETE", &uri, &other, vec![]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(&w.app, "DELETE", &uri, &w.admin, vec![]).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let v = get(&w.app, "/api/v1/audit", &w.admin).await;
        let actions: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(actions.contains(&"notification_rule.create"), "{v}");
        assert!(actions.contains(&"notification_rule.delete"), "{v}");
        db.done().await;
    }
}

#[tokio::test]
async fn a_webhook_is_signed_filtered_by_severity_and_retried_until_it_answers() {
    for db in databases().await {
        let w = world(&db.store).await;
        // 500 twice, then 200.
        let (url, seen) = receiver(Arc::new(|_: &Seen, n: usize| {
            if n < 2 {
                (500, json!({}))
            } else {
                (200, json!({}))
            }
        }))
        .await;
        rule(
            &w,
            json!({"name": "hook", "events": ["new_finding"], "min_severity": "high",
                   "publisher": "webhook", "config": {"url": format!("{url}/hook"), "secret": SECRET,
                   "link_base": "https://rampart.example"}}),
        )
        .await;
        let s = scan(
            &w,
            "c1",
            vec![
                finding("a", Severity::Critical),
                finding("b", Severity::High),
                finding("c", Severity::Low),
            ],
        )
        .await;
        // One event for the scan, not one per finding.
        let (events,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notification_event")
            .fetch_one(w.store.pool())
            .await
            .unwrap();
        assert_eq!(events, 1);
        let t0 = now_ms();
        let r = alerts::tick(&w.store, "w1", t0).await.unwrap();
        assert_eq!(r.routed, 1);
        let id = match &r.delivered[..] {
            [delivery::Delivered::Failed(id, e, true)] => {
                assert!(e.contains("500"), "{e}");
                *id
            }
            other => panic!("{other:?}"),
        };
        // Not due again before its backoff.
        let r = alerts::tick(&w.store, "w1", t0 + 1000).await.unwrap();
        assert!(r.delivered.is_empty(), "{r:?}");
        let r = alerts::tick(&w.store, "w1", t0 + delivery::backoff_ms(1))
            .await
            .unwrap();
        assert!(
            matches!(r.delivered[..], [delivery::Delivered::Failed(_, _, true)]),
            "{r:?}"
        );
        let (state, _, err) = delivery_row(&w.store, id).await;
        assert_eq!(state, "pending");
        assert!(err.unwrap().contains("500"));
        let r = alerts::tick(&w.store, "w1", t0 + 10 * 60_000)
            .await
            .unwrap();
        assert_eq!(r.delivered, vec![delivery::Delivered::Sent(id)]);
        assert_eq!(delivery_row(&w.store, id).await, ("sent".into(), 3, None));
        let r = alerts::tick(&w.store, "w1", t0 + DAY_MS).await.unwrap();
        assert!(r.delivered.is_empty(), "sent once: {r:?}");

        let got = requests(&seen);
        assert_eq!(got.len(), 3);
        for req in &got {
            assert_eq!(req.method, "POST");
            assert_eq!(req.path, "/hook");
            // The same idempotency key on every attempt: the delivery's id.
            assert_eq!(req.headers["idempotency-key"], id.to_string());
            assert_eq!(req.headers["x-rampart-delivery"], id.to_string());
            let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
            mac.update(&req.raw);
            let want = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
            assert_eq!(req.headers["x-rampart-signature"], want);
            assert!(req.headers.contains_key("x-rampart-timestamp"));
            assert_eq!(req.headers["x-rampart-event-kind"], "new_finding");
        }
        let body = &got[2].body;
        assert_eq!(body["schema"], "rampart.alert/v1");
        let e = &body["events"][0];
        assert_eq!(e["kind"], "new_finding");
        assert_eq!(e["data"]["scan"], s);
        assert_eq!(e["data"]["counts"]["low"], 1);
        assert_eq!(e["findings_total"], 2, "{e}");
        let sevs: Vec<&str> = e["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["severity"].as_str().unwrap())
            .collect();
        assert_eq!(sevs, ["critical", "high"]);
        assert!(
            e["findings"][0]["url"]
                .as_str()
                .unwrap()
                .starts_with("https://rampart.example/ui/findings/")
        );
        assert_eq!(e["findings"][0]["location"], "src/app.py:3");
        assert_eq!(e["title"], "2 new findings in shop (main)");
        // A scan with nothing new writes no event; one with only low findings nothing for the rule.
        scan(
            &w,
            "c2",
            vec![
                finding("a", Severity::Critical),
                finding("b", Severity::High),
                finding("c", Severity::Low),
            ],
        )
        .await;
        scan(
            &w,
            "c3",
            vec![
                finding("a", Severity::Critical),
                finding("b", Severity::High),
                finding("c", Severity::Low),
                finding("d", Severity::Low),
            ],
        )
        .await;
        let r = alerts::tick(&w.store, "w1", t0 + DAY_MS).await.unwrap();
        assert_eq!(r.routed, 0);
        assert_eq!(requests(&seen).len(), 3);
        db.done().await;
    }
}

#[tokio::test]
async fn a_delivery_whose_worker_died_is_sent_by_another_claim() {
    for db in databases().await {
        let w = world(&db.store).await;
        let (url, seen) = receiver(ok()).await;
        rule(
            &w,
            json!({"name": "hook", "events": ["new_finding"], "publisher": "webhook",
                   "config": {"url": url, "secret": SECRET}}),
        )
        .await;
        scan(&w, "c1", vec![finding("a", Severity::Medium)]).await;
        let t0 = now_ms();
        assert_eq!(delivery::route(&w.store, t0).await.unwrap(), 1);
        // Worker 1 claims it and dies before recording anything.
        let c = delivery::claim(&w.store, "w1", t0, alerts::LEASE_MS)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.attempt, 1);
        // Under its lease nobody else takes it.
        assert!(
            delivery::claim(&w.store, "w2", t0 + 1, alerts::LEASE_MS)
                .await
                .unwrap()
                .is_none()
        );
        // After the lease, another worker sends it.
        let later = t0 + alerts::LEASE_MS + 1;
        let d = delivery::deliver_one(&w.store, "w2", later, alerts::LEASE_MS)
            .await
            .unwrap();
        assert_eq!(d, Some(delivery::Delivered::Sent(c.id)));
        assert_eq!(delivery_row(&w.store, c.id).await, ("sent".into(), 2, None));
        assert_eq!(requests(&seen).len(), 1);
        // The dead worker's late record does nothing.
        assert!(
            !delivery::sent(
                &w.store,
                &c,
                "w1",
                None,
                &alerts::publishers::Outcome::Sent,
                later
            )
            .await
            .unwrap()
        );
        db.done().await;
    }
}

#[tokio::test]
async fn slack_gets_blocks_for_a_failed_scan() {
    for db in databases().await {
        let w = world(&db.store).await;
        let (url, seen) = receiver(ok()).await;
        rule(
            &w,
            json!({"name": "chat", "events": ["scan_failed"], "project_tags": ["prod"],
                   "publisher": "slack", "config": {"url": format!("{url}/services/T/B/X")}}),
        )
        .await;
        let tenant_id = rampart_server::auth::tenant_by_name(&w.store, "acme")
            .await
            .unwrap()
            .unwrap();
        let job = rampart_server::jobs::enqueue(
            &w.store,
            &rampart_server::schedule::rescan_job(tenant_id, w.project, "main"),
        )
        .await
        .unwrap();
        let claimed = rampart_server::jobs::claim(&w.store, "jw", 60_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.id, job);
        rampart_server::jobs::fail(&w.store, job, "jw", "cannot check out main", true)
            .await
            .unwrap();
        let r = alerts::tick(&w.store, "w1", now_ms()).await.unwrap();
        assert_eq!(r.routed, 1, "{r:?}");
        let got = requests(&seen);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path, "/services/T/B/X");
        let b = &got[0].body;
        assert!(
            b["text"]
                .as_str()
                .unwrap()
                .starts_with("Scan failed in shop (main)"),
            "{b}"
        );
        assert_eq!(b["blocks"][0]["type"], "header");
        assert_eq!(b["blocks"][1]["type"], "section");
        assert!(
            b["blocks"][1]["text"]["text"]
                .as_str()
                .unwrap()
                .contains("/ui/projects/"),
            "{b}"
        );
        assert!(got[0].headers.contains_key("idempotency-key"));
        db.done().await;
    }
}

/// A fake tracker: issues get number 7 (GitHub), iid 7 (GitLab) or key SEC-7 (Jira).
fn tracker() -> Answer {
    Arc::new(
        |s: &Seen, _: usize| match (s.method.as_str(), s.path.as_str()) {
            ("POST", p) if p.ends_with("/issues") => (
                201,
                json!({"number": 7, "iid": 7, "html_url": "https://github.example/o/r/issues/7", "web_url": "https://gitlab.example/g/p/-/issues/7"}),
            ),
            ("POST", "/rest/api/2/issue") => {
                (201, json!({"key": "SEC-7", "id": "10007", "self": "x"}))
            }
            ("GET", p) if p.ends_with("/transitions") => (
                200,
                json!({"transitions": [{"id": "11", "name": "In Progress"}, {"id": "31", "name": "Done"}]}),
            ),
            ("POST", p) if p.ends_with("/transitions") => (204, Value::Null),
            _ => (200, json!({"id": 1})),
        },
    )
}

/// Opens, updates, closes and reopens the ticket of one finding through `publisher`; returns
/// the requests (method, path) the tracker got.
async fn ticket_story(db: &common::TestDb, publisher: &str, config: Value) -> Vec<Seen> {
    let w = world(&db.store).await;
    let (url, seen) = receiver(tracker()).await;
    let mut config = config;
    config["api"] = json!(url);
    rule(
        &w,
        json!({"name": "tickets", "events": ["new_finding", "reopened_finding", "fixed_finding", "sla_overdue"],
               "min_severity": "medium", "publisher": publisher, "config": config}),
    )
    .await;
    let t0 = now_ms();
    // A new high finding (and a low one, below the rule): one ticket.
    scan(
        &w,
        "c1",
        vec![finding("a", Severity::High), finding("z", Severity::Low)],
    )
    .await;
    alerts::tick(&w.store, "w", t0).await.unwrap();
    // Fixed: closed.
    scan(&w, "c2", vec![finding("z", Severity::Low)]).await;
    alerts::tick(&w.store, "w", t0).await.unwrap();
    // Back: reopened with a comment, not a second ticket.
    scan(
        &w,
        "c3",
        vec![finding("a", Severity::High), finding("z", Severity::Low)],
    )
    .await;
    let r = alerts::tick(&w.store, "w", t0).await.unwrap();
    assert!(
        r.delivered
            .iter()
            .all(|d| matches!(d, delivery::Delivered::Sent(_))),
        "{r:?}"
    );
    let (state, subject): (String, String) =
        sqlx::query_as("SELECT state, subject FROM notification_ticket")
            .fetch_one(w.store.pool())
            .await
            .unwrap();
    assert_eq!(state, "open");
    assert!(subject.starts_with("finding:"));
    let got = requests(&seen);
    let opened: Vec<&Seen> = got
        .iter()
        .filter(|s| {
            s.method == "POST" && (s.path.ends_with("/issues") || s.path == "/rest/api/2/issue")
        })
        .collect();
    assert_eq!(opened.len(), 1, "one ticket: {got:?}");
    let text = opened[0].body.to_string();
    assert!(text.contains("/ui/findings/"), "links back: {text}");
    assert!(text.contains("rule-a"), "{text}");
    got
}

fn calls(got: &[Seen]) -> Vec<(String, String)> {
    got.iter()
        .map(|s| (s.method.clone(), s.path.clone()))
        .collect()
}

#[tokio::test]
async fn github_issues_are_opened_closed_and_reopened_once_per_finding() {
    for db in databases().await {
        let got = ticket_story(
            &db,
            "github",
            json!({"project": "o/r", "token": "ghp_x", "labels": ["security"]}),
        )
        .await;
        let p = "/repos/o/r/issues";
        assert_eq!(
            calls(&got),
            [
                ("POST", p.to_string()),
                ("POST", format!("{p}/7/comments")),
                ("PATCH", format!("{p}/7")),
                ("PATCH", format!("{p}/7")),
                ("POST", format!("{p}/7/comments")),
            ]
            .map(|(m, p)| (m.to_string(), p))
        );
        assert_eq!(got[0].headers["authorization"], "Bearer ghp_x");
        assert_eq!(got[0].body["labels"], json!(["security"]));
        assert_eq!(got[2].body, json!({"state": "closed"}));
        assert_eq!(got[3].body, json!({"state": "open"}));
        db.done().await;
    }
}

#[tokio::test]
async fn gitlab_issues_are_opened_and_closed() {
    for db in databases().await {
        let got = ticket_story(
            &db,
            "gitlab",
            json!({"project": "group/app", "token": "glpat"}),
        )
        .await;
        let p = "/projects/group%2Fapp/issues";
        assert_eq!(
            calls(&got),
            [
                ("POST", p.to_string()),
                ("POST", format!("{p}/7/notes")),
                ("PUT", format!("{p}/7")),
                ("PUT", format!("{p}/7")),
                ("POST", format!("{p}/7/notes")),
            ]
            .map(|(m, p)| (m.to_string(), p))
        );
        assert_eq!(got[0].headers["private-token"], "glpat");
        assert_eq!(got[2].body, json!({"state_event": "close"}));
        assert_eq!(got[3].body, json!({"state_event": "reopen"}));
        db.done().await;
    }
}

#[tokio::test]
async fn jira_issues_are_created_and_transitioned() {
    for db in databases().await {
        let got = ticket_story(
            &db,
            "jira",
            json!({"project": "SEC", "token": "tok", "user": "bot@example.com"}),
        )
        .await;
        let p = "/rest/api/2/issue";
        assert_eq!(
            calls(&got),
            [
                ("POST", p.to_string()),
                ("POST", format!("{p}/SEC-7/comment")),
                ("GET", format!("{p}/SEC-7/transitions")),
                ("POST", format!("{p}/SEC-7/transitions")),
                ("POST", format!("{p}/SEC-7/comment")),
            ]
            .map(|(m, p)| (m.to_string(), p))
        );
        assert_eq!(got[0].body["fields"]["project"]["key"], "SEC");
        assert_eq!(got[0].body["fields"]["issuetype"]["name"], "Bug");
        assert!(got[0].headers["authorization"].starts_with("Basic "));
        assert_eq!(got[3].body, json!({"transition": {"id": "31"}}));
        db.done().await;
    }
}

#[tokio::test]
async fn a_ticket_per_project_is_commented_not_duplicated() {
    for db in databases().await {
        let w = world(&db.store).await;
        let (url, seen) = receiver(tracker()).await;
        rule(
            &w,
            json!({"name": "t", "events": ["new_finding"], "publisher": "github",
                   "config": {"api": url, "project": "o/r", "token": "x", "ticket_per": "project"}}),
        )
        .await;
        scan(
            &w,
            "c1",
            vec![finding("a", Severity::High), finding("b", Severity::High)],
        )
        .await;
        alerts::tick(&w.store, "w", now_ms()).await.unwrap();
        scan(
            &w,
            "c2",
            vec![
                finding("a", Severity::High),
                finding("b", Severity::High),
                finding("c", Severity::High),
            ],
        )
        .await;
        alerts::tick(&w.store, "w", now_ms()).await.unwrap();
        let got = calls(&requests(&seen));
        assert_eq!(
            got,
            [
                ("POST", "/repos/o/r/issues"),
                ("POST", "/repos/o/r/issues/7/comments")
            ]
            .map(|(m, p)| (m.to_string(), p.to_string()))
        );
        db.done().await;
    }
}

/// A fake SMTP server on loopback: enough of the protocol to take one message per session;
/// records each message's envelope and data.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = got.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let (r, mut wr) = sock.into_split();
                let mut r = BufReader::new(r);
                wr.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let mut text = String::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_ascii_uppercase();
                    if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        wr.write_all(b"250-fake\r\n250 8BITMIME\r\n").await.unwrap();
                    } else if cmd.starts_with("MAIL") || cmd.starts_with("RCPT") {
                        text.push_str(line.trim_end());
                        text.push('\n');
                        wr.write_all(b"250 ok\r\n").await.unwrap();
                    } else if cmd == "DATA" {
                        wr.write_all(b"354 go on\r\n").await.unwrap();
                        loop {
                            line.clear();
                            r.read_line(&mut line).await.unwrap();
                            if line == ".\r\n" {
                                break;
                            }
                            text.push_str(&line);
                        }
                        log.lock().unwrap().push(std::mem::take(&mut text));
                        wr.write_all(b"250 queued\r\n").await.unwrap();
                    } else if cmd == "QUIT" {
                        wr.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        wr.write_all(b"250 ok\r\n").await.unwrap();
                    }
                }
            });
        }
    });
    (port, got)
}

#[tokio::test]
async fn email_goes_over_smtp() {
    for db in databases().await {
        let w = world(&db.store).await;
        let (port, got) = smtp_server().await;
        rule(
            &w,
            json!({"name": "mail", "events": ["new_finding"], "publisher": "email",
                   "config": {"host": "127.0.0.1", "port": port, "tls": "none",
                              "from": "rampart@example.com", "to": ["sec@example.com", "ops@example.com"]}}),
        )
        .await;
        scan(&w, "c1", vec![finding("a", Severity::Critical)]).await;
        let r = alerts::tick(&w.store, "w", now_ms()).await.unwrap();
        assert!(
            matches!(r.delivered[..], [delivery::Delivered::Sent(_)]),
            "{r:?}"
        );
        let got = got.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        let m = &got[0];
        assert!(m.contains("MAIL FROM:<rampart@example.com>"), "{m}");
        assert!(
            m.contains("RCPT TO:<sec@example.com>") && m.contains("RCPT TO:<ops@example.com>"),
            "{m}"
        );
        assert!(m.contains("Subject: 1 new finding in shop (main)"), "{m}");
        assert!(m.contains("/ui/findings/"), "{m}");
        assert!(m.contains("Message-ID: <rampart-delivery-"), "{m}");
        db.done().await;
    }
}

#[tokio::test]
async fn a_digest_rule_sends_one_message_a_day() {
    for db in databases().await {
        let w = world(&db.store).await;
        let (url, seen) = receiver(ok()).await;
        rule(
            &w,
            json!({"name": "daily", "events": ["new_finding", "fixed_finding"], "digest": true,
                   "publisher": "webhook", "config": {"url": url, "secret": SECRET}}),
        )
        .await;
        let t0 = now_ms();
        scan(&w, "c1", vec![finding("a", Severity::High)]).await;
        scan(&w, "c2", vec![finding("b", Severity::Low)]).await;
        let r = alerts::tick(&w.store, "w", t0).await.unwrap();
        assert_eq!(r.routed, 3, "{r:?}");
        assert!(r.delivered.is_empty());
        let r = alerts::tick(&w.store, "w", t0 + DAY_MS + 60_000)
            .await
            .unwrap();
        assert_eq!(r.digests, 1);
        assert!(
            matches!(r.delivered[..], [delivery::Delivered::Sent(_)]),
            "{r:?}"
        );
        let got = requests(&seen);
        assert_eq!(got.len(), 1);
        let b = &got[0].body;
        assert_eq!(b["digest"], true);
        let kinds: Vec<&str> = b["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["new_finding", "new_finding", "fixed_finding"]);
        assert_eq!(got[0].headers["x-rampart-event"], "digest");
        // Nothing new: no digest the next day.
        let r = alerts::tick(&w.store, "w", t0 + 2 * DAY_MS + 120_000)
            .await
            .unwrap();
        assert_eq!(r.digests, 0);
        assert_eq!(requests(&seen).len(), 1);
        db.done().await;
    }
}

#[tokio::test]
async fn overdue_findings_are_announced_once() {
    for db in databases().await {
        let w = world(&db.store).await;
        let (url, seen) = receiver(ok()).await;
        rule(
            &w,
            json!({"name": "sla", "events": ["sla_overdue"], "min_severity": "high",
                   "publisher": "webhook", "config": {"url": url, "secret": SECRET}}),
        )
        .await;
        scan(
            &w,
            "c1",
            vec![
                finding("a", Severity::Critical),
                finding("b", Severity::Medium),
            ],
        )
        .await;
        let t0 = now_ms();
        // Critical: 7 days by default; medium: 90.
        assert_eq!(
            alerts::events::sla_sweep(&w.store, t0 + 6 * DAY_MS)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            alerts::events::sla_sweep(&w.store, t0 + 8 * DAY_MS)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            alerts::events::sla_sweep(&w.store, t0 + 9 * DAY_MS)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            alerts::events::sla_sweep(&w.store, t0 + 91 * DAY_MS)
                .await
                .unwrap(),
            1
        );
        alerts::tick(&w.store, "w", t0 + 91 * DAY_MS).await.unwrap();
        let got = requests(&seen);
        assert_eq!(got.len(), 1, "the medium one is below the rule");
        let e = &got[0].body["events"][0];
        assert_eq!(e["kind"], "sla_overdue");
        assert_eq!(e["severity"], "critical");
        assert!(
            e["title"]
                .as_str()
                .unwrap()
                .starts_with("Overdue critical finding in shop"),
            "{e}"
        );
        db.done().await;
    }
}
