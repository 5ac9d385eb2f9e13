//! The rule prefilter (`[engines.sast] prefilter`, on by default): search rules whose literals a
//! file lacks are not tried, and Java files in which no search rule and no taint source can
//! match are parsed only if the project pass may call into them. Every test scans with and
//! without it and asserts the same findings (rule, place, fingerprint, paths).

mod common;

use rampart_core::config::Config;
use rampart_core::{Emitter, Engine, ScanContext, SourceFile, source::Origin};
use rampart_sast::SastEngine;
use std::path::{Path, PathBuf};

fn config(text: &str) -> Config {
    Config::parse(text, &Path::new("/nonexistent-root").join("rampart.toml")).unwrap()
}

fn off() -> Config {
    config("[engines.sast]\nprefilter = false\n")
}

/// Every finding with its place, fingerprint and paths, sorted.
fn dump(out: &Emitter) -> Vec<String> {
    let mut v: Vec<String> = out
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {} {} {:?} {:?}",
                f.rule_id, f.location, f.fingerprint, f.path_count, f.trace, f.more_traces
            )
        })
        .collect();
    v.sort();
    v
}

/// Scans `files` with the prefilter and without, asserts the same findings and returns the
/// scan with it.
fn same_both_ways<P: AsRef<str>, T: AsRef<str>>(files: &[(P, T)]) -> Emitter {
    let on = common::scan(Default::default(), files);
    let without = common::scan(off(), files);
    assert_eq!(dump(&on), dump(&without));
    on
}

fn at(path: &str, line: usize) -> (String, usize) {
    (path.to_string(), line)
}

/// The files under `dir`, as (path relative to `root`, text); `None` for a file that is not
/// UTF-8.
fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, String)>, dirs: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    dirs.push(dir.to_path_buf());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            collect(&p, root, out, dirs);
        } else if let Ok(text) = std::fs::read_to_string(&p) {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, text));
        }
    }
}

#[test]
fn every_fixture_directory_gives_the_same_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    collect(&root, &root, &mut files, &mut dirs);
    let engine = SastEngine::new();
    let wanted: Vec<(String, String)> = files
        .iter()
        .filter(|(p, _)| engine.wants(p))
        .cloned()
        .collect();
    // The whole tree as one project, then each directory (with what is below it) as its own:
    // a callee's file is then present or not, and other files ask for it.
    let whole = same_both_ways(&wanted);
    assert!(whole.findings.len() > 100, "{}", whole.findings.len());
    for d in &dirs {
        let rel = d
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let part: Vec<&(String, String)> = wanted
            .iter()
            .filter(|(p, _)| rel.is_empty() || p.starts_with(&format!("{rel}/")))
            .collect();
        if part.is_empty() || rel.is_empty() {
            continue;
        }
        let part: Vec<(String, String)> = part.into_iter().cloned().collect();
        let on = common::scan(Default::default(), &part);
        let without = common::scan(off(), &part);
        assert_eq!(dump(&on), dump(&without), "fixtures/{rel}");
    }
}

#[test]
fn every_rule_example_gives_the_same_findings() {
    let engine = SastEngine::new();
    let mut checked = 0;
    for rule in engine.rules() {
        for ex in &rule.examples {
            let path = ex.path.clone().unwrap_or_else(|| {
                let lang = rule.id.trim_start_matches("sast/");
                if lang.starts_with("python-") {
                    "example.py".into()
                } else if lang.starts_with("java-") {
                    "Example.java".into()
                } else if lang.starts_with("go-") {
                    "example.go".into()
                } else {
                    "example.jsx".into()
                }
            });
            let files = [(path.as_str(), ex.text.as_str())];
            let on = common::scan(Default::default(), &files);
            let without = common::scan(off(), &files);
            assert_eq!(dump(&on), dump(&without), "{} on {path}", rule.id);
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn java_callees_without_rule_literals_are_still_followed() {
    // `Text.java` and `Shapes.java` match no rule and no source: they are not parsed in the
    // per-file pass, and must still be the callees the servlet's input reaches.
    let servlet = "package com.acme.web;\n\nimport com.acme.util.Text;\nimport static com.acme.util.Shapes.square;\nimport java.sql.Connection;\nimport javax.servlet.http.HttpServletRequest;\n\nclass Report {\n  void doGet(HttpServletRequest req, Connection c) throws Exception {\n    String n = req.getParameter(\"n\");\n    c.createStatement().executeQuery(Text.constant(n));\n    c.createStatement().executeQuery(Text.same(n));\n    c.createStatement().executeQuery(new Text().digits(n));\n    c.createStatement().executeQuery(square(n));\n    c.createStatement().executeQuery(Local.keep(n));\n    c.createStatement().executeQuery(Local.drop(n));\n  }\n}\n";
    let text = "package com.acme.util;\n\npublic class Text {\n  public static String constant(String s) { return \"SELECT 1\"; }\n  public static String same(String s) { return s; }\n  public String digits(String s) { return String.valueOf(s.length()); }\n}\n";
    let shapes = "package com.acme.util;\n\npublic class Shapes {\n  public static String square(String s) { return \"[]\"; }\n}\n";
    // Same package, no import: `Local` of `com.acme.web`.
    let local = "package com.acme.web;\n\nclass Local {\n  static String keep(String s) { return \"(\" + s + \")\"; }\n  static String drop(String s) { return \"()\"; }\n}\n";
    // A file that declares nothing asked for (and has a syntax error: not parsed, no note).
    let idle = "package com.acme.other;\n\nclass Idle {\n  int count(int a) { return a +; }\n}\n";
    let out = same_both_ways(&[
        ("src/web/Report.java", servlet),
        ("src/util/Text.java", text),
        ("src/util/Shapes.java", shapes),
        ("src/web/Local.java", local),
        ("src/other/Idle.java", idle),
    ]);
    assert_eq!(
        common::places(&out, "sast/java-sql-injection"),
        vec![at("src/web/Report.java", 12), at("src/web/Report.java", 15)]
    );
    // Not parsed: its syntax errors are not noted (with the prefilter off they are).
    let noted = |e: &Emitter| {
        e.diagnostics
            .iter()
            .any(|d| d.path.as_deref() == Some("src/other/Idle.java"))
    };
    assert!(!noted(&out));
    let without = common::scan(
        off(),
        &[
            ("src/web/Report.java", servlet),
            ("src/other/Idle.java", idle),
        ],
    );
    assert!(noted(&without));
}

#[test]
fn java_a_class_declared_twice_resolves_as_without_the_prefilter() {
    // Two files declare `com.acme.util.Fix`; the first by path wins the class name, and it has
    // no `clean`: the call gets the default flow (a finding), as without the prefilter. Only
    // waking the file that has `clean` would hide the finding.
    let servlet = "package com.acme.web;\n\nimport com.acme.util.Fix;\nimport java.sql.Connection;\nimport javax.servlet.http.HttpServletRequest;\n\nclass Report {\n  void doGet(HttpServletRequest req, Connection c) throws Exception {\n    c.createStatement().executeQuery(Fix.clean(req.getParameter(\"n\")));\n  }\n}\n";
    let first = "package com.acme.util;\n\npublic class Fix {\n  public static String other(String s) { return s; }\n}\n";
    let second = "package com.acme.util;\n\npublic class Fix {\n  public static String clean(String s) { return \"SELECT 1\"; }\n}\n";
    let out = same_both_ways(&[
        ("src/a/Fix.java", first),
        ("src/b/Fix.java", second),
        ("src/web/Report.java", servlet),
    ]);
    assert_eq!(
        common::places(&out, "sast/java-sql-injection"),
        vec![at("src/web/Report.java", 9)]
    );
}

#[test]
fn java_a_sink_only_callee_reports_at_its_sink() {
    // `Dao.java` has a sink and no source: reported in it when a servlet passes input.
    let servlet = "package com.acme.web;\n\nimport com.acme.db.Dao;\nimport javax.servlet.http.HttpServletRequest;\n\nclass Report {\n  void doGet(HttpServletRequest req) throws Exception {\n    new Dao().find(req.getParameter(\"n\"));\n    new Dao().find(\"fixed\");\n  }\n}\n";
    let dao = "package com.acme.db;\n\nimport java.sql.Connection;\n\npublic class Dao {\n  private Connection c;\n  public void find(String name) throws Exception {\n    c.createStatement().executeQuery(\"SELECT * FROM t WHERE n = '\" + name + \"'\");\n  }\n}\n";
    let out = same_both_ways(&[("src/web/Report.java", servlet), ("src/db/Dao.java", dao)]);
    assert_eq!(
        common::places(&out, "sast/java-sql-injection"),
        vec![at("src/db/Dao.java", 8)]
    );
}

#[test]
fn python_helper_module_gives_the_same_findings() {
    let helpers = "def passthrough(v):\n    return v\n\ndef constant(v):\n    return 'ls'\n";
    let view = "import subprocess\nfrom flask import request\nfrom app.helpers import passthrough, constant\n\ndef run():\n    subprocess.call(passthrough(request.args['c']), shell=True)\n    subprocess.call(constant(request.args['c']), shell=True)\n";
    let out = same_both_ways(&[
        ("app/__init__.py", ""),
        ("app/helpers.py", helpers),
        ("app/view.py", view),
    ]);
    assert_eq!(
        common::places(&out, "sast/python-command-injection"),
        vec![at("app/view.py", 6)]
    );
}

#[test]
fn javascript_module_gives_the_same_findings() {
    let util = "function same(v) { return v; }\nfunction fixed(v) { return 'ls'; }\nmodule.exports = { same, fixed };\n";
    let app = "const { exec } = require('child_process');\nconst util = require('./util');\nconst express = require('express');\nconst app = express();\napp.get('/x', (req, res) => {\n  exec(util.same(req.query.c));\n  exec(util.fixed(req.query.c));\n});\n";
    let out = same_both_ways(&[("src/util.js", util), ("src/app.js", app)]);
    assert_eq!(
        common::places(&out, "sast/js-command-injection"),
        vec![at("src/app.js", 6)]
    );
}

#[test]
fn go_package_file_gives_the_same_findings() {
    let helpers = "package app\n\nfunc same(s string) string {\n\treturn s\n}\n\nfunc fixed(s string) string {\n\treturn \"ls\"\n}\n";
    let main = "package app\n\nimport (\n\t\"net/http\"\n\t\"os/exec\"\n)\n\nfunc handle(w http.ResponseWriter, r *http.Request) {\n\texec.Command(same(r.FormValue(\"c\"))).Run()\n\texec.Command(fixed(r.FormValue(\"c\"))).Run()\n}\n";
    let out = same_both_ways(&[("app/helpers.go", helpers), ("app/main.go", main)]);
    assert_eq!(
        common::places(&out, "sast/go-command-injection"),
        vec![at("app/main.go", 9)]
    );
}

#[test]
fn prefilter_must_be_a_boolean() {
    let ctx = ScanContext {
        root: Path::new("/nonexistent-root").to_path_buf(),
        config: config("[engines.sast]\nprefilter = \"yes\"\n"),
        show_secrets: false,
    };
    let err = SastEngine::new().start(&ctx).err().unwrap();
    assert!(err.contains("prefilter"), "{err}");
}

/// Scans `files` written under a fresh temporary root with `config`, each file read from disk
/// (so that its text may be dropped and read again).
fn scan_on_disk(name: &str, files: &[(&str, &str)], config: &str) -> Emitter {
    let root =
        std::env::temp_dir().join(format!("rampart-prefilter-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let ctx = ScanContext {
        root: root.clone(),
        config: Config::parse(config, &root.join("rampart.toml")).unwrap(),
        show_secrets: false,
    };
    let engine = SastEngine::new();
    let session = engine.start(&ctx).unwrap();
    let mut out = Emitter::default();
    for (p, t) in files {
        let abs = root.join(p);
        std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
        std::fs::write(&abs, t).unwrap();
        let mut f = SourceFile::new(*p, t.as_bytes().to_vec(), Origin::WorkTree);
        f.abs_path = Some(abs);
        session.scan_file(&f, &mut out);
    }
    session.finish(&mut out);
    std::fs::remove_dir_all(&root).unwrap();
    out
}

#[test]
fn java_unparsed_callee_read_again_from_disk_gives_the_same_findings() {
    let servlet = "package com.acme.web;\n\nimport com.acme.util.Text;\nimport java.sql.Connection;\nimport javax.servlet.http.HttpServletRequest;\n\nclass Report {\n  void doGet(HttpServletRequest req, Connection c) throws Exception {\n    String n = req.getParameter(\"n\");\n    c.createStatement().executeQuery(Text.constant(n));\n    c.createStatement().executeQuery(Text.same(n));\n  }\n}\n";
    let text = "package com.acme.util;\n\npublic class Text {\n  public static String constant(String s) { return \"SELECT 1\"; }\n  public static String same(String s) { return s; }\n}\n";
    let files = [
        ("src/web/Report.java", servlet),
        ("src/util/Text.java", text),
    ];
    let budgets = "max_kept_text_bytes = 0\nmax_kept_ir_nodes = 0\n";
    let on = scan_on_disk("on", &files, &format!("[engines.sast]\n{budgets}"));
    let without = scan_on_disk(
        "off",
        &files,
        &format!("[engines.sast]\nprefilter = false\n{budgets}"),
    );
    assert_eq!(dump(&on), dump(&without));
    assert!(on.diagnostics.is_empty(), "{:?}", on.diagnostics);
    assert_eq!(
        common::places(&on, "sast/java-sql-injection"),
        vec![at("src/web/Report.java", 11)]
    );
}
