//! Version requirements as manifests write them, raised so that their floor is the fixed
//! version while keeping their operator (`^4.17.15` → `^4.17.21`, `~> 5.2.0` → `~> 5.2.8`,
//! `>=2.19,<3` → `>=2.31,<3`).

use crate::Ecosystem;
use crate::version::compare;
use std::cmp::Ordering;

/// Why a requirement was left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unchanged {
    /// Not a version requirement rampart rewrites (a wildcard, tag, URL, path, git or
    /// alternative ranges): the text says what it is.
    NotAVersion(String),
    /// An upper bound of the requirement excludes the fixed version.
    UpperBound(String),
}

/// The operators that start a single requirement, longest first.
const OPERATORS: &[&str] = &["===", "==", ">=", "~=", "~>", "^", "~", "=", ">", "v"];

/// Rewrites `spec` (one package's requirement in a manifest of `eco`) so that it asks for at
/// least `fix`. Single requirements keep their operator (`>` becomes `>=`); Python and Ruby
/// lists (`>=1.0,<2`, `'>= 1.0', '< 2'` are handled by the callers one item at a time) keep
/// their upper bounds when the fix is below them.
pub fn raise(eco: Ecosystem, spec: &str, fix: &str) -> Result<String, Unchanged> {
    let trimmed = spec.trim();
    if eco == Ecosystem::PyPI && trimmed.contains(',') {
        return raise_list(eco, trimmed, fix, ',');
    }
    if matches!(eco, Ecosystem::Npm | Ecosystem::Packagist)
        && trimmed.contains(' ')
        && !trimmed.contains("||")
    {
        return raise_list(eco, trimmed, fix, ' ');
    }
    if eco == Ecosystem::CratesIo && trimmed.contains(',') {
        return raise_list(eco, trimmed, fix, ',');
    }
    raise_one(trimmed, fix).map(|s| keep_padding(spec, &s))
}

/// `[1.2.3]` (NuGet's exact version) and bare single requirements.
fn raise_one(spec: &str, fix: &str) -> Result<String, Unchanged> {
    if let Some(inner) = spec.strip_prefix('[').and_then(|s| s.strip_suffix(']'))
        && !inner.contains(',')
    {
        return Ok(format!("[{fix}]"));
    }
    let (op, version) = split_operator(spec);
    let plain = version.trim_start_matches('v');
    let is_version = plain.starts_with(|c: char| c.is_ascii_digit())
        && plain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
        && !plain.split('.').any(|seg| matches!(seg, "x" | "X"));
    if !is_version {
        return Err(Unchanged::NotAVersion(spec.to_string()));
    }
    match op {
        "<" | "<=" | "!=" => Err(Unchanged::NotAVersion(spec.to_string())),
        ">" => Ok(format!(">={fix}")),
        "v" => Ok(format!("v{}", fix.trim_start_matches('v'))),
        _ => {
            let gap = &spec[op.len()..spec.len() - version.len()];
            let v = if version.starts_with('v') && !fix.starts_with('v') {
                format!("v{fix}")
            } else {
                fix.to_string()
            };
            Ok(format!("{op}{gap}{v}"))
        }
    }
}

/// A list of comparators separated by `sep`: the lower bounds are raised, the upper bounds
/// kept when `fix` is below them.
fn raise_list(eco: Ecosystem, spec: &str, fix: &str, sep: char) -> Result<String, Unchanged> {
    let mut out = Vec::new();
    let mut raised = false;
    for part in spec.split(sep) {
        let p = part.trim();
        if p.is_empty() {
            out.push(part.to_string());
            continue;
        }
        let (op, version) = split_operator(p);
        match op {
            "<" | "<=" => {
                let v = version.trim_start_matches('v');
                let below = compare(eco, fix, v);
                if below == Ordering::Greater || op == "<" && below == Ordering::Equal {
                    return Err(Unchanged::UpperBound(p.to_string()));
                }
                out.push(part.to_string());
            }
            "!=" => out.push(part.to_string()),
            _ if !raised => {
                let r = raise_one(p, fix)?;
                out.push(keep_padding(part, &r));
                raised = true;
            }
            _ => out.push(part.to_string()),
        }
    }
    if !raised {
        return Err(Unchanged::NotAVersion(spec.to_string()));
    }
    Ok(out.join(&sep.to_string()))
}

/// The operator at the start of `spec` (empty for none) and the rest after white space.
fn split_operator(spec: &str) -> (&str, &str) {
    for op in OPERATORS.iter().chain(["<=", "<", "!="].iter()) {
        if let Some(rest) = spec.strip_prefix(op) {
            if *op == "v" && !rest.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            if *op == "v" {
                return ("", spec);
            }
            return (op, rest.trim_start());
        }
    }
    ("", spec)
}

/// `new` with the white space around `old` kept.
fn keep_padding(old: &str, new: &str) -> String {
    let lead = &old[..old.len() - old.trim_start().len()];
    let trail = &old[old.trim_end().len()..];
    format!("{lead}{new}{trail}")
}

/// Whether going from `from` to `to` changes the major version (the first number, or the
/// first non-zero one of `0.x` versions, as semver reads them for Cargo and npm carets).
pub fn is_major(eco: Ecosystem, from: &str, to: &str) -> bool {
    let nums = |v: &str| -> Vec<u64> {
        v.trim_start_matches('v')
            .split(['.', '-', '+'])
            .map_while(|p| p.parse::<u64>().ok())
            .collect()
    };
    let (a, b) = (nums(from), nums(to));
    let first = |v: &[u64]| v.first().copied().unwrap_or(0);
    if matches!(eco, Ecosystem::CratesIo | Ecosystem::Npm) && first(&a) == 0 && first(&b) == 0 {
        return a.get(1) != b.get(1);
    }
    first(&a) != first(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ecosystem::*;

    #[test]
    fn keeps_the_operator() {
        assert_eq!(raise(Npm, "^4.17.15", "4.17.21").unwrap(), "^4.17.21");
        assert_eq!(raise(Npm, "~4.17.15", "4.17.21").unwrap(), "~4.17.21");
        assert_eq!(raise(Npm, "4.17.15", "4.17.21").unwrap(), "4.17.21");
        assert_eq!(raise(PyPI, "==2.19.0", "2.31.0").unwrap(), "==2.31.0");
        assert_eq!(raise(PyPI, ">=2.19", "2.31.0").unwrap(), ">=2.31.0");
        assert_eq!(raise(RubyGems, "~> 5.2.0", "5.2.8").unwrap(), "~> 5.2.8");
        assert_eq!(raise(CratesIo, "0.3.20", "0.3.36").unwrap(), "0.3.36");
        assert_eq!(raise(CratesIo, "=0.3.20", "0.3.36").unwrap(), "=0.3.36");
        assert_eq!(raise(Go, "v1.2.3", "1.2.4").unwrap(), "v1.2.4");
        assert_eq!(raise(NuGet, "[12.0.1]", "13.0.1").unwrap(), "[13.0.1]");
        assert_eq!(raise(Npm, ">1.0.0", "1.2.0").unwrap(), ">=1.2.0");
    }

    #[test]
    fn raises_the_floor_of_lists_and_respects_upper_bounds() {
        assert_eq!(raise(PyPI, ">=2.19,<3", "2.31.0").unwrap(), ">=2.31.0,<3");
        assert_eq!(
            raise(PyPI, ">=2.19,<2.30", "2.31.0"),
            Err(Unchanged::UpperBound("<2.30".into()))
        );
        assert_eq!(
            raise(Npm, ">=1.0.0 <2.0.0", "1.4.0").unwrap(),
            ">=1.4.0 <2.0.0"
        );
        assert_eq!(
            raise(CratesIo, ">=0.3, <0.4", "0.3.36").unwrap(),
            ">=0.3.36, <0.4"
        );
    }

    #[test]
    fn leaves_what_is_not_a_version() {
        for spec in [
            "*",
            "latest",
            "4.x",
            "1.2.*",
            "git+https://x/y.git",
            "file:../a",
            "^1 || ^2",
        ] {
            assert!(
                matches!(raise(Npm, spec, "1.0.0"), Err(Unchanged::NotAVersion(_))),
                "{spec}"
            );
        }
    }

    #[test]
    fn major_bumps() {
        assert!(is_major(Npm, "4.17.15", "5.0.0"));
        assert!(!is_major(Npm, "4.17.15", "4.17.21"));
        assert!(is_major(CratesIo, "0.2.9", "0.3.1"));
        assert!(!is_major(CratesIo, "0.3.9", "0.3.36"));
        assert!(!is_major(Go, "v1.2.3", "1.9.0"));
    }
}
