//! False-positive filters applied to every candidate secret.

/// Shannon entropy of a string, in bits per byte.
pub fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Substrings (lower-case) that mark a value as a placeholder, not a secret.
const PLACEHOLDERS: &[&str] = &[
    "example",
    "xxxx",
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourtoken",
    "placeholder",
    "dummy",
    "redacted",
    "<",
    "${",
    "{{",
    "%(",
    "****",
    "0123456789",
    "123456789",
    "abcdefghij",
    "insert",
    "replace_me",
    "replaceme",
    "todo",
    "fixme",
    "fake",
    "sample",
    "notreal",
    "not_a_real",
    "not-a-real",
    "secret_here",
    "token_here",
    "key_here",
];

/// Whether a candidate secret looks like a placeholder or test value.
pub fn is_placeholder(secret: &str) -> bool {
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return true;
    }
    if lower.starts_with('$') || lower.starts_with("process.env") || lower.starts_with("os.environ")
    {
        return true;
    }
    if is_interpolation(secret) {
        return true;
    }
    // One character repeated (`aaaaaaaa`), or two alternating.
    let bytes = lower.as_bytes();
    let distinct = {
        let mut seen = [false; 256];
        bytes
            .iter()
            .filter(|&&b| !std::mem::replace(&mut seen[b as usize], true))
            .count()
    };
    bytes.len() >= 6 && distinct <= 2
}

/// Whether `s` holds `{identifier` followed by `}`, `(`, `[`, `.` or its end: an f-string,
/// `str.format`, C# or Ruby (`#{}`) interpolation, possibly cut short by a rule's regex.
fn has_expression_slot(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        if c != b'{' {
            return false;
        }
        let rest = &b[i + 1..];
        let n = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count();
        (n > 0 || rest.first() == Some(&b'}'))
            && matches!(rest.get(n), None | Some(b'}' | b'(' | b'[' | b'.'))
    })
}

/// Whether a value is a template or format-string slot rather than a value: `{password}`,
/// `{0}`, `#{pw}`, `%DB_PASS%`, `__TOKEN__`, `%s`, `:password` (a bind parameter).
fn is_interpolation(secret: &str) -> bool {
    let s = secret.trim_matches(|c| c == '"' || c == '\'');
    let ident = |t: &str| {
        !t.is_empty()
            && t.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '_' | '.' | '-' | ':' | '!' | '[' | ']' | '\'' | '"')
            })
    };
    if has_expression_slot(s) {
        return true;
    }
    if let Some(inner) = s.strip_prefix('%').and_then(|t| t.strip_suffix('%')) {
        return ident(inner);
    }
    if let Some(inner) = s.strip_prefix("__").and_then(|t| t.strip_suffix("__")) {
        return ident(inner);
    }
    matches!(s, "%s" | "%v" | "%d" | "?") || (s.starts_with(':') && ident(&s[1..]) && s.len() < 32)
}

/// Whether a value is a reference in code rather than a literal: a chain of identifiers joined by
/// dots (`request.service.config.credentials.accessKeyId`, `SyntaxKind.EndOfFile`), possibly ending
/// in `;`, `,` or `)`. Only contextual rules (which recognise a secret by its surroundings) use it:
/// format-specific rules have their own structure.
pub fn is_code_reference(secret: &str) -> bool {
    let s = secret.trim_end_matches([';', ',', ')', '(']);
    let mut parts = s.split('.');
    let ident = |p: &str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
    };
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    // Random passwords with a dot look like `qcvT4b8S.ZUaV1`: member accesses have no digits.
    !s.chars().any(|c| c.is_ascii_digit())
        && !rest.is_empty()
        && ident(first)
        && rest.iter().all(|p| ident(p))
}

/// Whether a path looks like a test fixture (findings there get lower confidence).
pub fn is_test_path(path: &str) -> bool {
    path.split('/').any(|seg| {
        matches!(
            seg,
            "test"
                | "tests"
                | "__tests__"
                | "spec"
                | "specs"
                | "fixtures"
                | "fixture"
                | "testdata"
                | "__fixtures__"
                | "__mocks__"
                | "mocks"
                | "test-data"
                | "test_data"
        )
    })
}

/// Whether a file is a lock file (full of integrity hashes).
pub fn is_lock_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "package-lock.json"
            | "npm-shrinkwrap.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | "bun.lock"
            | "Cargo.lock"
            | "poetry.lock"
            | "Pipfile.lock"
            | "uv.lock"
            | "pdm.lock"
            | "composer.lock"
            | "Gemfile.lock"
            | "go.sum"
            | "packages.lock.json"
            | "mix.lock"
            | "pubspec.lock"
            | "Package.resolved"
            | "gradle.lockfile"
            | "flake.lock"
    )
}

/// Whether content is minified (very long average lines) or named so.
pub fn is_minified(path: &str, content: &[u8]) -> bool {
    if path.contains(".min.") {
        return true;
    }
    if content.len() < 4096 {
        return false;
    }
    // More than 1,000 bytes per line on average: at most `len / 1001` lines. Counting stops
    // once there are more.
    let most = content.len() / 1001;
    memchr::memchr_iter(b'\n', content).take(most).count() < most
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_ranks_random_above_words() {
        assert!(entropy(b"aaaaaaaa") < 0.01);
        assert!(entropy(b"password") < 3.0);
        assert!(entropy(b"q8Zr4LmT2vXn9KpB7wYc") > 4.0);
    }

    #[test]
    fn placeholders() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "${TOKEN}",
            "<your-token>",
            "xxxxxxxxxxxx",
            "{{ secrets.X }}",
            "changeme",
            "aaaaaaaaaa",
            "abababab",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        assert!(!is_placeholder("q8Zr4LmT2vXn9KpB7wYc"));
        assert!(
            !is_placeholder("p{4ss w0rd"),
            "a brace followed by other text is not a slot"
        );
    }

    #[test]
    fn code_references() {
        assert!(is_code_reference(
            "request.service.config.credentials.accessKeyId;"
        ));
        assert!(is_code_reference("SyntaxKind.EndOfFile"));
        assert!(is_code_reference("settings.SECRET_KEY)"));
        assert!(!is_code_reference("q8Zr4LmT2vXn9KpB7wYc"));
        assert!(
            !is_code_reference("eyJhbGciOi.eyJzdWIiOiIx.3kq9"),
            "segments are checked as a whole: still looks like code, but JWT rules are not contextual"
        );
        assert!(!is_code_reference("Tr0ub4dor&3.x9"));
        assert!(
            !is_code_reference("qcvT4b8S.ZUaV1"),
            "a random password with a dot"
        );
        assert!(!is_code_reference("v1.0-8f7a"));
    }

    #[test]
    fn paths() {
        assert!(is_test_path("src/tests/fixtures/a.env"));
        assert!(!is_test_path("src/testing.rs"));
        assert!(is_lock_file("web/package-lock.json"));
        assert!(is_minified("a.min.js", b""));
    }
}
