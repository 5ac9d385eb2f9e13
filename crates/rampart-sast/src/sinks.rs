//! Taint findings gathered by sink: a sink reached by several paths (a SQL helper called from
//! ten routes, in one file or in ten) is one finding at the sink, carrying a few of its paths and
//! how many there were.
//!
//! Findings of every file wait here until the end of the scan (`finish`), since paths to one
//! sink come from the per-file pass and from the project pass, on any thread. What is kept does
//! not depend on the order paths arrive in: the kept paths are the [`MAX_PATHS`] first in a fixed
//! order (by their steps' places), and the count is of distinct paths (up to [`MAX_COUNTED`]).
//! Memory: one entry per reported finding, each with at most [`MAX_PATHS`] paths (a path has at
//! most 24 steps) and [`MAX_COUNTED`] path hashes.

use rampart_core::{Finding, TraceStep};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

/// Paths kept per finding (the others are counted).
pub const MAX_PATHS: usize = 10;

/// Distinct paths counted per finding; past it, the count says "at least" this many.
pub const MAX_COUNTED: usize = 1_000;

/// Where a taint finding stands: file, rule (global index), sink span.
type Place = (String, usize, u32, u32);

struct Entry {
    /// The finding, without its traces.
    finding: Finding,
    /// The kept paths, in [`order`].
    paths: Vec<Vec<TraceStep>>,
    /// Hashes of the distinct paths seen (at most [`MAX_COUNTED`]).
    seen: HashSet<u64>,
}

/// Taint findings by sink, until the end of the scan.
#[derive(Default)]
pub struct Sinks {
    by_place: HashMap<Place, Entry>,
}

impl Sinks {
    /// Adds `path` to the finding at `place`, made by `make` (without trace) if it is the first.
    pub fn add(
        &mut self,
        place: (String, usize, u32, u32),
        make: impl FnOnce() -> Finding,
        path: Vec<TraceStep>,
    ) {
        let e = self.by_place.entry(place).or_insert_with(|| Entry {
            finding: make(),
            paths: Vec::new(),
            seen: HashSet::new(),
        });
        let h = hash_of(&path);
        if e.seen.contains(&h) {
            return;
        }
        if e.seen.len() < MAX_COUNTED {
            e.seen.insert(h);
        } else if e.paths.len() >= MAX_PATHS {
            // Counted out, and the kept ones may be replaced by a path never counted: keep
            // them, so that what is kept stays independent of arrival order up to here.
            return;
        }
        let at = e
            .paths
            .binary_search_by(|p| order(p, &path))
            .unwrap_or_else(|i| i);
        if at < MAX_PATHS {
            e.paths.insert(at, path);
            e.paths.truncate(MAX_PATHS);
        }
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.by_place.is_empty()
    }

    /// The findings, each with its kept paths (`trace` the first, `more_traces` the others) and
    /// its count of paths, in place order.
    pub fn into_findings(self) -> Vec<Finding> {
        let mut all: Vec<(Place, Entry)> = self.by_place.into_iter().collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.into_iter()
            .map(|(_, e)| {
                let mut f = e.finding;
                let count = e.seen.len().max(e.paths.len());
                let mut paths = e.paths.into_iter();
                f.trace = paths.next().unwrap_or_default();
                f.more_traces = paths.collect();
                f.path_count = count as u32;
                f
            })
            .collect()
    }
}

/// The fixed order of paths: step by step, by file, position and message (a shorter path that
/// is a prefix of a longer one comes first).
fn order(a: &[TraceStep], b: &[TraceStep]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = x
            .location
            .cmp(&y.location)
            .then_with(|| x.message.cmp(&y.message))
            .then_with(|| x.function.cmp(&y.function));
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// A hash identifying a path (its steps' places, messages and functions).
fn hash_of(path: &[TraceStep]) -> u64 {
    let mut h = DefaultHasher::new();
    for s in path {
        s.location.hash(&mut h);
        s.message.hash(&mut h);
        s.function.hash(&mut h);
    }
    path.len().hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::Location;

    fn step(path: &str, line: usize) -> TraceStep {
        TraceStep {
            location: Location::line(path, line),
            message: format!("step at {line}"),
            function: None,
        }
    }

    fn finding() -> Finding {
        let meta = rampart_core::testing::rule("sast/x", "x");
        Finding::at(&meta, Location::line("db.py", 3), "m")
    }

    fn place() -> (String, usize, u32, u32) {
        ("db.py".into(), 0, 10, 20)
    }

    #[test]
    fn one_finding_per_sink_with_distinct_paths_in_a_fixed_order() {
        let paths: Vec<Vec<TraceStep>> = (1..=25)
            .map(|i| vec![step(&format!("routes/r{i:02}.py"), i), step("db.py", 3)])
            .collect();
        let mut forward = Sinks::default();
        for p in &paths {
            forward.add(place(), finding, p.clone());
            // The same path twice is one path.
            forward.add(place(), finding, p.clone());
        }
        let mut backward = Sinks::default();
        for p in paths.iter().rev() {
            backward.add(place(), finding, p.clone());
        }
        let (f, b) = (forward.into_findings(), backward.into_findings());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].path_count, 25);
        assert_eq!(f[0].paths(), 25);
        assert_eq!(f[0].traces().count(), MAX_PATHS);
        assert_eq!(f[0].trace[0].location.path, "routes/r01.py");
        assert_eq!(f[0].more_traces[8][0].location.path, "routes/r10.py");
        let names = |x: &Finding| -> Vec<String> {
            x.traces().map(|t| t[0].location.path.clone()).collect()
        };
        assert_eq!(names(&f[0]), names(&b[0]), "independent of arrival order");
    }

    #[test]
    fn different_sinks_stay_apart() {
        let mut s = Sinks::default();
        s.add(place(), finding, vec![step("a.py", 1)]);
        s.add(("db.py".into(), 0, 30, 40), finding, vec![step("a.py", 1)]);
        s.add(("db.py".into(), 1, 10, 20), finding, vec![step("a.py", 1)]);
        let all = s.into_findings();
        assert_eq!(all.len(), 3);
        assert!(
            all.iter()
                .all(|f| f.path_count == 1 && f.more_traces.is_empty())
        );
    }
}
