//! File discovery: a parallel walk that respects `.gitignore`, `.rampartignore`, include and
//! exclude globs, and the bounded read that enforces the size limit. Nothing is skipped
//! silently: every skipped path is reported.

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Name of rampart's own ignore file (gitignore syntax).
pub const IGNORE_FILE: &str = ".rampartignore";

/// What to walk and what to leave out.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Only paths matching one of these globs (all when empty).
    pub include: Vec<String>,
    /// Paths matching these globs are left out.
    pub exclude: Vec<String>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Visit only these paths (relative to the root, `/`-separated), still subject to the ignore
    /// files and globs: the walk enters only their folders, so a language server can check one
    /// file without walking the tree.
    pub only: Option<std::sync::Arc<HashSet<String>>>,
}

/// A regular file found by the walk.
#[derive(Debug, Clone)]
pub struct FoundFile {
    /// Absolute (or root-joined) path.
    pub abs: PathBuf,
    /// Path relative to the root, `/`-separated.
    pub rel: String,
}

/// Reads a found file into `buf` (cleared first), at most `limit` bytes.
///
/// The walk does not `stat` files, and most files fit in the buffer a thread already holds: they
/// are read without asking their size. A file that fills that buffer is `stat`ed once: if it is
/// over the limit it is skipped without reading the rest, otherwise the buffer grows to its size
/// in one step. Reading stops one byte past the limit in any case (a file growing meanwhile), so
/// a huge file costs no more than `limit` bytes of memory.
pub fn read_file(path: &Path, limit: u64, buf: &mut Vec<u8>) -> Result<(), SkipReason> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| SkipReason::Unreadable {
        error: e.to_string(),
    };
    buf.clear();
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let first = (buf.capacity().max(FIRST_READ) as u64).min(limit.saturating_add(1));
    // `Take` has no size hint, so `read_to_end` makes no `fstat`/`lseek` calls of its own.
    (&mut file)
        .take(first)
        .read_to_end(buf)
        .map_err(unreadable)?;
    if buf.len() as u64 == first {
        let size = file.metadata().map_err(unreadable)?.len();
        if size > limit {
            buf.clear();
            return Err(SkipReason::TooLarge { size, limit });
        }
        buf.reserve_exact((size + 1).saturating_sub(first) as usize);
        file.take(limit.saturating_add(1) - first)
            .read_to_end(buf)
            .map_err(unreadable)?;
    }
    if buf.len() as u64 > limit {
        let size = std::fs::metadata(path).map_or(buf.len() as u64, |m| m.len());
        buf.clear();
        return Err(SkipReason::TooLarge { size, limit });
    }
    Ok(())
}

/// What `read_file` reads before asking a file's size when its buffer is smaller.
const FIRST_READ: usize = 64 << 10;

/// An include or exclude glob that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} glob `{glob}` is invalid: {message}")]
pub struct GlobError {
    /// `include` or `exclude`.
    pub what: &'static str,
    /// The glob as written.
    pub glob: String,
    /// Why it does not parse.
    pub message: String,
}

impl GlobError {
    fn new(what: &'static str, glob: &str, e: impl std::fmt::Display) -> GlobError {
        GlobError {
            what,
            glob: glob.to_string(),
            message: e.to_string(),
        }
    }
}

/// Why a path was not scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum SkipReason {
    /// Larger than the size limit.
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A file an engine reads whole (a lockfile, an SBOM) larger than even its own size limit.
    LockfileTooLarge {
        /// Its size.
        size: u64,
        /// The limit (`[scan] max_lockfile_size`).
        limit: u64,
    },
    /// Contains NUL bytes.
    Binary,
    /// A symbolic link (links are not followed).
    Symlink,
    /// A symbolic link whose target does not exist.
    BrokenSymlink,
    /// A symbolic link that never resolves: it leads back to itself.
    SymlinkLoop,
    /// Not a regular file: a FIFO, socket or device (never opened).
    Special {
        /// What it is (`FIFO (named pipe)`, `socket`…).
        kind: String,
    },
    /// Could not be read.
    Unreadable {
        /// The OS error.
        error: String,
    },
}

impl SkipReason {
    /// A short phrase for reports.
    pub fn describe(&self) -> String {
        match self {
            SkipReason::TooLarge { size, limit } => format!(
                "larger than the size limit ({size} > {limit} bytes; raise [scan] max_file_size or --max-file-size)"
            ),
            SkipReason::LockfileTooLarge { size, limit } => format!(
                "lockfile larger than its size limit ({size} > {limit} bytes; its dependencies are not checked; raise [scan] max_lockfile_size)"
            ),
            SkipReason::Binary => "binary file".into(),
            SkipReason::Symlink => "symbolic link (not followed)".into(),
            SkipReason::BrokenSymlink => "broken symbolic link (its target does not exist)".into(),
            SkipReason::SymlinkLoop => {
                "symlink loop (the link leads back to itself; links are not followed)".into()
            }
            SkipReason::Special { kind } => {
                format!("{kind}, not a regular file (never opened)")
            }
            SkipReason::Unreadable { error } => format!("cannot be read: {error}"),
        }
    }
}

/// A path that was not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Relative path.
    pub path: String,
    /// Why.
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// Path of `p` relative to `root`, `/`-separated; the file name when `root` is the file itself.
pub fn relative(root: &Path, p: &Path) -> String {
    // The common case, one allocation: on Unix a UTF-8 path under `root` is already
    // `/`-separated text after the root's bytes and a separator.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (r, b) = (root.as_os_str().as_bytes(), p.as_os_str().as_bytes());
        if !r.is_empty()
            && let Some(rest) = b.strip_prefix(r)
            && let Some(rest) = rest
                .strip_prefix(b"/")
                .or((r.ends_with(b"/")).then_some(rest))
            && !rest.is_empty()
            && !rest.starts_with(b"/")
            && !rest.ends_with(b"/")
            && !rest
                .split(|&c| c == b'/')
                .any(|c| c.is_empty() || c == b".")
            && let Ok(text) = std::str::from_utf8(rest)
            && !text.contains('\\')
        {
            return text.to_string();
        }
    }
    let rel = match p.strip_prefix(root) {
        Ok(r) if !r.as_os_str().is_empty() => r.to_path_buf(),
        _ => p
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| p.to_path_buf()),
    };
    rel.components()
        .map(|c| component_text(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/")
}

/// One path component as scan-path text ([`crate::paths::escape_bytes`]).
fn component_text(c: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        crate::paths::escape_bytes(c.as_bytes())
    }
    #[cfg(not(unix))]
    {
        crate::paths::escape_bytes(c.to_string_lossy().as_bytes())
    }
}

/// Why a symbolic link is skipped: links are never followed, but a link whose target is missing
/// or that never resolves (a loop) is worth a word.
fn symlink_reason(path: &Path) -> SkipReason {
    match std::fs::metadata(path) {
        Ok(_) => SkipReason::Symlink,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SkipReason::BrokenSymlink,
        Err(e) if is_loop(&e) => SkipReason::SymlinkLoop,
        Err(e) => SkipReason::Unreadable {
            error: format!("symbolic link cannot be resolved: {e}"),
        },
    }
}

/// Whether an error is "too many levels of symbolic links" (ELOOP).
fn is_loop(e: &std::io::Error) -> bool {
    // `ErrorKind::FilesystemLoop` is not stable yet; its name and the errno are.
    const ELOOP: i32 = if cfg!(any(target_os = "linux", target_os = "android")) {
        40
    } else {
        62
    };
    format!("{:?}", e.kind()) == "FilesystemLoop" || (cfg!(unix) && e.raw_os_error() == Some(ELOOP))
}

/// The kind of a file that is neither a regular file, a folder nor a link (never opened: opening
/// a FIFO blocks until a writer comes).
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "FIFO (named pipe)";
        } else if ft.is_socket() {
            return "socket";
        } else if ft.is_block_device() {
            return "block device";
        } else if ft.is_char_device() {
            return "character device";
        }
    }
    let _ = ft;
    "special file"
}

/// Walks `root` in parallel, calling `found` for every regular file to scan and `skipped` for
/// everything left out for a reason the user should know. Errors building the walk (a bad glob)
/// are returned before any file is visited.
pub fn walk(
    root: &Path,
    opts: &WalkOptions,
    found: &(dyn Fn(FoundFile) + Sync),
    skipped: &(dyn Fn(Skipped) + Sync),
) -> Result<(), GlobError> {
    // Include globs are a filter on found files, not whitelist overrides: in the `ignore` crate
    // a whitelist override beats .gitignore, and included paths must still respect it.
    let include = if opts.include.is_empty() {
        None
    } else {
        Some(glob_set("include", &opts.include)?)
    };
    let include = &include;
    let mut overrides = OverrideBuilder::new(root);
    for g in &opts.exclude {
        overrides
            .add(&format!("!{g}"))
            .map_err(|e| GlobError::new("exclude", g, e))?;
    }
    let overrides = overrides
        .build()
        .map_err(|e| GlobError::new("exclude", &opts.exclude.join(", "), e))?;
    // With `only`, the folders that lead to the wanted paths (every other entry is left out
    // before it is listed).
    let only = opts.only.clone().map(|files| {
        let mut dirs = HashSet::new();
        for f in files.iter() {
            let mut d = f.as_str();
            while let Some((parent, _)) = d.rsplit_once('/') {
                if !dirs.insert(parent.to_string()) {
                    break;
                }
                d = parent;
            }
        }
        (files, dirs, root.to_path_buf())
    });
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .add_custom_ignore_filename(IGNORE_FILE)
        .overrides(overrides)
        .threads(opts.threads)
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            let Some((files, dirs, root)) = &only else {
                return true;
            };
            if e.depth() == 0 {
                return true;
            }
            let rel = relative(root, e.path());
            if e.file_type().is_some_and(|t| t.is_dir()) {
                dirs.contains(&rel)
            } else {
                files.contains(&rel)
            }
        });
    builder.build_parallel().run(|| {
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = error_path(&err)
                        .map(|p| relative(root, &p))
                        .unwrap_or_default();
                    skipped(Skipped {
                        path,
                        reason: SkipReason::Unreadable {
                            error: err.to_string(),
                        },
                    });
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            let rel = relative(root, entry.path());
            if !ft.is_dir() && include.as_ref().is_some_and(|g| !g.is_match(&rel)) {
                return WalkState::Continue;
            }
            if ft.is_symlink() {
                let reason = symlink_reason(entry.path());
                skipped(Skipped { path: rel, reason });
            } else if ft.is_file() {
                found(FoundFile {
                    abs: entry.into_path(),
                    rel,
                });
            } else if !ft.is_dir() {
                skipped(Skipped {
                    path: rel,
                    reason: SkipReason::Special {
                        kind: special_kind(&ft).to_string(),
                    },
                });
            }
            WalkState::Continue
        })
    });
    Ok(())
}

/// A set of globs; `what` names them in errors (`include`, `exclude`).
pub fn glob_set(what: &'static str, globs: &[String]) -> Result<globset::GlobSet, GlobError> {
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        b.add(globset::Glob::new(g).map_err(|e| GlobError::new(what, g, e))?);
    }
    b.build()
        .map_err(|e| GlobError::new(what, &globs.join(", "), e))
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_slash_separated_and_never_borrow_a_sibling_prefix() {
        let r = |root: &str, p: &str| relative(Path::new(root), Path::new(p));
        assert_eq!(r("/a/b", "/a/b/c/d.txt"), "c/d.txt");
        assert_eq!(r("/a/b/", "/a/b/c"), "c");
        assert_eq!(r("/a/b", "/a/b/./c//d"), "c/d");
        assert_eq!(r("/a/b", "/a/b"), "b");
        // `/a/bc` is not under `/a/b`: the file name, as for any path outside the root.
        assert_eq!(r("/a/b", "/a/bc/d"), "d");
        assert_eq!(r("", "x/y"), "x/y");
    }
    use std::sync::Mutex;

    fn run(root: &Path, opts: WalkOptions) -> (Vec<String>, Vec<Skipped>) {
        let files = Mutex::new(Vec::new());
        let skips = Mutex::new(Vec::new());
        walk(root, &opts, &|f| files.lock().unwrap().push(f.rel), &|s| {
            skips.lock().unwrap().push(s)
        })
        .unwrap();
        let mut files = files.into_inner().unwrap();
        files.sort();
        (files, skips.into_inner().unwrap())
    }

    fn opts() -> WalkOptions {
        WalkOptions {
            include: vec![],
            exclude: vec![],
            threads: 2,
            only: None,
        }
    }

    #[test]
    fn only_visits_the_named_paths_and_still_respects_ignore_files() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("src/deep")).unwrap();
        std::fs::create_dir_all(r.join("build")).unwrap();
        std::fs::write(r.join(".gitignore"), "build/\n").unwrap();
        for f in ["src/deep/a.py", "src/b.py", "build/c.py", "top.py"] {
            std::fs::write(r.join(f), "x").unwrap();
        }
        let only = ["src/deep/a.py", "build/c.py", "missing.py"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (files, _) = run(
            r,
            WalkOptions {
                only: Some(std::sync::Arc::new(only)),
                ..opts()
            },
        );
        assert_eq!(files, vec!["src/deep/a.py"]);
    }

    #[test]
    fn respects_ignore_files_globs_and_limits() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("src")).unwrap();
        std::fs::create_dir_all(r.join("build")).unwrap();
        std::fs::create_dir_all(r.join(".git")).unwrap();
        std::fs::write(r.join(".gitignore"), "build/\n").unwrap();
        std::fs::write(r.join(".rampartignore"), "*.log\n").unwrap();
        std::fs::write(r.join("src/a.py"), "x").unwrap();
        std::fs::write(r.join("src/b.log"), "x").unwrap();
        std::fs::write(r.join("build/out.js"), "x").unwrap();
        std::fs::write(r.join(".env"), "x").unwrap();
        std::fs::write(r.join(".git/config"), "x").unwrap();
        std::fs::write(r.join("big.txt"), "x".repeat(101)).unwrap();
        std::fs::write(r.join("vendor.js"), "x").unwrap();
        let (files, skips) = run(
            r,
            WalkOptions {
                exclude: vec!["vendor.js".into()],
                ..opts()
            },
        );
        assert_eq!(
            files,
            vec![
                ".env",
                ".gitignore",
                ".rampartignore",
                "big.txt",
                "src/a.py"
            ]
        );
        assert!(skips.is_empty());
        let mut buf = Vec::new();
        assert_eq!(
            read_file(&r.join("big.txt"), 100, &mut buf),
            Err(SkipReason::TooLarge {
                size: 101,
                limit: 100
            })
        );
        assert!(
            buf.is_empty(),
            "no content of a file over the limit is kept"
        );
        read_file(&r.join("big.txt"), 101, &mut buf).unwrap();
        assert_eq!(buf.len(), 101);
        assert!(matches!(
            read_file(&r.join("missing"), 100, &mut buf),
            Err(SkipReason::Unreadable { .. })
        ));

        let (files, _) = run(
            r,
            WalkOptions {
                include: vec!["src/**".into()],
                ..opts()
            },
        );
        assert_eq!(files, vec!["src/a.py"]);
    }

    #[test]
    fn files_bigger_than_the_buffer_are_read_whole_or_skipped_early() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        let content: Vec<u8> = (0..FIRST_READ * 3 + 7).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        let size = content.len() as u64;
        for start_capacity in [0, 10, FIRST_READ, FIRST_READ * 2, FIRST_READ * 8] {
            let mut buf = Vec::with_capacity(start_capacity);
            buf.extend_from_slice(b"left over");
            read_file(&path, size, &mut buf).unwrap();
            assert!(buf == content, "capacity {start_capacity}");
            for limit in [size - 1, FIRST_READ as u64, FIRST_READ as u64 + 1, 5] {
                assert_eq!(
                    read_file(&path, limit, &mut buf),
                    Err(SkipReason::TooLarge { size, limit }),
                    "capacity {start_capacity}, limit {limit}"
                );
                assert!(buf.is_empty());
            }
        }
        // Exactly at the limit, and an empty file.
        std::fs::write(&path, &content[..FIRST_READ]).unwrap();
        let mut buf = Vec::new();
        read_file(&path, FIRST_READ as u64, &mut buf).unwrap();
        assert_eq!(buf.len(), FIRST_READ);
        std::fs::write(&path, b"").unwrap();
        read_file(&path, 0, &mut buf).unwrap();
        assert!(buf.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn reports_broken_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(dir.path().join("missing"), dir.path().join("dangling"))
            .unwrap();
        let (files, skips) = run(dir.path(), opts());
        assert!(files.is_empty());
        assert_eq!(skips[0].reason, SkipReason::BrokenSymlink);
    }

    #[cfg(unix)]
    #[test]
    fn names_symlink_loops_and_special_files_without_opening_them() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::os::unix::fs::symlink(r.join("loop-b"), r.join("loop-a")).unwrap();
        std::os::unix::fs::symlink(r.join("loop-a"), r.join("loop-b")).unwrap();
        std::os::unix::fs::symlink(r.join("self"), r.join("self")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(r.join("sock")).unwrap();
        let mkfifo = std::process::Command::new("mkfifo")
            .arg(r.join("pipe"))
            .status()
            .expect("mkfifo runs");
        assert!(mkfifo.success());
        std::fs::write(r.join("plain.txt"), "x").unwrap();
        let (files, mut skips) = run(r, opts());
        assert_eq!(files, ["plain.txt"]);
        skips.sort_by(|a, b| a.path.cmp(&b.path));
        let got: Vec<(&str, String)> = skips
            .iter()
            .map(|s| (s.path.as_str(), s.reason.describe()))
            .collect();
        assert_eq!(got.len(), 5, "{got:?}");
        for (path, reason) in &got[..2] {
            assert!(
                path.starts_with("loop-") && reason.starts_with("symlink loop"),
                "{got:?}"
            );
        }
        assert_eq!(got[2].0, "pipe");
        assert!(got[2].1.starts_with("FIFO"), "{got:?}");
        assert_eq!(got[3].0, "self");
        assert!(got[3].1.starts_with("symlink loop"), "{got:?}");
        assert_eq!(got[4].0, "sock");
        assert!(got[4].1.starts_with("socket"), "{got:?}");
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_stay_visible_and_exact() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::from_bytes(b"bad\xffname\n.txt");
        std::fs::write(dir.path().join(name), "x").unwrap();
        let (files, _) = run(dir.path(), opts());
        assert_eq!(files, ["bad\\xffname\n.txt"]);
        assert_eq!(crate::paths::to_path(&files[0]).as_os_str(), name);
    }

    #[test]
    fn bad_glob_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = walk(
            dir.path(),
            &WalkOptions {
                exclude: vec!["a[".into()],
                ..opts()
            },
            &|_| {},
            &|_| {},
        )
        .unwrap_err();
        assert_eq!(err.glob, "a[");
        assert!(err.to_string().contains("exclude glob `a[`"), "{err}");
    }
}
