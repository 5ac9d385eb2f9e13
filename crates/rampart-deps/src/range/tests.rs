//! Range reading and intersection, per syntax and ecosystem.

use super::*;
use crate::db::{Event, Range};

/// Whether `version` is inside the declared range (checked through intersection with the
/// single-version entry).
fn holds(syntax: Syntax, eco: Ecosystem, range: &str, version: &str) -> bool {
    let set = parse(syntax, eco, range).unwrap_or_else(|e| panic!("{e}"));
    set.intersects(&listed(version))
}

fn listed(v: &str) -> Affected {
    Affected {
        advisory: 0,
        ranges: vec![],
        versions: vec![v.to_string()],
        prepared: Default::default(),
    }
}

fn affected(events: &[(EventKind, &str)]) -> Affected {
    Affected {
        advisory: 0,
        ranges: vec![Range {
            kind: RangeKind::Ecosystem,
            events: events
                .iter()
                .map(|(kind, v)| Event {
                    kind: *kind,
                    version: v.to_string(),
                })
                .collect(),
        }],
        versions: vec![],
        prepared: Default::default(),
    }
}

fn check(syntax: Syntax, eco: Ecosystem, range: &str, inside: &[&str], outside: &[&str]) {
    for v in inside {
        assert!(holds(syntax, eco, range, v), "{range} should hold {v}");
    }
    for v in outside {
        assert!(!holds(syntax, eco, range, v), "{range} should not hold {v}");
    }
}

use EventKind::{Fixed, Introduced, LastAffected, Limit};

#[test]
fn npm_ranges() {
    let n = |r, i: &[&str], o: &[&str]| check(Syntax::Npm, Ecosystem::Npm, r, i, o);
    n("^1.2.3", &["1.2.3", "1.9.0"], &["1.2.2", "2.0.0"]);
    n("^0.2.3", &["0.2.3", "0.2.9"], &["0.3.0", "0.2.2"]);
    n("^0.0.3", &["0.0.3"], &["0.0.4"]);
    n("^0.0", &["0.0.9"], &["0.1.0"]);
    n("~1.2.3", &["1.2.9"], &["1.3.0", "1.2.2"]);
    n("~1", &["1.9.9"], &["2.0.0"]);
    n("1.x", &["1.0.0", "1.99.0"], &["2.0.0", "0.9.0"]);
    n("1.2.*", &["1.2.5"], &["1.3.0"]);
    n("1.2", &["1.2.0", "1.2.7"], &["1.3.0"]);
    n("*", &["0.0.1", "99.0.0"], &[]);
    n("", &["3.0.0"], &[]);
    n(">=1.2.3 <2", &["1.2.3", "1.99.0"], &["2.0.0", "1.2.2"]);
    n(">= 1.2.3 < 2.0.0", &["1.5.0"], &["2.0.0"]);
    n(">1.2", &["1.3.0"], &["1.2.9"]);
    n("<=1.2", &["1.2.9"], &["1.3.0"]);
    n("1.2.3 - 2.3", &["1.2.3", "2.3.9"], &["2.4.0", "1.2.2"]);
    n("1.2.3 - 2.3.4", &["2.3.4"], &["2.3.5"]);
    n("^1.0.0 || ^3.0.0", &["1.5.0", "3.1.0"], &["2.0.0"]);
    n("=1.2.3", &["1.2.3"], &["1.2.4"]);
    n("v1.2.3", &["1.2.3"], &["1.2.4"]);
    n(
        "^2.0.0-beta.1",
        &["2.0.0-beta.2", "2.1.0"],
        &["2.0.0-alpha", "3.0.0"],
    );
    for bad in ["^abc", ">=1.2.3 <", "1.2.3.4.5", "not-a-range"] {
        assert!(parse(Syntax::Npm, Ecosystem::Npm, bad).is_err(), "{bad}");
    }
}

#[test]
fn cargo_requirements() {
    let c = |r, i: &[&str], o: &[&str]| check(Syntax::Cargo, Ecosystem::CratesIo, r, i, o);
    c("1.2.3", &["1.2.3", "1.9.0"], &["2.0.0", "1.2.2"]);
    c("0.3", &["0.3.9"], &["0.4.0"]);
    c("=1.2.3", &["1.2.3"], &["1.2.4"]);
    c(">=1.2, <1.5", &["1.4.9"], &["1.5.0", "1.1.0"]);
    c("~1.2", &["1.2.9"], &["1.3.0"]);
    c("*", &["9.9.9"], &[]);
    c("1.*", &["1.9.0"], &["2.0.0"]);
    assert!(parse(Syntax::Cargo, Ecosystem::CratesIo, "1.2.x.y").is_err());
    assert!(parse(Syntax::Cargo, Ecosystem::CratesIo, ">= one").is_err());
}

#[test]
fn pep440_specifiers() {
    let p = |r, i: &[&str], o: &[&str]| check(Syntax::Pep440, Ecosystem::PyPI, r, i, o);
    p(">=2.0,<3", &["2.0", "2.31.0"], &["3.0", "1.9"]);
    p("==1.2.*", &["1.2", "1.2.9", "1.2.0rc1"], &["1.3", "1.1.9"]);
    p("~=1.4.5", &["1.4.5", "1.4.9"], &["1.5.0", "1.4.4"]);
    p("~=2.2", &["2.2", "2.9"], &["3.0", "2.1"]);
    p("==2.0.1", &["2.0.1"], &["2.0.2"]);
    p("!=1.5", &["1.5", "1.6"], &[]); // kept in: conservative
    p("", &["0.1"], &[]);
    p(">1.0, <=1.4", &["1.4"], &["1.0", "1.4.1"]);
    for bad in ["1.0", "~=1", ">=", "==1.0 ; bad"] {
        assert!(
            parse(Syntax::Pep440, Ecosystem::PyPI, bad).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn poetry_constraints() {
    let p = |r, i: &[&str], o: &[&str]| check(Syntax::Poetry, Ecosystem::PyPI, r, i, o);
    p("^1.2.3", &["1.2.3", "1.9"], &["2.0.0", "1.2.2"]);
    p("^0.2", &["0.2.5"], &["0.3.0"]);
    p("~1.2", &["1.2.9"], &["1.3.0"]);
    p("~1.2.3", &["1.2.3"], &["1.3.0"]);
    p("2.0.1", &["2.0.1"], &["2.0.2"]);
    p("*", &["5.0"], &[]);
    p(">=1.2,<1.5", &["1.4"], &["1.5"]);
    p(">=1.2 <1.5", &["1.4"], &["1.5"]);
    p("^1.0 || ^3.0", &["1.5", "3.2"], &["2.0"]);
    p("~=2.2", &["2.5"], &["3.0"]);
    assert!(parse(Syntax::Poetry, Ecosystem::PyPI, "^x.y").is_err());
}

#[test]
fn ruby_requirements() {
    let r = |r, i: &[&str], o: &[&str]| check(Syntax::Ruby, Ecosystem::RubyGems, r, i, o);
    r("~> 6.1", &["6.1", "6.9.9"], &["7.0", "6.0"]);
    r("~> 6.1.4", &["6.1.4", "6.1.9"], &["6.2.0", "6.1.3"]);
    r("~> 6.1, >= 6.1.4", &["6.1.5"], &["6.1.3", "7.0"]);
    r(">= 2.2, < 2.3", &["2.2.3.1"], &["2.3.0"]);
    r("1.2.3", &["1.2.3"], &["1.2.4"]);
    assert!(parse(Syntax::Ruby, Ecosystem::RubyGems, "~> ").is_err());
    assert!(parse(Syntax::Ruby, Ecosystem::RubyGems, ">= one two").is_err());
}

#[test]
fn composer_constraints() {
    let c = |r, i: &[&str], o: &[&str]| check(Syntax::Composer, Ecosystem::Packagist, r, i, o);
    c("^7.0", &["7.0.0", "7.4.2"], &["8.0.0", "6.9"]);
    c("~1.2", &["1.9"], &["2.0.0"]);
    c("~1.2.3", &["1.2.9"], &["1.3.0"]);
    c("7.4.*", &["7.4.2"], &["7.5.0"]);
    c(">=1.0 <2.0", &["1.5"], &["2.0.0"]);
    c(">=1.0,<2.0", &["1.5"], &["2.0.0"]);
    c("^6.5 || ^7.0", &["6.5.1", "7.1.0"], &["5.0"]);
    c("^6.5 | ^7.0", &["7.1.0"], &["8.0.0"]);
    c("1.0 - 2.0", &["2.0.9"], &["2.1.0"]);
    c("^7.0@beta", &["7.2"], &["8.0.0"]);
    c("1.2.3", &["1.2.3"], &["1.2.4"]);
    let e = parse(Syntax::Composer, Ecosystem::Packagist, "dev-master").unwrap_err();
    assert!(e.to_string().contains("branch"), "{e}");
}

#[test]
fn interval_notation_for_nuget_and_maven() {
    let n = |r, i: &[&str], o: &[&str]| check(Syntax::Interval, Ecosystem::NuGet, r, i, o);
    n("12.0.1", &["12.0.1"], &["12.0.0", "13.0.1"]);
    n("[12.0.1]", &["12.0.1"], &["12.0.2"]);
    n("[1.0,2.0)", &["1.0", "1.9"], &["2.0", "0.9"]);
    n("(,1.0]", &["0.5", "1.0"], &["1.0.1"]);
    n("(1.0,)", &["1.0.1"], &["1.0"]);
    n("6.*", &["6.0.0", "6.9"], &["7.0"]);
    let m = |r, i: &[&str], o: &[&str]| check(Syntax::Interval, Ecosystem::Maven, r, i, o);
    m("[1.0,1.2),[1.5,)", &["1.1", "1.5", "3"], &["1.3"]);
    m("2.+", &["2.17.0"], &["3.0"]);
    assert!(parse(Syntax::Interval, Ecosystem::Maven, "[1.0,2.0").is_err());
    assert!(parse(Syntax::Interval, Ecosystem::Maven, "[1.0) x").is_err());
}

#[test]
fn intersection_with_affected_ranges() {
    let lodash = affected(&[(Introduced, "0"), (Fixed, "4.17.21")]);
    let set = |r| parse(Syntax::Npm, Ecosystem::Npm, r).unwrap();
    assert!(set("^4.17.0").intersects(&lodash));
    assert!(set("4.17.20").intersects(&lodash));
    assert!(!set("^4.17.21").intersects(&lodash));
    assert!(!set(">=4.17.21").intersects(&lodash));
    // Several windows; last_affected is inclusive.
    let windows = affected(&[
        (Introduced, "1.0.0"),
        (Fixed, "1.2.0"),
        (Introduced, "2.0.0"),
        (LastAffected, "2.3.0"),
    ]);
    assert!(set("~1.1.0").intersects(&windows));
    assert!(!set("~1.2.0").intersects(&windows));
    assert!(set(">=2.3.0 <3").intersects(&windows));
    assert!(!set(">2.3.0 <3").intersects(&windows));
    // Events out of order are sorted; a limit caps the range.
    let unordered = affected(&[(Fixed, "3.0.0"), (Introduced, "2.5.0")]);
    assert!(set("^2.6.0").intersects(&unordered));
    let limited = affected(&[(Introduced, "1.0.0"), (Limit, "1.5.0")]);
    assert!(set("1.4.x").intersects(&limited));
    assert!(!set("^1.5.0 <2").intersects(&limited));
    // Open-ended: introduced without a fix.
    let open = affected(&[(Introduced, "3.0.0")]);
    assert!(set(">=5").intersects(&open));
    assert!(!set("<3.0.0").intersects(&open));
    // PyPI ordering: pre-releases and post-releases.
    let py = affected(&[(Introduced, "0"), (Fixed, "2.31.0")]);
    let pset = |r| parse(Syntax::Pep440, Ecosystem::PyPI, r).unwrap();
    assert!(pset(">=2.0,<3").intersects(&py));
    assert!(!pset(">=2.31.0").intersects(&py));
    assert!(pset(">=2.31.0rc1").intersects(&py));
    // RubyGems ordering with four parts.
    let rack = affected(&[(Introduced, "2.2.0"), (Fixed, "2.2.3.1")]);
    let rset = |r| parse(Syntax::Ruby, Ecosystem::RubyGems, r).unwrap();
    assert!(rset("~> 2.2.3").intersects(&rack));
    assert!(!rset(">= 2.2.3.1").intersects(&rack));
    // Maven ordering (qualifiers).
    let log4j = affected(&[(Introduced, "2.0-beta9"), (Fixed, "2.15.0")]);
    let mset = |r| parse(Syntax::Interval, Ecosystem::Maven, r).unwrap();
    assert!(mset("[2.0,2.15)").intersects(&log4j));
    assert!(!mset("[2.15.0,)").intersects(&log4j));
    // Composer and NuGet.
    let guzzle = affected(&[(Introduced, "7.0.0"), (Fixed, "7.4.3")]);
    let cset = |r| parse(Syntax::Composer, Ecosystem::Packagist, r).unwrap();
    assert!(cset("^7.0").intersects(&guzzle));
    assert!(!cset("^7.4.3").intersects(&guzzle));
    let newtonsoft = affected(&[(Introduced, "0"), (Fixed, "13.0.1")]);
    let nset = |r| parse(Syntax::Interval, Ecosystem::NuGet, r).unwrap();
    assert!(nset("12.0.3").intersects(&newtonsoft));
    assert!(!nset("13.0.1").intersects(&newtonsoft));
    // Cargo.
    let smallvec = affected(&[(Introduced, "0.6.3"), (Fixed, "1.6.1")]);
    let kset = |r| parse(Syntax::Cargo, Ecosystem::CratesIo, r).unwrap();
    assert!(kset("1.6").intersects(&smallvec));
    assert!(!kset("1.6.1").intersects(&smallvec));
}

#[test]
fn semver_ranges_of_advisories_use_semver_ordering() {
    let a = Affected {
        advisory: 0,
        ranges: vec![Range {
            kind: RangeKind::Semver,
            events: vec![
                Event {
                    kind: Introduced,
                    version: "0".into(),
                },
                Event {
                    kind: Fixed,
                    version: "1.10.0".into(),
                },
            ],
        }],
        versions: vec![],
        prepared: Default::default(),
    };
    let set = parse(Syntax::Cargo, Ecosystem::CratesIo, "^1.9").unwrap();
    assert!(set.intersects(&a));
    let set = parse(Syntax::Cargo, Ecosystem::CratesIo, "^1.10").unwrap();
    assert!(!set.intersects(&a));
}

#[test]
fn long_or_hostile_ranges_are_errors_not_panics() {
    let long = "1".repeat(MAX_RANGE_LEN + 1);
    for syntax in [
        Syntax::Npm,
        Syntax::Cargo,
        Syntax::Pep440,
        Syntax::Poetry,
        Syntax::Ruby,
        Syntax::Composer,
        Syntax::Interval,
    ] {
        assert!(parse(syntax, Ecosystem::Npm, &long).is_err());
        for junk in [
            "^",
            "~",
            ">=",
            "||",
            " - ",
            "[",
            "(,",
            "@",
            "99999999999999999999999",
        ] {
            let _ = parse(syntax, Ecosystem::Npm, junk);
        }
    }
}
