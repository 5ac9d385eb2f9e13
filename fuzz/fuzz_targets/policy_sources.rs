//! The policy engine's readers of outside input: per-package sources of each lockfile format
//! (the first byte picks the file name), installed packages' licence metadata (package.json,
//! METADATA, Cargo.toml) and SPDX expressions evaluated against a licence policy.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_core::config::policy::{LicensePolicy, LicenseVerdict, Positioned};
use rampart_deps::policy::{license, sources};

/// One name per format `sources::read` reads.
const NAMES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "Cargo.lock",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "go.mod",
    "requirements.txt",
    "pnpm-lock.yaml",
    "bun.lock",
    "Gemfile.lock",
    "composer.lock",
    "pom.xml",
    "build.gradle.kts",
    "NuGet.config",
    "Dockerfile",
    "Makefile",
    ".github/workflows/ci.yml",
];

fuzz_target!(|data: &[u8]| {
    let (name, rest) = rampart_fuzz::pick(data, NAMES);
    let text = String::from_utf8_lossy(rest);
    for o in sources::read(name, &text) {
        if let sources::Kind::Registry(url) = &o.kind {
            let _ = sources::allowed(url, &[sources::normalise_url(url)]);
        }
    }
    let _ = license::npm_license(&text, "1.0.0");
    let _ = license::python_license(&text);
    let _ = license::cargo_license(&text, "1.0.0");
    let ids = |l: &[&str]| {
        l.iter()
            .map(|s| Positioned {
                value: s.to_string(),
                at: None,
            })
            .collect()
    };
    let check = license::LicenseCheck::new(&LicensePolicy {
        allow: ids(&["MIT", "Apache-2.0"]),
        deny: ids(&["GPL-3.0-only"]),
        unknown: LicenseVerdict::Review,
    })
    .expect("valid ids");
    let line = text.lines().next().unwrap_or("");
    let _ = check.evaluate(Some(line));
});
