//! OSV mirror folders for the monitoring tests: `npm/all.zip` of records built here, and a KEV
//! catalog, as `rampart db update --from DIR` reads them.

use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

/// An OSV record: `id` (aliases `aliases`) affects npm `pkg` from the start to `fixed`.
pub fn record(id: &str, aliases: &[&str], modified: &str, pkg: &str, fixed: &str) -> Value {
    json!({
        "id": id, "aliases": aliases, "modified": modified, "summary": format!("{id} in {pkg}"),
        "affected": [{"package": {"ecosystem": "npm", "name": pkg},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]
    })
}

/// Writes the mirror folder `dir`: `npm/all.zip` of `records`, and a KEV catalog of `kev`.
pub fn mirror(dir: &Path, records: &[Value], kev: &[&str]) {
    let npm = dir.join("npm");
    std::fs::create_dir_all(&npm).unwrap();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(npm.join("all.zip")).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for r in records {
        zip.start_file(format!("{}.json", r["id"].as_str().unwrap()), opts)
            .unwrap();
        zip.write_all(r.to_string().as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    let k = dir.join("kev");
    std::fs::create_dir_all(&k).unwrap();
    let vulns: Vec<Value> = kev.iter().map(|c| json!({"cveID": c})).collect();
    std::fs::write(
        k.join("known_exploited_vulnerabilities.json"),
        json!({"vulnerabilities": vulns}).to_string(),
    )
    .unwrap();
}

/// A CycloneDX 1.6 SBOM of npm `packages` (name, version).
pub fn cdx(packages: &[(&str, &str)]) -> Vec<u8> {
    let comps: Vec<Value> = packages
        .iter()
        .map(|(n, v)| json!({"type": "library", "name": n, "version": v, "purl": format!("pkg:npm/{n}@{v}")}))
        .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": comps})
        .to_string()
        .into_bytes()
}
