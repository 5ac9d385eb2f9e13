//! Static analysis for rampart: tree-sitter parsing, a small IR, and a taint engine driven by
//! Semgrep-style YAML rules. See `ARCHITECTURE-sast.md`.

#![forbid(unsafe_code)]

pub mod autofix;
pub mod engine;
pub mod error;
pub mod finding;
pub mod formula;
pub mod index;
pub mod ir;
pub mod kept;
pub mod lang;
pub mod lower;
pub mod pattern;
pub mod prefilter;
pub mod profile;
pub mod routes;
pub mod rules;
pub mod search;
pub mod sinks;
pub mod stack;
pub mod taint;
pub mod typed_metavar;
pub mod walk;

pub use engine::SastEngine;
