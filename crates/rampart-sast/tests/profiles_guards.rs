//! Source profiles (`[engines.sast] sources = "web" | "cli" | "all"`, `profile:` on a source)
//! and guard sanitisers (`guard: true`) in rule data.

mod common;

use rampart_core::config::Config;
use rampart_core::{Emitter, Engine, ScanContext};
use rampart_sast::SastEngine;
use rampart_sast::rules::parse_rules;
use std::path::Path;

fn config(text: &str) -> Config {
    Config::parse(text, Path::new("/nonexistent-root/rampart.toml")).unwrap()
}

fn lines(out: &Emitter, rule: &str) -> Vec<usize> {
    let mut v: Vec<usize> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| f.location.start_line)
        .collect();
    v.sort();
    v
}

const CLI_PY: &str = "import subprocess, sys\nfrom flask import request\n\
def main():\n    subprocess.run('ping ' + sys.argv[1], shell=True)\n\
def view():\n    subprocess.run('ping ' + request.args['h'], shell=True)\n";

const CLI_JS: &str = "const { exec } = require('child_process');\n\
exec('ping ' + process.argv[2]);\n\
exec('ping ' + process.env.HOST);\n";

#[test]
fn the_default_web_profile_has_no_command_line_sources() {
    let out = common::scan(Config::default(), &[("t.py", CLI_PY), ("t.js", CLI_JS)]);
    assert_eq!(lines(&out, "sast/python-command-injection"), vec![6]);
    assert!(lines(&out, "sast/js-command-injection").is_empty());
}

#[test]
fn the_cli_profile_has_only_command_line_sources() {
    let out = common::scan(
        config("[engines.sast]\nsources = \"cli\"\n"),
        &[("t.py", CLI_PY), ("t.js", CLI_JS)],
    );
    assert_eq!(lines(&out, "sast/python-command-injection"), vec![4]);
    assert_eq!(lines(&out, "sast/js-command-injection"), vec![2, 3]);
}

#[test]
fn the_all_profile_has_both() {
    let out = common::scan(
        config("[engines.sast]\nsources = \"ALL\"\n"),
        &[("t.py", CLI_PY)],
    );
    assert_eq!(lines(&out, "sast/python-command-injection"), vec![4, 6]);
}

#[test]
fn an_unknown_profile_is_a_clear_error() {
    let ctx = ScanContext {
        root: Path::new("/nonexistent-root").to_path_buf(),
        config: config("[engines.sast]\nsources = \"desktop\"\n"),
        show_secrets: false,
    };
    let err = SastEngine::new().start(&ctx).err().expect("an error");
    assert!(
        err.contains("[engines.sast] sources") && err.contains("desktop"),
        "{err}"
    );
    let ctx = ScanContext {
        config: config("[engines.sast]\nsources = 3\n"),
        ..ctx
    };
    let err = SastEngine::new().start(&ctx).err().expect("an error");
    assert!(err.contains("\"web\", \"cli\" or \"all\""), "{err}");
}

#[test]
fn a_bad_profile_in_a_rule_names_the_rule() {
    let yaml = "id: bad-profile-rule\nlanguages: [python]\nmode: taint\npattern-sources:\n  - pattern: input(...)\n    profile: desktop\npattern-sinks:\n  - pattern: eval(...)\n";
    let err = parse_rules(yaml).expect_err("an error").to_string();
    assert!(
        err.contains("desktop") && err.contains("bad-profile-rule"),
        "{err}"
    );
}

#[test]
fn a_guard_without_focus_is_rejected() {
    let yaml = "id: g\nlanguages: [python]\nmode: taint\npattern-sources:\n  - pattern: input(...)\npattern-sinks:\n  - pattern: eval(...)\npattern-sanitizers:\n  - pattern: $X in $A\n    guard: true\n";
    let err = parse_rules(yaml).expect_err("an error").to_string();
    assert!(err.contains("focus-metavariable"), "{err}");
}

/// A user taint rule whose sanitiser `is_ok(x)` is a guard.
const GUARDED: &str = "id: py-guarded\nmessage: m\nlanguages: [python]\nmode: taint\n\
pattern-sources:\n  - pattern: source()\n\
pattern-sinks:\n  - pattern: sink(...)\n\
pattern-sanitizers:\n  - patterns:\n      - pattern: is_ok($X)\n      - focus-metavariable: $X\n    guard: true\n";

/// A user rule with a guard sanitiser: the guarded branch is clean, the other is not, and a
/// branch that raises does not fall through.
#[test]
fn guard_sanitisers_clean_only_the_guarded_branch() {
    let code = "def f():\n    x = source()\n    if is_ok(x):\n        sink(x)\n    else:\n        sink(x)\n\
def g():\n    x = source()\n    if not is_ok(x):\n        raise ValueError(x)\n    sink(x)\n\
def h():\n    x = source()\n    if is_ok(x) and x:\n        sink(x)\n    if is_ok(x) or x:\n        sink(x)\n\
def k():\n    x = source()\n    y = source()\n    if not is_ok(x):\n        log(x)\n    sink(x)\n    if is_ok(x):\n        sink(y)\n";
    let out = common::scan_rules(GUARDED, &[("g.py", code)]);
    // f: the else branch (6); g: nothing; h: the `or` branch (17); k: the check does not
    // stop the flow when its branch falls through (23), and it does not clean another value (25).
    assert_eq!(lines(&out, "sast/py-guarded"), vec![6, 17, 23, 25]);
}

#[test]
fn guards_in_conditional_expressions_and_in_or_conditions() {
    let code = "def f():\n    x = source()\n    sink(x if x and is_ok(x) else None)\n\
def g():\n    x = source()\n    sink(None if is_ok(x) else x)\n\
def h():\n    x = source()\n    y = x if is_ok(x) else None\n    sink(x)\n\
def k():\n    x = source()\n    if not x or not is_ok(x):\n        return None\n    sink(x)\n\
def m():\n    x = source()\n    if not is_ok(x) and x:\n        raise ValueError()\n    sink(x)\n";
    let out = common::scan_rules(GUARDED, &[("c.py", code)]);
    // f: the guarded arm is clean; g: the other arm is not; h: the check cleans only inside
    // the expression, not `x` after it; k: past `if not x or not ok(x): return` the check held;
    // m: past `if not ok(x) and x: raise` it need not have (x may be empty).
    assert_eq!(lines(&out, "sast/py-guarded"), vec![6, 10, 20]);
}

const CLI_JAVA: &str = "import javax.servlet.http.*;\nimport java.io.File;\n\
public class Tool extends HttpServlet {\n\
  public static void main(String[] args) throws Exception {\n\
    Runtime.getRuntime().exec(\"ping \" + args[0]);\n\
    Runtime.getRuntime().exec(\"ping \" + System.getenv(\"HOST\"));\n\
    new File(System.getProperty(\"user.dir\") + \"/x\").delete();\n\
  }\n\
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws Exception {\n\
    Runtime.getRuntime().exec(\"ping \" + req.getParameter(\"h\"));\n\
  }\n\
  static void helper(String[] args) throws Exception {\n\
    Runtime.getRuntime().exec(\"ping \" + args[0]);\n\
  }\n\
}\n";

#[test]
fn java_environment_sources_belong_to_the_cli_profile() {
    let web = common::scan(Config::default(), &[("Tool.java", CLI_JAVA)]);
    assert_eq!(lines(&web, "sast/java-command-injection"), vec![10]);
    assert!(lines(&web, "sast/java-path-traversal").is_empty());
    let cli = common::scan(
        config("[engines.sast]\nsources = \"cli\"\n"),
        &[("Tool.java", CLI_JAVA)],
    );
    // `main`'s `args` and the environment; `helper`'s `args` is an ordinary parameter.
    assert_eq!(lines(&cli, "sast/java-command-injection"), vec![5, 6]);
    assert_eq!(lines(&cli, "sast/java-path-traversal"), vec![7]);
    let all = common::scan(
        config("[engines.sast]\nsources = \"all\"\n"),
        &[("Tool.java", CLI_JAVA)],
    );
    assert_eq!(lines(&all, "sast/java-command-injection"), vec![5, 6, 10]);
}

const CLI_GO: &str = "package main\n\n\
import (\n\t\"net/http\"\n\t\"os\"\n\t\"os/exec\"\n)\n\n\
func main() {\n\
\texec.Command(\"sh\", \"-c\", \"ping \"+os.Args[1]).Run()\n\
\texec.Command(\"sh\", \"-c\", \"ping \"+os.Getenv(\"HOST\")).Run()\n\
\tos.ReadFile(os.Args[2])\n\
}\n\n\
func handle(w http.ResponseWriter, r *http.Request) {\n\
\texec.Command(\"sh\", \"-c\", \"ping \"+r.FormValue(\"h\")).Run()\n\
}\n";

#[test]
fn go_arguments_and_environment_belong_to_the_cli_profile() {
    let web = common::scan(Config::default(), &[("tool.go", CLI_GO)]);
    assert_eq!(lines(&web, "sast/go-command-injection"), vec![16]);
    assert!(lines(&web, "sast/go-path-traversal").is_empty());
    let cli = common::scan(
        config("[engines.sast]\nsources = \"cli\"\n"),
        &[("tool.go", CLI_GO)],
    );
    assert_eq!(lines(&cli, "sast/go-command-injection"), vec![10, 11]);
    assert_eq!(lines(&cli, "sast/go-path-traversal"), vec![12]);
    let all = common::scan(
        config("[engines.sast]\nsources = \"all\"\n"),
        &[("tool.go", CLI_GO)],
    );
    assert_eq!(lines(&all, "sast/go-command-injection"), vec![10, 11, 16]);
}
