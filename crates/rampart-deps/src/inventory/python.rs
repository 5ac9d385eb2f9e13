//! Python: requirements*.txt, poetry.lock, Pipfile.lock, uv.lock, pdm.lock, pylock.toml.

use super::{DepRef, Include, LineFinder, Lockfile, Package, read_json, read_toml, tstr};
use crate::ecosystem::Ecosystem;
use serde_json::Value;
use std::collections::HashMap;

const PY: Ecosystem = Ecosystem::PyPI;

/// Is `c` allowed in a distribution name?
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

/// requirements*.txt: pinned (`==`/`===`) lines become packages; other requirements are
/// reported as unpinned (empty version, `unpinned` set). `-r`/`-c` includes are followed through
/// `include` (relative to this file) unless the included file is itself a requirements file that
/// the scan reads on its own.
pub(super) fn requirements(text: &str, include: Option<Include<'_>>) -> Lockfile {
    let mut lf = Lockfile::new("requirements.txt");
    read_requirements(text, include, &mut lf, None, 0);
    lf
}

fn read_requirements(
    text: &str,
    include: Option<Include<'_>>,
    lf: &mut Lockfile,
    at_line: Option<usize>,
    depth: usize,
) {
    let mut logical = String::new();
    let mut start_line = 0;
    let lines: Vec<&str> = text.lines().collect();
    for (i, raw) in lines.iter().enumerate() {
        if logical.is_empty() {
            start_line = i + 1;
        }
        if let Some(cont) = raw.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            if i + 1 < lines.len() {
                continue;
            }
        } else {
            logical.push_str(raw);
        }
        let line = std::mem::take(&mut logical);
        let report_line = at_line.unwrap_or(start_line);
        // Comments: `#` at the start or after white space.
        let line = match line.find(" #").or_else(|| line.find("\t#")) {
            Some(i) => &line[..i],
            None if line.trim_start().starts_with('#') => "",
            None => &line,
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('-') {
            let (opt, arg) = match line.split_once(['=', ' ']) {
                Some((o, a)) => (o, a.trim()),
                None => (line, ""),
            };
            if matches!(opt, "-r" | "--requirement" | "-c" | "--constraint") {
                if arg.is_empty() {
                    lf.error(report_line, format!("`{opt}` needs a file name"));
                    continue;
                }
                let own = arg.rsplit('/').next().unwrap_or(arg);
                if own.starts_with("requirements") && own.ends_with(".txt") && depth == 0 {
                    continue; // scanned on its own
                }
                if depth > 8 {
                    lf.error(report_line, "`-r` includes nested too deep");
                    continue;
                }
                match include.and_then(|f| f(arg)) {
                    Some(bytes) => {
                        let t = String::from_utf8_lossy(&bytes);
                        read_requirements(&t, include, lf, Some(report_line), depth + 1);
                    }
                    None if include.is_some() => {
                        lf.error(report_line, format!("cannot read included file `{arg}`"))
                    }
                    None => {}
                }
            }
            continue; // other options: index URLs, -e, --hash on its own line…
        }
        // Drop `--hash=…` and other per-requirement options.
        let req = match line.find(" --") {
            Some(i) => line[..i].trim(),
            None => line,
        };
        let (req, _marker) = match req.split_once(';') {
            Some((r, m)) => (r.trim(), Some(m.trim())),
            None => (req, None),
        };
        if req.contains("://") || req.starts_with('.') || req.starts_with('/') {
            continue; // a URL or a local path: nothing to look up
        }
        let name_end = req.find(|c: char| !name_char(c)).unwrap_or(req.len());
        let name = &req[..name_end];
        if name.is_empty() {
            lf.error(report_line, format!("cannot read requirement `{req}`"));
            continue;
        }
        let mut rest = req[name_end..].trim_start();
        if rest.starts_with('[') {
            match rest.find(']') {
                Some(i) => rest = rest[i + 1..].trim_start(),
                None => {
                    lf.error(report_line, format!("unclosed `[` in `{req}`"));
                    continue;
                }
            }
        }
        if rest.starts_with('@') {
            continue; // direct reference
        }
        let pinned = rest
            .strip_prefix("===")
            .or_else(|| rest.strip_prefix("=="))
            .map(str::trim)
            .filter(|v| !v.is_empty() && !v.contains(['*', ',', '<', '>', '!', '~']));
        let mut p = match pinned {
            Some(v) => Package::new(PY, name, v, report_line),
            None => {
                let mut p = Package::new(PY, name, "", report_line);
                p.unpinned = Some(req.to_string());
                p
            }
        };
        p.direct = Some(true);
        lf.packages.push(p);
    }
}

fn toml_packages<'a>(table: &'a toml::Table, key: &str) -> &'a [toml::Value] {
    table
        .get(key)
        .and_then(|p| p.as_array())
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// poetry.lock.
pub(super) fn poetry_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("poetry.lock");
    let table = match read_toml(text) {
        Ok(t) => t,
        Err(e) => {
            lf.errors.push(e);
            return lf;
        }
    };
    let mut finder = LineFinder::new(text);
    for p in toml_packages(&table, "package") {
        let line = finder.find("[[package]]");
        let (Some(name), Some(version)) = (tstr(p, "name"), tstr(p, "version")) else {
            lf.error(line, "package without `name` or `version`");
            continue;
        };
        if p.get("source")
            .and_then(|s| tstr(s, "type"))
            .is_some_and(|t| t == "directory" || t == "file")
        {
            continue;
        }
        let mut pkg = Package::new(PY, name, version, line);
        if let Some(cat) = tstr(p, "category") {
            pkg.dev = Some(cat == "dev");
        } else if let Some(groups) = p.get("groups").and_then(|g| g.as_array()) {
            pkg.dev = Some(!groups.iter().any(|g| g.as_str() == Some("main")));
        }
        if let Some(deps) = p.get("dependencies").and_then(|d| d.as_table()) {
            pkg.dependencies = deps.keys().map(DepRef::name).collect();
        }
        lf.packages.push(pkg);
    }
    lf
}

/// Pipfile.lock.
pub(super) fn pipfile_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("Pipfile.lock");
    let root = match read_json(text) {
        Ok(v) => v,
        Err(e) => {
            lf.errors.push(e);
            return lf;
        }
    };
    let mut finder = LineFinder::new(text);
    for (section, dev) in [("default", false), ("develop", true)] {
        let Some(obj) = root.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, entry) in obj {
            let line = finder.find(&format!("\"{name}\": {{"));
            let Some(v) = entry.get("version").and_then(Value::as_str) else {
                continue; // VCS or path dependency
            };
            let v = v.trim_start_matches("==").trim_start_matches('=');
            let mut p = Package::new(PY, name, v, line);
            p.dev = Some(dev);
            lf.packages.push(p);
        }
    }
    lf
}

fn dep_list(v: Option<&toml::Value>) -> Vec<DepRef> {
    v.and_then(|d| d.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|d| match d {
                    toml::Value::String(s) => {
                        let end = s.find(|c: char| !name_char(c)).unwrap_or(s.len());
                        Some(DepRef::name(&s[..end]))
                    }
                    other => tstr(other, "name").map(DepRef::name),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// uv.lock. The project itself (an editable or virtual source) gives the direct dependencies.
pub(super) fn uv_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("uv.lock");
    let table = match read_toml(text) {
        Ok(t) => t,
        Err(e) => {
            lf.errors.push(e);
            return lf;
        }
    };
    let mut finder = LineFinder::new(text);
    let mut direct: HashMap<String, bool> = HashMap::new();
    for p in toml_packages(&table, "package") {
        let line = finder.find("[[package]]");
        let Some(name) = tstr(p, "name") else {
            lf.error(line, "package without `name`");
            continue;
        };
        let local = p.get("source").is_some_and(|s| {
            s.get("editable").is_some()
                || s.get("virtual").is_some()
                || s.get("directory").is_some()
                || s.get("path").is_some()
        });
        if local {
            for d in dep_list(p.get("dependencies")) {
                direct.insert(PY.normalise_name(&d.name), false);
            }
            if let Some(opt) = p.get("optional-dependencies").and_then(|o| o.as_table()) {
                for v in opt.values() {
                    for d in dep_list(Some(v)) {
                        direct.entry(PY.normalise_name(&d.name)).or_insert(false);
                    }
                }
            }
            if let Some(dev) = p.get("dev-dependencies").and_then(|o| o.as_table()) {
                for v in dev.values() {
                    for d in dep_list(Some(v)) {
                        direct.entry(PY.normalise_name(&d.name)).or_insert(true);
                    }
                }
            }
            continue;
        }
        let Some(version) = tstr(p, "version") else {
            lf.error(line, format!("package `{name}` has no `version`"));
            continue;
        };
        let mut pkg = Package::new(PY, name, version, line);
        pkg.dependencies = dep_list(p.get("dependencies"));
        lf.packages.push(pkg);
    }
    if !direct.is_empty() {
        for p in &mut lf.packages {
            match direct.get(&PY.normalise_name(&p.name)) {
                Some(&dev) => {
                    p.direct = Some(true);
                    p.dev = Some(dev);
                }
                None => p.direct = Some(false),
            }
        }
    }
    lf
}

/// pdm.lock.
pub(super) fn pdm_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("pdm.lock");
    let table = match read_toml(text) {
        Ok(t) => t,
        Err(e) => {
            lf.errors.push(e);
            return lf;
        }
    };
    let mut finder = LineFinder::new(text);
    for p in toml_packages(&table, "package") {
        let line = finder.find("[[package]]");
        let (Some(name), Some(version)) = (tstr(p, "name"), tstr(p, "version")) else {
            lf.error(line, "package without `name` or `version`");
            continue;
        };
        let mut pkg = Package::new(PY, name, version, line);
        if let Some(groups) = p.get("groups").and_then(|g| g.as_array()) {
            pkg.dev = Some(!groups.iter().any(|g| g.as_str() == Some("default")));
        }
        pkg.dependencies = dep_list(p.get("dependencies"));
        lf.packages.push(pkg);
    }
    lf
}

/// pylock.toml (PEP 751).
pub(super) fn pylock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("pylock.toml");
    let table = match read_toml(text) {
        Ok(t) => t,
        Err(e) => {
            lf.errors.push(e);
            return lf;
        }
    };
    if table.get("lock-version").is_none() {
        lf.error(1, "missing `lock-version`: not a PEP 751 lock file");
    }
    let mut finder = LineFinder::new(text);
    for p in toml_packages(&table, "packages") {
        let line = finder.find("[[packages]]");
        let Some(name) = tstr(p, "name") else {
            lf.error(line, "package without `name`");
            continue;
        };
        let Some(version) = tstr(p, "version") else {
            continue; // VCS, directory or archive without a version
        };
        let mut pkg = Package::new(PY, name, version, line);
        pkg.dependencies = dep_list(p.get("dependencies"));
        lf.packages.push(pkg);
    }
    lf
}
