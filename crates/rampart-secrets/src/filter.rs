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

/// Substrings (lower-case) that mark a value as a placeholder wherever they occur: long or
/// punctuation-made enough that a random secret practically never contains them.
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
    "redacted",
    "%(",
    "****",
    "0123456789",
    "123456789",
    "abcdefghij",
    "replace_me",
    "replaceme",
    "notreal",
    "not_a_real",
    "not-a-real",
    "secret_here",
    "token_here",
    "key_here",
];

/// Short words that mark a placeholder only as a word of their own (`sk_test_fake`,
/// `TODO-set-me`, `dummyToken`), not inside a random run of letters (`q8TodoZr` is random).
const PLACEHOLDER_WORDS: &[&str] = &["dummy", "insert", "todo", "fixme", "fake", "sample", "your"];

/// Whether a candidate secret looks like a placeholder or test value.
pub fn is_placeholder(secret: &str) -> bool {
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDERS.iter().any(|p| lower.contains(p)) || has_placeholder_word(secret) {
        return true;
    }
    if has_angle_slot(secret) || has_template_slot(secret) {
        return true;
    }
    // `$VAR`, `${VAR}`, `$(cmd)`: a variable; `$2b$…`, `$argon2id$…`: a crypt-style hash.
    if (lower.starts_with('$') && !is_crypt_prefix(lower.as_bytes()))
        || lower.starts_with("process.env")
        || lower.starts_with("os.environ")
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

/// Whether `s` starts like a crypt-style hash: `$`, up to ten letters or digits, `$`.
fn is_crypt_prefix(s: &[u8]) -> bool {
    let id = s[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    (1..=10).contains(&id) && s.get(1 + id) == Some(&b'$')
}

/// Whether one of `PLACEHOLDER_WORDS` is a word of `s`: a run of letters, or a camel-case part
/// of one (`dummyToken`, `myFakeKey`), that is the word.
fn has_placeholder_word(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        // One camel-case part: letters up to a lower-to-upper change or a non-letter.
        let start = i;
        i += 1;
        while i < b.len()
            && b[i].is_ascii_alphabetic()
            && !(b[i - 1].is_ascii_lowercase() && b[i].is_ascii_uppercase())
        {
            i += 1;
        }
        let part = &b[start..i];
        if PLACEHOLDER_WORDS
            .iter()
            .any(|w| part.eq_ignore_ascii_case(w.as_bytes()))
        {
            return true;
        }
    }
    false
}

/// Whether `s` holds `${name` or `{{ name` (a shell or template variable, perhaps cut short by
/// the rule's regex); `${.` or `{{]` inside a random salt is not one.
fn has_template_slot(s: &str) -> bool {
    let b = s.as_bytes();
    let slot = |rest: &[u8]| {
        let rest = rest.trim_ascii_start();
        rest.first()
            .is_none_or(|c| c.is_ascii_alphabetic() || b"_.$-".contains(c))
            && !rest.starts_with(b"..")
    };
    b.windows(2)
        .enumerate()
        .any(|(i, w)| (w == b"${" || w == b"{{") && slot(&b[i + 2..]))
}

/// Whether `s` holds a `<slot>`: `<`, a letter, then letters, digits, spaces, `_`, `-` or `.`
/// up to `>` (`<your-token>`, `<password>`). A lone `<` is a character like any other.
fn has_angle_slot(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'<'
            && b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic())
            && b[i + 1..]
                .iter()
                .position(|&c| c == b'>')
                .is_some_and(|end| {
                    b[i + 1..i + 1 + end]
                        .iter()
                        .all(|c| c.is_ascii_alphanumeric() || b" _-.".contains(c))
                })
    })
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

/// Folder names whose files hold test, fixture, example or documentation data.
const EXAMPLE_DIRS: &[(&str, &str)] = &[
    ("test", "a test folder"),
    ("tests", "a test folder"),
    ("__tests__", "a test folder"),
    ("testing", "a test folder"),
    ("spec", "a test folder"),
    ("specs", "a test folder"),
    ("e2e", "a test folder"),
    ("fixtures", "a fixture folder"),
    ("fixture", "a fixture folder"),
    ("__fixtures__", "a fixture folder"),
    ("testdata", "a fixture folder"),
    ("test-data", "a fixture folder"),
    ("test_data", "a fixture folder"),
    ("__mocks__", "a fixture folder"),
    ("mocks", "a fixture folder"),
    ("mock", "a fixture folder"),
    ("example", "an example folder"),
    ("examples", "an example folder"),
    ("sample", "an example folder"),
    ("samples", "an example folder"),
    ("demo", "an example folder"),
    ("demos", "an example folder"),
    ("tutorial", "an example folder"),
    ("tutorials", "an example folder"),
    ("doc", "a documentation folder"),
    ("docs", "a documentation folder"),
    ("documentation", "a documentation folder"),
    ("locale", "a translation catalogue"),
    ("locales", "a translation catalogue"),
    ("i18n", "a translation catalogue"),
    ("l10n", "a translation catalogue"),
    ("translations", "a translation catalogue"),
];

/// Why a file's credentials are likely test, fixture, example or documentation values, if they
/// are: a folder (`tests/`, `fixtures/`, `examples/`, `docs/`…) or a file name
/// (`test_x.py`, `x_test.go`, `x.spec.ts`, `XTest.java`, `conftest.py`, `.env.example`,
/// `config.sample.yml`, `settings.dist.php`). Findings there are kept at lower confidence and
/// severity, with this reason in the finding.
pub fn example_context(path: &str) -> Option<&'static str> {
    let mut segs = path.split('/');
    let name = segs.next_back().unwrap_or(path);
    for seg in segs {
        // (the names are lower case: no allocation per folder)
        if let Some((_, why)) = EXAMPLE_DIRS
            .iter()
            .find(|(d, _)| d.eq_ignore_ascii_case(seg))
        {
            return Some(why);
        }
    }
    let lower = name.to_ascii_lowercase();
    let stem = lower.rsplit_once('.').map_or(lower.as_str(), |(s, _)| s);
    if lower == "conftest.py"
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.ends_with("_spec")
        || [".test", ".spec", ".tests", ".e2e"]
            .iter()
            .any(|m| stem.ends_with(m))
        || name.ends_with("Test.java")
        || name.ends_with("Tests.java")
        || name.ends_with("Test.kt")
        || name.ends_with("Tests.cs")
        || name.ends_with("Test.php")
    {
        return Some("a test file");
    }
    if [".md", ".markdown", ".rst", ".adoc"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        return Some("a documentation file");
    }
    if lower.ends_with(".po") || lower.ends_with(".pot") {
        return Some("a translation catalogue");
    }
    let marked = |m: &str| lower.split(['.', '-', '_']).any(|part| part == m);
    if [
        "example", "examples", "sample", "dist", "template", "tmpl", "tpl", "demo",
    ]
    .iter()
    .any(|m| marked(m))
    {
        return Some("an example or template file");
    }
    None
}

/// Whether the line holding `at` is a documentation comment or doctest (`///`, `//!`, `>>>`,
/// `* @example`): a credential there is an example for readers.
pub fn in_doc_comment(hay: &[u8], at: usize) -> bool {
    let start = memchr::memrchr(b'\n', &hay[..at]).map_or(0, |p| p + 1);
    let line = &hay[start..at];
    let t = line.trim_ascii_start();
    t.starts_with(b"///") || t.starts_with(b"//!") || t.starts_with(b">>> ")
}

/// Whether a path looks like a test fixture or example (see `example_context`).
pub fn is_test_path(path: &str) -> bool {
    example_context(path).is_some()
}

/// Whether a contextual rule's value at `span` of `hay` is natural language or an identifier,
/// not a password: text in another script (`Has\u0142o`), words (`is_wordy`), a word continued
/// by another word after a space (`"CURRENT_PASSWORD": "Enter your current
/// password."` matches as `Enter`), or a value made of several dictionary-like words
/// (`Current password`). Random passwords mix cases, digits and symbols inside one token.
pub fn is_prose(hay: &[u8], span: std::ops::Range<usize>) -> bool {
    let secret = &hay[span.clone()];
    // Text in another script, raw or as JSON `\uXXXX` escapes: a translation, not a password.
    if !secret.is_ascii()
        || secret
            .windows(6)
            .any(|w| w[0] == b'\\' && w[1] == b'u' && w[2..].iter().all(u8::is_ascii_hexdigit))
    {
        return true;
    }
    if is_wordy(trim_punct(secret)) {
        return true;
    }
    let wordlike = |w: &[u8]| {
        let w = trim_punct(w);
        w.len() >= 2
            && w.iter()
                .all(|c| c.is_ascii_alphabetic() || *c == b'\'' || *c == b'-')
            && w.iter().any(|c| b"aeiouyAEIOUY".contains(c))
            && w[1..].iter().all(|c| !c.is_ascii_uppercase())
    };
    let words: Vec<&[u8]> = secret
        .split(|c| *c == b' ')
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() >= 2 {
        return words.iter().filter(|w| wordlike(w)).count() * 4 >= words.len() * 3;
    }
    if !wordlike(secret) {
        return false;
    }
    // One word: prose if the same string goes on with another word after a space.
    let after = &hay[span.end..hay.len().min(span.end + 40)];
    after.first() == Some(&b' ')
        && after[1..]
            .split(|c| *c == b' ')
            .next()
            .is_some_and(|w| !trim_punct(w).is_empty() && wordlike(w))
}

/// Whether a value is made of words rather than random characters: a capitalised word
/// (`Adgangskode`), or two or more words in an identifier or compound (`ICredentialObject`,
/// `confluenceCloudOAuth2Api`, `API-Passwort`, `Get-AnsibleParam`): letters nearly
/// throughout, in pieces (split at case changes, digits and punctuation) that average three
/// letters and a half or more, nearly all pronounceable. Random secrets break into short pieces
/// (`q8Zr4LmT2vXn9KpB`), passwords people write mix digits and symbols into theirs.
fn is_wordy(v: &[u8]) -> bool {
    if v.len() < 4 || v.len() > 64 {
        return false;
    }
    let mut pieces: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut others = 0;
    for i in 0..=v.len() {
        let split = i == v.len()
            || !v[i].is_ascii_alphabetic()
            || (i > start
                && ((v[i - 1].is_ascii_lowercase() && v[i].is_ascii_uppercase())
                    || (v[i - 1].is_ascii_uppercase()
                        && v[i].is_ascii_uppercase()
                        && v.get(i + 1).is_some_and(u8::is_ascii_lowercase))));
        if split {
            if i > start {
                pieces.push(&v[start..i]);
            }
            if i < v.len() && !v[i].is_ascii_alphabetic() {
                others += usize::from(!b"-_.".contains(&v[i]));
                start = i + 1;
            } else {
                start = i;
            }
        }
    }
    let letters: usize = pieces.iter().map(|p| p.len()).sum();
    if pieces.is_empty() || others * 100 > v.len() * 15 {
        return false;
    }
    let vowel = |p: &&[u8]| p.iter().any(|c| b"aeiouyAEIOUY".contains(c));
    // Abbreviations (`fts5`, `MQTT`, `API`) are words too, but not most of a value: random
    // capitals (`TQULDoWJO11AQEBSBOex`) break into such pieces.
    let unpronounceable: usize = pieces
        .iter()
        .filter(|p| p.len() >= 2 && (!vowel(p) || p.iter().all(u8::is_ascii_uppercase)))
        .map(|p| p.len())
        .sum();
    if unpronounceable * 3 > letters {
        return false;
    }
    if pieces.len() == 1 {
        let p = pieces[0];
        return p[0].is_ascii_uppercase() && p[1..].iter().all(u8::is_ascii_lowercase) && vowel(&p);
    }
    letters * 2 >= 7 * pieces.len()
}

/// `w` without the punctuation that ends or opens a word in a sentence.
fn trim_punct(w: &[u8]) -> &[u8] {
    let is_p = |c: &u8| b".,;:!?()\"'`".contains(c);
    let start = w.iter().position(|c| !is_p(c)).unwrap_or(w.len());
    let end = w.iter().rposition(|c| !is_p(c)).map_or(start, |e| e + 1);
    &w[start..end]
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
    fn placeholder_words_count_only_as_words() {
        for p in [
            "sk_test_fake_4eC39HqLyjWDarjtT1zdp7dc",
            "TODO-set-me-before-deploy",
            "insertPasswordHere",
            "myFakeToken",
            "<your-token>",
            "<password>",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for real in [
            "q8vTodoqZr4LmT2vXn9KpB7wYc",
            "Zq8LmT2vwFakeq9KpB7wYcR4sD1",
            "kT9<mQ2vLx%3Rb",
            "Amber1994!",
        ] {
            assert!(!is_placeholder(real), "{real}");
        }
    }

    #[test]
    fn prose_is_not_a_password() {
        let at = |hay: &str, secret: &str| {
            let s = hay.find(secret).unwrap();
            is_prose(hay.as_bytes(), s..s + secret.len())
        };
        assert!(at(
            r#""CURRENT_PASSWORD": "Enter your current password.","#,
            "Enter"
        ));
        assert!(at(
            r#"password_help = "Confirmation required""#,
            "Confirmation"
        ));
        assert!(at("'password': 'Mot de passe oublié'", "Mot de passe"));
        // rampart:ignore secrets/config-password-assignment synthetic password for the prose filter test
        assert!(!at(r#"password = "Tr0ub4dor&3""#, "Tr0ub4dor&3"));
        assert!(!at("password: correcthorse", "correcthorse"));
        assert!(at("password: Adgangskode", "Adgangskode"));
        assert!(at(
            "credentials: ICredentialDataDecryptedObject,",
            "ICredentialDataDecryptedObject"
        ));
        assert!(at(
            "'x': 'confluenceCloudOAuth2Api'",
            "confluenceCloudOAuth2Api"
        ));
        assert!(at(
            r#""password": "API-Passwort (leer lassen)""#,
            "API-Passwort"
        ));
        assert!(at(r#""password": "\u015eifre""#, r"\u015eifre"));
        assert!(!at(
            // rampart:ignore secrets/generic-high-entropy-secret synthetic token for the prose filter test
            "token: 7hQzKp2RwX9mVb4NcT6yLd1FsJ8gA3eU5",
            "7hQzKp2RwX9mVb4NcT6yLd1FsJ8gA3eU5"
        ));
        // rampart:ignore secrets/config-password-assignment synthetic password for the prose filter test
        assert!(!at(r#""PASSWORD": "superS3cret""#, "superS3cret"));
        // rampart:ignore secrets/config-password-assignment synthetic password for the prose filter test
        assert!(!at("password: B0bP4ssw0rd", "B0bP4ssw0rd"));
        // rampart:ignore secrets/config-password-assignment synthetic password for the prose filter test
        assert!(!at("PASS: TQULDoWJO11AQEBSBOex", "TQULDoWJO11AQEBSBOex"));
        assert!(!at("requirepass Xq3mZ8vL2pR9 # main", "Xq3mZ8vL2pR9"));
    }

    #[test]
    fn example_contexts_are_named() {
        assert_eq!(
            example_context("src/tests/fixtures/a.env"),
            Some("a test folder")
        );
        assert_eq!(
            example_context("pkg/docs/setup.md"),
            Some("a documentation folder")
        );
        assert_eq!(example_context("app/test_settings.py"), Some("a test file"));
        assert_eq!(example_context("web/login.spec.ts"), Some("a test file"));
        assert_eq!(example_context("db/store_test.go"), Some("a test file"));
        assert_eq!(
            example_context("deploy/.env.example"),
            Some("an example or template file")
        );
        assert_eq!(
            example_context("config/settings.dist.php"),
            Some("an example or template file")
        );
        assert_eq!(example_context("src/testing_utils/x.rs"), None);
        assert_eq!(example_context("src/contest.py"), None);
        assert_eq!(example_context("config/.env.production"), None);
        assert_eq!(
            example_context("src/options/doc.md"),
            Some("a documentation file")
        );
        assert_eq!(
            example_context("app/locale/ca/LC_MESSAGES/django.po"),
            Some("a translation catalogue")
        );
        assert!(in_doc_comment(
            b"fn a() {}\n    /// let u = \"ftp://a:b@h\";",
            20
        ));
        assert!(!in_doc_comment(b"let u = \"ftp://a:b@h\"; /// x", 12));
    }

    #[test]
    fn paths() {
        assert!(is_test_path("src/tests/fixtures/a.env"));
        assert!(!is_test_path("src/testing_utils.rs"));
        assert!(is_lock_file("web/package-lock.json"));
        assert!(is_minified("a.min.js", b""));
    }
}
