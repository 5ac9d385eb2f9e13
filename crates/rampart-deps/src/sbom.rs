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

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a CycloneDX or SPDX JSON SBOM into an inventory (components with a purl).
pub fn read_sbom(bytes: &[u8]) -> Result<Lockfile, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the SBOM is not valid UTF-8".to_string())?;
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("invalid SBOM JSON at line {}: {e}", e.line()))?;
    let mut lf = Lockfile {
        format: String::new(),
        ..Lockfile::default()
    };
    let mut finder = inventory::LineFinder::new(text);
    let mut add = |purl: &str, lf: &mut Lockfile| {
        if let Some((eco, name, version)) = parse_purl(purl) {
            let line = finder.find(purl);
            lf.packages.push(Package::new(eco, name, version, line));
        }
    };
    if v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        lf.format = format!(
            "CycloneDX {}",
            v.get("specVersion").and_then(Value::as_str).unwrap_or("?")
        );
        fn walk(c: &Value, out: &mut Vec<String>) {
            for comp in c
                .get("components")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(p) = comp.get("purl").and_then(Value::as_str) {
                    out.push(p.to_string());
                }
                walk(comp, out);
            }
        }
        let mut purls = Vec::new();
        walk(&v, &mut purls);
        for p in purls {
            add(&p, &mut lf);
        }
        return Ok(lf);
    }
    if v.get("spdxVersion").is_some() {
        lf.format = v
            .get("spdxVersion")
            .and_then(Value::as_str)
            .unwrap_or("SPDX")
            .to_string();
        for p in v
            .get("packages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for r in p
                .get("externalRefs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if r.get("referenceType").and_then(Value::as_str) == Some("purl")
                    && let Some(loc) = r.get("referenceLocator").and_then(Value::as_str)
                {
                    add(loc, &mut lf);
                }
            }
        }
        return Ok(lf);
    }
    Err("not a CycloneDX (`bomFormat`) or SPDX (`spdxVersion`) JSON SBOM".into())
}

/// The lockfiles found under a folder (or the single lockfile given), parsed, with their paths
/// relative to `root`. Parse errors are returned beside.
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
            .filter(|p| inventory::is_lockfile(&p.to_string_lossy()))
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
            if p.version.is_empty() {
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
            "version": p.version,
            "purl": purl,
        });
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
            "comment": format!("from {}", files.join(", "))
        });
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
