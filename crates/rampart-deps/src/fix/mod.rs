//! `rampart fix` for dependencies: from the `deps` findings of a scan, the manifest edits that
//! move each vulnerable package to the smallest version fixing all of its advisories, the
//! package-manager command that regenerates each lockfile (rampart runs no package manager),
//! and notes where no fix exists or only a major upgrade fixes.
//!
//! - [`spec`] raises a version requirement keeping its operator;
//! - [`manifest`] finds a package's requirement in each manifest format;
//! - [`overrides`] pins transitive npm-family packages (`overrides`, `resolutions`,
//!   `pnpm.overrides`).

pub mod manifest;
pub mod overrides;
pub mod spec;

use crate::Ecosystem;
use manifest::{Manifest, requirement_sites};
use rampart_core::{Edit, Finding, Fix};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// One change to one manifest, and the findings it resolves.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The edits (all in `fix.edits[..].path`).
    pub fix: Fix,
    /// Fingerprints of the findings it resolves.
    pub resolves: Vec<String>,
}

/// A command to run after the edits, in a folder of the project.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Command {
    /// The folder, relative to the scan root (empty for the root).
    pub dir: String,
    /// The command line.
    pub line: String,
    /// The package it upgrades (as the lockfile names it).
    pub package: String,
}

/// What `rampart fix` does for the dependency findings of one scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Manifest edits.
    pub changes: Vec<Change>,
    /// Commands that regenerate lockfiles, once per package (the same line may come for two
    /// packages: join them by `dir` and `line` to run each once).
    pub commands: Vec<Command>,
    /// What could not be fixed by an edit, and why; major upgrades.
    pub notes: Vec<String>,
}

/// One vulnerable package of one lockfile, with every finding about it.
struct Vulnerable<'a> {
    lockfile: &'a str,
    ecosystem: Option<Ecosystem>,
    name: &'a str,
    version: &'a str,
    fix: Option<&'a str>,
    direct: Option<bool>,
    via: Option<String>,
    findings: Vec<&'a Finding>,
}

fn prop<'a>(f: &'a Finding, key: &str) -> Option<&'a str> {
    f.properties.get(key).and_then(Value::as_str)
}

fn ecosystem(name: &str) -> Option<Ecosystem> {
    (0..=u8::MAX)
        .filter_map(Ecosystem::from_code)
        .find(|e| e.osv_name() == name)
}

/// Plans the fixes for the `deps` findings among `findings` of a scan of `root` (paths in
/// findings are relative to it). Reads the manifests beside each lockfile; writes nothing.
pub fn plan<'f>(root: &Path, findings: impl IntoIterator<Item = &'f Finding>) -> Plan {
    let mut groups: BTreeMap<(&str, &str, &str), Vulnerable<'f>> = BTreeMap::new();
    for f in findings
        .into_iter()
        .filter(|f| f.engine == "deps" && f.suppression.is_none())
    {
        let (Some(name), Some(version)) = (prop(f, "package"), prop(f, "version")) else {
            continue;
        };
        if !f.properties.contains_key("advisory_id") {
            continue;
        }
        let v = groups
            .entry((f.location.path.as_str(), name, version))
            .or_insert_with(|| Vulnerable {
                lockfile: &f.location.path,
                ecosystem: prop(f, "ecosystem").and_then(ecosystem),
                name,
                version,
                fix: prop(f, "smallest_fix"),
                direct: f.properties.get("direct").and_then(Value::as_bool),
                via: f
                    .properties
                    .get("dependency_path")
                    .and_then(Value::as_array)
                    .and_then(|p| p.first())
                    .and_then(Value::as_str)
                    .map(str::to_string),
                findings: Vec::new(),
            });
        v.findings.push(f);
    }
    let mut out = Plan::default();
    let mut files = Files::new(root);
    for v in groups.values() {
        plan_one(v, &mut files, &mut out);
    }
    out.commands.sort();
    out.commands.dedup();
    out
}

/// File contents read once per plan.
struct Files<'r> {
    root: &'r Path,
    cache: BTreeMap<String, Option<String>>,
}

impl<'r> Files<'r> {
    fn new(root: &'r Path) -> Files<'r> {
        Files {
            root,
            cache: BTreeMap::new(),
        }
    }

    fn text(&mut self, rel: &str) -> Option<&str> {
        self.cache
            .entry(rel.to_string())
            .or_insert_with(|| std::fs::read_to_string(self.root.join(rel)).ok())
            .as_deref()
    }

    /// Files of `dir` (relative) whose names `keep` accepts.
    fn list(&self, dir: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(self.root.join(dir)) else {
            return Vec::new();
        };
        let mut v: Vec<String> = rd
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| keep(n))
            .map(|n| join(dir, &n))
            .collect();
        v.sort();
        v
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn split_dir(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// The manifests that declare the packages of `lockfile`.
fn manifests_of(lockfile: &str, files: &Files) -> Vec<String> {
    let (dir, name) = split_dir(lockfile);
    let beside = |n: &str| vec![join(dir, n)];
    match name {
        "package-lock.json"
        | "npm-shrinkwrap.json"
        | "yarn.lock"
        | "pnpm-lock.yaml"
        | "bun.lock" => beside("package.json"),
        "poetry.lock" | "uv.lock" | "pdm.lock" => beside("pyproject.toml"),
        "Pipfile.lock" => beside("Pipfile"),
        "Cargo.lock" => beside("Cargo.toml"),
        "gradle.lockfile" => files.list(dir, |n| n == "build.gradle" || n == "build.gradle.kts"),
        "Gemfile.lock" => beside("Gemfile"),
        "gems.locked" => beside("gems.rb"),
        "composer.lock" => beside("composer.json"),
        "packages.lock.json" => files.list(dir, |n| {
            n.ends_with(".csproj") || n.ends_with(".fsproj") || n.ends_with(".vbproj")
        }),
        _ if name.starts_with("pylock.") => beside("pyproject.toml"),
        // Lockfiles that are their own manifest: requirements files, go.mod, pom.xml.
        _ => vec![lockfile.to_string()],
    }
}

/// The command that regenerates `lockfile` after its manifest moved `name` to `fix`.
fn command_for(lockfile: &str, name: &str, fix: &str) -> Option<String> {
    let file = split_dir(lockfile).1;
    Some(match file {
        "package-lock.json" | "npm-shrinkwrap.json" => "npm install".to_string(),
        "yarn.lock" => "yarn install".to_string(),
        "pnpm-lock.yaml" => "pnpm install".to_string(),
        "bun.lock" => "bun install".to_string(),
        "Cargo.lock" => format!("cargo update -p {name} --precise {fix}"),
        "poetry.lock" => format!("poetry update {name}"),
        "uv.lock" => format!("uv lock --upgrade-package {name}"),
        "pdm.lock" => format!("pdm update {name}"),
        "Pipfile.lock" => "pipenv lock".to_string(),
        "go.mod" => format!(
            "go get {name}@v{} && go mod tidy",
            fix.trim_start_matches('v')
        ),
        "Gemfile.lock" | "gems.locked" => format!("bundle update --conservative {name}"),
        "composer.lock" => format!("composer update {name}"),
        "packages.lock.json" => "dotnet restore --force-evaluate".to_string(),
        "gradle.lockfile" => "./gradlew dependencies --write-locks".to_string(),
        "mix.lock" => format!("mix deps.update {name}"),
        "pubspec.lock" => format!("dart pub upgrade {name}"),
        "Package.resolved" => format!("swift package update {name}"),
        _ => return None,
    })
}

fn plan_one(v: &Vulnerable, files: &mut Files, out: &mut Plan) {
    let ids: Vec<&str> = v
        .findings
        .iter()
        .filter_map(|f| prop(f, "advisory_id"))
        .collect();
    let Some(fix) = v.fix else {
        out.notes.push(format!(
            "{}: {}@{} has no version that fixes {}: remove it, replace it, or accept the risk with a suppression",
            v.lockfile,
            v.name,
            v.version,
            ids.join(", ")
        ));
        return;
    };
    let eco = v.ecosystem.unwrap_or(Ecosystem::Npm);
    if spec::is_major(eco, v.version, fix) {
        out.notes.push(format!(
            "{}: only a major upgrade fixes {}@{} ({} → {fix}): read its changelog for breaking changes",
            v.lockfile, v.name, v.version, v.version
        ));
    }
    let (dir, _) = split_dir(v.lockfile);
    let mut changed = false;
    for m in manifests_of(v.lockfile, files) {
        let Some(kind) = Manifest::of(&m) else {
            continue;
        };
        let Some(text) = files.text(&m) else {
            continue;
        };
        let mut edits = Vec::new();
        for site in requirement_sites(kind, text, v.name) {
            match spec::raise(kind.ecosystem(), &text[site.clone()], fix) {
                Ok(new) if new != text[site.clone()] => {
                    edits.push(Edit::replace(&m, text.as_bytes(), site, new));
                }
                Ok(_) => {}
                Err(spec::Unchanged::NotAVersion(s)) => out.notes.push(format!(
                    "{m}: `{}` is required as `{s}`, which rampart does not rewrite: require {fix} or later",
                    v.name
                )),
                Err(spec::Unchanged::UpperBound(b)) => out.notes.push(format!(
                    "{m}: the bound `{b}` on {} excludes the fixed version {fix}: widen it",
                    v.name
                )),
            }
        }
        if edits.is_empty()
            && v.direct == Some(false)
            && kind == Manifest::PackageJson
            && let Some(e) = overrides::add(&m, text, v.lockfile, v.name, fix)
        {
            edits.push(e);
        }
        if !edits.is_empty() {
            changed = true;
            out.changes.push(Change {
                fix: Fix {
                    description: format!("upgrade {} {} → {fix} in {m}", v.name, v.version),
                    edits,
                },
                resolves: v.findings.iter().map(|f| f.fingerprint.clone()).collect(),
            });
        }
    }
    if !changed {
        let how = match (&v.via, v.direct) {
            (Some(via), Some(false)) if via != v.name => format!(
                "it comes in through {via}: upgrade that to a version that needs {} {fix} or later",
                v.name
            ),
            _ => format!("require {} {fix} or later", v.name),
        };
        out.notes.push(format!(
            "{}: no manifest line declares {}@{}; {how}",
            v.lockfile, v.name, v.version
        ));
    }
    if let Some(line) = command_for(v.lockfile, v.name, fix) {
        out.commands.push(Command {
            dir: dir.to_string(),
            line,
            package: v.name.to_string(),
        });
    }
}

#[cfg(test)]
mod tests;
