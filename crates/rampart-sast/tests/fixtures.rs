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

#[test]
fn fixtures_match_their_markers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let engine = SastEngine::new();
    let ctx = ScanContext {
        root: root.clone(),
        config: Default::default(),
        show_secrets: false,
    };
    let session = engine.start(&ctx).unwrap();
    let mut out = Emitter::default();
    for (p, t) in &files {
        if engine.wants(p) {
            session.scan_file(
                &SourceFile::new(p.clone(), t.as_bytes().to_vec(), Origin::WorkTree),
                &mut out,
            );
        }
    }
    session.finish(&mut out);
    let mut problems = Vec::new();
    let (mut expected, mut safe) = (0, 0);
    for (p, t) in &files {
        for (i, line) in t.lines().enumerate() {
            for (marker, want) in [("expect:", true), ("ok:", false)] {
                let Some(pos) = line.find(marker) else {
                    continue;
                };
                let rule = format!("sast/{}", line[pos + marker.len()..].trim());
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
        expected >= 30 && safe >= 30,
        "{expected} expected, {safe} safe"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
