//! Pub (Dart and Flutter packages) ordering: semver precedence, then build metadata.

use super::semver::{SemverLike, components_cmp, prerelease_cmp, semver_like};
use std::cmp::Ordering;

pub(super) fn pub_cmp(a: &str, b: &str) -> Ordering {
    pub_key_cmp(&semver_like(a, 3), &semver_like(b, 3))
}

pub(super) fn pub_key_cmp(x: &SemverLike, y: &SemverLike) -> Ordering {
    components_cmp(&x.components, &y.components)
        .then_with(|| prerelease_cmp(&x.rest, &y.rest))
        .then_with(|| {
            let bx = x.rest.split_once('+').map(|p| p.1).unwrap_or("");
            let by = y.rest.split_once('+').map(|p| p.1).unwrap_or("");
            bx.cmp(by)
        })
}
