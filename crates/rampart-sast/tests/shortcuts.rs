//! The project pass's shortcuts (`[engines.sast] project_shortcuts`, on by default): files that
//! reach no taint source through the project are not analysed again, and the summaries an
//! analyzer computes on the way are reused by other callers. Each test scans a multi-file
//! project with and without them and asserts the same findings (rule, place, paths), and the
//! findings the project is written to have.

mod common;

use rampart_core::config::Config;
use std::path::Path;

fn config(text: &str) -> Config {
    Config::parse(text, &Path::new("/nonexistent-root").join("rampart.toml")).unwrap()
}

/// Scans `files` with the shortcuts and without, asserts the same findings and returns the
/// places (path, line) of `rule`'s.
fn same_both_ways(files: &[(&str, &str)], rule: &str) -> Vec<(String, usize)> {
    let fast = common::scan(Default::default(), files);
    let slow = common::scan(config("[engines.sast]\nproject_shortcuts = false\n"), files);
    assert_eq!(common::dump(&fast), common::dump(&slow));
    assert!(
        fast.diagnostics
            .iter()
            .all(|d| !d.message.contains("time limit"))
    );
    common::places(&fast, rule)
}

fn at(path: &str, line: usize) -> (String, usize) {
    (path.to_string(), line)
}

#[test]
fn go_input_returned_by_a_function_of_another_file_is_followed() {
    // `main.go` matches no source itself: the input comes from `form` in `input.go`, so the file
    // must still be analysed with the project (it reaches a file with a source).
    let input = "package app\n\nimport \"net/http\"\n\nfunc form(r *http.Request) string {\n\treturn r.FormValue(\"t\")\n}\n";
    let main = "package app\n\nimport (\n\t\"net/http\"\n\t\"os/exec\"\n)\n\nfunc handle(w http.ResponseWriter, r *http.Request) {\n\texec.Command(form(r)).Run()\n\trun(form(r))\n\trun(fixed(r))\n}\n";
    let tools = "package app\n\nimport (\n\t\"net/http\"\n\t\"os/exec\"\n)\n\nfunc run(name string) {\n\texec.Command(\"sh\", \"-c\", name).Run()\n}\n\nfunc fixed(r *http.Request) string {\n\treturn \"ls\"\n}\n";
    // A file that reaches no source: its call into `tools.go` carries no input.
    let quiet = "package app\n\nfunc chores() {\n\trun(\"date\")\n\trun(fixed(nil))\n}\n";
    let found = same_both_ways(
        &[
            ("app/input.go", input),
            ("app/main.go", main),
            ("app/tools.go", tools),
            ("app/quiet.go", quiet),
        ],
        "sast/go-command-injection",
    );
    assert_eq!(found, vec![at("app/main.go", 9), at("app/tools.go", 9)]);
}

#[test]
fn go_recursion_across_files_gives_the_same_findings() {
    // `walk` and `step` call each other across files; `outer` calls `inner` in its own file, and
    // `inner` is also called from a third file (its summary is reused when remembered).
    let a = "package app\n\nimport \"net/http\"\n\nfunc walk(s string, n int) string {\n\tif n == 0 {\n\t\treturn s\n\t}\n\treturn step(s, n)\n}\n\nfunc handle(w http.ResponseWriter, r *http.Request) {\n\touter(walk(r.FormValue(\"q\"), 3))\n}\n";
    let b = "package app\n\nimport \"os/exec\"\n\nfunc step(s string, n int) string {\n\treturn walk(s+\"/\", n-1)\n}\n\nfunc outer(s string) {\n\tinner(s)\n}\n\nfunc inner(s string) {\n\texec.Command(s).Run()\n}\n";
    let c = "package app\n\nimport \"net/http\"\n\nfunc other(w http.ResponseWriter, r *http.Request) {\n\tinner(r.Header.Get(\"X\"))\n\tinner(\"fixed\")\n}\n";
    let found = same_both_ways(
        &[("app/a.go", a), ("app/b.go", b), ("app/c.go", c)],
        "sast/go-command-injection",
    );
    assert_eq!(found, vec![at("app/b.go", 14)]);
}

#[test]
fn python_helpers_summarised_on_the_way_are_reused() {
    let db = "import sqlite3\n\ndef find(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")\n";
    let svc = "from app.db import find\n\ndef inner(cur, v):\n    find(cur, v.strip())\n\ndef outer(cur, v):\n    inner(cur, v)\n\ndef safe(cur, v):\n    find(cur, 'x')\n";
    let r1 = "from flask import request\nfrom app.svc import outer, safe\n\ndef view(cur):\n    outer(cur, request.args['a'])\n    safe(cur, request.args['b'])\n";
    let r2 = "from flask import request\nfrom app.svc import inner\n\ndef view(cur):\n    inner(cur, request.form['c'])\n";
    // A module no route reaches input through.
    let jobs = "from app.svc import inner\n\ndef nightly(cur):\n    inner(cur, 'all')\n";
    let found = same_both_ways(
        &[
            ("app/__init__.py", ""),
            ("app/db.py", db),
            ("app/svc.py", svc),
            ("app/r1.py", r1),
            ("app/r2.py", r2),
            ("app/jobs.py", jobs),
        ],
        "sast/python-sql-injection",
    );
    assert_eq!(found, vec![at("app/db.py", 4)]);
}

#[test]
fn java_fields_and_same_package_classes_give_the_same_findings() {
    // Reading instance fields makes summaries depend on the order methods ran in: they are not
    // reused, and the findings stay the same.
    let repo = "package com.acme.web;\n\nclass Repo {\n  private String last;\n  void remember(String s) { this.last = s; }\n  void find(Connection c, String name) throws Exception {\n    c.createStatement().executeQuery(\"SELECT * FROM t WHERE n = '\" + name + this.last + \"'\");\n  }\n  String wrap(String s) { return \"(\" + s + \")\"; }\n}\n";
    let web = "package com.acme.web;\n\nclass W extends HttpServlet {\n  private final Repo repo = new Repo();\n  void doGet(HttpServletRequest req, Connection conn) throws Exception {\n    String n = req.getParameter(\"n\");\n    repo.find(conn, repo.wrap(n));\n    repo.find(conn, \"x\");\n  }\n}\n";
    let util =
        "package com.acme.web;\n\nclass Util {\n  static String id(String s) { return s; }\n}\n";
    let found = same_both_ways(
        &[
            ("src/web/W.java", web),
            ("src/web/Repo.java", repo),
            ("src/web/Util.java", util),
        ],
        "sast/java-sql-injection",
    );
    assert_eq!(found, vec![at("src/web/Repo.java", 7)]);
}

#[test]
fn project_shortcuts_must_be_a_boolean() {
    let ctx = rampart_core::ScanContext {
        root: Path::new("/nonexistent-root").to_path_buf(),
        config: config("[engines.sast]\nproject_shortcuts = 1\n"),
        show_secrets: false,
    };
    use rampart_core::Engine;
    let err = rampart_sast::SastEngine::new().start(&ctx).err().unwrap();
    assert!(err.contains("project_shortcuts"), "{err}");
}
