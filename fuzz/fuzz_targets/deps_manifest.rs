//! Manifests read without a lockfile and their declared ranges: the first byte picks the file
//! name, the rest is the file; every dependency's range is read with its syntax and intersected
//! with a few affected ranges.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_deps::db::{Affected, Event, EventKind, Range, RangeKind};
use rampart_deps::inventory::manifest;
use rampart_deps::range;

/// One name per manifest format.
const NAMES: &[&str] = &[
    "package.json",
    "pyproject.toml",
    "requirements.in",
    "requirements-dev.in",
    "Pipfile",
    "setup.cfg",
    "Cargo.toml",
    "Gemfile",
    "gems.rb",
    "composer.json",
    "App.csproj",
    "Directory.Packages.props",
    "build.gradle",
    "build.gradle.kts",
];

fn affected(intro: &str, fixed: &str) -> Affected {
    Affected {
        advisory: 0,
        ranges: vec![Range {
            kind: RangeKind::Ecosystem,
            events: vec![
                Event {
                    kind: EventKind::Introduced,
                    version: intro.into(),
                },
                Event {
                    kind: EventKind::Fixed,
                    version: fixed.into(),
                },
            ],
        }],
        versions: vec!["1.2.3".into()],
        prepared: Default::default(),
    }
}

fuzz_target!(|data: &[u8]| {
    let (name, rest) = rampart_fuzz::pick(data, NAMES);
    let m = manifest::parse(&format!("app/{name}"), rest).expect("every listed name is a manifest");
    let _ = m.lock_command(name);
    let entries = [affected("0", "4.17.21"), affected("1.0.0", "2.0.0-rc.1")];
    for (p, syntax) in m.packages.iter().zip(&m.syntax) {
        let _ = p.purl();
        if let Ok(set) = range::parse(*syntax, p.ecosystem, p.declared.as_deref().unwrap_or("")) {
            for a in &entries {
                let _ = set.intersects(a);
            }
        }
    }
});
