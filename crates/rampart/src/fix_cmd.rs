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
    /// Never ask the GitHub API or image registries; pin only what --pins maps
    /// (also RAMPART_OFFLINE=1).
    #[arg(long)]
    pub offline: bool,
    /// Scan options (the scan that finds what to fix).
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// One change and the findings it resolves (as `rule at path:line`).
struct Change {
    fix: Fix,
    resolves: Vec<String>,
}

fn describe(f: &Finding) -> String {
    format!(
        "{} at {}:{}",
        f.rule_id, f.location.path, f.location.start_line
    )
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
    let by_fp: BTreeMap<&str, &Finding> = findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), *f))
        .collect();
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    // Rule autofixes the engines attached.
    for f in &findings {
        if let Some(fix) = &f.fix {
            changes.push(Change {
                fix: fix.clone(),
                resolves: vec![describe(f)],
            });
        }
    }
    // Dependency upgrades.
    let plan = rampart_deps::fix::plan(&root, findings.iter().copied());
    for c in plan.changes {
        let resolves = c
            .resolves
            .iter()
            .filter_map(|fp| by_fp.get(fp.as_str()).map(|f| describe(f)))
            .collect();
        changes.push(Change {
            fix: c.fix,
            resolves,
        });
    }
    notes.extend(plan.notes);
    // Pins.
    let offline = args.offline || std::env::var("RAMPART_OFFLINE").is_ok_and(|v| v != "0");
    let map = match &args.pins {
        Some(p) => resolve::PinMap::read(p)?,
        None => resolve::PinMap::default(),
    };
    let resolver = resolve::Resolve::new(map, !offline);
    let mut texts = Texts::new(&root);
    for f in findings.iter().filter(|f| pin::is_pin_finding(f)) {
        let Some(text) = texts.get(&f.location.path) else {
            continue;
        };
        match pin::pin(f, &f.location.path, text, &resolver) {
            Ok(Some(fix)) => changes.push(Change {
                fix,
                resolves: vec![describe(f)],
            }),
            Ok(None) => {}
            Err(e) => notes.push(format!("{}: not pinned: {e}", describe(f))),
        }
    }
    let outcome = settle(merge_identical(changes), &mut texts, &mut notes);
    report(args, &root, &outcome, &plan.commands, &notes)
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
                eprintln!("  resolves {r}");
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
