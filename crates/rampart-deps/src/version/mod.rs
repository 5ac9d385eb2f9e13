//! Version ordering, one comparator per ecosystem.
//!
//! Every comparator is total and never fails: a version that does not follow its ecosystem's
//! grammar is still ordered (the way that ecosystem's own tools or OSV's reference implementation
//! order it), so a malformed version in a lockfile or an advisory never stops a scan.

mod alpine;
mod dart;
mod debian;
mod maven;
mod nuget;
mod packagist;
mod pep440;
mod rubygems;
mod semver;

pub use self::semver::semver_cmp;
use self::semver::{SemverLike, components_cmp, prerelease_cmp, semver_like};
use crate::ecosystem::Ecosystem;
use alpine::alpine_cmp;
use dart::{pub_cmp, pub_key_cmp};
use debian::debian_cmp;
use maven::{MavenToken, maven_cmp, maven_tokens, maven_tokens_cmp};
use nuget::{nuget_cmp, nuget_key, nuget_key_cmp};
use packagist::{packagist_cmp, packagist_components, packagist_list_cmp};
use pep440::{PyVersion, pypi_cmp};
use rubygems::{rubygems_cmp, rubygems_segments, rubygems_segments_cmp};
use std::cmp::Ordering;

/// Compares two versions of `eco`.
pub fn compare(eco: Ecosystem, a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim(), b.trim());
    match eco {
        Ecosystem::CratesIo | Ecosystem::Npm | Ecosystem::Hex | Ecosystem::SwiftUrl => {
            semver_cmp(a, b)
        }
        Ecosystem::Go => semver_cmp(a, b),
        Ecosystem::PyPI => pypi_cmp(a, b),
        Ecosystem::Maven => maven_cmp(a, b),
        Ecosystem::RubyGems => rubygems_cmp(a, b),
        Ecosystem::Packagist => packagist_cmp(a, b),
        Ecosystem::NuGet => nuget_cmp(a, b),
        Ecosystem::Pub => pub_cmp(a, b),
        Ecosystem::Debian => debian_cmp(a, b),
        Ecosystem::Alpine => alpine_cmp(a, b),
    }
}

/// Compares two strings of ASCII digits as unbounded non-negative integers.
fn num_cmp(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn is_num(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// Which ordering a comparison uses: a SEMVER range's, or an ecosystem's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    /// [`semver_cmp`], whatever the ecosystem (OSV `SEMVER` ranges).
    Semver,
    /// [`compare`] with this ecosystem (OSV `ECOSYSTEM` ranges, listed versions).
    Ecosystem(Ecosystem),
}

impl Comparator {
    /// Compares two version strings.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Comparator::Semver => semver_cmp(a, b),
            Comparator::Ecosystem(e) => compare(e, a, b),
        }
    }

    /// Parses a version once, for many comparisons with [`Parsed::compare`].
    pub fn parse(self, s: &str) -> Parsed {
        let (eco, s) = match self {
            Comparator::Semver => (None, s),
            Comparator::Ecosystem(e) => (Some(e), s.trim()),
        };
        Parsed(match eco {
            None
            | Some(
                Ecosystem::CratesIo
                | Ecosystem::Npm
                | Ecosystem::Hex
                | Ecosystem::SwiftUrl
                | Ecosystem::Go,
            ) => Repr::Semver(Box::new((
                ::semver::Version::parse(s.strip_prefix('v').unwrap_or(s)).ok(),
                semver_like(s, 3),
            ))),
            Some(Ecosystem::PyPI) => Repr::PyPI(Box::new(PyVersion::parse(s))),
            Some(Ecosystem::NuGet) => Repr::NuGet(Box::new(nuget_key(s))),
            Some(Ecosystem::Pub) => Repr::Pub(Box::new(semver_like(s, 3))),
            Some(Ecosystem::Maven) => Repr::Maven(maven_tokens(s)),
            Some(Ecosystem::RubyGems) => Repr::RubyGems(rubygems_segments(s)),
            Some(Ecosystem::Packagist) => Repr::Packagist(packagist_components(s)),
            Some(Ecosystem::Debian) => Repr::Debian(s.into()),
            Some(Ecosystem::Alpine) => Repr::Alpine(s.into()),
        })
    }
}

/// A version parsed for one [`Comparator`]. Between two values parsed for the same comparator,
/// [`Parsed::compare`] is exactly that comparator on the original strings (tested on every line of
/// the version tables), without re-reading them.
#[derive(Debug, Clone)]
pub struct Parsed(Repr);

#[derive(Debug, Clone)]
enum Repr {
    /// Strict semver when it parses, and the lenient reading used when either side is not.
    Semver(Box<(Option<::semver::Version>, SemverLike)>),
    PyPI(Box<PyVersion>),
    NuGet(Box<SemverLike>),
    Pub(Box<SemverLike>),
    Maven(Vec<MavenToken>),
    RubyGems(Vec<String>),
    Packagist(Vec<String>),
    Debian(Box<str>),
    Alpine(Box<str>),
}

impl Repr {
    fn rank(&self) -> u8 {
        match self {
            Repr::Semver(_) => 0,
            Repr::PyPI(_) => 1,
            Repr::NuGet(_) => 3,
            Repr::Pub(_) => 4,
            Repr::Maven(_) => 5,
            Repr::RubyGems(_) => 6,
            Repr::Packagist(_) => 7,
            Repr::Debian(_) => 8,
            Repr::Alpine(_) => 9,
        }
    }
}

impl Parsed {
    /// Compares with a version parsed for the same comparator.
    pub fn compare(&self, other: &Parsed) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Semver(x), Repr::Semver(y)) => match (&x.0, &y.0) {
                (Some(a), Some(b)) => a.cmp_precedence(b),
                _ => components_cmp(&x.1.components, &y.1.components)
                    .then_with(|| prerelease_cmp(&x.1.rest, &y.1.rest)),
            },
            (Repr::PyPI(x), Repr::PyPI(y)) => x.compare(y),
            (Repr::NuGet(x), Repr::NuGet(y)) => nuget_key_cmp(x, y),
            (Repr::Pub(x), Repr::Pub(y)) => pub_key_cmp(x, y),
            (Repr::Maven(x), Repr::Maven(y)) => maven_tokens_cmp(x, y),
            (Repr::RubyGems(x), Repr::RubyGems(y)) => rubygems_segments_cmp(x, y),
            (Repr::Packagist(x), Repr::Packagist(y)) => packagist_list_cmp(x, y),
            (Repr::Debian(x), Repr::Debian(y)) => debian_cmp(x, y),
            (Repr::Alpine(x), Repr::Alpine(y)) => alpine_cmp(x, y),
            // Parsed for different comparators (a caller's mistake): still a total order.
            (x, y) => x.rank().cmp(&y.rank()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_pseudo_and_incompatible() {
        assert_eq!(
            compare(Ecosystem::Go, "v2.0.0+incompatible", "2.0.0"),
            Ordering::Equal
        );
        assert_eq!(
            compare(Ecosystem::Go, "v0.0.0-20200101000000-abcdef123456", "0.0.1"),
            Ordering::Less
        );
        assert_eq!(
            compare(
                Ecosystem::Go,
                "v1.2.4-0.20200101000000-abcdef123456",
                "v1.2.3"
            ),
            Ordering::Greater
        );
    }

    #[test]
    fn maven_basics() {
        use maven::maven_cmp;
        assert_eq!(maven_cmp("1.0-SNAPSHOT", "1.0"), Ordering::Less);
        assert_eq!(maven_cmp("1.0.0", "1"), Ordering::Equal);
    }
}
