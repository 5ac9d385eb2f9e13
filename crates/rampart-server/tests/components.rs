//! The inventory across projects: `GET /components`, on each backend.

mod common;
use axum::http::StatusCode;
use common::http::{call, get, new_project, tenant};
use common::{databases, import};
use rampart_ingest::Component;
use rampart_server::Store;
use rampart_server::api::{self, AppState, Limits};
use rampart_server::results::{ScanMeta, store_scan};
use serde_json::{Value, json};

fn npm(name: &str, version: &str, direct: Option<bool>) -> Component {
    Component {
        purl: Some(format!("pkg:npm/{name}@{version}")),
        name: name.into(),
        version: version.into(),
        ecosystem: "npm".into(),
        direct,
        licenses: vec!["MIT".into()],
    }
}

async fn inventory(
    store: &Store,
    project: i64,
    commit: &str,
    branch: &str,
    components: Vec<Component>,
) {
    let mut i = import(&["sbom"], vec![]);
    i.components = components;
    let meta = ScanMeta {
        project,
        commit: commit.into(),
        branch: branch.into(),
        base_commit: None,
        tool: None,
        kind: "upload".into(),
    };
    store_scan(store, &meta, &i, None).await.unwrap();
}

fn rows(v: &Value) -> Vec<(String, String, String, String)> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["project_name"].as_str().unwrap().to_string(),
                i["branch"].as_str().unwrap().to_string(),
                i["commit"].as_str().unwrap().to_string(),
                i["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn row(p: &str, b: &str, c: &str, v: &str) -> (String, String, String, String) {
    (p.into(), b.into(), c.into(), v.into())
}

#[tokio::test]
async fn components_are_found_in_each_branchs_current_inventory_of_the_tenant() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let app = api::router(AppState::new(s.clone(), Limits::default()));
        let admin = tenant(s, "a").await;
        let other = tenant(s, "b").await;
        let web = new_project(&app, &admin, json!({"name": "web"})).await;
        let api_p = new_project(&app, &admin, json!({"name": "api"})).await;
        let theirs = new_project(&app, &other, json!({"name": "theirs"})).await;
        inventory(
            s,
            web,
            "w1",
            "main",
            vec![
                npm("lodash", "4.17.20", Some(true)),
                npm("express", "4.0.0", Some(true)),
            ],
        )
        .await;
        inventory(
            s,
            web,
            "w2",
            "dev",
            vec![npm("lodash", "4.17.20", Some(false))],
        )
        .await;
        // dev drops lodash; main gets a SARIF upload without an inventory (which hides nothing).
        inventory(
            s,
            web,
            "w3",
            "dev",
            vec![npm("express", "4.0.0", Some(true))],
        )
        .await;
        store_scan(
            s,
            &ScanMeta {
                project: web,
                commit: "w4".into(),
                branch: "main".into(),
                base_commit: None,
                tool: None,
                kind: "upload".into(),
            },
            &import(&["semgrep"], vec![]),
            None,
        )
        .await
        .unwrap();
        inventory(s, api_p, "a1", "main", vec![npm("lodash", "4.17.21", None)]).await;
        inventory(
            s,
            api_p,
            "a2",
            "release",
            vec![
                npm("lodash", "4.17.20", None),
                npm("lodash", "4.17.20", None),
            ],
        )
        .await;
        inventory(
            s,
            theirs,
            "t1",
            "main",
            vec![npm("lodash", "4.17.20", Some(true))],
        )
        .await;

        let v = get(
            &app,
            "/api/v1/components?purl=pkg:npm/lodash@4.17.20",
            &admin,
        )
        .await;
        assert_eq!(
            rows(&v),
            [
                row("web", "main", "w1", "4.17.20"),
                row("api", "release", "a2", "4.17.20")
            ]
        );
        assert_eq!(v["items"][0]["direct"], true);
        assert_eq!(v["items"][0]["purl"], "pkg:npm/lodash@4.17.20");
        assert_eq!(v["items"][1]["direct"], Value::Null);
        let v = get(&app, "/api/v1/components?name=lodash&ecosystem=npm", &admin).await;
        assert_eq!(
            rows(&v),
            [
                row("web", "main", "w1", "4.17.20"),
                row("api", "main", "a1", "4.17.21"),
                row("api", "release", "a2", "4.17.20"),
            ]
        );
        assert!(
            get(
                &app,
                "/api/v1/components?name=lodash&ecosystem=pypi",
                &admin
            )
            .await["items"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        // Pages.
        let mut seen = Vec::new();
        let mut uri = "/api/v1/components?name=lodash&limit=1".to_string();
        loop {
            let v = get(&app, &uri, &admin).await;
            seen.extend(rows(&v));
            match v["next"].as_str() {
                Some(n) => uri = format!("/api/v1/components?name=lodash&limit=1&cursor={n}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 3);
        // The other tenant sees only its own.
        let v = get(&app, "/api/v1/components?name=lodash", &other).await;
        assert_eq!(rows(&v), [row("theirs", "main", "t1", "4.17.20")]);
        for (uri, field) in [
            ("/api/v1/components", "purl"),
            ("/api/v1/components?purl=lodash", "purl"),
            ("/api/v1/components?purl=pkg:npm/a@1&name=a", "purl"),
            ("/api/v1/components?name=a&cursor=zzz", "cursor"),
            ("/api/v1/components?name=a&limit=501", "limit"),
            ("/api/v1/components?name=a&version=1", "version"),
        ] {
            let (status, v) = call(&app, "GET", uri, &admin, vec![]).await;
            assert_eq!(
                (status, v["error"]["field"].as_str()),
                (StatusCode::BAD_REQUEST, Some(field)),
                "{uri}: {v}"
            );
        }
        db.done().await;
    }
}
