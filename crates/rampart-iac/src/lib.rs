//! rampart-iac: the infrastructure-as-code and CI-pipeline engine of rampart.
//!
//! Every supported format (Terraform, CloudFormation, Kubernetes, Dockerfile, docker-compose,
//! GitHub Actions, GitLab CI) is parsed into one document model ([`model::Node`], every node
//! with its span and line). Checks are data files (`checks/<family>/<id>.toml`) evaluated by a
//! small condition language ([`cond`]) over path expressions ([`path`]), or native
//! [`caps`] (capabilities) a data file names. See `ARCHITECTURE-iac.md`.

#![forbid(unsafe_code)]

pub mod caps;
mod catalogue;
pub mod cfn;
mod chartfiles;
mod charts;
pub mod check;
pub mod cond;
pub mod detect;
pub mod dockerfile;
mod evaluate;
pub mod gotpl;
pub mod graph;
pub mod hcl;
pub mod helm;
pub mod image;
pub mod kustomize;
pub mod model;
mod overlays;
pub mod path;
pub mod plan;
mod policy;
#[cfg(feature = "rego")]
pub mod rego;
mod role;
mod session;
pub mod subjects;
mod terraform;
pub mod tgz;
pub mod yaml;

pub use catalogue::Catalogue;
use catalogue::catalogue;
use check::Check;
use rampart_core::{Engine, EngineSession, RuleMeta, ScanContext};

/// The IaC engine. Cheap to construct: the checks are parsed once per process.
pub struct IacEngine {
    cat: &'static Catalogue,
}

impl Default for IacEngine {
    fn default() -> Self {
        IacEngine::new()
    }
}

impl IacEngine {
    /// The engine with its built-in checks.
    pub fn new() -> IacEngine {
        IacEngine { cat: catalogue() }
    }

    /// The loaded checks.
    pub fn checks(&self) -> &[Check] {
        &self.cat.checks
    }

    /// Check files that failed to load.
    pub fn load_errors(&self) -> &[String] {
        &self.cat.errors
    }
}

impl Engine for IacEngine {
    fn name(&self) -> &'static str {
        "iac"
    }

    fn rules(&self) -> &[RuleMeta] {
        &self.cat.rules
    }

    fn wants(&self, path: &str) -> bool {
        detect::wants(path)
    }

    fn start(&self, ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        let options = ctx.engine_options("iac");
        let mut paths: Vec<std::path::PathBuf> = Vec::new();
        match options.get("policy") {
            None => {}
            Some(toml::Value::String(s)) => paths.push(s.into()),
            Some(toml::Value::Array(a)) => {
                for v in a {
                    match v.as_str() {
                        Some(s) => paths.push(s.into()),
                        None => {
                            return Err(
                                "[engines.iac] policy must be a path or a list of paths".into()
                            );
                        }
                    }
                }
            }
            Some(_) => return Err("[engines.iac] policy must be a path or a list of paths".into()),
        }
        let paths: Vec<std::path::PathBuf> = paths
            .into_iter()
            .map(|p| {
                if p.is_relative() && !p.exists() {
                    ctx.root.join(&p)
                } else {
                    p
                }
            })
            .collect();
        let policies = policy::load_policies(&paths)?;
        Ok(Box::new(session::Session::new(
            self.cat,
            ctx.root.clone(),
            policies,
        )))
    }
}
