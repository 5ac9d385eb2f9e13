//! Kustomize: a kustomization.yaml and two files it may name (`a.yaml`, `b.yaml`; parts
//! separated by 0xFF), built in memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_iac::kustomize;

fuzz_target!(|data: &[u8]| {
    let parts = rampart_fuzz::parts(data, 3);
    let names = ["app/kustomization.yaml", "app/a.yaml", "app/b.yaml"];
    let files: Vec<(&str, String)> = names
        .iter()
        .zip(&parts)
        .map(|(n, p)| (*n, rampart_fuzz::lossy(p)))
        .collect();
    let read = |path: &str| {
        files
            .iter()
            .find(|(n, _)| *n == path)
            .map(|(_, t)| t.clone())
    };
    if let Some(build) = kustomize::build("app", &read) {
        for d in &build.docs {
            let _ = build.locate(&d.report_span());
        }
    }
});
