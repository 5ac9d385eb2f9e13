//! Licence policy: SPDX expressions (`MIT OR Apache-2.0`) evaluated against allow and deny lists
//! of SPDX identifiers with the `spdx` crate, and the licence information present locally
//! (installed package metadata, vendored crates) for packages whose lockfile has none.

use crate::ecosystem::Ecosystem;
use crate::inventory::Package;
use rampart_core::config::Problem;
use rampart_core::config::policy::{LicensePolicy, LicenseVerdict};
use spdx::{Expression, LicenseReq, Licensee, ParseMode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A licence policy with its identifiers parsed.
#[derive(Debug)]
pub struct LicenseCheck {
    allow: Vec<Licensee>,
    deny: Vec<Licensee>,
    /// The verdict on packages without readable licence information.
    pub unknown: LicenseVerdict,
}

/// What a package's licence is under the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The expression can be satisfied with allowed licences.
    Accepted,
    /// It cannot: the licences that fail, as written in the expression.
    Denied(Vec<String>),
    /// No licence information, or an expression that does not read (why).
    Unknown(String),
}

/// Reads an id the way lockfiles and package metadata write them (lax: `GPL-2.0+`,
/// `Apache 2.0`, `/` for OR).
fn licensee(id: &str) -> Result<Licensee, String> {
    Licensee::parse_mode(id.trim(), ParseMode::LAX).map_err(|e| e.reason.to_string())
}

impl LicenseCheck {
    /// Parses the policy's identifiers; every one that is not an SPDX licence id comes back
    /// as a problem at its position.
    pub fn new(policy: &LicensePolicy) -> Result<LicenseCheck, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut parse = |key: &str, list: &[rampart_core::config::policy::Positioned<String>]| {
            let mut out = Vec::new();
            for id in list {
                match licensee(&id.value) {
                    Ok(l) => out.push(l),
                    Err(e) => problems.push(Problem {
                        at: id.at,
                        message: format!(
                            "[policy.licenses] {key} `{}` is not an SPDX licence id ({e}): see https://spdx.org/licenses/",
                            id.value
                        ),
                    }),
                }
            }
            out
        };
        let allow = parse("allow", &policy.allow);
        let deny = parse("deny", &policy.deny);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(LicenseCheck {
            allow,
            deny,
            unknown: policy.unknown,
        })
    }

    /// Whether one licence term is acceptable: allowed (or no allow list) and not denied.
    /// Exceptions (`WITH LLVM-exception`) do not change which licence a term is.
    fn accepts(&self, req: &LicenseReq) -> bool {
        let bare = LicenseReq {
            license: req.license.clone(),
            addition: None,
        };
        let held = |l: &Licensee| {
            let mut l = l.clone().into_req();
            l.addition = None;
            Licensee::new(l.license, None).satisfies(&bare)
        };
        (self.allow.is_empty() || self.allow.iter().any(held)) && !self.deny.iter().any(held)
    }

    /// Evaluates an SPDX expression: `MIT OR GPL-3.0-only` is accepted when either side is.
    pub fn evaluate(&self, expression: Option<&str>) -> Outcome {
        let Some(text) = expression.map(str::trim).filter(|t| !t.is_empty()) else {
            return Outcome::Unknown("no licence information found".into());
        };
        if matches!(
            text.to_ascii_uppercase().as_str(),
            "UNKNOWN" | "NOASSERTION" | "NONE" | "SEE LICENSE IN LICENSE" | "UNLICENSED"
        ) || text.to_ascii_uppercase().starts_with("SEE LICENSE IN")
        {
            return Outcome::Unknown(format!("the licence is given as `{text}`"));
        }
        let expr = match Expression::parse_mode(text, ParseMode::LAX) {
            Ok(e) => e,
            Err(e) => {
                return Outcome::Unknown(format!(
                    "`{text}` is not an SPDX expression ({})",
                    e.reason
                ));
            }
        };
        match expr.evaluate_with_failures(|req| self.accepts(req)) {
            Ok(()) => Outcome::Accepted,
            Err(failed) => Outcome::Denied(failed.iter().map(|r| r.req.to_string()).collect()),
        }
    }
}

/// Files read for licence information are read up to this size.
const MAX_METADATA_BYTES: u64 = 1 << 20;
/// Entries of one `site-packages` folder looked at.
const MAX_SITE_ENTRIES: usize = 100_000;

/// Licence information present on disk beside a lockfile, read on demand and cached per folder.
#[derive(Default)]
pub struct LocalLicenses {
    /// Per lockfile folder: normalised PyPI name → `.dist-info` folder.
    site: Mutex<HashMap<PathBuf, HashMap<String, PathBuf>>>,
}

impl LocalLicenses {
    /// The licence of an installed or vendored copy of `p` under `dir` (the lockfile's folder),
    /// with the file it was read from.
    pub fn find(&self, dir: &Path, p: &Package) -> Option<(String, PathBuf)> {
        match p.ecosystem {
            Ecosystem::Npm => {
                let file = dir.join("node_modules").join(&p.name).join("package.json");
                npm_license(&read_small(&file)?, &p.version).map(|l| (l, file))
            }
            Ecosystem::PyPI => {
                let info = self.dist_info(dir, &Ecosystem::PyPI.normalise_name(&p.name))?;
                let file = info.join("METADATA");
                python_license(&read_small(&file)?).map(|l| (l, file))
            }
            Ecosystem::CratesIo => {
                for folder in [p.name.clone(), format!("{}-{}", p.name, p.version)] {
                    let file = dir.join("vendor").join(folder).join("Cargo.toml");
                    if let Some(text) = read_small(&file) {
                        return cargo_license(&text, &p.version).map(|l| (l, file));
                    }
                }
                None
            }
            _ => None,
        }
    }

    fn dist_info(&self, dir: &Path, name: &str) -> Option<PathBuf> {
        let mut cache = self.site.lock().unwrap_or_else(|e| e.into_inner());
        let index = cache
            .entry(dir.to_path_buf())
            .or_insert_with(|| site_index(dir));
        index.get(name).cloned()
    }
}

/// `.dist-info` folders of the virtual environments beside a lockfile (`.venv`, `venv`, `env`).
fn site_index(dir: &Path) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    for venv in [".venv", "venv", "env"] {
        let mut sites = vec![dir.join(venv).join("Lib").join("site-packages")];
        if let Ok(libs) = std::fs::read_dir(dir.join(venv).join("lib")) {
            for lib in libs.flatten().take(64) {
                sites.push(lib.path().join("site-packages"));
            }
        }
        for site in sites {
            let Ok(entries) = std::fs::read_dir(&site) else {
                continue;
            };
            for e in entries.flatten().take(MAX_SITE_ENTRIES) {
                let file_name = e.file_name();
                let Some(stem) = file_name
                    .to_str()
                    .and_then(|n| n.strip_suffix(".dist-info"))
                else {
                    continue;
                };
                // `name-version.dist-info`; the name has no `-` (it is written with `_`).
                let name = stem.split_once('-').map(|(n, _)| n).unwrap_or(stem);
                out.entry(Ecosystem::PyPI.normalise_name(name))
                    .or_insert_with(|| e.path());
            }
        }
    }
    out
}

fn read_small(path: &Path) -> Option<String> {
    use std::io::Read;
    let f = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    f.take(MAX_METADATA_BYTES).read_to_string(&mut text).ok()?;
    Some(text)
}

/// `license` of an installed package.json (a string, `{ "type": … }`, or the old `licenses`
/// list, joined with OR); `None` when absent or when the installed copy is another version.
pub fn npm_license(text: &str, version: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    if let Some(installed) = v.get("version").and_then(|x| x.as_str())
        && !version.is_empty()
        && installed != version
    {
        return None;
    }
    let of = |x: &serde_json::Value| -> Option<String> {
        x.as_str()
            .map(str::to_string)
            .or_else(|| x.get("type")?.as_str().map(str::to_string))
    };
    if let Some(l) = v.get("license").and_then(of) {
        return Some(l);
    }
    let list: Vec<String> = v
        .get("licenses")?
        .as_array()?
        .iter()
        .filter_map(of)
        .collect();
    (!list.is_empty()).then(|| list.join(" OR "))
}

/// The licence of a Python distribution's `METADATA`: `License-Expression` (PEP 639), else a
/// one-line `License` field, else the `License ::` classifiers known to name one SPDX id.
pub fn python_license(text: &str) -> Option<String> {
    let mut license = None;
    let mut classifiers = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break; // the body (description) starts after the first blank line
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.to_ascii_lowercase().as_str() {
            "license-expression" if !value.is_empty() => return Some(value.to_string()),
            "license" if !value.is_empty() && license.is_none() => {
                license = Some(value.to_string())
            }
            "classifier" => {
                if let Some(id) = value
                    .strip_prefix("License :: ")
                    .and_then(|c| c.rsplit(" :: ").next())
                    .and_then(classifier_id)
                {
                    classifiers.push(id);
                }
            }
            _ => {}
        }
    }
    // A one-line `License` that reads as SPDX wins; free text falls back to the classifiers.
    if let Some(l) = &license
        && Expression::parse_mode(l, ParseMode::LAX).is_ok()
    {
        return license;
    }
    if !classifiers.is_empty() {
        classifiers.dedup();
        return Some(classifiers.join(" OR "));
    }
    license
}

/// SPDX ids of the trove classifiers that name exactly one licence.
fn classifier_id(c: &str) -> Option<&'static str> {
    Some(match c {
        "MIT License" => "MIT",
        "Apache Software License" => "Apache-2.0",
        "ISC License (ISCL)" => "ISC",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "GNU General Public License v2 (GPLv2)" => "GPL-2.0-only",
        "GNU General Public License v3 (GPLv3)" => "GPL-3.0-only",
        "GNU General Public License v2 or later (GPLv2+)" => "GPL-2.0-or-later",
        "GNU General Public License v3 or later (GPLv3+)" => "GPL-3.0-or-later",
        "GNU Lesser General Public License v3 (LGPLv3)" => "LGPL-3.0-only",
        "GNU Affero General Public License v3" => "AGPL-3.0-only",
        "The Unlicense (Unlicense)" => "Unlicense",
        "Python Software Foundation License" => "PSF-2.0",
        _ => return None,
    })
}

/// `[package] license` of a vendored crate's Cargo.toml (of the version the lockfile pins).
pub fn cargo_license(text: &str, version: &str) -> Option<String> {
    let v: toml::Table = toml::from_str(text).ok()?;
    let package = v.get("package")?.as_table()?;
    if let Some(found) = package.get("version").and_then(|x| x.as_str())
        && found != version
    {
        return None;
    }
    package
        .get("license")
        .and_then(|x| x.as_str())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::config::policy::Positioned;

    fn check(allow: &[&str], deny: &[&str]) -> LicenseCheck {
        let list = |l: &[&str]| {
            l.iter()
                .map(|s| Positioned {
                    value: s.to_string(),
                    at: None,
                })
                .collect()
        };
        LicenseCheck::new(&LicensePolicy {
            allow: list(allow),
            deny: list(deny),
            unknown: LicenseVerdict::Review,
        })
        .unwrap()
    }

    #[test]
    fn expressions() {
        let c = check(&["MIT", "Apache-2.0"], &[]);
        assert_eq!(c.evaluate(Some("MIT OR Apache-2.0")), Outcome::Accepted);
        assert_eq!(c.evaluate(Some("MIT OR GPL-3.0-only")), Outcome::Accepted);
        assert_eq!(
            c.evaluate(Some("MIT AND GPL-3.0-only")),
            Outcome::Denied(vec!["GPL-3.0-only".into()])
        );
        assert_eq!(
            c.evaluate(Some("(MIT OR Apache-2.0) AND BSD-3-Clause")),
            Outcome::Denied(vec!["BSD-3-Clause".into()])
        );
        assert_eq!(
            c.evaluate(Some("Apache-2.0 WITH LLVM-exception")),
            Outcome::Accepted
        );
        assert_eq!(
            c.evaluate(Some("MIT/Apache-2.0")),
            Outcome::Accepted,
            "crates.io's old `/`"
        );
        assert!(matches!(c.evaluate(None), Outcome::Unknown(_)));
        assert!(matches!(
            c.evaluate(Some("UNLICENSED")),
            Outcome::Unknown(_)
        ));
        assert!(matches!(
            c.evaluate(Some("SEE LICENSE IN LICENSE.md")),
            Outcome::Unknown(_)
        ));
        assert!(matches!(
            c.evaluate(Some("My Own Licence v1")),
            Outcome::Unknown(_)
        ));
        let d = check(&[], &["GPL-3.0-only", "AGPL-3.0-only"]);
        assert_eq!(d.evaluate(Some("BSD-2-Clause")), Outcome::Accepted);
        assert_eq!(d.evaluate(Some("MIT OR GPL-3.0-only")), Outcome::Accepted);
        assert_eq!(
            d.evaluate(Some("GPL-3.0-only")),
            Outcome::Denied(vec!["GPL-3.0-only".into()])
        );
        // Ids are compared as SPDX ids: `GPL-2.0+` is GPL-2.0-or-later, another id than
        // GPL-3.0-only; each GNU variant meant is listed.
        assert_eq!(d.evaluate(Some("GPL-2.0+")), Outcome::Accepted);
        let g = check(&[], &["GPL-2.0-or-later"]);
        assert!(matches!(g.evaluate(Some("GPL-2.0+")), Outcome::Denied(_)));
        assert!(matches!(
            g.evaluate(Some("GPL-2.0-or-later")),
            Outcome::Denied(_)
        ));
        assert_eq!(g.evaluate(Some("GPL-2.0-only")), Outcome::Accepted);
    }

    #[test]
    fn bad_ids_are_named_with_their_position() {
        let e = LicenseCheck::new(&LicensePolicy {
            allow: vec![
                Positioned {
                    value: "MIT".into(),
                    at: Some((3, 10)),
                },
                Positioned {
                    value: "Nonsense-9".into(),
                    at: Some((3, 17)),
                },
            ],
            deny: vec![],
            unknown: LicenseVerdict::Deny,
        })
        .unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].at, Some((3, 17)));
        assert!(
            e[0].message
                .contains("`Nonsense-9` is not an SPDX licence id"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn local_metadata() {
        assert_eq!(
            npm_license(r#"{"version":"1.0.0","license":"ISC"}"#, "1.0.0").as_deref(),
            Some("ISC")
        );
        assert_eq!(
            npm_license(r#"{"version":"1.0.0","license":"ISC"}"#, "2.0.0"),
            None
        );
        assert_eq!(
            npm_license(r#"{"license":{"type":"MIT"}}"#, "1").as_deref(),
            Some("MIT")
        );
        assert_eq!(
            npm_license(
                r#"{"licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}"#,
                "1"
            )
            .as_deref(),
            Some("MIT OR Apache-2.0")
        );
        let meta =
            "Metadata-Version: 2.4\nName: x\nLicense-Expression: BSD-3-Clause\n\nLicense: GPL\n";
        assert_eq!(python_license(meta).as_deref(), Some("BSD-3-Clause"));
        let meta = "Name: x\nLicense: Copyright (c) someone, all rights\nClassifier: License :: OSI Approved :: MIT License\n";
        assert_eq!(python_license(meta).as_deref(), Some("MIT"));
        assert_eq!(
            python_license("Name: x\nLicense: Apache-2.0\n").as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(python_license("Name: x\n"), None);
        let cargo =
            "[package]\nname = \"x\"\nversion = \"1.0.0\"\nlicense = \"MIT OR Apache-2.0\"\n";
        assert_eq!(
            cargo_license(cargo, "1.0.0").as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(cargo_license(cargo, "2.0.0"), None);
    }
}
