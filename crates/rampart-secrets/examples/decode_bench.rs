//! Throughput of the base64-run finder alone, on files in memory.
//!
//!     cargo run --release -p rampart-secrets --example decode_bench -- DIR [MB]
use std::time::Instant;
fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: decode_bench DIR [MB]");
    let limit: usize = args.next().map_or(300, |m| m.parse().expect("MB")) << 20;
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
        } else if let Ok(b) = std::fs::read(&p) {
            total += b.len();
            files.push(b);
        }
    }
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
