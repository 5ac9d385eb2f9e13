//! rampart-iac: the infrastructure-as-code and CI-pipeline engine of rampart.
//!
//! Every supported format (Terraform, CloudFormation, Kubernetes, Dockerfile, docker-compose,
//! GitHub Actions, GitLab CI) is parsed into one document model ([`model::Node`], every node
//! with its span and line). Checks are data files (`checks/<family>/<id>.toml`) evaluated by a
//! small condition language ([`cond`]) over path expressions ([`path`]), or native
//! [`caps`] (capabilities) a data file names. See `ARCHITECTURE-iac.md`.

pub mod caps;
pub mod cfn;
pub mod check;
pub mod cond;
pub mod detect;
pub mod dockerfile;
pub mod docs;
pub mod gotpl;
pub mod graph;
pub mod hcl;
pub mod helm;
pub mod kustomize;
pub mod model;
pub mod path;
pub mod plan;
#[cfg(feature = "rego")]
pub mod rego;
pub mod yaml;

use check::Check;
use cond::Tri;
use detect::Format;
use docs::Subject;
use include_dir::{Dir, include_dir};
use model::Node;
use rampart_core::{
    Diagnostic, Emitter, Engine, EngineSession, Finding, RuleMeta, ScanContext, SourceFile,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

static CHECK_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/checks");

/// The embedded checks, loaded once.
pub struct Catalogue {
    /// Every check that loaded.
    pub checks: Vec<Check>,
    /// Their rule metadata, in the same order.
    pub rules: Vec<RuleMeta>,
    /// Check files that failed to load (`path: error`). Empty in a correct build.
    pub errors: Vec<String>,
}

fn catalogue() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        let mut checks = Vec::new();
        let mut errors = Vec::new();
        let mut files = Vec::new();
        collect(&CHECK_DIR, &mut files);
        files.sort_by_key(|f| f.path());
        use rayon::prelude::*;
        let parsed: Vec<(String, Result<Check, String>)> = files
            .par_iter()
            .filter_map(|f| {
                let path = f.path().display().to_string();
                if !path.ends_with(".toml") {
                    return None;
                }
                let text = f.contents_utf8().unwrap_or("");
                Some((path, Check::parse(text, &|c| caps::get(c).is_some())))
            })
            .collect();
        for (path, r) in parsed {
            match r {
                Ok(c) => {
                    let stem = path
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .trim_end_matches(".toml");
                    if c.meta.short_id() != stem {
                        errors.push(format!(
                            "{path}: id `{}` differs from the file name",
                            c.meta.short_id()
                        ));
                    }
                    let dir = path.split('/').next().unwrap_or("");
                    if c.meta.family() != dir {
                        errors.push(format!(
                            "{path}: family `{}` differs from the directory",
                            c.meta.family()
                        ));
                    }
                    checks.push(c);
                }
                Err(e) => errors.push(format!("{path}: {e}")),
            }
        }
        let rules = checks.iter().map(|c| c.meta.clone()).collect();
        Catalogue {
            checks,
            rules,
            errors,
        }
    })
}

fn collect<'a>(d: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    out.extend(d.files());
    for sub in d.dirs() {
        collect(sub, out);
    }
}

/// The IaC engine. Cheap to construct: the checks are parsed once per process.
pub struct IacEngine {
    cat: &'static Catalogue,
}

impl Default for IacEngine {
    fn default() -> Self {
        IacEngine::new()
    }
}

impl IacEngine {
    /// The engine with its built-in checks.
    pub fn new() -> IacEngine {
        IacEngine { cat: catalogue() }
    }

    /// The loaded checks.
    pub fn checks(&self) -> &[Check] {
        &self.cat.checks
    }

    /// Check files that failed to load.
    pub fn load_errors(&self) -> &[String] {
        &self.cat.errors
    }
}

impl Engine for IacEngine {
    fn name(&self) -> &'static str {
        "iac"
    }

    fn rules(&self) -> &[RuleMeta] {
        &self.cat.rules
    }

    fn wants(&self, path: &str) -> bool {
        detect::wants(path)
    }

    fn start(&self, ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        let options = ctx.engine_options("iac");
        let mut paths: Vec<std::path::PathBuf> = Vec::new();
        match options.get("policy") {
            None => {}
            Some(toml::Value::String(s)) => paths.push(s.into()),
            Some(toml::Value::Array(a)) => {
                for v in a {
                    match v.as_str() {
                        Some(s) => paths.push(s.into()),
                        None => {
                            return Err(
                                "[engines.iac] policy must be a path or a list of paths".into()
                            );
                        }
                    }
                }
            }
            Some(_) => return Err("[engines.iac] policy must be a path or a list of paths".into()),
        }
        let paths: Vec<std::path::PathBuf> = paths
            .into_iter()
            .map(|p| {
                if p.is_relative() && !p.exists() {
                    ctx.root.join(&p)
                } else {
                    p
                }
            })
            .collect();
        let policies = load_policies(&paths)?;
        Ok(Box::new(Session {
            cat: self.cat,
            terraform: Mutex::new(BTreeMap::new()),
            helm: Mutex::new(BTreeMap::new()),
            manifests: Mutex::new(BTreeMap::new()),
            root: ctx.root.clone(),
            kustomize: Mutex::new(KustomizeInput::default()),
            policies,
        }))
    }
}

#[cfg(feature = "rego")]
type PolicySet = rego::Policies;
#[cfg(not(feature = "rego"))]
type PolicySet = ();

#[cfg(feature = "rego")]
fn load_policies(paths: &[std::path::PathBuf]) -> Result<Option<PolicySet>, String> {
    if paths.is_empty() {
        return Ok(None);
    }
    rego::Policies::load(paths).map(Some)
}

#[cfg(not(feature = "rego"))]
fn load_policies(paths: &[std::path::PathBuf]) -> Result<Option<PolicySet>, String> {
    if paths.is_empty() {
        Ok(None)
    } else {
        Err("this build of rampart has no Rego support (feature `rego` of rampart-iac)".into())
    }
}

/// Where a policy result is reported: `(file index, byte span)`.
type Placement = (usize, std::ops::Range<usize>);

/// Evaluates custom policies on one input and reports their results.
#[cfg(feature = "rego")]
fn apply_policies(
    pol: Option<&PolicySet>,
    input: &dyn Fn() -> serde_json::Value,
    place: &dyn Fn(&rego::PolicyResult) -> Placement,
    files: &[&SourceFile],
    out: &mut Emitter,
) {
    let Some(pol) = pol else { return };
    let results = match pol.evaluate(&input()) {
        Ok(r) => r,
        Err(e) => {
            if let Some(f) = files.first() {
                out.diagnostic(Diagnostic::warning(
                    &f.path,
                    format!("custom policy evaluation failed: {e}"),
                ));
            }
            return;
        }
    };
    for r in results {
        let (fi, span) = place(&r);
        let Some(file) = files.get(fi) else { continue };
        let meta = rego::rule_meta(&r.package, &r.rule, r.id.as_deref(), r.severity.as_deref());
        let mut f = Finding::new(&meta, file, span, r.msg.clone());
        f.fingerprint_key = format!("{}.{}|{}", r.package, r.rule, r.msg);
        out.finding(f);
    }
}

#[cfg(not(feature = "rego"))]
fn apply_policies(
    _pol: Option<&PolicySet>,
    _input: &dyn Fn() -> serde_json::Value,
    _place: &dyn Fn(&()) -> Placement,
    _files: &[&SourceFile],
    _out: &mut Emitter,
) {
}

/// Custom policies on one YAML/JSON/Dockerfile document.
fn document_policies(pol: Option<&PolicySet>, doc: &Node, file: &SourceFile, out: &mut Emitter) {
    if pol.is_none() {
        return;
    }
    #[cfg(feature = "rego")]
    let place = |r: &rego::PolicyResult| -> Placement {
        let span = r
            .path
            .as_deref()
            .and_then(|p| rego::locate(doc, p))
            .unwrap_or(doc.span.start..doc.span.start);
        (0, span)
    };
    #[cfg(not(feature = "rego"))]
    let place = |_: &()| -> Placement { (0, 0..0) };
    apply_policies(pol, &|| doc.to_json(), &place, &[file], out);
}

struct Session {
    /// Helm charts by chart directory.
    helm: Mutex<BTreeMap<String, helm::ChartFiles>>,
    policies: Option<PolicySet>,
    cat: &'static Catalogue,
    /// Terraform files by directory, evaluated together in `finish`.
    terraform: Mutex<BTreeMap<String, Vec<(String, String)>>>,
    /// `.terraform/modules/modules.json` texts by the directory `terraform init` ran in.
    manifests: Mutex<BTreeMap<String, String>>,
    /// The scan root.
    root: std::path::PathBuf,
    /// Kustomize inputs, built in `finish`.
    kustomize: Mutex<KustomizeInput>,
}

/// What a scan saw that Kustomize builds may need.
#[derive(Default)]
struct KustomizeInput {
    /// Kustomization files by directory: path and text.
    kustomizations: BTreeMap<String, (String, String)>,
    /// Kubernetes manifests: text and the results of scanning them alone (used unless a
    /// kustomization includes them).
    manifests: BTreeMap<String, (String, Emitter)>,
    /// Other YAML files (patches that are not manifests), by path.
    other: BTreeMap<String, String>,
}

impl EngineSession for Session {
    fn extra_rules(&self) -> Vec<RuleMeta> {
        #[cfg(feature = "rego")]
        if let Some(p) = &self.policies {
            return p.rule_metas();
        }
        Vec::new()
    }

    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        let text = file.text();
        if let Some((chart_dir, kind)) = helm_role(&file.path, &text) {
            let mut helm = self.helm.lock().unwrap_or_else(|e| e.into_inner());
            let chart = helm.entry(chart_dir).or_default();
            match kind {
                HelmRole::Values => chart.values = Some((file.path.clone(), text.into_owned())),
                HelmRole::Chart => chart.chart_yaml = Some(text.into_owned()),
                HelmRole::Template => chart.templates.push((file.path.clone(), text.into_owned())),
            }
            return;
        }
        if let Some(dir) = file.path.strip_suffix(MODULES_JSON)
            && (dir.is_empty() || dir.ends_with('/'))
        {
            let mut m = self.manifests.lock().unwrap_or_else(|e| e.into_inner());
            m.insert(dir.trim_end_matches('/').to_string(), text.into_owned());
            return;
        }
        // Kustomize builds use the working tree (other origins are scanned file by file).
        let work_tree = file.origin == rampart_core::source::Origin::WorkTree;
        if kustomize::is_kustomization(&file.path) {
            if !work_tree {
                return;
            }
            let dir = file.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let mut k = self.kustomize.lock().unwrap_or_else(|e| e.into_inner());
            k.kustomizations
                .insert(dir.to_string(), (file.path.clone(), text.into_owned()));
            return;
        }
        let Some(format) = detect::detect(&file.path, &text) else {
            let lower = file.path.to_ascii_lowercase();
            if work_tree
                && (lower.ends_with(".yaml") || lower.ends_with(".yml"))
                && text.len() < 1 << 20
            {
                let mut k = self.kustomize.lock().unwrap_or_else(|e| e.into_inner());
                k.other.insert(file.path.clone(), text.into_owned());
            }
            return;
        };
        match format {
            Format::Terraform => {
                let dir = file
                    .path
                    .rsplit_once('/')
                    .map(|(d, _)| d)
                    .unwrap_or("")
                    .to_string();
                let mut tf = self.terraform.lock().unwrap_or_else(|e| e.into_inner());
                tf.entry(dir)
                    .or_default()
                    .push((file.path.clone(), text.into_owned()));
            }
            Format::TerraformPlan => {
                let (docs, err) = yaml::parse(&text);
                if let Some(e) = err {
                    out.diagnostic(
                        Diagnostic::error(&file.path, format!("JSON syntax error: {}", e.message))
                            .at_line(e.line),
                    );
                }
                if let Some(root) = docs.first() {
                    terraform_plan(self.cat, root, file, &text, out);
                }
            }
            Format::Dockerfile => {
                let doc = dockerfile::parse(&text);
                run_checks(self.cat, format, &doc, file, &text, out);
                document_policies(self.policies.as_ref(), &doc, file, out);
            }
            _ => {
                let parsed = yaml::parse_full(&text);
                if let Some(e) = &parsed.error {
                    let lang = if file.path.to_ascii_lowercase().ends_with(".json") {
                        "JSON"
                    } else {
                        "YAML"
                    };
                    out.diagnostic(
                        Diagnostic::error(
                            &file.path,
                            format!("{lang} syntax error: {}", e.message),
                        )
                        .at_line(e.line),
                    );
                }
                for d in parsed.limit_diagnostics(&file.path) {
                    out.diagnostic(d);
                }
                let docs = parsed.docs;
                // Kubernetes results wait for `finish`: a kustomization may include the file.
                let mut own = Emitter::default();
                let defer = format == Format::Kubernetes && work_tree;
                let sink = if defer { &mut own } else { &mut *out };
                for doc in docs.iter().filter(|d| d.as_map().is_some()) {
                    if format == Format::CloudFormation {
                        for diag in cfn::condition_cycles(doc, &file.path) {
                            sink.diagnostic(diag);
                        }
                        let d = cfn::normalise(doc);
                        run_checks(self.cat, format, &d, file, &text, sink);
                    } else {
                        run_checks(self.cat, format, doc, file, &text, sink);
                    }
                    document_policies(self.policies.as_ref(), doc, file, sink);
                }
                if defer {
                    let mut k = self.kustomize.lock().unwrap_or_else(|e| e.into_inner());
                    k.manifests
                        .insert(file.path.clone(), (text.into_owned(), own));
                }
            }
        }
    }

    fn finish(self: Box<Self>, out: &mut Emitter) {
        let dirs = self
            .terraform
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let manifests = self
            .manifests
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let input = TfInput {
            dirs,
            manifests,
            root: self.root.clone(),
        };
        terraform(self.cat, self.policies.as_ref(), input, out);
        let charts = self.helm.into_inner().unwrap_or_else(|e| e.into_inner());
        helm_charts(self.cat, charts, out);
        let k = self
            .kustomize
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        kustomizations(self.cat, k, &self.root, out);
    }
}

enum HelmRole {
    Values,
    Chart,
    Template,
}

/// Whether a file belongs to a Helm chart: its `values.yaml`, `Chart.yaml`, a helper
/// (`templates/*.tpl`) or a template with actions.
fn helm_role(path: &str, text: &str) -> Option<(String, HelmRole)> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    if name == "values.yaml" || name == "values.yml" {
        return Some((dir.to_string(), HelmRole::Values));
    }
    if name == "Chart.yaml" {
        return Some((dir.to_string(), HelmRole::Chart));
    }
    let lower = name.to_ascii_lowercase();
    let tpl = lower.ends_with(".tpl");
    if !(tpl || ((lower.ends_with(".yaml") || lower.ends_with(".yml")) && text.contains("{{"))) {
        return None;
    }
    let full = format!("/{path}");
    let at = full.rfind("/templates/")?;
    Some((full[1..at.max(1)].to_string(), HelmRole::Template))
}

/// Renders each chart's templates with its values and scans them as Kubernetes manifests;
/// findings point at the template lines the values came from.
fn helm_charts(cat: &Catalogue, charts: BTreeMap<String, helm::ChartFiles>, out: &mut Emitter) {
    // Parents first: a subchart (`P/charts/NAME`) renders with its parent's values for it, or
    // not at all when the parent's dependency condition disables it.
    let mut order: Vec<&String> = charts.keys().collect();
    order.sort_by_key(|d| (d.matches('/').count(), d.to_string()));
    let mut effective: HashMap<String, Option<gotpl::V>> = HashMap::new();
    for dir in order {
        let chart = &charts[dir];
        let mut diags = Vec::new();
        let own = helm::own_values(chart, &mut diags);
        let parent = dir
            .rsplit_once("/charts/")
            .filter(|(_, name)| !name.contains('/'))
            .and_then(|(p, name)| effective.get(p).map(|v| (p, name, v.clone())));
        let values = match parent {
            None => Some(own),
            Some((_, _, None)) => None,
            Some((p, name, Some(pv))) => {
                let (key, enabled) = helm::dependency(charts[p].chart_yaml.as_deref(), &pv, name);
                enabled.then(|| helm::subchart_values(own, &pv, &key))
            }
        };
        effective.insert(dir.clone(), values.clone());
        for d in diags {
            out.diagnostic(d);
        }
        let Some(values) = values else { continue };
        if chart.templates.is_empty() {
            continue;
        }
        let (rendered, diags) = helm::render_chart_with(dir, chart, values);
        for d in diags {
            out.diagnostic(d);
        }
        for r in rendered {
            let (docs, err) = yaml::parse(&r.output.text);
            if let Some(e) = err {
                let off = model::LineIndex::new(&r.output.text)
                    .line_start(e.line)
                    .unwrap_or(0);
                let line = model::LineIndex::new(&r.source).line(r.output.source(off));
                out.diagnostic(
                    Diagnostic::note(
                        &r.path,
                        format!(
                            "Helm template only partly scanned (rendered YAML: {})",
                            e.message
                        ),
                    )
                    .at_line(line),
                );
            }
            let file = SourceFile::new(
                &r.path,
                r.source.clone().into_bytes(),
                rampart_core::source::Origin::WorkTree,
            );
            let mut seen = HashSet::new();
            for doc in docs.iter().filter(|d| d.as_map().is_some()) {
                for (check, h) in check_hits(cat, Format::Kubernetes, doc, &r.output.text) {
                    let span = r.source_span(&h.span);
                    let mut f = Finding::new(&check.meta, &file, span, h.message);
                    f.fingerprint_key = format!("helm|{}", h.key);
                    if seen.insert((f.rule_id.clone(), f.location.clone())) {
                        out.finding(f);
                    }
                }
            }
        }
    }
}

/// Builds every top-level kustomization and scans the result; manifests no kustomization
/// includes are reported as scanned alone.
///
/// Policy: a manifest (or patch) that a kustomization includes is reported through the
/// top-level kustomizations that build it, never alone, so a base setting an overlay fixes is
/// not reported, and a value a patch introduces is reported at the patch's line. Findings at
/// the same place from several overlays are reported once (naming the first overlay, by path
/// order). Custom-policy results of included manifests are kept from their own scan.
fn kustomizations(
    cat: &Catalogue,
    input: KustomizeInput,
    root: &std::path::Path,
    out: &mut Emitter,
) {
    let KustomizeInput {
        kustomizations,
        manifests,
        other,
    } = input;
    if kustomizations.is_empty() {
        for (_, (_, e)) in manifests {
            out.findings.extend(e.findings);
            out.diagnostics.extend(e.diagnostics);
        }
        return;
    }
    let read = |p: &str| -> Option<String> {
        let name = p.rsplit('/').next().unwrap_or(p);
        if kustomize::KUSTOMIZATION_FILES.contains(&name) {
            let dir = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            if let Some((kp, t)) = kustomizations.get(dir)
                && kp == p
            {
                return Some(t.clone());
            }
        }
        if let Some((t, _)) = manifests.get(p) {
            return Some(t.clone());
        }
        if let Some(t) = other.get(p) {
            return Some(t.clone());
        }
        let full = root.join(p);
        if p.is_empty() || !full.is_file() {
            return None;
        }
        std::fs::read_to_string(full).ok()
    };
    use rayon::prelude::*;
    let dirs: Vec<&String> = kustomizations.keys().collect();
    let builds: Vec<kustomize::Build> = dirs
        .par_iter()
        .filter_map(|d| kustomize::build(d, &read))
        .collect();
    let included: HashSet<&String> = builds
        .iter()
        .flat_map(|b| b.kustomizations.iter())
        .collect();
    // Top-level kustomizations; members of a cycle that no top-level one reaches count too.
    let mut roots: Vec<&kustomize::Build> = Vec::new();
    let mut reached: HashSet<String> = HashSet::new();
    for (d, b) in dirs.iter().zip(&builds) {
        if !included.contains(d) {
            reached.insert((*d).clone());
            reached.extend(b.kustomizations.iter().cloned());
            roots.push(b);
        }
    }
    for (d, b) in dirs.iter().zip(&builds) {
        if !reached.contains(*d) {
            reached.insert((*d).clone());
            reached.extend(b.kustomizations.iter().cloned());
            roots.push(b);
        }
    }
    let mut used: HashSet<String> = HashSet::new();
    let mut seen = HashSet::new();
    // A manifest's own scan may have reported the same syntax error already.
    let mut seen_diag: HashSet<(Option<String>, Option<usize>, String)> = out
        .diagnostics
        .iter()
        .map(|d| (d.path.clone(), d.line, d.message.clone()))
        .collect();
    for b in roots {
        used.extend(b.files.iter().map(|(p, _, _)| p.clone()));
        for d in &b.diagnostics {
            if seen_diag.insert((d.path.clone(), d.line, d.message.clone())) {
                out.diagnostic(d.clone());
            }
        }
        let files: Vec<SourceFile> = b
            .files
            .iter()
            .map(|(p, t, _)| {
                SourceFile::new(
                    p,
                    t.clone().into_bytes(),
                    rampart_core::source::Origin::WorkTree,
                )
            })
            .collect();
        let overlay = b.path.rsplit_once('/').map(|(d, _)| d).unwrap_or(".");
        for doc in &b.docs {
            for (check, h) in check_hits(cat, Format::Kubernetes, doc, &b.text) {
                let Some((fi, span)) = b.locate(&h.span) else {
                    continue;
                };
                let message = format!("{} (kustomize build of {overlay})", h.message);
                let mut f = Finding::new(&check.meta, &files[fi], span, message);
                f.fingerprint_key = format!("kustomize|{}", h.key);
                if seen.insert((f.rule_id.clone(), f.location.clone())) {
                    out.finding(f);
                }
            }
        }
    }
    for (path, (_, e)) in manifests {
        if used.contains(&path) {
            // Built through a kustomization: only custom-policy results and diagnostics stay.
            out.findings.extend(
                e.findings
                    .into_iter()
                    .filter(|f| f.tags.iter().any(|t| t == "custom-policy")),
            );
            out.diagnostics.extend(e.diagnostics);
        } else {
            out.findings.extend(e.findings);
            out.diagnostics.extend(e.diagnostics);
        }
    }
}

/// Every check's hits on one document, spans in `text`, once per (rule, span).
fn check_hits<'c>(
    cat: &'c Catalogue,
    format: Format,
    doc: &Node,
    text: &str,
) -> Vec<(&'c Check, RawHit)> {
    let subjects = docs::subjects(format, doc);
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for check in cat.checks.iter().filter(|c| c.formats.contains(&format)) {
        for s in subjects.iter().filter(|s| check.applies_to(&s.kind)) {
            for h in evaluate_hits(check, s, text) {
                if seen.insert((check.meta.id.clone(), h.span.clone())) {
                    out.push((check, h));
                }
            }
        }
    }
    out
}

fn run_checks(
    cat: &Catalogue,
    format: Format,
    doc: &Node,
    file: &SourceFile,
    text: &str,
    out: &mut Emitter,
) {
    let subjects = docs::subjects(format, doc);
    let mut seen = HashSet::new();
    for check in cat.checks.iter().filter(|c| c.formats.contains(&format)) {
        for s in subjects.iter().filter(|s| check.applies_to(&s.kind)) {
            for f in evaluate(check, s, file, text) {
                if seen.insert((f.rule_id.clone(), f.location.clone())) {
                    out.finding(f);
                }
            }
        }
    }
}

fn fill(template: &str, address: &str, path: &str, value: Option<&str>) -> String {
    template
        .replace("{address}", address)
        .replace("{path}", path)
        .replace("{value}", value.unwrap_or(""))
}

/// Runs one check on one subject.
fn evaluate(check: &Check, s: &Subject<'_>, file: &SourceFile, text: &str) -> Vec<Finding> {
    evaluate_hits(check, s, text)
        .into_iter()
        .map(|h| {
            let mut f = Finding::new(&check.meta, file, h.span, h.message);
            f.fingerprint_key = h.key;
            f
        })
        .collect()
}

/// A check's hit before it becomes a finding: a span of the text checked, a message and a
/// fingerprint key.
struct RawHit {
    span: std::ops::Range<usize>,
    message: String,
    key: String,
}

/// Runs one check on one subject, returning spans of `text`.
fn evaluate_hits(check: &Check, s: &Subject<'_>, text: &str) -> Vec<RawHit> {
    let mut found = Vec::new();
    if let Some(name) = &check.capability {
        let Some(cap) = caps::get(name) else {
            return found;
        };
        let ctx = caps::Ctx {
            subject: s,
            params: &check.params,
            text,
        };
        for h in cap(&ctx) {
            found.push(RawHit {
                span: h.span,
                message: h.message,
                key: format!("{}|{}", s.address, h.key),
            });
        }
        return found;
    }
    let Some(fail) = &check.fail else {
        return found;
    };
    let macros = |m: &str| s.macro_nodes(m);
    let items: Vec<(String, std::borrow::Cow<'_, Node>)> = match &check.each {
        None => vec![(String::new(), std::borrow::Cow::Borrowed(s.node))],
        Some(p) => path::resolve(s.node, p, &macros)
            .nodes
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                let id = n
                    .get("name")
                    .and_then(Node::scalar_text)
                    .unwrap_or_else(|| i.to_string());
                (format!("[{id}]"), n)
            })
            .collect(),
    };
    for (item_key, item) in &items {
        if let Some(w) = &check.where_
            && !matches!(w.eval(item, &macros), Tri::True(_))
        {
            continue;
        }
        if let Tri::True(hit) = fail.eval(item, &macros) {
            let (span, p, value) = match hit {
                Some(h) => (h.span, h.path, h.value),
                None => (item.report_span(), String::new(), None),
            };
            let message = match &check.message {
                Some(t) => fill(t, &s.address, &p, value.as_deref()),
                None => format!("{} ({}{item_key})", check.meta.title, s.address),
            };
            found.push(RawHit {
                span,
                message,
                key: format!("{}{item_key}|{p}", s.address),
            });
        }
    }
    found
}

/// Runs the Terraform checks over evaluated blocks.
fn check_tf_blocks(
    cat: &Catalogue,
    blocks: &[hcl::TfBlock],
    prefix: &dyn Fn(usize) -> String,
    sources: &[SourceFile],
    texts: &[&str],
    seen: &mut HashSet<(String, rampart_core::Location)>,
    out: &mut Emitter,
) {
    let checks: Vec<&Check> = cat
        .checks
        .iter()
        .filter(|c| c.formats.contains(&Format::Terraform))
        .collect();
    for (i, b) in blocks.iter().enumerate() {
        let kind = tf_kind(b);
        let address = format!("{}{}", prefix(i), b.address());
        let related = |m: &str| related_blocks(blocks, b, m);
        let subject = Subject {
            kind: kind.clone(),
            address,
            node: &b.node,
            macros: Vec::new(),
            dynamic: Some(&related),
        };
        let (Some(file), Some(text)) = (sources.get(b.file), texts.get(b.file)) else {
            continue;
        };
        for c in checks.iter().filter(|c| c.applies_to(&kind)) {
            for f in evaluate(c, &subject, file, text) {
                if seen.insert((f.rule_id.clone(), f.location.clone())) {
                    out.finding(f);
                }
            }
        }
    }
}

/// A Terraform plan (JSON): its resources through the Terraform checks.
fn terraform_plan(cat: &Catalogue, root: &Node, file: &SourceFile, text: &str, out: &mut Emitter) {
    let pairs = plan::blocks(root);
    let prefixes: Vec<String> = pairs.iter().map(|(p, _)| p.clone()).collect();
    let blocks: Vec<hcl::TfBlock> = pairs.into_iter().map(|(_, b)| b).collect();
    let mut seen = HashSet::new();
    let sources = std::slice::from_ref(file);
    check_tf_blocks(
        cat,
        &blocks,
        &|i| prefixes[i].clone(),
        sources,
        &[text],
        &mut seen,
        out,
    );
}

/// `ref:TYPE:ATTR`: the blocks of TYPE whose ATTR refers to `me` (by reference, or by the same
/// literal name).
fn related_blocks<'a>(blocks: &'a [hcl::TfBlock], me: &hcl::TfBlock, m: &str) -> Vec<&'a Node> {
    let mut parts = m.splitn(3, ':');
    let (Some("ref"), Some(ty), Some(attr)) = (parts.next(), parts.next(), parts.next()) else {
        return Vec::new();
    };
    let target = me.base_address();
    let names: Vec<String> = ["bucket", "name", "id", "arn"]
        .iter()
        .filter_map(|k| me.node.get(k).and_then(Node::as_str).map(String::from))
        .collect();
    blocks
        .iter()
        .filter(|o| tf_kind(o) == ty)
        .filter(|o| {
            o.node.get(attr).is_some_and(|v| match &v.value {
                model::Value::Unknown(e) => {
                    e == &target
                        || e.contains(&format!("{target}."))
                        || e.contains(&format!("{target}["))
                }
                model::Value::Str(s) => names.iter().any(|n| n == s),
                _ => false,
            })
        })
        .map(|o| &o.node)
        .collect()
}

/// The kind a Terraform block is selected by.
fn tf_kind(b: &hcl::TfBlock) -> String {
    match b.block_type.as_str() {
        "resource" => b.kind.clone(),
        "data" => format!("data.{}", b.kind),
        "provider" => format!("provider.{}", b.kind),
        other => other.to_string(),
    }
}

struct TfDir {
    files: Vec<hcl::TfFile>,
    sources: Vec<SourceFile>,
}

/// Path of a directory's `terraform init` module manifest.
const MODULES_JSON: &str = ".terraform/modules/modules.json";

/// What `finish` evaluates: Terraform files by directory, `modules.json` manifests by the
/// directory `terraform init` ran in, and the scan root (to read `.terraform/modules` when the
/// walk did not deliver it, as `.gitignore` usually excludes it).
struct TfInput {
    dirs: BTreeMap<String, Vec<(String, String)>>,
    manifests: BTreeMap<String, String>,
    root: std::path::PathBuf,
}

/// Parses a `modules.json` manifest into module key → directory (relative to the scan root).
fn read_manifest(dir: &str, text: &str) -> Result<HashMap<String, String>, String> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        #[serde(rename = "Modules", default)]
        modules: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(rename = "Key")]
        key: String,
        #[serde(rename = "Dir")]
        dir: String,
    }
    let m: Manifest = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(m.modules
        .into_iter()
        .filter(|e| !e.key.is_empty())
        .map(|e| {
            (
                e.key,
                rampart_core::paths::join(dir, &e.dir.replace('\\', "/")),
            )
        })
        .collect())
}

/// Whether a directory lies under a `.terraform` directory (installed modules).
fn in_dot_terraform(dir: &str) -> bool {
    dir.split('/').any(|c| c == ".terraform")
}

/// Reads a module directory's Terraform files from disk.
fn read_tf_dir(root: &std::path::Path, dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
        return out;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".tf") || lower.ends_with(".tf.json")) || !e.path().is_file() {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(e.path()) {
            out.push((rampart_core::paths::join(dir, &name), text));
        }
    }
    out
}

fn parse_tf_dir(mut files: Vec<(String, String)>) -> (TfDir, Vec<Diagnostic>) {
    files.sort();
    let mut d = TfDir {
        files: Vec::new(),
        sources: Vec::new(),
    };
    let mut diags = Vec::new();
    for (path, text) in files {
        match hcl::TfFile::parse(&path, &text) {
            Ok(f) => {
                d.sources.push(SourceFile::new(
                    &path,
                    text.into_bytes(),
                    rampart_core::source::Origin::WorkTree,
                ));
                d.files.push(f);
            }
            Err(e) => diags.push(
                Diagnostic::error(&path, format!("Terraform syntax error: {}", e.message))
                    .at_line(e.line),
            ),
        }
    }
    (d, diags)
}

/// Evaluation context shared by every module of one scan.
struct TfCtx<'a> {
    cat: &'a Catalogue,
    pol: Option<&'a PolicySet>,
    parsed: HashMap<String, TfDir>,
    /// Per root module directory: its `modules.json` (module key → directory).
    inits: HashMap<String, HashMap<String, String>>,
}

fn terraform(cat: &Catalogue, pol: Option<&PolicySet>, input: TfInput, out: &mut Emitter) {
    let TfInput {
        dirs,
        manifests,
        root,
    } = input;
    if dirs.is_empty() {
        return;
    }
    // Directories are parsed, and root modules evaluated, in parallel.
    use rayon::prelude::*;
    let parsed_list: Vec<(String, TfDir, Vec<Diagnostic>)> = dirs
        .into_par_iter()
        .map(|(dir, files)| {
            let (d, diags) = parse_tf_dir(files);
            (dir, d, diags)
        })
        .collect();
    let mut parsed: HashMap<String, TfDir> = HashMap::new();
    for (dir, d, diags) in parsed_list {
        for diag in diags {
            out.diagnostic(diag);
        }
        parsed.insert(dir, d);
    }
    // `terraform init` manifests of the directories that may be roots: delivered by the walk,
    // or read from disk.
    let mut inits: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut installed: HashSet<String> = HashSet::new();
    let candidates: Vec<String> = parsed
        .keys()
        .filter(|d| !in_dot_terraform(d))
        .cloned()
        .collect();
    for dir in candidates {
        let mpath = rampart_core::paths::join(&dir, MODULES_JSON);
        let text = manifests
            .get(&dir)
            .cloned()
            .or_else(|| std::fs::read_to_string(root.join(&mpath)).ok());
        let Some(text) = text else { continue };
        match read_manifest(&dir, &text) {
            Ok(map) => {
                for mdir in map.values() {
                    installed.insert(mdir.clone());
                    if !parsed.contains_key(mdir) {
                        let (d, diags) = parse_tf_dir(read_tf_dir(&root, mdir));
                        for diag in diags {
                            out.diagnostic(diag);
                        }
                        if !d.files.is_empty() {
                            parsed.insert(mdir.clone(), d);
                        }
                    }
                }
                inits.insert(dir, map);
            }
            Err(e) => out.diagnostic(Diagnostic::warning(
                mpath,
                format!("cannot read the Terraform module manifest: {e}"),
            )),
        }
    }
    // Directories called as local modules are evaluated through their callers, with inputs;
    // installed modules through the root that installed them. A directory that calls itself
    // (`source = "./"`) is still a root, and members of a cycle of local modules that no root
    // reaches become roots too, so that no file goes unchecked.
    let mut calls: HashMap<String, Vec<String>> = HashMap::new();
    for (dir, d) in &parsed {
        for f in &d.files {
            for (_, src) in f.module_sources() {
                if is_local_source(&src) {
                    calls
                        .entry(dir.clone())
                        .or_default()
                        .push(rampart_core::paths::join(dir, &src));
                }
            }
        }
    }
    let called: HashSet<&String> = calls
        .iter()
        .flat_map(|(from, to)| to.iter().filter(move |t| *t != from))
        .collect();
    let mut candidates: Vec<String> = parsed
        .keys()
        .filter(|d| !installed.contains(*d) && !in_dot_terraform(d))
        .cloned()
        .collect();
    candidates.sort();
    let roots: Vec<String> = candidates
        .iter()
        .filter(|d| !called.contains(*d))
        .cloned()
        .collect();
    let ctx = TfCtx {
        cat,
        pol,
        parsed,
        inits,
    };
    let run = |dir: &String| {
        let mut e = Emitter::default();
        let mut seen = HashSet::new();
        let mut evaluated = HashSet::new();
        let call = ModuleCall {
            dir,
            inputs: &HashMap::new(),
            prefix: "",
            init: ctx.inits.get(dir),
            key: "",
        };
        let mut chain = vec![dir.clone()];
        tf_module(&ctx, &call, &mut chain, &mut evaluated, &mut seen, &mut e);
        (e, evaluated)
    };
    let mut results: Vec<(Emitter, HashSet<String>)> = roots.par_iter().map(run).collect();
    // Directories no root evaluated (members of a cycle of local modules no root calls, and
    // modules past the nesting limit) are evaluated as roots of their own, in path order.
    let mut evaluated: HashSet<String> = results.iter().flat_map(|(_, d)| d.clone()).collect();
    for dir in &candidates {
        if !evaluated.contains(dir) {
            let r = run(dir);
            evaluated.extend(r.1.iter().cloned());
            results.push(r);
        }
    }
    // A module called from two roots reports each finding once.
    let mut seen = HashSet::new();
    let mut seen_diag = HashSet::new();
    for (e, _) in results {
        for f in e.findings {
            if seen.insert((f.rule_id.clone(), f.location.clone())) {
                out.finding(f);
            }
        }
        for d in e.diagnostics {
            if seen_diag.insert((d.path.clone(), d.line, d.message.clone())) {
                out.diagnostic(d);
            }
        }
    }
}

/// One evaluation of a module directory.
struct ModuleCall<'a> {
    dir: &'a str,
    inputs: &'a HashMap<String, Node>,
    /// Address prefix of its blocks (`module.x.`).
    prefix: &'a str,
    /// The root's `modules.json`, when `terraform init` ran.
    init: Option<&'a HashMap<String, String>>,
    /// Module key in `modules.json` (`vpc`, `vpc.subnets`); empty for the root.
    key: &'a str,
}

/// How deeply module calls may nest (root → child → grandchild…).
pub const MAX_MODULE_NESTING: usize = 16;

/// Whether a module `source` is a local directory.
fn is_local_source(src: &str) -> bool {
    src.starts_with("./") || src.starts_with("../") || src == "." || src == ".."
}

/// Evaluates one module call and, recursively, the module calls in it. `chain` holds the
/// directories of the calls being evaluated (the root first), to detect cycles; `evaluated`
/// collects every directory evaluated.
fn tf_module(
    ctx: &TfCtx<'_>,
    call: &ModuleCall<'_>,
    chain: &mut Vec<String>,
    evaluated: &mut HashSet<String>,
    seen: &mut HashSet<(String, rampart_core::Location)>,
    out: &mut Emitter,
) {
    let (cat, pol, parsed) = (ctx.cat, ctx.pol, &ctx.parsed);
    let (dir, inputs, prefix) = (call.dir, call.inputs, call.prefix);
    let Some(d) = parsed.get(dir) else { return };
    evaluated.insert(dir.to_string());
    let hcl::Evaluated {
        blocks,
        diagnostics,
        ..
    } = hcl::evaluate_module(&d.files, inputs);
    for diag in diagnostics {
        out.diagnostic(diag);
    }
    let texts: Vec<&str> = d.files.iter().map(|f| f.text.as_str()).collect();
    check_tf_blocks(
        cat,
        &blocks,
        &|_| prefix.to_string(),
        &d.sources,
        &texts,
        seen,
        out,
    );
    if pol.is_some() && !blocks.is_empty() {
        #[cfg(feature = "rego")]
        let place = |r: &rego::PolicyResult| -> Placement {
            let found = r.address.as_deref().and_then(|a| {
                let a = a.strip_prefix(prefix).unwrap_or(a);
                blocks
                    .iter()
                    .find(|b| b.address() == a)
                    .or_else(|| blocks.iter().find(|b| b.base_address() == a))
            });
            let b = found.unwrap_or(&blocks[0]);
            let span = match r.path.as_deref() {
                Some(p) => rego::locate(&b.node, p).unwrap_or_else(|| b.node.report_span()),
                None => b.node.report_span(),
            };
            (b.file, span)
        };
        #[cfg(not(feature = "rego"))]
        let place = |_: &()| -> Placement { (0, 0..0) };
        #[cfg(feature = "rego")]
        let input = || rego::terraform_input(&blocks);
        #[cfg(not(feature = "rego"))]
        let input = || serde_json::Value::Null;
        let files: Vec<&SourceFile> = d.sources.iter().collect();
        apply_policies(pol, &input, &place, &files, out);
    }
    for b in blocks.iter().filter(|b| b.block_type == "module") {
        let Some(src) = b.node.get("source").and_then(Node::as_str) else {
            continue;
        };
        let key = if call.key.is_empty() {
            b.kind.clone()
        } else {
            format!("{}.{}", call.key, b.kind)
        };
        let target = if is_local_source(src) {
            Some(rampart_core::paths::join(dir, src))
        } else {
            call.init
                .and_then(|m| m.get(&key))
                .filter(|d| parsed.contains_key(*d))
                .cloned()
        };
        let Some(target) = target else {
            if let Some(file) = d.sources.get(b.file) {
                out.diagnostic(
                    Diagnostic::note(
                        &file.path,
                        format!(
                            "module `{}` (source `{src}`) is not installed locally, so it is not \
                             scanned and its outputs are unknown; run `terraform init` to scan it",
                            b.kind
                        ),
                    )
                    .at_line(b.node.key_line),
                );
            }
            continue;
        };
        let refused = if chain.contains(&target) {
            let shown = |d: &String| {
                if d.is_empty() {
                    ".".to_string()
                } else {
                    d.clone()
                }
            };
            let cycle: Vec<String> = chain
                .iter()
                .skip_while(|d| **d != target)
                .chain(std::iter::once(&target))
                .map(shown)
                .collect();
            Some(format!(
                "module `{}` (source `{src}`) calls a module that is already being evaluated \
                 (cycle of local modules: {}); the call is not followed, the files of `{}` are \
                 checked once",
                b.kind,
                cycle.join(" → "),
                shown(&target)
            ))
        } else if chain.len() >= MAX_MODULE_NESTING {
            Some(format!(
                "module `{}` (source `{src}`) nests more than {MAX_MODULE_NESTING} module calls \
                 deep; it is not evaluated through this call",
                b.kind
            ))
        } else {
            None
        };
        if let Some(message) = refused {
            if let Some(file) = d.sources.get(b.file) {
                out.diagnostic(Diagnostic::warning(&file.path, message).at_line(b.node.key_line));
            }
            continue;
        }
        let meta = [
            "source",
            "version",
            "count",
            "for_each",
            "providers",
            "depends_on",
        ];
        let inputs: HashMap<String, Node> = b
            .node
            .as_map()
            .unwrap_or(&[])
            .iter()
            .filter(|(k, _)| !meta.contains(&k.as_str()))
            .cloned()
            .collect();
        let p = format!("{prefix}{}.", b.address());
        let child = ModuleCall {
            dir: &target,
            inputs: &inputs,
            prefix: &p,
            init: call.init,
            key: &key,
        };
        chain.push(target.clone());
        tf_module(ctx, &child, chain, evaluated, seen, out);
        chain.pop();
    }
}
