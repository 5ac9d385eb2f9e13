//! Kustomize overlays built and scanned end to end.

use rampart_core::{Emitter, Finding};

mod common;
use common::{Wanted, by_rule, no_root, scan_dir, scan_text};

/// Scans in-memory files, every one handed to the engine.
fn scan_mem(files: &[(&str, &str)]) -> Emitter {
    scan_text(&no_root(), files, Wanted::All)
}

fn at(f: &Finding) -> (String, usize) {
    (f.location.path.clone(), f.location.start_line)
}

#[test]
fn overlays_built_findings_at_their_source_lines() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kustomize");
    let out = scan_dir(&root);

    // The prod patch makes the container privileged: reported at the patch's line.
    let priv_: Vec<_> = by_rule(&out, "k8s-privileged-container");
    let priv_at: Vec<_> = priv_.iter().map(|f| at(f)).collect();
    assert!(
        priv_at.contains(&("overlays/prod/privileged.yaml".into(), 11)),
        "{priv_at:?}"
    );
    // The standalone pod (in no kustomization) is scanned alone; the patch file is not.
    assert!(
        priv_at.contains(&("standalone/pod.yaml".into(), 10)),
        "{priv_at:?}"
    );
    assert_eq!(priv_.len(), 2, "{priv_at:?}");
    let prod = priv_
        .iter()
        .find(|f| f.location.path == "overlays/prod/privileged.yaml")
        .unwrap();
    assert!(
        prod.message.contains("Deployment/prod/prod-web"),
        "{}",
        prod.message
    );
    assert!(prod.message.contains("overlays/prod"), "{}", prod.message);

    // hostNetwork: the base sets it, prod's JSON 6902 patch turns it off, dev keeps it: one
    // finding, on the base's line, naming dev.
    let hn = by_rule(&out, "k8s-host-network");
    assert_eq!(hn.len(), 1, "{hn:#?}");
    assert_eq!(at(hn[0]), ("base/deployment.yaml".into(), 8));
    assert!(hn[0].message.contains("overlays/dev"), "{}", hn[0].message);

    // images: prod pins by digest (no finding in prod); dev sets `latest`, reported on the
    // kustomization's images entry.
    let latest = by_rule(&out, "k8s-image-latest");
    let latest_at: Vec<_> = latest.iter().map(|f| at(f)).collect();
    assert_eq!(latest_at, [("overlays/dev/kustomization.yaml".into(), 5)]);
    let digest = by_rule(&out, "k8s-image-not-pinned-by-digest");
    let digest_at: Vec<_> = digest.iter().map(|f| at(f)).collect();
    assert!(
        !digest_at
            .iter()
            .any(|(p, _)| p.starts_with("overlays/prod")),
        "{digest_at:?}"
    );
    assert!(
        digest_at.contains(&("overlays/dev/kustomization.yaml".into(), 5)),
        "{digest_at:?}"
    );
    assert!(
        digest_at.contains(&("standalone/pod.yaml".into(), 8)),
        "{digest_at:?}"
    );
    // The base is not reported on its own (every kustomization that includes it was built).
    assert!(
        !digest_at.contains(&("base/deployment.yaml".into(), 11)),
        "{digest_at:?}"
    );

    // The remote resource is a note naming it.
    let notes: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("https://github.com/example/remote"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(
        notes[0].path.as_deref(),
        Some("overlays/prod/kustomization.yaml")
    );
    assert_eq!(notes[0].line, Some(7));
    assert_eq!(notes[0].level, rampart_core::DiagnosticLevel::Note);
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.25\n";

#[test]
fn inline_strategic_patch_points_at_the_kustomization_line() {
    let k = "resources:\n  - deploy.yaml\npatches:\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: web\n      spec:\n        template:\n          spec:\n            hostPID: true\n";
    let out = scan_mem(&[("app/deploy.yaml", DEPLOY), ("app/kustomization.yaml", k)]);
    let pid = by_rule(&out, "k8s-host-pid");
    assert_eq!(pid.len(), 1, "{:#?}", out.findings);
    assert_eq!(at(pid[0]), ("app/kustomization.yaml".into(), 12));
    assert_eq!(pid[0].snippet, "hostPID: true");
}

#[test]
fn cyclic_and_broken_kustomizations_are_diagnostics() {
    let out = scan_mem(&[
        (
            "a/kustomization.yaml",
            "resources:\n  - ../b\n  - deploy.yaml\n",
        ),
        ("a/deploy.yaml", DEPLOY),
        ("b/kustomization.yaml", "resources:\n  - ../a\n"),
        ("c/kustomization.yaml", "resources: [\n"),
        ("d/kustomization.yaml", "resources:\n  - missing.yaml\n"),
    ]);
    let msgs: Vec<String> = out
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.path.as_deref().unwrap_or(""), d.message))
        .collect();
    assert!(
        msgs.iter().any(|m| m.contains("kustomization cycle")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("c/kustomization.yaml: YAML syntax error")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("d/kustomization.yaml") && m.contains("missing.yaml")),
        "{msgs:?}"
    );
    // The deployment is still scanned (through the cycle's build).
    assert!(!by_rule(&out, "k8s-image-not-pinned-by-digest").is_empty());
}

#[test]
fn a_broken_manifest_in_a_kustomization_is_reported_once() {
    let out = scan_mem(&[
        ("app/kustomization.yaml", "resources:\n  - deploy.yaml\n"),
        (
            "app/deploy.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: [\n",
        ),
    ]);
    let errors: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.path.as_deref() == Some("app/deploy.yaml"))
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", out.diagnostics);
}

#[test]
fn delete_patch_removes_the_object() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  hostPID: true\n  containers:\n    - name: c\n      image: busybox:1.36\n";
    let k = "resources:\n  - pod.yaml\n  - deploy.yaml\npatchesStrategicMerge:\n  - |-\n    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: debug\n    $patch: delete\n";
    let out = scan_mem(&[
        ("o/pod.yaml", pod),
        ("o/deploy.yaml", DEPLOY),
        ("o/kustomization.yaml", k),
    ]);
    assert!(
        by_rule(&out, "k8s-host-pid").is_empty(),
        "{:#?}",
        out.findings
    );
    assert!(!by_rule(&out, "k8s-image-not-pinned-by-digest").is_empty());
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn odd_kustomizations_never_panic() {
    let cases = [
        "",
        "resources: 5\n",
        "resources: [5, {a: 1}, '', /abs, ../../../../up]\n",
        "patches: [{path: 3}, {patch: 4}, {}, 5]\n",
        "images: [{}, 1, {name: nginx, newTag: [1]}]\nresources: [d.yaml]\n",
        "patchesJson6902: [{target: {kind: X}, patch: \"- op: nope\"}, {path: d.yaml}]\nresources: [d.yaml]\n",
        "namePrefix: [1]\nnamespace: {a: 1}\ncommonLabels: [1]\nresources: [d.yaml]\n",
        "patches:\n  - target: {kind: \"(\"}\n    patch: \"- {op: add, path: /x, value: 1}\"\nresources: [d.yaml]\n",
        "components: [c, 'https://x']\nresources: [d.yaml]\n",
        "- a\n- b\n",
        "patchesStrategicMerge: [\"kind: Pod\\nmetadata: {name: x}\\n\", d.yaml]\nresources: [d.yaml]\n",
    ];
    for c in cases {
        let _ = scan_mem(&[
            ("k/kustomization.yaml", c),
            ("k/d.yaml", DEPLOY),
            (
                "k/c/kustomization.yaml",
                "kind: Component\npatches: [{path: p.yaml}]\n",
            ),
        ]);
    }
}

/// Generated ConfigMaps and Secrets reach the checks, with findings where the values were
/// written; `replacements` copy values (and their positions) into other objects.
#[test]
fn generators_and_replacements() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kustomize-gen");
    let out = scan_dir(&root);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let mut keys: Vec<_> = by_rule(&out, "k8s-configmap-private-key")
        .iter()
        .map(|f| at(f))
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            ("kustomization.yaml".to_string(), 8),
            ("tls.key".to_string(), 1)
        ]
    );
    let mut latest: Vec<_> = by_rule(&out, "k8s-image-latest")
        .iter()
        .map(|f| at(f))
        .collect();
    latest.sort();
    assert_eq!(
        latest,
        [("app.env".to_string(), 2), ("app.env".to_string(), 3)],
        "{:#?}",
        out.findings
    );
}

#[test]
fn generated_objects_merge_and_options() {
    let files = [
        (
            "k/kustomization.yaml",
            "resources: [cm.yaml]\nconfigMapGenerator:\n  - name: base\n    behavior: merge\n    literals: [B=2]\n  - name: r\n    behavior: replace\n    literals: [C=3]\nsecretGenerator:\n  - name: s\n    literals: [\"password=hunter2\"]\n    type: kubernetes.io/basic-auth\n    options:\n      labels: {team: a}\n      immutable: true\n",
        ),
        (
            "k/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: base}\ndata: {A: \"1\"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: r}\ndata: {Z: \"9\"}\n",
        ),
    ];
    let read = |p: &str| files.iter().find(|f| f.0 == p).map(|f| f.1.to_string());
    let b = rampart_iac::kustomize::build("k", &read).unwrap();
    assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
    let json: Vec<String> = b.docs.iter().map(|d| d.to_json().to_string()).collect();
    assert_eq!(
        json,
        [
            r#"{"apiVersion":"v1","data":{"A":"1","B":"2"},"kind":"ConfigMap","metadata":{"name":"base"}}"#,
            r#"{"apiVersion":"v1","data":{"C":"3"},"kind":"ConfigMap","metadata":{"name":"r"}}"#,
            r#"{"apiVersion":"v1","data":{"password":"aHVudGVyMg=="},"immutable":true,"kind":"Secret","metadata":{"labels":{"team":"a"},"name":"s"},"type":"kubernetes.io/basic-auth"}"#,
        ]
    );
}

#[test]
fn malformed_generators_and_replacements_are_diagnostics() {
    let out = scan_mem(&[(
        "m/kustomization.yaml",
        "configMapGenerator:\n  - literals: [A=1]\n  - name: x\n    literals: [novalue]\n    files: [missing.txt]\n  - name: y\n    behavior: merge\n  - name: z\n    behavior: upsert\n  - just a string\nsecretGenerator: {name: s}\nreplacements:\n  - source: {kind: Nope}\n    targets: []\n  - targets: []\n  - path: gone.yaml\n",
    )]);
    let mut msgs: Vec<String> = out
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{} {}",
                d.path.as_deref().unwrap_or(""),
                d.line.unwrap_or(0),
                d.message
            )
        })
        .collect();
    msgs.sort();
    let want = [
        "m/kustomization.yaml:10 a `configMapGenerator` entry must be a mapping",
        "m/kustomization.yaml:11 `secretGenerator` must be a list",
        "m/kustomization.yaml:13 replacement source matches no object",
        "m/kustomization.yaml:15 a replacement needs a `source` mapping",
        "m/kustomization.yaml:16 replacement file `gone.yaml` not found",
        "m/kustomization.yaml:2 a `configMapGenerator` entry needs a `name`",
        "m/kustomization.yaml:4 `configMapGenerator` literal `novalue` is not `KEY=VALUE`",
        "m/kustomization.yaml:5 `configMapGenerator` file `missing.txt` not found",
        "m/kustomization.yaml:6 `configMapGenerator` `y` has behavior `merge` but no ConfigMap of that name comes from the resources",
        "m/kustomization.yaml:8 `configMapGenerator` behavior `upsert` is not create, merge or replace",
    ];
    assert_eq!(msgs, want);
}

#[test]
fn replacements_create_wildcards_and_dotted_keys() {
    let files = [
        (
            "k/kustomization.yaml",
            "resources: [r.yaml]\nreplacements:\n  - path: reps.yaml\n",
        ),
        (
            "k/reps.yaml",
            "- source: {kind: ConfigMap, name: src, fieldPath: data.ns}\n  targets:\n    - select: {kind: Deployment}\n      fieldPaths:\n        - spec.template.spec.containers.*.env.[name=NS].value\n        - metadata.annotations.[example.com/ns]\n        - spec.template.metadata.labels.ns\n      options: {create: true}\n    - select: {kind: Deployment}\n      reject: [{name: web}]\n      fieldPaths: [metadata.labels.never]\n      options: {create: true}\n",
        ),
        (
            "k/r.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: src}\ndata: {ns: team-a}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, annotations: {example.com/ns: x}}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: a, env: [{name: NS, value: old}]}\n        - {name: b, env: [{name: NS, value: old}, {name: O, value: keep}]}\n",
        ),
    ];
    let read = |p: &str| files.iter().find(|f| f.0 == p).map(|f| f.1.to_string());
    let b = rampart_iac::kustomize::build("k", &read).unwrap();
    assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
    assert_eq!(
        b.docs[1].to_json().to_string(),
        r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{"example.com/ns":"team-a"},"name":"web"},"spec":{"template":{"metadata":{"labels":{"ns":"team-a"}},"spec":{"containers":[{"env":[{"name":"NS","value":"team-a"}],"name":"a"},{"env":[{"name":"NS","value":"team-a"},{"name":"O","value":"keep"}],"name":"b"}]}}}}"#
    );
}
