//! Facts: typed, project-wide knowledge one engine publishes for others.
//!
//! Engines never depend on each other, yet one may know what another needs: the SAST engine's
//! framework models recognise the HTTP routes a service serves, which the threat engine compares
//! with the threat model. An engine publishes such knowledge as a [`Fact`] on its [`Emitter`]
//! (`Emitter::fact`) while scanning a file or in `finish`; the scan driver collects them and
//! hands every fact collected so far to the sessions of engines that
//! [read facts](crate::Engine::reads_facts), which it finishes after all other engines
//! (`EngineSession::finish_with_facts`).
//!
//! Facts are data, not findings: they are never reported, filtered by `--since` or suppressed.
//!
//! [`Emitter`]: crate::Emitter

use serde::{Deserialize, Serialize};

/// Most facts the driver keeps for one scan; later ones are dropped (a warning says so).
pub const MAX_FACTS: usize = 200_000;

/// One piece of project knowledge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Fact {
    /// An HTTP route the code serves.
    HttpRoute(HttpRoute),
}

/// An HTTP route served by code: a framework's route declaration (a Flask decorator, a Django
/// `path()`, an Express `app.get(…)`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRoute {
    /// The file that declares it, relative to the scan root.
    pub file: String,
    /// Its line (1-based).
    pub line: usize,
    /// Upper-case method (`GET`), or `ANY` when the declaration accepts every method.
    pub method: String,
    /// The path as written (`/users/<id>`, `/users/:id`, `users/<int:id>/`).
    pub path: String,
    /// The framework whose declaration it is (`flask`, `fastapi`, `django`, `express`…).
    pub framework: String,
}

/// The facts of one scan, in a stable order (file, line), whatever order threads found them in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    facts: Vec<Fact>,
}

impl Facts {
    /// Facts from a list (sorted, duplicates dropped).
    pub fn new(mut facts: Vec<Fact>) -> Facts {
        facts.sort();
        facts.dedup();
        Facts { facts }
    }

    /// Every fact.
    pub fn all(&self) -> &[Fact] {
        &self.facts
    }

    /// The HTTP routes.
    pub fn routes(&self) -> impl Iterator<Item = &HttpRoute> {
        self.facts.iter().map(|f| match f {
            Fact::HttpRoute(r) => r,
        })
    }

    /// Adds facts (kept sorted).
    pub fn extend(&mut self, more: impl IntoIterator<Item = Fact>) {
        self.facts.extend(more);
        self.facts.sort();
        self.facts.dedup();
    }

    /// Number of facts.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(file: &str, line: usize) -> Fact {
        Fact::HttpRoute(HttpRoute {
            file: file.into(),
            line,
            method: "GET".into(),
            path: "/".into(),
            framework: "flask".into(),
        })
    }

    #[test]
    fn sorted_and_deduplicated() {
        let f = Facts::new(vec![route("b.py", 1), route("a.py", 9), route("b.py", 1)]);
        let files: Vec<(&str, usize)> = f.routes().map(|r| (r.file.as_str(), r.line)).collect();
        assert_eq!(files, [("a.py", 9), ("b.py", 1)]);
    }

    #[test]
    fn reads_from_toml_like_rule_examples() {
        let v: Vec<Fact> = toml::from_str::<toml::Table>(
            "f = [{kind = 'http-route', file = 'a.py', line = 3, method = 'GET', path = '/x', framework = 'flask'}]",
        )
        .unwrap()["f"]
            .clone()
            .try_into()
            .unwrap();
        assert_eq!(v.len(), 1);
        let bad: Result<Vec<Fact>, _> = toml::from_str::<toml::Table>(
            "f = [{kind = 'http-route', file = 'a.py', line = 3, method = 'GET', path = '/x', framework = 'flask', x = 1}]",
        )
        .unwrap()["f"]
            .clone()
            .try_into();
        assert!(bad.is_err(), "unknown keys are refused");
    }
}
