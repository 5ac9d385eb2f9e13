//! Manifests read when no lockfile resolves them: `package.json`, `pyproject.toml` (PEP 621,
//! PEP 735 groups, Poetry), `requirements*.in`, `Pipfile`, `setup.cfg`, `Cargo.toml`, `Gemfile`,
//! `composer.json`, MSBuild projects (`*.csproj`, `*.fsproj`, `*.vbproj`,
//! `Directory.Packages.props`) and Gradle build scripts. Each direct dependency is kept with its
//! declared range ([`Package::declared`], empty version) and the range's [`Syntax`]; which
//! lockfile would resolve the manifest and the command that creates it come with it.
//!
//! `go.mod` is not among them: since Go 1.17 it lists the version of every module the build
//! selects, so it is read as a lockfile (its missing `go.sum` is only noted). `pom.xml` is read
//! as a lockfile too (Maven resolves exact versions; it has no lockfile of its own).
//!
//! Parsers never panic: malformed input gives a [`ParseError`] with its line, and what could be
//! read is kept.

use super::{Package, ParseError, line_of};
use crate::ecosystem::Ecosystem;
use crate::range::Syntax;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The manifest formats read without a lockfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// npm `package.json`.
    PackageJson,
    /// `pyproject.toml` (PEP 621 / PEP 735 / Poetry).
    Pyproject,
    /// pip-tools input `requirements*.in`.
    RequirementsIn,
    /// Pipenv `Pipfile`.
    Pipfile,
    /// setuptools `setup.cfg`.
    SetupCfg,
    /// Cargo `Cargo.toml`.
    CargoToml,
    /// Bundler `Gemfile` / `gems.rb`.
    Gemfile,
    /// Composer `composer.json`.
    ComposerJson,
    /// MSBuild project with `PackageReference`s, or `Directory.Packages.props`.
    MsBuild,
    /// Gradle `build.gradle` / `build.gradle.kts`.
    Gradle,
}

/// The manifest kind of a path, `None` for other files. Manifests under `node_modules/` or
/// `vendor/` are installed packages, not the project's: never manifests.
pub fn kind(path: &str) -> Option<Kind> {
    if path
        .split('/')
        .any(|seg| matches!(seg, "node_modules" | "vendor" | "bower_components"))
    {
        return None;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    Some(match name {
        "package.json" => Kind::PackageJson,
        "pyproject.toml" => Kind::Pyproject,
        "Pipfile" => Kind::Pipfile,
        "setup.cfg" => Kind::SetupCfg,
        "Cargo.toml" => Kind::CargoToml,
        "Gemfile" | "gems.rb" => Kind::Gemfile,
        "composer.json" => Kind::ComposerJson,
        "Directory.Packages.props" => Kind::MsBuild,
        "build.gradle" | "build.gradle.kts" => Kind::Gradle,
        n if n.starts_with("requirements") && n.ends_with(".in") => Kind::RequirementsIn,
        n if n.ends_with(".csproj") || n.ends_with(".fsproj") || n.ends_with(".vbproj") => {
            Kind::MsBuild
        }
        _ => return None,
    })
}

/// Whether rampart reads this path as a manifest.
pub fn is_manifest(path: &str) -> bool {
    kind(path).is_some()
}

/// A manifest's direct dependencies.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The format.
    pub kind: Kind,
    /// The dependencies: empty `version`, the range in `declared`.
    pub packages: Vec<Package>,
    /// The range syntax of each package, by index.
    pub syntax: Vec<Syntax>,
    /// Problems; the package list may then be incomplete.
    pub errors: Vec<ParseError>,
    /// The tool the manifest is for, when the file says (`poetry`, `uv`, `pdm`, `yarn`, `pnpm`).
    pub tool: Option<&'static str>,
}

impl Manifest {
    fn new(kind: Kind) -> Manifest {
        Manifest {
            kind,
            packages: Vec::new(),
            syntax: Vec::new(),
            errors: Vec::new(),
            tool: None,
        }
    }

    pub(super) fn add(
        &mut self,
        eco: Ecosystem,
        syntax: Syntax,
        name: &str,
        range: &str,
        line: usize,
        dev: bool,
    ) {
        let mut p = Package::new(eco, name.trim(), "", line);
        p.declared = Some(range.trim().to_string());
        p.direct = Some(true);
        p.dev = Some(dev);
        self.packages.push(p);
        self.syntax.push(syntax);
    }

    /// The lockfile names that resolve this manifest (relative to its folder), in the order
    /// they are looked for.
    pub fn lockfiles(&self, path: &str) -> Vec<String> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let names: &[&str] = match self.kind {
            Kind::PackageJson => &[
                "package-lock.json",
                "npm-shrinkwrap.json",
                "yarn.lock",
                "pnpm-lock.yaml",
                "bun.lock",
                "bun.lockb",
            ],
            Kind::Pyproject => &[
                "poetry.lock",
                "uv.lock",
                "pdm.lock",
                "pylock.toml",
                "requirements.txt",
            ],
            Kind::RequirementsIn => {
                return vec![format!("{}.txt", name.trim_end_matches(".in"))];
            }
            Kind::Pipfile => &["Pipfile.lock"],
            Kind::SetupCfg => &[
                "requirements.txt",
                "poetry.lock",
                "uv.lock",
                "pdm.lock",
                "pylock.toml",
            ],
            Kind::CargoToml => &["Cargo.lock"],
            Kind::Gemfile if name == "gems.rb" => &["gems.locked"],
            Kind::Gemfile => &["Gemfile.lock"],
            Kind::ComposerJson => &["composer.lock"],
            Kind::MsBuild => &["packages.lock.json"],
            Kind::Gradle => &["gradle.lockfile"],
        };
        names.iter().map(|s| s.to_string()).collect()
    }

    /// Whether a lockfile in a folder above can resolve the manifest (npm, Yarn, pnpm and Bun
    /// workspaces, Cargo and uv workspaces).
    pub fn lock_in_ancestors(&self) -> bool {
        matches!(
            self.kind,
            Kind::PackageJson | Kind::CargoToml | Kind::Pyproject
        )
    }

    /// The command that creates the lockfile.
    pub fn lock_command(&self, path: &str) -> String {
        let name = path.rsplit('/').next().unwrap_or(path);
        match (self.kind, self.tool) {
            (Kind::PackageJson, Some("yarn")) => "yarn install --mode update-lockfile".into(),
            (Kind::PackageJson, Some("pnpm")) => "pnpm install --lockfile-only".into(),
            (Kind::PackageJson, Some("bun")) => "bun install --lockfile-only".into(),
            (Kind::PackageJson, _) => "npm install --package-lock-only".into(),
            (Kind::Pyproject, Some("poetry")) => "poetry lock".into(),
            (Kind::Pyproject, Some("pdm")) => "pdm lock".into(),
            (Kind::Pyproject, _) => "uv lock".into(),
            (Kind::RequirementsIn, _) => format!("pip-compile {name}"),
            (Kind::Pipfile, _) => "pipenv lock".into(),
            (Kind::SetupCfg, _) => "pip-compile setup.cfg".into(),
            (Kind::CargoToml, _) => "cargo generate-lockfile".into(),
            (Kind::Gemfile, _) => "bundle lock".into(),
            (Kind::ComposerJson, _) => "composer update --lock".into(),
            (Kind::MsBuild, _) => {
                "dotnet restore --use-lock-file (or RestorePackagesWithLockFile in the project)"
                    .into()
            }
            (Kind::Gradle, _) => "gradle dependencies --write-locks".into(),
        }
    }
}

/// Folders searched above a manifest for a workspace's lockfile, past the scan root (up to the
/// repository's top, the folder holding `.git`).
pub const MAX_ANCESTORS: usize = 16;

/// The lockfile resolving the manifest at `abs` (its absolute path), if any: beside it, or for
/// workspace formats in a folder above, up to `root` and from there up to the folder holding
/// `.git` (at most [`MAX_ANCESTORS`] folders past the root).
pub fn find_lockfile(m: &Manifest, path: &str, abs: &Path, root: &Path) -> Option<PathBuf> {
    let names = m.lockfiles(path);
    let mut dir = abs.parent()?.to_path_buf();
    if m.kind == Kind::RequirementsIn
        && let Some(p) = including_requirements(&dir, path.rsplit('/').next().unwrap_or(path))
    {
        return Some(p);
    }
    let mut past_root = 0;
    loop {
        for n in &names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
        if !m.lock_in_ancestors() || dir.join(".git").exists() {
            return None;
        }
        if !dir.starts_with(root) || dir == root {
            past_root += 1;
            if past_root > MAX_ANCESTORS {
                return None;
            }
        }
        dir = dir.parent()?.to_path_buf();
    }
}

/// A `requirements*.txt` beside that includes the `.in` file (`-r name` or `-c name`): the
/// `.in` file is then part of a pinned set, not a manifest of its own.
fn including_requirements(dir: &Path, name: &str) -> Option<PathBuf> {
    use std::io::Read;
    for e in std::fs::read_dir(dir).ok()?.flatten().take(10_000) {
        let file = e.file_name();
        let file = file.to_string_lossy();
        if !(file.starts_with("requirements") && file.ends_with(".txt")) {
            continue;
        }
        let mut text = String::new();
        let read =
            std::fs::File::open(e.path()).and_then(|f| f.take(1 << 20).read_to_string(&mut text));
        if read.is_ok()
            && text.lines().any(|l| {
                let l = l.trim();
                (l.starts_with("-r") || l.starts_with("-c"))
                    && l[2..].trim().rsplit('/').next() == Some(name)
            })
        {
            return Some(e.path());
        }
    }
    None
}

/// Parses a manifest; `None` when the path is not one.
pub fn parse(path: &str, content: &[u8]) -> Option<Manifest> {
    let kind = kind(path)?;
    let text = String::from_utf8_lossy(content);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut m = Manifest::new(kind);
    match kind {
        Kind::PackageJson => package_json(text, &mut m),
        Kind::ComposerJson => composer_json(text, &mut m),
        Kind::Pyproject => pyproject(text, &mut m),
        Kind::Pipfile => pipfile(text, &mut m),
        Kind::CargoToml => cargo_toml(text, &mut m),
        Kind::RequirementsIn => {
            for (i, line) in text.lines().enumerate() {
                let line = line.split(" #").next().unwrap_or(line).trim();
                if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
                    continue;
                }
                pep508(line, i + 1, false, &mut m);
            }
        }
        Kind::SetupCfg => setup_cfg(text, &mut m),
        Kind::Gemfile => super::manifest_more::gemfile(text, &mut m),
        Kind::MsBuild => super::manifest_more::msbuild(text, &mut m),
        Kind::Gradle => super::manifest_more::gradle(text, &mut m),
    }
    // File order (JSON and TOML tables come out of serde in key order).
    let mut both: Vec<(Package, Syntax)> = m.packages.drain(..).zip(m.syntax.drain(..)).collect();
    both.sort_by_key(|(p, _)| p.line);
    (m.packages, m.syntax) = both.into_iter().unzip();
    Some(m)
}

/// The line of the first occurrence of `needle` at or after line `from` (1-based), else of the
/// first anywhere, else 0.
pub(super) fn line_after(text: &str, from: usize, needle: &str) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 >= from {
            break;
        }
        offset += l.len();
    }
    match text[offset..].find(needle) {
        Some(at) => line_of(text, offset + at),
        None => text.find(needle).map(|at| line_of(text, at)).unwrap_or(0),
    }
}

fn json_doc(text: &str, m: &mut Manifest) -> Option<Value> {
    match super::read_json(text) {
        Ok(v) => Some(v),
        Err(e) => {
            m.errors.push(e);
            None
        }
    }
}

/// npm specs that do not name a registry version: local paths, git, URLs, workspaces, aliases.
fn npm_registry_spec(spec: &str) -> bool {
    let s = spec.trim();
    let schemes = [
        "file:",
        "link:",
        "git",
        "github:",
        "gitlab:",
        "bitbucket:",
        "http:",
        "https:",
        "workspace:",
        "npm:",
        "portal:",
        "patch:",
        "catalog:",
        "jsr:",
    ];
    let local_or_remote =
        schemes.iter().any(|p| s.starts_with(p)) || s.starts_with('.') || s.starts_with('/');
    // `user/repo` is a GitHub shorthand; a range never holds a `/`.
    let shorthand = s.contains('/') && !s.contains(' ');
    !local_or_remote && !shorthand
}

fn package_json(text: &str, m: &mut Manifest) {
    let Some(v) = json_doc(text, m) else { return };
    if let Some(pm) = v.get("packageManager").and_then(Value::as_str) {
        m.tool = ["yarn", "pnpm", "bun"]
            .into_iter()
            .find(|t| pm.starts_with(&format!("{t}@")));
    }
    for (key, dev) in [
        ("dependencies", false),
        ("devDependencies", true),
        ("optionalDependencies", false),
    ] {
        let Some(deps) = v.get(key) else { continue };
        let Some(deps) = deps.as_object() else {
            let line = line_after(text, 0, &format!("\"{key}\""));
            m.errors
                .push(ParseError::new(line, format!("`{key}` is not an object")));
            continue;
        };
        let section = line_after(text, 0, &format!("\"{key}\""));
        for (name, spec) in deps {
            let line = line_after(text, section, &format!("\"{name}\""));
            let Some(spec) = spec.as_str() else {
                m.errors.push(ParseError::new(
                    line,
                    format!("the version of `{name}` is not a string"),
                ));
                continue;
            };
            if npm_registry_spec(spec) {
                m.add(Ecosystem::Npm, Syntax::Npm, name, spec, line, dev);
            }
        }
    }
}

fn composer_json(text: &str, m: &mut Manifest) {
    let Some(v) = json_doc(text, m) else { return };
    for (key, dev) in [("require", false), ("require-dev", true)] {
        let Some(deps) = v.get(key).and_then(Value::as_object) else {
            continue;
        };
        let section = line_after(text, 0, &format!("\"{key}\""));
        for (name, spec) in deps {
            // Platform packages (`php`, `ext-json`, `lib-curl`) are not on Packagist.
            if !name.contains('/') {
                continue;
            }
            let line = line_after(text, section, &format!("\"{name}\""));
            match spec.as_str() {
                Some(spec) => m.add(
                    Ecosystem::Packagist,
                    Syntax::Composer,
                    name,
                    spec,
                    line,
                    dev,
                ),
                None => m.errors.push(ParseError::new(
                    line,
                    format!("the constraint of `{name}` is not a string"),
                )),
            }
        }
    }
}

fn toml_doc(text: &str, m: &mut Manifest) -> Option<toml::Table> {
    match super::read_toml(text) {
        Ok(t) => Some(t),
        Err(e) => {
            m.errors.push(e);
            None
        }
    }
}

/// A PEP 508 requirement (`name[extra] (>=1.0) ; marker`); URL requirements are skipped.
fn pep508(req: &str, line: usize, dev: bool, m: &mut Manifest) {
    let req = req.split(';').next().unwrap_or(req).trim();
    if req.is_empty() || req.contains(" @ ") || req.contains("://") {
        return;
    }
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(req.len());
    let name = &req[..end];
    if name.is_empty() {
        m.errors.push(ParseError::new(
            line,
            format!("`{req}` is not a requirement (PEP 508)"),
        ));
        return;
    }
    let mut rest = req[end..].trim();
    if rest.starts_with('[') {
        rest = rest.find(']').map(|i| rest[i + 1..].trim()).unwrap_or("");
    }
    let spec = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest);
    m.add(Ecosystem::PyPI, Syntax::Pep440, name, spec, line, dev);
}

/// PEP 508 strings of a TOML array, each at its line.
fn pep508_list(text: &str, section: usize, list: &toml::Value, dev: bool, m: &mut Manifest) {
    for item in list.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        if let Some(s) = item.as_str() {
            let line = line_after(text, section, s);
            pep508(s, line, dev, m);
        }
    }
}

fn pyproject(text: &str, m: &mut Manifest) {
    let Some(doc) = toml_doc(text, m) else { return };
    let tool = doc.get("tool");
    if tool.and_then(|t| t.get("poetry")).is_some() {
        m.tool = Some("poetry");
    } else if tool.and_then(|t| t.get("pdm")).is_some() {
        m.tool = Some("pdm");
    } else if tool.and_then(|t| t.get("uv")).is_some() {
        m.tool = Some("uv");
    }
    if let Some(project) = doc.get("project") {
        let section = line_after(text, 0, "[project]");
        if let Some(deps) = project.get("dependencies") {
            pep508_list(text, section, deps, false, m);
        }
        if let Some(extras) = project
            .get("optional-dependencies")
            .and_then(|v| v.as_table())
        {
            let at = line_after(text, section, "optional-dependencies");
            for list in extras.values() {
                pep508_list(text, at, list, false, m);
            }
        }
    }
    if let Some(groups) = doc.get("dependency-groups").and_then(|v| v.as_table()) {
        let at = line_after(text, 0, "[dependency-groups]");
        for list in groups.values() {
            pep508_list(text, at, list, true, m);
        }
    }
    let Some(poetry) = tool.and_then(|t| t.get("poetry")) else {
        return;
    };
    let mut tables: Vec<(String, &toml::Value, bool)> = Vec::new();
    if let Some(d) = poetry.get("dependencies") {
        tables.push(("[tool.poetry.dependencies]".into(), d, false));
    }
    if let Some(d) = poetry.get("dev-dependencies") {
        tables.push(("[tool.poetry.dev-dependencies]".into(), d, true));
    }
    if let Some(groups) = poetry.get("group").and_then(|g| g.as_table()) {
        for (name, g) in groups {
            if let Some(d) = g.get("dependencies") {
                tables.push((format!("[tool.poetry.group.{name}.dependencies]"), d, true));
            }
        }
    }
    for (header, table, dev) in tables {
        let section = line_after(text, 0, &header);
        for (name, spec) in table.as_table().into_iter().flatten() {
            if name == "python" {
                continue;
            }
            let line = line_after(text, section, name);
            let version = match spec {
                toml::Value::String(s) => Some(s.as_str()),
                toml::Value::Table(t) => t.get("version").and_then(|v| v.as_str()),
                // Several constraints by marker: each is read; the union is kept.
                toml::Value::Array(list) => {
                    for c in list {
                        if let Some(v) = c.get("version").and_then(|v| v.as_str()) {
                            m.add(Ecosystem::PyPI, Syntax::Poetry, name, v, line, dev);
                        }
                    }
                    None
                }
                _ => None,
            };
            if let Some(v) = version {
                m.add(Ecosystem::PyPI, Syntax::Poetry, name, v, line, dev);
            }
        }
    }
}

fn pipfile(text: &str, m: &mut Manifest) {
    let Some(doc) = toml_doc(text, m) else { return };
    for (key, dev) in [("packages", false), ("dev-packages", true)] {
        let section = line_after(text, 0, &format!("[{key}]"));
        for (name, spec) in doc
            .get(key)
            .and_then(|v| v.as_table())
            .into_iter()
            .flatten()
        {
            let line = line_after(text, section, name);
            let version = match spec {
                toml::Value::String(s) => Some(s.as_str()),
                toml::Value::Table(t) if t.contains_key("version") => {
                    t.get("version").and_then(|v| v.as_str())
                }
                // git, path or file requirements: not from the index.
                _ => None,
            };
            if let Some(v) = version {
                m.add(Ecosystem::PyPI, Syntax::Pep440, name, v, line, dev);
            }
        }
    }
}

fn setup_cfg(text: &str, m: &mut Manifest) {
    let mut section = String::new();
    let mut in_list = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split(" #").next().unwrap_or(raw);
        let body = line.trim();
        if body.starts_with('[') && body.ends_with(']') {
            section = body.to_string();
            in_list = false;
            continue;
        }
        if body.is_empty() || body.starts_with('#') || body.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if !indented {
            in_list = false;
            let (key, value) = match body.split_once(['=', ':']) {
                Some((k, v)) => (k.trim(), v.trim()),
                None => continue,
            };
            let extras = section == "[options.extras_require]";
            if (section == "[options]" && key == "install_requires") || extras {
                in_list = true;
                if !value.is_empty() {
                    for req in value.split(';').next().unwrap_or(value).split(',') {
                        pep508(req, i + 1, false, m);
                    }
                }
            }
            continue;
        }
        if in_list {
            pep508(body, i + 1, false, m);
        }
    }
}

fn cargo_toml(text: &str, m: &mut Manifest) {
    let Some(doc) = toml_doc(text, m) else { return };
    let mut tables: Vec<(String, &toml::Value, bool)> = Vec::new();
    for (key, dev) in [
        ("dependencies", false),
        ("dev-dependencies", true),
        ("build-dependencies", false),
    ] {
        if let Some(d) = doc.get(key) {
            tables.push((format!("[{key}]"), d, dev));
        }
    }
    if let Some(d) = doc.get("workspace").and_then(|w| w.get("dependencies")) {
        tables.push(("[workspace.dependencies]".into(), d, false));
    }
    for (cfg, t) in doc
        .get("target")
        .and_then(|t| t.as_table())
        .into_iter()
        .flatten()
    {
        for (key, dev) in [("dependencies", false), ("dev-dependencies", true)] {
            if let Some(d) = t.get(key) {
                tables.push((cfg.clone(), d, dev));
            }
        }
    }
    for (header, table, dev) in tables {
        let section = line_after(text, 0, &header);
        for (key, spec) in table.as_table().into_iter().flatten() {
            let line = line_after(text, section, key);
            let (name, version) = match spec {
                toml::Value::String(s) => (key.as_str(), Some(s.as_str())),
                toml::Value::Table(t) => {
                    // Path and git dependencies are not from crates.io; `workspace = true`
                    // takes the workspace's entry (read with the workspace's Cargo.toml).
                    if t.contains_key("path")
                        || t.contains_key("git")
                        || t.contains_key("workspace")
                    {
                        continue;
                    }
                    let name = t.get("package").and_then(|v| v.as_str()).unwrap_or(key);
                    (name, t.get("version").and_then(|v| v.as_str()))
                }
                _ => {
                    m.errors.push(ParseError::new(
                        line,
                        format!("the requirement of `{key}` is neither a string nor a table"),
                    ));
                    continue;
                }
            };
            match version {
                Some(v) => m.add(Ecosystem::CratesIo, Syntax::Cargo, name, v, line, dev),
                None => m.add(Ecosystem::CratesIo, Syntax::Cargo, name, "*", line, dev),
            }
        }
    }
}
