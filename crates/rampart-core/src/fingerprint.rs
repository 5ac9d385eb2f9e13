//! Stable fingerprints.
//!
//! A fingerprint is the first 16 bytes (hex) of SHA-256 over the rule id, the file path and a
//! normalised form of what matched (for secrets: the secret's own SHA-256). Line numbers are not
//! part of it, so moving code or editing unrelated lines keeps it. When the same rule matches the
//! same content twice in one file, the second and later get `:2`, `:3`… in file order.

use crate::finding::Finding;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Collapses runs of white space and trims, so re-indentation does not change a fingerprint.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    hex(&digest)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The fingerprint of one (rule, path, key) triple, without the occurrence suffix.
pub fn fingerprint(rule_id: &str, path: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(key.as_bytes());
    hex(&h.finalize()[..16])
}

/// Sets the fingerprint of every finding; findings must be in file order.
pub fn assign(findings: &mut [Finding]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in findings.iter_mut() {
        let base = fingerprint(&f.rule_id, &f.location.path, &f.fingerprint_key);
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        f.fingerprint = if *n == 1 { base } else { format!("{base}:{n}") };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_whitespace_and_depends_on_rule_path_and_content() {
        assert_eq!(normalise("  a  =\n\tb "), "a = b");
        let a = fingerprint("r/x", "src/a.py", "eval(x)");
        assert_eq!(a, fingerprint("r/x", "src/a.py", &normalise("eval(x)  ")));
        assert_ne!(a, fingerprint("r/y", "src/a.py", "eval(x)"));
        assert_ne!(a, fingerprint("r/x", "src/b.py", "eval(x)"));
        assert_ne!(a, fingerprint("r/x", "src/a.py", "eval(y)"));
        assert_eq!(a.len(), 32);
    }
}
