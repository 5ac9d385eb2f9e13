//! When `rampart scan` should fetch the vulnerability database before scanning: the settings
//! (`[engines.deps] auto_update*` in rampart.toml), the database's state, and the ecosystems a
//! project uses (fetched first, so the scan can start). The fetching itself is
//! [`crate::update::Updater`]; the CLI drives it and prints (this crate prints nothing).

use crate::db::{self, DbError};
use crate::ecosystem::Ecosystem;
use crate::inventory::manifest;
use std::path::Path;

/// The default age past which a scan fetches the database again: 24 hours.
pub const DEFAULT_MAX_AGE_SECS: u64 = 24 * 3600;

/// Files looked at to find the ecosystems of a project; past it the walk stops (the other
/// ecosystems are fetched after the scan has started anyway).
pub const MAX_FILES_WALKED: usize = 200_000;

/// The automatic update's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Fetch before a scan when needed (`auto_update`, default true).
    pub enabled: bool,
    /// Age in seconds past which the database is fetched again (`auto_update_after`, `24h`).
    pub max_age_secs: u64,
    /// Mirror URL or folder (`auto_update_from`); the public OSV bucket when `None`.
    pub from: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            enabled: true,
            max_age_secs: DEFAULT_MAX_AGE_SECS,
            from: None,
        }
    }
}

/// Reads the settings from `[engines.deps]` (other keys are the engine's).
pub fn settings(table: &toml::Table) -> Result<Settings, String> {
    let mut s = Settings::default();
    if let Some(v) = table.get("auto_update") {
        s.enabled = v
            .as_bool()
            .ok_or("[engines.deps] auto_update: give true or false")?;
    }
    if let Some(v) = table.get("auto_update_after") {
        let text = v
            .as_str()
            .ok_or("[engines.deps] auto_update_after: give a duration such as \"24h\"")?;
        s.max_age_secs =
            parse_age(text).map_err(|e| format!("[engines.deps] auto_update_after: {e}"))?;
    }
    if let Some(v) = table.get("auto_update_from") {
        s.from = Some(
            v.as_str()
                .ok_or("[engines.deps] auto_update_from: give a URL or a folder")?
                .to_string(),
        );
    }
    Ok(s)
}

/// A duration: a number and `s`, `m`, `h` or `d` (`24h`, `90m`, `7d`).
pub fn parse_age(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let unit_secs = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match n.parse::<u64>() {
        Ok(n) if unit_secs > 0 => Ok(n.saturating_mul(unit_secs)),
        _ => Err(format!(
            "`{text}` is not a duration: give a number and s, m, h or d (24h, 7d)"
        )),
    }
}

/// Why the database should be fetched, if it should.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// There is no database.
    Missing,
    /// It is older than the limit (`age_secs`).
    Stale {
        /// Its age.
        age_secs: u64,
    },
    /// It lacks ecosystems the project uses (an earlier fetch stopped before the rest).
    Incomplete {
        /// The ecosystems missing.
        missing: Vec<Ecosystem>,
    },
    /// It cannot be read (corrupt, another format): fetch a new one.
    Unreadable(String),
}

/// Whether the database of `dir` needs fetching for a project using `used` (computed only when
/// the database lacks some ecosystem, so a complete fresh database costs one small read).
pub fn need(dir: &Path, max_age_secs: u64, used: impl FnOnce() -> Vec<Ecosystem>) -> Option<Need> {
    let meta = match db::read_meta(dir) {
        Ok(m) => m,
        Err(DbError::Missing(_)) => return Some(Need::Missing),
        Err(e) => return Some(Need::Unreadable(e.to_string())),
    };
    let age_secs = db::now().saturating_sub(meta.built_at);
    if age_secs > max_age_secs {
        return Some(Need::Stale { age_secs });
    }
    let has = |e: &Ecosystem| meta.sources.iter().any(|s| s.name == e.osv_name());
    let defaults: Vec<Ecosystem> = Ecosystem::ALL
        .into_iter()
        .filter(|e| !matches!(e, Ecosystem::Debian | Ecosystem::Alpine))
        .collect();
    if defaults.iter().all(has) {
        return None;
    }
    let missing: Vec<Ecosystem> = used().into_iter().filter(|e| !has(e)).collect();
    (!missing.is_empty()).then_some(Need::Incomplete { missing })
}

/// The ecosystem of a lockfile or manifest name, if rampart reads it.
pub fn ecosystem_of(path: &str) -> Option<Ecosystem> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if let Some(k) = manifest::kind(path) {
        use manifest::Kind::*;
        return Some(match k {
            PackageJson => Ecosystem::Npm,
            Pyproject | RequirementsIn | Pipfile | SetupCfg => Ecosystem::PyPI,
            CargoToml => Ecosystem::CratesIo,
            Gemfile => Ecosystem::RubyGems,
            ComposerJson => Ecosystem::Packagist,
            MsBuild => Ecosystem::NuGet,
            Gradle => Ecosystem::Maven,
        });
    }
    if !crate::inventory::is_lockfile(path) {
        return None;
    }
    Some(match name {
        "Cargo.lock" => Ecosystem::CratesIo,
        "package-lock.json"
        | "npm-shrinkwrap.json"
        | "yarn.lock"
        | "pnpm-lock.yaml"
        | "bun.lock" => Ecosystem::Npm,
        "go.mod" => Ecosystem::Go,
        "pom.xml" | "gradle.lockfile" => Ecosystem::Maven,
        "Gemfile.lock" | "gems.locked" => Ecosystem::RubyGems,
        "composer.lock" => Ecosystem::Packagist,
        "packages.lock.json" => Ecosystem::NuGet,
        "mix.lock" => Ecosystem::Hex,
        "pubspec.lock" => Ecosystem::Pub,
        "Package.resolved" => Ecosystem::SwiftUrl,
        _ => Ecosystem::PyPI, // requirements*.txt, poetry, Pipfile.lock, uv, pdm, pylock
    })
}

/// The ecosystems of the lockfiles and manifests under `root` (or of `root` itself when it is
/// a file), in [`Ecosystem::ALL`] order. The walk follows `.gitignore`, skips `node_modules`,
/// `target`, `vendor` and `.git`, and stops after [`MAX_FILES_WALKED`] files.
pub fn ecosystems_used(root: &Path) -> Vec<Ecosystem> {
    let mut found = std::collections::BTreeSet::new();
    if root.is_file() {
        found.extend(ecosystem_of(&root.to_string_lossy()));
    } else {
        let walk = ignore::WalkBuilder::new(root)
            .hidden(true)
            .filter_entry(|e| {
                let n = e.file_name().to_string_lossy();
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && matches!(n.as_ref(), "node_modules" | "target" | ".git" | "vendor"))
            })
            .build();
        for e in walk.flatten().take(MAX_FILES_WALKED) {
            if e.file_type().is_some_and(|t| t.is_file()) {
                found.extend(ecosystem_of(&e.path().to_string_lossy().replace('\\', "/")));
            }
        }
    }
    found.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_settings() {
        assert_eq!(parse_age("24h"), Ok(86_400));
        assert_eq!(parse_age("90m"), Ok(5_400));
        assert_eq!(parse_age("7d"), Ok(604_800));
        assert_eq!(parse_age("30s"), Ok(30));
        assert!(parse_age("soon").is_err());
        assert!(parse_age("12").is_err());
        let t: toml::Table =
            toml::from_str("auto_update = false\nauto_update_after = \"2h\"\nauto_update_from = \"http://127.0.0.1:1\"\n")
                .unwrap();
        let s = settings(&t).unwrap();
        assert!(!s.enabled);
        assert_eq!(s.max_age_secs, 7200);
        assert_eq!(s.from.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(settings(&toml::Table::new()).unwrap(), Settings::default());
        let bad: toml::Table = toml::from_str("auto_update_after = \"tomorrow\"").unwrap();
        assert!(settings(&bad).unwrap_err().contains("auto_update_after"));
    }

    #[test]
    fn ecosystems_by_file_name() {
        assert_eq!(ecosystem_of("web/package.json"), Some(Ecosystem::Npm));
        assert_eq!(ecosystem_of("node_modules/x/package.json"), None);
        assert_eq!(ecosystem_of("requirements-dev.txt"), Some(Ecosystem::PyPI));
        assert_eq!(ecosystem_of("svc/go.mod"), Some(Ecosystem::Go));
        assert_eq!(ecosystem_of("App.csproj"), Some(Ecosystem::NuGet));
        assert_eq!(ecosystem_of("README.md"), None);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("api")).unwrap();
        std::fs::write(dir.path().join("api/Cargo.lock"), "").unwrap();
        std::fs::write(dir.path().join("package.json"), "{}").unwrap();
        assert_eq!(
            ecosystems_used(dir.path()),
            [Ecosystem::CratesIo, Ecosystem::Npm]
        );
    }

    #[test]
    fn need_follows_the_database_state() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(need(dir.path(), 3600, Vec::new), Some(Need::Missing));
        let mut d = db::Database::default();
        d.meta.built_at = db::now() - 7200;
        d.meta.sources.push(db::Source {
            name: "npm".into(),
            location: "x".into(),
            records: 1,
        });
        d.save(dir.path()).unwrap();
        assert_eq!(
            need(dir.path(), 3600, Vec::new).map(|n| matches!(n, Need::Stale { .. })),
            Some(true)
        );
        assert_eq!(need(dir.path(), 86_400, || vec![Ecosystem::Npm]), None);
        assert_eq!(
            need(dir.path(), 86_400, || vec![Ecosystem::Npm, Ecosystem::Go]),
            Some(Need::Incomplete {
                missing: vec![Ecosystem::Go]
            })
        );
        std::fs::write(dir.path().join(db::FILE_NAME), b"garbage").unwrap();
        assert!(matches!(
            need(dir.path(), 86_400, Vec::new),
            Some(Need::Unreadable(_))
        ));
    }
}
