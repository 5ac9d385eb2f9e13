//! Where each package of a lockfile comes from: the registry URL it was resolved from, a git
//! repository, or a local path. Read from the lockfile text itself (the inventory keeps only
//! identities); one reader per format family, each bounded like the inventory's parsers (serde
//! recursion limits, line-based readers over the text once).

use crate::ecosystem::Ecosystem;
use crate::inventory::LineFinder;
use serde_json::Value;

/// Where a package, or a whole requirements file, gets its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A registry or mirror (a download URL or an index URL).
    Registry(String),
    /// A git repository (URL as written).
    Git(String),
    /// A local folder or archive.
    Path(String),
    /// A pip requirement pinned without `--hash`.
    NoHash,
    /// A setting that turns off checksum verification (`GONOSUMDB`, `GOSUMDB=off`) or TLS
    /// (`GOINSECURE`, `GOFLAGS=-insecure`) of downloads.
    Unverified {
        /// The setting as written (`GOSUMDB=off`).
        setting: String,
        /// It turns off TLS (not only checksums).
        tls: bool,
    },
}

/// One origin read from a lockfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The package's ecosystem.
    pub ecosystem: Ecosystem,
    /// The package (empty for a file-wide setting such as `--index-url`).
    pub name: String,
    /// Its version, where written.
    pub version: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// Where it comes from.
    pub kind: Kind,
}

/// The origins written in a lockfile, by its file name; empty for formats that record none.
pub fn read(path: &str, text: &str) -> Vec<Origin> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut origins = match name {
        "package-lock.json" | "npm-shrinkwrap.json" => package_lock(text),
        "yarn.lock" => yarn_lock(text),
        "pnpm-lock.yaml" => super::sources_js::pnpm_lock(text),
        "bun.lock" => super::sources_js::bun_lock(text),
        "Cargo.lock" => cargo_lock(text),
        "poetry.lock" => poetry_lock(text),
        "uv.lock" => uv_lock(text),
        "Pipfile.lock" => pipfile_lock(text),
        "go.mod" => go_mod(text),
        _ if name.starts_with("requirements") && name.ends_with(".txt") => requirements(text),
        _ => super::sources_build::read(path, text).unwrap_or_default(),
    };
    // JSON objects come out of serde in key order: report in file order.
    origins.sort_by_key(|o| o.line);
    origins
}

/// A URL's kind: git (`git+…`, `git://`, `github:`, `…​.git#`), local (`file:`, `link:`),
/// else a registry.
pub(crate) fn classify(url: &str) -> Kind {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    if lower.starts_with("git+")
        || lower.starts_with("git:")
        || lower.starts_with("github:")
        || lower.starts_with("gitlab:")
        || lower.starts_with("bitbucket:")
        || lower.contains(".git#")
    {
        Kind::Git(u.to_string())
    } else if lower.starts_with("file:") || lower.starts_with("link:") || !lower.contains("://") {
        Kind::Path(u.to_string())
    } else {
        Kind::Registry(u.to_string())
    }
}

pub(crate) fn origin(eco: Ecosystem, name: &str, version: &str, line: usize, kind: Kind) -> Origin {
    Origin {
        ecosystem: eco,
        name: name.to_string(),
        version: version.to_string(),
        line,
        kind,
    }
}

fn package_lock(text: &str) -> Vec<Origin> {
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return Vec::new(); // the inventory reports the syntax error
    };
    let mut lines = LineFinder::new(text);
    let mut out = Vec::new();
    if let Some(packages) = doc.get("packages").and_then(Value::as_object) {
        for (key, entry) in packages {
            let Some(at) = key.rfind("node_modules/") else {
                continue; // the project itself, or a workspace member
            };
            let name = &key[at + "node_modules/".len()..];
            let version = entry.get("version").and_then(Value::as_str).unwrap_or("");
            let resolved = entry.get("resolved").and_then(Value::as_str);
            let kind = if entry.get("link").and_then(Value::as_bool) == Some(true) {
                Kind::Path(resolved.unwrap_or(key).to_string())
            } else if let Some(r) = resolved {
                classify(r)
            } else if version.starts_with("file:") || version.contains("://") {
                classify(version)
            } else {
                continue;
            };
            let line = lines.find(&format!("\"{key}\""));
            out.push(origin(Ecosystem::Npm, name, version, line, kind));
        }
    } else if let Some(deps) = doc.get("dependencies").and_then(Value::as_object) {
        // lockfile v1: the top level is enough to see registries and git/file versions.
        for (name, entry) in deps {
            let version = entry.get("version").and_then(Value::as_str).unwrap_or("");
            let kind = match entry.get("resolved").and_then(Value::as_str) {
                Some(r) => classify(r),
                None if version.contains(':') => classify(version),
                None => continue,
            };
            let line = lines.find(&format!("\"{name}\""));
            out.push(origin(Ecosystem::Npm, name, version, line, kind));
        }
    }
    out
}

/// yarn v1: `resolved "URL"` under each entry; the entry's name from its header line. yarn
/// berry: `resolution: "name@protocol…"` (see [`super::sources_js::berry_resolution`]).
fn yarn_lock(text: &str) -> Vec<Origin> {
    let mut out = Vec::new();
    let mut name = String::new();
    let mut version = String::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            // `"@scope/x@^1.0.0", "@scope/x@^1.1.0":` → `@scope/x`
            let first = line
                .trim_end_matches(':')
                .split(',')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"');
            // The version separator is the first `@` after the first character (`@scope/x@^1`).
            name = match first.char_indices().skip(1).find(|(_, c)| *c == '@') {
                Some((at, _)) => first[..at].to_string(),
                None => first.to_string(),
            };
            version.clear();
            continue;
        }
        let t = line.trim();
        if let Some(v) = t.strip_prefix("version ") {
            version = v.trim_matches('"').to_string();
        } else if let Some(r) = t.strip_prefix("resolved ") {
            let r = r.trim_matches('"');
            out.push(origin(Ecosystem::Npm, &name, &version, i + 1, classify(r)));
        } else if let Some(v) = t.strip_prefix("version: ") {
            version = v.trim_matches('"').to_string();
        } else if let Some(r) = t.strip_prefix("resolution: ")
            && let Some((n, kind)) = super::sources_js::berry_resolution(r)
        {
            out.push(origin(Ecosystem::Npm, &n, &version, i + 1, kind));
        }
    }
    out
}

/// Cargo.lock `source`: `registry+URL`, `sparse+URL`, `git+URL#commit`. Packages without a
/// source (workspace members and path dependencies alike) cannot be told apart: not reported.
fn cargo_lock(text: &str) -> Vec<Origin> {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let mut lines = LineFinder::new(text);
    let mut out = Vec::new();
    for p in doc
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(source)) = (
            p.get("name").and_then(|v| v.as_str()),
            p.get("source").and_then(|v| v.as_str()),
        ) else {
            continue;
        };
        let version = p.get("version").and_then(|v| v.as_str()).unwrap_or("");
        let line = lines.find(&format!("name = \"{name}\""));
        let kind = if let Some(url) = source.strip_prefix("git+") {
            Kind::Git(url.to_string())
        } else if let Some(url) = source.strip_prefix("path+") {
            Kind::Path(url.to_string())
        } else {
            Kind::Registry(source.to_string())
        };
        out.push(origin(Ecosystem::CratesIo, name, version, line, kind));
    }
    out
}

/// The `[[package]]` entries of a TOML lockfile that have a `source` table: (name, version,
/// source), as poetry.lock and uv.lock write them.
fn sourced_packages(doc: &toml::Table) -> impl Iterator<Item = (&str, &str, &toml::Table)> {
    doc.get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p.get("name").and_then(|v| v.as_str())?;
            let src = p.get("source").and_then(|v| v.as_table())?;
            let version = p.get("version").and_then(|v| v.as_str()).unwrap_or("");
            Some((name, version, src))
        })
}

/// poetry.lock `[package.source]`: `type = "git" | "directory" | "file" | "url" | "legacy"`.
fn poetry_lock(text: &str) -> Vec<Origin> {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let mut lines = LineFinder::new(text);
    let mut out = Vec::new();
    for (name, version, src) in sourced_packages(&doc) {
        let url = src
            .get("url")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let kind = match src.get("type").and_then(|v| v.as_str()) {
            Some("git") => Kind::Git(url),
            Some("directory" | "file") => Kind::Path(url),
            _ => Kind::Registry(url),
        };
        let line = lines.find(&format!("name = \"{name}\""));
        out.push(origin(Ecosystem::PyPI, name, version, line, kind));
    }
    out
}

/// uv.lock `source = { registry = … } | { git = … } | { path | directory | editable = … }`;
/// the project itself (`virtual`, `editable = "."`) is skipped.
fn uv_lock(text: &str) -> Vec<Origin> {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let mut lines = LineFinder::new(text);
    let mut out = Vec::new();
    for (name, version, src) in sourced_packages(&doc) {
        let s = |k: &str| src.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let kind = if let Some(u) = s("registry") {
            Kind::Registry(u)
        } else if let Some(u) = s("git") {
            Kind::Git(u)
        } else if let Some(u) = s("url") {
            Kind::Registry(u)
        } else if let Some(u) = s("path")
            .or_else(|| s("directory"))
            .or_else(|| s("editable"))
        {
            if u == "." {
                continue;
            }
            Kind::Path(u)
        } else {
            continue;
        };
        let line = lines.find(&format!("name = \"{name}\""));
        out.push(origin(Ecosystem::PyPI, name, version, line, kind));
    }
    out
}

/// Pipfile.lock: `_meta.sources[].url` (file-wide), entries with `git`, `path` or `file`.
fn pipfile_lock(text: &str) -> Vec<Origin> {
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let mut lines = LineFinder::new(text);
    let mut out = Vec::new();
    let sources = doc.pointer("/_meta/sources").and_then(Value::as_array);
    for s in sources.into_iter().flatten() {
        if let Some(url) = s.get("url").and_then(Value::as_str) {
            let line = lines.find(&format!("\"{url}\""));
            out.push(origin(
                Ecosystem::PyPI,
                "",
                "",
                line,
                Kind::Registry(url.into()),
            ));
        }
    }
    for section in ["default", "develop"] {
        let Some(entries) = doc.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, e) in entries {
            let s = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
            let kind = if let Some(u) = s("git") {
                Kind::Git(u)
            } else if let Some(u) = s("path").or_else(|| s("file")) {
                classify(&u)
            } else {
                continue;
            };
            let version = s("version").unwrap_or_default();
            let line = lines.find(&format!("\"{name}\""));
            out.push(origin(
                Ecosystem::PyPI,
                name,
                version.trim_start_matches("=="),
                line,
                kind,
            ));
        }
    }
    out
}

/// go.mod `replace` directives to a local folder (`=> ../fork`).
fn go_mod(text: &str) -> Vec<Origin> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("").trim();
        let body = if in_block {
            if line == ")" {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("replace") {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        let Some((left, right)) = body.split_once("=>") else {
            continue;
        };
        let target = right.split_whitespace().next().unwrap_or("");
        if target.starts_with("./") || target.starts_with("../") || target.starts_with('/') {
            let name = left.split_whitespace().next().unwrap_or("");
            out.push(origin(
                Ecosystem::Go,
                name,
                "",
                i + 1,
                Kind::Path(target.into()),
            ));
        }
    }
    out
}

/// requirements*.txt: `--index-url`/`-i`, `--extra-index-url`, `--find-links`/`-f` (file-wide),
/// VCS and local requirements (`-e git+…`, `name @ git+…`, `./pkg`, `file:…`), and pinned
/// requirements without `--hash`. Continuation lines (`\`) are joined.
fn requirements(text: &str) -> Vec<Origin> {
    let mut out = Vec::new();
    let mut joined = String::new();
    let mut start = 0;
    let eco = Ecosystem::PyPI;
    for (i, raw) in text.lines().enumerate() {
        if joined.is_empty() {
            start = i + 1;
        }
        let no_comment = match raw.find(" #") {
            Some(at) => &raw[..at],
            None if raw.trim_start().starts_with('#') => "",
            None => raw,
        };
        if let Some(cont) = no_comment.trim_end().strip_suffix('\\') {
            joined.push_str(cont);
            joined.push(' ');
            continue;
        }
        joined.push_str(no_comment);
        let line = std::mem::take(&mut joined);
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        let option = |w: &str| -> Option<String> {
            for (k, x) in words.iter().enumerate() {
                if *x == w {
                    return words.get(k + 1).map(|s| s.to_string());
                }
                if let Some(v) = x.strip_prefix(&format!("{w}=")) {
                    return Some(v.to_string());
                }
            }
            None
        };
        let index = [
            "--index-url",
            "-i",
            "--extra-index-url",
            "--find-links",
            "-f",
        ]
        .iter()
        .find_map(|w| option(w));
        if let Some(url) = index {
            out.push(origin(eco, "", "", start, classify(&url)));
            continue;
        }
        if t.starts_with("-r")
            || t.starts_with("-c")
            || (t.starts_with("--") && !t.starts_with("--editable"))
        {
            continue;
        }
        let editable = t
            .strip_prefix("-e")
            .or_else(|| t.strip_prefix("--editable"));
        let spec = editable.unwrap_or(t).trim().trim_start_matches('=').trim();
        let spec = spec.split_whitespace().next().unwrap_or("");
        // `name @ URL` (PEP 508): the URL is what counts.
        let url = match t.split_once(" @ ") {
            Some((_, u)) => u.split_whitespace().next().unwrap_or(""),
            None => spec,
        };
        let name_of = |s: &str| {
            s.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .next()
                .unwrap_or("")
                .to_string()
        };
        let lower = url.to_ascii_lowercase();
        let vcs = ["git+", "hg+", "svn+", "bzr+"]
            .iter()
            .any(|p| lower.starts_with(p));
        let local = editable.is_some()
            || lower.starts_with("file:")
            || url.starts_with("./")
            || url.starts_with("../")
            || url.starts_with('/');
        if vcs {
            let name = match (t.split_once(" @ "), url.split_once("#egg=")) {
                (Some((n, _)), _) => name_of(n.trim()),
                (None, Some((_, egg))) => name_of(egg),
                _ => String::new(),
            };
            out.push(origin(eco, &name, "", start, Kind::Git(url.into())));
        } else if local {
            let name = t
                .split_once(" @ ")
                .map(|(n, _)| name_of(n.trim()))
                .unwrap_or_default();
            out.push(origin(eco, &name, "", start, Kind::Path(url.into())));
        } else if lower.contains("://") {
            let name = t
                .split_once(" @ ")
                .map(|(n, _)| name_of(n.trim()))
                .unwrap_or_default();
            out.push(origin(eco, &name, "", start, Kind::Registry(url.into())));
        } else if !t.contains("--hash") {
            let name = name_of(spec);
            let version = spec
                .split_once("==")
                .map(|(_, v)| v.split([';', ' ']).next().unwrap_or(""))
                .unwrap_or("");
            if !name.is_empty() {
                out.push(origin(eco, &name, version.trim(), start, Kind::NoHash));
            }
        }
    }
    out
}

/// A registry URL as compared with the allow list: `registry+`/`sparse+` dropped, scheme and
/// host lower-cased, no trailing `/`.
pub fn normalise_url(url: &str) -> String {
    let u = url.trim();
    let u = u
        .strip_prefix("registry+")
        .or_else(|| u.strip_prefix("sparse+"))
        .unwrap_or(u);
    let (scheme, rest) = u.split_once("://").unwrap_or(("", u));
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    // Credentials (`user:token@host`) are not part of where a package comes from.
    let host = host.rsplit_once('@').map(|(_, h)| h).unwrap_or(host);
    let path = path.trim_end_matches('/');
    let mut out = format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    );
    if !path.is_empty() {
        out.push('/');
        out.push_str(path);
    }
    out
}

/// The registries allowed when `[policy.sources] allow` is not given: each ecosystem's public
/// one (and its download hosts).
pub const PUBLIC_REGISTRIES: &[&str] = &[
    "https://registry.npmjs.org",
    "https://registry.yarnpkg.com",
    "https://pypi.org",
    "https://pypi.python.org",
    "https://files.pythonhosted.org",
    "https://github.com/rust-lang/crates.io-index",
    "https://index.crates.io",
    "https://proxy.golang.org",
    "https://repo.maven.apache.org/maven2",
    "https://repo1.maven.org/maven2",
    "https://rubygems.org",
    "https://repo.packagist.org",
    "https://api.nuget.org",
    "https://pub.dev",
    "https://repo.hex.pm",
];

/// Whether `url` is under one of the allowed prefixes (whole path segments).
pub fn allowed(url: &str, allow: &[String]) -> bool {
    let u = normalise_url(url);
    allow.iter().any(|a| {
        let a = normalise_url(a);
        u == a
            || u.strip_prefix(&a)
                .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('?'))
    })
}

/// The name, line and kind of each origin: what the source readers' tests compare.
#[cfg(test)]
pub(crate) fn brief(o: &[Origin]) -> Vec<(&str, usize, &Kind)> {
    o.iter()
        .map(|o| (o.name.as_str(), o.line, &o.kind))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(path: &str, text: &str) -> Vec<(String, usize, Kind)> {
        read(path, text)
            .into_iter()
            .map(|o| (o.name, o.line, o.kind))
            .collect()
    }

    #[test]
    fn npm_package_lock() {
        let text = r#"{
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "app"},
    "node_modules/left-pad": {"version": "1.3.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"},
    "node_modules/mirror": {"version": "1.0.0", "resolved": "https://npm.corp.example/mirror/-/mirror-1.0.0.tgz"},
    "node_modules/forked": {"version": "2.0.0", "resolved": "git+ssh://git@github.com/x/forked.git#abc123"},
    "node_modules/local": {"resolved": "../local", "link": true},
    "packages/member": {"version": "1.0.0"}
  }
}"#;
        let k = kinds("package-lock.json", text);
        assert_eq!(k.len(), 4, "{k:?}");
        assert_eq!(k[0].0, "left-pad");
        assert!(matches!(k[1].2, Kind::Registry(ref u) if u.contains("corp")));
        assert_eq!(k[1].1, 6);
        assert!(matches!(k[2].2, Kind::Git(_)));
        assert!(matches!(k[3].2, Kind::Path(ref p) if p == "../local"));
    }

    #[test]
    fn yarn_and_cargo() {
        let yarn = "# yarn lockfile v1\n\n\"@scope/x@^1.0.0\", \"@scope/x@^1.1.0\":\n  version \"1.1.0\"\n  resolved \"https://registry.yarnpkg.com/@scope/x/-/x-1.1.0.tgz#abc\"\n\ny@git+https://github.com/o/y.git:\n  version \"0.1.0\"\n  resolved \"git+https://github.com/o/y.git#deadbeef\"\n";
        let k = kinds("yarn.lock", yarn);
        assert_eq!(
            k[0],
            (
                "@scope/x".into(),
                5,
                Kind::Registry("https://registry.yarnpkg.com/@scope/x/-/x-1.1.0.tgz#abc".into())
            )
        );
        assert_eq!(k[1].0, "y");
        assert!(matches!(k[1].2, Kind::Git(_)));
        let cargo = "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"patched\"\nversion = \"0.1.0\"\nsource = \"git+https://github.com/o/patched?branch=main#0123abc\"\n";
        let k = kinds("Cargo.lock", cargo);
        assert_eq!(k.len(), 2);
        assert_eq!(k[0].1, 8);
        assert!(allowed(
            "registry+https://github.com/rust-lang/crates.io-index",
            &PUBLIC_REGISTRIES
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        ));
        assert!(matches!(k[1].2, Kind::Git(_)));
    }

    #[test]
    fn python_formats() {
        let req = "--index-url https://pypi.corp.example/simple\nrequests==2.32.3 \\\n    --hash=sha256:abc\nflask==3.0.0\n-e git+https://github.com/o/lib.git#egg=lib\n./vendored/pkg\nmylib @ git+https://github.com/o/mylib@v1\n-r other.txt\n# comment\n";
        let k = kinds("requirements.txt", req);
        assert_eq!(
            k[0],
            (
                String::new(),
                1,
                Kind::Registry("https://pypi.corp.example/simple".into())
            )
        );
        assert_eq!(k[1], ("flask".into(), 4, Kind::NoHash));
        assert_eq!(k[2].0, "lib");
        assert!(matches!(k[2].2, Kind::Git(_)));
        assert!(matches!(k[3].2, Kind::Path(ref p) if p == "./vendored/pkg"));
        assert_eq!(k[4].0, "mylib");
        assert!(matches!(k[4].2, Kind::Git(_)));
        assert_eq!(k.len(), 5, "{k:?}");
        let poetry = "[[package]]\nname = \"a\"\nversion = \"1.0\"\n\n[package.source]\ntype = \"git\"\nurl = \"https://github.com/o/a.git\"\n\n[[package]]\nname = \"b\"\nversion = \"1.0\"\n\n[package.source]\ntype = \"legacy\"\nurl = \"https://mirror.example/simple\"\n";
        let k = kinds("poetry.lock", poetry);
        assert!(matches!(k[0].2, Kind::Git(_)));
        assert_eq!(
            (k[1].1, k[1].2.clone()),
            (10, Kind::Registry("https://mirror.example/simple".into()))
        );
        let uv = "version = 1\n[[package]]\nname = \"app\"\nversion = \"0.1\"\nsource = { editable = \".\" }\n[[package]]\nname = \"c\"\nversion = \"1.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n[[package]]\nname = \"d\"\nversion = \"1.0\"\nsource = { path = \"../d\" }\n";
        let k = kinds("uv.lock", uv);
        assert_eq!(k.len(), 2);
        assert!(matches!(k[1].2, Kind::Path(_)));
        let pipfile = r#"{"_meta": {"sources": [{"name": "corp", "url": "https://pypi.corp.example/simple", "verify_ssl": true}]},
 "default": {"e": {"git": "https://github.com/o/e.git", "ref": "abc"}, "f": {"version": "==1.0"}}, "develop": {}}"#;
        let k = kinds("Pipfile.lock", pipfile);
        assert_eq!(k.len(), 2);
        assert!(matches!(k[1].2, Kind::Git(_)));
    }

    #[test]
    fn go_replace_to_a_folder() {
        let gomod = "module x\n\nreplace github.com/a/b => ../b\nreplace (\n\tgithub.com/c/d v1.0.0 => github.com/e/d v1.0.1\n\tgithub.com/f/g => ./g // local\n)\n";
        let k = kinds("go.mod", gomod);
        assert_eq!(
            k,
            vec![
                ("github.com/a/b".into(), 3, Kind::Path("../b".into())),
                ("github.com/f/g".into(), 6, Kind::Path("./g".into())),
            ]
        );
    }

    #[test]
    fn url_prefixes() {
        let allow = vec![
            "https://Registry.npmjs.org/".to_string(),
            "https://mirror.example/npm".to_string(),
        ];
        assert!(allowed("https://registry.npmjs.org/x/-/x-1.tgz", &allow));
        assert!(allowed("https://mirror.example/npm/x.tgz", &allow));
        assert!(!allowed("https://mirror.example/npmevil/x.tgz", &allow));
        assert!(
            !allowed("http://registry.npmjs.org/x", &allow),
            "plain http is another source"
        );
        assert!(!allowed(
            "https://registry.npmjs.org.evil.example/x",
            &allow
        ));
        assert!(allowed(
            "sparse+https://index.crates.io/",
            &["https://index.crates.io".to_string()]
        ));
        assert!(allowed("https://u:tok@mirror.example/npm/x.tgz", &allow));
    }
}
