//! Deeply nested input (generated here, at run time) is analysed on a thread with the default
//! 2 MiB stack of the scan's worker threads: the too-deep part is lowered as opaque code and
//! named in a diagnostic, findings outside it and in the other files are still reported, and
//! nothing overflows the stack (which would abort the whole process).

mod common;

use rampart_core::Emitter;

/// The stack of a scan worker thread (`ignore`, rayon and `std::thread` default to 2 MiB).
const WORKER_STACK: usize = 2 << 20;

const FLASK: &str = "from flask import request\n\ndef run():\n    eval(request.args['x'])\n";
const EXPRESS: &str = "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => { eval(req.query.code); });\n";

/// Scans `files` as one project on a thread with the worker stack. The per-file time bound is
/// raised far above what these files need: this test is about the stack, and a debug build on
/// a loaded machine may take longer than the default 3 s for the 100,000-term inputs (the time
/// bound has its own tests in `bounds.rs`).
fn scan_on_worker_stack(files: Vec<(String, String)>) -> Emitter {
    let config = rampart_core::config::Config::parse(
        // The generated files are single long lines: analysed although they look minified,
        // since these cases are about depth.
        "[engines.sast]\nfile_timeout_ms = 600000\nminified = true\n",
        std::path::Path::new("/nonexistent-root/rampart.toml"),
    )
    .expect("the test's configuration parses");
    std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(move || common::scan(config, &files))
        .unwrap()
        .join()
        .expect("the scan thread ends normally")
}

/// Scans `deep` (whose first lines hold an `eval` of its own) beside a planted finding in a
/// sibling file, and checks what must hold whatever the nesting.
fn check(name: &str, deep: String) {
    check_with(name, deep, true)
}

/// [`check`]; `opaque` says whether part of `deep` is too deep to lower (parentheses and
/// TypeScript types are skipped in a loop, so they never are).
fn check_with(name: &str, deep: String, opaque: bool) {
    let py = name.ends_with(".py");
    let (planted_path, planted) = if py {
        ("app/planted.py", FLASK)
    } else {
        ("app/planted.js", EXPRESS)
    };
    let own = if py {
        "from flask import request\neval(request.args['y'])\n"
    } else {
        "eval(location.hash);\n"
    };
    let path = format!("gen/{name}");
    let out = scan_on_worker_stack(vec![
        (path.clone(), format!("{own}{deep}\n")),
        (planted_path.to_string(), planted.to_string()),
    ]);
    let eval_rule = if py {
        "sast/python-eval-used"
    } else {
        "sast/js-eval-used"
    };
    let at = |p: &str, line: usize| {
        out.findings.iter().any(|f| {
            f.rule_id == eval_rule && f.location.path == p && f.location.start_line == line
        })
    };
    let summary = || {
        format!(
            "{:?}\n{:?}",
            out.diagnostics,
            out.findings
                .iter()
                .map(|f| (&f.rule_id, &f.location.path, f.location.start_line))
                .collect::<Vec<_>>()
        )
    };
    assert!(
        at(planted_path, if py { 4 } else { 3 }),
        "{name}: planted finding missing\n{}",
        summary()
    );
    assert!(
        at(&path, if py { 2 } else { 1 }),
        "{name}: finding before the deep part missing\n{}",
        summary()
    );
    assert!(
        out.diagnostics
            .iter()
            .all(|d| !d.message.contains("internal error")),
        "{name}: {}",
        summary()
    );
    assert_eq!(
        opaque,
        out.diagnostics
            .iter()
            .any(|d| d.path.as_deref() == Some(path.as_str())
                && d.message.contains("nested too deep")
                && d.message.contains("at line ")),
        "{name}: a diagnostic naming the too-deep place is expected: {opaque}\n{}",
        summary()
    );
}

fn rep(s: &str, n: usize) -> String {
    s.repeat(n)
}

/// Python: one more level of indentation per line.
fn indented(head: &str, n: usize, leaf: &str) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&" ".repeat(i));
        s.push_str(head);
        s.push('\n');
    }
    s.push_str(&" ".repeat(n));
    s.push_str(leaf);
    s
}

#[test]
fn javascript_nested_functions() {
    check("fns.js", rep("function f(){", 800) + &rep("}", 800));
}

#[test]
fn javascript_nested_blocks_and_ifs() {
    check("blocks.js", rep("{", 2000) + &rep("}", 2000));
    check("ifs.js", rep("if (a) {", 2000) + &rep("}", 2000));
    check("elseif.js", rep("if (a) { b(); } else ", 5000) + "{ c(); }");
}

#[test]
fn javascript_nested_expressions() {
    check_with(
        "parens.js",
        format!("x = {}1{};", rep("(", 16000), rep(")", 16000)),
        false,
    );
    check(
        "calls.js",
        format!("x = {}1{};", rep("f(", 5000), rep(")", 5000)),
    );
    check(
        "arrays.js",
        format!("x = {}1{};", rep("[", 5000), rep("]", 5000)),
    );
    check(
        "objects.js",
        format!("x = {}1{};", rep("{a: ", 5000), rep("}", 5000)),
    );
    check("arrows.js", format!("x = {}1;", rep("() => ", 3000)));
    check("members.js", format!("x = a{};", rep(".b", 20000)));
    check(
        "destructure.js",
        format!("const {}a{} = x;", rep("[", 3000), rep("]", 3000)),
    );
}

#[test]
fn javascript_long_binary_chains() {
    check("concat.js", format!("x = 'a'{};", rep(" + a", 100_000)));
}

#[test]
fn jsx_and_typescript_nesting() {
    check(
        "deep.jsx",
        format!("x = {}y{};", rep("<div>", 2000), rep("</div>", 2000)),
    );
    check_with(
        "types.ts",
        format!(
            "let x: {}string{} = y;\nz = {}1{};",
            rep("Array<", 3000),
            rep(">", 3000),
            rep("(", 3000),
            rep(")", 3000)
        ),
        false,
    );
}

#[test]
fn python_nested_expressions() {
    check(
        "parens.py",
        format!("x = {}1{}", rep("(", 16000), rep(")", 16000)),
    );
    check(
        "lists.py",
        format!("x = {}1{}", rep("[", 5000), rep("]", 5000)),
    );
    check(
        "dicts.py",
        format!("x = {}1{}", rep("{1: ", 5000), rep("}", 5000)),
    );
    check(
        "calls.py",
        format!("x = {}1{}", rep("f(", 5000), rep(")", 5000)),
    );
    check("lambdas.py", format!("x = {}1", rep("lambda: ", 3000)));
    check(
        "comps.py",
        format!("x = {}y{}", rep("[x for x in ", 2000), rep("]", 2000)),
    );
    check("concat.py", format!("x = 'a'{}", rep(" + a", 100_000)));
}

#[test]
fn python_nested_blocks() {
    check("ifs.py", indented("if a:", 1000, "b()"));
    check("defs.py", indented("def f():", 800, "pass"));
    check(
        "elif.py",
        format!(
            "if a:\n    pass\n{}else:\n    pass",
            rep("elif a:\n    pass\n", 10_000)
        ),
    );
}

#[test]
fn recursion_across_files_terminates() {
    // m0.f0 calls m1.f1 … calls m199.f199, which calls m0.f0 again: a cycle through 200 files,
    // with input entering at one end and a sink at the other.
    let n = 200;
    let mut files = Vec::new();
    for i in 0..n {
        let next = (i + 1) % n;
        files.push((
            format!("m{i}.py"),
            format!(
                "import os\nfrom m{next} import f{next}\n\ndef f{i}(x):\n    os.system(x)\n    return f{next}(x)\n"
            ),
        ));
    }
    files.push((
        "app.py".to_string(),
        "from flask import request\nfrom m0 import f0\n\ndef view():\n    f0(request.args['c'])\n"
            .to_string(),
    ));
    files.push(("app/planted.py".to_string(), FLASK.to_string()));
    let out = scan_on_worker_stack(files);
    assert!(
        out.diagnostics
            .iter()
            .all(|d| !d.message.contains("internal error")),
        "{:?}",
        out.diagnostics
    );
    assert!(
        out.findings
            .iter()
            .any(|f| f.location.path == "app/planted.py" && f.rule_id == "sast/python-eval-used")
    );
    // The flow into the first helper is followed, and reported at its sink.
    assert!(
        out.findings
            .iter()
            .any(|f| f.location.path == "m0.py" && f.rule_id == "sast/python-command-injection"),
        "{:?}",
        out.findings
            .iter()
            .map(|f| (&f.rule_id, &f.location.path))
            .collect::<Vec<_>>()
    );
}
