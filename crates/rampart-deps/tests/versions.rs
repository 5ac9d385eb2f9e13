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

/// Asserts `a op b` both ways, by strings and parsed once (ecosystem and SEMVER comparators).
fn check_pair(eco: Ecosystem, a: &str, want: Ordering, b: &str) {
    assert_eq!(compare(eco, a, b), want, "[{eco}] {a} vs {b}");
    assert_eq!(compare(eco, b, a), want.reverse(), "[{eco}] {b} vs {a}");
    let c = Comparator::Ecosystem(eco);
    let (pa, pb) = (c.parse(a), c.parse(b));
    assert_eq!(pa.compare(&pb), want, "[{eco}] parsed {a} vs {b}");
    assert_eq!(pb.compare(&pa), want.reverse(), "[{eco}] parsed {b} vs {a}");
}

/// Numbers beyond `u64` order as the integers they are, in every ecosystem: a version with one
/// is never taken for an old one (which would report `requests==1111…` as vulnerable).
#[test]
fn numbers_beyond_u64() {
    use Ordering::{Equal, Greater, Less};
    const BIG: &str = "18446744073709551616"; // u64::MAX + 1
    const BIGGER: &str = "111111111111111111111111111111";
    let all = [
        Ecosystem::CratesIo,
        Ecosystem::Npm,
        Ecosystem::Go,
        Ecosystem::Hex,
        Ecosystem::SwiftUrl,
        Ecosystem::PyPI,
        Ecosystem::Maven,
        Ecosystem::RubyGems,
        Ecosystem::Packagist,
        Ecosystem::NuGet,
        Ecosystem::Pub,
        Ecosystem::Debian,
        Ecosystem::Alpine,
    ];
    for eco in all {
        check_pair(eco, BIG, Greater, "2.31.0");
        check_pair(eco, BIGGER, Greater, "2.31.0");
        check_pair(eco, BIGGER, Greater, BIG);
        check_pair(eco, &format!("1.{BIG}"), Greater, "1.18446744073709551615");
        check_pair(eco, &format!("1.{BIG}"), Less, &format!("1.{BIGGER}"));
        check_pair(eco, &format!("2.{BIG}"), Greater, "1.99");
        check_pair(eco, &format!("1.0.{BIG}"), Equal, &format!("1.0.{BIG}"));
    }
    // Semver with a pre-release beyond u64 (the semver crate refuses it; the lenient reading
    // orders it).
    for eco in [Ecosystem::CratesIo, Ecosystem::Npm, Ecosystem::Go] {
        check_pair(eco, &format!("1.0.0-{BIG}"), Less, "1.0.0");
        check_pair(eco, &format!("1.0.0-{BIG}"), Greater, "1.0.0-2");
        check_pair(eco, &format!("{BIG}.0.0"), Greater, "1.0.0-rc.1");
    }
    // PEP 440 parts beyond u64: epoch, pre-release, post, dev, local; leading zeros.
    let py = Ecosystem::PyPI;
    check_pair(py, &format!("{BIG}!1.0"), Greater, "1!2.0");
    check_pair(py, &format!("1.0rc{BIG}"), Greater, "1.0rc2");
    check_pair(py, &format!("1.0rc{BIG}"), Less, "1.0");
    check_pair(py, &format!("1.0.post{BIG}"), Greater, "1.0.post1");
    check_pair(py, &format!("1.0.dev{BIG}"), Less, "1.0a1");
    check_pair(py, &format!("1.0+{BIG}"), Greater, "1.0+abc");
    check_pair(py, &format!("1.0+{BIG}"), Greater, "1.0");
    check_pair(py, &format!("v1.00{BIG}"), Equal, &format!("1.{BIG}"));
    check_pair(py, &format!("{BIG}.0.0"), Equal, BIG);
    check_pair(py, &format!("{BIG}a1"), Less, BIG);
    // Still legacy (not PEP 440) whatever its numbers: before every valid version.
    check_pair(py, &format!("{BIG}-foo bar"), Less, "0.1");
}

/// A huge installed version is not inside a range fixed at a small one.
#[test]
fn huge_installed_version_is_not_affected() {
    use rampart_deps::db::{Affected, Event, EventKind, Range, RangeKind};
    let affected = |kind| Affected {
        advisory: 0,
        ranges: vec![Range {
            kind,
            events: vec![
                Event {
                    kind: EventKind::Introduced,
                    version: "0".into(),
                },
                Event {
                    kind: EventKind::Fixed,
                    version: "2.31.0".into(),
                },
            ],
        }],
        versions: Vec::new(),
        prepared: Default::default(),
    };
    let huge = "111111111111111111111111111111";
    for (eco, kind) in [
        (Ecosystem::PyPI, RangeKind::Ecosystem),
        (Ecosystem::CratesIo, RangeKind::Semver),
        (Ecosystem::Npm, RangeKind::Semver),
        (Ecosystem::Maven, RangeKind::Ecosystem),
        (Ecosystem::NuGet, RangeKind::Ecosystem),
        (Ecosystem::RubyGems, RangeKind::Ecosystem),
    ] {
        let a = affected(kind);
        assert!(!rampart_deps::matcher::is_affected(eco, huge, &a), "{eco}");
        assert!(
            !rampart_deps::matcher::is_affected_unprepared(eco, huge, &a),
            "{eco}"
        );
        assert!(
            rampart_deps::matcher::is_affected(eco, "2.30.0", &a),
            "{eco}"
        );
    }
}
