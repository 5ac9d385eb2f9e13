//! Uploads to the server: rampart JSON, SARIF 2.1.0, CycloneDX and SPDX JSON through
//! `rampart_ingest::import`, sniffed and with each format named (the first byte picks which).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_ingest::Format;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, doc)) = data.split_first() else {
        return;
    };
    let hint = match pick % 5 {
        0 => None,
        n => Some(Format::ALL[usize::from(n) - 1]),
    };
    if let Ok(i) = rampart_ingest::import(doc, hint) {
        // Whatever is read keeps the model's own bounds.
        for f in &i.findings {
            let max = rampart_ingest::limits::SNIPPET_MAX_CHARS + 1;
            let n = f.snippet.chars().count();
            assert!(n <= max, "snippet of {n} chars");
            assert!(!f.fingerprint.is_empty());
        }
    }
});
