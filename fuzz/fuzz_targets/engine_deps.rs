//! The whole deps engine on one file (a lockfile or SBOM chosen by the first byte), matched
//! against a small database compiled from the OSV test records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_deps::DepsEngine;
use rampart_deps::db::Database;
use rampart_deps::osv::Record;
use std::path::Path;
use std::sync::LazyLock;

/// The OSV records of the deps engine's tests (an empty database if the folder moved).
fn test_database() -> Database {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/rampart-deps/tests/data/osv");
    let mut records = Vec::new();
    for eco in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(eco.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(bytes) = std::fs::read(f.path()) else {
                continue;
            };
            if let Ok(r) = serde_json::from_slice::<Record>(&bytes) {
                records.push(r);
            }
        }
    }
    let mut db = Database::default();
    db.add_records(&records);
    db
}

static ENGINE: LazyLock<DepsEngine> = LazyLock::new(|| DepsEngine::with_database(test_database()));

const NAMES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "requirements.txt",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "pdm.lock",
    "pylock.toml",
    "go.mod",
    "pom.xml",
    "gradle.lockfile",
    "Gemfile.lock",
    "composer.lock",
    "packages.lock.json",
    "mix.lock",
    "pubspec.lock",
    "Package.resolved",
    "bom.cdx.json",
    "sbom.spdx.json",
];

fuzz_target!(|data: &[u8]| {
    let (path, body) = rampart_fuzz::pick(data, NAMES);
    rampart_fuzz::scan_one(&*ENGINE, &format!("app/{path}"), body);
});
