//! Helm charts: every template is rendered with the chart's `values.yaml` by the Go template
//! engine in [`crate::gotpl`] (with the chart's `define`s from `_helpers.tpl` and other
//! templates), as `helm template` would with default values and release name
//! `release-name`, then scanned as Kubernetes manifests. The rendered text keeps a source map
//! to the template, so findings point at the template line that produced the value.

use crate::gotpl::{self, Output, V};
use crate::model::LineIndex;
use rampart_core::Diagnostic;

/// The files of one chart.
#[derive(Default)]
pub struct ChartFiles {
    /// Path and text of `values.yaml`.
    pub values: Option<(String, String)>,
    /// Text of `Chart.yaml`.
    pub chart_yaml: Option<String>,
    /// Templates and helpers (`templates/**/*.yaml`, `*.tpl`): path and text.
    pub templates: Vec<(String, String)>,
    /// The chart's other files, as `.Files` sees them (chart-relative path and content);
    /// `None` when they could not be read (`.Files` is then unknown).
    pub files: Option<Vec<(String, Vec<u8>)>>,
}

/// One rendered template.
pub struct Rendered {
    /// The template's path.
    pub path: String,
    /// The template's text.
    pub source: String,
    /// The rendered text with its source map.
    pub output: Output,
}

impl Rendered {
    /// The template span a span of the rendered text came from (whole template line when the
    /// span's ends come from different places).
    pub fn source_span(&self, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
        let src = &self.source;
        let floor = |mut i: usize| {
            i = i.min(src.len());
            while !src.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let ceil = |mut i: usize| {
            i = i.min(src.len());
            while !src.is_char_boundary(i) {
                i += 1;
            }
            i
        };
        let start = floor(self.output.source(span.start));
        let end = if span.end > span.start {
            ceil(self.output.source(span.end - 1) + 1)
        } else {
            start
        };
        let lines = LineIndex::new(&self.source);
        if end > start && lines.line(start) == lines.line(end - 1) && end <= self.source.len() {
            // Widen an action's single offset to the whole `{{ … }}`.
            let end = match self.source[end.min(self.source.len())..].find("}}") {
                Some(i)
                    if self.source[start..].starts_with("{{")
                        && !self.source[end..end + i].contains('\n') =>
                {
                    end + i + 2
                }
                _ => end,
            };
            return start..end;
        }
        let line = lines.line(start);
        let ls = lines.line_start(line).unwrap_or(0);
        let le = lines
            .line_start(line + 1)
            .map(|e| e - 1)
            .unwrap_or(self.source.len());
        let text = &self.source[ls..le];
        let lead = text.len() - text.trim_start().len();
        ls + lead..ls + text.trim_end().len().max(lead)
    }
}

fn line_of(text: &str, off: usize) -> usize {
    LineIndex::new(text).line(off)
}

/// The values of a chart's own `values.yaml` (an empty map when it has none).
pub fn own_values(files: &ChartFiles, diags: &mut Vec<Diagnostic>) -> V {
    let values = match &files.values {
        Some((path, text)) => {
            let (docs, err) = crate::yaml::parse(text);
            if let Some(e) = err {
                diags.push(
                    Diagnostic::error(path, format!("YAML syntax error: {}", e.message))
                        .at_line(e.line),
                );
            }
            docs.first().map(V::from_node).unwrap_or(V::Nil)
        }
        None => V::Nil,
    };
    match values {
        V::Map(m) => V::Map(m),
        _ => V::Map(Default::default()),
    }
}

/// Deep merge: maps merge key by key, anything else in `over` wins (Helm's coalescing of a
/// parent's values over a subchart's).
pub fn coalesce(base: V, over: &V) -> V {
    match (base, over) {
        (V::Map(mut b), V::Map(o)) => {
            for (k, v) in o {
                let cur = b.remove(k).unwrap_or(V::Nil);
                b.insert(k.clone(), coalesce(cur, v));
            }
            V::Map(b)
        }
        (b, V::Nil) => b,
        (_, o) => o.clone(),
    }
}

/// A subchart's dependency entry in its parent's `Chart.yaml`: the key of its values in the
/// parent (`alias` or `name`) and whether its `condition` leaves it enabled.
pub fn dependency(
    parent_chart_yaml: Option<&str>,
    parent_values: &V,
    dir_name: &str,
) -> (String, bool) {
    let chart = parent_chart_yaml
        .and_then(|t| crate::yaml::parse(t).0.into_iter().next())
        .map(|n| V::from_node(&n))
        .unwrap_or(V::Nil);
    let deps = match chart.get_key("dependencies") {
        V::List(l) => l,
        _ => Vec::new(),
    };
    let Some(dep) = deps
        .iter()
        .find(|d| d.get_str("name").as_deref() == Some(dir_name))
    else {
        return (dir_name.to_string(), true);
    };
    let key = dep.get_str("alias").unwrap_or_else(|| dir_name.to_string());
    // `condition: a.enabled,b.enabled`: the first path that exists decides.
    let condition = dep.get_str("condition").and_then(|c| {
        c.split(',').map(str::trim).find_map(|path| {
            let v = path
                .split('.')
                .fold(parent_values.clone(), |v, k| v.get_key(k));
            match v {
                V::Bool(b) => Some(b),
                _ => None,
            }
        })
    });
    // Without a condition that decides, `tags`: enabled when any of its tags is true in the
    // parent's `tags:` values, disabled when all that are set are false.
    let tags = || {
        let V::List(tags) = dep.get_key("tags") else {
            return None;
        };
        let set: Vec<bool> = tags
            .iter()
            .filter_map(|t| match t {
                V::Str(t) => match parent_values.get_key("tags").get_key(t) {
                    V::Bool(b) => Some(b),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        (!set.is_empty()).then(|| set.contains(&true))
    };
    let enabled = condition.or_else(tags).unwrap_or(true);
    (key, enabled)
}

/// A subchart's values: its own, under the parent's section for it, with the parent's
/// `global` merged into `global`.
pub fn subchart_values(own: V, parent_values: &V, key: &str) -> V {
    let mut v = coalesce(own, &parent_values.get_key(key));
    let global = parent_values.get_key("global");
    if !matches!(global, V::Nil)
        && let V::Map(m) = &mut v
    {
        let cur = m.remove("global").unwrap_or(V::Nil);
        m.insert("global".into(), coalesce(cur, &global));
    }
    v
}

/// Renders every template of a chart with its own values. Problems (template syntax errors,
/// failed renders, unsupported functions, missing required values) are diagnostics naming the
/// template.
pub fn render_chart(chart_dir: &str, files: &ChartFiles) -> (Vec<Rendered>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let values = own_values(files, &mut diags);
    let (r, d) = render_chart_with(chart_dir, files, values);
    diags.extend(d);
    (r, diags)
}

/// How much rendered text one chart's templates may produce together (each template also
/// has its own budgets, see [`gotpl::MAX_OUTPUT`]); templates after that are not rendered.
pub const MAX_CHART_OUTPUT: usize = 64 << 20;

/// Renders every template of a chart with the given values.
pub fn render_chart_with(
    chart_dir: &str,
    files: &ChartFiles,
    values: V,
) -> (Vec<Rendered>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let chart = files
        .chart_yaml
        .as_deref()
        .and_then(|t| crate::yaml::parse(t).0.into_iter().next())
        .map(|n| V::from_node(&n))
        .unwrap_or(V::Nil);
    let name = match chart.get_str("name") {
        Some(n) => n,
        None => chart_dir
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty())
            .unwrap_or("chart")
            .to_string(),
    };
    let chart = match chart {
        V::Map(mut m) => {
            m.entry("name".into()).or_insert(V::Str(name.clone()));
            V::Map(m)
        }
        _ => {
            let mut m = std::collections::BTreeMap::new();
            m.insert("name".into(), V::Str(name.clone()));
            V::Map(m)
        }
    };
    let mut parsed: Vec<(usize, gotpl::Parsed)> = Vec::new();
    for (i, (path, text)) in files.templates.iter().enumerate() {
        match gotpl::parse(text) {
            Ok(p) => parsed.push((i, p)),
            Err(e) => diags.push(
                Diagnostic::error(path, format!("Helm template error: {}", e.message))
                    .at_line(line_of(text, e.at)),
            ),
        }
    }
    let set = gotpl::Set::new(
        parsed
            .iter_mut()
            .map(|(i, p)| (files.templates[*i].1.as_str(), p))
            .collect(),
    )
    .with_files(files.files.clone());
    let mut out = Vec::new();
    let mut total = 0;
    for (i, p) in &parsed {
        let (path, text) = &files.templates[*i];
        let file = path.rsplit('/').next().unwrap_or(path);
        let lower = file.to_ascii_lowercase();
        if file.starts_with('_') || !(lower.ends_with(".yaml") || lower.ends_with(".yml")) {
            continue;
        }
        if total > MAX_CHART_OUTPUT {
            diags.push(Diagnostic::warning(
                path,
                format!(
                    "Helm template not rendered, not scanned: the chart's templates already \
                     rendered more than {} MiB",
                    MAX_CHART_OUTPUT >> 20
                ),
            ));
            continue;
        }
        let rel = path
            .strip_prefix(chart_dir)
            .map(|r| r.trim_start_matches('/'))
            .unwrap_or(path);
        let root = gotpl::root(
            values.clone(),
            &chart,
            "release-name",
            &format!("{name}/{rel}"),
            &format!("{name}/templates"),
        );
        set.notes.borrow_mut().clear();
        match set.render(p, text, &root) {
            Ok(output) => {
                for n in set.notes.borrow().iter() {
                    diags.push(Diagnostic::note(
                        path,
                        format!("Helm template partly unknown: {n}"),
                    ));
                }
                total += output.text.len();
                out.push(Rendered {
                    path: path.clone(),
                    source: text.clone(),
                    output,
                });
            }
            Err(e) => diags.push(Diagnostic::warning(
                path,
                format!("Helm template could not be rendered, not scanned: {e}"),
            )),
        }
    }
    (out, diags)
}

impl V {
    fn get_key(&self, k: &str) -> V {
        match self {
            V::Map(m) => m.get(k).cloned().unwrap_or(V::Nil),
            _ => V::Nil,
        }
    }

    fn get_str(&self, k: &str) -> Option<String> {
        match self {
            V::Map(m) => match m.get(k) {
                Some(V::Str(s)) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_one(values: &str, tpl: &str, helpers: &str) -> Rendered {
        let files = ChartFiles {
            values: Some(("c/values.yaml".into(), values.into())),
            chart_yaml: Some("name: web\nversion: 0.1.0\nappVersion: \"1.16.0\"\n".into()),
            templates: vec![
                ("c/templates/_helpers.tpl".into(), helpers.into()),
                ("c/templates/t.yaml".into(), tpl.into()),
            ],
            files: None,
        };
        let (mut r, d) = render_chart("c", &files);
        assert!(d.is_empty(), "{d:?}");
        r.remove(0)
    }

    #[test]
    fn go_template_semantics() {
        let helpers = "{{- define \"web.name\" -}}\n{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix \"-\" }}\n{{- end }}\n{{- define \"web.labels\" -}}\napp: {{ include \"web.name\" . }}\nversion: {{ .Chart.AppVersion | quote }}\n{{- end }}\n";
        let tpl = "name: {{ include \"web.name\" . }}\nlabels:\n  {{- include \"web.labels\" . | nindent 2 }}\n{{- range $k, $v := .Values.env }}\n{{ $k }}: {{ $v | quote }}\n{{- end }}\nlist: {{ list 1 2 | toJson }}\n{{- with .Values.missing }}\nnever: here\n{{- else }}\nelse: {{ ternary \"a\" \"b\" (eq .Values.n 3) }}\n{{- end }}\n{{- if and .Values.on (not .Values.off) }}\non: {{ printf \"%s-%d\" \"x\" 5 }}\n{{- end }}\nb64: {{ \"hi\" | b64enc }}\nhas: {{ hasKey .Values \"env\" }}\nd: {{ (dict \"a\" 1).a }}\ntpl: {{ tpl .Values.tmpl . }}\nreq: {{ required \"need x\" .Values.x }}\n{{/* a comment */}}\n";
        let values = "nameOverride: \"\"\nenv:\n  B: two\n  A: one\nn: 3\non: true\noff: false\ntmpl: \"{{ .Release.Name }}\"\nx: set\n";
        let r = render_one(values, tpl, helpers);
        assert_eq!(
            r.output.text,
            "name: web\nlabels:\n  app: web\n  version: \"1.16.0\"\nA: \"one\"\nB: \"two\"\nlist: [1,2]\nelse: a\non: x-5\nb64: aGk=\nhas: true\nd: 1\ntpl: release-name\nreq: set\n\n"
        );
    }

    #[test]
    fn source_map_points_at_template_lines() {
        let tpl = "a: 1\nsc:\n  {{- toYaml .Values.sc | nindent 2 }}\nimg: \"{{ .Values.repo }}:{{ .Values.tag }}\"\n";
        let r = render_one(
            "sc:\n  privileged: true\nrepo: nginx\ntag: latest\n",
            tpl,
            "",
        );
        assert_eq!(
            r.output.text,
            "a: 1\nsc:\n  privileged: true\nimg: \"nginx:latest\"\n"
        );
        let at = |needle: &str| {
            let o = r.output.text.find(needle).unwrap();
            let s = r.source_span(&(o..o + needle.len()));
            line_of(tpl, s.start)
        };
        assert_eq!(at("privileged: true"), 3);
        assert_eq!(at("img: \"nginx:latest\""), 4);
        assert_eq!(at("a: 1"), 1);
    }

    #[test]
    fn unknown_values_and_errors() {
        let r = render_one(
            "",
            "a: {{ .Values.x | sha256sum }}\nb: pre-{{ now }}\n{{- if (now) }}\nc: 1\n{{- end }}\n",
            "",
        );
        assert_eq!(r.output.text, "a: !unknown helm\nb: pre-{{unknown}}\n");
        let files = ChartFiles {
            templates: vec![
                ("c/templates/bad.yaml".into(), "a: {{ if }}\n".into()),
                ("c/templates/bad2.yaml".into(), "x\n{{ if .a }}\n".into()),
                ("c/templates/fail.yaml".into(), "{{ fail \"no\" }}\n".into()),
                ("c/templates/ok.yaml".into(), "a: 1\n".into()),
            ],
            ..Default::default()
        };
        let (r, d) = render_chart("c", &files);
        assert_eq!(r.len(), 1);
        let msgs: Vec<String> = d
            .iter()
            .map(|d| {
                format!(
                    "{}:{:?} {}",
                    d.path.as_deref().unwrap_or(""),
                    d.line,
                    d.message
                )
            })
            .collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(
            msgs[1].starts_with("c/templates/bad2.yaml:Some(2)"),
            "{msgs:?}"
        );
        assert!(msgs[2].contains("fail: no"), "{msgs:?}");
    }

    #[test]
    fn runaway_templates_stop_with_an_error() {
        let files = ChartFiles {
            templates: vec![
                (
                    "c/templates/_h.tpl".into(),
                    "{{- define \"a\" }}{{ include \"a\" . }}{{ include \"a\" . }}{{ end }}".into(),
                ),
                (
                    "c/templates/x.yaml".into(),
                    "x: {{ include \"a\" . }}\n".into(),
                ),
                (
                    "c/templates/y.yaml".into(),
                    "y: {{ \"ab\" | repeat 100000000 }}\n".into(),
                ),
                ("c/templates/z.yaml".into(), "z: é{{ 1 }}é\n".into()),
            ],
            ..Default::default()
        };
        let (r, d) = render_chart("c", &files);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].message.contains("too"), "{d:?}");
        assert!(d[1].message.contains("`repeat`"), "{d:?}");
        let z = r.iter().find(|r| r.path.ends_with("z.yaml")).unwrap();
        assert_eq!(z.output.text, "z: é1é\n");
        // Spans ending inside a multi-byte character stay on character boundaries.
        for i in 0..z.output.text.len() {
            let _ = z.source_span(&(0..i));
        }
    }

    #[test]
    fn control_flow_and_variables() {
        let tpl = "{{- $x := 1 }}\n{{- range $i, $v := .Values.items }}\n{{- if eq $v \"skip\" }}{{ continue }}{{ end }}\n{{- if eq $v \"stop\" }}{{ break }}{{ end }}\n{{- $x = add $x 1 }}\n- {{ $i }}={{ $v }} root={{ $.Values.name }}\n{{- end }}\nx: {{ $x }}\n{{- if eq .Values.n 1 }}\nn: one\n{{- else if eq .Values.n 2 }}\nn: two\n{{- else }}\nn: many\n{{- end }}\n{{- range .Values.none }}\nnever\n{{- else }}\nempty: true\n{{- end }}\n{{- block \"b\" . }}\nblock: {{ .Values.name | upper }}\n{{- end }}\nm: {{ (merge (dict \"a\" 1) (dict \"a\" 2 \"b\" 3)) | toJson }}\ns: {{ semverCompare \">=1.19-0\" .Capabilities.KubeVersion.GitVersion }}\napi: {{ .Capabilities.APIVersions.Has \"policy/v1\" }}\nraw: {{ `a\"b` }}\n";
        let r = render_one("items: [a, skip, b, stop, c]\nname: web\nn: 2\n", tpl, "");
        assert_eq!(
            r.output.text,
            "\n- 0=a root=web\n- 2=b root=web\nx: 3\nn: two\nempty: true\nblock: WEB\nm: {\"a\":1,\"b\":3}\ns: true\napi: true\nraw: a\"b\n"
        );
    }

    #[test]
    fn to_yaml_like_helm() {
        let (v, _) = crate::yaml::parse(
            "b:\n  - name: x\n    ports: [1, 2]\n  - plain\na: \"yes\"\nc: {}\nd: \"multi\\nline\"\ne: 1.5\n",
        );
        let y = gotpl::to_yaml(&V::from_node(&v[0]));
        assert_eq!(
            y,
            "a: \"yes\"\nb:\n- name: x\n  ports:\n  - 1\n  - 2\n- plain\nc: {}\nd: \"multi\\nline\"\ne: 1.5\n"
        );
    }

    #[test]
    fn subchart_values_coalesce() {
        let y = |t: &str| V::from_node(&crate::yaml::parse(t).0[0]);
        let parent = y("global: {registry: r, x: 1}\ndb: {image: {tag: \"2\"}, on: true}\n");
        let own = y("image: {repository: pg, tag: \"1\"}\nglobal: {x: 0, y: 2}\n");
        let v = subchart_values(own, &parent, "db");
        assert_eq!(
            v.to_json().to_string(),
            r#"{"global":{"registry":"r","x":1,"y":2},"image":{"repository":"pg","tag":"2"},"on":true}"#
        );
        let chart = "dependencies:\n  - name: db\n    alias: main\n    condition: main.enabled,db.enabled\n";
        assert_eq!(
            dependency(Some(chart), &y("main: {enabled: false}\n"), "db"),
            ("main".to_string(), false)
        );
        assert_eq!(
            dependency(Some(chart), &y("a: 1\n"), "db"),
            ("main".to_string(), true)
        );
        assert_eq!(dependency(None, &V::Nil, "x"), ("x".to_string(), true));
        let tagged = "dependencies:\n  - name: db\n    tags: [back, data]\n  - name: c\n    condition: c.on\n    tags: [back]\n";
        let off = y("tags: {back: false, data: false}\n");
        assert!(!dependency(Some(tagged), &off, "db").1);
        let on = y("tags: {back: false, data: true}\n");
        assert!(dependency(Some(tagged), &on, "db").1);
        assert!(dependency(Some(tagged), &y("a: 1\n"), "db").1);
        // A condition that decides wins over tags.
        let cond = y("tags: {back: false}\nc: {on: true}\n");
        assert!(dependency(Some(tagged), &cond, "c").1);
    }

    #[test]
    fn malformed_and_odd_templates_never_panic() {
        let cases = [
            "{{",
            "}}",
            "{{-}}",
            "{{ ( }}",
            "{{ ) }}",
            "{{ $ }}",
            "{{ . }}",
            "{{ .a.b.c | x | y }}",
            "{{ 'a }}",
            "{{ `x }}",
            "{{ \"x }}",
            "{{ 1.2.3 }}",
            "{{ index }}",
            "{{ printf }}",
            "{{ dict \"a\" }}",
            "{{ trunc -5 \"abcdefgh\" }}",
            "{{ trunc -99999999999999999999 \"a\" }}",
            "{{ trunc 99999999999999999999 \"a\" }}",
            "{{ sub 1 }}",
            "{{ div 1 0 }}",
            "{{ mod 1 0 }}",
            "{{ until -1 }}",
            "{{ nindent -3 \"x\" }}",
            "é{{ 1 }}ü",
            "{{ range 5 }}{{ . }}{{ end }}",
            "{{ define }}",
            "{{ end }}",
            "{{ else }}",
            "{{ if 1 }}a{{ else }}b{{ else }}c{{ end }}",
            "{{ $x = 1 }}",
            "{{ template }}",
            "{{/* unterminated",
            "{{ 'é' }}",
            "{{ é }}",
            "{{ (1).a }}",
            "{{ $.a.b }}",
            "{{ $y }}",
            "{{ range $i, $v := dict \"a\" 1 }}{{ $i }}{{ end }}",
            "{{ b64dec \"!!\" }}",
            "{{ regexMatch \"(\" \"a\" }}",
            "{{ semverCompare \"x\" \"y\" }}",
            "{{ printf \"%.999999f\" 1.0 }}",
            "{{ toYaml (list (dict) (list)) }}",
            "{{ tpl \"{{\" . }}",
            "{{ include \"missing\" . }}",
            "{{ range .Values }}{{ break }}{{ end }}",
            "{{- -}}",
            "{{ 0x }}",
            "{{ -}}",
            "{{ untilStep -9223372036854775807 9223372036854775807 1 }}",
            "{{ - }}",
            "{{ | }}",
            "{{ a | }}",
            "{{ := }}",
            "{{ $a, }}",
        ];
        for c in cases {
            let files = ChartFiles {
                templates: vec![("c/templates/t.yaml".into(), c.to_string())],
                ..Default::default()
            };
            let (r, _) = render_chart("c", &files);
            for r in r {
                for i in 0..=r.output.text.len() {
                    let _ = r.source_span(&(i.saturating_sub(3)..i));
                }
            }
        }
    }
}
