//! The scan driver's editor support: in-memory content (overlay), scanning only some paths,
//! and cancellation.

use rampart_core::scan::{self, Progress, ScanOptions};
use rampart_core::{
    Emitter, Engine, EngineSession, Finding, Location, RuleMeta, ScanContext, SourceFile,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn rule() -> RuleMeta {
    rampart_core::testing::rule("t/bad", "bad")
}

/// Reports every `BAD` of `.txt` files; its project pass reports line 2 of `late.txt`.
struct Bad(Vec<RuleMeta>);

struct Session<'a>(&'a Bad);

impl Engine for Bad {
    fn name(&self) -> &'static str {
        "t"
    }
    fn rules(&self) -> &[RuleMeta] {
        &self.0
    }
    fn wants(&self, path: &str) -> bool {
        path.ends_with(".txt")
    }
    fn start(&self, _ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        Ok(Box::new(Session(self)))
    }
}

impl EngineSession for Session<'_> {
    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        let text = file.text();
        for (i, _) in text.match_indices("BAD") {
            out.finding(Finding::new(&self.0.0[0], file, i..i + 3, "bad"));
        }
    }
    fn finish(self: Box<Self>, out: &mut Emitter) {
        out.finding(Finding::at(
            &self.0.0[0],
            Location::line("late.txt", 2),
            "late",
        ));
    }
}

struct Cancel(AtomicBool);
impl Progress for Cancel {
    fn file_done(&self, _bytes: u64) {}
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

fn found(r: &scan::ScanResult) -> Vec<(String, usize, bool)> {
    let mut v: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.location.path.clone(),
                f.location.start_line,
                f.suppression.is_some(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn overlay_content_replaces_the_disk_and_new_documents_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a.txt"), "fine\n").unwrap();
    std::fs::write(root.join("late.txt"), "x\ny\n").unwrap();
    std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
    let engine = Bad(vec![rule()]);
    let mut overlay = BTreeMap::new();
    overlay.insert("a.txt".to_string(), b"ok\nBAD\n".to_vec());
    overlay.insert("new.txt".to_string(), b"BAD\n".to_vec());
    // The project pass's finding is read back against the overlay: its inline suppression.
    // (The marker is spelled out of MARKER so that rampart's self-scan does not read it here.)
    let comment = format!("# {} t/bad known\ny\n", rampart_core::suppress::MARKER);
    overlay.insert("late.txt".to_string(), comment.into_bytes());
    let opts = ScanOptions {
        overlay: Arc::new(overlay),
        ..ScanOptions::new(root)
    };
    let r = scan::run(&[&engine], &opts, &scan::NoProgress).unwrap();
    assert_eq!(
        found(&r),
        vec![
            ("a.txt".into(), 2, false),
            ("late.txt".into(), 2, true),
            ("new.txt".into(), 1, false),
        ]
    );
}

#[test]
fn only_scans_the_named_paths_within_the_ignore_rules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("ignored")).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
    for p in ["a.txt", "src/b.txt", "ignored/c.txt"] {
        std::fs::write(root.join(p), "BAD\n").unwrap();
    }
    let engine = Bad(vec![rule()]);
    let opts = ScanOptions {
        only: Some(vec!["src/b.txt".into(), "ignored/c.txt".into()]),
        ..ScanOptions::new(root)
    };
    let r = scan::run(&[&engine], &opts, &scan::NoProgress).unwrap();
    assert_eq!(r.stats.files_scanned, 1);
    // `late.txt` comes from the project pass, which still runs.
    assert_eq!(
        found(&r),
        vec![
            ("late.txt".into(), 2, false),
            ("src/b.txt".into(), 1, false)
        ]
    );
}

#[test]
fn a_cancelled_scan_reads_nothing_more_and_skips_project_passes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for i in 0..20 {
        std::fs::write(root.join(format!("{i}.txt")), "BAD\n").unwrap();
    }
    let engine = Bad(vec![rule()]);
    let progress = Cancel(AtomicBool::new(true));
    let r = scan::run(&[&engine], &ScanOptions::new(root), &progress).unwrap();
    assert_eq!(r.stats.files_scanned, 0);
    assert!(r.findings.is_empty());
}
