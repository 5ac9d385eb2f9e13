//! The rampart server: it keeps findings per project, branch and commit over time, accepts
//! uploads from CI and other tools, runs scans as jobs on workers, and serves the HTTP API.
//!
//! The map (see ARCHITECTURE.md): [`store`] opens the database (SQLite by default, PostgreSQL
//! for teams) and migrates it; [`auth`] issues and checks API tokens, [`teams`] grants roles on projects; [`projects`],
//! [`results`] (uploads and the finding lifecycle), [`findings`] and [`jobs`] are the
//! operations on it, and [`flows`] reads findings' data-flow traces and code frames; [`schedule`] queues nightly rescans; [`worker`] runs jobs (a commit's tree from [`git`], results back through [`forge`]); [`hooks`] reads
//! forge webhooks; [`attestations`] keeps signed scan attestations and [`admission`] judges
//! Kubernetes admission requests by them; [`api`] is the HTTP surface over all of them and
//! [`server`] starts it (taking extra routes, such as the dashboard's); [`sessions`] and
//! [`overview`] serve the dashboard (browser sessions; portfolio counts and trends); [`outbox`]
//! and [`alerts`] tell people and trackers what happened (rules, deliveries, publishers);
//! [`deployments`] records what runs where, [`monitor`] keeps the vulnerability database and
//! matches deployments again after each update, [`drift`] finds what runs unscanned. The scanning
//! engines are not a dependency (only `rampart-deps`' database and matcher, for monitoring): the
//! binary hands the worker a [`worker::Scanner`].

pub mod admission;
pub mod alerts;
pub mod api;
pub mod attestations;
pub mod auth;
pub mod clock;
pub mod deployments;
pub mod drift;
pub mod findings;
pub mod fixes;
pub mod flows;
pub mod forge;
pub mod git;
pub mod hooks;
pub mod inventory;
pub mod jobs;
pub mod monitor;
pub mod outbox;
pub mod overview;
pub mod package_advisories;
pub mod policy;
pub mod projects;
pub mod results;
pub mod rule_docs;
pub mod schedule;
pub mod server;
pub mod sessions;
pub mod sla;
pub mod store;
pub mod summary;
pub mod teams;
pub mod triage;
pub mod worker;

pub use store::{Backend, Store, StoreError};
