//! YAML (and JSON) with spans: the parser every YAML-based IaC format goes through, then the
//! document model's walks and JSON conversion.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_iac::{model::LineIndex, yaml};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = yaml::parse_full(text);
    let _ = parsed.limit_diagnostics("fuzz.yaml");
    let lines = LineIndex::new(text);
    for doc in &parsed.docs {
        doc.walk(&mut |n| {
            let _ = n.report_line();
            let _ = lines.line(n.report_span().start);
            let _ = n.scalar_text();
        });
        let _ = doc.to_json();
    }
});
