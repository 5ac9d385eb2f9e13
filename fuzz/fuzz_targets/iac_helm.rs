//! Go templates: a Helm chart of one template and its values (parts separated by 0xFF:
//! template, values.yaml, Chart.yaml), rendered and scanned by the IaC engine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_iac::IacEngine;
use std::sync::LazyLock;

static ENGINE: LazyLock<IacEngine> = LazyLock::new(IacEngine::new);

fuzz_target!(|data: &[u8]| {
    let parts = rampart_fuzz::parts(data, 3);
    let mut files: Vec<(&str, &[u8])> = vec![("chart/templates/deployment.yaml", parts[0])];
    if let Some(values) = parts.get(1) {
        files.push(("chart/values.yaml", values));
    }
    files.push((
        "chart/Chart.yaml",
        parts
            .get(2)
            .copied()
            .unwrap_or(b"apiVersion: v2\nname: chart\nversion: 0.1.0\n"),
    ));
    rampart_fuzz::scan_files(&*ENGINE, &files);
});
