//! The dependency engine of rampart: lockfile inventory, an offline OSV vulnerability database,
//! exact OSV range matching, VEX, and CycloneDX/SPDX SBOMs.
//!
//! - [`inventory`] parses lockfiles into packages with exact versions and purls;
//! - [`version`] orders versions, one comparator per ecosystem;
//! - [`update`] builds the [`db::Database`] from OSV exports, CISA KEV and EPSS;
//! - [`matcher`] applies OSV range semantics and merges aliases;
//! - [`engine::DepsEngine`] is the `deps` engine of `rampart scan`;
//! - [`cli`] holds `rampart db` and `rampart sbom`.

pub mod cli;
pub mod db;
pub mod ecosystem;
pub mod engine;
pub mod inventory;
pub mod matcher;
pub mod osv;
pub mod sbom;
pub mod update;
pub mod version;
pub mod vex;

pub use ecosystem::Ecosystem;
pub use engine::DepsEngine;
