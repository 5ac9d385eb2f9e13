//! Per-file guards engines share: a time and output [`Budget`] and a nesting [`DepthGuard`].
//!
//! A hostile file may be built to make a parser recurse until the stack overflows, run for
//! minutes, or report millions of findings. Engines check these guards where such work grows and,
//! when one is hit, stop that part of the work and report [`LimitHit::diagnostic`] for the file:
//! the rest of the file's findings, and the rest of the scan, are kept.

use crate::diag::Diagnostic;
use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

/// Default time an engine may spend on one file.
pub const DEFAULT_FILE_TIME: Duration = Duration::from_secs(10);

/// Default number of findings one engine may report in one file.
pub const DEFAULT_FILE_FINDINGS: usize = 10_000;

/// Default nesting depth (documents, expressions, templates).
pub const DEFAULT_MAX_DEPTH: usize = 256;

/// A guard that was hit. Its message says what was left out; [`LimitHit::diagnostic`] names the
/// file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitHit {
    /// The time budget ran out.
    #[error("analysis stopped after {} s (time limit per file); the rest of the file was not analysed", .0.as_secs_f64())]
    Time(Duration),
    /// The output budget ran out.
    #[error(
        "more than {0} findings in one file (output limit per file); the rest are not reported"
    )]
    Output(usize),
    /// Nesting went deeper than allowed.
    #[error("nested more than {0} levels deep (depth limit); the deeper content was not analysed")]
    Depth(usize),
}

impl LimitHit {
    /// A warning about `path` saying which limit was hit.
    pub fn diagnostic(&self, path: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(path, self.to_string())
    }
}

/// Time and output allowed for one file: start one when a file's work begins, check it where the
/// work grows.
#[derive(Debug, Clone)]
pub struct Budget {
    time: Duration,
    deadline: Option<Instant>,
    findings_left: usize,
    max_findings: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new(DEFAULT_FILE_TIME, DEFAULT_FILE_FINDINGS)
    }
}

impl Budget {
    /// A budget of `time` from now and `max_findings` findings.
    pub fn new(time: Duration, max_findings: usize) -> Budget {
        Budget {
            time,
            deadline: Instant::now().checked_add(time),
            findings_left: max_findings,
            max_findings,
        }
    }

    /// `Err` once the time is up.
    pub fn check_time(&self) -> Result<(), LimitHit> {
        match self.deadline {
            Some(d) if Instant::now() >= d => Err(LimitHit::Time(self.time)),
            _ => Ok(()),
        }
    }

    /// Counts one finding; `Err` when the allowance is used up (the finding is not to be
    /// reported).
    pub fn take_finding(&mut self) -> Result<(), LimitHit> {
        if self.findings_left == 0 {
            return Err(LimitHit::Output(self.max_findings));
        }
        self.findings_left -= 1;
        Ok(())
    }
}

/// Counts nesting during a recursive walk. [`DepthGuard::enter`] returns a token that leaves the
/// level when dropped and gives access to the guard for the next level:
///
/// ```
/// use rampart_core::guard::{DepthGuard, LimitHit};
/// enum Node { Leaf, List(Vec<Node>) }
/// fn walk(node: &Node, guard: &mut DepthGuard) -> Result<usize, LimitHit> {
///     let mut level = guard.enter()?;
///     Ok(match node {
///         Node::Leaf => 1,
///         Node::List(items) => items.iter().map(|n| walk(n, &mut level)).sum::<Result<_, _>>()?,
///     })
/// }
/// let deep = (0..1000).fold(Node::Leaf, |n, _| Node::List(vec![n]));
/// assert_eq!(walk(&deep, &mut DepthGuard::new(100)), Err(LimitHit::Depth(100)));
/// ```
#[derive(Debug, Clone)]
pub struct DepthGuard {
    depth: usize,
    max: usize,
}

impl Default for DepthGuard {
    fn default() -> DepthGuard {
        DepthGuard::new(DEFAULT_MAX_DEPTH)
    }
}

impl DepthGuard {
    /// A guard allowing `max` levels.
    pub fn new(max: usize) -> DepthGuard {
        DepthGuard { depth: 0, max }
    }

    /// The current depth.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Enters one level; `Err` when that would exceed the limit.
    pub fn enter(&mut self) -> Result<Level<'_>, LimitHit> {
        if self.depth >= self.max {
            return Err(LimitHit::Depth(self.max));
        }
        self.depth += 1;
        Ok(Level(self))
    }
}

/// One level entered in a [`DepthGuard`]; leaves it when dropped.
#[derive(Debug)]
pub struct Level<'a>(&'a mut DepthGuard);

impl Deref for Level<'_> {
    type Target = DepthGuard;
    fn deref(&self) -> &DepthGuard {
        self.0
    }
}

impl DerefMut for Level<'_> {
    fn deref_mut(&mut self) -> &mut DepthGuard {
        self.0
    }
}

impl Drop for Level<'_> {
    fn drop(&mut self) {
        self.0.depth -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_counted_and_released() {
        let mut g = DepthGuard::new(2);
        {
            let mut one = g.enter().unwrap();
            let two = one.enter().unwrap();
            assert_eq!(two.depth(), 2);
            drop(two);
            let mut two = one.enter().unwrap();
            assert_eq!(two.enter().unwrap_err(), LimitHit::Depth(2));
        }
        assert_eq!(g.depth(), 0);
        let d = LimitHit::Depth(2).diagnostic("a.yaml");
        assert_eq!(d.path.as_deref(), Some("a.yaml"));
        assert!(d.message.contains("2 levels"), "{}", d.message);
    }

    #[test]
    fn budgets_run_out() {
        let mut b = Budget::new(Duration::from_secs(3600), 2);
        assert!(b.check_time().is_ok());
        assert!(b.take_finding().is_ok() && b.take_finding().is_ok());
        assert_eq!(b.take_finding(), Err(LimitHit::Output(2)));
        let spent = Budget::new(Duration::ZERO, 1);
        assert_eq!(spent.check_time(), Err(LimitHit::Time(Duration::ZERO)));
        // A budget too long to represent never expires.
        assert!(Budget::new(Duration::MAX, 1).check_time().is_ok());
    }
}
