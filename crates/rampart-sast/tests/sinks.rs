//! Taint findings stand at the sink: one finding per sink with every distinct path to it (a few
//! kept, all counted), whichever files the paths start in; fingerprints that do not depend on
//! the paths; and calls through module objects, which use the callee's summary.

mod common;

use common::dump;
use rampart_core::{Emitter, Engine, Finding, ScanContext, SourceFile, source::Origin};
use rampart_sast::SastEngine;
use std::path::Path;

fn scan_with(files: &[(String, String)], config: &str) -> Emitter {
    let e = SastEngine::new();
    let root = std::env::temp_dir();
    let ctx = ScanContext {
        root: root.clone(),
        config: rampart_core::config::Config::parse(config, &root.join("rampart.toml")).unwrap(),
        show_secrets: false,
    };
    let s = e.start(&ctx).unwrap();
    let mut out = Emitter::default();
    for (p, t) in files {
        s.scan_file(
            &SourceFile::new(p.clone(), t.as_bytes().to_vec(), Origin::WorkTree),
            &mut out,
        );
    }
    s.finish(&mut out);
    out
}

fn scan(files: &[(&str, &str)]) -> Emitter {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    scan_with(&files, "")
}

fn of_rule<'a>(out: &'a Emitter, rule: &str) -> Vec<&'a Finding> {
    let mut v: Vec<&Finding> = out.findings.iter().filter(|f| f.rule_id == rule).collect();
    v.sort_by(|a, b| a.location.cmp(&b.location));
    v
}

fn places(out: &Emitter, rule: &str) -> Vec<(String, usize)> {
    of_rule(out, rule)
        .iter()
        .map(|f| (f.location.path.clone(), f.location.start_line))
        .collect()
}

const CMD: &str = "sast/python-command-injection";
const SQL: &str = "sast/js-sql-injection";

const DB_PY: &str = "import sqlite3\n\ndef find(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")\n";

fn route(i: usize) -> String {
    format!(
        "from flask import request\nfrom app.db import find\n\ndef view{i}(cur):\n    find(cur, request.args['n{i}'])\n"
    )
}

/// A project where `n` route files call one SQL helper with request data.
fn project(n: usize, db: &str) -> Vec<(String, String)> {
    let mut files = vec![("app/db.py".to_string(), db.to_string())];
    for i in 0..n {
        files.push((format!("app/routes/r{i:02}.py"), route(i)));
    }
    files
}

#[test]
fn a_helper_called_from_many_files_is_one_finding_at_the_query() {
    let out = scan_with(&project(12, DB_PY), "");
    let found = of_rule(&out, "sast/python-sql-injection");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = found[0];
    assert_eq!(
        (f.location.path.as_str(), f.location.start_line),
        ("app/db.py", 4)
    );
    // Twelve distinct paths, ten kept, each from its route's source through its call.
    assert_eq!(f.path_count, 12);
    assert_eq!(f.traces().count(), rampart_sast::sinks::MAX_PATHS);
    for t in f.traces() {
        assert!(t[0].location.path.starts_with("app/routes/"), "{t:?}");
        assert!(
            t.iter().any(|s| s.message.contains("passed to `find`")),
            "{t:?}"
        );
        assert_eq!(t.last().unwrap().location.path, "app/db.py");
        assert_eq!(t.last().unwrap().location.start_line, 4);
    }
    let starts: Vec<&str> = f.traces().map(|t| t[0].location.path.as_str()).collect();
    assert_eq!(starts[0], "app/routes/r00.py");
    let mut sorted = starts.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), starts.len(), "distinct paths: {starts:?}");
}

#[test]
fn the_fingerprint_of_a_sink_does_not_depend_on_its_paths_or_lines() {
    let key = |out: &Emitter| {
        let f = of_rule(out, "sast/python-sql-injection")[0].clone();
        rampart_core::fingerprint::fingerprint(&f.rule_id, &f.location.path, &f.fingerprint_key)
    };
    let one = scan_with(&project(1, DB_PY), "");
    let many = scan_with(&project(7, DB_PY), "");
    let moved = format!("# a comment\n\n\n{DB_PY}");
    let shifted = scan_with(&project(3, &moved), "");
    assert_eq!(key(&one), key(&many));
    assert_eq!(key(&one), key(&shifted));
    assert_eq!(
        of_rule(&shifted, "sast/python-sql-injection")[0]
            .location
            .start_line,
        7
    );
}

#[test]
fn findings_do_not_depend_on_the_ir_budget_or_file_order() {
    let files = project(12, DB_PY);
    let base = scan_with(&files, "");
    let budget0 = scan_with(&files, "[engines.sast]\nmax_kept_ir_nodes = 0\n");
    let mut reversed = files.clone();
    reversed.reverse();
    let rev = scan_with(&reversed, "");
    assert_eq!(dump(&base), dump(&budget0));
    assert_eq!(dump(&base), dump(&rev));
}

#[test]
fn helpers_in_one_file_report_once_at_the_sink_with_each_call_as_a_path() {
    let src = "import os\nfrom flask import request\n\ndef run(c):\n    os.system(c)\n\ndef a():\n    run(request.args['a'])\n\ndef b():\n    run(request.form['b'])\n\ndef c():\n    run('ls')\n";
    let out = scan(&[("a.py", src)]);
    let found = of_rule(&out, CMD);
    assert_eq!(places(&out, CMD), vec![("a.py".into(), 5)]);
    let f = found[0];
    assert_eq!(f.path_count, 2);
    assert_eq!(f.more_traces.len(), 1);
    let calls: Vec<usize> = f
        .traces()
        .map(|t| {
            t.iter()
                .find(|s| s.message.contains("passed to `run`"))
                .unwrap()
                .location
                .start_line
        })
        .collect();
    assert_eq!(calls, vec![8, 11]);
}

#[test]
fn python_calls_through_module_objects_use_the_summary() {
    let clean =
        "import shlex\n\ndef quote(v):\n    return shlex.quote(v)\n\ndef same(v):\n    return v\n";
    let sinks = "import os\n\ndef run(v):\n    os.system(v)\n";
    let forms = [
        ("from pkg import clean, sinks\n", "clean", "sinks"),
        ("import pkg.clean as c\nimport pkg.sinks as s\n", "c", "s"),
        (
            "import pkg.clean\nimport pkg.sinks\n",
            "pkg.clean",
            "pkg.sinks",
        ),
    ];
    for (imports, c, s) in forms {
        let app = format!(
            "import os\nfrom flask import request\n{imports}\ndef view():\n    q = request.args['q']\n    os.system({c}.quote(q))\n    os.system({c}.same(q))\n    {s}.run(q)\n"
        );
        let line_same = imports.lines().count() + 7;
        let out = scan(&[
            ("pkg/__init__.py", ""),
            ("pkg/clean.py", clean),
            ("pkg/sinks.py", sinks),
            ("pkg/app.py", &app),
        ]);
        assert_eq!(
            places(&out, CMD),
            vec![("pkg/app.py".into(), line_same), ("pkg/sinks.py".into(), 4)],
            "{imports}"
        );
    }
}

#[test]
fn javascript_calls_through_module_objects_use_the_summary() {
    let clean_cjs = "function toId(v) { return parseInt(v, 10); }\nfunction same(v) { return v; }\nmodule.exports = { toId, same };\n";
    let clean_esm = "export function toId(v) { return parseInt(v, 10); }\nexport function same(v) { return v; }\nexport default { toId, same };\n";
    let sinks_js = "const db = require('mysql2').createPool({});\nfunction find(v) { return db.query('SELECT ' + v); }\nmodule.exports = { find };\n";
    let forms = [
        (
            "const c = require('./clean');\nconst s = require('./sinks');\n",
            "c",
            "s",
            clean_cjs,
        ),
        ("", "require('./clean')", "require('./sinks')", clean_cjs),
        (
            "import * as c from './clean';\nimport * as s from './sinks';\n",
            "c",
            "s",
            clean_esm,
        ),
        (
            "import c from './clean';\nconst s = require('./sinks');\n",
            "c",
            "s",
            clean_esm,
        ),
    ];
    for (imports, c, s, clean) in forms {
        let app = format!(
            "{imports}const db = require('mysql2').createPool({{}});\napp.get('/', (req, res) => {{\n  db.query('SELECT ' + {c}.toId(req.query.a));\n  db.query('SELECT ' + {c}.same(req.query.a));\n  {s}.find(req.query.b);\n}});\n"
        );
        let line_same = imports.lines().count() + 4;
        let out = scan(&[
            ("src/clean.js", clean),
            ("src/sinks.js", sinks_js),
            ("src/app.js", &app),
        ]);
        assert_eq!(
            places(&out, SQL),
            vec![("src/app.js".into(), line_same), ("src/sinks.js".into(), 2)],
            "{imports}"
        );
    }
}

/// Scans files written under a fresh folder (each with its path on disk, as the scanner reads
/// them), calling `between` before `finish`.
fn scan_on_disk(
    name: &str,
    files: &[(String, String)],
    config: &str,
    between: impl FnOnce(&Path),
) -> Emitter {
    let root = std::env::temp_dir().join(format!("rampart-sinks-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let e = SastEngine::new();
    let ctx = ScanContext {
        root: root.clone(),
        config: rampart_core::config::Config::parse(config, &root.join("rampart.toml")).unwrap(),
        show_secrets: false,
    };
    let s = e.start(&ctx).unwrap();
    let mut out = Emitter::default();
    for (p, t) in files {
        let abs = root.join(p);
        std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
        std::fs::write(&abs, t).unwrap();
        let mut f = SourceFile::new(p.clone(), t.as_bytes().to_vec(), Origin::WorkTree);
        f.abs_path = Some(abs);
        s.scan_file(&f, &mut out);
    }
    between(&root);
    s.finish(&mut out);
    std::fs::remove_dir_all(&root).unwrap();
    out
}

#[test]
fn text_read_again_from_disk_gives_the_same_findings() {
    let files = project(12, DB_PY);
    let kept = scan_on_disk("kept", &files, "", |_| {});
    let none_kept = scan_on_disk(
        "dropped",
        &files,
        "[engines.sast]\nmax_kept_text_bytes = 0\nmax_kept_ir_nodes = 0\n",
        |_| {},
    );
    assert_eq!(of_rule(&kept, "sast/python-sql-injection").len(), 1);
    assert_eq!(dump(&kept), dump(&none_kept));
    assert!(
        none_kept.diagnostics.is_empty(),
        "{:?}",
        none_kept.diagnostics
    );
}

#[test]
fn a_file_changed_before_the_project_pass_is_named_not_misread() {
    let files = project(2, DB_PY);
    let out = scan_on_disk(
        "changed",
        &files,
        "[engines.sast]\nmax_kept_text_bytes = 0\n",
        |root| std::fs::write(root.join("app/db.py"), "x = 1\n").unwrap(),
    );
    assert!(of_rule(&out, "sast/python-sql-injection").is_empty());
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.path.as_deref() == Some("app/db.py") && d.message.contains("changed")),
        "{:?}",
        out.diagnostics
    );
}
