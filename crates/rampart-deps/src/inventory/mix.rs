//! mix.lock (Elixir Mix): the Hex entries.

use super::{DepRef, Lockfile, Package};
use crate::ecosystem::Ecosystem;

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
