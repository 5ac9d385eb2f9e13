//! The secrets engine of rampart: provider credentials, private keys, passwords and tokens in
//! files, staged content and git history.
//!
//! Rules are data (`rules/*.toml`, see `rules/README.md`). A scan runs one keyword-filter pass for
//! all rule keywords (`prefilter`), then each triggered rule's gate at the hit (`gate`) and, where it passes, its regex on the
//! line around the keyword only, then
//! entropy, placeholder, allow-list and checksum filters. Base64 and percent-encoded content is
//! decoded one level and scanned the same way.
//!
//! SIMD code (the keyword filter's passes, the base64 run finder) is the only `unsafe` here;
//! each block says why it is sound, which clippy enforces.

#![warn(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

pub mod decode;
pub mod engine;
pub mod error;
pub mod filter;
pub mod gate;
pub mod prefilter;
pub mod required;
pub mod rule;
#[cfg(test)]
mod skip;
pub mod validate;

pub use engine::{SecretsEngine, redact};
pub use error::RuleError;
