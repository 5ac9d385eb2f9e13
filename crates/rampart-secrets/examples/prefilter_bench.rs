//! Throughput of the engine's two whole-file passes on files in memory: the keyword filter, in
//! each pass this CPU has (against an Aho-Corasick DFA over the same keywords), and the base64
//! run finder.
//!
//!     cargo run --release -p rampart-secrets --example prefilter_bench -- DIR [MB]

use aho_corasick::{AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rampart_secrets::prefilter::{KeywordFilter, PassKind};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: prefilter_bench DIR [MB]");
    let limit: usize = args.next().map_or(200, |m| m.parse().expect("MB")) << 20;
    let mut files = Vec::new();
    let mut total = 0;
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(p) = stack.pop() {
        if total >= limit {
            break;
        }
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.filter_map(|e| e.ok().map(|e| e.path())));
            }
        } else if let Ok(b) = std::fs::read(&p)
            && !b[..b.len().min(8000)].contains(&0)
        {
            total += b.len();
            files.push(b);
        }
    }
    let mut keywords: Vec<String> = rampart_secrets::rule::builtin()
        .expect("rules")
        .iter()
        .flat_map(|r| r.keywords.clone())
        .collect();
    keywords.sort();
    keywords.dedup();
    println!(
        "{} MB, {} files, {} keywords",
        total >> 20,
        files.len(),
        keywords.len()
    );
    for kind in [PassKind::Every, PassKind::EvenVector, PassKind::EvenScalar] {
        let f = KeywordFilter::with_pass(&keywords, kind).expect("filter");
        if f.pass() != kind {
            println!("filter {kind:?}: not on this CPU");
            continue;
        }
        for _ in 0..3 {
            let t = Instant::now();
            let mut hits = 0usize;
            for b in &files {
                f.for_each(b, |_, _, _| hits += 1);
            }
            let s = t.elapsed().as_secs_f64();
            println!(
                "filter {kind:?}: {hits} hits, {:.3} s, {:.0} MB/s",
                s,
                total as f64 / s / 1e6
            );
        }
    }
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&keywords)
        .expect("automaton");
    let t = Instant::now();
    let hits: usize = files
        .iter()
        .map(|b| ac.find_overlapping_iter(b).count())
        .sum();
    let s = t.elapsed().as_secs_f64();
    println!(
        "aho-corasick dfa: {hits} hits, {:.3} s, {:.0} MB/s",
        s,
        total as f64 / s / 1e6
    );
    for _ in 0..3 {
        let t = Instant::now();
        let runs: usize = files
            .iter()
            .map(|b| rampart_secrets::decode::base64_runs(b).len())
            .sum();
        let s = t.elapsed().as_secs_f64();
        println!(
            "base64 runs: {runs} decoded, {:.3} s, {:.0} MB/s",
            s,
            total as f64 / s / 1e6
        );
    }
}
