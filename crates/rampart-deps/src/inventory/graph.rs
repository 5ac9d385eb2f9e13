//! The dependency graph of a lockfile and the shortest path from a direct dependency to each
//! package, in time and memory linear in the graph whatever its shape (cycles, long chains).

use super::Lockfile;
use std::collections::{HashMap, VecDeque};

/// Most packages a dependency path shows; a longer one keeps its first and last packages
/// (see [`DependencyPaths::path`]).
pub const MAX_PATH_LEN: usize = 32;

impl Lockfile {
    /// Index of each package's dependencies in `packages` (references that name no package in
    /// the file are dropped; a reference with a version goes to the package of that version,
    /// else to the first of that name).
    pub fn graph(&self) -> Vec<Vec<usize>> {
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        let mut by_version: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, p) in self.packages.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_insert(i);
            by_version
                .entry((p.name.as_str(), p.version.as_str()))
                .or_insert(i);
        }
        self.packages
            .iter()
            .map(|p| {
                let mut out: Vec<usize> = p
                    .dependencies
                    .iter()
                    .filter_map(|d| {
                        let first = *by_name.get(d.name.as_str())?;
                        Some(match &d.version {
                            Some(v) => by_version
                                .get(&(d.name.as_str(), v.as_str()))
                                .copied()
                                .unwrap_or(first),
                            None => first,
                        })
                    })
                    .collect();
                out.sort_unstable();
                out.dedup();
                out
            })
            .collect()
    }

    /// The shortest paths from direct dependencies (one breadth-first walk of the graph).
    pub fn dependency_paths(&self) -> DependencyPaths {
        let graph = self.graph();
        let n = self.packages.len();
        let mut parent: Vec<Option<usize>> = vec![None; n];
        let mut seen = vec![false; n];
        let mut queue = VecDeque::new();
        for (i, p) in self.packages.iter().enumerate() {
            if p.direct == Some(true) {
                seen[i] = true;
                queue.push_back(i);
            }
        }
        // Each package's distance from a direct dependency, and its ancestor at distance
        // `MAX_PATH_LEN / 2 - 1` (the end of a shortened path's first part).
        let mut depth = vec![0usize; n];
        let mut anchor: Vec<usize> = (0..n).collect();
        while let Some(i) = queue.pop_front() {
            for &j in &graph[i] {
                if !seen[j] {
                    seen[j] = true;
                    parent[j] = Some(i);
                    depth[j] = depth[i] + 1;
                    anchor[j] = if depth[j] < MAX_PATH_LEN / 2 {
                        j
                    } else {
                        anchor[i]
                    };
                    queue.push_back(j);
                }
            }
        }
        DependencyPaths {
            parent,
            seen,
            depth,
            anchor,
        }
    }
}

/// For each package, the shortest chain from a direct dependency to it, read one package at a
/// time (so a long chain costs nothing until asked for).
#[derive(Debug, Clone)]
pub struct DependencyPaths {
    parent: Vec<Option<usize>>,
    seen: Vec<bool>,
    depth: Vec<usize>,
    anchor: Vec<usize>,
}

impl DependencyPaths {
    /// The chain of package indexes from a direct dependency to package `i` (itself last);
    /// empty when no direct dependency is known to lead to it. A chain longer than
    /// [`MAX_PATH_LEN`] keeps its first `MAX_PATH_LEN / 2` and last `MAX_PATH_LEN / 2`
    /// packages; the second value says whether that happened.
    pub fn path(&self, i: usize) -> (Vec<usize>, bool) {
        if !self.seen.get(i).copied().unwrap_or(false) {
            return (Vec::new(), false);
        }
        // At most `MAX_PATH_LEN` steps back, whatever the chain's length.
        let back = |from: usize, steps: usize| {
            let mut out = Vec::with_capacity(steps);
            let mut c = Some(from);
            while let Some(x) = c.filter(|_| out.len() < steps) {
                out.push(x);
                c = self.parent[x];
            }
            out.reverse();
            out
        };
        let len = self.depth[i] + 1;
        if len <= MAX_PATH_LEN {
            return (back(i, len), false);
        }
        let half = MAX_PATH_LEN / 2;
        let mut path = back(self.anchor[i], half);
        path.extend(back(i, half));
        (path, true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DepRef, Lockfile, Package};
    use super::MAX_PATH_LEN;
    use crate::Ecosystem;

    /// A chain of `n` packages, the first direct, each depending on the next, the last on the
    /// first (a cycle).
    fn chain(n: usize) -> Lockfile {
        let mut lf = Lockfile::default();
        for i in 0..n {
            let mut p = Package::new(Ecosystem::Npm, format!("p{i}"), "1.0.0", i + 1);
            p.direct = Some(i == 0);
            p.dependencies
                .push(DepRef::name(format!("p{}", (i + 1) % n)));
            lf.packages.push(p);
        }
        lf
    }

    #[test]
    fn short_paths_are_whole() {
        let lf = chain(5);
        let paths = lf.dependency_paths();
        assert_eq!(paths.path(3), (vec![0, 1, 2, 3], false));
        assert_eq!(paths.path(0), (vec![0], false));
        assert_eq!(paths.path(99), (vec![], false));
    }

    #[test]
    fn a_huge_cyclic_chain_is_bounded() {
        let n = 200_000;
        let lf = chain(n);
        let paths = lf.dependency_paths();
        let (p, cut) = paths.path(n - 1);
        assert!(cut);
        assert_eq!(p.len(), MAX_PATH_LEN);
        assert_eq!(p[0], 0);
        assert_eq!(p[MAX_PATH_LEN / 2 - 1], MAX_PATH_LEN / 2 - 1);
        assert_eq!(*p.last().unwrap(), n - 1);
        assert_eq!(p[MAX_PATH_LEN / 2], n - MAX_PATH_LEN / 2);
        let (p, cut) = paths.path(MAX_PATH_LEN - 1);
        assert!(!cut);
        assert_eq!(p.len(), MAX_PATH_LEN);
    }

    #[test]
    fn many_versions_of_one_name_resolve_by_version() {
        let mut lf = Lockfile::default();
        for i in 0..50_000 {
            let mut p = Package::new(Ecosystem::Npm, "same", format!("1.0.{i}"), i + 1);
            p.dependencies.push(DepRef {
                name: "same".into(),
                version: Some(format!("1.0.{}", (i + 1) % 50_000)),
            });
            lf.packages.push(p);
        }
        let g = lf.graph();
        assert_eq!(g[0], vec![1]);
        assert_eq!(g[49_999], vec![0]);
    }
}
