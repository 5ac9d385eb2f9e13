//! `rampart server` end to end, over loopback HTTP: the first start's token, a project, an
//! upload of `rampart scan --format json`, a scan run by the in-process worker, and a restart
//! that keeps everything.

mod common;
use common::{fixture, rampart};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server and what it printed.
struct Server {
    child: Child,
    addr: String,
    token: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &std::path::Path) -> Server {
    start_with(data, "1")
}

fn start_with(data: &std::path::Path, workers: &str) -> Server {
    start_args(data, workers, &[])
}

/// A server started with `extra` arguments after the usual ones.
fn start_args(data: &std::path::Path, workers: &str, extra: &[&std::ffi::OsStr]) -> Server {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("rampart"))
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--workers",
            workers,
            "--lease",
            "1",
            // No vulnerability-database download at start (monitoring on demand only).
            "--db-update-interval",
            "0",
            "--data",
        ])
        .arg(data)
        .args(extra)
        .env(
            "RAMPART_DB",
            std::env::temp_dir().join("rampart-tests-no-db"),
        )
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut token = None;
    // From here the server is owned by `Server`, whose drop kills and waits for it.
    let mut server = Server {
        child,
        addr: String::new(),
        token: None,
    };
    loop {
        let line = lines
            .next()
            .expect("the server printed where it listens")
            .unwrap();
        if let Some(t) = line.split("store it now): ").nth(1) {
            token = Some(t.trim().to_string());
        }
        if let Some(rest) = line.split("listening on http://").nth(1) {
            let addr = rest.split_whitespace().next().unwrap().to_string();
            // Keep draining stderr so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            server.addr = addr;
            server.token = token;
            return server;
        }
    }
}

/// One HTTP/1.1 request; the status and the JSON body.
fn http(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    // The body may be chunked: take the JSON between the first `{` and the last `}`.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) => serde_json::from_str(&body[a..=b]).unwrap(),
        _ => Value::Null,
    };
    (status, json)
}

#[test]
fn the_server_keeps_findings_from_uploads_and_its_own_scans() {
    let data = tempfile::tempdir().unwrap();
    let code = fixture();
    let report = rampart()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .arg(code.path())
        .output()
        .unwrap();
    let uploaded: Value = serde_json::from_slice(&report.stdout).unwrap();
    let active = uploaded["summary"]["active"].as_u64().unwrap();
    let total = uploaded["summary"]["total"].as_u64().unwrap();
    assert!(active >= 2, "the fixture has findings: {uploaded}");

    let server = start(data.path());
    let admin = server
        .token
        .clone()
        .expect("the first start prints an admin token");
    let addr = server.addr.clone();
    let (status, p) = http(
        &addr,
        "POST",
        "/api/v1/projects",
        &admin,
        json!({"name": "fixture", "local_path": code.path()})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(status, 201, "{p}");
    let pid = p["id"].as_i64().unwrap();

    let (status, up) = http(
        &addr,
        "POST",
        &format!("/api/v1/projects/{pid}/results?commit=c1&branch=main"),
        &admin,
        &report.stdout,
    );
    assert_eq!(status, 201, "{up}");
    assert_eq!(up["counts"]["new"].as_u64(), Some(total), "{up}");

    // `rampart scan --upload` sends the same report for another branch; a bad token is refused
    // with the server's message, after the report was printed.
    let results = format!("http://{addr}/api/v1/projects/{pid}/results");
    let out = rampart()
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--upload",
            &results,
            "--commit",
            "c0",
            "--branch",
            "dev",
        ])
        .arg(code.path())
        .env("RAMPART_TOKEN", &admin)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "uploaded to {results} (commit c0): {total} new, 0 unchanged"
        )),
        "{stderr}"
    );
    let out = rampart()
        .args([
            "scan",
            "--format",
            "json",
            "--upload",
            &results,
            "--commit",
            "c0",
            "--token",
            "rpt_wrong",
        ])
        .arg(code.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the server answered 401: send a valid API token"),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"findings\""),
        "the report is still printed"
    );

    // A decision made once on the server applies in CI: `--server` suppresses the finding.
    let (_, list) = http(
        &addr,
        "GET",
        &format!("/api/v1/projects/{pid}/findings"),
        &admin,
        b"",
    );
    let first = &list["items"][0];
    let (status, d) = http(
        &addr,
        "POST",
        &format!("/api/v1/findings/{}/triage", first["id"]),
        &admin,
        json!({"state": "false_positive", "reason": "a test key", "scope": "project"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(status, 201, "{d}");
    let project_url = format!("http://{addr}/api/v1/projects/{pid}");
    let out = rampart()
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--server",
            &project_url,
            "--branch",
            "main",
        ])
        .arg(code.path())
        .env("RAMPART_TOKEN", &admin)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fingerprint"] == first["fingerprint"])
        .expect("the triaged finding is still reported, as suppressed");
    assert_eq!(
        found["suppression"]["reason"], "false_positive: a test key [rampart triage #1]",
        "{found}"
    );
    assert_eq!(report["summary"]["active"].as_u64(), Some(active - 1));
    let out = rampart()
        .args(["scan", "--server", &project_url, "--token", "rpt_wrong"])
        .arg(code.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("answered 401"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The in-process worker scans the project's folder; the same findings are unchanged.
    let (status, job) = http(
        &addr,
        "POST",
        &format!("/api/v1/projects/{pid}/scans"),
        &admin,
        b"{}",
    );
    assert_eq!(status, 202, "{job}");
    let poll = job["poll"].as_str().unwrap().to_string();
    let started = Instant::now();
    let done = loop {
        let (_, j) = http(&addr, "GET", &poll, &admin, b"");
        if j["state"] == "done" || j["state"] == "failed" {
            break j;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the job did not finish: {j}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        done["result"]["counts"]["unchanged"].as_u64(),
        Some(total),
        "{done}"
    );
    assert_eq!(done["result"]["counts"]["new"].as_u64(), Some(0), "{done}");

    let (status, list) = http(
        &addr,
        "GET",
        &format!("/api/v1/projects/{pid}/findings?status=all"),
        &admin,
        b"",
    );
    assert_eq!(status, 200);
    assert_eq!(
        list["items"].as_array().unwrap().len() as u64,
        total,
        "{list}"
    );
    drop(server);

    // A restart keeps the data and prints no new token.
    let server = start(data.path());
    assert!(server.token.is_none());
    let (status, list) = http(
        &server.addr,
        "GET",
        &format!("/api/v1/projects/{pid}/scans"),
        &admin,
        b"",
    );
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 3, "{list}");
}

/// Polls job `path` until `done(state)`; panics after `secs`.
fn wait_for(addr: &str, token: &str, path: &str, secs: u64, done: impl Fn(&str) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (_, j) = http(addr, "GET", path, token, b"");
        if done(j["state"].as_str().unwrap_or("")) {
            return j;
        }
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "gave up waiting: {j}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn worker(db: &str) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("rampart"))
        .args(["worker", "--lease", "1", "--database-url", db])
        .env(
            "RAMPART_DB",
            std::env::temp_dir().join("rampart-tests-no-db"),
        )
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_job_whose_worker_is_killed_is_finished_once_by_another() {
    // A folder big enough that its scan is still running when the first worker is killed.
    let code = tempfile::tempdir().unwrap();
    for i in 0..4000 {
        common::write(
            code.path(),
            &format!("pkg{}/m{i}.py", i % 40),
            "import os\n\ndef f(x):\n    return os.system(x)\n".repeat(20),
        );
    }
    common::write(
        code.path(),
        "settings.py",
        format!("TOKEN = \"{}\"\n", common::token()),
    );
    let data = tempfile::tempdir().unwrap();
    let server = start_with(data.path(), "0");
    let admin = server.token.clone().unwrap();
    let addr = server.addr.clone();
    let (_, p) = http(
        &addr,
        "POST",
        "/api/v1/projects",
        &admin,
        json!({"name": "big", "local_path": code.path()})
            .to_string()
            .as_bytes(),
    );
    let (status, job) = http(
        &addr,
        "POST",
        &format!("/api/v1/projects/{}/scans", p["id"]),
        &admin,
        b"",
    );
    assert_eq!(status, 202, "{job}");
    let poll = job["poll"].as_str().unwrap().to_string();
    let db = format!(
        "sqlite://{}?mode=rwc",
        data.path().join("rampart.db").display()
    );

    let mut first = worker(&db);
    wait_for(&addr, &admin, &poll, 60, |s| s == "running");
    first.kill().unwrap(); // SIGKILL: no goodbye, the lease just stops being renewed.
    first.wait().unwrap();
    let (_, j) = http(&addr, "GET", &poll, &admin, b"");
    assert_eq!(
        j["state"], "running",
        "the job was still running when its worker died: {j}"
    );

    let mut second = worker(&db);
    let done = wait_for(&addr, &admin, &poll, 300, |s| s == "done" || s == "failed");
    let _ = second.kill();
    let _ = second.wait();
    assert_eq!(
        (done["state"].as_str(), done["attempts"].as_i64()),
        (Some("done"), Some(2)),
        "{done}"
    );
    let (_, scans) = http(
        &addr,
        "GET",
        &format!("/api/v1/projects/{}/scans", p["id"]),
        &admin,
        b"",
    );
    assert_eq!(
        scans["items"].as_array().unwrap().len(),
        1,
        "stored once: {scans}"
    );
    assert!(
        done["result"]["counts"]["new"].as_u64().unwrap() > 0,
        "{done}"
    );
}

/// A SARIF log of `n` results from tool `t`.
fn sarif(n: usize) -> Vec<u8> {
    let results: Vec<Value> = (0..n)
        .map(|i| {
            json!({"ruleId": format!("rule-{}", i % 50), "level": "error",
                   "message": {"text": format!("finding {i}")},
                   "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("src/f{}.py", i % 500)},
                                  "region": {"startLine": 1 + i % 300, "snippet": {"text": format!("call_{i}(user_input)")}}}}],
                   "partialFingerprints": {"matchBasedId/v1": format!("id{i:08}")}})
        })
        .collect();
    json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "semgrep"}}, "results": results}]})
        .to_string()
        .into_bytes()
}

#[test]
fn a_server_killed_during_an_upload_stores_nothing_half_and_the_upload_can_be_retried() {
    let data = tempfile::tempdir().unwrap();
    let body = sarif(40_000);
    assert!(body.len() > 8 << 20, "large enough to be stored by a job");
    let server = start(data.path());
    let admin = server.token.clone().unwrap();
    let (_, p) = http(
        &server.addr,
        "POST",
        "/api/v1/projects",
        &admin,
        br#"{"name": "p"}"#,
    );
    let results = format!("/api/v1/projects/{}/results?commit=c1", p["id"]);

    // 1. Killed while the body arrives: nothing is stored.
    let mut s = TcpStream::connect(&server.addr).unwrap();
    write!(s, "POST {results} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\nContent-Length: {}\r\n\r\n", body.len()).unwrap();
    s.write_all(&body[..body.len() / 2]).unwrap();
    drop(server); // SIGKILL
    drop(s);
    let server = start(data.path());
    let (_, scans) = http(
        &server.addr,
        "GET",
        &format!("/api/v1/projects/{}/scans", p["id"]),
        &admin,
        b"",
    );
    assert_eq!(scans["items"].as_array().unwrap().len(), 0, "{scans}");

    // 2. Killed right after the upload was accepted (its job maybe half done): after the
    //    restart the job runs again and the upload is stored once, whole.
    let (status, job) = http(&server.addr, "POST", &results, &admin, &body);
    assert_eq!(status, 202, "{job}");
    drop(server);
    let server = start(data.path());
    let poll = job["poll"].as_str().unwrap();
    let done = wait_for(&server.addr, &admin, poll, 300, |s| {
        s == "done" || s == "failed"
    });
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        done["result"]["counts"]["new"].as_u64(),
        Some(40_000),
        "{done}"
    );
    let (_, scans) = http(
        &server.addr,
        "GET",
        &format!("/api/v1/projects/{}/scans", p["id"]),
        &admin,
        b"",
    );
    assert_eq!(scans["items"].as_array().unwrap().len(), 1, "{scans}");
    let (_, list) = http(
        &server.addr,
        "GET",
        &format!("/api/v1/projects/{}/findings?limit=1", p["id"]),
        &admin,
        b"",
    );
    assert!(list["next"].is_string(), "{list}");
}

/// An AdmissionReview v1 of a Pod running `images`.
fn pod_review(uid: &str, images: &[&str]) -> Vec<u8> {
    let containers: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, image)| json!({"name": format!("c{i}"), "image": image}))
        .collect();
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"}, "operation": "CREATE",
        "namespace": "shop", "object": {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "api", "namespace": "shop"}, "spec": {"containers": containers}}}})
    .to_string()
    .into_bytes()
}

#[test]
fn the_admission_webhook_admits_what_rampart_attest_signed() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("ci.key");
    let out = rampart()
        .args(["keygen", "--output-key"])
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let code = fixture();
    let report = dir.path().join("rampart.json");
    let out = rampart()
        .args(["scan", "--format", "json", "--fail-on", "never", "--output"])
        .arg(&report)
        .arg(code.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let digest = format!("sha256:{}", "ab".repeat(32));
    let attestation = dir.path().join("api.intoto.jsonl");
    let out = rampart()
        .args(["attest", "--key"])
        .arg(&key)
        .args([
            "--subject",
            &digest,
            "--subject-name",
            "ghcr.io/acme/api",
            "--results",
        ])
        .arg(&report)
        .arg("--output")
        .arg(&attestation)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    // A tenant that does not exist stops the start, saying so.
    let elsewhere = tempfile::tempdir().unwrap();
    let pub_key = dir.path().join("ci.key.pub");
    let out = rampart()
        .args(["server", "--listen", "127.0.0.1:0", "--data"])
        .arg(elsewhere.path())
        .arg("--admission-key")
        .arg(&pub_key)
        .args(["--admission-tenant", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--admission-tenant nope: no such tenant"),
        "{out:?}"
    );

    let data = tempfile::tempdir().unwrap();
    let server = start_args(
        data.path(),
        "0",
        &["--admission-key".as_ref(), pub_key.as_os_str()],
    );
    let admin = server.token.clone().unwrap();
    let addr = server.addr.clone();
    let (status, p) = http(
        &addr,
        "POST",
        "/api/v1/projects",
        &admin,
        json!({"name": "api", "local_path": code.path()})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(status, 201, "{p}");
    let (status, up) = http(
        &addr,
        "POST",
        &format!("/api/v1/attestations?project={}", p["id"]),
        &admin,
        &std::fs::read(&attestation).unwrap(),
    );
    assert_eq!(status, 201, "{up}");
    assert_eq!(up["envelopes"].as_array().map(Vec::len), Some(2), "{up}");

    let pinned = format!("ghcr.io/acme/api@{digest}");
    let (status, v) = http(
        &addr,
        "POST",
        "/k8s/admission",
        "",
        &pod_review("u-1", &[&pinned]),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["response"]["uid"], "u-1");
    assert_eq!(v["response"]["allowed"], true, "{v}");
    let other = format!("ghcr.io/acme/web@sha256:{}", "cd".repeat(32));
    let (status, v) = http(
        &addr,
        "POST",
        "/k8s/admission",
        "",
        &pod_review("u-2", &[&pinned, &other, "nginx:1.27"]),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["response"]["allowed"], false, "{v}");
    let m = v["response"]["status"]["message"].as_str().unwrap();
    assert!(
        m.contains(&format!(
            "image {other} (containers[1] \"c1\") has no attestation"
        )),
        "{m}"
    );
    assert!(
        m.contains("image nginx:1.27 (containers[2] \"c2\") is not pinned by digest"),
        "{m}"
    );
    assert!(!m.contains(&pinned), "{m}");
}

#[test]
fn deploy_record_tells_the_server_what_runs_where_and_names_what_is_wrong() {
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path());
    let admin = server.token.clone().expect("an admin token");
    let addr = server.addr.clone();
    let (status, p) = http(
        &addr,
        "POST",
        "/api/v1/projects",
        &admin,
        json!({"name": "payments-api", "local_path": data.path()})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(status, 201, "{p}");
    let pid = p["id"].as_i64().unwrap().to_string();
    let sbom = data.path().join("bom.json");
    std::fs::write(
        &sbom,
        json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
            {"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"}]})
        .to_string(),
    )
    .unwrap();
    let digest = format!("sha256:{}", "ab".repeat(32));
    let url = format!("http://{addr}");
    let deploy = |artifact: &str, sbom: &std::path::Path| {
        rampart()
            .args([
                "deploy",
                "record",
                "--server",
                &url,
                "--project",
                &pid,
                "--env",
                "production",
            ])
            .args(["--artifact", artifact, "--sbom"])
            .arg(sbom)
            .env("RAMPART_TOKEN", &admin)
            .output()
            .unwrap()
    };
    let out = deploy(&digest, &sbom);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("recorded deployment"), "{stdout}");
    assert!(stdout.contains("1 package(s)"), "{stdout}");
    assert!(
        stdout.contains("has no attestation"),
        "drift is shown: {stdout}"
    );
    // A bad digest is refused before anything is sent; a bad SBOM by the server, named.
    let out = deploy("sha256:abc", &sbom);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--artifact"));
    std::fs::write(&sbom, b"{\"bomFormat\": \"CycloneDX\", \"compo").unwrap();
    let out = deploy(&digest, &sbom);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("422") && stderr.contains("bom.json"),
        "{stderr}"
    );
    let (status, list) = http(
        &addr,
        "GET",
        &format!("/api/v1/projects/{pid}/deployments"),
        &admin,
        b"",
    );
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}
