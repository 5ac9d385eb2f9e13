//! Every line of the OSV-Scalibr version tables must hold for our comparators.

use rampart_deps::Ecosystem;
use rampart_deps::version::{Comparator, compare};
use std::cmp::Ordering;

fn check(file: &str, ecos: &[Ecosystem]) {
    let path = format!("{}/tests/data/versions/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("versions table");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        let [a, op, b] = parts[..] else {
            panic!("{file}:{}: unreadable line `{line}`", n + 1);
        };
        let want = match op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            _ => panic!("{file}:{}: bad operator", n + 1),
        };
        for eco in ecos {
            checked += 1;
            let got = compare(*eco, a, b);
            let back = compare(*eco, b, a);
            if got != want || back != want.reverse() {
                failures.push(format!(
                    "{file}:{} [{eco}] {line}: got {got:?}/{back:?}",
                    n + 1
                ));
            }
            // Versions parsed once compare exactly as the strings do, for the ecosystem's
            // comparator and for SEMVER ranges.
            for c in [Comparator::Ecosystem(*eco), Comparator::Semver] {
                let (pa, pb) = (c.parse(a), c.parse(b));
                let (got, back) = (pa.compare(&pb), pb.compare(&pa));
                let (want, want_back) = (c.compare(a, b), c.compare(b, a));
                if got != want || back != want_back {
                    failures.push(format!(
                        "{file}:{} [{c:?}] {line}: parsed {got:?}/{back:?}, strings {want:?}/{want_back:?}",
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(checked > 10, "{file}: too few lines");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn semver_table() {
    check(
        "semver-versions.txt",
        &[
            Ecosystem::CratesIo,
            Ecosystem::Npm,
            Ecosystem::Go,
            Ecosystem::Hex,
        ],
    );
}

#[test]
fn pypi_table() {
    check("pypi-versions.txt", &[Ecosystem::PyPI]);
}

#[test]
fn maven_table() {
    check("maven-versions.txt", &[Ecosystem::Maven]);
}

#[test]
fn nuget_table() {
    check("nuget-versions.txt", &[Ecosystem::NuGet]);
}

#[test]
fn packagist_table() {
    check("packagist-versions.txt", &[Ecosystem::Packagist]);
}

#[test]
fn pub_table() {
    check("pub-versions.txt", &[Ecosystem::Pub]);
}

#[test]
fn rubygems_table() {
    check("rubygems-versions.txt", &[Ecosystem::RubyGems]);
}

#[test]
fn debian_table() {
    check("debian-versions.txt", &[Ecosystem::Debian]);
}

#[test]
fn alpine_table() {
    check("alpine-versions.txt", &[Ecosystem::Alpine]);
}
