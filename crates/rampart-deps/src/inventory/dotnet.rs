//! NuGet packages.lock.json.

use super::{DepRef, LineFinder, Lockfile, Package, jstr, read_json};
use crate::ecosystem::Ecosystem;
use serde_json::Value;
use std::collections::HashSet;

/// Parses a NuGet packages.lock.json; a package locked for several target frameworks is listed once.
pub(super) fn packages_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("packages.lock.json");
    let Some(root) = lf.parsed(read_json(text)) else {
        return lf;
    };
    let Some(frameworks) = root.get("dependencies").and_then(Value::as_object) else {
        lf.error(1, "missing `dependencies`: not a NuGet lock file");
        return lf;
    };
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut finder = LineFinder::new(text);
    for deps in frameworks.values() {
        let Some(deps) = deps.as_object() else {
            continue;
        };
        for (name, entry) in deps {
            let line = finder.find(&format!("\"{name}\": {{"));
            let kind = jstr(entry, "type").unwrap_or("");
            if kind.eq_ignore_ascii_case("project") {
                continue;
            }
            let Some(version) = jstr(entry, "resolved") else {
                lf.error(line, format!("`{name}` has no `resolved` version"));
                continue;
            };
            if !seen.insert((name.to_ascii_lowercase(), version.to_string())) {
                continue;
            }
            let mut p = Package::new(Ecosystem::NuGet, name, version, line);
            p.direct = Some(kind.eq_ignore_ascii_case("direct"));
            if let Some(d) = entry.get("dependencies").and_then(Value::as_object) {
                p.dependencies = d.keys().map(DepRef::name).collect();
            }
            lf.packages.push(p);
        }
    }
    lf
}
