//! Broken and hostile uploads: each is an error that says what is wrong, never a panic.

use rampart_ingest::{Format, ImportError, import, limits};
use serde_json::json;

fn data(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn err(bytes: &[u8]) -> String {
    match import(bytes, None) {
        Ok(i) => panic!("imported {} findings from a bad upload", i.findings.len()),
        Err(e) => e.to_string(),
    }
}

fn sarif(results: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": results}]}))
        .unwrap()
}

#[test]
fn not_json() {
    assert_eq!(
        err(b"{\"version\": \"2.1.0\",\n \"runs\": [}"),
        "the upload is not valid JSON: expected value at line 2, column 11"
    );
    assert!(err(b"").starts_with("the upload is empty: expected a JSON document"));
    assert!(err(b" \n\t").starts_with("the upload is empty"));
    assert_eq!(
        err(b"{\"runs\": []} x"),
        "the upload is not valid JSON: trailing characters at line 1, column 14"
    );
    assert!(
        err(b"\xff\xfe{}")
            .starts_with("the upload is not valid JSON: expected value at line 1, column 1")
    );
}

#[test]
fn every_prefix_of_a_real_log_is_an_error() {
    let full = data("checkov.sarif");
    assert!(import(&full, None).is_ok());
    for n in (0..full.len()).step_by(7) {
        let e = err(&full[..n]);
        assert!(
            e.starts_with("the upload is not valid JSON") || e.starts_with("the upload is empty"),
            "{n}: {e}"
        );
        if n > 0 && full[..n].iter().any(|b| !b.is_ascii_whitespace()) {
            assert!(e.contains("truncated?"), "{n}: {e}");
        }
    }
}

#[test]
fn not_an_object_or_no_known_format() {
    assert_eq!(
        err(b"[]"),
        "unknown format: the top-level JSON value is an array, not an object; accepted: SARIF 2.1.0 \
         (an object with `runs`), CycloneDX 1.4–1.6 JSON (`\"bomFormat\": \"CycloneDX\"`), SPDX 2.2–2.3 \
         JSON (`spdxVersion`) or a rampart JSON report 1.x (`schema_version` and `findings`)"
    );
    assert!(err(b"\"sarif\"").starts_with("unknown format: the top-level JSON value is a string"));
    assert!(err(b"null").starts_with("unknown format: the top-level JSON value is null"));
    let e = err(b"{}");
    assert!(
        e.starts_with("unknown format: a JSON object without `runs`, `bomFormat`"),
        "{e}"
    );
    assert!(e.contains("CycloneDX 1.4–1.6 JSON"), "{e}");
    let cdx = data("cyclonedx-py.cdx.json");
    assert_eq!(
        import(&cdx, Some(Format::Sarif)).unwrap_err().to_string(),
        "the upload was declared as SARIF but it looks like CycloneDX"
    );
    assert!(
        import(b"{\"a\": 1}", Some(Format::Spdx))
            .unwrap_err()
            .to_string()
            .starts_with("the upload was declared as SPDX but it has none of the marks")
    );
}

#[test]
fn xml_is_refused_by_name() {
    assert_eq!(
        err(&data("cyclonedx-py.cdx.xml")),
        "the upload is XML (a CycloneDX BOM): only JSON is accepted; export it as JSON (one of \
         SARIF 2.1.0 (an object with `runs`), CycloneDX 1.4–1.6 JSON (`\"bomFormat\": \"CycloneDX\"`), \
         SPDX 2.2–2.3 JSON (`spdxVersion`) or a rampart JSON report 1.x (`schema_version` and `findings`))"
    );
    assert!(err(b"\xef\xbb\xbf  <html/>").starts_with("the upload is XML: only JSON"));
}

#[test]
fn unsupported_versions() {
    let e = err(&data("cyclonedx-py-1.2.cdx.json"));
    assert_eq!(
        e,
        "/specVersion: CycloneDX version `1.2` is not supported; accepted: CycloneDX 1.4, 1.5 or 1.6 (JSON)"
    );
    let spdx = String::from_utf8(data("sbom4python.spdx.json")).unwrap();
    let e = err(spdx.replace("SPDX-2.3", "SPDX-2.1").as_bytes());
    assert_eq!(
        e,
        "/spdxVersion: SPDX version `SPDX-2.1` is not supported; accepted: SPDX 2.2 or 2.3 (JSON)"
    );
    let e = err(br#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}"#);
    assert_eq!(
        e,
        "/@context: SPDX version 3 (JSON-LD) is not supported; accepted: SPDX 2.2 or 2.3 (JSON)"
    );
    let e = err(br#"{"version": "2.0.0", "runs": []}"#);
    assert_eq!(
        e,
        "/version: SARIF version `2.0.0` is not supported; accepted: SARIF 2.1.0"
    );
    let e = err(br#"{"runs": []}"#);
    assert_eq!(e, "/version: missing; expected the SARIF version \"2.1.0\"");
    let e = err(br#"{"schema_version": "2.0", "findings": []}"#);
    assert_eq!(
        e,
        "/schema_version: a rampart JSON report version `2.0` is not supported; accepted: rampart JSON report schema 1.x"
    );
}

#[test]
fn wrong_types_in_required_fields_name_the_pointer() {
    let e = err(br#"{"version": "2.1.0", "runs": {}}"#);
    assert_eq!(e, "/runs: found an object; expected an array of runs");
    let e = err(&sarif(json!([{"message": {"text": "ok"}}, {"message": 5}])));
    assert_eq!(
        e,
        "/runs/0/results/1/message: found a number; expected an object with `text`"
    );
    let e = err(br#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": ["x"]}}}]}"#);
    assert_eq!(
        e,
        "/runs/0/tool/driver/name: found an array; expected the tool's name, a string"
    );
    let e = err(&sarif(json!([{"message": {"text": "ok"}}, "result"])));
    assert_eq!(
        e,
        "/runs/0/results/1: found a string; expected a result object"
    );
    let e =
        err(br#"{"schema_version": "1.0", "findings": [{"rule_id": "r", "severity": "severe"}]}"#);
    assert_eq!(
        e,
        "/findings/0/severity: found `severe`; expected critical, high, medium, low or info"
    );
    let e = err(br#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": [{"ruleId": "a", "ruleId": "b"}]}]}"#);
    assert_eq!(
        e,
        "line 1, column 102: found duplicate field `ruleId`; expected each key at most once in an object"
    );
}

#[test]
fn wrong_types_in_optional_fields_are_skipped_with_one_warning_each() {
    let bad_region = json!({"startLine": "12", "startColumn": -1, "snippet": {"text": 7}});
    let result = json!({"ruleId": "r", "level": 3, "message": {"text": "m"}, "properties": [],
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": bad_region}}]});
    let i = import(&sarif(json!([result.clone(), result])), None).unwrap();
    assert_eq!(i.findings.len(), 2);
    let f = &i.findings[0];
    assert_eq!((f.start_line, f.start_col, f.snippet.as_str()), (0, 0, ""));
    assert_eq!(f.severity, rampart_core::Severity::Medium);
    let w = &i.warnings;
    assert!(w.contains(&"/runs/0/results/0/level: found a number, expected a string; ignored (and once more like it)".to_string()), "{w:#?}");
    assert!(w.contains(&"/runs/0/results/0/locations/0/physicalLocation/region/startLine: found a string, expected a non-negative integer; ignored (and once more like it)".to_string()), "{w:#?}");
    assert!(w.iter().any(|w| w.starts_with("/runs/0/results/0/locations/0/physicalLocation/region/startColumn: found a negative number")), "{w:#?}");
    assert!(
        w.iter()
            .any(|w| w
                .starts_with("/runs/0/results/0/properties: found an array, expected an object")),
        "{w:#?}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // Unbalanced: skipped without recursion until the input ends.
    let e = err("[".repeat(100_000).as_bytes());
    assert_eq!(
        e,
        "the upload is not valid JSON: EOF while parsing a list (the document ends early: is it \
         truncated?) at line 1, column 100000"
    );
    assert!(err("{\"a\":".repeat(100_000).as_bytes()).contains("(the document ends early"));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(
        err(deep.as_bytes()).starts_with("unknown format: the top-level JSON value is an array")
    );
    // Deep where values are read: serde_json's recursion limit.
    let mut nested = json!({"type": "library", "name": "leaf"});
    for _ in 0..200 {
        nested = json!({"type": "library", "name": "n", "components": [nested]});
    }
    let bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [nested]});
    let e = err(&serde_json::to_vec(&bom).unwrap());
    assert!(
        e.starts_with("the JSON is nested too deeply at line 1, column ")
            && e.ends_with(": at most 128 levels of arrays and objects are accepted"),
        "{e}"
    );
    let props = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let log = format!(
        r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "t"}}}}, "results": [{{"message": {{"text": "m"}}, "properties": {{"x": {props}}}}}]}}]}}"#
    );
    assert!(err(log.as_bytes()).starts_with("the JSON is nested too deeply"));
    // Deep inside a key nobody reads: skipped without recursion.
    let ignored = format!(
        r#"{{"version": "2.1.0", "runs": [], "x": {}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(
        import(ignored.as_bytes(), None)
            .unwrap()
            .findings
            .is_empty()
    );
}

#[test]
fn huge_strings_are_cut_with_one_warning_per_kind() {
    let big = "é".repeat(1_000_000);
    let result = |n: usize| {
        json!({"ruleId": "r", "message": {"text": big}, "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": format!("{n}/{}", "d/".repeat(5_000))},
            "region": {"startLine": 1, "snippet": {"text": format!("{n}{big}")}}}}]})
    };
    let i = import(&sarif(json!([result(1), result(2), result(3)])), None).unwrap();
    for f in &i.findings {
        assert_eq!(f.message.chars().count(), limits::MESSAGE_MAX_CHARS);
        assert!(f.message.ends_with('…'));
        assert_eq!(f.snippet.chars().count(), limits::SNIPPET_MAX_CHARS);
        assert_eq!(f.path.len(), limits::PATH_MAX_BYTES);
    }
    let fps: std::collections::HashSet<&str> =
        i.findings.iter().map(|f| f.fingerprint.as_str()).collect();
    assert_eq!(
        fps.len(),
        3,
        "fingerprints come from the whole snippet, not the cut one"
    );
    assert_eq!(i.warnings.len(), 3, "{:#?}", i.warnings);
    assert!(
        i.warnings
            .iter()
            .all(|w| w.ends_with("(and 2 more like it)")),
        "{:#?}",
        i.warnings
    );
    for start in [
        "/runs/0/results/0/message: message longer than 4000 characters, cut",
        "/runs/0/results/0/locations/0/physicalLocation/region/snippet/text: snippet longer than 400 characters, cut",
        "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri: path longer than 4096 bytes, cut",
    ] {
        assert!(
            i.warnings.iter().any(|w| w.starts_with(start)),
            "{start}: {:#?}",
            i.warnings
        );
    }
}

#[test]
fn too_large() {
    let e = ImportError::TooLarge {
        what: "x".into(),
        limit: "y".into(),
    }
    .to_string();
    assert_eq!(e, "the upload is too large: x; the limit is y");
    let e = err(&vec![0u8; limits::MAX_INPUT_BYTES + 1]);
    assert_eq!(
        e,
        "the upload is too large: 268435457 bytes; the limit is 268435456 bytes (256 MiB)"
    );
    // More items in one array than any upload may hold (cheap items: empty strings).
    let mut doc = String::from(r#"{"spdxVersion": "SPDX-2.3", "documentDescribes": ["#);
    doc.push_str(&"\"\",".repeat(1_000_001));
    doc.push_str("\"\"]}");
    let e = err(doc.as_bytes());
    assert!(
        e.starts_with("the upload is too large: an array ending at line 1, column"),
        "{e}"
    );
    assert!(
        e.ends_with("has more than 1000000 items in one array; the limit is 1000000 items"),
        "{e}"
    );
}

#[test]
fn rule_data_copied_into_every_finding_is_bounded() {
    // A 1000-character title, 16 CWE ids and a 4 KiB help link, copied into 100,000 findings of
    // 40 bytes each: 600 MB from a 4 MB upload, unless bounded.
    let tags: Vec<String> = (1..=16).map(|n| format!("CWE-{n}")).collect();
    let rule = json!({"id": "r", "shortDescription": {"text": "t".repeat(1000)},
        "helpUri": format!("https://x/{}", "h".repeat(5000)), "properties": {"tags": tags}});
    let results: Vec<serde_json::Value> = (0..100_000)
        .map(|_| json!({"ruleId": "r", "message": {"text": ""}}))
        .collect();
    let log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": [rule]}}, "results": results}]});
    let bytes = serde_json::to_vec(&log).unwrap();
    let e = err(&bytes);
    assert!(
        e.starts_with("the upload is too large: the findings would take more memory"),
        "{e}"
    );
    assert!(
        e.ends_with(&format!(
            "the limit is {} bytes for this upload (64 MiB + 4 per input byte)",
            limits::output_budget(bytes.len())
        )),
        "{e}"
    );
    // The same rule with a thousand results is fine.
    let log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": [log["runs"][0]["tool"]["driver"]["rules"][0].clone()]}}, "results": &log["runs"][0]["results"].as_array().unwrap()[..1000]}]});
    let i = import(&serde_json::to_vec(&log).unwrap(), None).unwrap();
    assert_eq!(i.findings.len(), 1000);
    assert_eq!(i.findings[0].cwe.len(), 16);
    assert_eq!(
        i.findings[0].extra["helpUri"].as_str().unwrap().len(),
        limits::PATH_MAX_BYTES
    );
}

#[test]
fn json_kept_as_it_is_is_bounded() {
    let values = "0,".repeat(limits::MAX_KEPT_VALUES);
    let log = format!(
        r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "t"}}}}, "results": [{{"message": {{"text": "m"}}, "properties": {{"x": [{values}0]}}}}]}}]}}"#
    );
    let e = err(log.as_bytes());
    assert!(
        e.starts_with("the upload is too large: more than 4000000 JSON values in properties"),
        "{e}"
    );
    // Every import starts with the whole allowance again.
    let ok = sarif(json!([{"message": {"text": "m"}, "properties": {"x": [1, 2, 3]}}]));
    assert_eq!(
        import(&ok, None).unwrap().findings[0].extra["properties"]["x"],
        json!([1, 2, 3])
    );
}
