//! `POST /api/v1/attestations` and `GET /api/v1/attestations/{digest}`: uploads are read,
//! stored per project and audited; lists are newest first, paged, and only the tenant's (and a
//! team-bound token's projects'); malformed, unsigned, non-base64, huge and hostile bodies are
//! clear `4xx` errors and the server keeps serving.

mod common;
use axum::http::StatusCode;
use common::attest::{key, passing, scan_predicate, signed};
use common::databases;
use common::http::{call, get, new_project, tenant};
use rampart_attest::{Envelope, Sha256Digest, Statement};
use rampart_server::api::{self, AppState, Limits};
use serde_json::{Value, json};

async fn upload(app: &axum::Router, token: &str, project: i64, body: &str) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        &format!("/api/v1/attestations?project={project}"),
        token,
        body.as_bytes().to_vec(),
    )
    .await
}

#[tokio::test]
async fn upload_then_list_by_digest_newest_first() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let admin = tenant(&db.store, "a").await;
        let p = new_project(&app, &admin, json!({"name": "p", "local_path": "/tmp"})).await;
        let q = new_project(&app, &admin, json!({"name": "q", "local_path": "/tmp"})).await;
        let k = key();
        let d = Sha256Digest::of_bytes(b"image");
        // What `rampart attest` writes: two envelopes, one per line.
        let other = Statement::new(
            "ghcr.io/acme/api",
            &d,
            "https://cosign.sigstore.dev/attestation/vuln/v1",
            json!({"scanner": {"uri": "pkg:generic/rampart@0.1.0"}}),
        );
        let first = format!(
            "{}\n{}\n",
            signed(
                &k,
                "ghcr.io/acme/api",
                &d.to_string(),
                scan_predicate(0, "pass")
            ),
            rampart_attest::sign_statement(&other, &k)
                .unwrap()
                .to_json()
        );
        let (status, v) = upload(&app, &admin, p, &first).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        assert_eq!(v["project"], p);
        assert_eq!(
            v["subjects"],
            json!([{"digest": d.to_string(), "name": "ghcr.io/acme/api"}])
        );
        assert_eq!(
            v["predicate_types"],
            json!([
                "https://rampart.dev/attestation/scan/v1",
                "https://cosign.sigstore.dev/attestation/vuln/v1"
            ])
        );
        assert_eq!(v["commit"], "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(v["verdict"], "pass");
        assert_eq!(v["scan"]["counts"]["medium"], 1);
        assert_eq!(v["scan"]["engines"], json!(["deps", "secrets"]));
        assert!(
            v["uploaded_by"].as_str().unwrap().ends_with(":admin"),
            "{v}"
        );
        assert_eq!(v["envelopes"].as_array().unwrap().len(), 2);
        let first_id = v["id"].as_i64().unwrap();
        // A pretty-printed single envelope, later, with a failing scan.
        let failing = signed(&k, "api", &d.to_string(), scan_predicate(4, "fail"));
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(&failing).unwrap())
                .unwrap();
        let (status, v) = upload(&app, &admin, q, &pretty).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let second_id = v["id"].as_i64().unwrap();
        // Bare hex in upper case finds them too; newest first; envelopes as uploaded.
        let list = get(
            &app,
            &format!("/api/v1/attestations/{}", d.hex().to_uppercase()),
            &admin,
        )
        .await;
        let items = list["items"].as_array().unwrap();
        let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [second_id, first_id]);
        assert_eq!(items[0]["verdict"], "fail");
        assert_eq!(items[0]["scan"]["counts"]["critical"], 4);
        let env = Envelope::parse(failing.as_bytes()).unwrap();
        assert_eq!(
            items[0]["envelopes"][0],
            serde_json::to_value(&env).unwrap()
        );
        assert_eq!(items[1]["envelopes"].as_array().unwrap().len(), 2);
        // A stored envelope is the signed bytes: it still verifies.
        let text =
            rampart_attest::bundle(&[
                Envelope::from_value(items[0]["envelopes"][0].clone()).unwrap()
            ]);
        let verdict = rampart_attest::verify(
            text.as_bytes(),
            &d,
            &rampart_attest::Policy::from_toml("require_passed = false").unwrap(),
            &[k.public_key().clone()],
        );
        assert!(verdict.passed(), "{:?}", verdict.reasons);
        // Pages and the project filter.
        let page = get(&app, &format!("/api/v1/attestations/{d}?limit=1"), &admin).await;
        assert_eq!(page["items"][0]["id"], second_id);
        let next = page["next"].as_str().unwrap();
        let page = get(
            &app,
            &format!("/api/v1/attestations/{d}?limit=1&cursor={next}"),
            &admin,
        )
        .await;
        assert_eq!(page["items"][0]["id"], first_id);
        assert!(page["next"].is_null(), "{page}");
        let only_p = get(
            &app,
            &format!("/api/v1/attestations/{d}?project={p}"),
            &admin,
        )
        .await;
        assert_eq!(only_p["items"].as_array().unwrap().len(), 1);
        // Another digest: nothing stored, 404.
        let (status, v) = call(
            &app,
            "GET",
            &format!("/api/v1/attestations/{}", Sha256Digest::of_bytes(b"other")),
            &admin,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
        // The audit log records each upload.
        let log = get(&app, "/api/v1/audit", &admin).await;
        let entry = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["object"] == format!("attestation:{first_id}"))
            .unwrap_or_else(|| panic!("{log}"))
            .clone();
        assert_eq!(entry["action"], "attestation.upload");
        assert_eq!(entry["detail"]["project"], p);
        assert_eq!(entry["detail"]["subjects"], json!([d.to_string()]));
        db.done().await;
    }
}

#[tokio::test]
async fn one_tenant_never_reads_or_writes_another_tenants_attestations() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let a = tenant(&db.store, "a").await;
        let b = tenant(&db.store, "b").await;
        let pa = new_project(&app, &a, json!({"name": "p", "local_path": "/tmp"})).await;
        let pb = new_project(&app, &b, json!({"name": "p", "local_path": "/tmp"})).await;
        let k = key();
        let d = Sha256Digest::of_bytes(b"shared image").to_string();
        let (status, _) = upload(&app, &a, pa, &passing(&k, &d)).await;
        assert_eq!(status, StatusCode::CREATED);
        // b cannot list a's, nor upload into a's project.
        let (status, v) = call(
            &app,
            "GET",
            &format!("/api/v1/attestations/{d}"),
            &b,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
        assert_eq!(v["error"]["code"], "not_found");
        let (status, v) = upload(&app, &b, pa, &passing(&k, &d)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
        let (status, v) = call(
            &app,
            "GET",
            &format!("/api/v1/attestations/{d}?project={pa}"),
            &b,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
        // The same digest in b's own project: each sees only its own.
        let (status, _) = upload(&app, &b, pb, &passing(&k, &d)).await;
        assert_eq!(status, StatusCode::CREATED);
        for (token, project) in [(&a, pa), (&b, pb)] {
            let v = get(&app, &format!("/api/v1/attestations/{d}"), token).await;
            let items = v["items"].as_array().unwrap();
            assert_eq!(items.len(), 1, "{v}");
            assert_eq!(items[0]["project"], project);
        }
        db.done().await;
    }
}

#[tokio::test]
async fn bad_requests_and_bodies_are_clear_errors() {
    let db = common::sqlite().await;
    let app = api::router(AppState::new(
        db.store.clone(),
        Limits {
            attestation_bytes: 64 << 10,
            ..Limits::default()
        },
    ));
    let admin = tenant(&db.store, "a").await;
    let p = new_project(&app, &admin, json!({"name": "p", "local_path": "/tmp"})).await;
    let k = key();
    let d = Sha256Digest::of_bytes(b"x").to_string();
    let good = passing(&k, &d);
    // The query.
    for (uri, field) in [
        ("/api/v1/attestations".to_string(), "project"),
        ("/api/v1/attestations?project=abc".to_string(), "project"),
        (
            format!("/api/v1/attestations?project={p}&commit=c"),
            "commit",
        ),
    ] {
        let (status, v) = call(&app, "POST", &uri, &admin, good.clone().into_bytes()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {v}");
        assert_eq!(v["error"]["field"], field, "{v}");
    }
    for bad in ["sha512:abcd", "sha256:abcd", &"g".repeat(64)] {
        let (status, v) = call(
            &app,
            "GET",
            &format!("/api/v1/attestations/{bad}"),
            &admin,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(v["error"]["field"], "digest", "{v}");
    }
    // The bodies.
    let env: Value = serde_json::from_str(&good).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut e = env.clone();
        f(&mut e);
        e.to_string()
    };
    let statement = |s: &str| {
        rampart_attest::sign_payload(s.as_bytes(), &k)
            .unwrap()
            .to_json()
    };
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "empty"),
        ("not json".into(), "not JSON"),
        (good[..good.len() / 2].to_string(), "cut short"),
        ("[{}]".into(), "JSON array"),
        ("{}".into(), "not a DSSE envelope"),
        (
            with(&|e| e["payload"] = json!("@@@not base64@@@")),
            "payload is not base64",
        ),
        (
            with(&|e| e["signatures"][0]["sig"] = json!("%%%")),
            "signatures[0].sig is not base64",
        ),
        (with(&|e| e["signatures"] = json!([])), "never signed"),
        (
            with(&|e| e["signatures"] = json!(vec![json!({"sig": "AA=="}); 65])),
            "65 signatures",
        ),
        (
            with(&|e| e["payloadType"] = json!("text/plain")),
            "payloadType",
        ),
        (statement("{\"hello\": 1}"), "not an in-toto statement"),
        (
            statement(
                r#"{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a", "digest": {"sha1": "ab"}}], "predicateType": "p"}"#,
            ),
            "sha256",
        ),
        (format!("{good}\n{}", "[".repeat(50_000)), "recursion limit"),
        (
            "{\"payload\": \"e30=\", \"payloadType\": \"t\", \"signatures\": []}\n".repeat(65),
            "more than 64 envelopes",
        ),
    ];
    for (body, want) in cases {
        let (status, v) = upload(&app, &admin, p, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{want}: {v}");
        assert_eq!(v["error"]["code"], "invalid_attestation", "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(want),
            "{want}: {v}"
        );
    }
    // Over the limit: 413, saying the limit.
    let huge = format!("{good}{}", " ".repeat(70 << 10));
    let (status, v) = upload(&app, &admin, p, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(v["error"]["code"], "too_large");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("up to 64 KiB"),
        "{v}"
    );
    // Nothing was stored by any of them, and the server still takes a good one.
    let (status, v) = call(
        &app,
        "GET",
        &format!("/api/v1/attestations/{d}"),
        &admin,
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (status, v) = upload(&app, &admin, p, &good).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    db.done().await;
}
