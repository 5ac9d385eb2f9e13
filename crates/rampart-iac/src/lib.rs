//! rampart-iac
pub mod dockerfile;
pub mod hcl;
pub mod model;
pub mod yaml;
