//! `rampart sbom`: a CycloneDX 1.6 or SPDX 2.3 JSON document for the lockfiles of a folder.

use std::path::PathBuf;

/// SBOM output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

/// `rampart sbom` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct SbomArgs {
    /// Folder (or lockfile) to describe.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "cyclonedx")]
    pub format: SbomFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `rampart sbom`: the exit code, or the message of an error (exit 2).
pub fn run(args: SbomArgs) -> Result<i32, String> {
    let text = sbom_text(&args)?;
    match &args.output {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?
        }
        None => print!("{text}"),
    }
    Ok(0)
}

/// The SBOM document `rampart sbom` writes; parse problems go to standard error.
pub fn sbom_text(args: &SbomArgs) -> Result<String, String> {
    if !args.path.exists() {
        return Err(format!("{}: no such file or folder", args.path.display()));
    }
    let (lockfiles, errors) = rampart_deps::sbom::collect(&args.path);
    for e in errors {
        eprintln!("warning: {e}");
    }
    let abs = std::fs::canonicalize(&args.path).unwrap_or_else(|_| args.path.clone());
    let name = abs
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".into());
    let doc = match args.format {
        SbomFormat::Cyclonedx => rampart_deps::sbom::cyclonedx(&name, &lockfiles),
        SbomFormat::Spdx => rampart_deps::sbom::spdx(&name, &lockfiles),
    };
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| format!("cannot write the SBOM: {e}"))
}
