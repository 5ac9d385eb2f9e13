//! Packaged Helm charts: the IaC engine's own tar reader, on raw tar bytes and on gzip input
//! (`charts/*.tgz`), both bounded and never panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let a = rampart_iac::tgz::read_tar(data);
    for (p, _) in &a.files {
        assert!(!p.split('/').any(|c| c == ".."), "{p}");
    }
    let _ = rampart_iac::tgz::read_tgz(data);
});
