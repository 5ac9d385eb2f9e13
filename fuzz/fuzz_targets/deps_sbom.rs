//! SBOM import (CycloneDX and SPDX JSON), then export of what was read in both formats.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_deps::sbom;

fuzz_target!(|data: &[u8]| {
    if let Ok(lf) = sbom::read_sbom(data) {
        for p in &lf.packages {
            let _ = sbom::parse_purl(&p.purl());
        }
        let files = vec![("bom.json".to_string(), lf)];
        let _ = sbom::cyclonedx("fuzz", &files);
        let _ = sbom::spdx("fuzz", &files);
    }
});
