//! Autofixes that must apply only in some uses: the weak-hash rewrite is offered where the digest
//! is an opaque value (the hash of random or time data) and nowhere else, and gives exactly the
//! drop-in replacement of the same digest size. The weak-hash rules fire only where the digest
//! protects something (a token, nonce, key or password), so every text names one.

use rampart_sast::SastEngine;

/// The text after applying the fixes of `rule`'s findings on `text`, or `None` when the rule
/// fired without a fix. Panics when the rule does not fire at all.
fn fixed(rule: &str, path: &str, text: &str) -> Option<String> {
    let e = SastEngine::new();
    let out = rampart_core::testing::scan_text(&e, path, text);
    let hits: Vec<_> = out.findings.iter().filter(|f| f.rule_id == rule).collect();
    assert!(!hits.is_empty(), "{rule} does not fire on {text}");
    let edits: Vec<_> = hits
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|f| f.edits.iter())
        .collect();
    if edits.is_empty() {
        return None;
    }
    let bytes = rampart_core::fix::apply(text.as_bytes(), &edits).expect("edits apply");
    Some(String::from_utf8(bytes).expect("utf-8"))
}

#[test]
fn python_weak_hash_of_random_or_time_data_becomes_blake2b_of_the_same_size() {
    let r = "sast/python-weak-hash";
    assert_eq!(
        fixed(
            r,
            "a.py",
            "import hashlib, os\nnonce = hashlib.md5(os.urandom(16)).hexdigest()\n"
        )
        .as_deref(),
        Some(
            "import hashlib, os\nnonce = hashlib.blake2b(os.urandom(16), digest_size=16).hexdigest()\n"
        )
    );
    assert_eq!(
        fixed(
            r,
            "a.py",
            "import hashlib, time\ntoken = hashlib.sha1(str(time.time()).encode())\n"
        )
        .as_deref(),
        Some(
            "import hashlib, time\ntoken = hashlib.blake2b(str(time.time()).encode(), digest_size=20)\n"
        )
    );
    assert_eq!(
        fixed(
            r,
            "a.py",
            "import hashlib, uuid\napi_key = hashlib.new('md5', uuid.uuid4().bytes)\n"
        )
        .as_deref(),
        Some(
            "import hashlib, uuid\napi_key = hashlib.blake2b(uuid.uuid4().bytes, digest_size=16)\n"
        )
    );
}

#[test]
fn python_weak_hash_of_other_data_is_interoperable_and_gets_no_fix() {
    let r = "sast/python-weak-hash";
    for text in [
        "import hashlib\nh = hashlib.md5(password.encode()).hexdigest()\n",
        "import hashlib\ndef sign_request(body):\n    return hashlib.md5(body).hexdigest()\n",
        "import hashlib\nsession_key = hashlib.sha1()\nsession_key.update(os.urandom(8))\n",
        "import hashlib\nsecret = hashlib.new('sha1', data)\n",
    ] {
        assert_eq!(fixed(r, "a.py", text), None, "{text}");
    }
}

#[test]
fn js_weak_hash_of_random_or_time_data_becomes_shake256_of_the_same_length() {
    let r = "sast/js-weak-hash";
    assert_eq!(
        fixed(
            r,
            "a.js",
            "const crypto = require('crypto');\nconst token = crypto.createHash('md5').update(String(Math.random())).digest('hex');\n"
        )
        .as_deref(),
        Some("const crypto = require('crypto');\nconst token = crypto.createHash('shake256', { outputLength: 16 }).update(String(Math.random())).digest('hex');\n")
    );
    assert_eq!(
        fixed(
            r,
            "a.js",
            "import { createHash } from 'crypto';\nconst nonce = createHash(\"sha1\").update(`${Date.now()}`).digest('hex');\n"
        )
        .as_deref(),
        Some("import { createHash } from 'crypto';\nconst nonce = createHash(\"shake256\", { outputLength: 20 }).update(`${Date.now()}`).digest('hex');\n")
    );
}

#[test]
fn js_weak_hash_of_other_data_gets_no_fix_and_is_reported_once() {
    let r = "sast/js-weak-hash";
    for text in [
        "const crypto = require('crypto');\nconst h = crypto.createHash('md5').update(password).digest('hex');\n",
        "const crypto = require('crypto');\nconst sessionKey = crypto.createHash('sha1');\nsessionKey.update(crypto.randomBytes(8));\n",
    ] {
        assert_eq!(fixed(r, "a.js", text), None, "{text}");
    }
    let e = SastEngine::new();
    let text = "const crypto = require('crypto');\nconst token = crypto.createHash('md5').update(String(Math.random())).digest('hex');\n";
    let out = rampart_core::testing::scan_text(&e, "a.js", text);
    assert_eq!(out.findings.iter().filter(|f| f.rule_id == r).count(), 1);
}

#[test]
fn js_insecure_random_is_reported_at_the_sink_and_fixed_at_the_source() {
    let r = "sast/js-insecure-random";
    let text = "app.post('/login', (req, res) => {\n  const id = Math.random().toString(36).slice(2);\n  res.cookie('sid', id);\n});\n";
    let e = SastEngine::new();
    let out = rampart_core::testing::scan_text(&e, "a.js", text);
    let f = out.findings.iter().find(|f| f.rule_id == r).expect("fires");
    assert_eq!(f.location.start_line, 3, "the finding stands at the sink");
    assert_eq!(
        fixed(r, "a.js", text).as_deref(),
        Some(
            "app.post('/login', (req, res) => {\n  const id = crypto.randomUUID();\n  res.cookie('sid', id);\n});\n"
        )
    );
    // A number made from Math.random needs a choice of API: reported, no fix.
    let text = "app.post('/login', (req, res) => {\n  const n = Math.floor(Math.random() * 1e9);\n  res.cookie('sid', String(n));\n});\n";
    assert_eq!(fixed(r, "a.js", text), None);
}
