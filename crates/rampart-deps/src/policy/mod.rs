//! The `policy` engine: which components a project may use (`[policy]` in rampart.toml).
//! Packages denied or allowed by purl pattern, the sources they come from, their licences and
//! names one edit from a popular package. It reads the same lockfiles and SBOMs as the `deps`
//! engine (through [`crate::inventory`]) but never calls that engine: known-malicious packages
//! stay `deps/malicious-package`, which the core keeps critical and failing at every threshold
//! (`rampart_core::finding::MALWARE_TAG`).

pub mod license;
pub mod purl;
pub mod sources;
pub mod sources_build;
pub mod sources_js;
pub mod typosquat;

use crate::inventory::{self, Lockfile, Package};
use license::{LicenseCheck, LocalLicenses, Outcome};
use purl::Compiled;
use rampart_core::config::policy::{LicenseVerdict, PolicySection, SourcePolicy};
use rampart_core::config::{ConfigError, FILE_NAME, Problem};
use rampart_core::rule::RuleDefaults;
use rampart_core::{
    Emitter, Engine, EngineSession, Finding, Location, RuleMeta, ScanContext, Severity, SourceFile,
};
use serde_json::json;
use sources::Kind;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Rule id: a package a `[[policy.deny]]` entry matches.
pub const DENIED: &str = "policy/denied-package";
/// Rule id: a package outside `[[policy.allow]]` where `only_allowed` applies.
pub const NOT_ALLOWED: &str = "policy/package-not-allowed";
/// Rule id: a licence expression the licence policy does not accept.
pub const LICENSE_DENIED: &str = "policy/license-denied";
/// Rule id: no readable licence information.
pub const LICENSE_UNKNOWN: &str = "policy/license-unknown";
/// Rule id: a registry or index outside `[policy.sources] allow`.
pub const SOURCE: &str = "policy/source-not-allowed";
/// Rule id: a git dependency.
pub const GIT: &str = "policy/git-dependency";
/// Rule id: a local path dependency.
pub const PATH: &str = "policy/path-dependency";
/// Rule id: a pip requirement without `--hash`.
pub const MISSING_HASH: &str = "policy/missing-hash";
/// Rule id: a name one edit from a popular package.
pub const TYPOSQUAT: &str = "policy/typosquat";
/// Rule id: a build setting that turns off checksum or TLS verification of downloads.
pub const UNVERIFIED: &str = "policy/unverified-download";

const RULE_FILES: [&str; 10] = [
    include_str!("../../rules/policy/denied-package.toml"),
    include_str!("../../rules/policy/package-not-allowed.toml"),
    include_str!("../../rules/policy/license-denied.toml"),
    include_str!("../../rules/policy/license-unknown.toml"),
    include_str!("../../rules/policy/source-not-allowed.toml"),
    include_str!("../../rules/policy/git-dependency.toml"),
    include_str!("../../rules/policy/path-dependency.toml"),
    include_str!("../../rules/policy/missing-hash.toml"),
    include_str!("../../rules/policy/typosquat.toml"),
    include_str!("../../rules/policy/unverified-download.toml"),
];

const DEFAULTS: RuleDefaults = RuleDefaults {
    engine: "policy",
    confidence: rampart_core::Confidence::High,
    cwe: &[],
    owasp: &["A06:2021"],
    family: Some("policy"),
};

/// Parses the built-in rule files (checked by the test suite).
pub fn load_rules() -> Result<Vec<RuleMeta>, crate::engine::RuleError> {
    crate::engine::parse_rule_files(&RULE_FILES, &DEFAULTS)
}

static RULES: LazyLock<Vec<RuleMeta>> =
    LazyLock::new(|| load_rules().expect("the built-in rule files are checked by the test suite"));

/// The policy engine. Its policy is `[policy]` of the scan's configuration, unless one was
/// given to [`PolicyEngine::with_policy`].
#[derive(Clone, Default)]
pub struct PolicyEngine {
    policy: Option<PolicySection>,
}

impl PolicyEngine {
    /// The engine applying the scan configuration's `[policy]`.
    pub fn new() -> PolicyEngine {
        PolicyEngine::default()
    }

    /// The engine applying `policy` whatever the configuration says (tests, embedders).
    pub fn with_policy(policy: PolicySection) -> PolicyEngine {
        PolicyEngine {
            policy: Some(policy),
        }
    }
}

impl Engine for PolicyEngine {
    fn name(&self) -> &'static str {
        "policy"
    }

    fn rules(&self) -> &[RuleMeta] {
        &RULES
    }

    fn wants(&self, path: &str) -> bool {
        inventory::is_lockfile(path)
            || crate::sbom::is_sbom_name(path)
            || sources_build::is_settings_file(path)
    }

    fn wants_large(&self, path: &str) -> bool {
        inventory::is_lockfile(path) || crate::sbom::is_sbom_name(path)
    }

    fn start(&self, ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        let policy = self.policy.as_ref().unwrap_or(&ctx.config.policy).clone();
        let config_path = ctx
            .config
            .source
            .clone()
            .unwrap_or_else(|| PathBuf::from(FILE_NAME));
        let invalid = |problems: Vec<Problem>| {
            ConfigError::Invalid {
                path: config_path.clone(),
                problems,
            }
            .to_string()
        };
        let licenses = match &policy.licenses {
            Some(l) => Some(LicenseCheck::new(l).map_err(invalid)?),
            None => None,
        };
        let compile = |rules: &[rampart_core::config::policy::PackageRule]| {
            rules
                .iter()
                .filter_map(|r| Some((Compiled::new(&r.purl)?, r.reason.clone())))
                .collect::<Vec<_>>()
        };
        let allowed_sources = policy.sources.as_ref().map(|s| match &s.allow {
            Some(list) => list.iter().map(|u| u.value.clone()).collect(),
            None => sources::PUBLIC_REGISTRIES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        });
        Ok(Box::new(Session {
            deny: compile(&policy.deny),
            allow: compile(&policy.allow),
            only_allowed: policy.only_allowed.clone(),
            sources: policy.sources.clone(),
            allowed_sources: allowed_sources.unwrap_or_default(),
            licenses,
            typosquatting: policy.typosquatting,
            local: LocalLicenses::default(),
            root: ctx.root.clone(),
        }))
    }
}

struct Session {
    deny: Vec<(Compiled, String)>,
    allow: Vec<(Compiled, String)>,
    only_allowed: Vec<String>,
    sources: Option<SourcePolicy>,
    allowed_sources: Vec<String>,
    licenses: Option<LicenseCheck>,
    typosquatting: bool,
    local: LocalLicenses,
    root: PathBuf,
}

fn rule(id: &str) -> &'static RuleMeta {
    RULES
        .iter()
        .find(|r| r.id == id)
        .expect("every rule id constant has a rule file (tested)")
}

impl EngineSession for Session {
    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        if !inventory::is_lockfile(&file.path)
            && !crate::sbom::is_sbom_name(&file.path)
            && sources_build::is_settings_file(&file.path)
        {
            // A build file that names sources (Gradle repositories, NuGet.config, GOPROXY…).
            if self.sources.is_some() {
                let text = String::from_utf8_lossy(&file.content);
                let none = Lockfile::default();
                self.origins(&sources::read(&file.path, &text), &none, file, out);
            }
            return;
        }
        let lf = if crate::sbom::is_sbom_name(&file.path) {
            match crate::sbom::read_sbom(&file.content) {
                Ok(lf) => lf,
                Err(_) => return, // the deps engine names an unreadable SBOM
            }
        } else {
            // Includes are not followed: their entries are checked where their own file is.
            match inventory::parse(&file.path, &file.content, None) {
                Some(lf) => lf,
                None => return,
            }
        };
        let dir = self.folder_of(file);
        self.packages(&lf, file, dir.as_deref(), out);
        if self.sources.is_some() {
            let text = String::from_utf8_lossy(&file.content);
            self.origins(&sources::read(&file.path, &text), &lf, file, out);
        }
    }
}

impl Session {
    /// The lockfile's folder on disk, where installed packages' metadata may be.
    fn folder_of(&self, file: &SourceFile) -> Option<PathBuf> {
        match &file.abs_path {
            Some(p) => p.parent().map(Path::to_path_buf),
            None => Some(match file.path.rsplit_once('/') {
                Some((d, _)) => self.root.join(d),
                None => self.root.clone(),
            }),
        }
    }

    fn allowed(&self, p: &Package) -> Option<&(Compiled, String)> {
        self.allow.iter().find(|(c, _)| c.matches(p))
    }

    fn packages(&self, lf: &Lockfile, file: &SourceFile, dir: Option<&Path>, out: &mut Emitter) {
        for p in &lf.packages {
            if p.file.is_some() {
                continue; // written in an included requirements file
            }
            let id = format!("{}:{}:{}", p.ecosystem, p.name, p.version);
            let shown = if p.version.is_empty() {
                p.name.clone()
            } else {
                format!("{} {}", p.name, p.version)
            };
            if let Some((pattern, reason)) = self.deny.iter().find(|(c, _)| c.matches(p)) {
                let mut f = finding_at(
                    rule(DENIED),
                    file,
                    p.line,
                    format!(
                        "{shown} is denied by policy (`{}`): {reason}",
                        pattern.text()
                    ),
                    format!("{id}:deny"),
                );
                package_properties(&mut f, p);
                f.properties.insert("pattern".into(), json!(pattern.text()));
                f.properties.insert("reason".into(), json!(reason));
                out.finding(f);
                continue;
            }
            if self.allowed(p).is_some() {
                continue; // approved: exempt from the other checks
            }
            if self
                .only_allowed
                .iter()
                .any(|t| t == p.ecosystem.purl_type())
            {
                let mut f = finding_at(
                    rule(NOT_ALLOWED),
                    file,
                    p.line,
                    format!(
                        "{shown} is not on the allow list ([[policy.allow]]) that only_allowed requires for {} packages",
                        p.ecosystem
                    ),
                    format!("{id}:not-allowed"),
                );
                package_properties(&mut f, p);
                out.finding(f);
            }
            if let Some(check) = &self.licenses {
                self.license(check, p, &shown, &id, file, dir, out);
            }
            if self.typosquatting
                && p.direct != Some(false)
                && let Some(popular) = typosquat::imitates(p.ecosystem, &p.name)
            {
                let mut f = finding_at(
                    rule(TYPOSQUAT),
                    file,
                    p.line,
                    format!(
                        "{} is one edit away from the popular {} package `{popular}`: check that it is the package you meant",
                        p.name, p.ecosystem
                    ),
                    format!("{}:{}:typosquat", p.ecosystem, p.name),
                );
                package_properties(&mut f, p);
                f.properties.insert("imitates".into(), json!(popular));
                out.finding(f);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn license(
        &self,
        check: &LicenseCheck,
        p: &Package,
        shown: &str,
        id: &str,
        file: &SourceFile,
        dir: Option<&Path>,
        out: &mut Emitter,
    ) {
        let (expression, from) = match &p.license {
            Some(l) => (Some(l.clone()), file.path.clone()),
            None => match dir.and_then(|d| self.local.find(d, p)) {
                Some((l, path)) => {
                    let shown_path = path
                        .strip_prefix(&self.root)
                        .map(|r| r.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_else(|_| path.display().to_string());
                    (Some(l), shown_path)
                }
                None => (None, String::new()),
            },
        };
        let (rule_id, message, severity) = match check.evaluate(expression.as_deref()) {
            Outcome::Accepted => return,
            Outcome::Denied(failed) => (
                LICENSE_DENIED,
                format!(
                    "{shown} is licensed `{}`, which the licence policy does not accept ({} not allowed)",
                    expression.as_deref().unwrap_or(""),
                    failed.join(", ")
                ),
                None,
            ),
            Outcome::Unknown(why) => {
                let severity = match check.unknown {
                    LicenseVerdict::Allow => return,
                    LicenseVerdict::Review => Severity::Low,
                    LicenseVerdict::Deny => Severity::High,
                };
                (
                    LICENSE_UNKNOWN,
                    format!("{shown}: licence unknown ({why})"),
                    Some(severity),
                )
            }
        };
        let mut f = finding_at(
            rule(rule_id),
            file,
            p.line,
            message,
            format!("{id}:license"),
        );
        if let Some(s) = severity {
            f.severity = s;
        }
        package_properties(&mut f, p);
        if let Some(e) = expression {
            f.properties.insert("license".into(), json!(e));
            f.properties.insert("license_source".into(), json!(from));
        }
        out.finding(f);
    }

    fn origins(
        &self,
        origins: &[sources::Origin],
        lf: &Lockfile,
        file: &SourceFile,
        out: &mut Emitter,
    ) {
        let Some(policy) = &self.sources else { return };
        for o in origins {
            // An approved or denied package is judged by its entry, not its source.
            let as_package = Package::new(o.ecosystem, &o.name, &o.version, o.line);
            let exempt = !o.name.is_empty()
                && (self.allowed(&as_package).is_some()
                    || lf
                        .packages
                        .iter()
                        .filter(|p| p.name == o.name)
                        .any(|p| self.allowed(p).is_some()));
            if exempt {
                continue;
            }
            let what = if o.name.is_empty() {
                "this file".to_string()
            } else {
                o.name.clone()
            };
            let key = format!("{}:{}:{}", o.ecosystem, o.name, o.version);
            let (rule_id, message, key) = match &o.kind {
                Kind::Registry(url) if !sources::allowed(url, &self.allowed_sources) => (
                    SOURCE,
                    format!(
                        "{what} is downloaded from `{}`, which is not an allowed source ([policy.sources] allow)",
                        host_and_path(url)
                    ),
                    format!(
                        "{key}:source:{}",
                        host_and_path(&sources::normalise_url(url))
                    ),
                ),
                Kind::Git(url) if !policy.git => (
                    GIT,
                    format!(
                        "{what} comes from the git repository `{}`, not a registry ([policy.sources] git = false)",
                        host_and_path(url)
                    ),
                    format!("{key}:git"),
                ),
                Kind::Path(p) if !policy.path => (
                    PATH,
                    format!(
                        "{what} is installed from the local path `{p}` ([policy.sources] path = false)"
                    ),
                    format!("{key}:path"),
                ),
                Kind::NoHash if policy.require_hashes => (
                    MISSING_HASH,
                    format!("{what} has no --hash, which [policy.sources] require_hashes asks for"),
                    format!("{key}:hash"),
                ),
                // TLS off is a source problem whatever else is allowed; checksums off only
                // where hashes are required.
                Kind::Unverified { setting, tls } if *tls || policy.require_hashes => (
                    UNVERIFIED,
                    if *tls {
                        format!(
                            "`{setting}` lets {what} be downloaded without TLS verification ([policy.sources])"
                        )
                    } else {
                        format!(
                            "`{setting}` turns off checksum verification of {what}, which [policy.sources] require_hashes asks for"
                        )
                    },
                    format!("{key}:unverified:{setting}"),
                ),
                _ => continue,
            };
            let mut f = finding_at(rule(rule_id), file, o.line, message, key);
            if !o.name.is_empty() {
                f.properties.insert("package".into(), json!(o.name));
                f.properties
                    .insert("ecosystem".into(), json!(o.ecosystem.osv_name()));
            }
            match &o.kind {
                Kind::Registry(u) | Kind::Git(u) | Kind::Path(u) => {
                    f.properties
                        .insert("source".into(), json!(host_and_path(u)));
                }
                Kind::NoHash => {}
                Kind::Unverified { setting, .. } => {
                    f.properties.insert("setting".into(), json!(setting));
                }
            }
            out.finding(f);
        }
    }
}

/// A URL shown without its query, fragment or credentials.
fn host_and_path(url: &str) -> String {
    let u = url.split(['?', '#']).next().unwrap_or(url);
    match u.split_once("://") {
        Some((scheme, rest)) => {
            // `user:token@host/path`: the credentials end at the last `@` before the path.
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = authority
                .rsplit_once('@')
                .map(|(_, h)| h)
                .unwrap_or(authority);
            if path.is_empty() && !rest.contains('/') {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        }
        None => u.to_string(),
    }
}

fn package_properties(f: &mut Finding, p: &Package) {
    let pr = &mut f.properties;
    pr.insert("ecosystem".into(), json!(p.ecosystem.osv_name()));
    pr.insert("package".into(), json!(p.name));
    pr.insert("version".into(), json!(p.version));
    pr.insert("purl".into(), json!(p.purl()));
    if let Some(d) = p.direct {
        pr.insert("direct".into(), json!(d));
    }
}

/// A finding at a lockfile line, keyed by the package (never by the line's text).
fn finding_at(
    rule: &RuleMeta,
    file: &SourceFile,
    line: usize,
    message: String,
    key: String,
) -> Finding {
    match file.line_range(line).filter(|_| line > 0) {
        Some(range) => Finding::keyed(rule, file, range, message, key),
        None => {
            let mut f = Finding::at(
                rule,
                Location::line(file.path.clone(), line.max(1)),
                message,
            );
            f.fingerprint_key = key;
            f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_id_has_a_rule() {
        for id in [
            DENIED,
            NOT_ALLOWED,
            LICENSE_DENIED,
            LICENSE_UNKNOWN,
            SOURCE,
            GIT,
            PATH,
            MISSING_HASH,
            TYPOSQUAT,
        ] {
            assert_eq!(rule(id).id, id);
        }
        assert_eq!(load_rules().unwrap().len(), RULE_FILES.len());
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(
            host_and_path("https://user:tok@npm.example/x/-/x.tgz?sig=1#h"),
            "https://npm.example/x/-/x.tgz"
        );
        assert_eq!(host_and_path("https://a.example/p"), "https://a.example/p");
    }
}
