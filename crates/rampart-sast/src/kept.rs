//! The text of a project file kept for the project pass (`finish`): in memory while the budget
//! `max_kept_text_bytes` allows, else read again from disk when the pass needs it and checked
//! against what was scanned (length and hash), so that what `finish` keeps does not grow with
//! the tree's size.

use rampart_core::SourceFile;
use rampart_core::source::Origin;
use std::hash::{DefaultHasher, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

/// A project file's text: in memory, or where to read it again.
pub enum KeptText {
    /// Kept in memory.
    Memory(Arc<SourceFile>),
    /// Dropped: read again from `abs` when needed.
    Disk {
        /// The path relative to the scan root.
        path: String,
        /// Where it is on disk.
        abs: PathBuf,
        /// Its length when scanned.
        len: usize,
        /// The hash of its content when scanned.
        hash: u64,
        /// Where the content came from.
        origin: Origin,
    },
}

impl KeptText {
    /// The text of `file`, kept in memory if `keep` or if it did not come from disk.
    pub fn new(file: &SourceFile, keep: bool) -> KeptText {
        match &file.abs_path {
            Some(abs) if !keep => KeptText::Disk {
                path: file.path.clone(),
                abs: abs.clone(),
                len: file.content.len(),
                hash: hash_of(&file.content),
                origin: file.origin.clone(),
            },
            _ => KeptText::Memory(Arc::new(SourceFile::new(
                file.path.clone(),
                file.content.clone(),
                file.origin.clone(),
            ))),
        }
    }

    /// The path relative to the scan root.
    pub fn path(&self) -> &str {
        match self {
            KeptText::Memory(f) => &f.path,
            KeptText::Disk { path, .. } => path,
        }
    }

    /// Whether the text is kept in memory.
    pub fn in_memory(&self) -> bool {
        matches!(self, KeptText::Memory(_))
    }

    /// The file: the kept one, or read again (`None` if it can no longer be read or is not what
    /// was scanned).
    pub fn load(&self) -> Option<Arc<SourceFile>> {
        match self {
            KeptText::Memory(f) => Some(f.clone()),
            KeptText::Disk {
                path,
                abs,
                len,
                hash,
                origin,
            } => {
                let content = std::fs::read(abs).ok()?;
                (content.len() == *len && hash_of(&content) == *hash)
                    .then(|| Arc::new(SourceFile::new(path.clone(), content, origin.clone())))
            }
        }
    }
}

fn hash_of(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_text_is_read_again_and_checked() {
        let dir = std::env::temp_dir().join(format!("rampart-kept-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let abs = dir.join("a.py");
        std::fs::write(&abs, b"x = 1\n").unwrap();
        let mut f = SourceFile::new("a.py", b"x = 1\n".to_vec(), Origin::WorkTree);
        f.abs_path = Some(abs.clone());
        let kept = KeptText::new(&f, true);
        assert!(kept.in_memory());
        let dropped = KeptText::new(&f, false);
        assert!(!dropped.in_memory());
        assert_eq!(dropped.path(), "a.py");
        assert_eq!(dropped.load().unwrap().content, b"x = 1\n");
        // Changed since it was scanned: not used.
        std::fs::write(&abs, b"x = 2\n").unwrap();
        assert!(dropped.load().is_none());
        assert_eq!(kept.load().unwrap().content, b"x = 1\n");
        // Not from disk: always kept.
        let mem = SourceFile::new("b.py", b"y\n".to_vec(), Origin::WorkTree);
        assert!(KeptText::new(&mem, false).in_memory());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
