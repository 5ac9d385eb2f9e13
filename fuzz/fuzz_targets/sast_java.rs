//! The SAST lowering of Java: tree-sitter parse, then lowering to the IR.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_sast::lang::{self, Lang};
use rampart_sast::lower;

fuzz_target!(|data: &[u8]| {
    if let Some(tree) = lang::parse(Lang::Java, data, None) {
        let _ = lower::lower(Lang::Java, &tree, data);
    }
});
