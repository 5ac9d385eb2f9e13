//! The dependency engine of rampart: lockfile inventory, an offline OSV vulnerability database,
//! exact OSV range matching, VEX, and CycloneDX/SPDX SBOMs.

pub mod db;
pub mod ecosystem;
pub mod inventory;
pub mod matcher;
pub mod osv;
pub mod version;

pub use ecosystem::Ecosystem;
