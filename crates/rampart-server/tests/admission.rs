//! The Kubernetes admission webhook against AdmissionReview fixtures of every gated workload
//! kind (`tests/data/admission/`): admitted with a passing attestation; refused without one,
//! with one signed by another key, with one that fails the policy, and when one container of
//! several fails; tag-only images denied or admitted with a warning; malformed, truncated, huge
//! and hostile bodies answered with a clear error while the server keeps serving.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::attest::{key, passing, scan_predicate, signed};
use common::databases;
use common::http::{new_project, post};
use rampart_attest::{Policy, Sha256Digest, SigningKey};
use rampart_server::Store;
use rampart_server::admission::{AdmissionConfig, TagOnly};
use rampart_server::api::{self, AppState, Limits};
use rampart_server::auth::{self, Scope};
use serde_json::{Value, json};
use tower::ServiceExt;

const KINDS: [&str; 7] = [
    "pod",
    "deployment",
    "statefulset",
    "daemonset",
    "replicaset",
    "job",
    "cronjob",
];

fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/admission")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn uid_of(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap();
    v["request"]["uid"].as_str().unwrap().to_string()
}

/// The fixtures' images: `ghcr.io/acme/NAME@sha256:` of the bytes NAME.
fn image(name: &str) -> String {
    format!(
        "ghcr.io/acme/{name}@{}",
        Sha256Digest::of_bytes(name.as_bytes())
    )
}

fn digest(name: &str) -> String {
    Sha256Digest::of_bytes(name.as_bytes()).to_string()
}

/// A tenant holding `uploads` (image name, envelopes), uploaded through the API in order.
async fn tenant_with(store: &Store, name: &str, uploads: &[(&str, String)]) -> i64 {
    let app = api::router(AppState::new(store.clone(), Limits::default()));
    let tenant = auth::create_tenant(store, name).await.unwrap();
    let (_, admin) = common::token(store, tenant, "ci", &[Scope::Admin]).await;
    let p = new_project(&app, &admin, json!({"name": "shop", "local_path": "/tmp"})).await;
    for (image, body) in uploads {
        let (status, v) = common::http::call(
            &app,
            "POST",
            &format!("/api/v1/attestations?project={p}"),
            &admin,
            body.clone().into_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{image}: {v}");
    }
    tenant
}

struct Gate {
    store: Store,
    trusted: SigningKey,
    limits: Limits,
}

impl Gate {
    fn app(&self, tenant: i64, tag_only: TagOnly) -> axum::Router {
        let config = AdmissionConfig {
            keys: vec![self.trusted.public_key().clone()],
            policy: Policy::from_toml("max_critical = 0").unwrap(),
            tag_only,
            tenant,
        };
        api::router(AppState::new(self.store.clone(), self.limits.clone()).with_admission(config))
    }
}

/// Posts `body` to the webhook as Kubernetes does: no token.
async fn review(app: &axum::Router, body: Vec<u8>) -> (StatusCode, Value) {
    let req = Request::builder()
        .method("POST")
        .uri("/k8s/admission")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The answer to fixture `name`: checks the envelope of the answer, returns its `response`.
async fn answer(app: &axum::Router, name: &str) -> Value {
    let body = fixture(name);
    let (status, v) = review(app, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{name}: {v}");
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1", "{v}");
    assert_eq!(v["kind"], "AdmissionReview", "{v}");
    assert_eq!(v["response"]["uid"], uid_of(&body).as_str(), "{v}");
    v["response"].clone()
}

fn message(r: &Value) -> &str {
    r["status"]["message"].as_str().unwrap_or("")
}

const ALL: [&str; 4] = ["api", "sidecar", "migrate", "debug"];

#[tokio::test]
async fn every_workload_kind_is_judged_by_its_images_attestations() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let trusted = key();
        let other = key();
        let store = db.store.clone();
        let good: Vec<(&str, String)> = ALL
            .iter()
            .map(|n| (*n, passing(&trusted, &digest(n))))
            .collect();
        let pass = tenant_with(&store, "pass", &good).await;
        let empty = tenant_with(&store, "empty", &[]).await;
        let wrong_key: Vec<(&str, String)> = ALL
            .iter()
            .map(|n| (*n, passing(&other, &digest(n))))
            .collect();
        let wrong_key = tenant_with(&store, "wrong-key", &wrong_key).await;
        let critical: Vec<(&str, String)> = ALL
            .iter()
            .map(|n| {
                (
                    *n,
                    signed(&trusted, n, &digest(n), scan_predicate(2, "pass")),
                )
            })
            .collect();
        let policy = tenant_with(&store, "policy", &critical).await;
        // Every image attested but the sidecar.
        let one_fails: Vec<(&str, String)> = good
            .iter()
            .filter(|(n, _)| *n != "sidecar")
            .cloned()
            .collect();
        let one_fails = tenant_with(&store, "one-fails", &one_fails).await;
        let gate = Gate {
            store: store.clone(),
            trusted,
            limits: Limits::default(),
        };
        let api = image("api");
        let sidecar = image("sidecar");
        let migrate = image("migrate");
        for kind in KINDS {
            let name = format!("{kind}.json");
            let r = answer(&gate.app(pass, TagOnly::Deny), &name).await;
            assert_eq!(r["allowed"], true, "{kind}: {r}");
            assert!(r.get("warnings").is_none(), "{r}");

            let r = answer(&gate.app(empty, TagOnly::Deny), &name).await;
            assert_eq!(r["allowed"], false, "{kind}: {r}");
            assert_eq!(r["status"]["code"], 403);
            for want in [
                format!("image {api} (containers[0] \"api\") has no attestation"),
                format!("image {sidecar} (containers[1] \"sidecar\") has no attestation"),
                format!("image {migrate} (initContainers[0] \"migrate\") has no attestation"),
            ] {
                assert!(message(&r).contains(&want), "{kind}: {want} in {r}");
            }

            let r = answer(&gate.app(wrong_key, TagOnly::Deny), &name).await;
            assert_eq!(r["allowed"], false, "{kind}: {r}");
            assert!(
                message(&r).contains(&format!(
                    "image {api} (containers[0] \"api\"): attestation signature does not verify with the trusted keys"
                )),
                "{kind}: {r}"
            );

            let r = answer(&gate.app(policy, TagOnly::Deny), &name).await;
            assert_eq!(r["allowed"], false, "{kind}: {r}");
            assert!(
                message(&r).contains(&format!(
                    "image {migrate} (initContainers[0] \"migrate\"): policy: 2 active critical finding(s), the policy allows 0 (max_critical)"
                )),
                "{kind}: {r}"
            );

            let r = answer(&gate.app(one_fails, TagOnly::Deny), &name).await;
            assert_eq!(r["allowed"], false, "{kind}: {r}");
            assert_eq!(
                message(&r),
                format!("image {sidecar} (containers[1] \"sidecar\") has no attestation"),
                "{kind}: only the failing image is named"
            );
        }
        // An ephemeral (debug) container is gated too.
        let r = answer(&gate.app(pass, TagOnly::Deny), "pod-ephemeral.json").await;
        assert_eq!(r["allowed"], true, "{r}");
        let r = answer(&gate.app(empty, TagOnly::Deny), "pod-ephemeral.json").await;
        assert!(
            message(&r).contains(&format!(
                "image {} (ephemeralContainers[0] \"debugger-8tzkm\") has no attestation",
                image("debug")
            )),
            "{r}"
        );
        // What the gate does not check is admitted, even with no attestation at all.
        for name in ["configmap.json", "pod-delete.json"] {
            let r = answer(&gate.app(empty, TagOnly::Deny), name).await;
            assert_eq!(r["allowed"], true, "{name}: {r}");
        }
        db.done().await;
    }
}

#[tokio::test]
async fn tag_only_images_are_denied_or_admitted_with_a_warning() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let trusted = key();
        let t = tenant_with(
            &db.store,
            "t",
            &[("api", passing(&trusted, &digest("api")))],
        )
        .await;
        let gate = Gate {
            store: db.store.clone(),
            trusted,
            limits: Limits::default(),
        };
        let r = answer(&gate.app(t, TagOnly::Deny), "pod-tag-only.json").await;
        assert_eq!(r["allowed"], false, "{r}");
        assert_eq!(
            message(&r),
            "image nginx:1.27 (containers[0] \"web\") is not pinned by digest (name@sha256:…); tags can be moved, and this server refuses them"
        );
        let r = answer(&gate.app(t, TagOnly::Warn), "pod-tag-only.json").await;
        assert_eq!(r["allowed"], true, "{r}");
        assert_eq!(
            r["warnings"],
            json!([
                "image nginx:1.27 is not pinned by digest: admitted without an attestation check"
            ])
        );
        // Warn does not excuse a pinned image that fails: without the api attestation, refused.
        let empty = tenant_with(&db.store, "e", &[]).await;
        let r = answer(&gate.app(empty, TagOnly::Warn), "pod-tag-only.json").await;
        assert_eq!(r["allowed"], false, "{r}");
        assert!(message(&r).contains("has no attestation"), "{r}");
        assert_eq!(r["warnings"].as_array().map(Vec::len), Some(1), "{r}");
        db.done().await;
    }
}

#[tokio::test]
async fn the_newest_trusted_attestation_decides_and_untrusted_uploads_change_nothing() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let trusted = key();
        let other = key();
        let uploads = vec![
            ("api", passing(&trusted, &digest("api"))),
            // Anyone with the upload scope may store junk: a newer upload by another key.
            ("api", passing(&other, &digest("api"))),
            ("sidecar", passing(&trusted, &digest("sidecar"))),
            // A newer scan of the same sidecar image found critical findings.
            (
                "sidecar",
                signed(&trusted, "s", &digest("sidecar"), scan_predicate(3, "fail")),
            ),
            ("migrate", passing(&trusted, &digest("migrate"))),
        ];
        let t = tenant_with(&db.store, "t", &uploads).await;
        let gate = Gate {
            store: db.store.clone(),
            trusted,
            limits: Limits::default(),
        };
        let r = answer(&gate.app(t, TagOnly::Deny), "deployment.json").await;
        assert_eq!(r["allowed"], false, "{r}");
        let m = message(&r);
        assert!(!m.contains(&image("api")), "{m}");
        assert!(m.contains(&image("sidecar")), "{m}");
        assert!(m.contains("policy: the scan failed its own policy"), "{m}");
        assert!(m.contains("policy: 3 active critical finding(s)"), "{m}");
        assert!(
            m.contains("(the newest signed by a trusted key, 1 of 2 stored"),
            "{m}"
        );
        db.done().await;
    }
}

#[tokio::test]
async fn malformed_huge_and_hostile_reviews_are_answered_and_the_server_keeps_serving() {
    let db = common::sqlite().await;
    let trusted = key();
    let good: Vec<(&str, String)> = ALL
        .iter()
        .map(|n| (*n, passing(&trusted, &digest(n))))
        .collect();
    let t = tenant_with(&db.store, "t", &good).await;
    let gate = Gate {
        store: db.store.clone(),
        trusted,
        limits: Limits {
            admission_bytes: 256 << 10,
            ..Limits::default()
        },
    };
    let app = gate.app(t, TagOnly::Deny);
    let pod = fixture("pod.json");
    let mut v1beta1: Value = serde_json::from_slice(&pod).unwrap();
    v1beta1["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let mut long_uid: Value = serde_json::from_slice(&pod).unwrap();
    long_uid["request"]["uid"] = json!("u".repeat(10_000));
    let mut no_uid: Value = serde_json::from_slice(&pod).unwrap();
    no_uid["request"].as_object_mut().unwrap().remove("uid");
    let cases: Vec<(Vec<u8>, StatusCode, &str, &str)> = vec![
        (
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_review",
            "cut short",
        ),
        (
            pod[..pod.len() / 2].to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_review",
            "cut short",
        ),
        (
            b"<AdmissionReview/>".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_review",
            "not JSON",
        ),
        (
            "[".repeat(100_000).into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid_review",
            "recursion limit",
        ),
        (
            v1beta1.to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid_review",
            "admissionReviewVersions",
        ),
        (
            long_uid.to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid_review",
            "request.uid is 10000 bytes",
        ),
        (
            no_uid.to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid_review",
            "request.uid is missing",
        ),
        (
            vec![b' '; 300 << 10],
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "",
        ),
        (
            vec![0xff, 0xfe, 0x00, 0x01],
            StatusCode::BAD_REQUEST,
            "invalid_review",
            "not JSON",
        ),
    ];
    for (body, status, code, want) in cases {
        let (got, v) = review(&app, body).await;
        assert_eq!(got, status, "{want}: {v}");
        assert_eq!(v["error"]["code"], code, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(want),
            "{want}: {v}"
        );
        // Still serving.
        let r = answer(&app, "pod.json").await;
        assert_eq!(r["allowed"], true, "{r}");
    }
    // Hostile objects of a gated kind: refused with what is wrong, not a crash.
    let mut many: Value = serde_json::from_slice(&pod).unwrap();
    many["request"]["object"]["spec"]["containers"] =
        json!(vec![json!({"name": "c", "image": "x"}); 2000]);
    let mut typed: Value = serde_json::from_slice(&pod).unwrap();
    typed["request"]["object"]["spec"]["initContainers"][0]["image"] = json!(["a"]);
    let mut no_spec: Value = serde_json::from_slice(&fixture("cronjob.json")).unwrap();
    no_spec["request"]["object"]["spec"]["jobTemplate"]["spec"]
        .as_object_mut()
        .unwrap()
        .remove("template");
    for (v, want) in [
        (
            many,
            "rampart cannot read the Pod's images: it has more than 1024 containers",
        ),
        (typed, "spec.initContainers[0].image is not a string"),
        (no_spec, "it has no spec.jobTemplate.spec.template object"),
    ] {
        let (status, r) = review(&app, v.to_string().into_bytes()).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["response"]["allowed"], false, "{r}");
        assert!(message(&r["response"]).contains(want), "{want}: {r}");
    }
    // Images pinned by another algorithm, or with a broken digest.
    let mut bad: Value = serde_json::from_slice(&pod).unwrap();
    bad["request"]["object"]["spec"]["containers"][0]["image"] =
        json!("ghcr.io/acme/api@sha512:abcd");
    let (_, r) = review(&app, bad.to_string().into_bytes()).await;
    assert_eq!(r["response"]["allowed"], false, "{r}");
    assert!(message(&r["response"]).contains("sha512"), "{r}");
    db.done().await;
}

#[tokio::test]
async fn without_a_trusted_key_the_webhook_is_off() {
    let db = common::sqlite().await;
    let app = api::router(AppState::new(db.store.clone(), Limits::default()));
    let (status, v) = review(&app, fixture("pod.json")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"]["code"], "admission_off");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--admission-key")
    );
    // The API's own routes are not affected; the webhook takes no token either way.
    let tenant = auth::create_tenant(&db.store, "t").await.unwrap();
    let (_, admin) = common::token(&db.store, tenant, "a", &[Scope::Admin]).await;
    let (status, _) = post(
        &app,
        "/api/v1/projects",
        &admin,
        json!({"name": "p", "local_path": "/tmp"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    db.done().await;
}
