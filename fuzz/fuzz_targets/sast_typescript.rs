//! The SAST lowering of TypeScript: tree-sitter parse, then lowering to the IR; the first byte
//! picks TypeScript or TSX.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_sast::lang::{self, Lang};
use rampart_sast::lower;

fuzz_target!(|data: &[u8]| {
    let (lang, src) = rampart_fuzz::pick(data, &[Lang::TypeScript, Lang::Tsx]);
    if let Some(tree) = lang::parse(lang, src, None) {
        let _ = lower::lower(lang, &tree, src);
    }
});
