//! Command-line syntax.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// rampart: secrets, vulnerable dependencies, code flaws and misconfigurations, in one fast scan.
#[derive(Debug, Parser)]
#[command(name = "rampart", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a folder (default: the current one) and report findings.
    Scan {
        /// Output format: text, json, sarif or markdown. Repeat with --output to write several.
        #[arg(long, short = 'f', value_name = "FORMAT")]
        format: Vec<String>,
        /// File for the preceding --format (stdout when absent). The format is guessed from the extension when no --format precedes it.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Vec<PathBuf>,
        /// Scan options.
        #[command(flatten)]
        args: ScanArgs,
    },
    /// Record the current findings in a baseline file; later scans with --baseline show only new ones.
    Baseline {
        /// Where to write the baseline.
        #[arg(long, short)]
        output: PathBuf,
        /// Scan options.
        #[command(flatten)]
        scan: ScanArgs,
    },
    /// Show (or --write) the changes that resolve findings: rule autofixes, dependency
    /// upgrades in manifests, actions and images pinned to SHAs and digests.
    Fix(Box<crate::fix_cmd::FixArgs>),
    /// The offline vulnerability database: update, status, compare versions.
    Db {
        /// What to do with the database.
        #[command(subcommand)]
        cmd: crate::db_cmd::DbCommand,
    },
    /// Write a software bill of materials (CycloneDX 1.6 or SPDX 2.3 JSON) for a folder.
    Sbom(crate::sbom_cmd::SbomArgs),
    /// Run the server: the HTTP API that keeps findings over time, with in-process workers.
    Server(crate::server_cmd::ServerArgs),
    /// Run workers that take scans and uploads from the server's database.
    Worker(crate::server_cmd::WorkerArgs),
    /// Tell a rampart server what runs where, so it watches deployments for new advisories.
    Deploy {
        /// What to do.
        #[command(subcommand)]
        cmd: crate::deploy_cmd::DeployCommand,
    },
    /// Make a key pair for signing attestations (Ed25519, or ECDSA P-256).
    Keygen(crate::attest_cmd::KeygenArgs),
    /// Scan (or take a JSON report) and write signed in-toto attestations for an artifact.
    Attest(Box<crate::attest_cmd::AttestArgs>),
    /// Check an artifact's attestation: signature, subject, age and policy (exit 0 or 1).
    Verify(crate::attest_cmd::VerifyArgs),
    /// Probe a running API from its OpenAPI / Swagger spec (see docs/api.md).
    Api {
        /// What to do.
        #[command(subcommand)]
        cmd: crate::api_cmd::ApiCommand,
    },
    /// Run the language server on standard input and output (for editors: VS Code, Neovim,
    /// Helix, Zed…; see docs/lsp.md).
    Lsp {
        /// Accepted for editors that pass it; stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// The threat model's threats; `diagram` draws it, `diff BASE` compares it with a git ref.
    Threat(crate::threat_cmd::ThreatArgs),
    /// Write a commented starter rampart.toml.
    Init {
        /// Folder to write it in.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// List every rule: the built-in ones and those the project's configuration adds.
    Rules {
        /// Only this engine's rules.
        #[arg(long)]
        engine: Option<String>,
        /// Output as JSON.
        #[arg(long)]
        json: bool,
        /// The project whose rampart.toml may add rules (custom secrets and SAST rules, Rego
        /// policies).
        #[arg(long, default_value = ".")]
        project: PathBuf,
        /// Configuration file (default: rampart.toml in the project).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Explain a rule: why it matters, how to fix it, examples.
    Explain {
        /// The rule id, for example secrets/aws-access-key-id.
        rule: String,
        /// The project whose rampart.toml may add rules.
        #[arg(long, default_value = ".")]
        project: PathBuf,
        /// Configuration file (default: rampart.toml in the project).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Options of a scan.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Folder or file to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_name = "LEVEL", value_parser = ["critical", "high", "medium", "low", "info", "never"])]
    pub fail_on: Option<String>,
    /// Configuration file (default: rampart.toml at the scan root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Leave out paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Skip files larger than this (bytes, or 512KB, 20MB…).
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,
    /// Run only these engines (comma-separated: secrets,deps,sast,iac,api).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub engines: Option<Vec<String>>,
    /// Report only findings not recorded in this baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Report only findings on lines added or changed since this git ref (merge base, as a pull request sees it). With --history: only commits not reachable from it.
    #[arg(long, value_name = "REF")]
    pub since: Option<String>,
    /// Check an existing CycloneDX or SPDX JSON SBOM for known vulnerabilities (repeatable).
    #[arg(long, value_name = "FILE")]
    pub sbom: Vec<PathBuf>,
    /// Evaluate the Rego policies in this folder against the parsed IaC documents (repeatable).
    #[arg(long, value_name = "DIR")]
    pub policy: Vec<PathBuf>,
    /// Scan the staged content (git index) instead of the working files: for pre-commit.
    #[arg(long, conflicts_with = "history")]
    pub staged: bool,
    /// Scan every unique blob in git history (secrets).
    #[arg(long)]
    pub history: bool,
    /// Show secrets in full (local use only; never in CI logs).
    #[arg(long)]
    pub show_secrets: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Base URL for links in the markdown report (default from GitHub Actions variables).
    #[arg(long, value_name = "URL")]
    pub link_base: Option<String>,
    /// No progress bar and no diagnostics on stderr.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// List skipped files and notes.
    #[arg(long, short)]
    pub verbose: bool,
    /// Print time and files per engine on stderr.
    #[arg(long)]
    pub stats: bool,
    /// Never fetch the vulnerability database before the scan (also RAMPART_OFFLINE=1): scan
    /// with the database there is, however old. For `rampart fix`, also never ask the GitHub
    /// API or image registries: pin only what --pins maps.
    #[arg(long)]
    pub offline: bool,
    /// Also send the results to a rampart server: the project's results URL,
    /// e.g. https://rampart.example/api/v1/projects/7/results.
    #[arg(long, value_name = "URL")]
    pub upload: Option<String>,
    /// Apply the triage decisions a rampart server holds for this project and branch (false
    /// positives, not affected) as suppressions: the project's URL, e.g.
    /// https://rampart.example/api/v1/projects/7.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// API token for --upload and --server (default: the RAMPART_TOKEN environment variable).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Commit the uploaded results are for (default: CI variables, then the repository's HEAD).
    #[arg(long, value_name = "SHA", requires = "upload")]
    pub commit: Option<String>,
    /// Branch the results are for (default: CI variables, then the current branch).
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
}
