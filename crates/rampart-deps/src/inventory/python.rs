//! Python: requirements*.txt, poetry.lock, Pipfile.lock, uv.lock, pdm.lock, pylock.toml.

use super::{DepRef, Include, LineFinder, Lockfile, Package, read_json, read_toml, tstr};
use crate::ecosystem::Ecosystem;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

const PY: Ecosystem = Ecosystem::PyPI;

/// Is `c` allowed in a distribution name?
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

/// requirements*.txt: pinned (`==`/`===`) lines become packages; other requirements are
/// reported as unpinned (empty version, `unpinned` set). `-r` includes are read through
/// `include`, relative to the including file, and their packages keep their own file and line
/// ([`Package::file`]); `-c` constraint files install nothing but pin the version of an
/// unpinned requirement of the same name. Each file is read once. Environment markers are kept
/// in [`Package::marker`].
pub(super) fn requirements(text: &str, include: Option<Include<'_>>) -> Lockfile {
    let mut lf = Lockfile::new("requirements.txt");
    let mut st = ReqState {
        include,
        constraints: Vec::new(),
        visited: HashSet::new(),
    };
    read_requirements(text, &mut st, &mut lf, None, None, 0, false);
    for p in lf.packages.iter_mut().filter(|p| p.unpinned.is_some()) {
        let name = PY.normalise_name(&p.name);
        if let Some(c) = st
            .constraints
            .iter()
            .find(|c| PY.normalise_name(&c.name) == name)
        {
            p.version = c.version.clone();
            p.unpinned = None;
            p.file = c.file.clone();
            p.line = c.line;
        }
    }
    lf
}

/// How many files `-r`/`-c` includes may read, in all, for one top-level requirements file.
pub const MAX_INCLUDED_FILES: usize = 256;

struct ReqState<'a> {
    include: Option<Include<'a>>,
    /// Pinned entries of `-c` files.
    constraints: Vec<Package>,
    /// Included files already read.
    visited: HashSet<String>,
}

/// Reads one requirements file: `file` is its path relative to the top one (`None` for the top
/// one), `at` the line of the top file that included it (where its errors are shown).
fn read_requirements(
    text: &str,
    st: &mut ReqState<'_>,
    lf: &mut Lockfile,
    file: Option<&str>,
    at: Option<usize>,
    depth: usize,
    constraint: bool,
) {
    let mut logical = String::new();
    let mut start_line = 0;
    let lines: Vec<&str> = text.lines().collect();
    let dir = file
        .and_then(|f| f.rsplit_once('/').map(|(d, _)| d))
        .unwrap_or("");
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
        let report_line = at.unwrap_or(start_line);
        let error = |lf: &mut Lockfile, msg: String| match file {
            Some(f) => lf.error(report_line, format!("{f}:{start_line}: {msg}")),
            None => lf.error(report_line, msg),
        };
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
            let is_constraint = matches!(opt, "-c" | "--constraint");
            if is_constraint || matches!(opt, "-r" | "--requirement") {
                if arg.is_empty() {
                    error(lf, format!("`{opt}` needs a file name"));
                    continue;
                }
                if depth > 8 {
                    error(lf, "`-r` includes nested too deep".into());
                    continue;
                }
                let target = super::join_relative(dir, arg);
                if st.visited.contains(&target) {
                    continue; // read already
                }
                if st.visited.len() >= MAX_INCLUDED_FILES {
                    // Distinct paths can name one file many times (`-r d/req.txt` where `d`
                    // links to `.`): without a total, fan-out × depth grows exponentially.
                    if st.visited.len() == MAX_INCLUDED_FILES {
                        error(
                            lf,
                            format!(
                                "more than {MAX_INCLUDED_FILES} files included; `{arg}` and \
                                 further includes were not read"
                            ),
                        );
                        st.visited.insert(target);
                    }
                    continue;
                }
                st.visited.insert(target.clone());
                match st.include.and_then(|f| f(&target)) {
                    Some(bytes) => {
                        let t = String::from_utf8_lossy(&bytes);
                        let t = t.strip_prefix('\u{feff}').unwrap_or(&t);
                        read_requirements(
                            t,
                            st,
                            lf,
                            Some(&target),
                            Some(report_line),
                            depth + 1,
                            constraint || is_constraint,
                        );
                    }
                    None if st.include.is_some() => {
                        error(lf, format!("cannot read included file `{arg}`"))
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
        let (req, marker) = match req.split_once(';') {
            Some((r, m)) => (r.trim(), Some(m.trim()).filter(|m| !m.is_empty())),
            None => (req, None),
        };
        if req.contains("://") || req.starts_with('.') || req.starts_with('/') {
            continue; // a URL or a local path: nothing to look up
        }
        let name_end = req.find(|c: char| !name_char(c)).unwrap_or(req.len());
        let name = &req[..name_end];
        if name.is_empty() {
            error(lf, format!("cannot read requirement `{req}`"));
            continue;
        }
        let mut rest = req[name_end..].trim_start();
        if rest.starts_with('[') {
            match rest.find(']') {
                Some(i) => rest = rest[i + 1..].trim_start(),
                None => {
                    error(lf, format!("unclosed `[` in `{req}`"));
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
            Some(v) => Package::new(PY, name, v, start_line),
            None if constraint => continue, // a range in a constraints file pins nothing
            None => {
                let mut p = Package::new(PY, name, "", start_line);
                p.unpinned = Some(req.to_string());
                p
            }
        };
        p.direct = Some(true);
        p.file = file.map(str::to_string);
        p.marker = marker.map(str::to_string);
        if constraint {
            st.constraints.push(p);
        } else {
            lf.packages.push(p);
        }
    }
}

/// The `[[key]]` array of tables; anything else under that key is an error.
fn toml_packages<'a>(table: &'a toml::Table, key: &str, lf: &mut Lockfile) -> &'a [toml::Value] {
    match table.get(key) {
        None => &[],
        Some(toml::Value::Array(a)) => a,
        Some(other) => {
            lf.error(
                1,
                format!(
                    "`{key}` is {}, expected an array of tables (`[[{key}]]`)",
                    toml_type(other)
                ),
            );
            &[]
        }
    }
}

/// The TOML type of a value, for messages.
fn toml_type(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// The `name` and `version` of a package entry, or what is wrong with them (an entry that is
/// not a table, a field missing or of another type).
fn name_version(p: &toml::Value) -> Result<(&str, &str), String> {
    if !p.is_table() {
        return Err(format!("the entry is {}, expected a table", toml_type(p)));
    }
    let field = |key: &str| match p.get(key) {
        Some(toml::Value::String(s)) => Ok(s.as_str()),
        Some(other) => Err(format!(
            "`{key}` is {}, expected a string",
            toml_type(other)
        )),
        None => Err(format!("no `{key}`")),
    };
    match (field("name"), field("version")) {
        (Ok(n), Ok(v)) => Ok((n, v)),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(a), Err(b)) => Err(format!("{a}, {b}")),
    }
}

/// poetry.lock.
pub(super) fn poetry_lock(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("poetry.lock");
    let Some(table) = lf.parsed(read_toml(text)) else {
        return lf;
    };
    let mut finder = LineFinder::new(text);
    for (i, p) in toml_packages(&table, "package", &mut lf).iter().enumerate() {
        let line = finder.find("[[package]]");
        let (name, version) = match name_version(p) {
            Ok(nv) => nv,
            Err(e) => {
                lf.error(line, format!("package #{}: {e}: skipped", i + 1));
                continue;
            }
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
    let Some(root) = lf.parsed(read_json(text)) else {
        return lf;
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
            p.marker = entry
                .get("markers")
                .and_then(Value::as_str)
                .map(str::to_string);
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
    let Some(table) = lf.parsed(read_toml(text)) else {
        return lf;
    };
    let mut finder = LineFinder::new(text);
    let mut direct: HashMap<String, bool> = HashMap::new();
    for p in toml_packages(&table, "package", &mut lf) {
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
        pkg.marker = tstr(p, "marker").map(str::to_string);
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
    let Some(table) = lf.parsed(read_toml(text)) else {
        return lf;
    };
    let mut finder = LineFinder::new(text);
    for (i, p) in toml_packages(&table, "package", &mut lf).iter().enumerate() {
        let line = finder.find("[[package]]");
        let (name, version) = match name_version(p) {
            Ok(nv) => nv,
            Err(e) => {
                lf.error(line, format!("package #{}: {e}: skipped", i + 1));
                continue;
            }
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
    let Some(table) = lf.parsed(read_toml(text)) else {
        return lf;
    };
    if table.get("lock-version").is_none() {
        lf.error(1, "missing `lock-version`: not a PEP 751 lock file");
    }
    let mut finder = LineFinder::new(text);
    for p in toml_packages(&table, "packages", &mut lf) {
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
        pkg.marker = tstr(p, "marker").map(str::to_string);
        lf.packages.push(pkg);
    }
    lf
}
