//! rampart-threat: threat models as code.
//!
//! A model (`threatmodel.yaml` in rampart's format, or a Threagile model unchanged) is read
//! with positions ([`load`]), STRIDE threat rules written as data (`rules/*.toml`, conditions in
//! the small language of [`expr`]) find its threats ([`rules`]), and each threat becomes a
//! finding of the `threat` engine at the model line of its asset. The same crate draws the
//! data-flow diagram ([`diagram`]), compares threats across versions ([`diff`]), ties findings
//! of other engines to assets and ranks them by risk ([`risk`]), and compares the model with
//! what the repository describes ([`drift`]).

#![forbid(unsafe_code)]

pub mod diagram;
pub mod diff;
pub mod drift;
pub mod expr;
pub mod load;
pub mod model;
pub mod risk;
pub mod rules;
mod session;
pub mod yaml;

pub use load::{ModelError, ModelErrors, parse as parse_model};
pub use model::Model;
pub use rules::{Rule, Threat};

use include_dir::{Dir, include_dir};
use rampart_core::{Engine, EngineSession, RuleMeta, ScanContext};
use std::sync::OnceLock;

static RULE_FILES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// The model file names found without configuration, in order of preference.
pub const DEFAULT_MODEL_NAMES: &[&str] = &[
    "threatmodel.yaml",
    "threatmodel.yml",
    "threagile.yaml",
    "threagile.yml",
];

struct Catalogue {
    rules: Vec<Rule>,
    meta: Vec<RuleMeta>,
}

fn catalogue() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        let mut rules: Vec<Rule> = Vec::new();
        let mut files: Vec<_> = RULE_FILES
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort_by_key(|f| f.path());
        for f in files {
            let name = f.path().display().to_string();
            let text = f.contents_utf8().unwrap_or_default();
            // Built-in rules are checked by the test suite; a broken one is a build defect.
            match rules::parse_rule(&name, text) {
                Ok(r) => rules.push(r),
                Err(e) => panic!("built-in threat rule {e}"),
            }
        }
        let meta = rules.iter().map(|r| r.meta.clone()).collect();
        Catalogue { rules, meta }
    })
}

/// Every built-in threat rule (the drift rules among them find nothing in a model alone).
pub fn builtin_rules() -> &'static [Rule] {
    &catalogue().rules
}

/// Every threat of a model, highest risk first.
pub fn threats(model: &Model) -> Vec<Threat> {
    rules::threats(builtin_rules(), model)
}

/// Whether a scan path is a threat model by its name (the configured path aside).
pub fn is_model_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    DEFAULT_MODEL_NAMES.contains(&name)
}

/// The threat engine: threats of the model as findings, and drift between the model and the
/// repository.
#[derive(Default)]
pub struct ThreatEngine;

impl ThreatEngine {
    /// The engine with its built-in rules.
    pub fn new() -> ThreatEngine {
        ThreatEngine
    }
}

impl Engine for ThreatEngine {
    fn name(&self) -> &'static str {
        rules::ENGINE
    }

    fn rules(&self) -> &[RuleMeta] {
        &catalogue().meta
    }

    fn wants(&self, path: &str) -> bool {
        is_model_name(path) || drift::wants(path)
    }

    /// Drift compares the model with the HTTP routes the SAST engine publishes.
    fn reads_facts(&self) -> bool {
        true
    }

    fn start(&self, ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        Ok(Box::new(session::Session::new(ctx)))
    }
}
