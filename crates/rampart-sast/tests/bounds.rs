//! Per-file bounds: a file over the IR size or time limit is named in a diagnostic, and the
//! other files of the scan are still analysed.

mod common;

use rampart_core::config::Config;
use rampart_core::{Emitter, Engine, ScanContext};
use rampart_sast::SastEngine;
use std::path::Path;

const VULNERABLE: &str = "import subprocess\nfrom flask import request\n\ndef run():\n    subprocess.call(request.args['cmd'], shell=True)\n";

/// A generated module: many functions, each passing data through deeply nested calls.
fn pathological(functions: usize, depth: usize) -> String {
    let mut s = String::from("from flask import request\nimport os\n");
    for i in 0..functions {
        let mut e = "request.args['x']".to_string();
        for _ in 0..depth {
            e = format!("f({e}, [{e}])");
        }
        s.push_str(&format!(
            "def g{i}(a):\n    v = {e}\n    os.system(v)\n    return g{}(v)\n",
            i + 1
        ));
    }
    s
}

/// Scans `files` with the configuration `toml`.
fn scan(toml: &str, files: &[(&str, String)]) -> Emitter {
    let config = Config::parse(toml, Path::new("/nonexistent-root/rampart.toml")).unwrap();
    common::scan(config, files)
}

#[test]
fn a_file_over_the_ir_bound_is_named_and_the_scan_goes_on() {
    let files = [
        ("gen/huge.py", pathological(300, 4)),
        ("app/run.py", VULNERABLE.to_string()),
    ];
    let out = scan("[engines.sast]\nmax_ir_nodes = 20000\n", &files);
    let diags: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("max_ir_nodes"))
        .collect();
    assert_eq!(diags.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(diags[0].path.as_deref(), Some("gen/huge.py"));
    assert!(
        diags[0].message.contains("20000 node limit"),
        "{}",
        diags[0].message
    );
    // Nothing is reported in the file that was not analysed; the other file is.
    assert!(
        out.findings
            .iter()
            .all(|f| f.location.path != "gen/huge.py")
    );
    assert!(
        out.findings.iter().any(
            |f| f.location.path == "app/run.py" && f.rule_id == "sast/python-command-injection"
        ),
        "{:?}",
        out.findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
    );
    // Under the default node bound the same file is analysed (the time bound raised: a debug
    // build on a loaded machine may need more than the default 3 s for it, which is not what
    // this test is about).
    let out = scan("[engines.sast]\nfile_timeout_ms = 600000\n", &files);
    assert!(
        out.diagnostics
            .iter()
            .all(|d| d.path.as_deref() != Some("gen/huge.py")),
        "{:?}",
        out.diagnostics
    );
    assert!(
        out.findings
            .iter()
            .any(|f| f.location.path == "gen/huge.py")
    );
}

#[test]
fn a_file_over_the_time_bound_is_named_and_the_scan_goes_on() {
    // 1 ms is far less than this file needs (its parse alone takes longer), whatever the machine.
    let files = [
        ("gen/slow.py", pathological(2000, 5)),
        ("app/run.py", VULNERABLE.to_string()),
    ];
    let out = scan("[engines.sast]\nfile_timeout_ms = 1\n", &files);
    let slow: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.path.as_deref() == Some("gen/slow.py"))
        .collect();
    assert!(
        slow.iter()
            .any(|d| d.message.contains("time limit") && d.message.contains("1 ms")),
        "{:?}",
        out.diagnostics
    );
    // The scan went on to the other file; whether 1 ms was enough for it depends on the
    // machine, but if it was not, it is named too.
    assert!(
        out.findings.iter().any(|f| f.location.path == "app/run.py")
            || out
                .diagnostics
                .iter()
                .any(|d| d.path.as_deref() == Some("app/run.py") && d.message.contains("1 ms"))
    );
}

#[test]
fn long_call_chains_do_not_exhaust_the_stack() {
    // g0 calls g1 … calls g2999: summaries are computed depth-first, the chain is cut.
    let files = [("gen/chain.py", pathological(3000, 0))];
    // A generous time bound: this test is about the stack, and a loaded machine must not turn it
    // into a test of the per-file time limit (which `a_file_over_the_time_bound_is_named_and_the_scan_goes_on` covers).
    let out = scan("[engines.sast]\nfile_timeout_ms = 600000\n", &files);
    assert!(
        out.diagnostics
            .iter()
            .all(|d| !d.message.contains("internal error"))
    );
    let hits = out
        .findings
        .iter()
        .filter(|f| f.rule_id == "sast/python-command-injection")
        .count();
    assert_eq!(hits, 3000);
}

#[test]
fn bounds_must_be_positive_integers() {
    let root = Path::new("/nonexistent-root");
    for toml in [
        "[engines.sast]\nmax_ir_nodes = 0\n",
        "[engines.sast]\nfile_timeout_ms = \"3s\"\n",
        "[engines.sast]\nmax_kept_ir_nodes = -1\n",
    ] {
        let ctx = ScanContext {
            root: root.to_path_buf(),
            config: Config::parse(toml, &root.join("rampart.toml")).unwrap(),
            show_secrets: false,
        };
        let err = SastEngine::new().start(&ctx).err().expect(toml);
        assert!(err.contains("[engines.sast]"), "{err}");
    }
}

/// A bundled script: a webpack-like chunk on one long line, with an `eval` of a variable.
fn bundle() -> String {
    let mut s = String::from("/*! bundle */\n(()=>{");
    for i in 0..400 {
        s.push_str(&format!("var a{i}=function(e){{return e+{i}}};"));
    }
    s.push_str("var q=location.hash;eval(q);})();\n");
    s
}

#[test]
fn minified_scripts_are_skipped_with_a_note_unless_asked_for() {
    let hand = "const q = location.hash;\neval(q);\n".to_string();
    let files = [
        ("static/js/core.js", bundle()),
        ("src/app.js", hand.clone()),
    ];
    let out = scan("", &files);
    let notes: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("minified or bundled"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(notes[0].path.as_deref(), Some("static/js/core.js"));
    assert!(
        out.findings
            .iter()
            .all(|f| f.location.path != "static/js/core.js")
    );
    assert!(out.findings.iter().any(|f| f.location.path == "src/app.js"));
    // Asked for, the bundle is analysed like any other file.
    let out = scan("[engines.sast]\nminified = true\n", &files);
    assert!(
        out.findings
            .iter()
            .any(|f| f.location.path == "static/js/core.js")
    );
    assert!(
        !out.diagnostics
            .iter()
            .any(|d| d.message.contains("minified or bundled"))
    );
    // A wrong value names the option.
    let config = Config::parse(
        "[engines.sast]\nminified = \"yes\"\n",
        Path::new("/nonexistent-root/rampart.toml"),
    )
    .unwrap();
    let ctx = ScanContext {
        root: std::env::temp_dir(),
        config,
        show_secrets: false,
    };
    let err = SastEngine::new().start(&ctx).err().expect("rejected");
    assert!(err.contains("minified must be true or false"), "{err}");
}

#[test]
fn generated_scripts_are_skipped_with_a_note_unless_asked_for() {
    // Build output: readable lines, but its last line names the source map it was built with.
    let built = "const q = location.hash;\neval(q);\n//# sourceMappingURL=app-3f2a.js.map\n";
    // The comment elsewhere than at the end, or in TypeScript sources, is no such mark.
    let quoted = "// see //# sourceMappingURL= below\nconst q = location.hash;\neval(q);\n";
    let files = [
        ("dist/app-3f2a.js", built.to_string()),
        ("src/quoted.js", quoted.to_string()),
        ("src/app.ts", built.to_string()),
    ];
    let out = scan("", &files);
    let notes: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("generated JavaScript"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(notes[0].path.as_deref(), Some("dist/app-3f2a.js"));
    let paths: Vec<&str> = out
        .findings
        .iter()
        .map(|f| f.location.path.as_str())
        .collect();
    assert!(!paths.contains(&"dist/app-3f2a.js"), "{paths:?}");
    assert!(paths.contains(&"src/quoted.js"), "{paths:?}");
    assert!(paths.contains(&"src/app.ts"), "{paths:?}");
    let out = scan("[engines.sast]\nminified = true\n", &files);
    assert!(
        out.findings
            .iter()
            .any(|f| f.location.path == "dist/app-3f2a.js")
    );
}
