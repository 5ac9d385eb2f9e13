//! Behaviour of the secrets engine on rules written inline, independent of the rule library.

use rampart_core::testing::scan_text;
use rampart_secrets::SecretsEngine;
use rampart_secrets::rule::Rule;
use rampart_secrets::validate::base62;

fn rule(id: &str, extra: &str) -> Rule {
    let text = format!(
        r#"id = "{id}"
title = "Test token"
severity = "high"
confidence = "high"
tags = ["test"]
why = "w"
fix = "f"
{extra}
[[examples]]
text = "a"
expect = true
[[examples]]
text = "b"
expect = true
[[examples]]
text = "c"
expect = false
[[examples]]
text = "d"
expect = false
"#
    );
    Rule::parse(&format!("{id}.toml"), &text).unwrap()
}

fn github_rule() -> Rule {
    rule(
        "gh",
        r#"keywords = ["ghp_"]
regex = '''\b(?P<secret>ghp_[A-Za-z0-9]{36})\b'''
validate = "github-crc32""#,
    )
}

fn token(random: &str) -> String {
    format!(
        "ghp_{random}{}",
        base62(crc32fast::hash(random.as_bytes()), 6)
    )
}

#[test]
fn finds_redacts_and_locates_the_secret() {
    let e = SecretsEngine::with_rules(vec![github_rule()]).unwrap();
    let t = token("Zq8LmT2vXn9KpB7wYcR4sD1fG6hJ3k");
    let text = format!("# config\nexport GITHUB_TOKEN=\"{t}\"\n");
    let out = scan_text(&e, "deploy.sh", &text);
    assert_eq!(out.findings.len(), 1);
    let f = &out.findings[0];
    assert_eq!(f.rule_id, "secrets/gh");
    assert_eq!((f.location.start_line, f.location.start_col), (2, 22));
    assert_eq!(f.snippet, "ghp_…(40 chars)");
    assert!(!f.message.contains(&t));
    let s = f.secret.as_ref().unwrap();
    assert_eq!(s.length, 40);
    assert_eq!(f.fingerprint_key, s.sha256);
    assert_eq!(f.mask.clone().unwrap(), 30..70);
}

#[test]
fn checksum_and_placeholders_filter() {
    let e = SecretsEngine::with_rules(vec![github_rule()]).unwrap();
    let mut bad = token("Zq8LmT2vXn9KpB7wYcR4sD1fG6hJ3k");
    bad.replace_range(39..40, if bad.ends_with('A') { "B" } else { "A" });
    assert!(
        scan_text(&e, "a.env", &format!("T={bad}"))
            .findings
            .is_empty()
    );
    let placeholder = format!("T=ghp_{}", "x".repeat(36));
    assert!(scan_text(&e, "a.env", &placeholder).findings.is_empty());
}

#[test]
fn keyword_must_be_on_the_line() {
    let r = rule(
        "pw",
        r#"keywords = ["password"]
regex = '''(?i)password\s*[:=]\s*(?P<secret>[^\s'"]{8,})'''
entropy = 2.5"#,
    );
    let e = SecretsEngine::with_rules(vec![r]).unwrap();
    assert_eq!(
        scan_text(&e, "a.ini", "db_password = Tr0ub4dor&3x\n")
            .findings
            .len(),
        1
    );
    assert!(
        scan_text(&e, "a.ini", "password = changeme\n")
            .findings
            .is_empty()
    );
    assert!(
        scan_text(&e, "a.ini", "password = aaaaaaaaaa\n")
            .findings
            .is_empty()
    );
}

#[test]
fn decodes_base64_one_level() {
    use base64::Engine as _;
    let e = SecretsEngine::with_rules(vec![github_rule()]).unwrap();
    let t = token("Ab9LmT2vXn9KpB7wYcR4sD1fG6hJ3k");
    let enc = base64::engine::general_purpose::STANDARD.encode(format!("{{\"token\": \"{t}\"}}"));
    let out = scan_text(&e, "values.yaml", &format!("data:\n  blob: {enc}\n"));
    assert_eq!(out.findings.len(), 1);
    let f = &out.findings[0];
    assert!(f.message.contains("base64-encoded"), "{}", f.message);
    assert_eq!(f.location.start_line, 2);
    assert_eq!(f.location.start_col, 9);
}

#[test]
fn test_paths_lower_confidence_and_lock_files_run_only_precise_rules() {
    let mut low_conf = rule(
        "generic",
        r#"keywords = ["token"]
regex = '''token\s*=\s*(?P<secret>[A-Za-z0-9]{20,})'''"#,
    );
    low_conf.meta.confidence = rampart_core::Confidence::Low;
    let e = SecretsEngine::with_rules(vec![github_rule(), low_conf]).unwrap();
    let t = token("Zq8LmT2vXn9KpB7wYcR4sD1fG6hJ3k");
    let text = format!("a: {t}\ntoken = Qm9vZ2xlR29vZ2xlR29vZ2xl\n");
    let out = scan_text(&e, "tests/fixtures/conf.txt", &text);
    assert_eq!(out.findings.len(), 2);
    assert!(
        out.findings
            .iter()
            .all(|f| f.tags.contains(&"test-path".into()))
    );
    assert_eq!(out.findings[0].confidence, rampart_core::Confidence::Medium);
    let out = scan_text(&e, "package-lock.json", &text);
    assert_eq!(
        out.findings.len(),
        1,
        "only high-confidence rules in lock files"
    );
}

#[test]
fn huge_single_line_and_invalid_utf8_do_not_break() {
    let e = SecretsEngine::with_rules(vec![github_rule()]).unwrap();
    let t = token("Zq8LmT2vXn9KpB7wYcR4sD1fG6hJ3k");
    let mut text = "ghp_ ".repeat(200_000);
    text.push_str(&t);
    let out = scan_text(&e, "big.min.js", &text);
    assert_eq!(out.findings.len(), 1);
    let mut bytes = b"\xff\xfe garbage ".to_vec();
    bytes.extend_from_slice(t.as_bytes());
    let file =
        rampart_core::SourceFile::new("x.bin", bytes, rampart_core::source::Origin::WorkTree);
    let ctx = rampart_core::ScanContext {
        root: std::env::temp_dir(),
        config: Default::default(),
        show_secrets: false,
    };
    let session = rampart_core::Engine::start(&e, &ctx).unwrap();
    let mut out = rampart_core::Emitter::default();
    session.scan_file(&file, &mut out);
    assert_eq!(out.findings.len(), 1);
}

#[test]
fn invalid_rules_are_named() {
    let err = Rule::parse("bad.toml", "id = \"bad\"\ntitle = 1\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.toml"), "{err}");
    let err = Rule::parse(
        "x.toml",
        "id = \"x\"\ntitle='t'\nseverity='high'\nconfidence='high'\nkeywords=['a']\nregex='('\nwhy='w'\nfix='f'\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("regex does not compile"), "{err}");
}

#[test]
fn binary_formats_are_not_read_whatever_the_case_of_their_extension() {
    use rampart_core::Engine;
    let e = SecretsEngine::new();
    for path in ["logo.png", "assets/Logo.PNG", "lib/app.Jar", "x/y.woff2"] {
        assert!(!e.wants(path), "{path}");
    }
    for path in [
        "src/main.rs",
        "config.json",
        ".env",
        "Makefile",
        "notes.png.txt",
        "png",
    ] {
        assert!(e.wants(path), "{path}");
    }
}

/// A format-specific rule (`gh`) and a rule that knows a token by its `token =` key only.
fn overlapping_rules(contextual: bool) -> SecretsEngine {
    let by_key = rule(
        "by-key",
        &format!(
            "contextual = {contextual}\nkeywords = [\"token\"]\n\
             regex = '''token\\s*=\\s*(?P<secret>[A-Za-z0-9_.]{{20,}})'''"
        ),
    );
    SecretsEngine::with_rules(vec![github_rule(), by_key]).unwrap()
}

#[test]
fn contextual_rules_lose_to_format_specific_ones() {
    let t = token("Zq8LmT2vXn9KpB7wYcR4sD1fG6hJ3k");
    let text = format!("token = {t}\n");
    let ids = |e: &SecretsEngine| {
        let mut v: Vec<String> = scan_text(e, "a.env", &text)
            .findings
            .iter()
            .map(|f| f.rule_id.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&overlapping_rules(true)), ["secrets/gh"]);
    assert_eq!(
        ids(&overlapping_rules(false)),
        ["secrets/by-key", "secrets/gh"],
        "format-specific rules never drop each other"
    );
}

#[test]
fn contextual_rules_drop_code_references() {
    let text = "token = settings.configuration.accessTokenValue\n";
    assert!(
        scan_text(&overlapping_rules(true), "a.py", text)
            .findings
            .is_empty()
    );
    assert_eq!(
        scan_text(&overlapping_rules(false), "a.py", text)
            .findings
            .len(),
        1
    );
}
