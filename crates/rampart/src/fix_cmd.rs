//! `rampart fix`: scan, then show (or `--write`) the changes that resolve findings: rule
//! autofixes the engines attach, dependency upgrades in manifests with the command that
//! regenerates each lockfile, and pins of actions and images to SHAs and digests.
//!
//! The diff goes to standard output (a patch `git apply` takes); what each change resolves,
//! the commands to run after it, and what could not be fixed go to standard error.

mod pin;
mod resolve;

use crate::cli::ScanArgs;
use clap::Args;
use globset::{Glob, GlobSet, GlobSetBuilder};
use rampart_core::fix::{FixError, apply, unified_diff};
use rampart_core::{Edit, Finding, Fix};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Options of `rampart fix`.
#[derive(Debug, Args)]
pub struct FixArgs {
    /// Apply the changes to the files instead of printing them as a diff.
    #[arg(long)]
    pub write: bool,
    /// Only fix findings of these rules (repeatable; `engine/name`, or a prefix ending in `/`).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Only fix findings in files matching these globs (repeatable, relative to the scanned folder).
    #[arg(long = "path", value_name = "GLOB")]
    pub paths: Vec<String>,
    /// A TOML map of pins for air-gapped use: `[actions] "owner/repo@tag" = "<sha>"`,
    /// `[images] "name:tag" = "sha256:…"`. Looked up before the network.
    #[arg(long, value_name = "FILE")]
    pub pins: Option<PathBuf>,
    /// Scan options (the scan that finds what to fix).
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// A finding a change resolves.
#[derive(Debug, Clone)]
struct Resolved {
    rule: String,
    path: String,
    line: usize,
    fingerprint: String,
}

impl Resolved {
    fn of(f: &Finding) -> Resolved {
        Resolved {
            rule: f.rule_id.clone(),
            path: f.location.path.clone(),
            line: f.location.start_line,
            fingerprint: f.fingerprint.clone(),
        }
    }

    /// `rule at path:line`.
    fn describe(&self) -> String {
        format!("{} at {}:{}", self.rule, self.path, self.line)
    }
}

/// One change, the findings it resolves, and what it changes (a package, an action or an
/// image; `None` for rule autofixes), by which changes are grouped per package.
struct Change {
    fix: Fix,
    resolves: Vec<Resolved>,
    subject: Option<String>,
}

fn globs(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| format!("--path {p}: {e}"))?);
    }
    b.build().map(Some).map_err(|e| e.to_string())
}

/// The changes the findings call for, before they are settled, with the lockfile commands and
/// what cannot be fixed.
struct Planned {
    changes: Vec<Change>,
    commands: Vec<rampart_deps::fix::Command>,
    notes: Vec<String>,
}

/// Plans the fixes of `findings` (of a scan of `root`): rule autofixes when `autofixes`,
/// dependency upgrades, and pins through `resolver`.
fn plan_changes(
    root: &Path,
    findings: &[&Finding],
    autofixes: bool,
    resolver: &dyn pin::Resolver,
    texts: &mut Texts,
) -> Planned {
    let by_fp: BTreeMap<&str, &Finding> = findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), *f))
        .collect();
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    // Rule autofixes the engines attached.
    if autofixes {
        for f in findings {
            if let Some(fix) = &f.fix {
                changes.push(Change {
                    fix: fix.clone(),
                    resolves: vec![Resolved::of(f)],
                    subject: None,
                });
            }
        }
    }
    // Dependency upgrades.
    let plan = rampart_deps::fix::plan(root, findings.iter().copied());
    for c in plan.changes {
        let resolved: Vec<&Finding> = c
            .resolves
            .iter()
            .filter_map(|fp| by_fp.get(fp.as_str()).copied())
            .collect();
        let subject = resolved
            .iter()
            .find_map(|f| f.properties.get("package").and_then(|v| v.as_str()))
            .map(str::to_string);
        changes.push(Change {
            fix: c.fix,
            resolves: resolved.into_iter().map(Resolved::of).collect(),
            subject,
        });
    }
    notes.extend(plan.notes);
    // Pins.
    for f in findings.iter().filter(|f| pin::is_pin_finding(f)) {
        let Some(text) = texts.get(&f.location.path) else {
            continue;
        };
        match pin::pin(f, &f.location.path, text, resolver) {
            Ok(Some((fix, subject))) => changes.push(Change {
                fix,
                resolves: vec![Resolved::of(f)],
                subject: Some(subject),
            }),
            Ok(None) => {}
            Err(e) => notes.push(format!("{}: not pinned: {e}", Resolved::of(f).describe())),
        }
    }
    Planned {
        changes,
        commands: plan.commands,
        notes,
    }
}

/// Each command line once per folder (the plan lists a command per package).
fn once_each(mut commands: Vec<rampart_deps::fix::Command>) -> Vec<rampart_deps::fix::Command> {
    commands.sort_by(|a, b| (&a.dir, &a.line).cmp(&(&b.dir, &b.line)));
    commands.dedup_by(|a, b| a.dir == b.dir && a.line == b.line);
    commands
}

/// The resolver of pins: `--pins`' map first, then the network unless offline.
fn resolver(pins: Option<&Path>, offline: bool) -> Result<resolve::Resolve, String> {
    let offline = offline || std::env::var("RAMPART_OFFLINE").is_ok_and(|v| v != "0");
    let map = match pins {
        Some(p) => resolve::PinMap::read(p)?,
        None => resolve::PinMap::default(),
    };
    Ok(resolve::Resolve::new(map, !offline))
}

/// Runs `rampart fix`; the exit code is 0 when it ran (whether or not there was anything to fix).
pub fn run(args: &FixArgs) -> Result<i32, String> {
    let (result, _config, _) = crate::scan_cmd::scan(&args.scan)?;
    let root = if args.scan.path.is_file() {
        args.scan
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    } else {
        args.scan.path.clone()
    };
    let only = globs(&args.paths)?;
    let wanted = |f: &&Finding| {
        f.suppression.is_none()
            && (args.rules.is_empty()
                || args.rules.iter().any(|r| {
                    f.rule_id == *r || r.ends_with('/') && f.rule_id.starts_with(r.as_str())
                }))
            && only.as_ref().is_none_or(|g| g.is_match(&f.location.path))
    };
    let findings: Vec<&Finding> = result.findings.iter().filter(wanted).collect();
    let resolver = resolver(args.pins.as_deref(), args.scan.offline)?;
    let mut texts = Texts::new(&root);
    let mut planned = plan_changes(&root, &findings, true, &resolver, &mut texts);
    planned.commands = once_each(planned.commands);
    let outcome = settle(
        merge_identical(planned.changes),
        &mut texts,
        &mut planned.notes,
    );
    report(args, &root, &outcome, &planned.commands, &planned.notes)
}

/// The fix set a server's worker asks of a scan of `root` (see `rampart_server::fixes`): the
/// dependency upgrades and pins of the unsuppressed `findings` (rule autofixes stay with
/// `rampart fix`, where a person reads them), as one request or one per package, action or
/// image, each with its files' new contents, the findings its changes resolve and its
/// lockfile commands. Pins resolve as `rampart fix` does (`RAMPART_OFFLINE`, `GITHUB_TOKEN`).
fn fix_set(
    root: &Path,
    findings: &[Finding],
    mode: rampart_server::fixes::FixMode,
    resolver: &dyn pin::Resolver,
) -> rampart_server::fixes::FixSet {
    use rampart_server::fixes::{FixCommand, FixMode, FixSet};
    let findings: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .collect();
    let mut texts = Texts::new(root);
    let planned = plan_changes(root, &findings, false, resolver, &mut texts);
    let mut notes = planned.notes;
    let command = |c: &rampart_deps::fix::Command| FixCommand {
        dir: c.dir.clone(),
        line: c.line.clone(),
    };
    let mut requests = Vec::new();
    match mode {
        FixMode::Grouped => {
            let outcome = settle(merge_identical(planned.changes), &mut texts, &mut notes);
            let n = outcome.kept.len();
            let title = match outcome.kept.as_slice() {
                [one] => format!("rampart: {}", one.fix.description),
                _ => format!(
                    "rampart: upgrade vulnerable dependencies and pin references ({n} changes)"
                ),
            };
            if let Some(r) = request(
                "all",
                title,
                &outcome,
                once_each(planned.commands.clone())
                    .iter()
                    .map(command)
                    .collect(),
            ) {
                requests.push(r);
            }
        }
        FixMode::PerPackage => {
            let mut groups: BTreeMap<String, Vec<Change>> = BTreeMap::new();
            for c in planned.changes {
                let key = c.subject.clone().unwrap_or_else(|| "other".into());
                groups.entry(key).or_default().push(c);
            }
            for (key, changes) in groups {
                // Each request starts from the scanned files, not from another's changes.
                let mut own = Texts::new(root);
                let outcome = settle(merge_identical(changes), &mut own, &mut notes);
                let title = match outcome.kept.as_slice() {
                    [one] => format!("rampart: {}", one.fix.description),
                    kept => format!("rampart: fix {key} ({} changes)", kept.len()),
                };
                let commands = planned
                    .commands
                    .iter()
                    .filter(|c| c.package == key)
                    .map(command)
                    .collect();
                if let Some(r) = request(&key, title, &outcome, commands) {
                    requests.push(r);
                }
            }
        }
    }
    FixSet { requests, notes }
}

/// [`fix_set`] with the pins resolved as `rampart fix` resolves them without `--pins`
/// (`RAMPART_OFFLINE=1` keeps it off the network).
pub fn server_fix_set(
    root: &Path,
    findings: &[Finding],
    mode: rampart_server::fixes::FixMode,
) -> Result<rampart_server::fixes::FixSet, String> {
    let resolver = resolver(None, false)?;
    Ok(fix_set(root, findings, mode, &resolver))
}

/// A request of settled changes; `None` when nothing changes.
fn request(
    key: &str,
    title: String,
    outcome: &Outcome,
    commands: Vec<rampart_server::fixes::FixCommand>,
) -> Option<rampart_server::fixes::FixRequest> {
    use rampart_server::fixes::{FixChange, FixFile, FixFinding, FixRequest};
    if outcome.files.is_empty() {
        return None;
    }
    Some(FixRequest {
        key: key.to_string(),
        title,
        files: outcome
            .files
            .iter()
            .map(|(path, (_, new))| FixFile {
                path: path.clone(),
                content: new.clone(),
            })
            .collect(),
        changes: outcome
            .kept
            .iter()
            .map(|c| FixChange {
                description: c.fix.description.clone(),
                resolves: c
                    .resolves
                    .iter()
                    .map(|r| FixFinding {
                        rule: r.rule.clone(),
                        path: r.path.clone(),
                        line: r.line as u64,
                        fingerprint: r.fingerprint.clone(),
                    })
                    .collect(),
            })
            .collect(),
        commands,
    })
}

/// File contents, read once.
struct Texts<'r> {
    root: &'r Path,
    files: BTreeMap<String, Option<String>>,
}

impl<'r> Texts<'r> {
    fn new(root: &'r Path) -> Texts<'r> {
        Texts {
            root,
            files: BTreeMap::new(),
        }
    }

    fn get(&mut self, path: &str) -> Option<&str> {
        self.files
            .entry(path.to_string())
            .or_insert_with(|| std::fs::read_to_string(self.root.join(path)).ok())
            .as_deref()
    }
}

/// The changes that apply together, per file: old text, new text, and the changes kept.
struct Outcome {
    files: BTreeMap<String, (String, String)>,
    kept: Vec<Change>,
}

/// Changes with the same edits (one fix for several findings: two checks on one step, an
/// action that two rules flag) become one that resolves them all.
fn merge_identical(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    for c in changes {
        match out.iter_mut().find(|o| o.fix.edits == c.fix.edits) {
            Some(o) => o.resolves.extend(c.resolves),
            None => out.push(c),
        }
    }
    out
}

/// Applies changes in order; a change that overlaps one already kept, or whose file changed
/// or cannot be read, is dropped with a note (the others still apply).
fn settle(changes: Vec<Change>, texts: &mut Texts, notes: &mut Vec<String>) -> Outcome {
    let mut accepted: BTreeMap<String, Vec<Edit>> = BTreeMap::new();
    let mut kept = Vec::new();
    for c in changes {
        let mut trial = accepted.clone();
        let mut ok = true;
        for e in &c.fix.edits {
            trial.entry(e.path.clone()).or_default().push(e.clone());
        }
        for path in c.fix.edits.iter().map(|e| &e.path) {
            let Some(text) = texts.get(path) else {
                notes.push(format!(
                    "{path}: cannot read it; {} not applied",
                    c.fix.description
                ));
                ok = false;
                break;
            };
            let edits: Vec<&Edit> = trial[path].iter().collect();
            if let Err(e) = apply(text.as_bytes(), &edits) {
                let why = match e {
                    FixError::Overlap { .. } => {
                        format!(
                            "{path}: `{}` overlaps another change; run `rampart fix` again after this one",
                            c.fix.description
                        )
                    }
                    other => other.to_string(),
                };
                notes.push(why);
                ok = false;
                break;
            }
        }
        if ok {
            accepted = trial;
            kept.push(c);
        }
    }
    let mut files = BTreeMap::new();
    for (path, edits) in &accepted {
        let Some(old) = texts.get(path).map(str::to_string) else {
            continue;
        };
        let refs: Vec<&Edit> = edits.iter().collect();
        if let Ok(new) = apply(old.as_bytes(), &refs)
            && let Ok(new) = String::from_utf8(new)
        {
            files.insert(path.clone(), (old, new));
        }
    }
    Outcome { files, kept }
}

fn report(
    args: &FixArgs,
    root: &Path,
    outcome: &Outcome,
    commands: &[rampart_deps::fix::Command],
    notes: &[String],
) -> Result<i32, String> {
    let quiet = args.scan.quiet;
    if args.write {
        for (path, (_, new)) in &outcome.files {
            write_atomically(&root.join(path), new)
                .map_err(|e| format!("{path}: cannot write the fix: {e}"))?;
        }
    } else {
        let mut out = String::new();
        for (path, (old, new)) in &outcome.files {
            out.push_str(&unified_diff(path, old, new));
        }
        print!("{out}");
    }
    if !quiet {
        for c in &outcome.kept {
            eprintln!("{}", c.fix.description);
            for r in &c.resolves {
                eprintln!("  resolves {}", r.describe());
            }
        }
        if !commands.is_empty() {
            eprintln!("\nThen regenerate the lockfiles (rampart runs no package manager):");
            for c in commands {
                let dir = if c.dir.is_empty() { "." } else { &c.dir };
                eprintln!("  (cd {dir} && {})", c.line);
            }
        }
        if !notes.is_empty() {
            eprintln!("\nNot fixed automatically:");
            for n in notes {
                eprintln!("  {n}");
            }
        }
        let resolved: usize = outcome.kept.iter().map(|c| c.resolves.len()).sum();
        let verb = if args.write {
            "changed"
        } else {
            "would change"
        };
        eprintln!(
            "\n{verb} {} file(s), resolving {resolved} finding(s){}",
            outcome.files.len(),
            if args.write || outcome.files.is_empty() {
                ""
            } else {
                "; run with --write to apply"
            }
        );
    }
    Ok(0)
}

/// Writes `text` to `path` through a temporary file in the same folder, keeping permissions.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::Location;
    use rampart_core::testing::rule;
    use rampart_server::fixes::FixMode;
    use serde_json::json;

    struct Fake;
    impl pin::Resolver for Fake {
        fn action_commit(&self, _repo: &str, _reference: &str) -> Result<String, String> {
            Ok("11bd71901bbe5b1630ceea73d27597364c9af683".into())
        }
        fn image_digest(&self, _image: &str, _tag: &str) -> Result<String, String> {
            Err("no registry here".into())
        }
    }

    fn vulnerable(name: &str, version: &str, fix: &str) -> Finding {
        let mut f = Finding::at(
            &rule("deps/vulnerable-dependency", "Vulnerable dependency"),
            Location::line("package-lock.json", 1),
            "vulnerable",
        );
        f.fingerprint = format!("fp-{name}");
        for (k, v) in [
            ("ecosystem", json!("npm")),
            ("package", json!(name)),
            ("version", json!(version)),
            ("advisory_id", json!(format!("GHSA-{name}"))),
            ("smallest_fix", json!(fix)),
            ("direct", json!(true)),
        ] {
            f.properties.insert(k.into(), v);
        }
        f
    }

    const PACKAGE_JSON: &str = "{\n  \"dependencies\": {\n    \"lodash\": \"^4.17.15\",\n    \"minimist\": \"1.2.0\"\n  }\n}\n";
    const WORKFLOW: &str = "on: push\njobs:\n  b:\n    steps:\n      - uses: actions/checkout@v4\n";

    fn project() -> (tempfile::TempDir, Vec<Finding>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package.json"), PACKAGE_JSON).unwrap();
        std::fs::write(dir.path().join("package-lock.json"), "").unwrap();
        std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
        std::fs::write(dir.path().join(".github/workflows/ci.yml"), WORKFLOW).unwrap();
        let mut pin = Finding::at(
            &rule("iac/gha-unpinned-uses", "Unpinned action"),
            Location::line(".github/workflows/ci.yml", 5),
            "unpinned",
        );
        pin.fingerprint = "fp-pin".into();
        let mut suppressed = vulnerable("express", "4.0.0", "4.19.2");
        suppressed.suppression = Some(rampart_core::Suppression {
            kind: "config".into(),
            reason: "accepted".into(),
            expires: None,
        });
        let findings = vec![
            vulnerable("lodash", "4.17.15", "4.17.21"),
            vulnerable("minimist", "1.2.0", "1.2.6"),
            pin,
            suppressed,
        ];
        (dir, findings)
    }

    #[test]
    fn the_server_gets_one_grouped_request_with_every_file_and_command() {
        let (dir, findings) = project();
        let set = fix_set(dir.path(), &findings, FixMode::Grouped, &Fake);
        assert_eq!(set.requests.len(), 1, "{set:?}");
        let r = &set.requests[0];
        assert_eq!(r.key, "all");
        let files: BTreeMap<&str, &str> = r
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.content.as_str()))
            .collect();
        assert_eq!(
            files["package.json"],
            PACKAGE_JSON
                .replace("^4.17.15", "^4.17.21")
                .replace("1.2.0", "1.2.6")
        );
        assert_eq!(
            files[".github/workflows/ci.yml"],
            WORKFLOW.replace(
                "checkout@v4",
                "checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4"
            )
        );
        assert_eq!(r.changes.len(), 3);
        let resolved: Vec<&str> = r
            .changes
            .iter()
            .flat_map(|c| c.resolves.iter().map(|f| f.fingerprint.as_str()))
            .collect();
        assert_eq!(resolved, ["fp-lodash", "fp-minimist", "fp-pin"]);
        let lines: Vec<&str> = r.commands.iter().map(|c| c.line.as_str()).collect();
        assert_eq!(lines, ["npm install"], "once for both packages");
        assert!(
            !r.files.iter().any(|f| f.content.contains("express")),
            "suppressed findings are not fixed"
        );
    }

    #[test]
    fn per_package_requests_each_start_from_the_scanned_files() {
        let (dir, findings) = project();
        let set = fix_set(dir.path(), &findings, FixMode::PerPackage, &Fake);
        let keys: Vec<&str> = set.requests.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["actions/checkout", "lodash", "minimist"]);
        let lodash = &set.requests[1];
        assert_eq!(lodash.files.len(), 1);
        assert_eq!(
            lodash.files[0].content,
            PACKAGE_JSON.replace("^4.17.15", "^4.17.21"),
            "only lodash's upgrade"
        );
        assert!(
            lodash.title.starts_with("rampart: upgrade lodash 4.17.15"),
            "{}",
            lodash.title
        );
        assert_eq!(lodash.commands.len(), 1);
        assert_eq!(
            lodash.changes[0].resolves[0].rule,
            "deps/vulnerable-dependency"
        );
        assert!(set.requests[0].commands.is_empty(), "pins need no command");
        // Nothing on disk changed.
        assert_eq!(
            std::fs::read_to_string(dir.path().join("package.json")).unwrap(),
            PACKAGE_JSON
        );
    }
}
