//! SBOMs: write CycloneDX 1.6 and SPDX 2.3 JSON from the lockfiles of a folder, and read
//! existing CycloneDX or SPDX SBOMs back into an inventory to check them.

use crate::ecosystem::Ecosystem;
use crate::inventory::{self, Lockfile, Package};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// File names scanned as SBOMs: `*.cdx.json`, `bom.json`, `*.spdx.json`.
pub fn is_sbom_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.ends_with(".cdx.json") || name == "bom.json" || name.ends_with(".spdx.json")
}

/// Parses a package URL into ecosystem, name and version.
pub fn parse_purl(purl: &str) -> Option<(Ecosystem, String, String)> {
    let rest = purl.strip_prefix("pkg:")?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (ty, path) = rest.split_once('/')?;
    let (path, version) = match path.rfind('@') {
        Some(i) if i > 0 => (&path[..i], decode(&path[i + 1..])),
        _ => (path, String::new()),
    };
    let segs: Vec<String> = path.split('/').map(decode).collect();
    let eco = match ty.to_ascii_lowercase().as_str() {
        "cargo" => Ecosystem::CratesIo,
        "npm" => Ecosystem::Npm,
        "pypi" => Ecosystem::PyPI,
        "golang" => Ecosystem::Go,
        "maven" => Ecosystem::Maven,
        "gem" => Ecosystem::RubyGems,
        "composer" => Ecosystem::Packagist,
        "nuget" => Ecosystem::NuGet,
        "pub" => Ecosystem::Pub,
        "hex" => Ecosystem::Hex,
        "swift" => Ecosystem::SwiftUrl,
        "deb" => Ecosystem::Debian,
        "apk" => Ecosystem::Alpine,
        _ => return None,
    };
    let name = match eco {
        Ecosystem::Maven => segs.join(":"),
        Ecosystem::Debian | Ecosystem::Alpine => segs.last().cloned().unwrap_or_default(),
        _ => segs.join("/"),
    };
    Some((eco, name, version))
}

/// The value of one hexadecimal digit.
fn hex_value(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Percent-decodes a purl part (bytes, so a `%` before a multi-byte character is kept as text).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(hi), Some(lo)) = (hex_value(b[i + 1]), hex_value(b[i + 2]))
        {
            out.push(hi << 4 | lo);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An SBOM that cannot be read at all (problems with single components are
/// [`Lockfile::errors`] of the inventory instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SbomError {
    /// Bytes that are not UTF-8.
    #[error("the SBOM is not valid UTF-8")]
    NotUtf8,
    /// A JSON syntax error at a line.
    #[error("{message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// What is wrong (without the position).
        message: String,
    },
    /// JSON that is neither CycloneDX nor SPDX.
    #[error("not a CycloneDX (`bomFormat`) or SPDX (`spdxVersion`) JSON SBOM")]
    NotAnSbom,
}

impl SbomError {
    /// The line the error is at, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            SbomError::Json { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Deepest nesting of CycloneDX components read; deeper ones are skipped with an error.
pub const MAX_COMPONENT_DEPTH: usize = 32;

/// The JSON type of a value, for messages.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The string fields of an SBOM element: `Some` strings, and one problem per field of another
/// type.
fn strings<'v>(
    v: &'v Value,
    keys: &[&str],
    at: &str,
    problems: &mut Vec<String>,
) -> Vec<Option<&'v str>> {
    keys.iter()
        .map(|k| match v.get(*k) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => {
                problems.push(format!(
                    "{at}: `{k}` is {}, expected a string",
                    type_name(other)
                ));
                None
            }
        })
        .collect()
}

/// What [`read_sbom`] found: purl, where the element is, its problems.
type Found = Vec<(Option<String>, String, Vec<String>)>;

/// A CycloneDX component's licences as one SPDX expression: an `expression` as written, else
/// the `license` ids (or names) joined with AND (every listed licence applies).
fn cyclonedx_license(comp: &Value) -> Option<String> {
    let list = comp.get("licenses")?.as_array()?;
    if let Some(e) = list
        .iter()
        .find_map(|l| l.get("expression").and_then(Value::as_str))
    {
        return Some(e.to_string());
    }
    let ids: Vec<&str> = list
        .iter()
        .filter_map(|l| {
            let lic = l.get("license")?;
            lic.get("id")
                .or_else(|| lic.get("name"))
                .and_then(Value::as_str)
        })
        .collect();
    match ids.as_slice() {
        [] => None,
        [one] => Some(one.to_string()),
        many => Some(
            many.iter()
                .map(|l| format!("({l})"))
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    }
}

/// The `components` list of a CycloneDX element at nesting `depth`, or `None` (with a problem
/// when it is not an array or too deep).
fn enter_components<'v>(
    node: &'v Value,
    at: String,
    depth: usize,
    found: &mut Found,
) -> Option<&'v [Value]> {
    let list = node.get("components")?;
    let Some(list) = list.as_array() else {
        found.push((
            None,
            String::new(),
            vec![format!(
                "{at}components is {}, expected an array",
                type_name(list)
            )],
        ));
        return None;
    };
    if depth >= MAX_COMPONENT_DEPTH {
        found.push((
            None,
            String::new(),
            vec![format!(
                "{at}components: nested deeper than {MAX_COMPONENT_DEPTH} levels: skipped"
            )],
        ));
        return None;
    }
    Some(list.as_slice())
}

/// Reads a CycloneDX or SPDX JSON SBOM into an inventory (components with a purl). Components
/// of the wrong shape (not an object, a `name` or `version` that is not a string…) are named in
/// [`Lockfile::errors`] with their index; the others are read.
pub fn read_sbom(bytes: &[u8]) -> Result<Lockfile, SbomError> {
    let text = std::str::from_utf8(bytes).map_err(|_| SbomError::NotUtf8)?;
    let v: Value = serde_json::from_str(text).map_err(|e| SbomError::Json {
        line: e.line(),
        message: inventory::json_message(&e),
    })?;
    let mut lf = Lockfile {
        format: String::new(),
        ..Lockfile::default()
    };
    let mut finder = inventory::LineFinder::new(text);
    let mut found: Found = Vec::new();
    // Licence expressions by the component's place (`components[3]`), for the policy engine.
    let mut licenses: std::collections::HashMap<String, String> = Default::default();
    if v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        lf.format = format!(
            "CycloneDX {}",
            v.get("specVersion").and_then(Value::as_str).unwrap_or("?")
        );
        // Depth-first, in document order (a component, then the components inside it), without
        // recursion.
        let mut stack: Vec<(&[Value], usize, String)> = Vec::new();
        if let Some(list) = enter_components(&v, String::new(), 0, &mut found) {
            stack.push((list, 0, String::new()));
        }
        while let Some((list, i, at)) = stack.last_mut() {
            let Some(comp) = list.get(*i) else {
                stack.pop();
                continue;
            };
            let here = format!("{at}components[{i}]");
            *i += 1;
            let mut problems = Vec::new();
            if !comp.is_object() {
                problems.push(format!(
                    "{here} is {}, expected an object: skipped",
                    type_name(comp)
                ));
                found.push((None, here, problems));
                continue;
            }
            let f = strings(comp, &["purl", "name", "version"], &here, &mut problems);
            if let Some(l) = cyclonedx_license(comp) {
                licenses.insert(here.clone(), l);
            }
            found.push((f[0].map(str::to_string), here.clone(), problems));
            let depth = stack.len();
            if let Some(inner) = enter_components(comp, format!("{here}."), depth, &mut found) {
                stack.push((inner, 0, format!("{here}.")));
            }
        }
    } else if v.get("spdxVersion").is_some() {
        lf.format = v
            .get("spdxVersion")
            .and_then(Value::as_str)
            .unwrap_or("SPDX")
            .to_string();
        let packages = v.get("packages").unwrap_or(&Value::Null);
        let list = match packages {
            Value::Null => &[][..],
            Value::Array(a) => a.as_slice(),
            other => {
                found.push((
                    None,
                    String::new(),
                    vec![format!(
                        "packages is {}, expected an array",
                        type_name(other)
                    )],
                ));
                &[][..]
            }
        };
        for (i, p) in list.iter().enumerate() {
            let here = format!("packages[{i}]");
            let mut problems = Vec::new();
            if !p.is_object() {
                problems.push(format!(
                    "{here} is {}, expected an object: skipped",
                    type_name(p)
                ));
                found.push((None, here, problems));
                continue;
            }
            strings(p, &["name", "versionInfo"], &here, &mut problems);
            let mut purl = None;
            let refs = p.get("externalRefs").and_then(Value::as_array);
            for (j, r) in refs.into_iter().flatten().enumerate() {
                let at = format!("{here}.externalRefs[{j}]");
                let f = strings(
                    r,
                    &["referenceType", "referenceLocator"],
                    &at,
                    &mut problems,
                );
                if f[0] == Some("purl") && purl.is_none() {
                    purl = f[1].map(str::to_string);
                }
            }
            let declared = ["licenseConcluded", "licenseDeclared"]
                .iter()
                .filter_map(|k| p.get(*k).and_then(Value::as_str))
                .find(|l| !matches!(l.trim(), "" | "NOASSERTION" | "NONE"));
            if let Some(l) = declared {
                licenses.insert(here.clone(), l.to_string());
            }
            found.push((purl, here, problems));
        }
    } else {
        return Err(SbomError::NotAnSbom);
    }
    for (purl, at, problems) in found {
        let parsed = purl.as_deref().and_then(parse_purl);
        let line = purl
            .as_deref()
            .map(|p| finder.find(&format!("\"{p}\"")))
            .unwrap_or(0);
        for p in problems {
            let what = if parsed.is_some() && !at.is_empty() {
                format!("{p}; checked by its purl")
            } else if !at.is_empty() && !p.ends_with("skipped") {
                format!("{p}: skipped")
            } else {
                p
            };
            lf.errors.push(inventory::ParseError::new(line, what));
        }
        if let Some((eco, name, version)) = parsed {
            let mut package = Package::new(eco, name, version, line);
            package.license = licenses.remove(&at);
            lf.packages.push(package);
        }
    }
    Ok(lf)
}

/// The lockfiles found under a folder (or the single lockfile given), parsed, with their paths
/// relative to `root`, and the manifests no lockfile resolves (their direct dependencies with
/// [`Package::declared`] ranges and no version). Parse errors are returned beside.
pub fn collect(root: &Path) -> (Vec<(String, Lockfile)>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let files: Vec<std::path::PathBuf> = if root.is_file() {
        vec![root.to_path_buf()]
    } else {
        ignore::WalkBuilder::new(root)
            .hidden(true)
            .filter_entry(|e| {
                let n = e.file_name().to_string_lossy();
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && matches!(n.as_ref(), "node_modules" | "target" | ".git" | "vendor"))
            })
            .build()
            .flatten()
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(|e| e.into_path())
            .filter(|p| {
                let p = p.to_string_lossy();
                inventory::is_lockfile(&p) || inventory::manifest::is_manifest(&p)
            })
            .collect()
    };
    let base = if root.is_file() {
        root.parent().unwrap_or(root)
    } else {
        root
    };
    let mut files = files;
    files.sort();
    for f in files {
        let rel = f
            .strip_prefix(base)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        let Ok(bytes) = std::fs::read(&f) else {
            errors.push(format!("{rel}: cannot read"));
            continue;
        };
        if !inventory::is_lockfile(&rel) {
            // A manifest: listed only when no lockfile resolves it (its direct dependencies,
            // with their declared ranges and no version).
            if let Some(m) = inventory::manifest::parse(&rel, &bytes)
                && !m.packages.is_empty()
                && inventory::manifest::find_lockfile(&m, &rel, &f, base).is_none()
            {
                for e in &m.errors {
                    errors.push(format!("{rel}:{}: {}", e.line, e.message));
                }
                let lf = Lockfile {
                    format: format!("{:?} (no lockfile)", m.kind),
                    packages: m.packages,
                    errors: m.errors,
                };
                out.push((rel, lf));
            }
            continue;
        }
        let dir = f.parent().map(Path::to_path_buf);
        let include =
            move |n: &str| -> Option<Vec<u8>> { std::fs::read(dir.as_ref()?.join(n)).ok() };
        let include_ref: &dyn Fn(&str) -> Option<Vec<u8>> = &include;
        if let Some(lf) = inventory::parse(&rel, &bytes, Some(include_ref)) {
            for e in &lf.errors {
                errors.push(format!("{rel}:{}: {}", e.line, e.message));
            }
            out.push((rel, lf));
        }
    }
    (out, errors)
}

fn timestamp() -> String {
    let d = rampart_core::date::Date::today();
    format!("{d}T00:00:00Z")
}

fn uuid_from(seed: &str) -> String {
    let h = rampart_core::fingerprint::sha256_hex(seed.as_bytes());
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Unique components over every lockfile: purl → (package, lockfiles, dependency purls).
fn components(
    lockfiles: &[(String, Lockfile)],
) -> BTreeMap<String, (Package, Vec<String>, HashSet<String>)> {
    let mut comps: BTreeMap<String, (Package, Vec<String>, HashSet<String>)> = BTreeMap::new();
    for (path, lf) in lockfiles {
        let graph = lf.graph();
        for (i, p) in lf.packages.iter().enumerate() {
            if p.version.is_empty() && p.declared.is_none() {
                continue;
            }
            let purl = p.purl();
            let deps: HashSet<String> = graph[i]
                .iter()
                .map(|&j| &lf.packages[j])
                .filter(|d| !d.version.is_empty())
                .map(Package::purl)
                .collect();
            let e = comps
                .entry(purl)
                .or_insert_with(|| (p.clone(), Vec::new(), HashSet::new()));
            if !e.1.contains(path) {
                e.1.push(path.clone());
            }
            e.2.extend(deps);
            if e.0.license.is_none() {
                e.0.license = p.license.clone();
            }
        }
    }
    comps
}

/// A CycloneDX 1.6 JSON document for the lockfiles of a project called `name`.
pub fn cyclonedx(name: &str, lockfiles: &[(String, Lockfile)]) -> Value {
    let comps = components(lockfiles);
    let root_ref = format!("root:{name}");
    let mut components = Vec::new();
    let mut deps = Vec::new();
    let mut direct = Vec::new();
    for (purl, (p, files, dependson)) in &comps {
        let mut c = json!({
            "type": "library",
            "bom-ref": purl,
            "name": p.name,
            "purl": purl,
        });
        if !p.version.is_empty() {
            c["version"] = json!(p.version);
        }
        if let Some(l) = &p.license {
            let lic = if l.contains(' ') || l.contains('(') {
                json!([{ "expression": l }])
            } else {
                json!([{ "license": { "id": l } }])
            };
            c["licenses"] = lic;
        }
        if p.dev == Some(true) {
            c["scope"] = json!("optional");
        }
        let mut props = vec![json!({"name": "rampart:ecosystem", "value": p.ecosystem.osv_name()})];
        for f in files {
            props.push(json!({"name": "rampart:lockfile", "value": f}));
        }
        if let Some(range) = &p.declared {
            // No lockfile resolves it: the range as declared, no version.
            props.push(json!({"name": "rampart:declared-range", "value": range}));
            props.push(json!({"name": "rampart:resolved", "value": "false"}));
        }
        if let Some(d) = p.direct {
            props.push(json!({"name": "rampart:direct", "value": d.to_string()}));
            if d {
                direct.push(purl.clone());
            }
        }
        c["properties"] = json!(props);
        components.push(c);
        let mut on: Vec<&String> = dependson
            .iter()
            .filter(|d| comps.contains_key(*d))
            .collect();
        on.sort();
        deps.push(json!({"ref": purl, "dependsOn": on}));
    }
    if direct.is_empty() {
        direct = comps.keys().cloned().collect();
    }
    deps.insert(0, json!({"ref": root_ref, "dependsOn": direct}));
    let seed = format!(
        "{name}:{}",
        comps.keys().cloned().collect::<Vec<_>>().join(",")
    );
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", uuid_from(&seed)),
        "version": 1,
        "metadata": {
            "timestamp": timestamp(),
            "tools": { "components": [ { "type": "application", "name": "rampart", "version": env!("CARGO_PKG_VERSION") } ] },
            "component": { "type": "application", "bom-ref": root_ref, "name": name }
        },
        "components": components,
        "dependencies": deps
    })
}

fn spdx_id(i: usize) -> String {
    format!("SPDXRef-Package-{i}")
}

/// An SPDX 2.3 JSON document for the lockfiles of a project called `name`.
pub fn spdx(name: &str, lockfiles: &[(String, Lockfile)]) -> Value {
    let comps = components(lockfiles);
    let ids: BTreeMap<&String, String> = comps
        .keys()
        .enumerate()
        .map(|(i, k)| (k, spdx_id(i + 1)))
        .collect();
    let mut packages = vec![json!({
        "SPDXID": "SPDXRef-Root",
        "name": name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": "APPLICATION"
    })];
    let mut rels = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Root"
    })];
    let any_direct = comps.values().any(|c| c.0.direct == Some(true));
    for (purl, (p, files, dependson)) in &comps {
        let id = &ids[purl];
        let mut pkg = json!({
            "SPDXID": id,
            "name": p.name,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": p.license.clone().unwrap_or_else(|| "NOASSERTION".into()),
            "copyrightText": "NOASSERTION",
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": purl
            }],
            "primaryPackagePurpose": "LIBRARY",
            "comment": match &p.declared {
                Some(range) => format!(
                    "from {}; declared range {range}, not resolved (no lockfile)",
                    files.join(", ")
                ),
                None => format!("from {}", files.join(", ")),
            }
        });
        if p.version.is_empty()
            && let Some(o) = pkg.as_object_mut()
        {
            o.remove("versionInfo");
        }
        if p.dev == Some(true) {
            pkg["attributionTexts"] = json!(["development dependency"]);
        }
        packages.push(pkg);
        if !any_direct || p.direct == Some(true) {
            rels.push(json!({
                "spdxElementId": "SPDXRef-Root",
                "relationshipType": if p.dev == Some(true) { "DEV_DEPENDENCY_OF" } else { "DEPENDS_ON" },
                "relatedSpdxElement": id
            }));
        }
        let mut on: Vec<&String> = dependson.iter().filter_map(|d| ids.get(d)).collect();
        on.sort();
        for d in on {
            rels.push(json!({"spdxElementId": id, "relationshipType": "DEPENDS_ON", "relatedSpdxElement": d}));
        }
    }
    // DEV_DEPENDENCY_OF reads "A is a dev dependency of B": swap the ends.
    for r in &mut rels {
        if r["relationshipType"] == "DEV_DEPENDENCY_OF" {
            let a = r["spdxElementId"].clone();
            r["spdxElementId"] = r["relatedSpdxElement"].clone();
            r["relatedSpdxElement"] = a;
        }
    }
    let seed = format!(
        "{name}:{}",
        comps.keys().cloned().collect::<Vec<_>>().join(",")
    );
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://spdx.org/spdxdocs/rampart-{name}-{}", uuid_from(&seed)),
        "creationInfo": {
            "created": timestamp(),
            "creators": [format!("Tool: rampart-{}", env!("CARGO_PKG_VERSION"))]
        },
        "packages": packages,
        "relationships": rels
    })
}

#[cfg(test)]
mod decode_tests {
    use super::decode;

    #[test]
    fn percent_escapes_decode_and_stray_percents_stay() {
        assert_eq!(decode("%40types%2Fnode"), "@types/node");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%+5x"), "%+5x");
        // Found by the `deps_sbom` fuzz target: a `%` before a two-byte character.
        assert_eq!(decode("%4\u{420}albel"), "%4\u{420}albel");
    }
}
