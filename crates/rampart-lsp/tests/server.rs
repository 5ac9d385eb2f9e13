//! The server driven as an editor drives it, over an in-memory connection: diagnostics from
//! the editor's text, edits, hover, code actions, pull diagnostics, configuration reloads.

mod common;

use common::*;
use serde_json::{Value, json};

const INJECTION: &str = "sast/python-command-injection";
const AWS: &str = "secrets/aws-access-key-id";

#[test]
fn diagnostics_hover_edit_and_suppression_of_an_open_document() {
    let (_dir, root) = workspace();
    // On disk the file is harmless: what counts is the editor's text.
    std::fs::write(root.join("app.py"), "print('hello')\n").unwrap();
    let mut c = Client::memory(&root, push_caps(), json!({"debounceMs": 20}));
    assert_eq!(c.init["capabilities"]["positionEncoding"], "utf-16");
    assert!(c.init["capabilities"].get("diagnosticProvider").is_none());
    c.workspace_scan_done();
    // The client was asked to watch files.
    assert!(
        c.server_requests
            .iter()
            .any(|r| r.method == "client/registerCapability")
    );

    let app = uri(&root.join("app.py"));
    c.open(&app, "python", APP_PY);
    let diags = c.diagnostics(&app, |d| {
        with_code(d, AWS).is_some() && with_code(d, INJECTION).is_some()
    });

    // The secret: exact UTF-16 range, critical → Error, redacted, with a documentation link.
    let line3 = APP_PY.lines().nth(3).unwrap();
    let start = utf16(&line3[..line3.find(KEY).unwrap()]);
    let aws = with_code(&diags, AWS).unwrap();
    assert_eq!(
        aws["range"]["start"],
        json!({"line": 3, "character": start})
    );
    assert_eq!(
        aws["range"]["end"],
        json!({"line": 3, "character": start + KEY.len() as u64})
    );
    assert_eq!(aws["severity"], 1);
    assert_eq!(aws["source"], "rampart");
    assert!(
        aws["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let all = serde_json::to_string(&diags).unwrap();
    assert!(!all.contains(KEY), "the secret leaked: {all}");

    // The injection: on the os.system line, an error, with its data flow.
    let inj = with_code(&diags, INJECTION).unwrap();
    assert_eq!(inj["range"]["start"]["line"], 6);
    assert_eq!(inj["severity"], 1);
    assert!(
        !inj["relatedInformation"].as_array().unwrap().is_empty(),
        "{inj}"
    );

    // Hover over the injection: title, why, fix, CWE, data flow.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": app}, "position": inj["range"]["start"]}),
    );
    let md = hover["contents"]["value"].as_str().unwrap();
    assert_eq!(hover["contents"]["kind"], "markdown");
    for part in [
        INJECTION,
        "**Why:**",
        "**Fix:**",
        "CWE-78",
        "**Data flow:**",
    ] {
        assert!(md.contains(part), "hover lacks {part}: {md}");
    }
    // Hover over the key does not show it either.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": app}, "position": aws["range"]["start"]}),
    );
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(md.contains(AWS) && !md.contains(KEY), "{md}");
    // Nowhere near a finding: nothing.
    let none = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": app}, "position": {"line": 1, "character": 0}}),
    );
    assert_eq!(none, Value::Null);

    // One character typed before the key: the diagnostic follows it.
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": app, "version": 2},
            "contentChanges": [{"range": {"start": {"line": 3, "character": 8}, "end": {"line": 3, "character": 8}}, "text": "!"}],
        }),
    );
    let diags = c.diagnostics(&app, |d| {
        with_code(d, AWS).is_some_and(|a| a["range"]["start"]["character"] == start + 1)
    });
    assert!(with_code(&diags, INJECTION).is_some());

    // Code actions on the key: a suppression and the rule's documentation.
    let aws = with_code(&diags, AWS).unwrap().clone();
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": app}, "range": aws["range"], "context": {"diagnostics": [aws]}}),
    );
    let actions = actions.as_array().unwrap();
    let suppress = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Suppress"))
        .expect("a suppression action");
    assert!(
        actions
            .iter()
            .any(|a| a["command"]["command"] == "rampart.openRuleDocs")
    );
    let edit = &suppress["edit"]["changes"][&app][0];
    assert!(
        edit["newText"]
            .as_str()
            .unwrap()
            .starts_with(&format!("# rampart:ignore {AWS} "))
    );
    // Apply it as the editor would: the key's finding goes, the injection stays (a line lower).
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": app, "version": 3},
            "contentChanges": [{"range": edit["range"], "text": edit["newText"]}],
        }),
    );
    let diags = c.diagnostics(&app, |d| {
        with_code(d, AWS).is_none() && with_code(d, INJECTION).is_some()
    });
    assert_eq!(
        with_code(&diags, INJECTION).unwrap()["range"]["start"]["line"],
        7
    );

    // The open-docs command answers (no showDocument support: a message with the URL).
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": "rampart.openRuleDocs", "arguments": ["https://cwe.mitre.org/data/definitions/78.html"]}),
    );
    assert_eq!(r, Value::Null);
    // Anything but a web page is refused.
    let id = c.send_request(
        "workspace/executeCommand",
        json!({"command": "rampart.openRuleDocs", "arguments": ["command:workbench.action.terminal.new"]}),
    );
    assert_eq!(c.response(id).error.map(|e| e.code), Some(-32602));
    c.wait_for("the documentation message", |n| {
        n.method == "window/showMessage"
            && n.params["message"]
                .as_str()
                .unwrap()
                .contains("cwe.mitre.org")
    });
    c.shutdown();
}

#[test]
fn a_malformed_file_gets_one_diagnostic_and_the_server_goes_on() {
    let (_dir, root) = workspace();
    let mut c = Client::memory(&root, push_caps(), json!({"debounceMs": 0}));
    c.workspace_scan_done();
    let lock = uri(&root.join("package-lock.json"));
    c.open(
        &lock,
        "json",
        "{\"lockfileVersion\": 3, \"packages\": {\n  \"node_modules/a\": [oops\n",
    );
    let diags = c.diagnostics(&lock, |d| !d.is_empty());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["source"], "rampart");
    let flow = uri(&root.join(".github/workflows/ci.yml"));
    c.open(&flow, "yaml", "on: push\njobs:\n  a: [\n    {{{ ]]] :\n");
    let diags = c.diagnostics(&flow, |d| !d.is_empty());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    // Still answering.
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": lock}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r.is_null() || r.is_object());
    c.shutdown();
}

#[test]
fn pull_diagnostics_workspace_report_and_utf8_positions() {
    let (_dir, root) = workspace();
    std::fs::write(root.join("settings.py"), format!("KEY = \"{KEY}\"\n")).unwrap();
    let caps = json!({
        "textDocument": {"diagnostic": {"dynamicRegistration": false}},
        "workspace": {"diagnostics": {"refreshSupport": true}},
        "general": {"positionEncodings": ["utf-8", "utf-16"]},
    });
    let mut c = Client::memory(&root, caps, json!({"debounceMs": 0}));
    let caps = &c.init["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-8");
    assert_eq!(caps["diagnosticProvider"]["workspaceDiagnostics"], true);
    // Answered once the workspace scan is over: the file on disk, never opened.
    let report = c.request("workspace/diagnostic", json!({"previousResultIds": []}));
    let items = report["items"].as_array().unwrap();
    let settings = uri(&root.join("settings.py"));
    let file = items
        .iter()
        .find(|i| i["uri"] == settings)
        .expect("settings.py reported");
    assert!(with_code(file["items"].as_array().unwrap(), AWS).is_some());

    // Asked again with the latest result ids: held until something changes (a long poll).
    let previous: Vec<Value> = items
        .iter()
        .map(|i| json!({"uri": i["uri"], "value": i["resultId"]}))
        .collect();
    let held = c.send_request(
        "workspace/diagnostic",
        json!({"previousResultIds": previous}),
    );
    // An open document: the held request is answered, the server asks for a refresh, the
    // client pulls.
    let app = uri(&root.join("app.py"));
    c.open(&app, "python", APP_PY);
    let r = c.response(held).result.unwrap();
    let doc = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uri"] == app);
    assert!(
        with_code(doc.unwrap()["items"].as_array().unwrap(), AWS).is_some(),
        "{r:#}"
    );
    c.backlog.clear();
    let deadline = std::time::Instant::now() + TIMEOUT;
    let diags = loop {
        let r = c.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": app}}),
        );
        assert_eq!(r["kind"], "full");
        let items = r["items"].as_array().unwrap().clone();
        if with_code(&items, AWS).is_some() && with_code(&items, INJECTION).is_some() {
            break items;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no pulled diagnostics"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(
        c.server_requests
            .iter()
            .any(|r| r.method == "workspace/diagnostic/refresh")
    );
    // UTF-8: columns count bytes.
    let line3 = APP_PY.lines().nth(3).unwrap();
    let start = line3.find(KEY).unwrap() as u64;
    assert_eq!(
        with_code(&diags, AWS).unwrap()["range"]["start"],
        json!({"line": 3, "character": start})
    );
    // A pulling client gets no pushed diagnostics.
    assert!(
        !c.backlog
            .iter()
            .any(|n| n.method == "textDocument/publishDiagnostics")
    );
    c.shutdown();
}

#[test]
fn a_changed_rampart_toml_is_reloaded_and_applied() {
    let (_dir, root) = workspace();
    let mut c = Client::memory(&root, push_caps(), json!({"debounceMs": 0}));
    c.workspace_scan_done();
    let app = uri(&root.join("app.py"));
    c.open(&app, "python", APP_PY);
    c.diagnostics(&app, |d| with_code(d, AWS).is_some());
    std::fs::write(
        root.join("rampart.toml"),
        format!("[rules.\"{AWS}\"]\nenabled = false\n"),
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("rampart.toml")), "type": 1}]}),
    );
    c.workspace_scan_done();
    let diags = c.diagnostics(&app, |d| with_code(d, AWS).is_none());
    assert!(with_code(&diags, INJECTION).is_some());

    // The threshold setting hides what is below it.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"rampart": {"minSeverity": "critical", "debounceMs": 0}}}),
    );
    c.workspace_scan_done();
    c.diagnostics(&app, |d| with_code(d, INJECTION).is_none());
    c.shutdown();
}

#[test]
fn the_workspace_scan_can_be_cancelled_and_run_again_by_command() {
    let (_dir, root) = workspace();
    for i in 0..200 {
        std::fs::write(
            root.join(format!("m{i}.py")),
            "import os\nos.system('ls')\n",
        )
        .unwrap();
    }
    std::fs::write(root.join("keys.py"), format!("K = \"{KEY}\"\n")).unwrap();
    let mut c = Client::memory(&root, push_caps(), json!({}));
    // A `workspace/diagnostic` waits for the scan; `$/cancelRequest` ends the wait.
    let id = c.send_request("workspace/diagnostic", json!({"previousResultIds": []}));
    c.notify("$/cancelRequest", json!({"id": 2}));
    assert_eq!(id, lsp_server::RequestId::from(2));
    let r = c.response(id);
    assert_eq!(r.error.map(|e| e.code), Some(-32800), "{:?}", r.result);
    let begin = c.wait_for("the scan's begin", |n| {
        n.method == "$/progress" && n.params["value"]["kind"] == "begin"
    });
    assert_eq!(begin.params["value"]["cancellable"], true);
    c.notify(
        "window/workDoneProgress/cancel",
        json!({"token": begin.params["token"]}),
    );
    let end = c.workspace_scan_done();
    assert_eq!(end.params["token"], begin.params["token"]);
    // Whether it stopped in time or not, a new scan by command finds the key.
    c.backlog.clear();
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": "rampart.scanWorkspace"}),
    );
    assert_eq!(r, Value::Null);
    let end = c.workspace_scan_done();
    assert_ne!(end.params["value"]["message"], "cancelled");
    c.diagnostics(&uri(&root.join("keys.py")), |d| with_code(d, AWS).is_some());
    c.shutdown();
}

#[test]
fn cross_file_taint_comes_with_the_project_pass_on_save_and_stays_while_typing() {
    let (_dir, root) = workspace();
    std::fs::write(
        root.join("util.py"),
        "import os\n\ndef run(cmd):\n    os.system(cmd)\n",
    )
    .unwrap();
    // On disk the caller is harmless; the editor's text calls `run` with request data.
    std::fs::write(root.join("app.py"), "print('hi')\n").unwrap();
    let mut c = Client::memory(&root, push_caps(), json!({"debounceMs": 0}));
    c.workspace_scan_done();
    let app = uri(&root.join("app.py"));
    let text = "from flask import request\nfrom util import run\n\ndef handler():\n    run(request.args['d'])\n";
    c.open(&app, "python", text);
    // The document's own scan cannot follow the call into util.py.
    let diags = c.diagnostics(&app, |_| true);
    assert!(with_code(&diags, INJECTION).is_none(), "{diags:#?}");
    // Saved: the SAST project pass over the workspace, with the editor's text, follows it. The
    // finding stands at the sink in util.py, with the call in app.py as related information.
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": app}}),
    );
    let util = uri(&root.join("util.py"));
    let diags = c.diagnostics(&util, |d| with_code(d, INJECTION).is_some());
    let inj = with_code(&diags, INJECTION).unwrap();
    assert_eq!(inj["range"]["start"]["line"], 3);
    let related = inj["relatedInformation"].as_array().unwrap();
    assert!(
        related.iter().any(|r| r["location"]["uri"] == app),
        "{related:#?}"
    );
    // A change (a comment at the end) rescans the document alone: the cross-file finding stays.
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": app, "version": 2},
            "contentChanges": [{"range": {"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 0}}, "text": "#"}],
        }),
    );
    c.diagnostics(&app, |d| with_code(d, INJECTION).is_none());
    assert!(
        !c.backlog
            .iter()
            .any(|n| n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == util
                && with_code(n.params["diagnostics"].as_array().unwrap(), INJECTION).is_none()),
        "the finding in util.py was dropped: {:#?}",
        c.backlog
    );
    c.shutdown();
}

#[test]
fn a_missing_vulnerability_database_is_said_once() {
    let (_dir, root) = workspace();
    std::fs::write(
        root.join("rampart.toml"),
        "[engines.deps]\ndb = \"no-such-db\"\n",
    )
    .unwrap();
    std::fs::write(root.join("requirements.txt"), "flask==0.12\n").unwrap();
    let mut c = Client::memory(&root, push_caps(), json!({"debounceMs": 0}));
    c.workspace_scan_done();
    let req = uri(&root.join("requirements.txt"));
    c.open(&req, "pip-requirements", "flask==0.12\nrequests==2.0.0\n");
    c.diagnostics(&req, |_| true);
    let other = uri(&root.join("dev/requirements.txt"));
    c.open(&other, "pip-requirements", "jinja2==2.0\n");
    c.diagnostics(&other, |_| true);
    let said: Vec<_> = c
        .backlog
        .iter()
        .filter(|n| n.method == "window/showMessage")
        .filter(|n| n.params["message"].as_str().unwrap().contains("db update"))
        .collect();
    assert_eq!(said.len(), 1, "{said:#?}");
    assert_eq!(said[0].params["type"], 3, "an info message");
    c.shutdown();
}

/// A vulnerability database at `.db`, built through the real update path from `record` (one
/// OSV record of `ecosystem`), and a rampart.toml that uses it.
fn database_with(root: &std::path::Path, ecosystem: &str, record: Value) {
    let mirror = root.join(".mirror").join(ecosystem);
    std::fs::create_dir_all(&mirror).unwrap();
    let id = record["id"].as_str().unwrap().to_string();
    std::fs::write(mirror.join(format!("{id}.json")), record.to_string()).unwrap();
    rampart_deps::update::update(&rampart_deps::update::UpdateOptions {
        from: Some(root.join(".mirror").display().to_string()),
        dir: root.join(".db"),
        no_kev: true,
        ..Default::default()
    })
    .unwrap();
    std::fs::write(
        root.join("rampart.toml"),
        "[scan]\nexclude = [\".mirror/**\"]\n[engines.deps]\ndb = \".db\"\n",
    )
    .unwrap();
}

#[test]
fn a_vulnerable_requirement_is_flagged_and_bumped_to_its_smallest_fix() {
    let (_dir, root) = workspace();
    // A vulnerability database built through the real update path from one OSV record.
    database_with(
        &root,
        "PyPI",
        json!({
            "id": "GHSA-test-0001", "modified": "2024-01-01T00:00:00Z",
            "summary": "Test flaw in flask",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "flask"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.2.5"}, {"introduced": "2.3.0"}, {"fixed": "2.3.2"}]}]}],
        }),
    );
    let mut c = Client::memory(&root, push_caps(), json!({"debounceMs": 0}));
    c.workspace_scan_done();
    let req = uri(&root.join("requirements.txt"));
    let text = "requests==2.31.0\nflask==2.2.1  # web\n";
    c.open(&req, "pip-requirements", text);
    let diags = c.diagnostics(&req, |d| {
        d.iter()
            .any(|x| x["message"].as_str().unwrap().contains("flask"))
    });
    let flask = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("flask"))
        .unwrap()
        .clone();
    assert_eq!(flask["range"]["start"]["line"], 1);
    assert!(
        flask["code"].as_str().unwrap().starts_with("deps/"),
        "{flask}"
    );
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": req}, "range": flask["range"], "context": {"diagnostics": [flask]}}),
    );
    let bump = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Upgrade flask"))
        .expect("a bump action");
    assert_eq!(bump["isPreferred"], true);
    let edit = &bump["edit"]["changes"][&req][0];
    assert_eq!(edit["newText"], "2.2.5");
    assert_eq!(edit["range"]["start"], json!({"line": 1, "character": 7}));
    assert_eq!(edit["range"]["end"], json!({"line": 1, "character": 12}));
    // Applied: the finding goes.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": req, "version": 2},
               "contentChanges": [{"range": edit["range"], "text": edit["newText"]}]}),
    );
    c.diagnostics(&req, |d| {
        !d.iter()
            .any(|x| x["message"].as_str().unwrap().contains("flask"))
    });
    c.shutdown();
}

#[test]
fn rule_autofixes_and_manifest_upgrades_are_quick_fixes() {
    let (_dir, root) = workspace();
    database_with(
        &root,
        "npm",
        json!({
            "id": "GHSA-test-0002", "modified": "2024-01-01T00:00:00Z",
            "summary": "Prototype pollution in lodash",
            "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}],
        }),
    );
    let manifest =
        "{\n  \"name\": \"app\",\n  \"dependencies\": {\n    \"lodash\": \"^4.17.15\"\n  }\n}\n";
    std::fs::write(root.join("package.json"), manifest).unwrap();
    let lock = json!({"name": "app", "lockfileVersion": 3, "packages": {
        "": {"dependencies": {"lodash": "^4.17.15"}},
        "node_modules/lodash": {"version": "4.17.15"}}})
    .to_string();
    std::fs::write(root.join("package-lock.json"), &lock).unwrap();
    let mut c = Client::memory(&root, push_caps(), json!({"debounceMs": 0}));
    c.workspace_scan_done();

    // A vulnerable lodash in the lockfile: the quick fix edits package.json, keeping its format.
    let lock_uri = uri(&root.join("package-lock.json"));
    c.open(&lock_uri, "json", &lock);
    let diags = c.diagnostics(&lock_uri, |d| {
        d.iter()
            .any(|x| x["message"].as_str().unwrap().contains("lodash"))
    });
    let lodash = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("lodash"))
        .unwrap()
        .clone();
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": lock_uri}, "range": lodash["range"], "context": {"diagnostics": [lodash]}}),
    );
    let bump = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Fix: upgrade lodash")
        })
        .unwrap_or_else(|| panic!("an upgrade action: {actions:#}"));
    let pj = uri(&root.join("package.json"));
    let edit = &bump["edit"]["changes"][&pj][0];
    assert_eq!(edit["newText"], "^4.17.21");
    assert_eq!(edit["range"]["start"], json!({"line": 3, "character": 15}));
    assert_eq!(edit["range"]["end"], json!({"line": 3, "character": 23}));

    // A rule autofix on the editor's text.
    let app = uri(&root.join("load.py"));
    c.open(
        &app,
        "python",
        "import yaml\n\ncfg = yaml.load(text, Loader=yaml.Loader)\n",
    );
    let diags = c.diagnostics(&app, |d| {
        with_code(d, "sast/python-unsafe-deserialization").is_some()
    });
    let d = with_code(&diags, "sast/python-unsafe-deserialization").unwrap();
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": app}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let fix = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Fix: "))
        .unwrap_or_else(|| panic!("an autofix action: {actions:#}"));
    assert_eq!(fix["isPreferred"], true);
    let edit = fix["edit"]["changes"][&app][0].clone();
    assert_eq!(edit["newText"], "yaml.safe_load(text)");
    assert_eq!(edit["range"]["start"], json!({"line": 2, "character": 6}));
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": app, "version": 2},
               "contentChanges": [{"range": edit["range"], "text": edit["newText"]}]}),
    );
    c.diagnostics(&app, |d| {
        with_code(d, "sast/python-unsafe-deserialization").is_none()
    });
    c.shutdown();
}

#[test]
fn ignore_files_and_size_limits_apply_to_open_documents() {
    let (_dir, root) = workspace();
    std::fs::write(root.join(".gitignore"), "vendor/\n").unwrap();
    std::fs::write(root.join("rampart.toml"), "[scan]\nmax_file_size = 200\n").unwrap();
    std::fs::create_dir_all(root.join("vendor")).unwrap();
    std::fs::write(root.join("vendor/keys.py"), "x = 1\n").unwrap();
    let mut c = Client::memory(&root, push_caps(), json!({"debounceMs": 0}));
    c.workspace_scan_done();
    // Ignored by .gitignore: scanned as `rampart scan` would, that is not at all.
    let vendored = uri(&root.join("vendor/keys.py"));
    c.open(&vendored, "python", &format!("K = \"{KEY}\"\n"));
    let diags = c.diagnostics(&vendored, |_| true);
    assert!(diags.is_empty(), "{diags:#?}");
    // Over max_file_size: one warning saying so, no findings.
    let big = uri(&root.join("big.py"));
    std::fs::write(root.join("big.py"), "").unwrap();
    let text = format!("K = \"{KEY}\"\n{}", "# padding\n".repeat(40));
    c.open(&big, "python", &text);
    let diags = c.diagnostics(&big, |d| !d.is_empty());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["severity"], 2);
    assert!(diags[0]["message"].as_str().unwrap().contains("size limit"));
    c.shutdown();
}

#[test]
fn a_baseline_hides_the_findings_it_records() {
    let (_dir, root) = workspace();
    let mut c = Client::memory(&root, push_caps(), json!({"debounceMs": 0}));
    c.workspace_scan_done();
    let app = uri(&root.join("app.py"));
    c.open(&app, "python", APP_PY);
    let diags = c.diagnostics(&app, |d| {
        with_code(d, AWS).is_some() && with_code(d, INJECTION).is_some()
    });
    // Record the key's finding (its fingerprint travels in the diagnostic's data).
    let aws = with_code(&diags, AWS).unwrap();
    let baseline = json!({"version": 1, "findings": [{
        "fingerprint": aws["data"]["fingerprint"], "rule_id": AWS, "path": "app.py",
    }]});
    std::fs::write(root.join("baseline.json"), baseline.to_string()).unwrap();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"baseline": "baseline.json", "debounceMs": 0}}),
    );
    c.workspace_scan_done();
    let diags = c.diagnostics(&app, |d| with_code(d, AWS).is_none());
    assert!(with_code(&diags, INJECTION).is_some());
    c.shutdown();
}

#[test]
fn malformed_messages_get_answers_not_a_crash() {
    let (_dir, root) = workspace();
    let mut c = Client::memory(&root, push_caps(), json!({"debounceMs": 0}));
    c.workspace_scan_done();
    let garbage = [
        Value::Null,
        json!({}),
        json!([1, 2]),
        json!({"textDocument": 5, "position": "x", "range": [], "command": 7}),
        json!({"textDocument": {"uri": "not a uri"}, "position": {"line": -1, "character": 1e9}}),
        json!({"textDocument": {"uri": "untitled:Untitled-1", "text": 3, "version": "v"}}),
    ];
    for params in &garbage {
        for method in [
            "textDocument/didOpen",
            "textDocument/didChange",
            "textDocument/didSave",
            "textDocument/didClose",
            "workspace/didChangeWatchedFiles",
            "workspace/didChangeConfiguration",
            "window/workDoneProgress/cancel",
            "$/cancelRequest",
            "rampart/unknownNotification",
        ] {
            c.notify(method, params.clone());
        }
        for method in [
            "textDocument/hover",
            "textDocument/codeAction",
            "textDocument/diagnostic",
            "workspace/executeCommand",
            "rampart/unknownRequest",
        ] {
            // An answer (a result or an error), never silence.
            let id = c.send_request(method, params.clone());
            let _ = c.response(id);
        }
    }
    // Still working.
    let app = uri(&root.join("app.py"));
    c.open(&app, "python", APP_PY);
    c.diagnostics(&app, |d| with_code(d, AWS).is_some());
    c.shutdown();
}
