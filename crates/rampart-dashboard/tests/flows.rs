//! The data-flow pages on each backend: a finding's trace as a graph with its code at the
//! commit, and a project's traces that share a source or a sink drawn together.

#[path = "../../rampart-server/tests/common/mod.rs"]
mod common;
mod support;

use axum::http::StatusCode;
use common::databases;
use support::{Browser, app, logged_in, seed};

#[tokio::test]
async fn data_flow_pages_draw_traces_with_code_at_the_commit() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let seeded = seed(s).await;
        let fl = support::seed_flows(s, seeded.tenant).await;
        let app = app(s);

        // Not logged in: to the login form.
        let mut anon = Browser::default();
        for path in [
            format!("/ui/findings/{}/flow", fl.sqli),
            format!("/ui/projects/{}/flows", fl.shop),
        ] {
            let a = anon.get(&app, &path).await;
            assert_eq!(a.status, StatusCode::SEE_OTHER, "{path}");
            assert!(a.location().starts_with("/ui/login?next="), "{path}");
        }

        let mut b = logged_in(&app, &seeded.admin).await;
        // The finding page: the code at the scan's commit, the finding's line marked, and a
        // link to the data flow.
        let a = b.get(&app, &format!("/ui/findings/{}", fl.sqli)).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert!(
            a.body
                .contains(&format!("Code at commit <code>{}</code>", &fl.commit[..10])),
            "{}",
            a.body
        );
        assert!(
            a.body.contains("<span class=\"cl hit\"><span class=\"ln\" aria-hidden=\"true\">7</span><span class=\"sr\">finding: </span>        return sqlite3.connect("),
            "{}",
            a.body
        );
        // 3 lines each side: lines 4 to 7 (the file's last line).
        assert!(a.body.contains(">4</span>class Store:"), "{}", a.body);
        assert!(
            a.body.contains(">5</span>    def find(self, value):"),
            "{}",
            a.body
        );
        assert!(a.body.contains(&format!(
            "href=\"/ui/findings/{}/flow\">Data flow: 6 steps",
            fl.sqli
        )));
        // Without a trace: no flow link, and the flow page is a 404.
        let a = b.get(&app, &format!("/ui/findings/{}", fl.plain)).await;
        assert!(!a.body.contains("/flow\""));
        let a = b
            .get(&app, &format!("/ui/findings/{}/flow", fl.plain))
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert!(a.body.contains("No data flow"));
        // An upload without a repository: the report's code frame, saying so; and a finding
        // whose report had none (the seeded ones): the snippet.
        let a = b.get(&app, &format!("/ui/findings/{}", fl.uploaded)).await;
        assert!(
            a.body.contains("Code frame from the uploaded report"),
            "{}",
            a.body
        );
        assert!(a.body.contains("os.system(cmd)  # from the report"));
        let a = b
            .get(&app, &format!("/ui/findings/{}", seeded.finding("S1")))
            .await;
        assert!(a.body.contains("Snippet from the report"), "{}", a.body);
        assert!(a.body.contains("pre class=\"snippet\""));

        // The flow page: one node per step, linked to its step; one box per file, one per
        // function; the steps with their code.
        let a = b.get(&app, &format!("/ui/findings/{}/flow", fl.sqli)).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(a.body.matches("<a class=\"node node-").count(), 6);
        assert_eq!(a.body.matches("<a class=\"node node-source\"").count(), 1);
        assert_eq!(a.body.matches("<a class=\"node node-sink\"").count(), 1);
        for n in 1..=6 {
            assert!(a.body.contains(&format!("href=\"#step-{n}\"")), "node {n}");
            assert!(a.body.contains(&format!("<li id=\"step-{n}\"")), "step {n}");
        }
        assert_eq!(a.body.matches("<g class=\"file-box\">").count(), 3);
        assert_eq!(a.body.matches("<g class=\"func-box\">").count(), 3);
        for file in [
            "<title>web/views.py</title>",
            "<title>lib/service.py</title>",
            "<title>lib/db.py</title>",
        ] {
            assert!(a.body.contains(file), "{file}");
        }
        assert!(a.body.contains("<title>Store.find() in lib/db.py</title>"));
        assert!(a.body.contains("aria-label=\"Source, step 1: untrusted input `request.args[&#x27;name&#x27;]`, web/views.py line 6 in handler\""), "{}", a.body);
        // Step 4's code, from the repository at the commit, its line marked.
        assert!(
            a.body
                .contains("<span class=\"sr\">finding: </span>    key = who.lower()"),
            "{}",
            a.body
        );
        assert!(!a.body.contains("style="), "no inline styles");

        // Without the code at the commit (an upload, no repository): the report's frame where
        // it has one (the finding's own place), else only the place, each saying so.
        let a = b
            .get(&app, &format!("/ui/findings/{}/flow", fl.uploaded))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let step = |n: usize| {
            let at = a.body.find(&format!("<li id=\"step-{n}\"")).unwrap();
            a.body[at..at + a.body[at..].find("</li>").unwrap()].to_string()
        };
        assert!(step(1).contains("No code available"), "{}", step(1));
        assert!(
            step(2).contains("Code frame from the uploaded report"),
            "{}",
            step(2)
        );
        assert!(step(2).contains("os.system(cmd)  # from the report"));

        // A long trace from another tool's SARIF (30 steps through 5 files, semgrep-style):
        // one node per step, one box per file.
        let locations: Vec<serde_json::Value> = (0..30)
            .map(|k| {
                let func = ["f", "C.m"][k % 2];
                serde_json::json!({"location": {
                    "physicalLocation": {"artifactLocation": {"uri": format!("pkg/m{}.py", k * 7 / 3 % 5)},
                                         "region": {"startLine": 10 + k}},
                    "message": {"text": format!("step {k} of a long flow through many files")},
                    "logicalLocations": [{"fullyQualifiedName": func}]}})
            })
            .collect();
        let log = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Semgrep OSS"}},
            "results": [{"ruleId": "taint", "message": {"text": "long"},
                         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "pkg/m0.py"}, "region": {"startLine": 39}}}],
                         "codeFlows": [{"threadFlows": [{"locations": locations}]}]}]}]});
        let imported = rampart_ingest::import(&serde_json::to_vec(&log).unwrap(), None).unwrap();
        let meta = common::upload_meta(fl.uploads, "abcdef0123456789", "main");
        rampart_server::results::store_scan(s, &meta, &imported, None)
            .await
            .unwrap();
        let (long,): (i64,) =
            sqlx::query_as("SELECT id FROM finding WHERE project = $1 AND tool = 'semgrep'")
                .bind(fl.uploads)
                .fetch_one(s.pool())
                .await
                .unwrap();
        let a = b.get(&app, &format!("/ui/findings/{long}/flow")).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(a.body.matches("<a class=\"node node-").count(), 30);
        assert_eq!(a.body.matches("<g class=\"file-box\">").count(), 5);
        assert_eq!(a.body.matches("<g class=\"func-box\">").count(), 10);
        assert!(a.body.contains("<title>C.m() in pkg/m1.py</title>"));

        // The project page links to its flows; the flows page draws the two findings sharing
        // a sink as one graph, the shared sink as one node.
        let a = b.get(&app, &format!("/ui/projects/{}", fl.shop)).await;
        assert!(a.body.contains(&format!(
            "href=\"/ui/projects/{}/flows?branch=main\"",
            fl.shop
        )));
        let a = b
            .get(&app, &format!("/ui/projects/{}/flows", fl.shop))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert!(a.body.contains("Group 1: 2 findings"), "{}", a.body);
        assert_eq!(
            a.body.matches("<a class=\"node node-").count(),
            8,
            "6 + 3 steps, the sink shared"
        );
        assert_eq!(a.body.matches("<a class=\"node node-source\"").count(), 2);
        assert_eq!(a.body.matches("<a class=\"node node-sink\"").count(), 1);
        for id in [fl.sqli, fl.sqli2] {
            assert!(
                a.body
                    .contains(&format!("<a href=\"/ui/findings/{id}/flow\">")),
                "{id}"
            );
        }
        // A node links to its step on the flow page of the first finding through it.
        assert!(
            a.body
                .contains(&format!("href=\"/ui/findings/{}/flow#step-2\"", fl.sqli2))
        );
        assert!(
            a.body
                .contains(&format!("href=\"/ui/findings/{}/flow#step-6\"", fl.sqli))
        );
        let a = b
            .get(&app, &format!("/ui/projects/{}/flows?branch=dev", fl.shop))
            .await;
        assert!(
            a.body
                .contains("No open finding on dev has a data-flow trace")
        );
        let a = b
            .get(&app, &format!("/ui/projects/{}/flows?nope=1", fl.shop))
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);

        // Another tenant, and a team-bound viewer of another project: 404.
        let other = common::http::tenant(s, "globex").await;
        let mut o = logged_in(&app, &other).await;
        let (_, viewer) = support::team_viewer(s, seeded.tenant, seeded.api, "payments").await;
        let mut v = logged_in(&app, &viewer).await;
        for who in [&mut o, &mut v] {
            for path in [
                format!("/ui/findings/{}/flow", fl.sqli),
                format!("/ui/projects/{}/flows", fl.shop),
            ] {
                assert_eq!(
                    who.get(&app, &path).await.status,
                    StatusCode::NOT_FOUND,
                    "{path}"
                );
            }
        }
        drop(fl);
        db.done().await;
    }
}
