//! SAST rule files (Semgrep-style YAML): parsing, pattern compilation, then an engine with the
//! rules scanning their own examples and two small fixed files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_sast::engine::RuleBook;
use rampart_sast::{SastEngine, rules};

const PYTHON: &[u8] = b"import os\nfrom flask import request\n\ndef view():\n    x = request.args.get('q')\n    os.system('ls ' + x)\n    return eval(x)\n";
const JAVASCRIPT: &[u8] = b"const cp = require('child_process');\napp.get('/', (req, res) => {\n  cp.exec('ls ' + req.query.q);\n  res.send(req.query.b);\n});\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(rules) = rules::parse_rules(text) else {
        return;
    };
    let examples =
        rampart_fuzz::example_files(rules.iter().flat_map(|r| &r.meta.examples), "example.py");
    let engine = SastEngine::with_rules(RuleBook::new(rules, Vec::new()));
    rampart_fuzz::scan_with_examples(
        &engine,
        &[("app.py", PYTHON), ("app.js", JAVASCRIPT)],
        &examples,
    );
});
