//! The secrets engine of rampart: provider credentials, private keys, passwords and tokens in
//! files, staged content and git history.
//!
//! Rules are data (`rules/*.toml`, see `rules/README.md`). A scan runs one keyword-filter pass for
//! all rule keywords (`prefilter`), then each triggered rule's gate at the hit (`gate`) and, where it passes, its regex on the
//! line around the keyword only, then
//! entropy, placeholder, allow-list and checksum filters. Base64 and percent-encoded content is
//! decoded one level and scanned the same way.

pub mod decode;
pub mod engine;
pub mod filter;
pub mod gate;
pub mod prefilter;
pub mod rule;
pub mod validate;

pub use engine::{SecretsEngine, redact};
