//! npm-family lockfiles: package-lock.json / npm-shrinkwrap.json (v1–v3), yarn.lock (v1 and
//! berry), pnpm-lock.yaml (v5–v9) and bun.lock.

use super::yaml::{self, Node};
use super::{DepRef, LineFinder, Lockfile, Package, ParseError, jstr, read_json};
use crate::ecosystem::Ecosystem;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

const NPM: Ecosystem = Ecosystem::Npm;

fn dep_names(v: &Value, keys: &[&str]) -> Vec<DepRef> {
    let mut out = Vec::new();
    for k in keys {
        if let Some(obj) = v.get(*k).and_then(Value::as_object) {
            out.extend(obj.keys().map(DepRef::name));
        }
    }
    out
}

/// package-lock.json and npm-shrinkwrap.json, versions 1, 2 and 3.
pub(super) fn package_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("package-lock.json");
    let Some(root) = lf.parsed(read_json(text)) else {
        return lf;
    };
    if !root.is_object() {
        lf.error(1, "expected a JSON object");
        return lf;
    }
    let version = root
        .get("lockfileVersion")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    lf.format = format!("package-lock.json v{version}");
    let mut finder = LineFinder::new(text);
    if let Some(packages) = root.get("packages").and_then(Value::as_object) {
        let top = packages.get("");
        let direct: HashSet<&str> = top
            .map(|t| {
                [
                    "dependencies",
                    "devDependencies",
                    "optionalDependencies",
                    "peerDependencies",
                ]
                .iter()
                .filter_map(|k| t.get(*k).and_then(Value::as_object))
                .flat_map(|o| o.keys().map(String::as_str))
                .collect()
            })
            .unwrap_or_default();
        for (key, entry) in packages {
            if key.is_empty() {
                continue;
            }
            let line = finder.find(&format!("\"{key}\""));
            let Some(pos) = key.rfind("node_modules/") else {
                continue; // a workspace folder, not an installed package
            };
            if entry.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = jstr(entry, "name").unwrap_or(&key[pos + "node_modules/".len()..]);
            let Some(version) = jstr(entry, "version") else {
                if entry.get("inBundle").is_none() && entry.get("extraneous").is_none() {
                    lf.error(line, format!("`{key}` has no `version`"));
                }
                continue;
            };
            let mut p = Package::new(NPM, name, version, line);
            let top_level = pos == 0 && !key[13..].contains("/node_modules/");
            if !direct.is_empty() {
                p.direct = Some(top_level && direct.contains(name));
            }
            let dev = entry.get("dev").and_then(Value::as_bool) == Some(true)
                || entry.get("devOptional").and_then(Value::as_bool) == Some(true);
            p.dev = Some(dev);
            p.license = jstr(entry, "license").map(str::to_string);
            p.dependencies = dep_names(entry, &["dependencies", "optionalDependencies"]);
            lf.packages.push(p);
        }
        return lf;
    }
    if let Some(deps) = root.get("dependencies").and_then(Value::as_object) {
        v1_deps(deps, &mut finder, &mut lf, 0);
    }
    lf
}

/// Deepest nesting of lockfile v1 `dependencies` read (npm nests one level per conflicting
/// version; JSON itself stops at 128 levels).
const MAX_V1_DEPTH: usize = 48;

fn v1_deps(
    deps: &serde_json::Map<String, Value>,
    finder: &mut LineFinder,
    lf: &mut Lockfile,
    depth: usize,
) {
    for (name, entry) in deps {
        let line = finder.find(&format!("\"{name}\": {{"));
        let Some(version) = jstr(entry, "version") else {
            lf.error(line, format!("`{name}` has no `version`"));
            continue;
        };
        if version.starts_with("file:") || version.starts_with("link:") {
            continue;
        }
        // Aliases (`npm:real@1.0.0`) resolve to the real package.
        let (name, version) = match version.strip_prefix("npm:") {
            Some(alias) => match alias.rfind('@').filter(|&i| i > 0) {
                Some(i) => (&alias[..i], &alias[i + 1..]),
                None => (name.as_str(), alias),
            },
            None => (name.as_str(), version),
        };
        let mut p = Package::new(NPM, name, version, line);
        p.dev = Some(entry.get("dev").and_then(Value::as_bool) == Some(true));
        if let Some(req) = entry.get("requires").and_then(Value::as_object) {
            p.dependencies = req.keys().map(DepRef::name).collect();
        }
        lf.packages.push(p);
        if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
            if depth + 1 >= MAX_V1_DEPTH {
                lf.error(
                    line,
                    format!(
                        "`{name}`: dependencies nested deeper than {MAX_V1_DEPTH} levels: the deeper ones are skipped"
                    ),
                );
                continue;
            }
            v1_deps(nested, finder, lf, depth + 1);
        }
    }
}

/// Splits `name@range` (scoped names start with `@`).
fn split_descriptor(d: &str) -> (&str, &str) {
    // Look after the first character (a scope's `@`), whatever its length in bytes.
    let skip = d.chars().next().map_or(0, char::len_utf8);
    match d[skip..].find('@') {
        Some(i) => (&d[..skip + i], &d[skip + i + 1..]),
        None => (d, ""),
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s)
}

/// yarn.lock, classic (v1) and berry (v2+).
pub(super) fn yarn_lock(text: &str) -> Lockfile {
    let berry = text.contains("\n__metadata:") || text.starts_with("__metadata:");
    let mut lf = Lockfile::new(if berry {
        "yarn.lock (berry)"
    } else {
        "yarn.lock v1"
    });
    struct Entry {
        name: String,
        line: usize,
        version: Option<String>,
        skip: bool,
        deps: Vec<DepRef>,
    }
    let mut cur: Option<Entry> = None;
    let mut in_deps = false;
    let mut entries: Vec<Entry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let line = raw.trim_end();
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = line.len() - body.len();
        if indent == 0 {
            if let Some(e) = cur.take() {
                entries.push(e);
            }
            in_deps = false;
            let Some(header) = body.strip_suffix(':') else {
                lf.error(
                    no,
                    format!("expected an entry header ending with `:`, found `{body}`"),
                );
                continue;
            };
            if header == "__metadata" {
                cur = Some(Entry {
                    name: String::new(),
                    line: no,
                    version: None,
                    skip: true,
                    deps: Vec::new(),
                });
                continue;
            }
            if header.matches('"').count() % 2 == 1 {
                lf.error(no, "unterminated quoted string in entry header");
                continue;
            }
            let first = header.split(", ").next().unwrap_or(header);
            let first = unquote(first);
            let (name, range) = split_descriptor(first);
            let skip = ["workspace:", "link:", "portal:", "file:"]
                .iter()
                .any(|p| range.starts_with(p));
            cur = Some(Entry {
                name: name.to_string(),
                line: no,
                version: None,
                skip,
                deps: Vec::new(),
            });
            continue;
        }
        let Some(e) = cur.as_mut() else {
            lf.error(no, "indented line outside any entry");
            continue;
        };
        if indent <= 2 {
            in_deps = false;
            let (key, value) = match body.split_once(':') {
                Some((k, v)) if berry => (k.trim(), v.trim()),
                _ => match body.split_once(' ') {
                    Some((k, v)) => (k.trim_end_matches(':'), v.trim()),
                    None => (body.trim_end_matches(':'), ""),
                },
            };
            let key = unquote(key);
            match key {
                "version" => e.version = Some(unquote(value).to_string()),
                "dependencies" | "optionalDependencies" => in_deps = true,
                "linkType" if value == "soft" => e.skip = true,
                "resolution" => {
                    let r = unquote(value);
                    let (_, spec) = split_descriptor(r);
                    if ["workspace:", "link:", "portal:", "file:"]
                        .iter()
                        .any(|p| spec.starts_with(p))
                    {
                        e.skip = true;
                    }
                }
                _ => {}
            }
        } else if in_deps {
            let (k, _) = if berry {
                body.split_once(':').unwrap_or((body, ""))
            } else {
                body.split_once(' ').unwrap_or((body, ""))
            };
            e.deps.push(DepRef::name(unquote(k)));
        }
    }
    if let Some(e) = cur.take() {
        entries.push(e);
    }
    for e in entries {
        if e.skip {
            continue;
        }
        let Some(v) = e.version else {
            lf.error(e.line, format!("entry `{}` has no version", e.name));
            continue;
        };
        let mut p = Package::new(NPM, e.name, v, e.line);
        p.dependencies = e.deps;
        lf.packages.push(p);
    }
    lf
}

/// Splits a pnpm package key into name and version, for every lockfile version:
/// `/name/1.0.0` (v5), `/name@1.0.0(peer@2)` (v6), `name@1.0.0` (v9).
fn pnpm_key(key: &str) -> Option<(String, String)> {
    let k = key.strip_prefix('/').unwrap_or(key);
    let k = match k.find('(') {
        Some(i) => &k[..i],
        None => k,
    };
    // The `@` of a scope (`@types/node@1.0.0`) is the key's first character: look after it
    // (whatever its length in bytes, so a hostile first character cannot split a UTF-8 sequence).
    let skip = k.chars().next().map_or(0, char::len_utf8);
    let (name, version) = match k[skip..].rfind('@') {
        Some(i) => (&k[..skip + i], &k[skip + i + 1..]),
        None => {
            // v5: the version is the last path segment, peers after `_`.
            let i = k.rfind('/')?;
            let v = &k[i + 1..];
            (&k[..i], v.split('_').next().unwrap_or(v))
        }
    };
    if name.is_empty() || version.is_empty() {
        return None;
    }
    Some((name.to_string(), version.to_string()))
}

/// The exact version from an importer or dependency entry (`1.0.0(peer@2)`, `/x@1.0.0`).
fn pnpm_version(v: &str) -> &str {
    let v = match v.find('(') {
        Some(i) => &v[..i],
        None => v,
    };
    v.split('_').next().unwrap_or(v)
}

/// pnpm-lock.yaml, lockfile versions 5.x to 9.
pub(super) fn pnpm_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("pnpm-lock.yaml");
    let doc = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            lf.errors.push(e);
            return lf;
        }
    };
    if !matches!(doc, Node::Map(_)) {
        lf.error(1, "expected a YAML mapping");
        return lf;
    }
    let version = doc.str_of("lockfileVersion").unwrap_or("5");
    lf.format = format!("pnpm-lock.yaml v{version}");
    // Direct dependencies: name -> dev.
    let mut direct: HashMap<String, bool> = HashMap::new();
    let mut importers: Vec<&Node> = Vec::new();
    if let Some(imp) = doc.get("importers") {
        importers.extend(imp.entries().iter().map(|e| &e.value));
    } else {
        importers.push(&doc);
    }
    for imp in importers {
        for (section, dev) in [
            ("dependencies", false),
            ("optionalDependencies", false),
            ("devDependencies", true),
        ] {
            for e in imp.get(section).map(Node::entries).unwrap_or(&[]) {
                let dev_before = direct.get(&e.key).copied().unwrap_or(true);
                direct.insert(e.key.clone(), dev && dev_before);
            }
        }
    }
    // Snapshot (v9) of each package key, peer suffixes removed.
    let mut snapshot_of: HashMap<&str, &Node> = HashMap::new();
    for s in doc.get("snapshots").map(Node::entries).unwrap_or(&[]) {
        let base = s.key.split('(').next().unwrap_or(&s.key);
        snapshot_of.entry(base).or_insert(&s.value);
    }
    for e in doc.get("packages").map(Node::entries).unwrap_or(&[]) {
        let Some((name, version)) = pnpm_key(&e.key) else {
            lf.error(e.line, format!("cannot read package key `{}`", e.key));
            continue;
        };
        if version.starts_with("link:") || version.starts_with("file:") {
            continue;
        }
        let mut p = Package::new(NPM, name, version, e.line);
        if let Some(d) = e.value.str_of("dev") {
            p.dev = Some(d == "true");
        }
        if let Some(&dev) = direct.get(&p.name) {
            p.direct = Some(true);
            if p.dev.is_none() {
                p.dev = Some(dev);
            }
        } else if !direct.is_empty() {
            p.direct = Some(false);
        }
        p.license = e.value.str_of("license").map(str::to_string);
        let dep_source = snapshot_of.get(e.key.as_str()).copied().unwrap_or(&e.value);
        for section in ["dependencies", "optionalDependencies"] {
            for d in dep_source.get(section).map(Node::entries).unwrap_or(&[]) {
                p.dependencies.push(DepRef {
                    name: d.key.clone(),
                    version: d.value.as_str().map(|v| pnpm_version(v).to_string()),
                });
            }
        }
        lf.packages.push(p);
    }
    lf
}

/// Turns JSON with comments and trailing commas (JSONC, as bun.lock is) into JSON, keeping every
/// newline so line numbers still hold.
pub(super) fn jsonc_to_json(text: &str) -> String {
    let b = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            out.extend_from_slice(&b[start..i]);
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] == b'\n' {
                    out.push(b'\n');
                }
                i += 1;
            }
            i += 2;
            continue;
        }
        if c == b',' {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if matches!(b.get(j), Some(b'}') | Some(b']')) {
                out.push(b' ');
                i += 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// bun.lock (the text lockfile of Bun 1.2+).
pub(super) fn bun_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("bun.lock");
    let json = jsonc_to_json(text);
    let root = match read_json(&json) {
        Ok(v) => v,
        Err(e) => {
            lf.errors.push(e);
            return lf;
        }
    };
    let mut direct: HashMap<String, bool> = HashMap::new();
    if let Some(ws) = root.get("workspaces").and_then(Value::as_object) {
        for w in ws.values() {
            for (section, dev) in [
                ("dependencies", false),
                ("optionalDependencies", false),
                ("devDependencies", true),
            ] {
                if let Some(o) = w.get(section).and_then(Value::as_object) {
                    for k in o.keys() {
                        let before = direct.get(k).copied().unwrap_or(true);
                        direct.insert(k.clone(), dev && before);
                    }
                }
            }
        }
    }
    let mut finder = LineFinder::new(&json);
    let Some(packages) = root.get("packages").and_then(Value::as_object) else {
        return lf;
    };
    for (key, entry) in packages {
        let line = finder.find(&format!("\"{key}\": ["));
        let Some(ident) = entry.get(0).and_then(Value::as_str) else {
            lf.errors.push(ParseError::new(
                line,
                format!("`{key}` is not `[\"name@version\", …]`"),
            ));
            continue;
        };
        let (name, version) = split_descriptor(ident);
        if version.is_empty() || version.contains(':') {
            continue; // workspace:, link:, file:, github: …
        }
        let mut p = Package::new(NPM, name, version, line);
        let is_top = !key.contains('/') || (key.starts_with('@') && key.matches('/').count() == 1);
        if !direct.is_empty() {
            match direct.get(name) {
                Some(&dev) if is_top => {
                    p.direct = Some(true);
                    p.dev = Some(dev);
                }
                _ => p.direct = Some(false),
            }
        }
        if let Some(meta) = entry.get(2) {
            p.dependencies = dep_names(meta, &["dependencies", "optionalDependencies"]);
        }
        lf.packages.push(p);
    }
    lf
}

#[cfg(test)]
mod tests {
    use super::{pnpm_key, split_descriptor};

    #[test]
    fn descriptors_split_after_a_scope_and_a_multi_byte_first_character() {
        assert_eq!(split_descriptor("lodash@^4.17.0"), ("lodash", "^4.17.0"));
        assert_eq!(split_descriptor("@types/node@^20"), ("@types/node", "^20"));
        assert_eq!(split_descriptor("lodash"), ("lodash", ""));
        // Found by the `deps_lockfile` fuzz target: a three-byte first character.
        assert_eq!(split_descriptor("\u{fffd}etada2a"), ("\u{fffd}etada2a", ""));
        assert_eq!(split_descriptor("\u{fffd}a@1"), ("\u{fffd}a", "1"));
    }

    #[test]
    fn pnpm_keys_of_every_version_split() {
        let split = |k: &str| pnpm_key(k).map(|(n, v)| format!("{n} {v}"));
        assert_eq!(split("/lodash/4.17.20").as_deref(), Some("lodash 4.17.20"));
        assert_eq!(split("/lodash@4.17.20").as_deref(), Some("lodash 4.17.20"));
        assert_eq!(
            split("@types/node@20.1.0(peer@2)").as_deref(),
            Some("@types/node 20.1.0")
        );
    }

    #[test]
    fn a_multi_byte_first_character_does_not_panic() {
        // Found by the `deps_lockfile` fuzz target: the key's first character is three bytes.
        assert_eq!(
            pnpm_key("\u{fffd}/lodash@4.17.20").map(|(n, v)| format!("{n} {v}")),
            Some("\u{fffd}/lodash 4.17.20".to_string())
        );
        assert_eq!(pnpm_key("\u{fffd}"), None);
    }
}
