//! Gemfile.lock (Bundler): specs of the GEM and GIT sections, DEPENDENCIES for the direct ones.

use super::{DepRef, Lockfile, Package};
use crate::ecosystem::Ecosystem;
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
