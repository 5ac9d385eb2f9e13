//! `rampart threat`: the threats of the threat model, its diagram and its diff since a git ref;
//! and the risk ranking and risk-appetite gate `rampart scan` applies when a model exists.

use clap::{Args, Subcommand, ValueEnum};
use rampart_core::config::{self, Config};
use rampart_core::scan::ScanResult;
use rampart_threat::rules::{IMPACT, LIKELIHOOD, RISK};
use rampart_threat::{Model, Threat, diagram, diff, risk};
use std::path::{Path, PathBuf};

/// `rampart threat`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ThreatArgs {
    /// What else to do with the model; without one, the threats are printed.
    #[command(subcommand)]
    pub cmd: Option<ThreatCommand>,
    /// Where the model is found.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output: text or json.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: ListFormat,
}

/// How the threat list is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table for people.
    Text,
    /// One JSON array.
    Json,
}

/// Where the model is: a folder and an optional model file.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// The project folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The model file (default: `[threat] model` in rampart.toml, else threatmodel.yaml or
    /// threagile.yaml in the folder).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// rampart.toml to read (default: the folder's).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `rampart threat diagram` and `rampart threat diff`.
#[derive(Debug, Subcommand)]
pub enum ThreatCommand {
    /// Draw the data-flow diagram (SVG or Mermaid), laid out by rampart.
    Diagram {
        /// Where the model is found.
        #[command(flatten)]
        model: ModelArgs,
        /// svg or mermaid.
        #[arg(long, short = 'f', value_enum, default_value = "svg")]
        format: DiagramFormat,
        /// File to write (stdout when absent).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Threats added, removed and changed since a git ref, as a pull-request comment (Markdown).
    Diff {
        /// The ref to compare with (its merge base with HEAD, as a pull request sees it).
        base: String,
        /// Where the model is found.
        #[command(flatten)]
        model: ModelArgs,
    },
}

/// Diagram formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagramFormat {
    /// A standalone SVG image.
    Svg,
    /// A Mermaid flowchart.
    Mermaid,
}

/// The model's path relative to the root: the flag, else `[threat] model`, else the first
/// default name that exists. `None` when there is no model.
fn model_path(root: &Path, flag: Option<&Path>, config: &Config) -> Option<PathBuf> {
    if let Some(f) = flag {
        return Some(f.to_path_buf());
    }
    if let Some(m) = &config.threat.model {
        return Some(root.join(m));
    }
    rampart_threat::DEFAULT_MODEL_NAMES
        .iter()
        .map(|n| root.join(n))
        .find(|p| p.is_file())
}

fn display(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Reads and parses the model the arguments name; every problem is an error message.
fn load(args: &ModelArgs) -> Result<(Model, Config), String> {
    let config = Config::load(&args.path, args.config.as_deref()).map_err(|e| e.to_string())?;
    let path = model_path(&args.path, args.model.as_deref(), &config).ok_or_else(|| {
        format!(
            "no threat model in {}: write threatmodel.yaml (docs/threat-model.md), name one with --model, or set [threat] model in rampart.toml",
            args.path.display()
        )
    })?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the threat model {}: {e}", path.display()))?;
    let model = rampart_threat::parse_model(&display(&args.path, &path), &text)
        .map_err(|e| format!("the threat model is not valid:\n{e}"))?;
    Ok((model, config))
}

/// Runs `rampart threat …`.
pub fn run(args: &ThreatArgs) -> Result<i32, String> {
    match &args.cmd {
        None => list(&args.model, args.format),
        Some(ThreatCommand::Diagram {
            model,
            format,
            output,
        }) => {
            let (m, _) = load(model)?;
            let text = match format {
                DiagramFormat::Svg => diagram::svg(&m),
                DiagramFormat::Mermaid => diagram::mermaid(&m),
            };
            write(output.as_deref(), &text)
        }
        Some(ThreatCommand::Diff { base, model }) => diff_since(base, model),
    }
}

fn write(output: Option<&Path>, text: &str) -> Result<i32, String> {
    match output {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?
        }
        None => print!("{text}"),
    }
    Ok(0)
}

fn status(m: &Model, t: &Threat) -> String {
    m.tracking
        .iter()
        .find(|tr| tr.matches(&t.id))
        .map(|tr| tr.status.clone())
        .unwrap_or_else(|| "unchecked".into())
}

fn list(args: &ModelArgs, format: ListFormat) -> Result<i32, String> {
    let (m, _) = load(args)?;
    let threats = rampart_threat::threats(&m);
    let text = match format {
        ListFormat::Json => {
            let rows: Vec<serde_json::Value> = threats
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "id": t.id,
                        "rule": t.rule,
                        "title": t.title,
                        "stride": t.stride,
                        "asset": t.asset,
                        "link": t.link,
                        "message": t.message,
                        "likelihood": LIKELIHOOD[t.likelihood],
                        "impact": IMPACT[t.impact],
                        "risk": RISK[t.risk],
                        "status": status(&m, t),
                        "location": format!("{}:{}", m.path, t.line),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())? + "\n"
        }
        ListFormat::Text => {
            let mut s = format!(
                "{}: {} threats in {} ({} assets, {} links, {} boundaries)\n\n",
                m.path,
                threats.len(),
                if m.title.is_empty() {
                    "the model"
                } else {
                    m.title.as_str()
                },
                m.assets.len(),
                m.links.len(),
                m.boundaries.len()
            );
            for t in &threats {
                s.push_str(&format!(
                    "{:<9} {:<24} {}\n          {} ({} × {}, {}) {}:{}\n",
                    RISK[t.risk],
                    t.stride,
                    rampart_core::paths::printable(&t.message),
                    t.id,
                    LIKELIHOOD[t.likelihood],
                    IMPACT[t.impact],
                    status(&m, t),
                    m.path,
                    t.line
                ));
            }
            s
        }
    };
    write(None, &text)
}

fn diff_since(base: &str, args: &ModelArgs) -> Result<i32, String> {
    let (new, _) = load(args)?;
    let repo = rampart_core::git::Repo::open(&args.path).map_err(|e| e.to_string())?;
    let changes = repo.changed_since(base).map_err(|e| e.to_string())?;
    let old_threats = match changes.base_content(&new.path) {
        None => Vec::new(),
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            match rampart_threat::parse_model(&new.path, &text) {
                Ok(old) => rampart_threat::threats(&old),
                Err(e) => {
                    return Err(format!(
                        "the threat model at {base} (merge base {}) is not valid, so there is nothing to compare with:\n{e}",
                        &changes.merge_base[..changes.merge_base.len().min(12)]
                    ));
                }
            }
        }
    };
    let d = diff::diff(&old_threats, &rampart_threat::threats(&new));
    write(None, &diff::markdown(&d, &new.path, base))
}

/// After a scan: when the project has a threat model, every finding gets its asset and risk
/// and the findings are ordered by risk; returns the risk appetite that decides the exit code
/// (`None` without a model, or when it does not parse — the threat engine reports why).
pub fn rank(
    result: &mut ScanResult,
    config: &Config,
    root: &Path,
) -> Result<Option<risk::Appetite>, String> {
    let Some(path) = model_path(root, None, config) else {
        return Ok(None);
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let Ok(model) = rampart_threat::parse_model(&display(root, &path), &text) else {
        return Ok(None);
    };
    let threshold = |v: &Option<String>, default: Option<usize>| -> Result<Option<usize>, String> {
        match v {
            Some(s) => config::parse_risk(s).map_err(|e| format!("[threat] {e}")),
            None => Ok(default),
        }
    };
    let fail_on = threshold(&config.threat.fail_on, Some(3))?;
    let internal_fail_on = threshold(&config.threat.internal_fail_on, fail_on)?;
    risk::annotate(&model, &mut result.findings, |p| {
        std::fs::read_to_string(root.join(p)).ok()
    });
    Ok(Some(risk::Appetite {
        fail_on,
        internal_fail_on,
    }))
}
