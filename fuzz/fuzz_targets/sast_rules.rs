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
    let examples: Vec<(String, Vec<u8>)> = rules
        .iter()
        .flat_map(|r| &r.meta.examples)
        .take(4)
        .map(|e| {
            let path = e.path.clone().unwrap_or_else(|| "example.py".to_string());
            (path, e.text.clone().into_bytes())
        })
        .collect();
    let engine = SastEngine::with_rules(RuleBook::new(rules, Vec::new()));
    let mut files: Vec<(&str, &[u8])> = vec![("app.py", PYTHON), ("app.js", JAVASCRIPT)];
    files.extend(examples.iter().map(|(p, t)| (p.as_str(), t.as_slice())));
    rampart_fuzz::scan_files(&engine, &files);
});
