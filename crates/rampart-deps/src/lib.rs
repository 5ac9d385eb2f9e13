//! The dependency engine of rampart: lockfile inventory, an offline OSV vulnerability database,
//! exact OSV range matching, VEX, and CycloneDX/SPDX SBOMs.
//!
//! - [`inventory`] parses lockfiles into packages with exact versions and purls;
//! - [`version`] orders versions, one comparator per ecosystem;
//! - [`update`] builds the [`db::Database`] from OSV exports, CISA KEV and EPSS;
//! - [`matcher`] applies OSV range semantics and merges aliases;
//! - [`engine::DepsEngine`] is the `deps` engine of `rampart scan`;
//! - [`policy::PolicyEngine`] is the `policy` engine: `[policy]` (denied packages, sources,
//!   licences, typosquatting);
//! - [`sbom`] writes and reads CycloneDX and SPDX documents.
//!
//! The `rampart db` and `rampart sbom` commands live in the CLI crate; this crate gives them data
//! ([`db::status`], [`update::update`], [`sbom::collect`]).

#![forbid(unsafe_code)]

pub mod autoupdate;
pub mod db;
pub mod ecosystem;
pub mod engine;
pub mod fix;
pub mod inventory;
pub mod matcher;
pub mod osv;
pub mod policy;
pub mod range;
pub mod sbom;
pub mod update;
pub mod version;
pub mod vex;

pub use ecosystem::Ecosystem;
pub use engine::DepsEngine;
pub use policy::PolicyEngine;
