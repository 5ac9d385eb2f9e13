//! `Cargo.lock` (versions 1 to 4).

use super::{DepRef, LineFinder, Lockfile, Package, read_toml, tstr};
use crate::ecosystem::Ecosystem;
use std::collections::HashSet;

/// Parses a `Cargo.lock`. Workspace members (packages without `source`) are not inventoried;
/// their dependencies are the direct ones.
pub(super) fn parse(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("Cargo.lock");
    let Some(table) = lf.parsed(read_toml(text)) else {
        return lf;
    };
    let Some(pkgs) = table.get("package").and_then(|p| p.as_array()) else {
        if !table.contains_key("package") {
            return lf;
        }
        lf.error(1, "`package` must be an array of tables");
        return lf;
    };
    let mut finder = LineFinder::new(text);
    let mut direct: HashSet<String> = HashSet::new();
    for p in pkgs {
        let line = finder.find("[[package]]");
        let (Some(name), Some(version)) = (tstr(p, "name"), tstr(p, "version")) else {
            lf.error(line, "package without `name` or `version`");
            continue;
        };
        let deps: Vec<DepRef> = p
            .get("dependencies")
            .and_then(|d| d.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|d| d.as_str())
                    .map(|d| {
                        let mut parts = d.split(' ');
                        let n = parts.next().unwrap_or("").to_string();
                        DepRef {
                            name: n,
                            version: parts.next().map(str::to_string),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        if p.get("source").is_none() {
            // A workspace member or a path dependency: the project itself.
            for d in &deps {
                direct.insert(d.name.clone());
            }
            continue;
        }
        let mut pkg = Package::new(Ecosystem::CratesIo, name, version, line);
        pkg.dependencies = deps;
        lf.packages.push(pkg);
    }
    if !direct.is_empty() {
        for p in &mut lf.packages {
            p.direct = Some(direct.contains(&p.name));
        }
    }
    lf
}
