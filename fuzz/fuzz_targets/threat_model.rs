//! Threat models (rampart's format and Threagile's): parsing with positions, then everything
//! that reads a model — the threat rules, the diagram layout (SVG and Mermaid), the diff of a
//! model with itself, and drift discovery over the same text as a Kubernetes/compose file
//! (NetworkPolicies included), compared with the model with routes read from the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_core::Emitter;
use rampart_threat::{diagram, diff, drift};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut out = Emitter::default();
    let items = drift::discover("docker-compose.yml", text, &mut out);
    let found = drift::discover_all("k8s/app.yaml", text, &mut out);
    let _ = drift::discover("main.tf", text, &mut out);
    let Ok(model) = rampart_threat::parse_model("threatmodel.yaml", text) else {
        return;
    };
    let threats = rampart_threat::threats(&model);
    let _ = diff::markdown(&diff::diff(&threats, &threats), "threatmodel.yaml", "HEAD");
    let _ = diagram::svg(&model);
    let _ = diagram::mermaid(&model);
    let refs: Vec<&drift::Item> = items.iter().chain(&found.items).collect();
    let _ = drift::compare(&model, &refs);
    let policies: Vec<&drift::NetworkPolicy> = found.policies.iter().collect();
    let routes = rampart_sast::routes::find("app/views.py", text);
    let routes: Vec<&rampart_core::HttpRoute> = routes.iter().collect();
    let _ = drift::compare_with(&model, &refs, &policies, &routes, "");
});
