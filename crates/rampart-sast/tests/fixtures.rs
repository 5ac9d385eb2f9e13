//! The labelled fixture suite: `expect: <rule>` marks a line the rule must report, `ok: <rule>`
//! a safe look-alike it must not. All files are scanned as one project (cross-file flows).

use rampart_core::{Emitter, Engine, ScanContext, SourceFile, source::Origin};
use rampart_sast::SastEngine;
use std::path::Path;

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            collect(&p, root, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&p).unwrap()));
        }
    }
}

/// The markers of a line: `expect: rule` (true) and `ok: rule` (false), several per line allowed.
fn markers(line: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for (marker, want) in [("expect:", true), ("ok:", false)] {
        let mut rest = line;
        while let Some(pos) = rest.find(marker) {
            let after = &rest[pos + marker.len()..];
            let before_ok = pos == 0 || !rest.as_bytes()[pos - 1].is_ascii_alphanumeric();
            let rule: String = after
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if before_ok && !rule.is_empty() {
                out.push((want, rule));
            }
            rest = after;
        }
    }
    out
}

fn scan(root: &Path, files: &[(String, String)], config: rampart_core::config::Config) -> Emitter {
    let engine = SastEngine::new();
    let ctx = ScanContext {
        root: root.to_path_buf(),
        config,
        show_secrets: false,
    };
    let session = engine.start(&ctx).unwrap();
    let mut out = Emitter::default();
    for (p, t) in files {
        if engine.wants(p) {
            session.scan_file(
                &SourceFile::new(p.clone(), t.as_bytes().to_vec(), Origin::WorkTree),
                &mut out,
            );
        }
    }
    session.finish(&mut out);
    out
}

#[test]
fn fixtures_match_their_markers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let out = scan(&root, &files, Default::default());
    // With no IR kept between the passes (every callee lowered again), findings are the same.
    let config = rampart_core::config::Config::parse(
        "[engines.sast]\nmax_kept_ir_nodes = 0\n",
        &root.join("rampart.toml"),
    )
    .unwrap();
    let relowered = scan(&root, &files, config);
    let key = |o: &Emitter| {
        let mut v: Vec<String> = o
            .findings
            .iter()
            .map(|f| format!("{} {:?} {:?}", f.rule_id, f.location, f.trace))
            .collect();
        v.sort();
        v
    };
    assert_eq!(key(&out), key(&relowered));
    assert!(
        relowered
            .diagnostics
            .iter()
            .all(|d| !d.message.contains("time limit"))
    );
    let mut problems = Vec::new();
    let (mut expected, mut safe) = (0, 0);
    for (p, t) in &files {
        for (i, line) in t.lines().enumerate() {
            for (want, rule) in markers(line) {
                let rule = format!("sast/{rule}");
                let fired = out.findings.iter().any(|f| {
                    f.rule_id == rule && f.location.path == *p && f.location.start_line == i + 1
                });
                if want {
                    expected += 1;
                } else {
                    safe += 1;
                }
                if fired != want {
                    problems.push(format!(
                        "{p}:{}: {rule} {}",
                        i + 1,
                        if want { "missed" } else { "false positive" }
                    ));
                }
            }
        }
    }
    assert!(
        expected >= 220 && safe >= 240,
        "{expected} expected, {safe} safe"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
