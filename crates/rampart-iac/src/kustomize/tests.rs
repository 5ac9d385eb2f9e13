//! Unit tests of Kustomize builds, patches and transformers.

use super::*;

fn y(s: &str) -> Node {
    crate::yaml::parse(s).0.remove(0)
}

/// Builds `top` from in-memory kustomizations (`dir` → text).
fn build_from(files: &HashMap<String, String>, top: &str) -> Build {
    let read = |p: &str| files.get(p).cloned();
    build(top, &read).expect("top-level kustomization")
}

#[test]
fn long_chains_of_bases_stop_at_the_nesting_limit() {
    // k0 → k1 → … → k5000: unbounded, the recursive build overflowed the stack.
    let mut files = HashMap::new();
    for i in 0..5000 {
        files.insert(
            format!("k{i}/kustomization.yaml"),
            format!("resources:\n  - ../k{}\n", i + 1),
        );
    }
    let b = build_from(&files, "k0");
    let msgs: Vec<&str> = b.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(msgs[0].contains("more than 64 levels deep"), "{msgs:?}");
    assert_eq!(
        b.diagnostics[0].path.as_deref(),
        Some(format!("k{MAX_NESTING}/kustomization.yaml").as_str())
    );
}

#[test]
fn exponential_inclusion_stops_at_the_build_budget() {
    // Each level includes both directories of the next: 2^40 builds unbounded.
    let mut files = HashMap::new();
    for i in 0..40 {
        for d in ["a", "b"] {
            files.insert(
                format!("{d}{i}/kustomization.yaml"),
                format!("resources:\n  - ../a{n}\n  - ../b{n}\n", n = i + 1),
            );
        }
    }
    files.insert(
        "top/kustomization.yaml".into(),
        "resources:\n  - ../a0\n".into(),
    );
    let b = build_from(&files, "top");
    assert!(
        b.diagnostics
            .iter()
            .any(|d| d.message.contains("more than 10000 kustomizations")),
        "{:?}",
        b.diagnostics
    );
}

#[test]
fn strategic_merge_containers_by_name() {
    let mut base = y(
        "spec:\n  containers:\n    - name: a\n      image: x\n    - name: b\n      image: y\n  hostNetwork: true\n",
    );
    let patch = y(
        "spec:\n  containers:\n    - name: b\n      securityContext:\n        privileged: true\n    - name: c\n      image: z\n  hostNetwork: null\n",
    );
    strategic_merge(&mut base, &patch, "");
    let cs = base
        .get_path(&["spec", "containers"])
        .unwrap()
        .as_seq()
        .unwrap();
    assert_eq!(cs.len(), 3);
    assert_eq!(cs[1].get("image").unwrap().as_str(), Some("y"));
    assert_eq!(
        cs[1]
            .get_path(&["securityContext", "privileged"])
            .unwrap()
            .value,
        Value::Bool(true)
    );
    assert!(base.get_path(&["spec", "hostNetwork"]).is_none());
    let del = y("spec:\n  containers:\n    - name: a\n      $patch: delete\n");
    strategic_merge(&mut base, &del, "");
    assert_eq!(
        base.get_path(&["spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn json6902_ops() {
    let mut d = y("spec:\n  containers:\n    - name: a\n      image: x\n");
    let ops = y(
        "- op: add\n  path: /spec/containers/0/securityContext\n  value: {privileged: true}\n- op: replace\n  path: /spec/containers/0/image\n  value: nginx\n- op: add\n  path: /spec/containers/-\n  value: {name: b}\n- op: copy\n  from: /spec/containers/1\n  path: /spec/containers/2\n- op: remove\n  path: /spec/containers/2\n- op: move\n  from: /spec/containers/1/name\n  path: /spec/n\n",
    );
    json6902(&mut d, &ops).unwrap();
    assert_eq!(d.get_path(&["spec", "n"]).unwrap().as_str(), Some("b"));
    let c = &d
        .get_path(&["spec", "containers"])
        .unwrap()
        .as_seq()
        .unwrap()[0];
    assert_eq!(c.get("image").unwrap().as_str(), Some("nginx"));
    assert_eq!(c.get("image").unwrap().line, 6);
    // A failing operation leaves the document unchanged.
    let before = d.clone();
    let bad = y("- op: replace\n  path: /spec/nope/x\n  value: 1\n");
    assert!(json6902(&mut d, &bad).is_err());
    assert_eq!(d, before);
    let t = y("- op: test\n  path: /spec/n\n  value: c\n");
    assert!(json6902(&mut d, &t).is_err());
}

#[test]
fn images() {
    assert_eq!(crate::image::split_image("nginx"), ("nginx", None, None));
    assert_eq!(
        crate::image::split_image("reg:5000/a/b:1.2"),
        ("reg:5000/a/b", Some("1.2"), None)
    );
    assert_eq!(
        crate::image::split_image("a/b:1@sha256:abc"),
        ("a/b", Some("1"), Some("sha256:abc"))
    );
}

#[test]
fn join_paths() {
    assert_eq!(join("overlays/prod", "../../base"), "base");
    assert_eq!(join("", "./a/b.yaml"), "a/b.yaml");
}

#[test]
fn transformers_and_targets() {
    let k = y(
        "namespace: prod\nnamePrefix: p-\nnameSuffix: -s\ncommonLabels:\n  team: a\nimages:\n  - name: nginx\n    newName: reg/nginx\n    newTag: \"1.2\"\n  - name: busybox\n    newName: reg/bb\n",
    );
    let mut acc = vec![
        y(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: nginx:1.0\n        - name: b\n          image: busybox@sha256:abc\n",
        ),
        y("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n"),
    ];
    transform(&mut acc, &k);
    let d = &acc[0];
    assert_eq!(text_at(d, &["metadata", "name"]), Some("p-web-s"));
    assert_eq!(text_at(d, &["metadata", "namespace"]), Some("prod"));
    assert_eq!(text_at(d, &["metadata", "labels", "team"]), Some("a"));
    assert_eq!(
        text_at(d, &["spec", "template", "metadata", "labels", "team"]),
        Some("a")
    );
    let cs = d
        .get_path(&["spec", "template", "spec", "containers"])
        .unwrap()
        .as_seq()
        .unwrap();
    assert_eq!(cs[0].get("image").unwrap().as_str(), Some("reg/nginx:1.2"));
    // The new image value points at the `newTag` entry of the kustomization.
    assert_eq!(cs[0].get("image").unwrap().line, 9);
    assert_eq!(
        cs[1].get("image").unwrap().as_str(),
        Some("reg/bb@sha256:abc")
    );
    // Cluster-scoped kinds get no namespace, Namespaces keep their name.
    assert!(acc[1].get_path(&["metadata", "namespace"]).is_none());
    assert_eq!(text_at(&acc[1], &["metadata", "name"]), Some("prod"));

    let t = y("kind: Deploy.*\nname: \"p-.*\"\nlabelSelector: app=web\ngroup: apps\nversion: v1\n");
    assert!(selects(&t, d));
    assert!(!selects(&y("kind: Deployment\nname: web\n"), d));
    assert!(!selects(&y("kind: Deployment\nlabelSelector: app=db\n"), d));
    assert!(!selects(&y("kind: Deployment\nnamespace: dev\n"), d));
}

#[test]
fn odd_shapes_do_not_panic() {
    let k = y(
        "namespace: x\ncommonLabels: {a: b}\ncommonAnnotations: {c: d}\nnamePrefix: p-\nimages: [{name: n, newTag: \"1\"}]\n",
    );
    let mut acc = vec![
        y("kind: Deployment\nmetadata: just-a-string\nspec:\n  template: 3\n"),
        y("kind: Deployment\nmetadata:\nspec: [1]\n"),
        y("kind: Pod\nmetadata: {labels: [x]}\nspec: {containers: [{image: n}]}\n"),
    ];
    transform(&mut acc, &k);
    assert_eq!(text_at(&acc[1], &["metadata", "namespace"]), Some("x"));
    assert_eq!(
        acc[2]
            .get_path(&["spec", "containers"])
            .unwrap()
            .as_seq()
            .unwrap()[0]
            .get("image")
            .unwrap()
            .as_str(),
        Some("n:1")
    );
    let mut d = y("a: 1\n");
    assert!(json6902(&mut d, &y("- op: add\n  path: /a/b\n  value: 1\n")).is_err());
    assert!(json6902(&mut d, &y("- op: add\n  path: nope\n  value: 1\n")).is_err());
    assert!(json6902(&mut d, &y("- op: remove\n  path: \"\"\n")).is_err());
    strategic_merge(&mut d, &y("a: {b: 1}\n"), "");
    strategic_merge(&mut d, &y("- 1\n"), "");
}
