//! Small protocol helpers: file URIs, and reading fields out of JSON parameters.
//!
//! The server speaks JSON through `serde_json::Value` rather than a typed protocol crate: it
//! uses a few dozen fields, and the values it builds are checked by the tests as a client sees
//! them.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The file a `file://` URI names (`None` for other schemes or malformed URIs).
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let url = url::Url::parse(uri).ok()?;
    if url.scheme() != "file" {
        return None;
    }
    url.to_file_path().ok()
}

/// The `file://` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> String {
    url::Url::from_file_path(path)
        .map(String::from)
        .unwrap_or_else(|_| format!("file://{}", path.display()))
}

/// A string field at a JSON pointer (`/textDocument/uri`).
pub fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Whether the client's capabilities have a `true` at a JSON pointer.
pub fn flag(capabilities: &Value, pointer: &str) -> bool {
    capabilities
        .pointer(pointer)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The path of `abs` relative to `root`, `/`-separated, if it is inside it. Symbolic links in
/// the folders are resolved first (the scan root is canonical), the file itself need not exist.
pub fn relative(root: &Path, abs: &Path) -> Option<String> {
    let canonical = abs.canonicalize().ok().or_else(|| {
        let parent = abs.parent()?.canonicalize().ok()?;
        Some(parent.join(abs.file_name()?))
    });
    let abs = canonical.unwrap_or_else(|| abs.to_path_buf());
    let rel = abs.strip_prefix(root).ok()?;
    let parts: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_with_percent_encoding() {
        let p = Path::new("/tmp/a b/ü#1.py");
        let uri = path_to_uri(p);
        assert_eq!(uri, "file:///tmp/a%20b/%C3%BC%231.py");
        assert_eq!(uri_to_path(&uri).unwrap(), p);
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(uri_to_path("not a uri"), None);
    }

    #[test]
    fn relative_paths_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("src")).unwrap();
        assert_eq!(
            relative(&root, &root.join("src/new.py")).as_deref(),
            Some("src/new.py")
        );
        assert_eq!(relative(&root, Path::new("/elsewhere/x.py")), None);
    }
}
