//! The labelled fixture suite: `expect: <rule>` marks a line the rule must report, `ok: <rule>`
//! a safe look-alike it must not, `fp: <rule>` a known false positive (reported today; the test
//! fails when it no longer is, so that the marker becomes `ok:`). A finding on a line without an
//! `expect:` or `fp:` marker for its rule fails the test. Every rule has at least
//! [`MIN_PER_RULE`] lines of each kind. All files are scanned as one project (cross-file flows).

mod common;

use rampart_core::{Emitter, Engine, ScanContext, SourceFile, source::Origin};
use rampart_sast::SastEngine;
use std::collections::BTreeMap;
use std::path::Path;

/// The fewest `expect:` lines, and `ok:` lines, each rule must have.
const MIN_PER_RULE: usize = 4;

/// What a marker says about a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// `expect:` the rule must report the line.
    Expect,
    /// `ok:` it must not.
    Ok,
    /// `fp:` a known false positive: it is reported.
    KnownFalsePositive,
}

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

/// The markers of a line: `expect: rule`, `ok: rule` and `fp: rule`, several per line allowed.
fn markers(line: &str) -> Vec<(Mark, String)> {
    let mut out = Vec::new();
    for (marker, mark) in [
        ("expect:", Mark::Expect),
        ("ok:", Mark::Ok),
        ("fp:", Mark::KnownFalsePositive),
    ] {
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
                out.push((mark, rule));
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
    let key = common::dump;
    assert_eq!(key(&out), key(&relowered));
    // Without the project pass's shortcuts (every file analysed again, every callee summary
    // computed afresh), findings are the same too.
    let config = rampart_core::config::Config::parse(
        "[engines.sast]\nproject_shortcuts = false\n",
        &root.join("rampart.toml"),
    )
    .unwrap();
    let slow = scan(&root, &files, config);
    assert_eq!(key(&out), key(&slow));
    assert!(
        relowered
            .diagnostics
            .iter()
            .all(|d| !d.message.contains("time limit"))
    );
    let mut problems = Vec::new();
    // Per rule: (expect lines, ok lines).
    let mut per_rule: BTreeMap<String, (usize, usize)> =
        engine_rule_ids().into_iter().map(|r| (r, (0, 0))).collect();
    let mut marked: BTreeMap<(String, usize), Vec<(Mark, String)>> = BTreeMap::new();
    for (p, t) in &files {
        for (i, line) in t.lines().enumerate() {
            for (mark, rule) in markers(line) {
                let rule = format!("sast/{rule}");
                let Some(counts) = per_rule.get_mut(&rule) else {
                    problems.push(format!("{p}:{}: unknown rule {rule}", i + 1));
                    continue;
                };
                match mark {
                    Mark::Expect => counts.0 += 1,
                    Mark::Ok => counts.1 += 1,
                    Mark::KnownFalsePositive => {}
                }
                let fired = out.findings.iter().any(|f| {
                    f.rule_id == rule && f.location.path == *p && f.location.start_line == i + 1
                });
                let want = mark != Mark::Ok;
                if fired != want {
                    problems.push(format!(
                        "{p}:{}: {rule} {}",
                        i + 1,
                        match mark {
                            Mark::Expect => "missed",
                            Mark::Ok => "false positive",
                            Mark::KnownFalsePositive =>
                                "marked `fp:` but no longer reported (mark it `ok:`)",
                        }
                    ));
                }
                marked
                    .entry((p.clone(), i + 1))
                    .or_default()
                    .push((mark, rule));
            }
        }
    }
    // Every finding must be on a line that expects it (or lists it as a known false positive).
    for f in &out.findings {
        let at = (f.location.path.clone(), f.location.start_line);
        let expected = marked.get(&at).is_some_and(|m| {
            m.iter()
                .any(|(mark, rule)| *rule == f.rule_id && *mark != Mark::Ok)
        });
        if !expected {
            problems.push(format!(
                "{}:{}: {} reported on a line not marked `expect: {}`",
                at.0,
                at.1,
                f.rule_id,
                f.rule_id.trim_start_matches("sast/")
            ));
        }
    }
    for (rule, (expect, ok)) in &per_rule {
        if *expect < MIN_PER_RULE || *ok < MIN_PER_RULE {
            problems.push(format!(
                "{rule}: {expect} `expect:` and {ok} `ok:` lines, at least {MIN_PER_RULE} of each needed"
            ));
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The ids of every built-in rule.
fn engine_rule_ids() -> Vec<String> {
    SastEngine::new()
        .rules()
        .iter()
        .map(|r| r.id.clone())
        .collect()
}
