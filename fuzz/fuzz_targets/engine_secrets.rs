//! The whole secrets engine on one file: the first byte picks the file name (ordinary source,
//! configuration, lockfile, minified, test fixture), the rest is the content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_secrets::SecretsEngine;
use std::sync::LazyLock;

static ENGINE: LazyLock<SecretsEngine> = LazyLock::new(SecretsEngine::new);

const NAMES: &[&str] = &[
    "src/config.py",
    ".env",
    "deploy/values.yaml",
    "app/settings.json",
    "package-lock.json",
    "dist/app.min.js",
    "tests/fixtures/keys.txt",
    "id_rsa",
    "docs/README.md",
];

fuzz_target!(|data: &[u8]| {
    let (path, body) = rampart_fuzz::pick(data, NAMES);
    rampart_fuzz::scan_one(&*ENGINE, path, body);
});
