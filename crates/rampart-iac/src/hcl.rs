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

/// One parsed `.tf` or `.tfvars` file.
pub struct TfFile {
    /// Path relative to the scan root.
    pub path: String,
    /// The text.
    pub text: String,
    /// The parsed body.
    pub body: Body,
    lines: LineIndex,
}

impl TfFile {
    /// Parses a file.
    pub fn parse(path: &str, text: &str) -> Result<TfFile, HclError> {
        match hcl_edit::parser::parse_body(text) {
            Ok(body) => Ok(TfFile {
                path: path.to_string(),
                text: text.to_string(),
                body,
                lines: LineIndex::new(text),
            }),
            Err(e) => Err(HclError {
                line: e.location().line(),
                message: e.message().to_string(),
            }),
        }
    }
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
    /// Index of the file in the module's file list.
    pub file: usize,
    /// The evaluated body (a mapping whose key span is the block's header).
    pub node: Node,
}

impl TfBlock {
    /// `aws_s3_bucket.logs`, `data.aws_iam_policy_document.x`, `module.vpc`.
    pub fn address(&self) -> String {
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
}

/// Evaluates every block of a module's files with the given variable values (which override
/// defaults). `tfvars` are `.tfvars` files of the directory.
pub fn evaluate_module(files: &[TfFile], inputs: &HashMap<String, Node>) -> (Vec<TfBlock>, Scope) {
    let mut scope = Scope::default();
    // Variable defaults, then tfvars, then inputs.
    let mut tfvars: Vec<&TfFile> = Vec::new();
    for f in files {
        if f.path.ends_with(".tfvars") {
            tfvars.push(f);
            continue;
        }
        for s in f.body.iter() {
            if let Structure::Block(b) = s
                && b.ident.as_str() == "variable"
                && let Some(name) = b.labels.first()
            {
                let default = b.body.iter().find_map(|s| match s {
                    Structure::Attribute(a) if a.key.as_str() == "default" => Some(a),
                    _ => None,
                });
                let v = match default {
                    Some(a) => eval(&a.value, f, &Scope::default()),
                    None => unknown(&format!("var.{}", name.as_str()), 0..0, 0),
                };
                scope.vars.insert(name.as_str().to_string(), v);
            }
        }
    }
    let auto = |p: &str| {
        let n = p.rsplit('/').next().unwrap_or(p);
        n == "terraform.tfvars" || n.ends_with(".auto.tfvars")
    };
    let mut other: HashMap<String, Vec<Node>> = HashMap::new();
    for f in &tfvars {
        for s in f.body.iter() {
            if let Structure::Attribute(a) = s {
                let v = eval(&a.value, f, &Scope::default());
                if auto(&f.path) {
                    scope.vars.insert(a.key.as_str().to_string(), v);
                } else {
                    other.entry(a.key.as_str().to_string()).or_default().push(v);
                }
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
    // Locals, a few passes so that locals referring to locals resolve.
    for _ in 0..4 {
        let mut changed = false;
        for f in files.iter().filter(|f| !f.path.ends_with(".tfvars")) {
            for s in f.body.iter() {
                if let Structure::Block(b) = s
                    && b.ident.as_str() == "locals"
                {
                    for s in b.body.iter() {
                        if let Structure::Attribute(a) = s {
                            let v = eval(&a.value, f, &scope);
                            let k = a.key.as_str().to_string();
                            if scope.locals.get(&k).map(Node::to_json) != Some(v.to_json()) {
                                changed = true;
                            }
                            scope.locals.insert(k, v);
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut blocks = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        if f.path.ends_with(".tfvars") {
            continue;
        }
        for s in f.body.iter() {
            let Structure::Block(b) = s else { continue };
            let bt = b.ident.as_str().to_string();
            if bt == "locals" || bt == "variable" {
                continue;
            }
            let kind = b
                .labels
                .first()
                .map(|l| l.as_str().to_string())
                .unwrap_or_default();
            let name = b
                .labels
                .get(1)
                .map(|l| l.as_str().to_string())
                .unwrap_or_default();
            let mut node = eval_body(&b.body, f, &scope, b.span().unwrap_or(0..0));
            let head = b.ident.span().unwrap_or(0..0);
            let head_end = b
                .labels
                .last()
                .and_then(|l| l.span())
                .map(|s| s.end)
                .unwrap_or(head.end);
            node.key_span = Some(head.start..head_end);
            node.key_line = f.lines.line(head.start);
            // count = 0 or an empty for_each: the block does not exist.
            if let Some(c) = node.get("count")
                && c.as_f64() == Some(0.0)
            {
                continue;
            }
            if let Some(fe) = node.get("for_each") {
                let empty = match &fe.value {
                    Value::Seq(s) => s.is_empty(),
                    Value::Map(m) => m.is_empty(),
                    _ => false,
                };
                if empty {
                    continue;
                }
            }
            blocks.push(TfBlock {
                block_type: bt,
                kind,
                name,
                file: fi,
                node,
            });
        }
    }
    (blocks, scope)
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
                let (key, mut v) = if b.ident.as_str() == "dynamic" {
                    // The content depends on for_each: unknown.
                    let label = b
                        .labels
                        .first()
                        .map(|l| l.as_str().to_string())
                        .unwrap_or_default();
                    (
                        label,
                        unknown("dynamic", bspan.clone(), f.lines.line(bspan.start)),
                    )
                } else {
                    (
                        b.ident.as_str().to_string(),
                        eval_body(&b.body, f, scope, bspan.clone()),
                    )
                };
                v.key_line = f.lines.line(ks.start);
                v.key_span = Some(ks.clone());
                // Repeated blocks become a sequence.
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
                            existing.key_span =
                                existing.as_seq().and_then(|s| s[0].key_span.clone());
                            existing.key_line =
                                existing.as_seq().map(|s| s[0].key_line).unwrap_or(0);
                        }
                    }
                    None => entries.push((key, v)),
                }
            }
        }
    }
    let line = f.lines.line(span.start);
    Node::new(Value::Map(entries), span, line)
}

fn respan(mut n: Node, span: &Range<usize>, line: usize) -> Node {
    n.span = span.clone();
    n.line = line;
    n.key_span = None;
    match &mut n.value {
        Value::Seq(s) => {
            for c in s.iter_mut() {
                *c = respan(c.clone(), span, line);
            }
        }
        Value::Map(m) => {
            for (_, c) in m.iter_mut() {
                *c = respan(c.clone(), span, line);
            }
        }
        _ => {}
    }
    n
}

/// Evaluates an expression.
pub fn eval(e: &Expression, f: &TfFile, scope: &Scope) -> Node {
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
        Expression::StringTemplate(t) => template(t, f, scope)
            .map(|s| mk(Value::Str(s)))
            .unwrap_or_else(unk),
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
                (UnaryOperator::Neg, Value::Int(i)) => mk(Value::Int(-i)),
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
        evaluate_module(&parsed, &HashMap::new()).0
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
}
