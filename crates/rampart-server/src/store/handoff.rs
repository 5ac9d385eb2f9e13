//! Uploads the API has parsed, handed to this process's own workers with the ingest job that
//! stores them, so that a large upload is parsed once, not once to check it and again to store
//! it. The job and its upload are in the database either way: a worker of another process, a
//! retry, or a restart reads the body from there and parses it again, to the same result.

use rampart_ingest::Import;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Findings kept in all, at most: a bound on the memory held for jobs no worker here takes.
const MAX_FINDINGS: usize = 1_000_000;
/// How long an import waits for a worker of this process before it is dropped.
const MAX_AGE: Duration = Duration::from_secs(600);

/// Parsed imports by ingest job, oldest first.
#[derive(Debug, Default)]
pub struct Handoff {
    entries: VecDeque<(i64, Instant, Arc<Import>)>,
    findings: usize,
}

impl Handoff {
    /// Keeps `import` for `job`, dropping the oldest entries beyond the bounds (an import
    /// larger than the whole bound is not kept).
    pub fn put(&mut self, job: i64, import: Arc<Import>) {
        self.expire();
        let n = import.findings.len();
        if n > MAX_FINDINGS {
            return;
        }
        while self.findings + n > MAX_FINDINGS {
            self.pop();
        }
        self.findings += n;
        self.entries.push_back((job, Instant::now(), import));
    }

    /// The import kept for `job`, removed.
    pub fn take(&mut self, job: i64) -> Option<Arc<Import>> {
        self.expire();
        let at = self.entries.iter().position(|(j, _, _)| *j == job)?;
        let (_, _, import) = self.entries.remove(at)?;
        self.findings -= import.findings.len();
        Some(import)
    }

    fn pop(&mut self) {
        if let Some((_, _, import)) = self.entries.pop_front() {
            self.findings -= import.findings.len();
        }
    }

    fn expire(&mut self) {
        while self
            .entries
            .front()
            .is_some_and(|(_, at, _)| at.elapsed() > MAX_AGE)
        {
            self.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_ingest::Format;

    fn import(n: usize) -> Arc<Import> {
        let one = rampart_ingest::Imported {
            tool: "t".into(),
            rule: "r".into(),
            fingerprint: "f".into(),
            severity: rampart_core::Severity::Low,
            title: String::new(),
            message: String::new(),
            path: String::new(),
            start_line: 0,
            start_col: 0,
            end_line: 0,
            end_col: 0,
            snippet: String::new(),
            cwe: vec![],
            suppressed: false,
            extra: serde_json::Value::Null,
        };
        Arc::new(Import {
            format: Format::Sarif,
            findings: vec![one; n],
            components: vec![],
            warnings: vec![],
            tools: vec![],
            rules: vec![],
            verdict: None,
        })
    }

    #[test]
    fn an_import_is_taken_once_and_the_bound_drops_the_oldest() {
        let mut h = Handoff::default();
        h.put(1, import(10));
        assert_eq!(h.take(1).map(|i| i.findings.len()), Some(10));
        assert!(h.take(1).is_none());
        h.put(2, import(MAX_FINDINGS / 2));
        h.put(3, import(MAX_FINDINGS / 2));
        h.put(4, import(1));
        assert!(h.take(2).is_none(), "the oldest went to make room");
        assert!(h.take(3).is_some() && h.take(4).is_some());
        assert_eq!(h.findings, 0);
        h.put(5, import(MAX_FINDINGS + 1));
        assert!(h.take(5).is_none(), "too large to keep");
    }
}
