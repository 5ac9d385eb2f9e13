//! The finding lifecycle on each backend: new, unchanged, fixed, reopened; per branch and per
//! tool; duplicates; pull-request "introduced".

mod common;
use common::{databases, finding, import, upload_meta as meta};
use rampart_server::findings::{self, Filter};
use rampart_server::projects::{self, ProjectFields};
use rampart_server::results::{ScanCounts, store_scan};
use rampart_server::{Store, auth};

async fn project(store: &Store) -> (i64, i64) {
    let tenant = auth::create_tenant(store, "t").await.unwrap();
    let p = projects::create(
        store,
        tenant,
        &ProjectFields {
            name: Some("p".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    (tenant, p.id)
}

fn counts(
    new: usize,
    unchanged: usize,
    fixed: usize,
    reopened: usize,
) -> (usize, usize, usize, usize) {
    (new, unchanged, fixed, reopened)
}

fn got(c: &ScanCounts) -> (usize, usize, usize, usize) {
    (c.new, c.unchanged, c.fixed, c.reopened)
}

async fn open_fps(store: &Store, project: i64, branch: &str, tool: Option<&str>) -> Vec<String> {
    let page = findings::list(
        store,
        project,
        &Filter {
            branch: branch.into(),
            tool: tool.map(String::from),
            limit: 500,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut v: Vec<String> = page.items.into_iter().map(|i| i.fingerprint).collect();
    v.sort();
    v
}

#[tokio::test]
async fn findings_are_new_unchanged_fixed_and_reopened() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let (tenant, p) = project(s).await;
        let a = || finding("semgrep", "r1", "A", "a.py", 3);
        let b = || finding("semgrep", "r1", "B", "b.py", 7);
        let c = || finding("semgrep", "r2", "C", "c.py", 1);

        let s1 = store_scan(
            s,
            &meta(p, "c1", "main"),
            &import(&["semgrep"], vec![a(), b()]),
            None,
        )
        .await
        .unwrap();
        assert_eq!(got(&s1.counts), counts(2, 0, 0, 0));
        // Lines move: same identity.
        let mut b_moved = b();
        b_moved.start_line = 70;
        let s2 = store_scan(
            s,
            &meta(p, "c2", "main"),
            &import(&["semgrep"], vec![b_moved, c()]),
            None,
        )
        .await
        .unwrap();
        assert_eq!(got(&s2.counts), counts(1, 1, 1, 0));
        assert_eq!(open_fps(s, p, "main", None).await, ["B", "C"]);
        let s3 = store_scan(
            s,
            &meta(p, "c3", "main"),
            &import(&["semgrep"], vec![a()]),
            None,
        )
        .await
        .unwrap();
        assert_eq!(got(&s3.counts), counts(0, 0, 2, 1));
        assert_eq!(open_fps(s, p, "main", None).await, ["A"]);

        // A's history: new at c1, fixed at c2, reopened at c3; its place moved with it.
        let list = findings::list(
            s,
            p,
            &Filter {
                branch: "main".into(),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let a_item = &list.items[0];
        assert_eq!(
            (
                a_item.introduced_commit.as_str(),
                a_item.fixed_commit.as_deref()
            ),
            ("c1", None)
        );
        let detail = findings::get(s, tenant, a_item.id).await.unwrap().unwrap();
        let history: Vec<(&str, &str)> = detail
            .history
            .iter()
            .map(|e| (e.kind.as_str(), e.commit.as_str()))
            .collect();
        assert_eq!(
            history,
            [("new", "c1"), ("fixed", "c2"), ("reopened", "c3")]
        );
        let b_id = list_all(s, p, "main")
            .await
            .into_iter()
            .find(|(fp, _)| fp == "B")
            .unwrap()
            .1;
        let b_detail = findings::get(s, tenant, b_id).await.unwrap().unwrap();
        assert_eq!(b_detail.branches[0].fixed_commit.as_deref(), Some("c3"));
        assert_eq!(b_detail.places[0].line, 70);
        // Another tenant does not see it.
        let other = auth::create_tenant(s, "other").await.unwrap();
        assert!(findings::get(s, other, a_item.id).await.unwrap().is_none());
        db.done().await;
    }
}

async fn list_all(s: &Store, p: i64, branch: &str) -> Vec<(String, i64)> {
    let page = findings::list(
        s,
        p,
        &Filter {
            branch: branch.into(),
            status: Some("all".into()),
            limit: 500,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    page.items
        .into_iter()
        .map(|i| (i.fingerprint, i.id))
        .collect()
}

#[tokio::test]
async fn branches_and_tools_are_tracked_apart() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let (_, p) = project(s).await;
        let sem = finding("semgrep", "r", "S", "a.py", 1);
        let ban = finding("bandit", "b", "B", "a.py", 2);
        store_scan(
            s,
            &meta(p, "c1", "main"),
            &import(&["semgrep", "bandit"], vec![sem.clone(), ban.clone()]),
            None,
        )
        .await
        .unwrap();
        // A bandit-only upload with no results fixes bandit's finding, not semgrep's.
        let r = store_scan(
            s,
            &meta(p, "c2", "main"),
            &import(&["bandit"], vec![]),
            None,
        )
        .await
        .unwrap();
        assert_eq!(got(&r.counts), counts(0, 0, 1, 0));
        assert_eq!(open_fps(s, p, "main", None).await, ["S"]);
        // The feature branch has its own states: everything is new there, main is untouched.
        let r = store_scan(
            s,
            &meta(p, "f1", "feature"),
            &import(&["semgrep", "bandit"], vec![sem, ban]),
            None,
        )
        .await
        .unwrap();
        assert_eq!(got(&r.counts), counts(2, 0, 0, 0));
        assert_eq!(open_fps(s, p, "main", None).await, ["S"]);
        assert_eq!(open_fps(s, p, "feature", Some("bandit")).await, ["B"]);
        db.done().await;
    }
}

#[tokio::test]
async fn one_finding_at_several_places_is_one_identity() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let (_, p) = project(s).await;
        let r = store_scan(
            s,
            &meta(p, "c1", "main"),
            &import(
                &["gitleaks"],
                vec![
                    finding("gitleaks", "k", "K", "b.env", 9),
                    finding("gitleaks", "k", "K", "a.env", 2),
                ],
            ),
            None,
        )
        .await
        .unwrap();
        assert_eq!((r.counts.findings, r.counts.new), (1, 1));
        let page = findings::list(
            s,
            p,
            &Filter {
                branch: "main".into(),
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].places, 2);
        assert_eq!(page.items[0].place.as_ref().unwrap().path, "a.env");
        db.done().await;
    }
}

#[tokio::test]
async fn a_pull_request_counts_only_what_it_introduces() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let (_, p) = project(s).await;
        let old = finding("semgrep", "r", "OLD", "a.py", 1);
        store_scan(
            s,
            &meta(p, "base", "main"),
            &import(&["semgrep"], vec![old.clone()]),
            None,
        )
        .await
        .unwrap();
        let mut m = meta(p, "head", "pr-7");
        m.base_commit = Some("base".into());
        let r = store_scan(
            s,
            &m,
            &import(
                &["semgrep"],
                vec![old, finding("semgrep", "r", "NEW", "b.py", 1)],
            ),
            None,
        )
        .await
        .unwrap();
        assert_eq!((r.counts.new, r.counts.introduced), (2, 1));
        db.done().await;
    }
}

#[tokio::test]
async fn pages_follow_the_cursor_and_filters_apply() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let (_, p) = project(s).await;
        let mut many: Vec<_> = (0..25)
            .map(|i| finding("t", "r", &format!("F{i:02}"), &format!("src/{i}.py"), 1))
            .collect();
        many[3].severity = rampart_core::Severity::Critical;
        many[4].path = "vendor/x.py".into();
        store_scan(s, &meta(p, "c", "main"), &import(&["t"], many), None)
            .await
            .unwrap();
        let seen = sorted(s, p, findings::Sort::Id, 10).await;
        assert_eq!(seen.len(), 25);
        let crit = findings::list(
            s,
            p,
            &Filter {
                branch: "main".into(),
                min_severity: Some(rampart_core::Severity::Critical),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            crit.items
                .iter()
                .map(|i| i.fingerprint.as_str())
                .collect::<Vec<_>>(),
            ["F03"]
        );
        let vendor = findings::list(
            s,
            p,
            &Filter {
                branch: "main".into(),
                path_prefix: Some("vendor/".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            vendor
                .items
                .iter()
                .map(|i| i.fingerprint.as_str())
                .collect::<Vec<_>>(),
            ["F04"]
        );
        // `_` and `%` in a path prefix are literal.
        let none = findings::list(
            s,
            p,
            &Filter {
                branch: "main".into(),
                path_prefix: Some("src/_".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(none.items.is_empty());
        db.done().await;
    }
}

/// Every page of a list in `sort` order, `limit` at a time, as fingerprints.
async fn sorted(s: &Store, p: i64, sort: findings::Sort, limit: i64) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = findings::list(
            s,
            p,
            &Filter {
                branch: "main".into(),
                sort,
                after,
                limit,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        seen.extend(page.items.iter().map(|i| i.fingerprint.clone()));
        match page.next {
            Some(n) => after = n.parse().unwrap(),
            None => break,
        }
    }
    seen
}

/// Each order is the one asked for, across pages cut by the previous page's last finding, with
/// ties broken by id, and no finding twice or missing.
#[tokio::test]
async fn lists_sort_by_severity_newest_and_rule_across_pages() {
    use rampart_core::Severity::*;
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let (_, p) = project(s).await;
        let sev = [
            Low, Critical, Info, High, Critical, Medium, Low, High, Info, Medium, Critical,
        ];
        let first: Vec<_> = (0..sev.len())
            .map(|i| {
                let mut f = finding(
                    "t",
                    &format!("r{}", (i * 7) % 5),
                    &format!("A{i:02}"),
                    "a.py",
                    i as u32 + 1,
                );
                f.severity = sev[i];
                f
            })
            .collect();
        store_scan(
            s,
            &meta(p, "c1", "main"),
            &import(&["t"], first.clone()),
            None,
        )
        .await
        .unwrap();
        let mut both = first.clone();
        both.extend((0..5).map(|i| finding("t", "r9", &format!("B{i}"), "b.py", i + 1)));
        store_scan(
            s,
            &meta(p, "c2", "main"),
            &import(&["t"], both.clone()),
            None,
        )
        .await
        .unwrap();

        let by_id = sorted(s, p, findings::Sort::Id, 4).await;
        assert_eq!(by_id.len(), 16);
        let rank = |fp: &str| {
            let f = both.iter().find(|f| f.fingerprint == fp).unwrap();
            std::cmp::Reverse(f.severity)
        };
        let mut want = by_id.clone();
        want.sort_by_key(|fp| rank(fp)); // stable: ties stay in id order
        assert_eq!(sorted(s, p, findings::Sort::Severity, 4).await, want);

        let rule = |fp: &str| {
            both.iter()
                .find(|f| f.fingerprint == fp)
                .unwrap()
                .rule
                .clone()
        };
        let mut want = by_id.clone();
        want.sort_by_key(|fp| rule(fp));
        assert_eq!(sorted(s, p, findings::Sort::Rule, 4).await, want);

        // Newest first: the second scan's five, then the first scan's, each latest id first.
        let mut want: Vec<String> = by_id[11..].iter().rev().cloned().collect();
        want.extend(by_id[..11].iter().rev().cloned());
        assert_eq!(sorted(s, p, findings::Sort::Newest, 4).await, want);
        db.done().await;
    }
}

/// The path filter follows a finding that moved: it matches the place of the latest scan that
/// saw it on the branch, not where it was first seen.
#[tokio::test]
async fn the_path_filter_follows_a_finding_that_moved() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let (_, p) = project(s).await;
        let at = |path: &str| {
            vec![
                finding("t", "r", "M", path, 3),
                finding("t", "r", "S", "lib/stay.py", 1),
            ]
        };
        store_scan(
            s,
            &meta(p, "c1", "main"),
            &import(&["t"], at("vendor/old.py")),
            None,
        )
        .await
        .unwrap();
        store_scan(
            s,
            &meta(p, "c2", "main"),
            &import(&["t"], at("src/new.py")),
            None,
        )
        .await
        .unwrap();
        let under = |prefix: &'static str| async move {
            findings::list(
                s,
                p,
                &Filter {
                    branch: "main".into(),
                    path_prefix: Some(prefix.into()),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|i| i.fingerprint)
            .collect::<Vec<_>>()
        };
        assert_eq!(under("src/").await, ["M"]);
        assert!(under("vendor/").await.is_empty());
        assert_eq!(under("lib/").await, ["S"]);
        db.done().await;
    }
}
