//! pubspec.lock (Dart and Flutter Pub).

use super::yaml::{self, Node};
use super::{Lockfile, Package};
use crate::ecosystem::Ecosystem;

/// pubspec.lock.
pub(super) fn pubspec_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("pubspec.lock");
    let doc = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            lf.errors.push(e);
            return lf;
        }
    };
    for e in doc.get("packages").map(Node::entries).unwrap_or(&[]) {
        let source = e.value.str_of("source").unwrap_or("hosted");
        if source == "sdk" || source == "path" {
            continue;
        }
        let Some(version) = e.value.str_of("version") else {
            lf.error(e.line, format!("`{}` has no version", e.key));
            continue;
        };
        let name = e
            .value
            .get("description")
            .and_then(|d| d.str_of("name"))
            .unwrap_or(&e.key);
        let mut p = Package::new(Ecosystem::Pub, name, version, e.line);
        if let Some(dep) = e.value.str_of("dependency") {
            p.direct = Some(dep.starts_with("direct"));
            p.dev = Some(dep == "direct dev");
        }
        lf.packages.push(p);
    }
    lf
}
