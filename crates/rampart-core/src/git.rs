//! Git access through gix: lines changed since a ref (`--since`), staged content (`--staged`) and
//! every unique blob of history (`--history`).

use gix::ObjectId;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A repository opened at (or above) a scan root.
pub struct Repo {
    repo: gix::ThreadSafeRepository,
    /// Scan root relative to the work tree, `/`-separated with a trailing `/`, or empty.
    prefix: String,
}

/// A git problem that stops a scan (exit code 2). Damage inside history (a corrupt or missing
/// object) does not stop a `--history` scan: it is listed in [`History::problems`].
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The scan root is not in a repository.
    #[error(
        "{} is not inside a git repository ({message}); --since, --staged and --history need one",
        root.display()
    )]
    NotARepository {
        /// The scan root.
        root: PathBuf,
        /// gix's reason.
        message: String,
    },
    /// A bare repository has no work tree to scan.
    #[error("{} is a bare repository: scan a checkout", root.display())]
    Bare {
        /// The scan root.
        root: PathBuf,
    },
    /// A ref given on the command line does not resolve.
    #[error(
        "git ref `{rev}` does not exist ({message}); name a branch, tag or commit, for example `origin/main`"
    )]
    UnknownRef {
        /// The ref as given.
        rev: String,
        /// gix's reason.
        message: String,
    },
    /// A ref resolves to something that is not a commit.
    #[error("`{rev}` does not name a commit: {message}")]
    NotACommit {
        /// The ref as given.
        rev: String,
        /// gix's reason.
        message: String,
    },
    /// `--since REF` and `HEAD` share no history.
    #[error("`{rev}` and HEAD have no common ancestor")]
    NoMergeBase {
        /// The ref as given.
        rev: String,
    },
    /// Something could not be read.
    #[error("{what}: {message}")]
    Read {
        /// What was being read.
        what: String,
        /// gix's reason.
        message: String,
    },
}

fn err(what: &str, e: impl std::fmt::Display) -> GitError {
    GitError::Read {
        what: what.to_string(),
        message: e.to_string(),
    }
}

impl Repo {
    /// Opens the repository containing `root`.
    pub fn open(root: &Path) -> Result<Repo, GitError> {
        let repo = gix::discover(root).map_err(|e| GitError::NotARepository {
            root: root.to_path_buf(),
            message: e.to_string(),
        })?;
        let workdir = repo
            .workdir()
            .map(Path::to_path_buf)
            .ok_or_else(|| GitError::Bare {
                root: root.to_path_buf(),
            })?;
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let prefix = canon(root)
            .strip_prefix(canon(&workdir))
            .map(|p| {
                let s = crate::discover::relative(Path::new(""), p);
                if s.is_empty() { s } else { format!("{s}/") }
            })
            .unwrap_or_default();
        Ok(Repo {
            repo: repo.into_sync(),
            prefix,
        })
    }

    /// A thread-local handle for reading objects.
    pub fn local(&self) -> gix::Repository {
        let mut r = self.repo.to_thread_local();
        r.object_cache_size_if_unset(4 << 20);
        r
    }

    /// Maps a repository path to a scan-root path, or `None` when outside the scan root.
    fn scan_path(&self, repo_path: &str) -> Option<String> {
        repo_path.strip_prefix(&self.prefix).map(str::to_string)
    }

    fn resolve_commit(repo: &gix::Repository, rev: &str) -> Result<ObjectId, GitError> {
        let id = repo
            .rev_parse_single(rev)
            .map_err(|e| GitError::UnknownRef {
                rev: rev.to_string(),
                message: e.to_string(),
            })?;
        let commit = id
            .object()
            .map_err(|e| err("cannot read object", e))?
            .peel_to_commit()
            .map_err(|e| GitError::NotACommit {
                rev: rev.to_string(),
                message: e.to_string(),
            })?;
        Ok(commit.id)
    }

    /// Lines added or changed since the merge base of `rev` and `HEAD`, as a pull request sees them.
    pub fn changed_since(&self, rev: &str) -> Result<ChangedLines, GitError> {
        let repo = self.local();
        let base = Self::resolve_commit(&repo, rev)?;
        let head = repo
            .head_id()
            .map_err(|e| err("cannot resolve HEAD", e))?
            .detach();
        let merge_base = repo
            .merge_base(base, head)
            .map_err(|e| err("cannot compute the merge base", e))?
            .map(|id| id.detach())
            .ok_or_else(|| GitError::NoMergeBase {
                rev: rev.to_string(),
            })?;
        let tree = repo
            .find_commit(merge_base)
            .and_then(|c| c.tree_id())
            .map_err(|e| err("cannot read the merge-base tree", e))?
            .detach();
        Ok(ChangedLines {
            repo: self.repo.clone(),
            tree,
            prefix: self.prefix.clone(),
            merge_base: merge_base.to_string(),
        })
    }

    /// Every file staged in the index under the scan root, with its staged content (or why it
    /// could not be read: a missing or corrupt object skips that file only).
    pub fn staged_files(&self) -> Result<Vec<StagedFile>, GitError> {
        let repo = self.local();
        let index = repo
            .index_or_empty()
            .map_err(|e| err("cannot read the git index", e))?;
        let mut out = Vec::new();
        for entry in index.entries() {
            if !entry.mode.to_tree_entry_mode().is_some_and(|m| m.is_blob()) {
                continue;
            }
            let path = crate::paths::escape_bytes(entry.path(&index));
            let Some(rel) = self.scan_path(&path) else {
                continue;
            };
            let content = repo
                .find_blob(entry.id)
                .map(|b| b.data.clone())
                .map_err(|e| err(&format!("staged blob {}", entry.id), e));
            out.push((rel, content));
        }
        Ok(out)
    }

    /// Lists every unique blob reachable from all refs (or, with `since`, from commits of HEAD
    /// not reachable from `since`), each with the oldest commit and path it appears at.
    ///
    /// Damaged history does not stop the walk: a commit, tree or object that cannot be read is
    /// named in [`History::problems`] and what is behind it is left out; a shallow clone's
    /// boundary is noted in [`History::shallow`].
    pub fn history(&self, since: Option<&str>) -> Result<History, GitError> {
        let repo = self.local();
        // A shallow clone's boundary commits: their parents are not there.
        let boundary: HashSet<ObjectId> = repo
            .shallow_commits()
            .ok()
            .flatten()
            .map(|c| c.iter().copied().collect())
            .unwrap_or_default();
        let mut history = History {
            shallow: boundary.len(),
            ..History::default()
        };
        let head = repo.head_id().ok().map(|id| id.detach());
        let mut tips: Vec<ObjectId> = head.into_iter().collect();
        let mut hidden = Vec::new();
        match since {
            Some(rev) => hidden.push(Self::resolve_commit(&repo, rev)?),
            None => {
                let refs = repo.references().map_err(|e| err("cannot list refs", e))?;
                for r in refs.all().map_err(|e| err("cannot list refs", e))? {
                    match r {
                        Ok(mut r) => match r.peel_to_commit() {
                            Ok(c) => tips.push(c.id),
                            Err(e) => history
                                .problems
                                .push(format!("ref {} cannot be read: {e}", r.name().as_bstr())),
                        },
                        Err(e) => history.problems.push(format!("a ref cannot be read: {e}")),
                    }
                }
            }
        }
        tips.sort();
        tips.dedup();
        if tips.is_empty() {
            return Ok(history);
        }
        let (walk_order, parents) = match walk_commits(&repo, &tips, &hidden) {
            Ok(found) => found,
            // A commit that cannot be read stops gix's walk: walk again, step by step, around it.
            Err(_) => {
                walk_commits_around_damage(&repo, &tips, &hidden, &boundary, &mut history.problems)
            }
        };
        let mut commits = Vec::with_capacity(walk_order.len());
        for id in topological(&walk_order, &parents) {
            let c = match repo.find_commit(id) {
                Ok(c) => c,
                Err(e) => {
                    history
                        .problems
                        .push(format!("commit {id} cannot be read: {e}"));
                    continue;
                }
            };
            let time = c.time().map(|t| t.seconds).unwrap_or(0);
            let (author, date) = match c.author() {
                Ok(a) => (
                    format!("{} <{}>", a.name, a.email),
                    iso_time(a.time().map(|t| t.seconds).unwrap_or(time)),
                ),
                Err(_) => (String::new(), iso_time(time)),
            };
            let tree = match c.tree_id() {
                Ok(t) => t.detach(),
                Err(e) => {
                    history
                        .problems
                        .push(format!("commit {id}: its tree cannot be read: {e}"));
                    continue;
                }
            };
            commits.push((
                CommitInfo {
                    id: id.to_string(),
                    author,
                    date,
                },
                tree,
            ));
        }

        let mut seen_trees = HashSet::new();
        let mut seen_blobs = HashSet::new();
        let mut problems = std::mem::take(&mut history.problems);
        for (idx, (info, tree)) in commits.into_iter().enumerate() {
            history.commits.push(info);
            self.walk_tree(
                &repo,
                tree,
                String::new(),
                &mut seen_trees,
                &mut problems,
                &mut |id, path| {
                    if seen_blobs.insert(id) {
                        history.blobs.push(HistoryBlob {
                            id,
                            path,
                            commit: idx,
                        });
                    }
                },
            );
        }
        if let Ok(tree) = repo.head_tree_id() {
            let mut head_trees = HashSet::new();
            let head_blobs = &mut history.head_blobs;
            self.walk_tree(
                &repo,
                tree.detach(),
                String::new(),
                &mut head_trees,
                &mut problems,
                &mut |id, _| {
                    head_blobs.insert(id);
                },
            );
        }
        problems.sort();
        problems.dedup();
        history.problems = problems;
        history.trees_read = seen_trees.len();
        Ok(history)
    }

    /// Visits every blob under `tree` whose subtree was not visited before; a tree that cannot
    /// be read is named in `problems` and left out.
    fn walk_tree(
        &self,
        repo: &gix::Repository,
        tree: ObjectId,
        base: String,
        seen: &mut HashSet<ObjectId>,
        problems: &mut Vec<String>,
        visit: &mut dyn FnMut(ObjectId, String),
    ) {
        if !seen.insert(tree) {
            return;
        }
        let t = match repo.find_tree(tree) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("tree {tree} ({base}) cannot be read: {e}"));
                return;
            }
        };
        for entry in t.iter() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    problems.push(format!("tree {tree} ({base}) cannot be decoded: {e}"));
                    return;
                }
            };
            let path = format!("{base}{}", crate::paths::escape_bytes(entry.filename()));
            let mode = entry.mode();
            if mode.is_tree() {
                // Only descend where the scan root is, or could be, below.
                let dir = format!("{path}/");
                if dir.starts_with(&self.prefix) || self.prefix.starts_with(&dir) {
                    self.walk_tree(repo, entry.object_id(), dir, seen, problems, visit);
                }
            } else if mode.is_blob()
                && let Some(rel) = self.scan_path(&path)
            {
                visit(entry.object_id(), rel);
            }
        }
    }
}

/// Commits reachable from `tips` and not from `hidden`, oldest first, with their parents
/// (gix's walk; fails on the first commit it cannot read).
type Walk = (Vec<ObjectId>, HashMap<ObjectId, Vec<ObjectId>>);

fn walk_commits(
    repo: &gix::Repository,
    tips: &[ObjectId],
    hidden: &[ObjectId],
) -> Result<Walk, GitError> {
    let walk = repo
        .rev_walk(tips.iter().copied())
        .with_hidden(hidden.iter().copied())
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            gix::traverse::commit::simple::CommitTimeOrder::OldestFirst,
        ))
        .all()
        .map_err(|e| err("cannot walk history", e))?;
    let mut parents: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
    let mut walk_order = Vec::new();
    for info in walk {
        let info = info.map_err(|e| err("cannot walk history", e))?;
        walk_order.push(info.id);
        parents.insert(info.id, info.parent_ids.iter().copied().collect());
    }
    Ok((walk_order, parents))
}

/// The same walk, one commit at a time: a commit that cannot be read is named in `problems` and
/// its ancestors are reached only through other paths. The parents of a shallow clone's
/// `boundary` commits are not there: they are not followed.
fn walk_commits_around_damage(
    repo: &gix::Repository,
    tips: &[ObjectId],
    hidden: &[ObjectId],
    boundary: &HashSet<ObjectId>,
    problems: &mut Vec<String>,
) -> Walk {
    let reach = |starts: &[ObjectId],
                 stop: &HashSet<ObjectId>,
                 problems: &mut Vec<String>|
     -> HashMap<ObjectId, (i64, Vec<ObjectId>)> {
        let mut found = HashMap::new();
        let mut stack: Vec<ObjectId> = starts.to_vec();
        let mut seen: HashSet<ObjectId> = HashSet::new();
        while let Some(id) = stack.pop() {
            if stop.contains(&id) || !seen.insert(id) {
                continue;
            }
            let commit = match repo.find_commit(id) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(format!("commit {id} cannot be read: {e}"));
                    continue;
                }
            };
            let time = commit.time().map(|t| t.seconds).unwrap_or(0);
            let ps: Vec<ObjectId> = if boundary.contains(&id) {
                Vec::new()
            } else {
                commit.parent_ids().map(|p| p.detach()).collect()
            };
            stack.extend(ps.iter().copied());
            found.insert(id, (time, ps));
        }
        found
    };
    let hidden: HashSet<ObjectId> = if hidden.is_empty() {
        HashSet::new()
    } else {
        reach(hidden, &HashSet::new(), &mut Vec::new())
            .into_keys()
            .collect()
    };
    let found = reach(tips, &hidden, problems);
    let mut walk_order: Vec<ObjectId> = found.keys().copied().collect();
    walk_order.sort_by_key(|id| (found[id].0, *id));
    let parents = found.into_iter().map(|(id, (_, ps))| (id, ps)).collect();
    (walk_order, parents)
}

/// Orders commits so that every parent comes before its children (iterative depth-first
/// post-order, starting from the oldest commits of the walk), so a blob is attributed to the
/// commit that introduced it even when commit times are equal or skewed.
fn topological(
    walk_order: &[ObjectId],
    parents: &HashMap<ObjectId, Vec<ObjectId>>,
) -> Vec<ObjectId> {
    let mut done = HashSet::new();
    let mut order = Vec::with_capacity(walk_order.len());
    for &start in walk_order.iter().rev() {
        let mut stack = vec![(start, false)];
        while let Some((c, expanded)) = stack.pop() {
            if expanded {
                order.push(c);
                continue;
            }
            if !done.insert(c) {
                continue;
            }
            stack.push((c, true));
            for p in parents.get(&c).into_iter().flatten() {
                if parents.contains_key(p) && !done.contains(p) {
                    stack.push((*p, false));
                }
            }
        }
    }
    order
}

/// ISO 8601 UTC time of a Unix timestamp.
fn iso_time(secs: i64) -> String {
    let date = crate::date::Date::from_unix(secs);
    let s = secs.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s % 3600) / 60,
        s % 60
    )
}

/// A commit in history.
#[derive(Debug, Clone, Default)]
pub struct CommitInfo {
    /// Full hex id.
    pub id: String,
    /// `Name <email>`.
    pub author: String,
    /// Author date, ISO 8601 UTC.
    pub date: String,
}

/// A unique blob and where it first appeared.
#[derive(Debug, Clone)]
pub struct HistoryBlob {
    /// Object id.
    pub id: ObjectId,
    /// Path relative to the scan root in the first commit that has it.
    pub path: String,
    /// Index into [`History::commits`].
    pub commit: usize,
}

/// A staged file: its scan path and its content, or why the object could not be read.
pub type StagedFile = (String, Result<Vec<u8>, GitError>);

/// The unique blobs of a history walk.
#[derive(Debug, Default)]
pub struct History {
    /// Objects that could not be read (corrupt or missing), each named by id; the commits and
    /// files behind them are not in the walk.
    pub problems: Vec<String>,
    /// Number of shallow-boundary commits (0 when the clone is complete): history stops there.
    pub shallow: usize,
    /// Commits, oldest first.
    pub commits: Vec<CommitInfo>,
    /// Unique blobs, in order of first appearance.
    pub blobs: Vec<HistoryBlob>,
    /// Blobs in the HEAD tree.
    pub head_blobs: HashSet<ObjectId>,
    /// Number of distinct trees read.
    pub trees_read: usize,
}

/// Which lines of each file changed since a merge base.
pub struct ChangedLines {
    repo: gix::ThreadSafeRepository,
    tree: ObjectId,
    prefix: String,
    /// The merge base commit.
    pub merge_base: String,
}

impl ChangedLines {
    /// 1-based line numbers of `current` (the file at scan path `path`) that are new or changed
    /// relative to the merge base. A file absent at the merge base is new in full.
    pub fn changed(&self, path: &str, current: &[u8]) -> HashSet<usize> {
        let old = self.old_content(path).unwrap_or_default();
        let old = String::from_utf8_lossy(&old);
        let new = String::from_utf8_lossy(current);
        let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
        let mut out = HashSet::new();
        for op in diff.ops() {
            if let similar::DiffOp::Insert {
                new_index, new_len, ..
            }
            | similar::DiffOp::Replace {
                new_index, new_len, ..
            } = *op
            {
                out.extend(new_index + 1..=new_index + new_len);
            }
        }
        out
    }

    /// The content of scan path `path` at the merge base, `None` when it did not exist there.
    pub fn base_content(&self, path: &str) -> Option<Vec<u8>> {
        self.old_content(path)
    }

    fn old_content(&self, path: &str) -> Option<Vec<u8>> {
        let repo = self.repo.to_thread_local();
        let tree = repo.find_tree(self.tree).ok()?;
        let full = PathBuf::from(format!("{}{path}", self.prefix));
        let entry = tree.lookup_entry_by_path(&full).ok()??;
        let blob = repo.find_blob(entry.object_id()).ok()?;
        Some(blob.data.clone())
    }

    /// Filters changed lines for many files at once, caching per path.
    pub fn cache(&self) -> ChangedCache<'_> {
        ChangedCache {
            changes: self,
            by_path: HashMap::new(),
        }
    }
}

/// Per-path cache of [`ChangedLines::changed`].
pub struct ChangedCache<'a> {
    changes: &'a ChangedLines,
    by_path: HashMap<String, HashSet<usize>>,
}

impl ChangedCache<'_> {
    /// Whether `line` of `path` changed; `current` is read only the first time a path is asked.
    pub fn is_changed(
        &mut self,
        path: &str,
        line: usize,
        current: impl FnOnce() -> Vec<u8>,
    ) -> bool {
        if !self.by_path.contains_key(path) {
            let set = self.changes.changed(path, &current());
            self.by_path.insert(path.to_string(), set);
        }
        self.by_path[path].contains(&line)
    }
}
