//! Gemfile.lock, composer.lock, mix.lock, pubspec.lock and Package.resolved.

use super::yaml::{self, Node};
use super::{DepRef, LineFinder, Lockfile, Package, jstr, read_json};
use crate::ecosystem::Ecosystem;
use serde_json::Value;
use std::collections::HashSet;

/// Gemfile.lock: specs of the GEM and GIT sections; DEPENDENCIES gives the direct ones.
pub(super) fn gemfile_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("Gemfile.lock");
    let mut section = String::new();
    let mut in_specs = false;
    let mut direct: HashSet<String> = HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let line = raw.trim_end();
        if line.is_empty() {
            continue;
        }
        let body = line.trim_start();
        let indent = line.len() - body.len();
        if indent == 0 {
            section = body.to_string();
            in_specs = false;
            continue;
        }
        match section.as_str() {
            "GEM" | "GIT" | "PATH" => {
                if indent == 2 {
                    in_specs = body == "specs:";
                    continue;
                }
                if !in_specs || section == "PATH" {
                    continue;
                }
                let Some((name, rest)) = body.split_once(' ') else {
                    lf.error(no, format!("expected `name (version)`, found `{body}`"));
                    continue;
                };
                let Some(v) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
                    lf.error(no, format!("expected `name (version)`, found `{body}`"));
                    continue;
                };
                if indent == 4 {
                    // `1.13.10-x86_64-linux`: the platform is not part of the version.
                    let version = v.split('-').next().unwrap_or(v);
                    lf.packages
                        .push(Package::new(Ecosystem::RubyGems, name, version, no));
                } else if indent >= 6
                    && let Some(p) = lf.packages.last_mut()
                {
                    p.dependencies.push(DepRef::name(name));
                }
            }
            "DEPENDENCIES" => {
                let name = body.split([' ', '!']).next().unwrap_or(body);
                direct.insert(name.to_string());
            }
            _ => {}
        }
    }
    if !direct.is_empty() {
        for p in &mut lf.packages {
            p.direct = Some(direct.contains(&p.name));
        }
    }
    lf
}

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

/// mix.lock: `"name": {:hex, :package, "version", …}` entries (git and path entries are skipped).
pub(super) fn mix_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("mix.lock");
    let mut opened = false;
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("%{") {
            opened = true;
            continue;
        }
        if line == "}" {
            continue;
        }
        if !opened {
            lf.error(no, "expected `%{` at the start of mix.lock");
            return lf;
        }
        let Some((_key, value)) = line.split_once(": {") else {
            lf.error(no, format!("expected `\"name\": {{…}}`, found `{line}`"));
            continue;
        };
        if !value.starts_with(":hex,") {
            continue; // :git or :path
        }
        let fields: Vec<&str> = value.splitn(4, ',').map(str::trim).collect();
        let (Some(pkg), Some(version)) = (fields.get(1), fields.get(2)) else {
            lf.error(no, "hex entry without package and version");
            continue;
        };
        let name = pkg.trim_start_matches(':');
        let version = version.trim_matches('"');
        if name.is_empty() || version.is_empty() {
            lf.error(no, "hex entry without package and version");
            continue;
        }
        let mut p = Package::new(Ecosystem::Hex, name, version, no);
        for (idx, _) in value.match_indices("[hex: :") {
            let rest = &value[idx + 7..];
            let end = rest.find([',', ']']).unwrap_or(rest.len());
            p.dependencies.push(DepRef::name(rest[..end].trim()));
        }
        lf.packages.push(p);
    }
    lf
}

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

/// Package.resolved (SwiftPM, versions 1 to 3); packages are named by repository URL.
pub(super) fn package_resolved(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("Package.resolved");
    let Some(root) = lf.parsed(read_json(text)) else {
        return lf;
    };
    let pins = root
        .get("pins")
        .or_else(|| root.get("object").and_then(|o| o.get("pins")))
        .and_then(Value::as_array);
    let Some(pins) = pins else {
        lf.error(1, "no `pins`: not a Package.resolved file");
        return lf;
    };
    let mut finder = LineFinder::new(text);
    for pin in pins {
        let Some(url) = jstr(pin, "location").or_else(|| jstr(pin, "repositoryURL")) else {
            lf.error(0, "a pin has no location");
            continue;
        };
        let line = finder.find(&format!("\"{url}\""));
        let Some(version) = pin.get("state").and_then(|s| jstr(s, "version")) else {
            continue; // pinned to a branch or revision
        };
        let name = url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches(".git");
        lf.packages
            .push(Package::new(Ecosystem::SwiftUrl, name, version, line));
    }
    lf
}
