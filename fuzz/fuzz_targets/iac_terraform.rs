//! HCL and its evaluation: a Terraform folder of one file (HCL, or JSON syntax when the first
//! byte says so), scanned through the IaC engine, whose `finish` evaluates the module and runs
//! the checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_iac::IacEngine;
use std::sync::LazyLock;

static ENGINE: LazyLock<IacEngine> = LazyLock::new(IacEngine::new);

fuzz_target!(|data: &[u8]| {
    let (path, body) = rampart_fuzz::pick(data, &["infra/main.tf", "infra/main.tf.json"]);
    rampart_fuzz::scan_one(&*ENGINE, path, body);
});
