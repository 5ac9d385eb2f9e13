//! A commit's tree, for a worker to scan: from a bare mirror of the project's remote under the
//! data folder (`<data>/repos/<project>.git`, cloned once, fetched when the commit is not there
//! yet), or from the project's `local_path` when it is a git repository.
//!
//! This runs the `git` command rather than a library: gix's network client would more than
//! triple the build of the crate using it and bring a second TLS library, and still runs `git
//! upload-pack` and `ssh` for file:// and ssh:// (measured: ARCHITECTURE.md), while `git`
//! handles every transport, credential helper and SSH configuration the operator already has.
//! The tree is written with
//! `read-tree` + `checkout-index` into a fresh folder, through an index file of its own, so a
//! `local_path` repository's index and working tree are never touched (and, unlike
//! `git archive`, no `export-ignore` attribute can hide a file from the scan).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

/// The longest one git command may run (a clone or fetch of a large repository).
pub const GIT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Where a project's commits come from.
#[derive(Debug, Clone)]
pub struct Source {
    /// The project's id (names its mirror).
    pub project: i64,
    /// The remote to mirror, if any.
    pub remote: Option<String>,
    /// A local repository, used when there is no remote.
    pub local_path: Option<String>,
}

/// A commit's files in a temporary folder (removed when dropped).
pub struct Checkout {
    dir: tempfile::TempDir,
    /// The merge base with the base asked for, when one was.
    pub merge_base: Option<String>,
}

impl Checkout {
    /// The folder holding the commit's files.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("tree")
    }
}

/// Whether `s` can name a commit: 4 to 64 hexadecimal digits (never an option or a ref).
pub fn is_commit(s: &str) -> bool {
    (4..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// One lock per project mirror, so that two workers of this process never clone or fetch it at
/// once.
static MIRROR_LOCKS: LazyLock<Mutex<HashMap<i64, Arc<Mutex<()>>>>> =
    LazyLock::new(Default::default);

/// Runs git with `args`, no prompts, within [`GIT_TIMEOUT`]; its standard output, or a message
/// with its standard error.
fn git(args: &[&str], env: &[(&str, &Path)]) -> Result<String, String> {
    let out = run_git(args, env, GIT_TIMEOUT, usize::MAX)?;
    String::from_utf8(out).map_err(|_| "git wrote output that is not UTF-8".to_string())
}

/// Runs git with `args`, no prompts, within `timeout`, keeping at most `max_out` bytes of its
/// standard output (the rest is read and dropped); that output, or a message with its
/// standard error.
fn run_git(
    args: &[&str],
    env: &[(&str, &Path)],
    timeout: Duration,
    max_out: usize,
) -> Result<Vec<u8>, String> {
    let mut cmd = Command::new("git");
    cmd.args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_LFS_SKIP_SMUDGE", "1")
        .env("GCM_INTERACTIVE", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run git (is it installed and on PATH?): {e}"))?;
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut out).take(max_out as u64).read_to_end(&mut kept);
        let _ = std::io::copy(&mut out, &mut std::io::sink());
        kept
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        let s = String::from_utf8_lossy(&v);
        s.chars().take(4000).collect::<String>()
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`git {}` took longer than {} s and was stopped",
                    args.first().unwrap_or(&""),
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for git failed: {e}")),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if status.success() {
        Ok(stdout)
    } else {
        Err(stderr.trim().to_string())
    }
}

fn has_commit(git_dir: &str, commit: &str) -> bool {
    git(
        &[
            "--git-dir",
            git_dir,
            "cat-file",
            "-e",
            &format!("{commit}^{{commit}}"),
        ],
        &[],
    )
    .is_ok()
}

/// What a repository must hold.
enum Need<'a> {
    /// This commit (fetched only when it is missing).
    Commit(&'a str),
    /// The remote's current branches (always fetched).
    Fresh,
}

/// The git folder holding what `need` names: the project's mirror (cloned or fetched as
/// needed), or its local repository.
fn repository(data_dir: &Path, src: &Source, need: Need<'_>) -> Result<String, String> {
    if let Some(remote) = &src.remote {
        let mirror = data_dir.join("repos").join(format!("{}.git", src.project));
        let mirror_s = mirror.to_string_lossy().to_string();
        let lock = MIRROR_LOCKS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(src.project)
            .or_default()
            .clone();
        let _held = lock.lock().unwrap_or_else(|p| p.into_inner());
        if !mirror.join("HEAD").exists() {
            std::fs::create_dir_all(data_dir.join("repos"))
                .map_err(|e| format!("cannot create {}: {e}", data_dir.join("repos").display()))?;
            let _ = std::fs::remove_dir_all(&mirror);
            git(
                &[
                    "-c",
                    "protocol.ext.allow=never",
                    "clone",
                    "--mirror",
                    "--quiet",
                    "--",
                    remote,
                    &mirror_s,
                ],
                &[],
            )
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&mirror);
                format!("cannot clone {remote}: {e}")
            })?;
        }
        let fetch = match need {
            Need::Commit(c) => !has_commit(&mirror_s, c),
            Need::Fresh => true,
        };
        if fetch {
            git(
                &[
                    "-c",
                    "protocol.ext.allow=never",
                    "--git-dir",
                    &mirror_s,
                    "fetch",
                    "--prune",
                    "--quiet",
                    "origin",
                ],
                &[],
            )
            .map_err(|e| format!("cannot fetch {remote}: {e}"))?;
        }
        if let Need::Commit(commit) = need
            && !has_commit(&mirror_s, commit)
        {
            return Err(format!(
                "commit {commit} is not in {remote} (not pushed, or force-pushed away)"
            ));
        }
        return Ok(mirror_s);
    }
    let Some(local) = &src.local_path else {
        return Err("the project has neither a remote nor a local_path to scan".into());
    };
    let dir = git(&["-C", local, "rev-parse", "--absolute-git-dir"], &[])
        .map_err(|e| format!("local_path {local} is not a git repository: {e}"))?
        .trim()
        .to_string();
    if let Need::Commit(commit) = need
        && !has_commit(&dir, commit)
    {
        return Err(format!(
            "commit {commit} is not in the repository at {local}"
        ));
    }
    Ok(dir)
}

/// What the head of a branch is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// This commit (after fetching the remote).
    Commit(String),
    /// The project is a local folder that is not a git repository: scan it as it is.
    Folder(PathBuf),
}

/// The commit at the head of `branch` now: the remote is fetched first; a local repository is
/// read as it is.
pub fn branch_head(data_dir: &Path, src: &Source, branch: &str) -> Result<Head, String> {
    if branch.is_empty() || branch.starts_with('-') || branch.contains("..") {
        return Err(format!("`{branch}` is not a branch name"));
    }
    if src.remote.is_none()
        && let Some(local) = &src.local_path
        && git(&["-C", local, "rev-parse", "--absolute-git-dir"], &[]).is_err()
    {
        return Ok(Head::Folder(PathBuf::from(local)));
    }
    let git_dir = repository(data_dir, src, Need::Fresh)?;
    let out = git(
        &[
            "--git-dir",
            &git_dir,
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("refs/heads/{branch}^{{commit}}"),
        ],
        &[],
    )
    .map_err(|_| format!("the repository has no branch `{branch}`"))?;
    Ok(Head::Commit(out.trim().to_string()))
}

/// Writes `commit`'s files into a new folder under `<data_dir>/work` and, given `base` (a commit
/// or a ref), finds the merge base of the two. A base git cannot resolve is kept as given when
/// it is a commit hash (the merge base is then approximated by it), else dropped.
pub fn checkout(
    data_dir: &Path,
    src: &Source,
    commit: &str,
    base: Option<&str>,
) -> Result<Checkout, String> {
    if !is_commit(commit) {
        return Err(format!("`{commit}` is not a commit hash"));
    }
    let git_dir = repository(data_dir, src, Need::Commit(commit))?;
    let work = work_dir(data_dir);
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let dir = tempfile::Builder::new()
        .prefix("scan-")
        .tempdir_in(&work)
        .map_err(|e| format!("cannot create a folder in {}: {e}", work.display()))?;
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).map_err(|e| format!("cannot create {}: {e}", tree.display()))?;
    let index = dir.path().join("index");
    let tree_s = tree.to_string_lossy().to_string();
    let env = [("GIT_INDEX_FILE", index.as_path())];
    let with_tree = ["--git-dir", &git_dir, "--work-tree", &tree_s];
    git(&[&with_tree[..], &["read-tree", commit]].concat(), &env)
        .map_err(|e| format!("cannot read commit {commit}: {e}"))?;
    git(
        &[&with_tree[..], &["checkout-index", "--all", "--force"]].concat(),
        &env,
    )
    .map_err(|e| format!("cannot write commit {commit}'s files: {e}"))?;
    let _ = std::fs::remove_file(&index);
    let merge_base = base.and_then(|b| {
        if b.starts_with('-') {
            return None;
        }
        match git(&["--git-dir", &git_dir, "merge-base", commit, b], &[]) {
            Ok(out) => Some(out.trim().to_string()),
            Err(_) if is_commit(b) => Some(b.to_string()),
            Err(_) => None,
        }
    });
    Ok(Checkout { dir, merge_base })
}

/// The longest one read of a file for a code frame may take.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest file read for a code frame, in bytes.
pub const FRAME_MAX_FILE_BYTES: usize = 8 << 20;
/// The most lines one code frame holds.
pub const FRAME_MAX_LINES: u32 = 200;
/// The longest line of a code frame, in characters (longer ones end with `…`).
pub const FRAME_LINE_MAX_CHARS: usize = 500;

/// Whether `path` may name a file of a commit: relative, not empty, without `..`, not starting
/// with `-`, without NUL or a newline.
fn is_repo_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('-')
        && !path.starts_with('/')
        && !path.contains("..")
        && !path.contains(['\0', '\n'])
}

/// Lines `lines` (1-based, at most [`FRAME_MAX_LINES`] of them) of file `path` at `commit`,
/// each with its number, read from the project's mirror of its remote (only when it exists:
/// nothing is cloned or fetched here) or from its `local_path` repository; `data_dir` `None`
/// reads local repositories only. Nothing from the repository is run (the blob is read with
/// `git cat-file blob`, no filters, within [`FRAME_TIMEOUT`]); a file over
/// [`FRAME_MAX_FILE_BYTES`] or holding a NUL byte is refused, long lines are cut. An error says
/// why the code is not available (no repository, commit or file; a refused path).
pub fn file_lines(
    data_dir: Option<&Path>,
    src: &Source,
    commit: &str,
    path: &str,
    lines: std::ops::RangeInclusive<u32>,
) -> Result<Vec<(u32, String)>, String> {
    if !is_commit(commit) {
        return Err(format!("`{commit}` is not a commit hash"));
    }
    if !is_repo_path(path) {
        return Err(format!("`{path}` is not a path in the repository"));
    }
    let (first, last) = (
        (*lines.start()).max(1),
        (*lines.end()).min(lines.start().saturating_add(FRAME_MAX_LINES - 1)),
    );
    let git_dir = match (&src.remote, &src.local_path, data_dir) {
        (Some(_), _, Some(data)) => {
            let mirror = data.join("repos").join(format!("{}.git", src.project));
            if !mirror.join("HEAD").exists() {
                return Err("the server has no copy of the project's repository yet".into());
            }
            mirror.to_string_lossy().to_string()
        }
        (Some(_), _, None) => return Err("the server keeps no copies of repositories".into()),
        (None, Some(local), _) => {
            let out = run_git(
                &[
                    "-c",
                    "core.fsmonitor=false",
                    "-C",
                    local,
                    "rev-parse",
                    "--absolute-git-dir",
                ],
                &[],
                FRAME_TIMEOUT,
                64 << 10,
            )
            .map_err(|e| format!("local_path {local} is not a git repository: {e}"))?;
            String::from_utf8_lossy(&out).trim().to_string()
        }
        (None, None, _) => return Err("the project has no repository".into()),
    };
    let spec = format!("{commit}:{path}");
    let blob = run_git(
        &[
            "-c",
            "core.fsmonitor=false",
            "--git-dir",
            &git_dir,
            "cat-file",
            "blob",
            &spec,
        ],
        &[],
        FRAME_TIMEOUT,
        FRAME_MAX_FILE_BYTES + 1,
    )
    .map_err(|e| {
        if e.is_empty() {
            format!("{path} is not in commit {commit}")
        } else {
            format!("{path} at commit {commit}: {e}")
        }
    })?;
    if blob.len() > FRAME_MAX_FILE_BYTES {
        return Err(format!(
            "{path} is larger than {} MiB",
            FRAME_MAX_FILE_BYTES >> 20
        ));
    }
    if blob.contains(&0) {
        return Err(format!("{path} is a binary file"));
    }
    let mut out = Vec::new();
    for (n, line) in blob.split(|&b| b == b'\n').enumerate() {
        let n = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if n > last {
            break;
        }
        if n < first {
            continue;
        }
        let text = String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line));
        let text = match text.char_indices().nth(FRAME_LINE_MAX_CHARS) {
            Some((end, _)) => format!("{}…", &text[..end]),
            None => text.into_owned(),
        };
        out.push((n, text));
    }
    // A file ending with a newline has no line after it.
    if blob.ends_with(b"\n") && out.last().is_some_and(|(n, t)| t.is_empty() && *n > 1) {
        let lines_in_file = blob.iter().filter(|&&b| b == b'\n').count();
        out.retain(|(n, _)| (*n as usize) <= lines_in_file);
    }
    if out.is_empty() {
        return Err(format!("{path} at commit {commit} has no line {first}"));
    }
    Ok(out)
}

/// This process's folder for checkouts: `<data>/work/<pid>`, so that a process that died
/// mid-scan leaves its checkouts where the next start finds and removes them.
fn work_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("work").join(std::process::id().to_string())
}

/// Removes the checkout folders of processes that are gone (a worker killed mid-scan leaves its
/// checkout behind); returns how many. Where the system cannot tell whether a process lives
/// (no `/proc`), nothing is removed.
pub fn clean_stale_work(data_dir: &Path) -> usize {
    let proc_fs = Path::new("/proc/self");
    if !proc_fs.exists() {
        return 0;
    }
    let Ok(entries) = std::fs::read_dir(data_dir.join("work")) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        if std::fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}
