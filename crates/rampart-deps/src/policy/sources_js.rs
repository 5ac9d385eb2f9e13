//! Origins of the JavaScript lockfiles that record them per entry besides package-lock and
//! yarn v1: pnpm (`resolution: {tarball | type: git, repo | directory}`, `link:`/`file:`
//! versions), yarn berry (`resolution: "name@protocol"`) and bun (`"name": ["name@ref",
//! "registry", …]`). Line readers over the text once; what they do not recognise is skipped.
//!
//! Packages resolved from the configured default registry record no URL in these formats
//! (pnpm's `integrity` only, berry's `npm:`, bun's `""`) and are not reported.

use super::sources::{Kind, Origin, classify, origin};
use crate::ecosystem::Ecosystem;

/// Longest line read (a minified or generated line holds no entry header).
const MAX_LINE: usize = 16 << 10;

/// `name@ref` → (name, ref): the separator is the first `@` after the first character.
pub(crate) fn split_ident(ident: &str) -> (&str, &str) {
    match ident.char_indices().skip(1).find(|(_, c)| *c == '@') {
        Some((at, _)) => (&ident[..at], &ident[at + 1..]),
        None => (ident, ""),
    }
}

/// The value of `key:` in a YAML flow map written on one line (`{tarball: URL, integrity: …}`).
fn flow_value(text: &str, key: &str) -> Option<String> {
    let at = text.find(&format!("{key}:"))?;
    let before = text[..at].chars().last();
    if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let rest = text[at + key.len() + 1..].trim_start();
    let v: String = rest
        .chars()
        .take_while(|c| !matches!(c, ',' | '}'))
        .collect();
    let v = v.trim().trim_matches(['\'', '"']);
    (!v.is_empty()).then(|| v.to_string())
}

/// The kind of a pnpm entry's resolution text, or of a version that is a reference.
fn pnpm_kind(resolution: &str) -> Option<Kind> {
    if let Some(repo) = flow_value(resolution, "repo") {
        return Some(Kind::Git(repo));
    }
    if let Some(t) = flow_value(resolution, "tarball") {
        return Some(if t.starts_with("file:") || !t.contains("://") {
            Kind::Path(t)
        } else {
            classify(&t)
        });
    }
    flow_value(resolution, "directory").map(Kind::Path)
}

/// A reference written where a version goes (`link:../x`, `file:../x.tgz`, a URL).
fn reference_kind(r: &str) -> Option<Kind> {
    let r = r.split('(').next().unwrap_or(r).trim();
    if r.starts_with("link:") || r.starts_with("file:") {
        Some(Kind::Path(r.to_string()))
    } else if r.contains("://") || r.starts_with("github:") || r.starts_with("git+") {
        Some(classify(r))
    } else {
        None
    }
}

/// pnpm-lock.yaml (v5 to v9).
pub(crate) fn pnpm_lock(text: &str) -> Vec<Origin> {
    let mut out = Vec::new();
    let mut section = "";
    // The current `packages:` entry: (name, version, already reported).
    let mut entry: Option<(String, String, bool)> = None;
    for (i, line) in text.lines().enumerate() {
        if line.len() > MAX_LINE || line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if indent == 0 {
            section = t.trim_end_matches(':');
            entry = None;
            continue;
        }
        match section {
            "packages" if indent == 2 && t.ends_with(':') => {
                let key = t.trim_end_matches(':').trim_matches(['\'', '"']);
                let key = key.strip_prefix('/').unwrap_or(key);
                let (name, version) = if key.contains('@') {
                    let (n, v) = split_ident(key);
                    (n.to_string(), v.to_string())
                } else {
                    // v5: `/name/1.0.0`
                    let (n, v) = key.rsplit_once('/').unwrap_or((key, ""));
                    (n.to_string(), v.to_string())
                };
                let reported = match reference_kind(&version) {
                    Some(kind) => {
                        out.push(origin(Ecosystem::Npm, &name, &version, i + 1, kind));
                        true
                    }
                    None => false,
                };
                entry = Some((name, version, reported));
            }
            "packages" if indent >= 4 => {
                let Some((name, version, reported)) = entry.as_mut() else {
                    continue;
                };
                if *reported {
                    continue;
                }
                let body = t.strip_prefix("resolution:").unwrap_or(t);
                let is_part = t.starts_with("resolution:")
                    || (indent >= 6
                        && ["tarball:", "repo:", "directory:"]
                            .iter()
                            .any(|k| t.starts_with(k)));
                if !is_part {
                    continue;
                }
                if let Some(kind) = pnpm_kind(body) {
                    out.push(origin(Ecosystem::Npm, name, version, i + 1, kind));
                    *reported = true;
                }
            }
            "importers" | "dependencies" | "devDependencies" | "optionalDependencies" => {
                // `version: link:../lib` (v6+), or `name: link:../lib` (v5 top level).
                let Some((key, value)) = t.split_once(':') else {
                    continue;
                };
                if key == "specifier" {
                    continue;
                }
                let value = value.trim().trim_matches(['\'', '"']);
                if let Some(kind @ Kind::Path(_)) = reference_kind(value) {
                    let name = if key == "version" {
                        previous_key(text, i)
                    } else {
                        key.trim_matches(['\'', '"']).to_string()
                    };
                    out.push(origin(Ecosystem::Npm, &name, value, i + 1, kind));
                }
            }
            _ => {}
        }
    }
    out
}

/// The mapping key that holds line `i` (`version:` under `lib:` → `lib`), within 3 lines.
fn previous_key(text: &str, i: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let own = lines[i].len() - lines[i].trim_start().len();
    (i.saturating_sub(3)..i)
        .rev()
        .map(|k| lines[k])
        .find(|l| l.len() - l.trim_start().len() < own)
        .map(|l| {
            l.trim()
                .trim_end_matches(':')
                .trim_matches(['\'', '"'])
                .to_string()
        })
        .unwrap_or_default()
}

/// A yarn berry `resolution: "name@protocol…"` value's origin: `portal:`/`link:`/`file:`/
/// `exec:` and `patch:` (a local patch file applied) are local, git URLs git, archive URLs a
/// registry; `npm:` (the configured registry) and `workspace:` are not reported.
pub(crate) fn berry_resolution(value: &str) -> Option<(String, Kind)> {
    let (name, r) = split_ident(value.trim().trim_matches('"'));
    let kind = if r.starts_with("npm:") || r.starts_with("workspace:") {
        return None;
    } else if let Some(p) = r.strip_prefix("patch:") {
        // `patch:lodash@npm%3A4.17.20#./.yarn/patches/lodash.patch::version=…`; yarn's own
        // built-in compatibility patches are not local code.
        let file = p.split_once('#').map(|(_, f)| f).unwrap_or(p);
        let file = file.split("::").next().unwrap_or(file);
        if file.contains("builtin<") {
            return None;
        }
        Kind::Path(file.to_string())
    } else if ["portal:", "link:", "file:", "exec:"]
        .iter()
        .any(|p| r.starts_with(p))
    {
        Kind::Path(r.split("::").next().unwrap_or(r).to_string())
    } else if r.starts_with("git@") || r.contains(".git#") || r.contains("#commit=") {
        Kind::Git(r.to_string())
    } else if r.contains("://") || r.starts_with("github:") {
        classify(r)
    } else {
        return None;
    };
    Some((name.to_string(), kind))
}

/// bun.lock (text, JSON with trailing commas): each `"packages"` entry on its line,
/// `"key": ["name@ref", "registry URL" | {…}, …]`.
pub(crate) fn bun_lock(text: &str) -> Vec<Origin> {
    let mut out = Vec::new();
    let mut in_packages = false;
    for (i, line) in text.lines().enumerate() {
        if line.len() > MAX_LINE {
            continue;
        }
        let t = line.trim();
        if t.starts_with("\"packages\"") {
            in_packages = true;
            continue;
        }
        if !in_packages {
            continue;
        }
        // `"lodash": ["lodash@4.17.20", "", {}, "sha512-…"],`
        let Some((_, rest)) = t.split_once("\": [\"") else {
            continue;
        };
        let Some((ident, after)) = rest.split_once('"') else {
            continue;
        };
        let (name, r) = split_ident(ident);
        let kind = if r.starts_with("workspace:") {
            continue;
        } else if let Some(k) = reference_kind(r) {
            k
        } else {
            // A version: the second element is the registry it came from ("" = default).
            let registry = after
                .trim_start_matches([',', ' '])
                .strip_prefix('"')
                .and_then(|s| s.split_once('"'))
                .map(|(u, _)| u)
                .unwrap_or("");
            if registry.is_empty() {
                continue;
            }
            classify(registry)
        };
        out.push(origin(Ecosystem::Npm, name, r, i + 1, kind));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::sources::brief;

    #[test]
    fn pnpm_tarball_git_directory_and_links() {
        let text = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      lib:\n        specifier: link:../lib\n        version: link:../lib\n      axios:\n        specifier: ^1\n        version: 1.0.0\n\npackages:\n\n  axios@1.0.0:\n    resolution: {integrity: sha512-x}\n\n  private@2.0.0:\n    resolution: {integrity: sha512-y, tarball: https://npm.corp.example/private/-/private-2.0.0.tgz}\n\n  forked@https://codeload.github.com/o/forked/tar.gz/abc:\n    resolution: {tarball: https://codeload.github.com/o/forked/tar.gz/abc}\n\n  gitdep@git+https://github.com/o/gitdep.git#abc:\n    resolution: {commit: abc, repo: https://github.com/o/gitdep.git, type: git}\n\n  local@file:../local:\n    resolution: {directory: ../local, type: directory}\n";
        let o = pnpm_lock(text);
        assert_eq!(
            brief(&o),
            [
                ("lib", 9, &Kind::Path("link:../lib".into())),
                (
                    "private",
                    20,
                    &Kind::Registry("https://npm.corp.example/private/-/private-2.0.0.tgz".into())
                ),
                (
                    "forked",
                    22,
                    &Kind::Registry("https://codeload.github.com/o/forked/tar.gz/abc".into())
                ),
                (
                    "gitdep",
                    25,
                    &Kind::Git("git+https://github.com/o/gitdep.git#abc".into())
                ),
                ("local", 28, &Kind::Path("file:../local".into())),
            ]
        );
        // v6 keys with a leading slash and a block resolution.
        let v6 = "lockfileVersion: '6.0'\npackages:\n  /x@1.0.0:\n    resolution:\n      tarball: https://npm.corp.example/x.tgz\n";
        assert_eq!(
            brief(&pnpm_lock(v6)),
            [(
                "x",
                5,
                &Kind::Registry("https://npm.corp.example/x.tgz".into())
            )]
        );
    }

    #[test]
    fn berry_protocols() {
        let r = berry_resolution;
        assert_eq!(r("\"lodash@npm:4.17.20\""), None);
        assert_eq!(r("app@workspace:."), None);
        assert_eq!(
            r("\"lib@portal:../lib::locator=app%40workspace%3A.\""),
            Some(("lib".into(), Kind::Path("portal:../lib".into())))
        );
        assert_eq!(
            r("\"fork@https://github.com/o/fork.git#commit=abc\""),
            Some((
                "fork".into(),
                Kind::Git("https://github.com/o/fork.git#commit=abc".into())
            ))
        );
        assert_eq!(
            r("\"@s/p@patch:@s/p@npm%3A1.0.0#./.yarn/patches/p.patch::version=1.0.0&hash=1\""),
            Some(("@s/p".into(), Kind::Path("./.yarn/patches/p.patch".into())))
        );
        assert_eq!(
            r(
                "\"typescript@patch:typescript@npm%3A5.4.5#optional!builtin<compat/typescript>::version=5.4.5\""
            ),
            None
        );
        assert_eq!(
            r("\"x@https://npm.corp.example/x-1.0.0.tgz\""),
            Some((
                "x".into(),
                Kind::Registry("https://npm.corp.example/x-1.0.0.tgz".into())
            ))
        );
    }

    #[test]
    fn bun_registries_git_and_files() {
        let text = "{\n  \"lockfileVersion\": 1,\n  \"packages\": {\n    \"lodash\": [\"lodash@4.17.20\", \"\", {}, \"sha512-x\"],\n    \"priv\": [\"priv@1.0.0\", \"https://npm.corp.example/\", {}, \"sha512-y\"],\n    \"fork\": [\"fork@github:o/fork#abc\", {}, \"o-fork-abc\"],\n    \"lib\": [\"lib@file:../lib\", {}],\n    \"ws\": [\"ws@workspace:packages/ws\"],\n  }\n}\n";
        assert_eq!(
            brief(&bun_lock(text)),
            [
                (
                    "priv",
                    5,
                    &Kind::Registry("https://npm.corp.example/".into())
                ),
                ("fork", 6, &Kind::Git("github:o/fork#abc".into())),
                ("lib", 7, &Kind::Path("file:../lib".into())),
            ]
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for t in [
            "packages:\n  x:\n    resolution: {",
            "packages:\n  '@':\n    resolution: {tarball:}",
            "importers:\n  .:\n    version:",
            "\"packages\": {\n \"a\": [\"",
            "\"packages\": {\n \"a\": [\"@\", \"",
        ] {
            pnpm_lock(t);
            bun_lock(t);
            berry_resolution(t);
        }
    }
}
