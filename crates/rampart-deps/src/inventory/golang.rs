//! go.mod: `require` lines (direct unless `// indirect`), with `replace` applied; the
//! `toolchain` directive becomes the `stdlib` package, as the Go vulnerability database names it.

use super::{Lockfile, Package};
use crate::ecosystem::Ecosystem;

/// Parses a go.mod.
pub(super) fn go_mod(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("go.mod");
    let mut block: Option<(String, usize)> = None;
    // (old path, old version or "", new path, new version or "" for local) from `replace`.
    let mut replaces: Vec<(String, String, String, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let (code, comment) = match raw.find("//") {
            Some(c) => (&raw[..c], raw[c + 2..].trim()),
            None => (raw, ""),
        };
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        let (verb, args) = match &block {
            Some((v, _)) if code == ")" => {
                let _ = v;
                block = None;
                continue;
            }
            Some((v, _)) => (v.clone(), code.to_string()),
            None => {
                let (verb, rest) = code.split_once(char::is_whitespace).unwrap_or((code, ""));
                let rest = rest.trim();
                if rest == "(" {
                    block = Some((verb.to_string(), no));
                    continue;
                }
                (verb.to_string(), rest.to_string())
            }
        };
        let fields: Vec<&str> = args
            .split_whitespace()
            .map(|f| f.trim_matches('"'))
            .collect();
        match verb.as_str() {
            "require" => {
                let [path, version] = fields[..] else {
                    lf.error(
                        no,
                        format!("expected `MODULE VERSION` in require, found `{args}`"),
                    );
                    continue;
                };
                let mut p = Package::new(Ecosystem::Go, path, version, no);
                let indirect = comment.split(';').any(|c| c.trim() == "indirect");
                p.direct = Some(!indirect);
                lf.packages.push(p);
            }
            "replace" => {
                let Some(arrow) = fields.iter().position(|f| *f == "=>") else {
                    lf.error(no, "expected `=>` in replace");
                    continue;
                };
                let (old, new) = fields.split_at(arrow);
                let new = &new[1..];
                if old.is_empty() || new.is_empty() {
                    lf.error(no, "incomplete replace directive");
                    continue;
                }
                replaces.push((
                    old[0].to_string(),
                    old.get(1).unwrap_or(&"").to_string(),
                    new[0].to_string(),
                    new.get(1).unwrap_or(&"").to_string(),
                ));
            }
            "toolchain" => {
                if let Some(v) = fields.first().and_then(|t| t.strip_prefix("go")) {
                    let mut p = Package::new(Ecosystem::Go, "stdlib", v, no);
                    p.direct = Some(true);
                    lf.packages.push(p);
                }
            }
            "module" | "go" | "exclude" | "retract" | "godebug" | "tool" | "ignore" => {}
            other => lf.error(no, format!("unknown directive `{other}`")),
        }
    }
    if let Some((verb, line)) = block {
        lf.error(line, format!("`{verb} (` block is never closed"));
    }
    let mut out = Vec::with_capacity(lf.packages.len());
    for mut p in std::mem::take(&mut lf.packages) {
        if let Some((_, _, new, newv)) = replaces
            .iter()
            .find(|(old, oldv, _, _)| *old == p.name && (oldv.is_empty() || *oldv == p.version))
        {
            if newv.is_empty() {
                continue; // replaced by a local directory
            }
            p.name = new.clone();
            p.version = newv.clone();
        }
        out.push(p);
    }
    lf.packages = out;
    lf
}
