//! Package.resolved (SwiftPM, versions 1 to 3).

use super::{LineFinder, Lockfile, Package, jstr, read_json};
use crate::ecosystem::Ecosystem;
use serde_json::Value;

/// Package.resolved (SwiftPM, versions 1 to 3); packages are named by repository URL.
pub(super) fn package_resolved(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("Package.resolved");
    let Some(root) = lf.parsed(read_json(text)) else {
        return lf;
    };
    let pins = root
        .get("pins")
        .or_else(|| root.get("object").and_then(|o| o.get("pins")))
        .and_then(Value::as_array);
    let Some(pins) = pins else {
        lf.error(1, "no `pins`: not a Package.resolved file");
        return lf;
    };
    let mut finder = LineFinder::new(text);
    for pin in pins {
        let Some(url) = jstr(pin, "location").or_else(|| jstr(pin, "repositoryURL")) else {
            lf.error(0, "a pin has no location");
            continue;
        };
        let line = finder.find(&format!("\"{url}\""));
        let Some(version) = pin.get("state").and_then(|s| jstr(s, "version")) else {
            continue; // pinned to a branch or revision
        };
        let name = url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches(".git");
        lf.packages
            .push(Package::new(Ecosystem::SwiftUrl, name, version, line));
    }
    lf
}
