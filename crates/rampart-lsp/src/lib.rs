//! rampart's language server (`rampart lsp`): the findings of every engine as editor
//! diagnostics, with hovers and code actions.
//!
//! Built on `lsp-server` (synchronous, channel based): [`server::serve`] owns the main loop, so
//! the order of `didChange`s, the debounce and cancellation are explicit. Scans run on
//! background threads through the core's scan driver with the open documents' text as an
//! overlay (see `docs/lsp.md`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod actions;
pub mod diagnostics;
pub mod documents;
pub mod engines;
pub mod hover;
pub mod position;
pub mod protocol;
pub mod scanner;
pub mod server;
pub mod settings;
pub mod store;

pub use server::{serve, serve_stdio};
