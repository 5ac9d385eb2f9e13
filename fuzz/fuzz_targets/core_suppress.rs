//! Inline suppression comments (`rampart:ignore RULE reason`) in any file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_core::SourceFile;
use rampart_core::source::Origin;
use rampart_core::suppress;

fuzz_target!(|data: &[u8]| {
    let file = SourceFile::new("src/app.py", data.to_vec(), Origin::WorkTree);
    let mut diags = Vec::new();
    let known = |id: &str| id.starts_with("secrets/") || id == "sast/python-eval";
    let _ = suppress::parse_inline(&file, &known, &mut diags);
});
