//! Taint behaviour: dead branches, sanitisers, overwritten variables, dict keys, helpers in the
//! same file and in another file, and lowering of the constructs involved.

mod common;

use common::places as lines;
use rampart_core::Emitter;

fn scan(files: &[(&str, &str)]) -> Emitter {
    common::scan(Default::default(), files)
}

const CMD: &str = "sast/python-command-injection";

#[test]
fn dead_branch_from_the_issue_is_not_a_finding() {
    let src = "import os\nfrom flask import request\ndef f():\n    x = \"safe\" if 7 > 3 else request.args[\"q\"]\n    os.system(x)\n    y = request.args[\"q\"] if 7 > 3 else \"safe\"\n    os.system(y)\n    if False:\n        os.system(request.args['q'])\n";
    assert_eq!(
        lines(&scan(&[("a.py", src)]), CMD),
        vec![("a.py".into(), 7)]
    );
}

#[test]
fn sanitisers_and_overwrites_stop_taint() {
    let src = "import os, shlex\nfrom flask import request\ndef f():\n    x = request.args['q']\n    os.system(shlex.quote(x))\n    x = 'ls'\n    os.system(x)\n    y = request.args['q']\n    os.system(y)\n";
    assert_eq!(
        lines(&scan(&[("a.py", src)]), CMD),
        vec![("a.py".into(), 9)]
    );
}

#[test]
fn records_looked_up_by_an_input_key_are_stored_data() {
    // The ORM returns rows, not the key; an HTTP client's get returns what the URL holds; a
    // lookup on input itself (`request.args.get`) is input.
    let src = "import os, requests\nfrom flask import request\ndef f():\n    o = Order.objects.get(number=request.args['n'])\n    os.system(o.path)\n    rows = Order.objects.filter(owner=request.args['u']).first()\n    os.system(rows.cmd)\n    r = requests.get(request.args['u'])\n    os.system(r.text)\n    os.system(request.args.get('c'))\n";
    assert_eq!(
        lines(&scan(&[("a.py", src)]), CMD),
        vec![("a.py".into(), 9), ("a.py".into(), 10)]
    );
}

#[test]
fn cache_lookups_and_constant_key_reads_are_stored_data() {
    // A cache answers with what was stored under the key, not with the key; `m.get("k")` and
    // `m.pop("k")` read what is stored under that key only, here and in another function (the
    // base of a longer access holds only what was stored at it).
    let src = "import os\nfrom flask import request, session\nfrom django.core.cache import cache\n\
def f():\n    page = cache.get('page:' + request.args['p'])\n    os.system(page)\n\
    d = {}\n    d['bad'] = request.args['q']\n    os.system(d.get('good', 'ls'))\n    os.system(d.get('bad'))\n\
    os.system(d.pop('bad', ''))\n    os.system(request.args.get('c'))\n\
def store():\n    session['next'] = request.args['next']\n\
def later():\n    os.system(session.get('idp'))\n    os.system(session['idp'])\n    os.system(session.get('next'))\n";
    assert_eq!(
        lines(&scan(&[("a.py", src)]), CMD),
        vec![
            ("a.py".into(), 10),
            ("a.py".into(), 11),
            ("a.py".into(), 12),
            ("a.py".into(), 18)
        ]
    );
}

#[test]
fn dict_keys_are_tracked_separately() {
    let src = "import os\nfrom flask import request\ndef f():\n    d = {'safe': 'ls', 'bad': request.args['q']}\n    os.system(d['safe'])\n    os.system(d['bad'])\n    e = {}\n    e['k'] = request.args['q']\n    e['j'] = 'ok'\n    os.system(e['j'])\n    os.system(e['k'])\n";
    assert_eq!(
        lines(&scan(&[("a.py", src)]), CMD),
        vec![("a.py".into(), 6), ("a.py".into(), 11)]
    );
}

#[test]
fn helpers_in_the_same_file_are_summarised() {
    let src = "import os\nfrom flask import request\ndef run(c):\n    os.system(c)\ndef clean(c):\n    return 'ls'\ndef same(c):\n    return c\ndef f():\n    run(request.args['q'])\n    os.system(clean(request.args['q']))\n    os.system(same(request.args['q']))\n";
    let out = scan(&[("a.py", src)]);
    // The flow through `run` is reported at its sink (line 4), where the fix goes.
    assert_eq!(
        lines(&out, CMD),
        vec![("a.py".into(), 4), ("a.py".into(), 12)]
    );
    let f = out
        .findings
        .iter()
        .find(|f| f.location.start_line == 4)
        .unwrap();
    let msgs: Vec<&str> = f.trace.iter().map(|t| t.message.as_str()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("passed to `run`")),
        "{msgs:?}"
    );
    assert_eq!(f.trace.last().unwrap().location.start_line, 4);
    assert!(f.trace.iter().any(|t| t.location.start_line == 10));
}

#[test]
fn helpers_in_other_files_are_followed() {
    let helper = "import os\ndef run(cmd):\n    os.system(cmd)\ndef safe(cmd):\n    return 'ls'\n";
    let app = "from flask import request\nfrom .helpers import run, safe\ndef f():\n    run(request.args['q'])\n    run(safe(request.args['q']))\n";
    let out = scan(&[("pkg/helpers.py", helper), ("pkg/app.py", app)]);
    // Reported at the sink in the helper, with the call site in the trace.
    assert_eq!(lines(&out, CMD), vec![("pkg/helpers.py".into(), 3)]);
    let f = &out.findings.iter().find(|f| f.rule_id == CMD).unwrap();
    assert!(f.trace.iter().any(|t| t.location.path == "pkg/app.py"));

    let h = "const { exec } = require('child_process');\nfunction run(c) { exec(c); }\nmodule.exports = { run };\n";
    let a =
        "const { run } = require('./util');\napp.get('/', (req, res) => { run(req.query.c); });\n";
    let out = scan(&[("src/util.js", h), ("src/app.js", a)]);
    assert_eq!(
        lines(&out, "sast/js-command-injection"),
        vec![("src/util.js".into(), 2)]
    );
}

#[test]
fn string_building_and_collections_carry_taint() {
    let src = "import os\nfrom flask import request\ndef f():\n    q = request.args['q']\n    os.system(f'ls {q}')\n    os.system('ls %s' % q)\n    os.system('ls {}'.format(q))\n    parts = []\n    parts.append(q)\n    os.system(' '.join(parts))\n";
    assert_eq!(
        lines(&scan(&[("a.py", src)]), CMD),
        vec![
            ("a.py".into(), 5),
            ("a.py".into(), 6),
            ("a.py".into(), 7),
            ("a.py".into(), 10)
        ]
    );
    let js = "app.get('/', (req, res) => {\n  const { name } = req.query;\n  res.send(`<b>${name}</b>`);\n});\n";
    assert_eq!(
        lines(&scan(&[("a.ts", js)]), "sast/js-xss"),
        vec![("a.ts".into(), 3)]
    );
}

#[test]
fn broken_and_oversized_files_are_reported_not_dropped() {
    let out = scan(&[(
        "bad.py",
        "from flask import request\ndef f(:\n  import os\n  os.system(request.args['c'])\n",
    )]);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("syntax errors"))
    );
    assert_eq!(lines(&out, CMD), vec![("bad.py".into(), 4)]);
    let big = "x = 1\n".repeat(400_000);
    let out = scan(&[("big.py", &big)]);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("byte limit"))
    );
}

#[test]
fn instance_fields_flow_between_methods_in_any_order() {
    let src = "import os\nfrom flask import request\nclass Job:\n    def run(self):\n        os.system(self.target)\n        os.system(self.tool)\n    def load(self):\n        self.target = request.args['t']\n        self.tool = 'tar'\n";
    assert_eq!(
        lines(&scan(&[("a.py", src)]), CMD),
        vec![("a.py".into(), 5)]
    );
    let js = "const { exec } = require('child_process');\nclass Job {\n  run() { exec(this.target); exec(this.tool); }\n  load(req) { this.target = req.query.t; this.tool = 'tar'; }\n}\n";
    assert_eq!(
        lines(&scan(&[("a.js", js)]), "sast/js-command-injection"),
        vec![("a.js".into(), 3)]
    );
}

#[test]
fn closures_see_tainted_variables_of_enclosing_functions() {
    let src = "import os\nfrom flask import request\ndef outer():\n    cmd = request.args['c']\n    safe = 'ls'\n    def inner():\n        os.system(cmd)\n        os.system(safe)\n    return inner\n";
    assert_eq!(
        lines(&scan(&[("a.py", src)]), CMD),
        vec![("a.py".into(), 7)]
    );
}

#[test]
fn pattern_inside_and_not_inside_work_in_taint_rules() {
    let rule = r#"rules:
  - id: admin-shell
    message: "Input reaches a shell outside an admin check, in a route"
    severity: ERROR
    languages: [python]
    mode: taint
    pattern-sources:
      - pattern: flask.request.args
    pattern-sinks:
      - patterns:
          - pattern-inside: |
              @$APP.route(...)
              def $F(...): ...
          - pattern-not-inside: |
              if is_admin(): ...
          - pattern-not-inside: audit(...)
          - pattern: os.system(...)
"#;
    let src = "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n@app.route('/a')\ndef a():\n    q = request.args['q']\n    os.system(q)\n    if is_admin():\n        os.system(q)\n    audit(os.system(q))\ndef helper():\n    os.system(request.args['q'])\n";
    let out = common::scan_rules(rule, &[("a.py", src)]);
    assert_eq!(lines(&out, "sast/admin-shell"), vec![("a.py".into(), 7)]);
}

/// The function of each step of `f`'s trace, in order.
fn functions(f: &rampart_core::Finding) -> Vec<Option<&str>> {
    f.trace.iter().map(|t| t.function.as_deref()).collect()
}

#[test]
fn trace_steps_name_their_function() {
    // Python: a method is qualified by its class, a nested function by its enclosing one, and
    // a helper of another file by its own name.
    let helper = "import os\ndef run(cmd):\n    os.system(cmd)\n";
    let app = "from flask import request\nfrom .helpers import run\nclass UserService:\n    def find(self):\n        def inner():\n            run(request.args['q'])\n        inner()\n";
    let out = scan(&[("pkg/helpers.py", helper), ("pkg/app.py", app)]);
    let f = out.findings.iter().find(|f| f.rule_id == CMD).unwrap();
    let fs = functions(f);
    assert_eq!(
        fs.first(),
        Some(&Some("UserService.find.inner")),
        "{:?}",
        f.trace
    );
    assert_eq!(fs.last(), Some(&Some("run")), "{:?}", f.trace);
    assert!(
        f.trace.iter().all(|t| t.function.is_some()),
        "{:?}",
        f.trace
    );

    // Module top level: no function.
    let top = "import os\nfrom flask import request\nos.system(request.args['q'])\n";
    let out = scan(&[("top.py", top)]);
    let f = out.findings.iter().find(|f| f.rule_id == CMD).unwrap();
    assert!(functions(f).iter().all(Option::is_none), "{:?}", f.trace);

    // JavaScript: an arrow function passed as an argument, and a named function.
    let js = "const { exec } = require('child_process');\nfunction run(c) { exec(c); }\napp.get('/', (req, res) => { run(req.query.c); });\n";
    let out = scan(&[("src/app.js", js)]);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "sast/js-command-injection")
        .unwrap();
    let fs = functions(f);
    assert!(fs.first().is_some_and(|n| n.is_some()), "{:?}", f.trace);
    assert_eq!(fs.last(), Some(&Some("run")), "{:?}", f.trace);
}

#[test]
fn each_finding_traces_back_to_a_source_of_its_own_rule() {
    // A value holding weak randomness (a source of the randomness rule only) and request input
    // (a source of the injection rules): the command-injection finding starts at the input.
    let src = "import os, random\nfrom flask import request\ndef f():\n    token = str(random.random())\n    cmd = token + request.args['c']\n    os.system(cmd)\n";
    let out = scan(&[("a.py", src)]);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == CMD)
        .expect("command injection reported");
    let first = &f.trace.first().expect("a trace").message;
    assert!(first.contains("request.args"), "{:?}", f.trace);
    assert!(
        f.trace.iter().all(|t| !t.message.contains("random.random")),
        "{:?}",
        f.trace
    );
}
