//! A chart as `helm create` writes it (`_helpers.tpl`, `include`, `with`, `range`, `toYaml`…)
//! rendered and scanned.

use rampart_core::Emitter;

mod common;
use common::{Wanted, no_root, scan_dir as scan, scan_text};

/// Every file of a chart folder as text.
fn files(root: &std::path::Path) -> Vec<(String, String)> {
    common::files(root)
        .into_iter()
        .map(|(p, t)| (p, String::from_utf8(t).unwrap()))
        .collect()
}

/// Scans in-memory files, each one the engine wants.
fn scan_mem(files: &[(&str, &str)]) -> Emitter {
    scan_text(&no_root(), files, Wanted::Assert)
}
use rampart_iac::helm::{ChartFiles, render_chart};

fn fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/helm-create")
}

#[test]
fn helm_create_chart_findings_at_template_lines() {
    let out = scan(&fixture());
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let at = |id: &str| {
        let mut v: Vec<(String, usize)> = out
            .findings
            .iter()
            .filter(|f| f.rule_id == format!("iac/{id}"))
            .map(|f| (f.location.path.clone(), f.location.start_line))
            .collect();
        v.sort();
        v
    };
    // `securityContext` comes from values through `toYaml | nindent` on line 36.
    assert_eq!(
        at("k8s-privileged-container"),
        [("templates/deployment.yaml".to_string(), 36)]
    );
    // The image tag defaults to the chart's appVersion: not pinned by digest, but not latest.
    assert_eq!(
        at("k8s-image-not-pinned-by-digest"),
        [
            ("templates/deployment.yaml".to_string(), 37),
            ("templates/tests/test-connection.yaml".to_string(), 12)
        ]
    );
    assert_eq!(
        at("k8s-image-latest"),
        [("templates/tests/test-connection.yaml".to_string(), 12)]
    );
    // Probes are rendered from values: present.
    assert!(
        at("k8s-no-liveness-probe")
            .iter()
            .all(|(p, _)| p != "templates/deployment.yaml")
    );
    // `resources: {}` from values: no limits, reported where the empty resources are
    // rendered (line 47); the test pod has no `resources` at all: its container (line 11).
    assert_eq!(
        at("k8s-no-memory-limit"),
        [
            ("templates/deployment.yaml".to_string(), 47),
            ("templates/tests/test-connection.yaml".to_string(), 11)
        ]
    );
    // The helper-made name is in the message.
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "iac/k8s-privileged-container")
        .unwrap();
    assert!(
        f.message
            .contains("Deployment/default/release-name-mychart"),
        "{}",
        f.message
    );
    assert!(
        f.snippet.contains("toYaml .Values.securityContext"),
        "{}",
        f.snippet
    );
}

#[test]
fn helm_create_chart_renders_like_helm_template() {
    let root = fixture();
    let mut chart = ChartFiles::default();
    for (p, t) in files(&root) {
        match p.as_str() {
            "values.yaml" => {
                // Turn the ingress and autoscaling on to exercise `range`, `$` and `with`.
                let t = t
                    .replace("ingress:\n  enabled: false", "ingress:\n  enabled: true")
                    .replace(
                        "autoscaling:\n  enabled: false",
                        "autoscaling:\n  enabled: true",
                    );
                chart.values = Some((p, t));
            }
            "Chart.yaml" => chart.chart_yaml = Some(t),
            p if p.starts_with("templates/") => chart.templates.push((p.to_string(), t)),
            _ => {}
        }
    }
    let (rendered, diags) = render_chart("", &chart);
    assert!(diags.is_empty(), "{diags:?}");
    let get = |name: &str| {
        rendered
            .iter()
            .find(|r| r.path == name)
            .map(|r| r.output.text.clone())
            .unwrap()
    };
    assert_eq!(
        get("templates/ingress.yaml"),
        "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: release-name-mychart
  labels:
    helm.sh/chart: mychart-0.1.0
    app.kubernetes.io/name: mychart
    app.kubernetes.io/instance: release-name
    app.kubernetes.io/version: \"1.16.0\"
    app.kubernetes.io/managed-by: Helm
spec:
  rules:
    - host: \"chart-example.local\"
      http:
        paths:
          - path: /
            pathType: ImplementationSpecific
            backend:
              service:
                name: release-name-mychart
                port:
                  number: 80
"
    );
    let d = get("templates/deployment.yaml");
    // Autoscaling on: no replicas.
    assert!(!d.contains("replicas:"), "{d}");
    assert!(d.contains("image: \"nginx:1.16.0\""), "{d}");
    assert!(
        d.contains("          livenessProbe:\n            httpGet:\n              path: /\n              port: http\n"),
        "{d}"
    );
    assert!(get("templates/hpa.yaml").contains("averageUtilization: 80"));
    assert!(get("templates/serviceaccount.yaml").contains("automountServiceAccountToken: true"));
}

#[test]
fn subcharts_get_parent_values_and_conditions() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Chart.Name }}\nspec:\n  containers:\n    - name: c\n      image: \"{{ .Values.global.registry }}/app:1\"\n      securityContext:\n        privileged: {{ .Values.privileged }}\n";
    let out = scan_mem(&[
        (
            "app/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: db\n    condition: db.enabled\n  - name: cache\n    alias: redis\n    condition: redis.enabled\n",
        ),
        (
            "app/values.yaml",
            "global:\n  registry: reg.example\ndb:\n  enabled: true\n  privileged: true\nredis:\n  enabled: false\n",
        ),
        (
            "app/charts/db/Chart.yaml",
            "apiVersion: v2\nname: db\nversion: 1.0.0\n",
        ),
        (
            "app/charts/db/values.yaml",
            "privileged: false\nglobal: {}\n",
        ),
        ("app/charts/db/templates/pod.yaml", pod),
        (
            "app/charts/cache/Chart.yaml",
            "apiVersion: v2\nname: cache\nversion: 1.0.0\n",
        ),
        ("app/charts/cache/values.yaml", "privileged: true\n"),
        ("app/charts/cache/templates/pod.yaml", pod),
    ]);
    let privileged: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == "iac/k8s-privileged-container")
        .map(|f| (f.location.path.as_str(), f.location.start_line))
        .collect();
    // db: the parent's `db.privileged: true` overrides the subchart's false; cache is disabled.
    assert_eq!(privileged, [("app/charts/db/templates/pod.yaml", 10)]);
    // `global` reaches the subchart: the image is fully rendered.
    let img = out
        .findings
        .iter()
        .find(|f| f.rule_id == "iac/k8s-image-not-pinned-by-digest")
        .unwrap();
    assert!(img.message.contains("Pod/default/db"), "{}", img.message);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

/// A chart with one hostile template beside an ordinary one that has a finding.
fn chart_with(hostile: &str, values: &str) -> Emitter {
    scan_mem(&[
        ("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
        ("c/values.yaml", values),
        ("c/templates/hostile.yaml", hostile),
        (
            "c/templates/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    - name: a\n      image: nginx\n      securityContext:\n        privileged: true\n",
        ),
    ])
}

/// The diagnostics naming the hostile template, and whether the other template's finding
/// (privileged container, line 10) is reported.
fn outcome(out: &Emitter) -> (Vec<String>, bool) {
    let diags = out
        .diagnostics
        .iter()
        .filter(|d| d.path.as_deref() == Some("c/templates/hostile.yaml"))
        .map(|d| d.message.clone())
        .collect();
    let privileged = out.findings.iter().any(|f| {
        f.rule_id == "iac/k8s-privileged-container"
            && f.location.path == "c/templates/pod.yaml"
            && f.location.start_line == 10
    });
    (diags, privileged)
}

#[test]
fn rendering_has_an_output_budget() {
    // 100 KB written 1000 times: 100 MB of output unbounded.
    let values = format!("big: {}\n", "x".repeat(100_000));
    let out = chart_with(
        "{{ range until 1000 }}{{ $.Values.big }}\n{{ end }}",
        &values,
    );
    let (diags, privileged) = outcome(&out);
    assert!(privileged, "{:#?}", out.findings);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0].contains("rendered output is larger than 8 MiB"),
        "{diags:?}"
    );
    // Text functions return counts too, even when it is never written.
    let out = chart_with(
        "{{ range until 1000 }}{{ $_ := toJson $.Values.big }}{{ end }}",
        &values,
    );
    let (diags, privileged) = outcome(&out);
    assert!(privileged);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0].contains("more than 64 MiB of text"), "{diags:?}");
}

#[test]
fn deep_nesting_in_templates_is_an_error_not_a_crash() {
    let n = 20_000;
    // Nested `if`s, parentheses, and values built deeper and deeper.
    let ifs = format!("{}x{}", "{{ if true }}".repeat(n), "{{ end }}".repeat(n));
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(n), ")".repeat(n));
    let lists = "{{ $x := list }}{{ range until 20000 }}{{ $x = list $x }}{{ end }}{{ toJson $x }}";
    let define = "{{ define \"r\" }}{{ if true }}{{ include \"r\" . }}{{ end }}{{ end }}{{ include \"r\" . }}";
    for (hostile, expect) in [
        (ifs.as_str(), "nested more than 100 levels deep"),
        (parens.as_str(), "nested more than 100 levels deep"),
        (lists, "values nest more than 256 levels deep"),
        (define, "recursion too deep"),
    ] {
        let out = chart_with(hostile, "a: 1\n");
        let (diags, privileged) = outcome(&out);
        assert!(privileged, "{expect}: {:#?}", out.findings);
        assert_eq!(diags.len(), 1, "{expect}: {diags:?}");
        assert!(diags[0].contains(expect), "{expect}: {diags:?}");
    }
}

#[test]
fn a_chart_has_an_output_budget() {
    // Twelve templates of 7 MB each, each under its own budget: after ten, 70 MB.
    let mut files: Vec<(String, String)> = vec![
        (
            "c/Chart.yaml".into(),
            "apiVersion: v2\nname: c\nversion: 0.1.0\n".into(),
        ),
        (
            "c/values.yaml".into(),
            format!("big: {}\n", "x".repeat(100_000)),
        ),
    ];
    for i in 0..12 {
        files.push((
            format!("c/templates/t{i:02}.yaml"),
            "# {{ range until 70 }}{{ $.Values.big }}{{ end }}\n".into(),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let out = scan_mem(&refs);
    let skipped: Vec<&str> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("already rendered more than 64 MiB"))
        .filter_map(|d| d.path.as_deref())
        .collect();
    assert_eq!(
        skipped,
        ["c/templates/t10.yaml", "c/templates/t11.yaml"],
        "{:?}",
        out.diagnostics
            .iter()
            .map(|d| &d.message)
            .collect::<Vec<_>>()
    );
}

/// A chart with packaged subcharts (`charts/*.tgz`, as `helm dependency build` leaves them)
/// and templates reading `.Files`.
#[test]
fn packaged_subcharts_and_files() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/helm-packaged");
    let out = scan(&root);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let at = |id: &str| {
        let mut v: Vec<(String, usize)> = common::by_rule(&out, id)
            .iter()
            .map(|f| (f.location.path.clone(), f.location.start_line))
            .collect();
        v.sort();
        v
    };
    // The parent's `redis.master.privileged: true` reaches the packaged subchart; the
    // finding names the archive and the entry. `off` is disabled by its condition.
    assert_eq!(
        at("k8s-privileged-container"),
        [(
            "charts/redis-17.0.0.tgz!redis/templates/master.yaml".to_string(),
            12
        )]
    );
    // `global.registry` of the parent reaches the subchart's helper (which `required`s it:
    // no diagnostic above).
    let img: Vec<_> = common::by_rule(&out, "k8s-image-not-pinned-by-digest")
        .into_iter()
        .filter(|f| f.location.path.contains(".tgz!"))
        .map(|f| f.location.start_line)
        .collect();
    assert_eq!(img, [10], "{:?}", out.findings);
    // `.Files.Glob … .AsConfig` puts the key file into a ConfigMap (`*.bak` is helmignored).
    assert_eq!(
        at("k8s-configmap-private-key"),
        [("templates/configmap.yaml".to_string(), 6)]
    );
}

/// The rendered text of one template of a chart whose `.Files` are given.
fn render_with_files(tpl: &str, files: &[(&str, &str)]) -> String {
    let chart = ChartFiles {
        templates: vec![("c/templates/t.yaml".into(), tpl.into())],
        files: Some(
            files
                .iter()
                .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
                .collect(),
        ),
        ..Default::default()
    };
    let (r, d) = render_chart("c", &chart);
    assert!(d.is_empty(), "{d:?}");
    r[0].output.text.clone()
}

#[test]
fn files_functions() {
    let files = [
        ("conf/a.conf", "x=1\ny=2"),
        ("conf/b.conf", "z"),
        ("conf/sub/c.conf", "deep"),
        ("k.pem", "KEY"),
    ];
    assert_eq!(
        render_with_files(
            "get: {{ .Files.Get \"conf/b.conf\" }}\nbytes: {{ .Files.GetBytes \"k.pem\" | b64enc }}\nmissing: [{{ .Files.Get \"nope\" }}]\nlines: {{ .Files.Lines \"conf/a.conf\" | toJson }}\nvar: {{ $.Files.Get \"k.pem\" }}\npiped: {{ \"k.pem\" | .Files.Get }}\n",
            &files
        ),
        "get: z\nbytes: S0VZ\nmissing: []\nlines: [\"x=1\",\"y=2\"]\nvar: KEY\npiped: KEY\n"
    );
    assert_eq!(
        render_with_files(
            "{{- range $p, $_ := .Files.Glob \"conf/*.conf\" }}\n- {{ $p }}\n{{- end }}\nall: {{ len (.Files.Glob \"**.conf\") }}\nalt: {{ len (.Files.Glob \"{k.pem,conf/b.conf}\") }}\ncfg:\n  {{- (.Files.Glob \"conf/*\").AsConfig | nindent 2 }}\nsec:\n  {{- (.Files.Glob \"*.pem\").AsSecrets | nindent 2 }}\n",
            &files
        ),
        "\n- conf/a.conf\n- conf/b.conf\nall: 3\nalt: 2\ncfg:\n  a.conf: \"x=1\\ny=2\"\n  b.conf: z\nsec:\n  k.pem: S0VZ\n"
    );
    // Without the chart's files (not on disk), `.Files` is unknown, not empty.
    let chart = ChartFiles {
        templates: vec![(
            "c/templates/t.yaml".into(),
            "a: {{ .Files.Get \"x\" }}\n".into(),
        )],
        ..Default::default()
    };
    let (r, _) = render_chart("c", &chart);
    assert_eq!(r[0].output.text, "a: !unknown helm\n");
}

/// Hostile and broken archives: each a diagnostic naming the archive, the rest of the
/// chart still scanned, nothing outside the chart folder read.
#[test]
fn hostile_chart_archives() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken/helm-hostile");
    let out = scan(&root);
    let diag = |archive: &str| -> Vec<String> {
        out.diagnostics
            .iter()
            .filter(|d| d.path.as_deref() == Some(&format!("charts/{archive}")[..]))
            .map(|d| d.message.clone())
            .collect()
    };
    let esc = diag("escape-1.0.0.tgz");
    assert_eq!(esc.len(), 1, "{:?}", out.diagnostics);
    assert!(
        esc[0].contains("refused") && esc[0].contains("`..`"),
        "{esc:?}"
    );
    let bomb = diag("bomb-1.0.0.tgz");
    assert!(
        bomb.iter().any(|m| m.contains("more than 32 MiB")),
        "{bomb:?}"
    );
    let cut = diag("cut-1.0.0.tgz");
    assert!(!cut.is_empty(), "{:?}", out.diagnostics);
    let junk = diag("junk-1.0.0.tgz");
    assert!(junk.iter().any(|m| m.contains("gzip")), "{junk:?}");
    // The escaping archive's other entries are still scanned.
    let f = common::by_rule(&out, "k8s-privileged-container");
    assert!(
        f.iter()
            .any(|f| f.location.path == "charts/escape-1.0.0.tgz!escape/templates/pod.yaml"),
        "{:?}",
        out.findings
    );
}
