//! rampart-iac: the infrastructure-as-code and CI-pipeline engine of rampart.
//!
//! Every supported format (Terraform, CloudFormation, Kubernetes, Dockerfile, docker-compose,
//! GitHub Actions, GitLab CI) is parsed into one document model ([`model::Node`], every node
//! with its span and line). Checks are data files (`checks/<family>/<id>.toml`) evaluated by a
//! small condition language ([`cond`]) over path expressions ([`path`]), or native
//! [`caps`] (capabilities) a data file names. See `ARCHITECTURE-iac.md`.

pub mod caps;
pub mod check;
pub mod cond;
pub mod detect;
pub mod dockerfile;
pub mod docs;
pub mod hcl;
pub mod helm;
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
        let name =
            r.id.clone()
                .unwrap_or_else(|| format!("{}-{}", r.package, r.rule));
        let kebab: String = name
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let severity = r
            .severity
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(if r.rule == "warn" {
                rampart_core::Severity::Medium
            } else {
                rampart_core::Severity::High
            });
        let meta = RuleMeta {
            id: format!("iac/policy-{}", kebab.trim_matches('-')),
            engine: "iac".into(),
            title: format!("Custom policy {}.{}", r.package, r.rule),
            severity,
            confidence: rampart_core::Confidence::Medium,
            cwe: Vec::new(),
            owasp: Vec::new(),
            tags: vec!["custom-policy".into()],
            why: String::new(),
            fix: String::new(),
            references: Vec::new(),
            examples: Vec::new(),
        };
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

/// The files of one Helm chart, rendered in `finish`.
#[derive(Default)]
struct Chart {
    values: Option<String>,
    templates: Vec<(String, String)>,
}

struct Session {
    /// Helm charts by chart directory.
    helm: Mutex<BTreeMap<String, Chart>>,
    policies: Option<PolicySet>,
    cat: &'static Catalogue,
    /// Terraform files by directory, evaluated together in `finish`.
    terraform: Mutex<BTreeMap<String, Vec<(String, String)>>>,
}

impl EngineSession for Session {
    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        let text = file.text();
        if let Some((chart_dir, kind)) = helm_role(&file.path, &text) {
            let mut helm = self.helm.lock().unwrap_or_else(|e| e.into_inner());
            let chart = helm.entry(chart_dir).or_default();
            match kind {
                HelmRole::Values => chart.values = Some(text.into_owned()),
                HelmRole::Template => chart.templates.push((file.path.clone(), text.into_owned())),
            }
            return;
        }
        let Some(format) = detect::detect(&file.path, &text) else {
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
                let (docs, err, limited) = yaml::parse_with_limit(&text);
                if let Some(e) = err {
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
                if let Some(line) = limited {
                    out.diagnostic(
                        Diagnostic::warning(
                            &file.path,
                            format!(
                                "YAML aliases expand to more than {} nodes; aliases from here on were not expanded and are treated as unknown",
                                yaml::ALIAS_EXPANSION_LIMIT
                            ),
                        )
                        .at_line(line),
                    );
                }
                for doc in docs.iter().filter(|d| d.as_map().is_some()) {
                    if format == Format::CloudFormation {
                        let d = docs::cfn_normalise(doc);
                        run_checks(self.cat, format, &d, file, &text, out);
                    } else {
                        run_checks(self.cat, format, doc, file, &text, out);
                    }
                    document_policies(self.policies.as_ref(), doc, file, out);
                }
            }
        }
    }

    fn finish(self: Box<Self>, out: &mut Emitter) {
        let dirs = self
            .terraform
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        terraform(self.cat, self.policies.as_ref(), dirs, out);
        let charts = self.helm.into_inner().unwrap_or_else(|e| e.into_inner());
        helm_charts(self.cat, charts, out);
    }
}

enum HelmRole {
    Values,
    Template,
}

/// Whether a file belongs to a Helm chart: its `values.yaml`, or a template with actions.
fn helm_role(path: &str, text: &str) -> Option<(String, HelmRole)> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    if name == "values.yaml" || name == "values.yml" {
        return Some((dir.to_string(), HelmRole::Values));
    }
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".yaml") || lower.ends_with(".yml")) || !text.contains("{{") {
        return None;
    }
    let full = format!("/{path}");
    let at = full.rfind("/templates/")?;
    Some((full[1..at.max(1)].to_string(), HelmRole::Template))
}

/// Renders each chart's templates with its values and scans them as Kubernetes manifests.
fn helm_charts(cat: &Catalogue, charts: BTreeMap<String, Chart>, out: &mut Emitter) {
    for (_, chart) in charts {
        if chart.templates.is_empty() {
            continue;
        }
        let values = chart
            .values
            .as_deref()
            .map(|v| yaml::parse(v).0.into_iter().next())
            .unwrap_or_default()
            .unwrap_or_else(|| Node::new(model::Value::Map(Vec::new()), 0..0, 1));
        for (path, text) in chart.templates {
            let rendered = helm::render(&text, &values);
            let (docs, err) = yaml::parse(&rendered);
            if let Some(e) = err {
                out.diagnostic(
                    Diagnostic::note(
                        &path,
                        format!(
                            "Helm template only partly scanned (rendered YAML: {})",
                            e.message
                        ),
                    )
                    .at_line(e.line),
                );
            }
            let file = SourceFile::new(
                &path,
                rendered.clone().into_bytes(),
                rampart_core::source::Origin::WorkTree,
            );
            for doc in docs.iter().filter(|d| d.as_map().is_some()) {
                run_checks(cat, Format::Kubernetes, doc, &file, &rendered, out);
            }
        }
    }
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
            let mut f = Finding::new(&check.meta, file, h.span, h.message);
            f.fingerprint_key = format!("{}|{}", s.address, h.key);
            found.push(f);
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
            let mut f = Finding::new(&check.meta, file, span, message);
            f.fingerprint_key = format!("{}{item_key}|{p}", s.address);
            found.push(f);
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
    let target = me.address();
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

fn normalise_dir(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

struct TfDir {
    files: Vec<hcl::TfFile>,
    sources: Vec<SourceFile>,
}

fn terraform(
    cat: &Catalogue,
    pol: Option<&PolicySet>,
    dirs: BTreeMap<String, Vec<(String, String)>>,
    out: &mut Emitter,
) {
    if dirs.is_empty() {
        return;
    }
    // Directories are parsed, and root modules evaluated, in parallel.
    use rayon::prelude::*;
    let parsed_list: Vec<(String, TfDir, Vec<Diagnostic>)> = dirs
        .into_par_iter()
        .map(|(dir, mut files)| {
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
    // Directories called as local modules are evaluated through their callers, with inputs.
    let mut called: HashSet<String> = HashSet::new();
    for (dir, d) in &parsed {
        for f in &d.files {
            for s in f.body.iter() {
                if let hcl_edit::structure::Structure::Block(b) = s {
                    if b.ident.as_str() != "module" {
                        continue;
                    }
                    for s in b.body.iter() {
                        if let hcl_edit::structure::Structure::Attribute(a) = s
                            && a.key.as_str() == "source"
                            && let Some(src) = a.value.as_str()
                            && (src.starts_with("./") || src.starts_with("../"))
                        {
                            called.insert(normalise_dir(&format!("{dir}/{src}")));
                        }
                    }
                }
            }
        }
    }
    let mut roots: Vec<&String> = parsed.keys().filter(|d| !called.contains(*d)).collect();
    roots.sort();
    let results: Vec<Emitter> = roots
        .par_iter()
        .map(|dir| {
            let mut e = Emitter::default();
            let mut seen = HashSet::new();
            tf_module(
                cat,
                pol,
                &parsed,
                dir,
                &HashMap::new(),
                "",
                0,
                &mut seen,
                &mut e,
            );
            e
        })
        .collect();
    // A module called from two roots reports each finding once.
    let mut seen = HashSet::new();
    for e in results {
        for f in e.findings {
            if seen.insert((f.rule_id.clone(), f.location.clone())) {
                out.finding(f);
            }
        }
        out.diagnostics.extend(e.diagnostics);
    }
}

#[allow(clippy::too_many_arguments)]
fn tf_module(
    cat: &Catalogue,
    pol: Option<&PolicySet>,
    parsed: &HashMap<String, TfDir>,
    dir: &str,
    inputs: &HashMap<String, Node>,
    prefix: &str,
    depth: usize,
    seen: &mut HashSet<(String, rampart_core::Location)>,
    out: &mut Emitter,
) {
    let Some(d) = parsed.get(dir) else { return };
    if depth > 8 {
        return;
    }
    let (blocks, _) = hcl::evaluate_module(&d.files, inputs);
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
                blocks.iter().find(|b| b.address() == a)
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
    for b in &blocks {
        if b.block_type == "module"
            && let Some(src) = b.node.get("source").and_then(Node::as_str)
            && (src.starts_with("./") || src.starts_with("../"))
        {
            let target = normalise_dir(&format!("{dir}/{src}"));
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
            let p = format!("{prefix}module.{}.", b.kind);
            tf_module(cat, pol, parsed, &target, &inputs, &p, depth + 1, seen, out);
        }
    }
}
