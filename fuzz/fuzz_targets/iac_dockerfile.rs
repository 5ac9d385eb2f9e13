//! Dockerfiles: the line parser, then the IaC engine's checks and native capabilities.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_iac::IacEngine;
use std::sync::LazyLock;

static ENGINE: LazyLock<IacEngine> = LazyLock::new(IacEngine::new);

fuzz_target!(|data: &[u8]| {
    let _ = rampart_iac::dockerfile::parse(&rampart_fuzz::lossy(data));
    rampart_fuzz::scan_one(&*ENGINE, "Dockerfile", data);
});
