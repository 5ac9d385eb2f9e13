//! Times storing a generated scan of N findings (default 50,000) twice (all new, then all
//! unchanged) on SQLite in a temporary folder, or on the database URL given as the second
//! argument. `cargo run --release -p rampart-server --example ingest_timing -- 50000 [URL]`.

use rampart_core::Severity;
use rampart_ingest::{Format, Import, Imported};
use rampart_server::results::{ScanMeta, store_scan};
use rampart_server::{Store, auth, projects};
use std::time::Instant;

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::args()
        .nth(2)
        .unwrap_or_else(|| rampart_server::store::sqlite_url(dir.path()));
    let store = Store::open(&url).await.unwrap();
    let tenant = auth::create_tenant(&store, &format!("bench-{}", std::process::id()))
        .await
        .unwrap();
    let p = projects::create(
        &store,
        tenant,
        &projects::ProjectFields {
            name: Some("p".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let findings: Vec<Imported> = (0..n)
        .map(|i| Imported {
            tool: "semgrep".into(),
            rule: format!("rule-{}", i % 100),
            fingerprint: format!("{i:016x}"),
            severity: Severity::High,
            title: "A title".into(),
            message: format!("Untrusted input flows into a sink ({i})"),
            path: format!("src/m{}.py", i % 2000),
            start_line: 1 + (i % 400) as u32,
            start_col: 5,
            end_line: 1 + (i % 400) as u32,
            end_col: 40,
            snippet: format!("cursor.execute(q{i} % x)"),
            cwe: vec!["CWE-89".into()],
            suppressed: false,
            extra: serde_json::Value::Null,
        })
        .collect();
    let import = Import {
        format: Format::Sarif,
        findings,
        components: vec![],
        warnings: vec![],
        tools: vec!["semgrep".into()],
        rules: vec![],
        verdict: None,
    };
    for round in ["new", "unchanged"] {
        let meta = ScanMeta {
            project: p.id,
            commit: round.into(),
            branch: "main".into(),
            base_commit: None,
            tool: None,
            kind: "upload".into(),
        };
        let t = Instant::now();
        let s = store_scan(&store, &meta, &import, None).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{} ({round}): {n} findings in {secs:.2} s, {:.0} findings/s ({:?})",
            store.backend().as_str(),
            n as f64 / secs,
            s.counts
        );
    }
    // One page of 100, from the start and from the middle, 50 times each.
    let mut times = Vec::new();
    for i in 0..100 {
        let filter = rampart_server::findings::Filter {
            branch: "main".into(),
            after: if i % 2 == 0 { 0 } else { (n / 2) as i64 },
            limit: 100,
            ..Default::default()
        };
        let t = Instant::now();
        let page = rampart_server::findings::list(&store, p.id, &filter)
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(page.items.len(), 100);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{} list of 100: p50 {:.1} ms, p99 {:.1} ms",
        store.backend().as_str(),
        times[50],
        times[98]
    );
}
