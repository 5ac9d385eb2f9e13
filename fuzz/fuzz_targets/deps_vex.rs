//! VEX documents (OpenVEX and CycloneDX VEX), then looking up a statement for a package.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_deps::Ecosystem;
use rampart_deps::inventory::Package;
use rampart_deps::vex;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(statements) = vex::parse(text, "vex.json") {
        let pkg = Package::new(Ecosystem::Npm, "@scope/pkg", "1.0.0", 1);
        let ids: Vec<String> = statements.iter().map(|s| s.vulnerability.clone()).collect();
        let _ = vex::find(&statements, &ids, &pkg);
    }
});
