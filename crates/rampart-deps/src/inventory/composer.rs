//! composer.lock (PHP Composer): `packages` and `packages-dev`.

use super::{DepRef, LineFinder, Lockfile, Package, jstr, read_json};
use crate::ecosystem::Ecosystem;
use serde_json::Value;

/// composer.lock: `packages` (prod) and `packages-dev`.
pub(super) fn composer_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("composer.lock");
    let Some(root) = lf.parsed(read_json(text)) else {
        return lf;
    };
    let mut finder = LineFinder::new(text);
    for (section, dev) in [("packages", false), ("packages-dev", true)] {
        let Some(list) = root.get(section).and_then(Value::as_array) else {
            continue;
        };
        for entry in list {
            let Some(name) = jstr(entry, "name") else {
                lf.error(0, format!("a `{section}` entry has no `name`"));
                continue;
            };
            let line = finder.find(&format!("\"name\": \"{}\"", name.replace('/', "\\/")));
            let line = if line == 0 {
                finder.find(&format!("\"name\": \"{name}\""))
            } else {
                line
            };
            let Some(version) = jstr(entry, "version") else {
                lf.error(line, format!("`{name}` has no `version`"));
                continue;
            };
            let mut p = Package::new(Ecosystem::Packagist, name, version, line);
            p.dev = Some(dev);
            p.license = entry
                .get("license")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" OR ")
                })
                .filter(|s| !s.is_empty());
            if let Some(req) = entry.get("require").and_then(Value::as_object) {
                p.dependencies = req
                    .keys()
                    .filter(|k| k.contains('/'))
                    .map(DepRef::name)
                    .collect();
            }
            lf.packages.push(p);
        }
    }
    lf
}
