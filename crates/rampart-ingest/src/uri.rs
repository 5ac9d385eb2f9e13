//! SARIF `artifactLocation.uri` → rampart path text.

/// The path of a SARIF artifact URI: `file://` and percent-encoding undone, a `uriBaseId`-relative
/// reference kept as given, `./` stripped. An absolute `file://` URI under one of the run's
/// `originalUriBaseIds` (`roots`, each a `file://` URI ending in `/`) is made relative to it.
/// A raw `\` is a separator (Windows tools); the decoded bytes become rampart's path text
/// (`rampart_core::paths::escape_bytes`: a `\` inside a name is `\\`, a non-UTF-8 byte `\xNN`),
/// so a rampart SARIF location reads back as the path of the rampart JSON report.
pub(crate) fn to_path(uri: &str, roots: &[&str]) -> String {
    let mut rest = uri.trim();
    if let Some(p) = strip_prefix_ci(rest, "file:") {
        for root in roots {
            if let Some(r) = strip_prefix_ci(root, "file:")
                && r.ends_with('/')
                && let Some(rel) = p.strip_prefix(r)
            {
                return finish(rel);
            }
        }
        rest = p;
        if let Some(p) = rest.strip_prefix("//") {
            // file://host/path: drop the host (usually empty or `localhost`).
            rest = &p[p.find('/').unwrap_or(p.len())..];
        }
        // file:///C:/x → C:/x
        let b = rest.as_bytes();
        if b.len() >= 3
            && b[0] == b'/'
            && b[1].is_ascii_alphabetic()
            && (b[2] == b':' || b[2] == b'|')
        {
            rest = &rest[1..];
        }
    }
    finish(rest)
}

fn finish(s: &str) -> String {
    let s = s.split(['?', '#']).next().unwrap_or(s);
    let mut bytes = decode(s);
    let mut start = 0;
    while bytes[start..].starts_with(b"./") {
        start += 2;
    }
    bytes.drain(..start);
    rampart_core::paths::escape_bytes(&bytes)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    match s.get(..prefix.len()) {
        Some(p) if p.eq_ignore_ascii_case(prefix) => Some(&s[prefix.len()..]),
        _ => None,
    }
}

/// Percent-decodes to bytes; a raw `\` becomes `/`.
fn decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'\\' => out.push(b'/'),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::to_path;

    #[test]
    fn decodes_and_relativises() {
        assert_eq!(to_path("src/a.py", &[]), "src/a.py");
        assert_eq!(to_path("./././src/a%20b.py", &[]), "src/a b.py");
        assert_eq!(
            to_path("file:///home/u/repo/src/a.py", &[]),
            "/home/u/repo/src/a.py"
        );
        assert_eq!(
            to_path("file:///home/u/repo/src/a.py", &["file:///home/u/repo/"]),
            "src/a.py"
        );
        assert_eq!(to_path("file://localhost/etc/x", &[]), "/etc/x");
        assert_eq!(to_path("file:///C:/w/x.cs", &[]), "C:/w/x.cs");
        assert_eq!(to_path("src\\win\\x.cs", &[]), "src/win/x.cs");
        // rampart's own encoding: a backslash inside a name, a byte that is not UTF-8, a newline.
        assert_eq!(to_path("a%5Cb/%FF%0A.txt", &[]), "a\\\\b/\\xff\n.txt");
        assert_eq!(to_path("100%.txt", &[]), "100%.txt");
        assert_eq!(to_path("x%4", &[]), "x%4");
        assert_eq!(to_path("x%41", &[]), "xA");
        assert_eq!(to_path("", &[]), "");
    }
}
