//! Parse speed of `rampart_ingest::import` on generated SARIF logs of 50,000 results:
//! `cargo run --release -p rampart-ingest --example ingest_bench [RESULTS] [--import-only]`
//! (`--import-only` leaves out the `serde_json::Value` comparison, for profiling).
//!
//! Two logs: semgrep-like results with a `matchBasedId/v1` fingerprint each, and bandit-like
//! results without fingerprints (each fingerprint computed from rule, path and snippet). Prints
//! the best of five runs of each, and `serde_json::Value` parsing of the same bytes for scale.

use std::time::{Duration, Instant};

fn log(n: usize, fingerprints: bool) -> Vec<u8> {
    let mut rules = Vec::new();
    for r in 0..40 {
        rules.push(format!(
            r#"{{"id":"rules.python-rule-{r}","name":"rules.python-rule-{r}","shortDescription":{{"text":"Rule number {r} finds something"}},"defaultConfiguration":{{"level":"error"}},"properties":{{"tags":["CWE-{}","security"],"security-severity":"{}.5"}}}}"#,
            78 + r,
            r % 10
        ));
    }
    let mut results = Vec::with_capacity(n);
    for i in 0..n {
        let fp = if fingerprints {
            format!(
                r#","fingerprints":{{"matchBasedId/v1":"{:064x}"}}"#,
                i as u128 * 0x9e3779b97f4a7c15
            )
        } else {
            String::new()
        };
        results.push(format!(
            r#"{{"ruleId":"rules.python-rule-{}","ruleIndex":{},"level":"warning","message":{{"text":"Untrusted input reaches a dangerous call in function handler_{i}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/pkg{}/module_{}.py","uriBaseId":"%SRCROOT%"}},"region":{{"startLine":{},"startColumn":9,"endLine":{},"endColumn":41,"snippet":{{"text":"        value = eval(request.args[\"q{i}\"])"}}}}}}}}],"properties":{{}}{fp}}}"#,
            i % 40,
            i % 40,
            i % 17,
            i % 300,
            10 + i % 900,
            10 + i % 900
        ));
    }
    format!(
        r#"{{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"Semgrep OSS","rules":[{}]}}}},"results":[{}]}}]}}"#,
        rules.join(","),
        results.join(",\n")
    )
    .into_bytes()
}

fn best(mut f: impl FnMut()) -> Duration {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    for (name, fps) in [
        ("with matchBasedId/v1", true),
        ("without fingerprints", false),
    ] {
        let bytes = log(n, fps);
        let mb = bytes.len() as f64 / 1e6;
        let mut count = 0;
        let t = best(|| {
            let import = rampart_ingest::import(&bytes, None).expect("the generated log imports");
            count = import.findings.len();
        });
        assert_eq!(count, n);
        let import_only = std::env::args().any(|a| a == "--import-only");
        let v = best(|| {
            if !import_only {
                let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                std::hint::black_box(v);
            }
        });
        let s = t.as_secs_f64();
        println!(
            "{name}: {n} results, {mb:.1} MB: import {:.1} ms = {:.0} findings/s, {:.0} MB/s \
             (serde_json::Value alone: {:.1} ms)",
            s * 1e3,
            n as f64 / s,
            mb / s,
            v.as_secs_f64() * 1e3
        );
    }
}
