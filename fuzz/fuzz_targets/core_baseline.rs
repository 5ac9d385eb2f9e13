//! Baseline files (`--baseline`): reading one from disk, then filtering findings with it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_core::baseline::Baseline;

fuzz_target!(|data: &[u8]| {
    let path = rampart_fuzz::scratch_dir().join("baseline.json");
    std::fs::write(&path, data).expect("write the baseline to the scratch folder");
    if let Ok(b) = Baseline::read(&path) {
        let mut none = Vec::new();
        b.filter(&mut none);
    }
});
