//! Errors of keys and envelopes. Each message says what is wrong and, where there is one, what
//! to do.

use std::path::PathBuf;

/// A key that cannot be read, written or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A key file to write is already there.
    #[error("{} already exists: choose another name, or remove it first (rampart never overwrites a key)", .0.display())]
    Exists(PathBuf),
    /// The key is encrypted and no passphrase was given.
    #[error(
        "the private key is encrypted: give its passphrase in an environment variable named by --passphrase-env VAR"
    )]
    NeedsPassphrase,
    /// The passphrase does not decrypt the key.
    #[error("cannot decrypt the private key: wrong passphrase (or a damaged file)")]
    WrongPassphrase,
    /// The key's encryption asks for more work or memory than rampart allows.
    #[error(
        "the key's encryption asks for too much work: {0}; re-encrypt it with rampart's settings"
    )]
    TooCostly(String),
    /// A key type or encryption rampart does not handle.
    #[error("unsupported key: {0}")]
    Unsupported(String),
    /// Bytes that are not a key.
    #[error("{0}")]
    Invalid(String),
    /// The system's random number generator failed.
    #[error("the system's random number generator failed")]
    Random,
    /// An error about a named file.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The error.
        source: Box<KeyError>,
    },
}

impl KeyError {
    /// This error, naming `path` (unless it already names a file).
    pub fn in_file(self, path: &std::path::Path) -> KeyError {
        match self {
            e @ (KeyError::Io { .. } | KeyError::Exists(_) | KeyError::File { .. }) => e,
            e => KeyError::File {
                path: path.to_path_buf(),
                source: Box::new(e),
            },
        }
    }
}
