//! IaC check files (`checks/<family>/<id>.toml`): parsing and validation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_iac::{caps, check::Check};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(check) = Check::parse(text, &|c| caps::get(c).is_some()) {
        let _ = check.validate();
        let _ = check.applies_to("kubernetes");
    }
});
