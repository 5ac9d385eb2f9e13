//! The lifecycle as the database derives it, against a model of it written plainly here: random
//! scans of several branches and tools (findings come, go, come back, repeat at several places
//! and change severity), on each backend. Guards the set-based lifecycle of `results.rs`: every
//! scan's counts, every branch's states, every finding's events and fields must match the model,
//! and no row may point at a missing one (PostgreSQL keeps no foreign keys on these tables).

mod common;
use common::{databases, finding, import, upload_meta};
use rampart_core::Severity;
use rampart_server::projects::{self, ProjectFields};
use rampart_server::results::store_scan;
use rampart_server::{Store, auth};
use std::collections::{BTreeMap, BTreeSet};

/// A small deterministic generator (xorshift64*), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

type Key = (String, String); // (tool, fingerprint); the rule follows from the fingerprint

#[derive(Default)]
struct Model {
    /// (branch, key) → open?
    state: BTreeMap<(String, Key), bool>,
    /// (branch, key) → kinds of events, in order.
    events: BTreeMap<(String, Key), Vec<&'static str>>,
    /// key → last reported severity.
    severity: BTreeMap<Key, Severity>,
}

impl Model {
    /// Applies one scan; returns (new, unchanged, fixed, reopened).
    fn scan(
        &mut self,
        branch: &str,
        tools: &[&str],
        present: &BTreeSet<Key>,
    ) -> (usize, usize, usize, usize) {
        let mut c = (0, 0, 0, 0);
        for k in present {
            let sk = (branch.to_string(), k.clone());
            match self.state.get(&sk) {
                None => {
                    c.0 += 1;
                    self.events.entry(sk.clone()).or_default().push("new");
                }
                Some(true) => c.1 += 1,
                Some(false) => {
                    c.3 += 1;
                    self.events.entry(sk.clone()).or_default().push("reopened");
                }
            }
            self.state.insert(sk, true);
        }
        for ((b, k), open) in self.state.iter_mut() {
            if b == branch && *open && tools.contains(&k.0.as_str()) && !present.contains(k) {
                *open = false;
                c.2 += 1;
                self.events
                    .entry((b.clone(), k.clone()))
                    .or_default()
                    .push("fixed");
            }
        }
        c
    }
}

async fn new_project(store: &Store) -> i64 {
    let tenant = auth::create_tenant(store, "model").await.unwrap();
    projects::create(
        store,
        tenant,
        &ProjectFields {
            name: Some("model".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn the_stored_lifecycle_matches_the_model() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let p = new_project(s).await;
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut model = Model::default();
        let all_tools = ["semgrep", "bandit"];
        let branches = ["main", "dev", "pr-1"];
        let severities = [Severity::Low, Severity::High, Severity::Critical];
        for round in 0..40 {
            let branch = branches[rng.below(3) as usize];
            // One tool, or both.
            let tools: Vec<&str> = match rng.below(3) {
                0 => vec!["semgrep"],
                1 => vec!["bandit"],
                _ => all_tools.to_vec(),
            };
            let mut findings = Vec::new();
            let mut present = BTreeSet::new();
            for tool in &tools {
                for i in 0..30u32 {
                    if rng.below(3) == 0 {
                        continue;
                    }
                    let fp = format!("fp{i}");
                    let mut f = finding(tool, &format!("r{}", i % 4), &fp, "a.py", 1 + i);
                    f.severity = severities[rng.below(3) as usize];
                    // Sometimes reported at a second place too: one identity.
                    if rng.below(5) == 0 {
                        let mut again = f.clone();
                        again.start_line += 100;
                        findings.push(again);
                    }
                    present.insert((tool.to_string(), fp));
                    findings.push(f);
                }
            }
            // The stored fields follow the first report of an identity in each scan.
            let mut seen = BTreeSet::new();
            for f in &findings {
                let k = (f.tool.clone(), f.fingerprint.clone());
                if seen.insert(k.clone()) {
                    model.severity.insert(k, f.severity);
                }
            }
            let want = model.scan(branch, &tools, &present);
            let meta = upload_meta(p, &format!("c{round}"), branch);
            let got = store_scan(s, &meta, &import(&tools, findings), None)
                .await
                .unwrap()
                .counts;
            assert_eq!(
                (got.new, got.unchanged, got.fixed, got.reopened),
                want,
                "round {round}: {branch} {tools:?}"
            );
            assert_eq!(got.findings, present.len(), "round {round}");
        }

        // Every branch's states.
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT s.branch, f.tool, f.fingerprint, s.status FROM finding_state s JOIN finding f ON f.id = s.finding \
             WHERE f.project = $1",
        )
        .bind(p)
        .fetch_all(s.pool())
        .await
        .unwrap();
        let stored: BTreeMap<(String, Key), bool> = rows
            .into_iter()
            .map(|(b, t, fp, st)| ((b, (t, fp)), st == "open"))
            .collect();
        assert_eq!(stored, model.state);

        // Every finding's events, in order.
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT e.branch, f.tool, f.fingerprint, e.kind FROM finding_event e JOIN finding f ON f.id = e.finding \
             WHERE f.project = $1 ORDER BY e.id",
        )
        .bind(p)
        .fetch_all(s.pool())
        .await
        .unwrap();
        let mut events: BTreeMap<(String, Key), Vec<String>> = BTreeMap::new();
        for (b, t, fp, kind) in rows {
            events.entry((b, (t, fp))).or_default().push(kind);
        }
        let want: BTreeMap<(String, Key), Vec<String>> = model
            .events
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(|s| s.to_string()).collect()))
            .collect();
        assert_eq!(events, want);

        // Each identity once, with the severity of its latest report.
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT tool, fingerprint, severity FROM finding WHERE project = $1")
                .bind(p)
                .fetch_all(s.pool())
                .await
                .unwrap();
        let stored: BTreeMap<Key, String> =
            rows.into_iter().map(|(t, f, sv)| ((t, f), sv)).collect();
        let want: BTreeMap<Key, String> = model
            .severity
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().to_string()))
            .collect();
        assert_eq!(stored, want);

        // No row points at a missing finding or scan.
        for (what, sql) in [
            (
                "occurrence → finding",
                "SELECT COUNT(*) FROM occurrence o LEFT JOIN finding f ON f.id = o.finding WHERE f.id IS NULL",
            ),
            (
                "occurrence → scan",
                "SELECT COUNT(*) FROM occurrence o LEFT JOIN scan x ON x.id = o.scan WHERE x.id IS NULL",
            ),
            (
                "state → finding",
                "SELECT COUNT(*) FROM finding_state s LEFT JOIN finding f ON f.id = s.finding WHERE f.id IS NULL",
            ),
            (
                "event → finding",
                "SELECT COUNT(*) FROM finding_event e LEFT JOIN finding f ON f.id = e.finding WHERE f.id IS NULL",
            ),
            (
                "event → scan",
                "SELECT COUNT(*) FROM finding_event e LEFT JOIN scan x ON x.id = e.scan WHERE x.id IS NULL",
            ),
            (
                "finding → project",
                "SELECT COUNT(*) FROM finding f LEFT JOIN project p ON p.id = f.project WHERE p.id IS NULL",
            ),
        ] {
            let (n,): (i64,) = sqlx::query_as(sql).fetch_one(s.pool()).await.unwrap();
            assert_eq!(n, 0, "{what}");
        }
        db.done().await;
    }
}

/// Two scans of one project's branches insert the same new identity at once (PostgreSQL: the
/// second waits on the first's uncommitted row, then conflicts): the second falls back from its
/// plain insert to skipping conflicts, and both end up with the one identity.
#[tokio::test]
async fn a_new_identity_inserted_by_a_concurrent_scan_is_shared() {
    let Some(db) = common::postgres().await else {
        eprintln!("RAMPART_TEST_DATABASE_URL is not set: SQLite has one writer, no race to test");
        return;
    };
    let s = db.store.clone();
    let p = new_project(&s).await;
    // Another scan's transaction holds the new identity `shared`, not committed yet.
    let mut other = s.pool().begin().await.unwrap();
    let (other_id,): (i64,) = sqlx::query_as(
        "INSERT INTO finding (project, tool, rule, fingerprint, severity, title, cwe, first_seen_scan, created_at) \
         VALUES ($1, 'semgrep', 'r', 'shared', 'high', 't', '[]', 0, 0) RETURNING id",
    )
    .bind(p)
    .fetch_one(&mut *other)
    .await
    .unwrap();
    let scan = {
        let s = s.clone();
        tokio::spawn(async move {
            let meta = upload_meta(p, "c1", "dev");
            let findings = vec![
                finding("semgrep", "r", "shared", "a.py", 1),
                finding("semgrep", "r", "own", "b.py", 2),
            ];
            store_scan(&s, &meta, &import(&["semgrep"], findings), None).await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    other.commit().await.unwrap();
    let counts = scan.await.unwrap().unwrap().counts;
    assert_eq!((counts.new, counts.findings), (2, 2));
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, fingerprint FROM finding WHERE project = $1 ORDER BY fingerprint",
    )
    .bind(p)
    .fetch_all(s.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1], (other_id, "shared".to_string()));
    // The plain insert ran and was rolled back (its id for `shared` is spent), then the
    // insert that skips conflicts gave `own` its id: not the first id after the other's.
    assert!(
        rows[0].0 >= other_id + 2,
        "the fallback path did not run: {rows:?}"
    );
    let (states,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM finding_state WHERE finding = $1 AND branch = 'dev'")
            .bind(other_id)
            .fetch_one(s.pool())
            .await
            .unwrap();
    assert_eq!(states, 1);
    db.done().await;
}
