//! Terraform (HCL2) into the document model, with a small evaluator.
//!
//! Files of one directory form a module: variables (defaults, `terraform.tfvars`,
//! `*.auto.tfvars`, inputs from a calling module), locals and the common functions are
//! evaluated; anything else (resource attributes, data sources, `path.*`, unsupported functions)
//! becomes [`Value::Unknown`], which checks never turn into findings.

use crate::model::{LineIndex, Node, Value};
use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Element, Template};
use std::collections::HashMap;
use std::ops::Range;

/// A Terraform syntax error.
#[derive(Debug, Clone)]
pub struct HclError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The syntax a Terraform file is written in.
pub enum TfSyntax {
    /// Native HCL (`.tf`, `.tfvars`).
    Hcl(Body),
    /// Terraform JSON syntax (`.tf.json`, `.tfvars.json`): a JSON object, kept as a document
    /// tree with spans; strings are evaluated as HCL templates where Terraform says so.
    Json(Node),
}

/// One parsed `.tf`, `.tfvars`, `.tf.json` or `.tfvars.json` file.
pub struct TfFile {
    /// Path relative to the scan root.
    pub path: String,
    /// The text.
    pub text: String,
    /// The parsed content.
    pub syntax: TfSyntax,
    lines: LineIndex,
}

/// Whether a path is a Terraform JSON file (`*.tf.json`, `*.tfvars.json`).
pub fn is_json_path(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    l.ends_with(".tf.json") || l.ends_with(".tfvars.json")
}

/// Whether a path holds variable values (`*.tfvars`, `*.tfvars.json`).
pub fn is_tfvars_path(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    l.ends_with(".tfvars") || l.ends_with(".tfvars.json")
}

impl TfFile {
    /// Parses a file (HCL, or JSON syntax when the name ends in `.json`).
    pub fn parse(path: &str, text: &str) -> Result<TfFile, HclError> {
        if is_json_path(path) {
            return Self::parse_json(path, text);
        }
        match hcl_edit::parser::parse_body(text) {
            Ok(body) => Ok(TfFile {
                path: path.to_string(),
                text: text.to_string(),
                syntax: TfSyntax::Hcl(body),
                lines: LineIndex::new(text),
            }),
            Err(e) => Err(HclError {
                line: e.location().line(),
                message: e.message().to_string(),
            }),
        }
    }

    fn parse_json(path: &str, text: &str) -> Result<TfFile, HclError> {
        // serde_json is the judge of validity (and gives the error line); the YAML parser,
        // a JSON superset, gives the spans.
        if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
            return Err(HclError {
                line: e.line().max(1),
                message: format!("invalid JSON: {e}"),
            });
        }
        let (docs, err) = crate::yaml::parse(text);
        if let Some(e) = err {
            return Err(HclError {
                line: e.line,
                message: e.message,
            });
        }
        let root = docs
            .into_iter()
            .next()
            .unwrap_or_else(|| Node::new(Value::Map(Vec::new()), 0..0, 1));
        if root.as_map().is_none() {
            return Err(HclError {
                line: root.line.max(1),
                message: "a Terraform JSON file must hold one JSON object".into(),
            });
        }
        Ok(TfFile {
            path: path.to_string(),
            text: text.to_string(),
            syntax: TfSyntax::Json(root),
            lines: LineIndex::new(text),
        })
    }

    /// The `source` of every `module` block, with the block's label.
    pub fn module_sources(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for b in raw_blocks(self) {
            if b.ident != "module" {
                continue;
            }
            if let Some(a) = raw_attrs(&b.body).into_iter().find(|a| a.key == "source")
                && let Some(src) = eval_expr(&a.expr, self, &Scope::default()).as_str()
            {
                out.push((
                    b.labels.first().cloned().unwrap_or_default(),
                    src.to_string(),
                ));
            }
        }
        out
    }
}

/// An expression in either syntax.
enum RawExpr<'a> {
    Hcl(&'a Expression),
    /// A JSON value: strings are templates.
    Json(&'a Node),
    /// A JSON value taken literally (variable defaults, `.tfvars.json`).
    Literal(&'a Node),
}

/// An attribute in either syntax.
struct RawAttr<'a> {
    key: String,
    key_span: Range<usize>,
    expr: RawExpr<'a>,
}

/// A block body in either syntax.
enum RawBody<'a> {
    Hcl(&'a Body),
    Json(&'a Node),
}

/// A block in either syntax.
struct RawBlock<'a> {
    ident: String,
    labels: Vec<String>,
    /// From the block type to the last label (HCL), or the innermost label key (JSON).
    head: Range<usize>,
    span: Range<usize>,
    body: RawBody<'a>,
}

/// How many labels a top-level block type has in Terraform.
fn label_count(ident: &str) -> Option<usize> {
    match ident {
        "resource" | "data" => Some(2),
        "module" | "provider" | "variable" | "output" | "check" => Some(1),
        "locals" | "terraform" | "moved" | "import" | "removed" => Some(0),
        _ => None,
    }
}

/// The top-level blocks of a file.
fn raw_blocks(f: &TfFile) -> Vec<RawBlock<'_>> {
    let mut out = Vec::new();
    match &f.syntax {
        TfSyntax::Hcl(body) => {
            for s in body.iter() {
                let Structure::Block(b) = s else { continue };
                let head = b.ident.span().unwrap_or(0..0);
                let head_end = b
                    .labels
                    .last()
                    .and_then(|l| l.span())
                    .map(|s| s.end)
                    .unwrap_or(head.end);
                out.push(RawBlock {
                    ident: b.ident.as_str().to_string(),
                    labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                    head: head.start..head_end,
                    span: b.span().unwrap_or(head.clone()),
                    body: RawBody::Hcl(&b.body),
                });
            }
        }
        TfSyntax::Json(root) => {
            for (ident, v) in root.as_map().unwrap_or(&[]) {
                let Some(n) = label_count(ident) else {
                    continue;
                };
                let head = v.key_span.clone().unwrap_or(v.span.clone());
                json_blocks(ident, v, n, &mut Vec::new(), head, &mut out);
            }
        }
    }
    out
}

/// Walks `n` more label levels of a JSON block (objects keyed by label; arrays of objects
/// allowed at every level, as Terraform's JSON syntax says).
fn json_blocks<'a>(
    ident: &str,
    v: &'a Node,
    n: usize,
    labels: &mut Vec<String>,
    head: Range<usize>,
    out: &mut Vec<RawBlock<'a>>,
) {
    if let Value::Seq(items) = &v.value {
        for it in items {
            json_blocks(ident, it, n, labels, head.clone(), out);
        }
        return;
    }
    let Some(m) = v.as_map() else { return };
    if n == 0 {
        out.push(RawBlock {
            ident: ident.to_string(),
            labels: labels.clone(),
            head,
            span: v.span.clone(),
            body: RawBody::Json(v),
        });
        return;
    }
    for (k, child) in m {
        if k == "//" {
            continue;
        }
        labels.push(k.clone());
        let h = child.key_span.clone().unwrap_or(child.span.clone());
        json_blocks(ident, child, n - 1, labels, h, out);
        labels.pop();
    }
}

/// The attributes of a body (for JSON: every property but comments).
fn raw_attrs<'a>(body: &RawBody<'a>) -> Vec<RawAttr<'a>> {
    match body {
        RawBody::Hcl(b) => b
            .iter()
            .filter_map(|s| match s {
                Structure::Attribute(a) => Some(RawAttr {
                    key: a.key.as_str().to_string(),
                    key_span: a.key.span().unwrap_or(0..0),
                    expr: RawExpr::Hcl(&a.value),
                }),
                _ => None,
            })
            .collect(),
        RawBody::Json(n) => {
            let mut out = Vec::new();
            for part in n.items() {
                for (k, v) in part.as_map().unwrap_or(&[]) {
                    if k != "//" {
                        out.push(RawAttr {
                            key: k.clone(),
                            key_span: v.key_span.clone().unwrap_or(v.span.clone()),
                            expr: RawExpr::Json(v),
                        });
                    }
                }
            }
            out
        }
    }
}

/// The attributes of a whole file (a `.tfvars` file).
fn file_attrs(f: &TfFile) -> Vec<RawAttr<'_>> {
    match &f.syntax {
        TfSyntax::Hcl(b) => raw_attrs(&RawBody::Hcl(b)),
        TfSyntax::Json(n) => raw_attrs(&RawBody::Json(n))
            .into_iter()
            .map(|mut a| {
                if let RawExpr::Json(n) = a.expr {
                    a.expr = RawExpr::Literal(n);
                }
                a
            })
            .collect(),
    }
}

fn eval_expr(e: &RawExpr<'_>, f: &TfFile, scope: &Scope) -> Node {
    match e {
        RawExpr::Hcl(x) => eval(x, f, scope),
        RawExpr::Json(n) => eval_json(n, f, scope),
        RawExpr::Literal(n) => (*n).clone(),
    }
}

/// Evaluates a JSON value in expression context: strings are HCL templates
/// (`"${var.x}"` alone is the value itself, of any type).
fn eval_json(n: &Node, f: &TfFile, scope: &Scope) -> Node {
    let mut out = match &n.value {
        Value::Str(s) if s.contains("${") || s.contains("%{") => {
            let tmp = TfFile {
                path: f.path.clone(),
                text: s.clone(),
                syntax: TfSyntax::Hcl(Body::default()),
                lines: LineIndex::new(s),
            };
            let unk = || unknown(s, n.span.clone(), n.line);
            match hcl_edit::parser::parse_template(s) {
                Ok(t) => {
                    let els: Vec<&Element> = t.iter().collect();
                    match els.as_slice() {
                        [Element::Interpolation(i)] => {
                            let v = eval(&i.expr, &tmp, scope);
                            if v.is_unknown() {
                                unk()
                            } else {
                                respan(v, &n.span, n.line)
                            }
                        }
                        _ => template(&t, &tmp, scope)
                            .map(|x| Node::str(x, n.span.clone(), n.line))
                            .unwrap_or_else(unk),
                    }
                }
                Err(_) => unk(),
            }
        }
        Value::Str(s) if s.contains("$${") || s.contains("%%{") => Node::str(
            s.replace("$${", "${").replace("%%{", "%{"),
            n.span.clone(),
            n.line,
        ),
        Value::Seq(items) => Node::new(
            Value::Seq(items.iter().map(|x| eval_json(x, f, scope)).collect()),
            n.span.clone(),
            n.line,
        ),
        Value::Map(m) => Node::new(
            Value::Map(
                m.iter()
                    .filter(|(k, _)| k != "//")
                    .map(|(k, v)| (k.clone(), eval_json(v, f, scope)))
                    .collect(),
            ),
            n.span.clone(),
            n.line,
        ),
        _ => n.clone(),
    };
    out.key_span = n.key_span.clone();
    out.key_line = n.key_line;
    out
}

/// A resource, data source, module call or provider block, evaluated.
#[derive(Debug, Clone)]
pub struct TfBlock {
    /// `resource`, `data`, `module`, `provider`, `variable`, `output`, `locals`, `terraform`.
    pub block_type: String,
    /// The resource type (`aws_s3_bucket`), or the label of a provider/module/variable.
    pub kind: String,
    /// The resource name (second label), empty when none.
    pub name: String,
    /// The instance key of a `count` (`[0]`) or `for_each` (`["a"]`) instance, when known.
    pub instance: Option<String>,
    /// Index of the file in the module's file list.
    pub file: usize,
    /// The evaluated body (a mapping whose key span is the block's header).
    pub node: Node,
}

impl TfBlock {
    /// `aws_s3_bucket.logs`, `data.aws_iam_policy_document.x`, `module.vpc`, with the
    /// instance key when there is one (`aws_s3_bucket.b["a"]`).
    pub fn address(&self) -> String {
        format!(
            "{}{}",
            self.base_address(),
            self.instance.as_deref().unwrap_or("")
        )
    }

    /// The address without the instance key.
    pub fn base_address(&self) -> String {
        match self.block_type.as_str() {
            "resource" => format!("{}.{}", self.kind, self.name),
            "data" => format!("data.{}.{}", self.kind, self.name),
            "module" => format!("module.{}", self.kind),
            other if self.name.is_empty() => format!("{other}.{}", self.kind),
            other => format!("{other}.{}.{}", self.kind, self.name),
        }
    }
}

/// The evaluation scope of a module.
#[derive(Default, Clone)]
pub struct Scope {
    /// `var.NAME` values.
    pub vars: HashMap<String, Node>,
    /// `local.NAME` values.
    pub locals: HashMap<String, Node>,
    /// `count.index` of the instance being evaluated.
    pub count_index: Option<Node>,
    /// `each.key` and `each.value` of the instance being evaluated.
    pub each: Option<(Node, Node)>,
    /// Iterators of the `dynamic` blocks being expanded: name, `key`, `value`.
    pub iters: Vec<(String, Node, Node)>,
}

/// One instance of a block: its key (`[0]`, `["a"]`), `count.index`, `(each.key, each.value)`.
type Instance = (String, Option<Node>, Option<(Node, Node)>);

/// Instances beyond this many are not expanded: the block is evaluated once, `count.index` /
/// `each.*` unknown.
pub const MAX_INSTANCES: usize = 64;

/// The instances a `count` or `for_each` value asks for: `None` when unknown (or too many),
/// else `(instance key, count.index or each.key, each.value)`.
fn instances(count: Option<&Node>, for_each: Option<&Node>) -> Option<Vec<Instance>> {
    if let Some(c) = count {
        let n = c.as_f64()?;
        if n < 0.0 || n.fract() != 0.0 || n as usize > MAX_INSTANCES {
            return None;
        }
        return Some(
            (0..n as usize)
                .map(|i| {
                    (
                        format!("[{i}]"),
                        Some(Node::new(Value::Int(i as i64), c.span.clone(), c.line)),
                        None,
                    )
                })
                .collect(),
        );
    }
    let fe = for_each?;
    let quote = |k: &str| format!("[{}]", serde_json::Value::String(k.to_string()));
    match &fe.value {
        Value::Map(m) if m.len() <= MAX_INSTANCES => Some(
            m.iter()
                .map(|(k, v)| {
                    let key = Node::str(
                        k.clone(),
                        v.key_span.clone().unwrap_or(v.span.clone()),
                        v.key_line.max(v.line),
                    );
                    (quote(k), None, Some((key, v.clone())))
                })
                .collect(),
        ),
        Value::Seq(s) if s.len() <= MAX_INSTANCES => {
            // A set of strings: key and value are the string.
            let mut out: Vec<Instance> = Vec::new();
            for v in s {
                let k = match &v.value {
                    Value::Str(x) => x.clone(),
                    _ => return None,
                };
                if out.iter().any(|(q, _, _)| *q == quote(&k)) {
                    continue;
                }
                out.push((quote(&k), None, Some((v.clone(), v.clone()))));
            }
            Some(out)
        }
        _ => None,
    }
}

/// A module evaluated: its blocks, the scope they were evaluated in, and the problems found.
pub struct Evaluated {
    /// Every block but `locals` and `variable`, once per instance.
    pub blocks: Vec<TfBlock>,
    /// Variables and locals.
    pub scope: Scope,
    /// Problems of the module's code (cycles in locals), naming file and line.
    pub diagnostics: Vec<rampart_core::Diagnostic>,
}

/// Collects the `local.NAME` references of HCL expressions and templates.
#[derive(Default)]
struct LocalRefs(Vec<String>);

impl hcl_edit::visit::Visit for LocalRefs {
    fn visit_traversal(&mut self, t: &hcl_edit::expr::Traversal) {
        if let Expression::Variable(v) = &t.expr
            && v.as_str() == "local"
            && let Some(TraversalOperator::GetAttr(n)) = t.operators.first().map(|o| o.value())
        {
            self.0.push(n.as_str().to_string());
        }
        hcl_edit::visit::visit_traversal(self, t);
    }
}

/// The locals an expression refers to.
fn local_refs(e: &RawExpr<'_>) -> Vec<String> {
    use hcl_edit::visit::Visit;
    let mut v = LocalRefs::default();
    match e {
        RawExpr::Hcl(x) => v.visit_expr(x),
        RawExpr::Json(n) => n.walk(&mut |n| {
            if let Some(s) = n.as_str()
                && s.contains("${")
                && let Ok(t) = hcl_edit::parser::parse_template(s)
            {
                v.visit_template(&t);
            }
        }),
        RawExpr::Literal(_) => {}
    }
    v.0
}

/// The locals of a module that refer to each other in cycles (Terraform refuses them), with
/// one diagnostic per cycle naming the file and line of its first local and every name in it.
fn local_cycles(
    sources: &[(usize, &TfFile, Vec<RawBlock<'_>>)],
) -> (
    std::collections::HashSet<String>,
    Vec<rampart_core::Diagnostic>,
) {
    let mut names: Vec<(String, &TfFile, usize)> = Vec::new();
    let mut refs: Vec<Vec<String>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (_, f, blocks) in sources {
        for b in blocks.iter().filter(|b| b.ident == "locals") {
            for a in raw_attrs(&b.body) {
                if index.contains_key(&a.key) {
                    continue;
                }
                index.insert(a.key.clone(), names.len());
                names.push((a.key.clone(), f, f.lines.line(a.key_span.start)));
                refs.push(local_refs(&a.expr));
            }
        }
    }
    let edges: Vec<Vec<usize>> = refs
        .iter()
        .map(|r| r.iter().filter_map(|n| index.get(n).copied()).collect())
        .collect();
    let mut cyclic = std::collections::HashSet::new();
    let mut diags = Vec::new();
    for cycle in crate::graph::cycles(&edges) {
        let listed: Vec<String> = cycle
            .iter()
            .map(|&i| format!("local.{}", names[i].0))
            .collect();
        let (_, f, line) = &names[cycle[0]];
        diags.push(
            rampart_core::Diagnostic::warning(
                &f.path,
                format!(
                    "Terraform locals refer to each other in a cycle ({}); their values are \
                     unknown (Terraform itself refuses this configuration)",
                    listed.join(", ")
                ),
            )
            .at_line(*line),
        );
        cyclic.extend(cycle.iter().map(|&i| names[i].0.clone()));
    }
    (cyclic, diags)
}

/// Evaluates every block of a module's files with the given variable values (which override
/// defaults). `tfvars` are `.tfvars` files of the directory.
pub fn evaluate_module(files: &[TfFile], inputs: &HashMap<String, Node>) -> Evaluated {
    SPENT.set(Spent::default());
    let mut ev = evaluate(files, inputs);
    let sp = SPENT.take();
    let first = files
        .iter()
        .find(|f| !is_tfvars_path(&f.path))
        .or(files.first());
    if let Some(f) = first {
        let mut limit = |what: String| {
            ev.diagnostics.push(rampart_core::Diagnostic::warning(
                &f.path,
                format!(
                    "Terraform expressions of the module in this folder {what}; the values past \
                     the limit are unknown (the module is still checked)"
                ),
            ));
        };
        if sp.too_big {
            limit(format!("compute more than {MAX_EVAL_NODES} value nodes"));
        }
        if sp.too_deep {
            limit(format!(
                "build values nested more than {MAX_VALUE_DEPTH} levels deep"
            ));
        }
    }
    ev
}

fn evaluate(files: &[TfFile], inputs: &HashMap<String, Node>) -> Evaluated {
    let mut scope = Scope::default();
    // Variable defaults, then tfvars, then inputs.
    let mut tfvars: Vec<&TfFile> = Vec::new();
    for f in files {
        if is_tfvars_path(&f.path) {
            tfvars.push(f);
            continue;
        }
        for b in raw_blocks(f) {
            if b.ident != "variable" {
                continue;
            }
            let Some(name) = b.labels.first() else {
                continue;
            };
            let default = raw_attrs(&b.body).into_iter().find(|a| a.key == "default");
            let v = match default {
                Some(RawAttr {
                    expr: RawExpr::Json(n),
                    ..
                }) => n.clone(),
                Some(a) => eval_expr(&a.expr, f, &Scope::default()),
                None => unknown(&format!("var.{name}"), 0..0, 0),
            };
            scope.vars.insert(name.clone(), v);
        }
    }
    let auto = |p: &str| {
        let n = p.rsplit('/').next().unwrap_or(p);
        n == "terraform.tfvars"
            || n == "terraform.tfvars.json"
            || n.ends_with(".auto.tfvars")
            || n.ends_with(".auto.tfvars.json")
    };
    let mut other: HashMap<String, Vec<Node>> = HashMap::new();
    for f in &tfvars {
        for a in file_attrs(f) {
            let v = eval_expr(&a.expr, f, &Scope::default());
            if auto(&f.path) {
                scope.vars.insert(a.key.clone(), v);
            } else {
                other.entry(a.key.clone()).or_default().push(v);
            }
        }
    }
    // Values from non-automatic tfvars files count only when they all agree.
    for (k, vs) in other {
        if tfvars.iter().any(|f| auto(&f.path))
            && scope.vars.get(&k).is_some_and(|v| !v.is_unknown())
        {
            continue;
        }
        let first = vs[0].to_json();
        let agreed = vs.iter().all(|v| v.to_json() == first);
        scope.vars.insert(
            k.clone(),
            if agreed {
                vs[0].clone()
            } else {
                unknown(&format!("var.{k}"), 0..0, 0)
            },
        );
    }
    for (k, v) in inputs {
        scope.vars.insert(k.clone(), v.clone());
    }
    let sources: Vec<(usize, &TfFile, Vec<RawBlock<'_>>)> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| !is_tfvars_path(&f.path))
        .map(|(i, f)| (i, f, raw_blocks(f)))
        .collect();
    // Locals, a few passes so that locals referring to locals resolve; those in cycles are
    // unknown.
    let (cyclic, diagnostics) = local_cycles(&sources);
    for name in &cyclic {
        scope
            .locals
            .insert(name.clone(), unknown(&format!("local.{name}"), 0..0, 0));
    }
    let mut shrunk = false;
    for _ in 0..4 {
        let mut changed = false;
        for (_, f, blocks) in &sources {
            for b in blocks.iter().filter(|b| b.ident == "locals") {
                for a in raw_attrs(&b.body) {
                    if cyclic.contains(&a.key) {
                        continue;
                    }
                    let v = eval_expr(&a.expr, f, &scope);
                    if scope.locals.get(&a.key).map(Node::to_json) != Some(v.to_json()) {
                        changed = true;
                    }
                    scope.locals.insert(a.key.clone(), v);
                    if SPENT.get().too_big && !shrunk {
                        shrink(&mut scope);
                        shrunk = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut blocks = Vec::new();
    for (fi, f, raw) in &sources {
        for b in raw {
            let bt = b.ident.clone();
            if bt == "locals" || bt == "variable" {
                continue;
            }
            let kind = b.labels.first().cloned().unwrap_or_default();
            let name = b.labels.get(1).cloned().unwrap_or_default();
            let attr = |k: &str| {
                raw_attrs(&b.body)
                    .into_iter()
                    .find(|a| a.key == k)
                    .map(|a| eval_expr(&a.expr, f, &scope))
            };
            let count = attr("count");
            let for_each = attr("for_each");
            // count = 0 or an empty for_each: the block does not exist.
            let expanded = if count.is_some() || for_each.is_some() {
                instances(count.as_ref(), for_each.as_ref())
            } else {
                None
            };
            let list: Vec<(Option<String>, Scope)> = match expanded {
                Some(list) => list
                    .into_iter()
                    .map(|(key, idx, each)| {
                        let mut s = scope.clone();
                        s.count_index = idx;
                        s.each = each;
                        (Some(key), s)
                    })
                    .collect(),
                None => vec![(None, scope.clone())],
            };
            for (instance, s) in list {
                let mut node = eval_raw_body(&b.body, f, &s, b.span.clone());
                node.key_span = Some(b.head.clone());
                node.key_line = f.lines.line(b.head.start);
                blocks.push(TfBlock {
                    block_type: bt.clone(),
                    kind: kind.clone(),
                    name: name.clone(),
                    instance,
                    file: *fi,
                    node,
                });
            }
        }
    }
    Evaluated {
        blocks,
        scope,
        diagnostics,
    }
}

fn eval_raw_body(body: &RawBody<'_>, f: &TfFile, scope: &Scope, span: Range<usize>) -> Node {
    match body {
        RawBody::Hcl(b) => eval_body(b, f, scope, span),
        RawBody::Json(n) => {
            let mut entries: Vec<(String, Node)> = Vec::new();
            for a in raw_attrs(body) {
                let RawExpr::Json(v) = a.expr else { continue };
                let mut node = if a.key == "dynamic" {
                    // `"dynamic": { "LABEL": { "for_each": …, "iterator": …, "content": {…} } }`
                    for (label, d) in v.as_map().unwrap_or(&[]) {
                        let fe = d.get("for_each").map(|x| eval_json(x, f, scope));
                        let iterator = d
                            .get("iterator")
                            .and_then(Node::as_str)
                            .unwrap_or(label)
                            .to_string();
                        let pairs = fe.as_ref().and_then(dynamic_pairs);
                        match (pairs, d.get("content")) {
                            (Some(pairs), Some(content)) => {
                                for (k, val) in pairs {
                                    let mut s = scope.clone();
                                    s.iters.push((iterator.clone(), k, val));
                                    let mut b = eval_json(content, f, &s);
                                    b.key_span = d.key_span.clone();
                                    b.key_line = d.key_line;
                                    push_block(&mut entries, label.clone(), b);
                                }
                            }
                            _ => {
                                let mut u = unknown("dynamic", d.span.clone(), d.line);
                                u.key_span = d.key_span.clone();
                                u.key_line = d.key_line;
                                push_block(&mut entries, label.clone(), u);
                            }
                        }
                    }
                    continue;
                } else {
                    eval_json(v, f, scope)
                };
                node.key_span = Some(a.key_span.clone());
                node.key_line = f.lines.line(a.key_span.start);
                entries.push((a.key, node));
            }
            Node::new(Value::Map(entries), span.clone(), n.line)
        }
    }
}

fn unknown(expr: &str, span: Range<usize>, line: usize) -> Node {
    Node::new(Value::Unknown(expr.to_string()), span, line)
}

fn eval_body(body: &Body, f: &TfFile, scope: &Scope, span: Range<usize>) -> Node {
    let mut entries: Vec<(String, Node)> = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let mut v = eval(&a.value, f, scope);
                let ks = a.key.span().unwrap_or(0..0);
                v.key_line = f.lines.line(ks.start);
                v.key_span = Some(ks);
                entries.push((a.key.as_str().to_string(), v));
            }
            Structure::Block(b) => {
                let ks = b.ident.span().unwrap_or(0..0);
                let bspan = b.span().unwrap_or(ks.clone());
                if b.ident.as_str() == "dynamic" {
                    let label = b
                        .labels
                        .first()
                        .map(|l| l.as_str().to_string())
                        .unwrap_or_default();
                    for mut v in dynamic_blocks(b, &label, f, scope) {
                        v.key_line = f.lines.line(ks.start);
                        v.key_span = Some(ks.clone());
                        push_block(&mut entries, label.clone(), v);
                    }
                    continue;
                }
                let mut v = eval_body(&b.body, f, scope, bspan.clone());
                v.key_line = f.lines.line(ks.start);
                v.key_span = Some(ks.clone());
                push_block(&mut entries, b.ident.as_str().to_string(), v);
            }
        }
    }
    let line = f.lines.line(span.start);
    Node::new(Value::Map(entries), span, line)
}

/// Adds a nested block to a body's entries; repeated blocks become a sequence.
fn push_block(entries: &mut Vec<(String, Node)>, key: String, v: Node) {
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some((_, existing)) => {
            if let Value::Seq(items) = &mut existing.value {
                items.push(v);
            } else {
                let first = existing.clone();
                *existing = Node::new(
                    Value::Seq(vec![first, v]),
                    existing.span.clone(),
                    existing.line,
                );
                existing.key_span = existing.as_seq().and_then(|s| s[0].key_span.clone());
                existing.key_line = existing.as_seq().map(|s| s[0].key_line).unwrap_or(0);
            }
        }
        None => entries.push((key, v)),
    }
}

/// The blocks a `dynamic "LABEL" { for_each = …; iterator = …; content { … } }` block
/// generates: one per element when `for_each` is known (the iterator's `key` and `value`
/// bound), none when it is empty, one unknown block when it is unknown.
fn dynamic_blocks(
    b: &hcl_edit::structure::Block,
    label: &str,
    f: &TfFile,
    scope: &Scope,
) -> Vec<Node> {
    let bspan = b.span().unwrap_or(0..0);
    let unknown_block = || vec![unknown("dynamic", bspan.clone(), f.lines.line(bspan.start))];
    let mut for_each = None;
    let mut iterator = label.to_string();
    let mut content = None;
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) if a.key.as_str() == "for_each" => {
                for_each = Some(eval(&a.value, f, scope));
            }
            Structure::Attribute(a) if a.key.as_str() == "iterator" => {
                if let Expression::Variable(v) = &a.value {
                    iterator = v.as_str().to_string();
                }
            }
            Structure::Block(c) if c.ident.as_str() == "content" => content = Some(c),
            _ => {}
        }
    }
    let (Some(fe), Some(content)) = (for_each, content) else {
        return unknown_block();
    };
    let Some(pairs) = dynamic_pairs(&fe) else {
        return unknown_block();
    };
    let cspan = content.span().unwrap_or(bspan.clone());
    pairs
        .into_iter()
        .map(|(k, v)| {
            let mut s = scope.clone();
            s.iters.push((iterator.clone(), k, v));
            eval_body(&content.body, f, &s, cspan.clone())
        })
        .collect()
}

/// The `(key, value)` pairs a dynamic block's `for_each` iterates (list index or map key);
/// `None` when unknown or too many.
fn dynamic_pairs(fe: &Node) -> Option<Vec<(Node, Node)>> {
    Some(match &fe.value {
        Value::Seq(items) if items.len() <= MAX_INSTANCES => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    Node::new(Value::Int(i as i64), v.span.clone(), v.line),
                    v.clone(),
                )
            })
            .collect(),
        Value::Map(m) if m.len() <= MAX_INSTANCES => m
            .iter()
            .map(|(k, v)| (Node::str(k.clone(), v.span.clone(), v.line), v.clone()))
            .collect(),
        _ => return None,
    })
}

/// A value moved to where it is used: every node at `span` and `line`, without key spans.
fn respan(mut n: Node, span: &Range<usize>, line: usize) -> Node {
    respan_in_place(&mut n, span, line);
    n
}

fn respan_in_place(n: &mut Node, span: &Range<usize>, line: usize) {
    n.span = span.clone();
    n.line = line;
    n.key_span = None;
    match &mut n.value {
        Value::Seq(s) => s.iter_mut().for_each(|c| respan_in_place(c, span, line)),
        Value::Map(m) => m
            .iter_mut()
            .for_each(|(_, c)| respan_in_place(c, span, line)),
        _ => {}
    }
}

/// How many value nodes the evaluation of one module may produce (every expression's value
/// counts, so work is bounded too): `a1 = [local.a0, local.a0]`, `a2 = [local.a1, …]`… doubles
/// at each step. Past it, values are unknown.
pub const MAX_EVAL_NODES: usize = 1_000_000;
/// How deeply a computed value may nest (`a1 = [local.a0]`, `a2 = [local.a1]`… grows one level
/// per local). A deeper value is unknown, so walks over values stay within the stack.
pub const MAX_VALUE_DEPTH: usize = 256;

/// What the module evaluation running on this thread has spent.
#[derive(Clone, Copy, Default)]
struct Spent {
    nodes: usize,
    too_big: bool,
    too_deep: bool,
}

thread_local! {
    static SPENT: std::cell::Cell<Spent> = std::cell::Cell::new(Spent::default());
}

/// Counts the nodes of a value (stopping past `cap`), and whether it nests deeper than
/// `depth` levels.
fn measure(n: &Node, cap: usize, depth: usize) -> (usize, bool) {
    let children: Box<dyn Iterator<Item = &Node>> = match &n.value {
        Value::Seq(s) => Box::new(s.iter()),
        Value::Map(m) => Box::new(m.iter().map(|(_, v)| v)),
        _ => return (1, false),
    };
    if depth == 0 {
        return (1, true);
    }
    let mut count = 1;
    for c in children {
        let (k, deep) = measure(c, cap.saturating_sub(count), depth - 1);
        count += k;
        if deep || count > cap {
            return (count, deep);
        }
    }
    (count, false)
}

/// Evaluates an expression. Values past the module's budgets ([`MAX_EVAL_NODES`],
/// [`MAX_VALUE_DEPTH`]) are unknown.
pub fn eval(e: &Expression, f: &TfFile, scope: &Scope) -> Node {
    let mut sp = SPENT.get();
    let n = eval_inner(e, f, scope);
    if sp.too_big {
        // Spent: only small values are still computed.
        return match measure(&n, SMALL_VALUE, MAX_VALUE_DEPTH) {
            (count, false) if count <= SMALL_VALUE => n,
            _ => unknown("evaluation budget", n.span.clone(), n.line),
        };
    }
    let (count, deep) = measure(&n, MAX_EVAL_NODES - sp.nodes, MAX_VALUE_DEPTH);
    sp.nodes += count;
    sp.too_big |= sp.nodes >= MAX_EVAL_NODES;
    sp.too_deep |= deep;
    SPENT.set(sp);
    if deep || sp.too_big {
        return unknown("evaluation budget", n.span.clone(), n.line);
    }
    n
}

/// The largest value still computed once a module has spent [`MAX_EVAL_NODES`].
const SMALL_VALUE: usize = 1_000;

/// Once the budget is spent, makes the large values of a scope unknown, so that reading them
/// (which copies them) stays cheap.
fn shrink(scope: &mut Scope) {
    for v in scope.vars.values_mut().chain(scope.locals.values_mut()) {
        if measure(v, SMALL_VALUE, MAX_VALUE_DEPTH).0 > SMALL_VALUE {
            *v = unknown("evaluation budget", v.span.clone(), v.line);
        }
    }
}

fn eval_inner(e: &Expression, f: &TfFile, scope: &Scope) -> Node {
    let span = e.span().unwrap_or(0..0);
    let line = f.lines.line(span.start);
    let src = f.text.get(span.clone()).unwrap_or("").to_string();
    let mk = |v: Value| Node::new(v, span.clone(), line);
    let unk = || unknown(&src, span.clone(), line);
    match e {
        Expression::Null(_) => mk(Value::Null),
        Expression::Bool(b) => mk(Value::Bool(*b.value())),
        Expression::Number(n) => {
            let n = n.value();
            match n.as_i64() {
                Some(i) => mk(Value::Int(i)),
                None => mk(Value::Float(n.as_f64().unwrap_or(0.0))),
            }
        }
        Expression::String(s) => mk(Value::Str(s.value().to_string())),
        Expression::Array(a) => mk(Value::Seq(a.iter().map(|x| eval(x, f, scope)).collect())),
        Expression::Object(o) => {
            let mut m = Vec::new();
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(x) => match eval(x, f, scope).scalar_text() {
                        Some(s) => s,
                        None => return unk(),
                    },
                };
                let mut vn = eval(v.expr(), f, scope);
                let ks = k.span().unwrap_or(0..0);
                vn.key_line = f.lines.line(ks.start);
                vn.key_span = Some(ks);
                m.push((key, vn));
            }
            mk(Value::Map(m))
        }
        Expression::StringTemplate(t) => {
            // `"${x}"` alone is x itself, whatever its type.
            if let [Element::Interpolation(i)] = t.iter().collect::<Vec<_>>().as_slice() {
                let v = eval(&i.expr, f, scope);
                return if v.is_unknown() {
                    unk()
                } else {
                    respan(v, &span, line)
                };
            }
            template(t, f, scope)
                .map(|s| mk(Value::Str(s)))
                .unwrap_or_else(unk)
        }
        Expression::HeredocTemplate(h) => template(&h.template, f, scope)
            .map(|s| mk(Value::Str(s)))
            .unwrap_or_else(unk),
        Expression::Parenthesis(p) => eval(p.inner(), f, scope),
        Expression::Variable(_) => unk(),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                let base = eval(&t.expr, f, scope);
                return traverse(base, &t.operators, f, scope)
                    .map(|n| respan(n, &span, line))
                    .unwrap_or_else(unk);
            };
            let (base, rest) = match (root.as_str(), t.operators.first().map(|o| o.value())) {
                ("var", Some(TraversalOperator::GetAttr(n))) => {
                    (scope.vars.get(n.as_str()).cloned(), &t.operators[1..])
                }
                ("local", Some(TraversalOperator::GetAttr(n))) => {
                    (scope.locals.get(n.as_str()).cloned(), &t.operators[1..])
                }
                (name, Some(TraversalOperator::GetAttr(n)))
                    if scope.iters.iter().any(|(i, _, _)| i == name) =>
                {
                    let found = scope.iters.iter().rev().find(|(i, _, _)| i == name);
                    (
                        found.and_then(|(_, k, v)| match n.as_str() {
                            "key" => Some(k.clone()),
                            "value" => Some(v.clone()),
                            _ => None,
                        }),
                        &t.operators[1..],
                    )
                }
                ("count", Some(TraversalOperator::GetAttr(n))) if n.as_str() == "index" => {
                    (scope.count_index.clone(), &t.operators[1..])
                }
                ("each", Some(TraversalOperator::GetAttr(n))) => (
                    scope.each.as_ref().and_then(|(k, v)| match n.as_str() {
                        "key" => Some(k.clone()),
                        "value" => Some(v.clone()),
                        _ => None,
                    }),
                    &t.operators[1..],
                ),
                _ => (None, &t.operators[..]),
            };
            match base.and_then(|b| traverse(b, rest, f, scope)) {
                Some(n) => respan(n, &span, line),
                None => unk(),
            }
        }
        Expression::Conditional(c) => match eval(&c.cond_expr, f, scope).as_bool() {
            Some(true) => eval(&c.true_expr, f, scope),
            Some(false) => eval(&c.false_expr, f, scope),
            None => unk(),
        },
        Expression::UnaryOp(u) => {
            let v = eval(&u.expr, f, scope);
            match (u.operator.value(), &v.value) {
                (UnaryOperator::Not, _) => {
                    v.as_bool().map(|b| mk(Value::Bool(!b))).unwrap_or_else(unk)
                }
                (UnaryOperator::Neg, Value::Int(i)) => i
                    .checked_neg()
                    .map(|n| mk(Value::Int(n)))
                    .unwrap_or_else(unk),
                (UnaryOperator::Neg, Value::Float(x)) => mk(Value::Float(-x)),
                _ => unk(),
            }
        }
        Expression::BinaryOp(b) => {
            let l = eval(&b.lhs_expr, f, scope);
            let r = eval(&b.rhs_expr, f, scope);
            if l.is_unknown() || r.is_unknown() {
                return unk();
            }
            use BinaryOperator as B;
            let op = *b.operator.value();
            match op {
                B::Eq => mk(Value::Bool(l.to_json() == r.to_json())),
                B::NotEq => mk(Value::Bool(l.to_json() != r.to_json())),
                B::And | B::Or => match (l.as_bool(), r.as_bool()) {
                    (Some(x), Some(y)) => {
                        mk(Value::Bool(if op == B::And { x && y } else { x || y }))
                    }
                    _ => unk(),
                },
                _ => match (l.as_f64(), r.as_f64()) {
                    (Some(x), Some(y)) => match op {
                        B::Less => mk(Value::Bool(x < y)),
                        B::LessEq => mk(Value::Bool(x <= y)),
                        B::Greater => mk(Value::Bool(x > y)),
                        B::GreaterEq => mk(Value::Bool(x >= y)),
                        B::Plus => num(x + y, &span, line),
                        B::Minus => num(x - y, &span, line),
                        B::Mul => num(x * y, &span, line),
                        B::Div if y != 0.0 => num(x / y, &span, line),
                        B::Mod if y != 0.0 => num(x % y, &span, line),
                        _ => unk(),
                    },
                    _ => unk(),
                },
            }
        }
        Expression::FuncCall(c) => {
            let name = c.name.name.as_str();
            let args: Vec<Node> = c.args.iter().map(|a| eval(a, f, scope)).collect();
            call(name, &args, &span, line).unwrap_or_else(unk)
        }
        Expression::ForExpr(_) => unk(),
    }
}

fn num(x: f64, span: &Range<usize>, line: usize) -> Node {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Node::new(Value::Int(x as i64), span.clone(), line)
    } else {
        Node::new(Value::Float(x), span.clone(), line)
    }
}

fn traverse(
    mut n: Node,
    ops: &[hcl_edit::Decorated<TraversalOperator>],
    f: &TfFile,
    scope: &Scope,
) -> Option<Node> {
    for op in ops {
        if n.is_unknown() {
            return None;
        }
        n = match op.value() {
            TraversalOperator::GetAttr(k) => n.get(k.as_str())?.clone(),
            TraversalOperator::Index(e) => {
                let i = eval(e, f, scope);
                match (&n.value, &i.value) {
                    (Value::Seq(s), _) => s.get(i.as_f64()? as usize)?.clone(),
                    (Value::Map(_), _) => n.get(&i.scalar_text()?)?.clone(),
                    _ => return None,
                }
            }
            TraversalOperator::LegacyIndex(i) => n.as_seq()?.get(*i.value() as usize)?.clone(),
            _ => return None,
        };
    }
    Some(n)
}

fn template(t: &Template, f: &TfFile, scope: &Scope) -> Option<String> {
    let mut out = String::new();
    for el in t.iter() {
        match el {
            Element::Literal(l) => out.push_str(l.value()),
            Element::Interpolation(i) => {
                let v = eval(&i.expr, f, scope);
                match &v.value {
                    Value::Null => {}
                    Value::Seq(_) | Value::Map(_) | Value::Unknown(_) => return None,
                    _ => out.push_str(&v.scalar_text()?),
                }
            }
            Element::Directive(_) => return None,
        }
    }
    Some(out)
}

fn known(args: &[Node]) -> bool {
    fn deep(n: &Node) -> bool {
        match &n.value {
            Value::Unknown(_) => false,
            Value::Seq(s) => s.iter().all(deep),
            Value::Map(m) => m.iter().all(|(_, v)| deep(v)),
            _ => true,
        }
    }
    args.iter().all(deep)
}

fn json_to_node(v: &serde_json::Value, span: &Range<usize>, line: usize) -> Node {
    use serde_json::Value as J;
    let val = match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        J::String(s) => Value::Str(s.clone()),
        J::Array(a) => Value::Seq(a.iter().map(|x| json_to_node(x, span, line)).collect()),
        J::Object(o) => Value::Map(
            o.iter()
                .map(|(k, x)| (k.clone(), json_to_node(x, span, line)))
                .collect(),
        ),
    };
    Node::new(val, span.clone(), line)
}

/// The Terraform functions the evaluator knows; `None` when unknown or unsupported.
fn call(name: &str, args: &[Node], span: &Range<usize>, line: usize) -> Option<Node> {
    let s = |v: Value| Some(Node::new(v, span.clone(), line));
    let text = |i: usize| args.get(i).and_then(Node::scalar_text);
    match name {
        "try" | "coalesce" => args
            .iter()
            .find(|a| !a.is_unknown() && !a.is_null())
            .cloned(),
        _ if !known(args) => None,
        "lower" => s(Value::Str(text(0)?.to_lowercase())),
        "upper" => s(Value::Str(text(0)?.to_uppercase())),
        "trimspace" => s(Value::Str(text(0)?.trim().to_string())),
        "tostring" => s(Value::Str(text(0)?)),
        "tonumber" => num(text(0)?.parse().ok()?, span, line).into(),
        "tobool" => s(Value::Bool(args.first()?.as_bool()?)),
        "tolist" | "toset" => args.first().cloned(),
        "jsonencode" => s(Value::Str(args.first()?.to_json().to_string())),
        "jsondecode" => Some(json_to_node(
            &serde_json::from_str(&text(0)?).ok()?,
            span,
            line,
        )),
        "concat" => {
            let mut v = Vec::new();
            for a in args {
                v.extend(a.as_seq()?.iter().cloned());
            }
            s(Value::Seq(v))
        }
        "merge" => {
            let mut m: Vec<(String, Node)> = Vec::new();
            for a in args {
                for (k, v) in a.as_map()? {
                    m.retain(|(x, _)| x != k);
                    m.push((k.clone(), v.clone()));
                }
            }
            s(Value::Map(m))
        }
        "join" => {
            let parts: Option<Vec<String>> = args
                .get(1)?
                .as_seq()?
                .iter()
                .map(Node::scalar_text)
                .collect();
            s(Value::Str(parts?.join(&text(0)?)))
        }
        "split" => {
            let sep = text(0)?;
            let parts = text(1)?
                .split(sep.as_str())
                .map(|p| Node::str(p, span.clone(), line))
                .collect();
            s(Value::Seq(parts))
        }
        "replace" => s(Value::Str(text(0)?.replace(&text(1)?, &text(2)?))),
        "length" => s(Value::Int(match &args.first()?.value {
            Value::Seq(v) => v.len() as i64,
            Value::Map(m) => m.len() as i64,
            Value::Str(x) => x.chars().count() as i64,
            _ => return None,
        })),
        "element" => {
            let l = args.first()?.as_seq()?;
            if l.is_empty() {
                return None;
            }
            l.get(args.get(1)?.as_f64()? as usize % l.len()).cloned()
        }
        "lookup" => args
            .first()?
            .get(&text(1)?)
            .cloned()
            .or_else(|| args.get(2).cloned()),
        "contains" => s(Value::Bool(
            args.first()?
                .as_seq()?
                .iter()
                .any(|x| x.to_json() == args[1].to_json()),
        )),
        "format" => {
            let fmt = text(0)?;
            let mut out = String::new();
            let mut it = args[1..].iter();
            let mut chars = fmt.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '%' {
                    match chars.next()? {
                        '%' => out.push('%'),
                        's' | 'd' | 'v' => out.push_str(&it.next()?.scalar_text()?),
                        _ => return None,
                    }
                } else {
                    out.push(c);
                }
            }
            s(Value::Str(out))
        }
        "min" | "max" => {
            let v: Option<Vec<f64>> = args.iter().map(Node::as_f64).collect();
            let v = v?;
            let r = if name == "min" {
                v.iter().cloned().fold(f64::INFINITY, f64::min)
            } else {
                v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            };
            Some(num(r, span, line))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(files: &[(&str, &str)]) -> Vec<TfBlock> {
        let parsed: Vec<TfFile> = files
            .iter()
            .map(|(p, t)| TfFile::parse(p, t).unwrap())
            .collect();
        evaluate_module(&parsed, &HashMap::new()).blocks
    }

    #[test]
    fn resources_with_lines_and_nested_blocks() {
        let text = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n  versioning {\n    enabled = true\n  }\n}\n";
        let blocks = module(&[("main.tf", text)]);
        assert_eq!(blocks.len(), 1);
        let b = &blocks[0];
        assert_eq!(b.address(), "aws_s3_bucket.b");
        assert_eq!(b.node.key_line, 1);
        assert_eq!(b.node.get("bucket").unwrap().key_line, 2);
        let en = b.node.get_path(&["versioning", "enabled"]).unwrap();
        assert_eq!(en.value, Value::Bool(true));
        assert_eq!(en.key_line, 4);
        assert_eq!(&text[en.report_span()], "enabled = true");
    }

    #[test]
    fn variables_locals_tfvars_and_functions() {
        let main = "locals {\n  name = \"${var.env}-logs\"\n  acl = lower(local.acl_raw)\n  acl_raw = \"PUBLIC-READ\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = local.name\n  acl = local.acl\n  tags = merge(var.tags, { a = 1 })\n  policy = jsonencode({ Statement = [{ Action = \"*\" }] })\n  other = aws_iam_role.r.arn\n  n = var.unset\n  c = var.env == \"prod\" ? 1 : 2\n}\n";
        let vars = "variable \"env\" {\n  default = \"dev\"\n}\nvariable \"tags\" {\n  default = {}\n}\nvariable \"unset\" {}\n";
        let tfvars = "env = \"prod\"\n";
        let blocks = module(&[
            ("main.tf", main),
            ("variables.tf", vars),
            ("terraform.tfvars", tfvars),
        ]);
        let n = &blocks[0].node;
        assert_eq!(n.get("bucket").unwrap().as_str(), Some("prod-logs"));
        assert_eq!(n.get("acl").unwrap().as_str(), Some("public-read"));
        assert_eq!(
            n.get("tags").unwrap().get("a").unwrap().value,
            Value::Int(1)
        );
        assert_eq!(
            n.get("policy").unwrap().as_str(),
            Some("{\"Statement\":[{\"Action\":\"*\"}]}")
        );
        assert!(n.get("other").unwrap().is_unknown());
        assert!(n.get("n").unwrap().is_unknown());
        assert_eq!(n.get("c").unwrap().value, Value::Int(1));
        // A value from another file is reported where it is used.
        assert_eq!(n.get("bucket").unwrap().line, 7);
    }

    #[test]
    fn count_zero_removes_the_block() {
        let blocks = module(&[(
            "main.tf",
            "variable \"on\" {\n  default = false\n}\nresource \"a\" \"b\" {\n  count = var.on ? 1 : 0\n}\n",
        )]);
        assert!(blocks.is_empty());
    }

    #[test]
    fn malformed_is_an_error_with_a_line() {
        let e = TfFile::parse("x.tf", "resource \"a\" \"b\" {\n  x = \n}\n")
            .err()
            .unwrap();
        assert!(e.line >= 2, "{e:?}");
        assert!(TfFile::parse("x.tf", "resource {{{").is_err());
    }

    #[test]
    fn json_syntax_same_model_with_lines() {
        let vars = "{\n  \"variable\": {\n    \"env\": { \"default\": \"prod\" }\n  },\n  \"locals\": { \"name\": \"${var.env}-logs\" }\n}\n";
        let main = "{\n  \"resource\": {\n    \"aws_s3_bucket\": {\n      \"b\": {\n        \"//\": \"a comment\",\n        \"bucket\": \"${local.name}\",\n        \"acl\": \"public-read\",\n        \"tags\": \"${merge({a = 1}, {b = 2})}\",\n        \"count\": \"${var.env == \\\"prod\\\" ? 1 : 0}\",\n        \"other\": \"${aws_iam_role.r.arn}\",\n        \"versioning\": [{ \"enabled\": true }]\n      }\n    }\n  },\n  \"provider\": { \"aws\": [{ \"region\": \"a\" }, { \"alias\": \"b\" }] }\n}\n";
        let blocks = module(&[("vars.tf.json", vars), ("main.tf.json", main)]);
        let b = blocks.iter().find(|b| b.kind == "aws_s3_bucket").unwrap();
        assert_eq!(b.address(), "aws_s3_bucket.b[0]");
        // The block points at its name key.
        assert_eq!(b.node.key_line, 4);
        let n = &b.node;
        assert_eq!(n.get("bucket").unwrap().as_str(), Some("prod-logs"));
        assert_eq!(n.get("acl").unwrap().key_line, 7);
        assert_eq!(
            &main[n.get("acl").unwrap().report_span()],
            "\"acl\": \"public-read\""
        );
        assert_eq!(
            n.get("tags").unwrap().get("b").unwrap().value,
            Value::Int(2)
        );
        assert!(n.get("other").unwrap().is_unknown());
        assert!(n.get("//").is_none());
        let en = &n.get("versioning").unwrap().as_seq().unwrap()[0];
        assert_eq!(en.get("enabled").unwrap().value, Value::Bool(true));
        assert_eq!(
            blocks.iter().filter(|b| b.block_type == "provider").count(),
            2
        );
    }

    #[test]
    fn json_tfvars_are_literal_and_bad_json_is_an_error() {
        let blocks = module(&[
            (
                "main.tf",
                "variable \"acl\" {}\nresource \"a\" \"b\" {\n  acl = var.acl\n}\n",
            ),
            ("terraform.tfvars.json", "{\"acl\": \"public-read\"}"),
        ]);
        assert_eq!(
            blocks[0].node.get("acl").unwrap().as_str(),
            Some("public-read")
        );
        let e = TfFile::parse("x.tf.json", "{\n  \"resource\": {\n    \"a\": 1,,\n}")
            .err()
            .unwrap();
        assert_eq!(e.line, 3, "{e:?}");
        assert!(TfFile::parse("x.tf.json", "[1]").is_err());
    }

    #[test]
    fn for_each_and_count_instances() {
        let text = "resource \"aws_s3_bucket\" \"b\" {\n  for_each = { a = { public = true }, b = { public = false } }\n  bucket = \"logs-${each.key}\"\n  acl = each.value.public ? \"public-read\" : \"private\"\n}\nresource \"x\" \"c\" {\n  count = 2\n  n = count.index * 10\n}\nresource \"x\" \"s\" {\n  for_each = toset([\"p\", \"q\"])\n  v = each.value\n}\nresource \"x\" \"u\" {\n  for_each = var.unknown\n  acl = each.value.public ? \"public-read\" : \"private\"\n}\n";
        let blocks = module(&[("main.tf", text)]);
        let addr: Vec<String> = blocks.iter().map(TfBlock::address).collect();
        assert_eq!(
            addr,
            [
                "aws_s3_bucket.b[\"a\"]",
                "aws_s3_bucket.b[\"b\"]",
                "x.c[0]",
                "x.c[1]",
                "x.s[\"p\"]",
                "x.s[\"q\"]",
                "x.u"
            ]
        );
        assert_eq!(
            blocks[0].node.get("acl").unwrap().as_str(),
            Some("public-read")
        );
        assert_eq!(
            blocks[0].node.get("bucket").unwrap().as_str(),
            Some("logs-a")
        );
        assert_eq!(blocks[1].node.get("acl").unwrap().as_str(), Some("private"));
        assert_eq!(blocks[3].node.get("n").unwrap().value, Value::Int(10));
        assert_eq!(blocks[5].node.get("v").unwrap().as_str(), Some("q"));
        // An unknown collection: values depending on it stay unknown.
        assert!(blocks[6].node.get("acl").unwrap().is_unknown());
    }

    #[test]
    fn a_lone_interpolation_keeps_its_type() {
        let blocks = module(&[(
            "main.tf",
            "variable \"tags\" {\n  default = { a = 1 }\n}\nresource \"x\" \"y\" {\n  t = \"${var.tags}\"\n  s = \"v-${var.tags.a}\"\n}\n",
        )]);
        let n = &blocks[0].node;
        assert_eq!(n.get("t").unwrap().get("a").unwrap().value, Value::Int(1));
        assert_eq!(n.get("t").unwrap().line, 5);
        assert_eq!(n.get("s").unwrap().as_str(), Some("v-1"));
    }

    #[test]
    fn dynamic_blocks_expand_when_known() {
        let text = "variable \"rules\" {\n  default = [\n    { port = 22, cidr = \"0.0.0.0/0\" },\n    { port = 443, cidr = \"10.0.0.0/8\" },\n  ]\n}\nresource \"aws_security_group\" \"sg\" {\n  dynamic \"ingress\" {\n    for_each = var.rules\n    content {\n      from_port   = ingress.value.port\n      cidr_blocks = [ingress.value.cidr]\n    }\n  }\n  dynamic \"egress\" {\n    for_each = var.unknown\n    iterator = e\n    content {\n      to_port = e.value\n    }\n  }\n  dynamic \"tag\" {\n    for_each = { a = 1 }\n    iterator = t\n    content {\n      k = t.key\n    }\n  }\n  dynamic \"none\" {\n    for_each = []\n    content {}\n  }\n}\n";
        let blocks = module(&[("main.tf", text)]);
        let n = &blocks[0].node;
        let ing = n.get("ingress").unwrap().as_seq().unwrap();
        assert_eq!(ing.len(), 2);
        assert_eq!(ing[0].get("from_port").unwrap().value, Value::Int(22));
        assert_eq!(ing[0].get("from_port").unwrap().key_line, 11);
        assert_eq!(
            ing[1].get("cidr_blocks").unwrap().as_seq().unwrap()[0].as_str(),
            Some("10.0.0.0/8")
        );
        assert!(n.get("egress").unwrap().is_unknown());
        assert_eq!(n.get("tag").unwrap().get("k").unwrap().as_str(), Some("a"));
        assert!(n.get("none").is_none());
    }

    #[test]
    fn json_dynamic_blocks_expand() {
        let text = "{\"resource\": {\"aws_security_group\": {\"sg\": {\n  \"dynamic\": {\"ingress\": {\n    \"for_each\": \"${[22, 80]}\",\n    \"iterator\": \"p\",\n    \"content\": {\"from_port\": \"${p.value}\"}\n  }}\n}}}}\n";
        let blocks = module(&[("main.tf.json", text)]);
        let ing = blocks[0].node.get("ingress").unwrap().as_seq().unwrap();
        assert_eq!(ing.len(), 2);
        assert_eq!(ing[1].get("from_port").unwrap().value, Value::Int(80));
        assert_eq!(ing[1].get("from_port").unwrap().key_line, 5);
    }
}
