//! The SAST lowering of Go: tree-sitter parse, then lowering to the IR.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_sast::lang::{self, Lang};
use rampart_sast::lower;

fuzz_target!(|data: &[u8]| {
    if let Some(tree) = lang::parse(Lang::Go, data, None) {
        let _ = lower::lower(Lang::Go, &tree, data);
    }
});
