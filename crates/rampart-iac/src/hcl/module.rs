//! A module evaluated: variables (defaults, tfvars, inputs), locals (with their cycles),
//! and every block once per `count`/`for_each` instance, `dynamic` blocks expanded.

#[allow(unused_imports)]
use super::*;

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
pub(crate) type Instance = (String, Option<Node>, Option<(Node, Node)>);

/// Instances beyond this many are not expanded: the block is evaluated once, `count.index` /
/// `each.*` unknown.
pub const MAX_INSTANCES: usize = 64;

/// The instances a `count` or `for_each` value asks for: `None` when unknown (or too many),
/// else `(instance key, count.index or each.key, each.value)`.
pub(crate) fn instances(count: Option<&Node>, for_each: Option<&Node>) -> Option<Vec<Instance>> {
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
pub(crate) struct LocalRefs(Vec<String>);

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
pub(crate) fn local_refs(e: &RawExpr<'_>) -> Vec<String> {
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
pub(crate) fn local_cycles(
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

pub(crate) fn evaluate(files: &[TfFile], inputs: &HashMap<String, Node>) -> Evaluated {
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

pub(crate) fn eval_raw_body(
    body: &RawBody<'_>,
    f: &TfFile,
    scope: &Scope,
    span: Range<usize>,
) -> Node {
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

pub(crate) fn unknown(expr: &str, span: Range<usize>, line: usize) -> Node {
    Node::new(Value::Unknown(expr.to_string()), span, line)
}

pub(crate) fn eval_body(body: &Body, f: &TfFile, scope: &Scope, span: Range<usize>) -> Node {
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
pub(crate) fn push_block(entries: &mut Vec<(String, Node)>, key: String, v: Node) {
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
pub(crate) fn dynamic_blocks(
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
pub(crate) fn dynamic_pairs(fe: &Node) -> Option<Vec<(Node, Node)>> {
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
