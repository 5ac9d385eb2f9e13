//! Terraform (HCL2) into the document model, with a small evaluator.
//!
//! Files of one directory form a module: variables (defaults, `terraform.tfvars`,
//! `*.auto.tfvars`, inputs from a calling module), locals and the common functions are
//! evaluated; anything else (resource attributes, data sources, `path.*`, unsupported functions)
//! becomes [`Value::Unknown`], which checks never turn into findings.

mod expr;
mod funcs;
mod module;
#[cfg(test)]
mod tests;

pub use expr::{MAX_EVAL_NODES, MAX_VALUE_DEPTH, eval};
pub use module::{Evaluated, MAX_INSTANCES, Scope, TfBlock, evaluate_module};

#[allow(unused_imports)]
use {expr::*, funcs::*, module::*};

#[allow(unused_imports)]
use crate::model::{LineIndex, Node, Value};
#[allow(unused_imports)]
use hcl_edit::Span as _;
#[allow(unused_imports)]
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
#[allow(unused_imports)]
use hcl_edit::structure::{Body, Structure};
#[allow(unused_imports)]
use hcl_edit::template::{Element, Template};
#[allow(unused_imports)]
use std::collections::HashMap;
#[allow(unused_imports)]
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
    pub(crate) lines: LineIndex,
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

    pub(crate) fn parse_json(path: &str, text: &str) -> Result<TfFile, HclError> {
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
pub(crate) enum RawExpr<'a> {
    Hcl(&'a Expression),
    /// A JSON value: strings are templates.
    Json(&'a Node),
    /// A JSON value taken literally (variable defaults, `.tfvars.json`).
    Literal(&'a Node),
}

/// An attribute in either syntax.
pub(crate) struct RawAttr<'a> {
    pub(crate) key: String,
    pub(crate) key_span: Range<usize>,
    pub(crate) expr: RawExpr<'a>,
}

/// A block body in either syntax.
pub(crate) enum RawBody<'a> {
    Hcl(&'a Body),
    Json(&'a Node),
}

/// A block in either syntax.
pub(crate) struct RawBlock<'a> {
    pub(crate) ident: String,
    pub(crate) labels: Vec<String>,
    /// From the block type to the last label (HCL), or the innermost label key (JSON).
    pub(crate) head: Range<usize>,
    pub(crate) span: Range<usize>,
    pub(crate) body: RawBody<'a>,
}

/// How many labels a top-level block type has in Terraform.
pub(crate) fn label_count(ident: &str) -> Option<usize> {
    match ident {
        "resource" | "data" => Some(2),
        "module" | "provider" | "variable" | "output" | "check" => Some(1),
        "locals" | "terraform" | "moved" | "import" | "removed" => Some(0),
        _ => None,
    }
}

/// The top-level blocks of a file.
pub(crate) fn raw_blocks(f: &TfFile) -> Vec<RawBlock<'_>> {
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
pub(crate) fn json_blocks<'a>(
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
pub(crate) fn raw_attrs<'a>(body: &RawBody<'a>) -> Vec<RawAttr<'a>> {
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
pub(crate) fn file_attrs(f: &TfFile) -> Vec<RawAttr<'_>> {
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

pub(crate) fn eval_expr(e: &RawExpr<'_>, f: &TfFile, scope: &Scope) -> Node {
    match e {
        RawExpr::Hcl(x) => eval(x, f, scope),
        RawExpr::Json(n) => eval_json(n, f, scope),
        RawExpr::Literal(n) => (*n).clone(),
    }
}

/// Evaluates a JSON value in expression context: strings are HCL templates
/// (`"${var.x}"` alone is the value itself, of any type).
pub(crate) fn eval_json(n: &Node, f: &TfFile, scope: &Scope) -> Node {
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
