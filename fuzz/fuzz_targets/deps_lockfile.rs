//! Every lockfile format of the deps engine: the first byte picks the file name, the rest is the
//! file; after a 0xFF byte comes the text of a file a requirements `-r`/`-c` line includes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_deps::inventory;

/// One name per format the inventory reads (and its aliases).
const NAMES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "requirements.txt",
    "requirements-dev.txt",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "pdm.lock",
    "pylock.toml",
    "pylock.dev.toml",
    "go.mod",
    "pom.xml",
    "gradle.lockfile",
    "Gemfile.lock",
    "gems.locked",
    "composer.lock",
    "packages.lock.json",
    "mix.lock",
    "pubspec.lock",
    "Package.resolved",
];

fuzz_target!(|data: &[u8]| {
    let (name, rest) = rampart_fuzz::pick(data, NAMES);
    let parts = rampart_fuzz::parts(rest, 2);
    let included = parts.get(1).map(|b| b.to_vec());
    let include = |_: &str| included.clone();
    let lf = inventory::parse(&format!("app/{name}"), parts[0], Some(&include))
        .expect("every listed name is a lockfile");
    for p in &lf.packages {
        let _ = p.purl();
    }
    let paths = lf.dependency_paths();
    for i in 0..lf.packages.len() {
        let _ = paths.path(i);
    }
});
