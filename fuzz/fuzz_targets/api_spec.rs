//! The API engine on one file: the YAML/JSON reader, spec detection, `$ref` resolution within
//! the file (cycles, dangling pointers) and every audit rule.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_api::ApiEngine;
use std::sync::LazyLock;

static ENGINE: LazyLock<ApiEngine> = LazyLock::new(ApiEngine::new);

const NAMES: &[&str] = &["openapi.yaml", "api/swagger.json"];

fuzz_target!(|data: &[u8]| {
    let (path, body) = rampart_fuzz::pick(data, NAMES);
    rampart_fuzz::scan_one(&*ENGINE, path, body);
});
