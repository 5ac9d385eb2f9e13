//! The probe against the deliberately vulnerable API finds each planted flaw, and nothing
//! against its fixed twin. Both servers run on 127.0.0.1.

mod common {
    pub mod vulnapi;
}

use common::vulnapi::{self, ALICE, BOB};
use rampart_api::probe::{self, Options, Outcome};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vulnapi")
}

fn probe(spec: &str, vulnerable: bool, allow_writes: bool) -> Outcome {
    let base = vulnapi::start(vulnerable);
    let text = std::fs::read_to_string(fixtures().join(spec)).unwrap();
    let read = |p: &str| std::fs::read_to_string(fixtures().join(p)).map_err(|e| e.to_string());
    let opts = Options {
        base_url: base,
        auth_a: Some(ALICE.into()),
        auth_b: Some(BOB.into()),
        max_requests: 400,
        rate: 0.0,
        allow_writes,
    };
    probe::run(spec, &text, &read, &opts).unwrap()
}

fn found(out: &Outcome) -> Vec<String> {
    let mut v: Vec<String> = out
        .findings
        .iter()
        .map(|f| format!("{} {}", f.rule_id, f.message))
        .collect();
    v.sort();
    v
}

#[test]
fn the_probe_finds_every_planted_flaw() {
    let out = probe("vuln.yaml", true, true);
    let all = found(&out);
    let has = |rule: &str, needle: &str| {
        out.findings
            .iter()
            .any(|f| f.rule_id == format!("api/{rule}") && f.message.contains(needle))
    };
    let expected = [
        ("probe-no-auth-required", "GET /admin/stats"),
        ("probe-malformed-token-accepted", "GET /items"),
        ("probe-alg-none-accepted", "GET /users/me"),
        ("probe-bola", "/items/"),
        ("probe-mass-assignment", "POST /items"),
        ("probe-sensitive-data-exposed", "passwordHash"),
        ("probe-undocumented-field", "internalNote"),
        ("probe-sql-error", "GET /search"),
        ("probe-verbose-error", "/search"),
        ("probe-reflected-input", "GET /hello"),
        ("probe-no-rate-limit", "POST /login"),
        ("probe-missing-security-headers", "nosniff"),
        ("probe-server-banner", "X-Powered-By"),
        ("probe-undocumented-status", "500"),
        ("probe-schema-mismatch", "GET /reports"),
    ];
    let missing: Vec<String> = expected
        .iter()
        .filter(|(r, n)| !has(r, n))
        .map(|(r, n)| format!("{r} ({n})"))
        .collect();
    assert!(
        missing.is_empty(),
        "missing: {missing:?}\nfound:\n{}",
        all.join("\n")
    );
    // Findings point at the operation in the spec and carry redacted evidence.
    let bola = out
        .findings
        .iter()
        .find(|f| f.rule_id == "api/probe-bola")
        .unwrap();
    assert_eq!(bola.location.path, "vuln.yaml");
    assert_eq!(bola.location.start_line, 54);
    let req = bola.properties["request"].as_str().unwrap();
    assert!(req.starts_with("GET http://127.0.0.1:"), "{req}");
    assert!(!req.contains(BOB) && req.contains("toke…"), "{req}");
    assert!(
        bola.properties["response"]
            .as_str()
            .unwrap()
            .starts_with("200")
    );
    for f in &out.findings {
        let text = serde_json::to_string(f).unwrap();
        assert!(
            !text.contains(ALICE) && !text.contains(BOB),
            "token in {text}"
        );
    }
    assert!(out.requests <= 400);
}

#[test]
fn the_fixed_twin_shows_nothing() {
    let out = probe("fixed.yaml", false, true);
    assert!(out.findings.is_empty(), "{}", found(&out).join("\n"));
    assert!(
        out.diagnostics
            .iter()
            .all(|d| !d.message.contains("request failed")),
        "{:?}",
        out.diagnostics
    );
    assert!(out.requests > 20, "{} requests", out.requests);
}

#[test]
fn without_allow_writes_no_unsafe_method_is_sent_and_the_budget_holds() {
    let out = probe("vuln.yaml", true, false);
    for f in &out.findings {
        let req = f.properties["request"].as_str().unwrap();
        assert!(req.starts_with("GET "), "{req}");
    }
    assert!(
        !out.findings
            .iter()
            .any(|f| f.rule_id == "api/probe-mass-assignment")
    );
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("--allow-writes"))
    );
    let base = vulnapi::start(true);
    let text = std::fs::read_to_string(fixtures().join("vuln.yaml")).unwrap();
    let opts = Options {
        base_url: base,
        auth_a: Some(ALICE.into()),
        auth_b: Some(BOB.into()),
        max_requests: 5,
        rate: 0.0,
        allow_writes: true,
    };
    let out = probe::run("vuln.yaml", &text, &|_| Err("no".into()), &opts).unwrap();
    assert_eq!(out.requests, 5);
    assert!(out.diagnostics.iter().any(|d| d.message.contains("budget")));
}

#[test]
fn redirects_are_not_followed() {
    // A server that redirects every request to another host: the probe sees the 3xx and
    // sends nothing anywhere else.
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = s.write_all(b"HTTP/1.1 302 Found\r\nLocation: http://198.51.100.1/steal\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let spec = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok}\n";
    let opts = Options {
        base_url: format!("http://{addr}"),
        max_requests: 10,
        rate: 0.0,
        ..Options::default()
    };
    let out = probe::run("s.yaml", spec, &|_| Err("no".into()), &opts).unwrap();
    assert!(out.requests >= 1);
    assert_eq!(
        served.load(std::sync::atomic::Ordering::SeqCst),
        out.requests
    );
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule_id == "api/probe-undocumented-status" && f.message.contains("302"))
    );
}
