//! CycloneDX and SPDX inventories: real tool output (tests/data, see its README) and small
//! hand-written documents for the cases those do not show.

use rampart_ingest::{Component, Format, Import, import};
use serde_json::json;

fn data(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str, format: Format) -> Import {
    let i = import(&data(name), None).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(i.format, format);
    i
}

fn get<'a>(i: &'a Import, name: &str) -> &'a Component {
    i.components
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no component {name}"))
}

fn direct(i: &Import) -> Vec<&str> {
    let mut d: Vec<&str> = i
        .components
        .iter()
        .filter(|c| c.direct == Some(true))
        .map(|c| c.name.as_str())
        .collect();
    d.sort();
    d
}

#[test]
fn cyclonedx_from_cyclonedx_py() {
    let i = read("cyclonedx-py.cdx.json", Format::CycloneDx);
    assert_eq!(i.components.len(), 14);
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    assert_eq!(direct(&i), ["Flask", "requests"]);
    assert!(
        i.components
            .iter()
            .all(|c| c.direct.is_some() && c.ecosystem == "pypi")
    );
    let c = get(&i, "MarkupSafe");
    assert_eq!(
        (c.version.as_str(), c.purl.as_deref(), c.direct),
        ("3.0.4", Some("pkg:pypi/markupsafe@3.0.4"), Some(false))
    );
}

#[test]
fn spdx_from_sbom4python() {
    // The document describes flask, which depends on the rest: flask is the project.
    let i = read("sbom4python.spdx.json", Format::Spdx);
    assert_eq!(i.components.len(), 6);
    assert!(i.components.iter().all(|c| c.name != "flask"));
    assert_eq!(
        direct(&i),
        ["blinker", "click", "itsdangerous", "jinja2", "werkzeug"]
    );
    let c = get(&i, "markupsafe");
    assert_eq!(
        (
            c.version.as_str(),
            c.purl.as_deref(),
            c.ecosystem.as_str(),
            c.direct
        ),
        (
            "3.0.4",
            Some("pkg:pypi/markupsafe@3.0.4"),
            "pypi",
            Some(false)
        )
    );
}

#[test]
fn cyclonedx_nested_components_and_no_graph() {
    let bom = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "components": [
            {"type": "library", "name": "app-lib", "version": "2.0", "purl": "pkg:maven/org.example/app-lib@2.0",
             "components": [
                 {"type": "library", "name": "shaded", "purl": "pkg:maven/com.x/shaded@1.1",
                  "components": [{"type": "library", "name": "deep", "version": "0.1"}]}
             ]},
            {"type": "library", "name": "left-pad", "version": "1.3.0", "purl": "pkg:npm/left-pad@1.3.0"},
            {"type": "library", "name": "odd", "purl": "not a purl"}
        ]
    });
    let i = import(&serde_json::to_vec(&bom).unwrap(), None).unwrap();
    let names: Vec<&str> = i.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["app-lib", "shaded", "deep", "left-pad", "odd"]);
    assert!(
        i.components.iter().all(|c| c.direct.is_none()),
        "no dependency graph"
    );
    let shaded = get(&i, "shaded");
    assert_eq!(
        (shaded.version.as_str(), shaded.ecosystem.as_str()),
        ("1.1", "maven")
    );
    assert_eq!(get(&i, "deep").ecosystem, "");
    assert!(
        i.warnings
            .iter()
            .any(|w| w.starts_with("/components/2/purl: `not a purl`")),
        "{:?}",
        i.warnings
    );

    // A nested component without its required name: the error names where.
    let mut bad = bom.clone();
    bad["components"][0]["components"][0]["components"][0] =
        json!({"type": "library", "version": "1"});
    let e = import(&serde_json::to_vec(&bad).unwrap(), None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "/components/0/components/0/components/0/name: missing; expected the component's name, a string"
    );
}

#[test]
fn cyclonedx_graph_without_the_root_entry_leaves_direct_unknown() {
    let bom = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"type": "application", "name": "svc", "bom-ref": "svc"}},
        "components": [{"type": "library", "name": "a", "bom-ref": "a"}],
        "dependencies": [{"ref": "a", "dependsOn": []}]
    });
    let i = import(&serde_json::to_vec(&bom).unwrap(), None).unwrap();
    assert_eq!(i.components[0].direct, None);
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains("no entry for the described component `svc`"))
    );
}

#[test]
fn spdx_dependency_of_and_no_relationships() {
    let doc = |rels: serde_json::Value| {
        json!({
            "spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT", "name": "x",
            "documentDescribes": ["SPDXRef-root"],
            "packages": [
                {"SPDXID": "SPDXRef-root", "name": "my-service"},
                {"SPDXID": "SPDXRef-a", "name": "a", "versionInfo": "1.0",
                 "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/a@1.0"}]},
                {"SPDXID": "SPDXRef-b", "name": "b",
                 "externalRefs": [{"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:b"},
                                  {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:golang/github.com/x/b@v0.2.0"}]}
            ],
            "relationships": rels
        })
    };
    let rels = json!([
        {"spdxElementId": "SPDXRef-a", "relationshipType": "DEV_DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-root"},
        {"spdxElementId": "SPDXRef-a", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-b"}
    ]);
    let i = import(&serde_json::to_vec(&doc(rels)).unwrap(), Some(Format::Spdx)).unwrap();
    let got: Vec<(&str, &str, &str, Option<bool>)> = i
        .components
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.version.as_str(),
                c.ecosystem.as_str(),
                c.direct,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a", "1.0", "npm", Some(true)),
            ("b", "v0.2.0", "golang", Some(false))
        ]
    );
    let i = import(&serde_json::to_vec(&doc(json!([]))).unwrap(), None).unwrap();
    assert_eq!(
        i.components.len(),
        2,
        "the root without a purl is the project"
    );
    assert!(i.components.iter().all(|c| c.direct.is_none()));
    // A relationship missing a required field.
    let bad = doc(json!([{"spdxElementId": "SPDXRef-a", "relatedSpdxElement": "SPDXRef-b"}]));
    let e = import(&serde_json::to_vec(&bad).unwrap(), None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "/relationships/0/relationshipType: missing; expected a relationship type, a string"
    );
}

/// Licences: CycloneDX ids, names and expressions; SPDX's concluded licence, else the declared
/// one, never `NOASSERTION` or `NONE`; repeats and blanks dropped.
#[test]
fn licences_are_read_from_both_formats() {
    let i = read("cyclonedx-py.cdx.json", Format::CycloneDx);
    assert_eq!(get(&i, "MarkupSafe").licenses, ["BSD-3-Clause"]);
    assert_eq!(
        get(&i, "Flask").licenses,
        ["License :: OSI Approved :: BSD License"]
    );
    let s = read("sbom4python.spdx.json", Format::Spdx);
    assert!(
        s.components.iter().all(|c| c.licenses.is_empty()),
        "NOASSERTION is no licence"
    );

    let cdx = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"name": "a", "version": "1", "purl": "pkg:npm/a@1", "licenses": [
            {"expression": "MIT OR Apache-2.0"}, {"license": {"id": "MIT"}}, {"license": {"id": "MIT"}},
            {"license": {"name": " "}}, "not an object"]}]});
    let i = import(cdx.to_string().as_bytes(), None).unwrap();
    assert_eq!(i.components[0].licenses, ["MIT OR Apache-2.0", "MIT"]);
    let spdx = json!({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "packages": [
        {"SPDXID": "SPDXRef-a", "name": "a", "versionInfo": "1", "licenseConcluded": "NOASSERTION", "licenseDeclared": "ISC",
         "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:npm/a@1"}]},
        {"SPDXID": "SPDXRef-b", "name": "b", "versionInfo": "2", "licenseConcluded": "Apache-2.0", "licenseDeclared": "MIT",
         "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:npm/b@2"}]}]});
    let i = import(spdx.to_string().as_bytes(), None).unwrap();
    assert_eq!(get(&i, "a").licenses, ["ISC"]);
    assert_eq!(get(&i, "b").licenses, ["Apache-2.0"]);
}
