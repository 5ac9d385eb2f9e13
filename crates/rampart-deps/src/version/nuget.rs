//! NuGet ordering: up to four numeric components, then a case-insensitive pre-release label.

use super::semver::{SemverLike, components_cmp, prerelease_cmp, semver_like};
use std::cmp::Ordering;

pub(super) fn nuget_key(s: &str) -> SemverLike {
    let mut k = semver_like(s, 4);
    k.rest = k.rest.to_ascii_lowercase().into();
    k
}

pub(super) fn nuget_key_cmp(x: &SemverLike, y: &SemverLike) -> Ordering {
    components_cmp(&x.components, &y.components).then_with(|| prerelease_cmp(&x.rest, &y.rest))
}

pub(super) fn nuget_cmp(a: &str, b: &str) -> Ordering {
    nuget_key_cmp(&nuget_key(a), &nuget_key(b))
}
