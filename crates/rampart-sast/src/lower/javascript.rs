//! JavaScript and TypeScript lowering (tree-sitter-javascript, tree-sitter-typescript), JSX
//! included. TypeScript-only syntax (types, `as`, `!`) is skipped down to the value.

use super::build::{attr, binop, binop_of, expr_stmt, lit, loop_stmt, maybe, stmt, str_lit, var};
use super::{Lowerer, span, unescape};
use crate::ir::*;
use tree_sitter::Node;

impl<'a> Lowerer<'a> {
    /// Lowers the statements under a `program` or `statement_block` node.
    pub(crate) fn js_block(&mut self, n: Node) -> Vec<Stmt> {
        self.block_with(n, Self::js_stmt)
    }

    fn js_body(&mut self, n: Option<Node>) -> Vec<Stmt> {
        self.body_with(n, |k| k == "statement_block", Self::js_stmt)
    }

    pub(crate) fn js_stmt(&mut self, n: Node, out: &mut Vec<Stmt>) {
        self.guarded_stmt(n, out, Self::js_stmt_inner)
    }

    fn js_stmt_inner(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let sp = span(n);
        match n.kind() {
            "expression_statement" => {
                let Some(e) = n.named_child(0) else { return };
                if e.kind() == "assignment_expression" {
                    self.js_assignment(e, out);
                } else if e.kind() == "sequence_expression" {
                    let mut c = e.walk();
                    let kids: Vec<Node> = e.named_children(&mut c).collect();
                    for k in kids {
                        if k.kind() == "assignment_expression" {
                            self.js_assignment(k, out);
                        } else {
                            let x = self.js_expr(k);
                            self.emit(StmtKind::Expr(x), span(k), out);
                        }
                    }
                } else {
                    let x = self.js_expr(e);
                    self.emit(StmtKind::Expr(x), sp, out);
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for d in kids {
                    if d.kind() != "variable_declarator" {
                        continue;
                    }
                    let Some(name) = d.child_by_field_name("name") else {
                        continue;
                    };
                    let Some(v) = d.child_by_field_name("value") else {
                        continue;
                    };
                    if self.js_require(name, v, out) {
                        continue;
                    }
                    let value = self.js_named_value(name, v);
                    self.flush(out);
                    self.js_destructure(name, value, span(d), out);
                }
            }
            "return_statement" => {
                let e = n.named_child(0).map(|e| self.js_expr(e));
                self.emit(StmtKind::Return(e), sp, out);
            }
            "if_statement" => {
                let cond = self.js_child(n, "condition");
                self.flush(out);
                let then = self.js_body(n.child_by_field_name("consequence"));
                let els = match n.child_by_field_name("alternative") {
                    Some(a) => {
                        let inner = a.named_child(0);
                        self.js_body(inner)
                    }
                    None => Vec::new(),
                };
                out.push(stmt(StmtKind::If { cond, then, els }, sp));
            }
            "for_in_statement" => {
                let left = n.child_by_field_name("left");
                let iter = self.js_child(n, "right");
                let is_in = n
                    .child_by_field_name("operator")
                    .is_some_and(|o| self.text(o) == "in");
                self.flush(out);
                let mut body = Vec::new();
                let target = match left {
                    Some(l) => {
                        let tmp = self.fresh();
                        let tmp_e = var(tmp, span(l));
                        // `for (k in obj)` iterates keys: not the values' data.
                        let val = if is_in {
                            Expr::unknown(span(l))
                        } else {
                            tmp_e.clone()
                        };
                        self.js_destructure(l, val, span(l), &mut body);
                        Some(tmp_e)
                    }
                    None => None,
                };
                body.extend(self.js_body(n.child_by_field_name("body")));
                out.push(loop_stmt(target, iter, body, sp));
            }
            "for_statement" => {
                if let Some(init) = n.child_by_field_name("initializer") {
                    self.js_stmt(init, out);
                }
                let iter = match n.child_by_field_name("condition") {
                    Some(c) if c.kind() == "expression_statement" => match c.named_child(0) {
                        Some(x) => self.js_expr(x),
                        None => Expr::unknown(sp),
                    },
                    Some(c) => self.js_expr(c),
                    None => Expr::unknown(sp),
                };
                self.flush(out);
                let mut body = self.js_body(n.child_by_field_name("body"));
                if let Some(inc) = n.child_by_field_name("increment") {
                    let e = self.js_expr(inc);
                    self.emit(StmtKind::Expr(e), span(inc), &mut body);
                }
                out.push(loop_stmt(None, iter, body, sp));
            }
            "while_statement" | "do_statement" => {
                let iter = self.js_child(n, "condition");
                self.flush(out);
                let body = self.js_body(n.child_by_field_name("body"));
                out.push(loop_stmt(None, iter, body, sp));
            }
            "try_statement" => {
                out.extend(self.js_body(n.child_by_field_name("body")));
                if let Some(h) = n.child_by_field_name("handler") {
                    let then = self.js_body(h.child_by_field_name("body"));
                    out.push(maybe(then, span(h)));
                }
                if let Some(f) = n.child_by_field_name("finalizer") {
                    out.extend(self.js_body(f.child_by_field_name("body")));
                }
            }
            "switch_statement" => {
                let v = self.js_child(n, "value");
                self.emit(StmtKind::Expr(v), sp, out);
                if let Some(body) = n.child_by_field_name("body") {
                    let mut c = body.walk();
                    let cases: Vec<Node> = body.named_children(&mut c).collect();
                    for case in cases {
                        let mut then = Vec::new();
                        let mut c2 = case.walk();
                        let stmts: Vec<Node> =
                            case.children_by_field_name("body", &mut c2).collect();
                        for s in stmts {
                            self.js_stmt(s, &mut then);
                        }
                        out.push(maybe(then, span(case)));
                    }
                }
            }
            "statement_block" => out.extend(self.js_block(n)),
            "labeled_statement" => {
                if let Some(b) = n.child_by_field_name("body") {
                    self.js_stmt(b, out);
                }
            }
            "function_declaration" | "generator_function_declaration" | "function_signature" => {
                let id = self.js_function(n, None);
                out.push(stmt(StmtKind::Func(id), sp));
            }
            "class_declaration" | "abstract_class_declaration" => {
                let id = self.js_class(n);
                out.push(stmt(StmtKind::Class(id), sp));
            }
            "export_statement" => {
                if let Some(d) = n.child_by_field_name("declaration") {
                    self.js_stmt(d, out);
                } else if let Some(v) = n.child_by_field_name("value") {
                    let e = self.js_expr(v);
                    let target = var("$default", span(v));
                    self.flush(out);
                    self.assign_to(target, e, sp, out);
                } else {
                    // `export { a } from './m'` re-exports are not tracked.
                }
            }
            "import_statement" => self.js_import(n, out),
            "comment"
            | "empty_statement"
            | "break_statement"
            | "continue_statement"
            | "debugger_statement"
            | "interface_declaration"
            | "type_alias_declaration"
            | "enum_declaration"
            | "ambient_declaration"
            | "hash_bang_line" => {}
            "ERROR" => self.error_stmts(n, out, Self::js_stmt),
            _ => {
                let e = if n.kind().ends_with("statement") {
                    self.unknown_of(n, &mut |l, c| l.js_expr(c))
                } else {
                    self.js_expr(n)
                };
                self.emit(StmtKind::Expr(e), sp, out);
            }
        }
    }

    /// `const x = require('m')`, `const { a, b: c } = require('m')`: imports. Returns whether
    /// the declaration was one.
    fn js_require(&mut self, name: Node, v: Node, out: &mut Vec<Stmt>) -> bool {
        if self.pattern {
            return false;
        }
        // require('m') or require('m').member
        let (call, member) = match v.kind() {
            "call_expression" => (v, None),
            "member_expression" => match v.child_by_field_name("object") {
                Some(o) if o.kind() == "call_expression" => (
                    o,
                    v.child_by_field_name("property")
                        .map(|p| self.text(p).to_string()),
                ),
                _ => return false,
            },
            _ => return false,
        };
        let is_require = call
            .child_by_field_name("function")
            .is_some_and(|f| self.text(f) == "require");
        if !is_require {
            return false;
        }
        let Some(module) = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|a| a.kind() == "string")
            .map(|s| js_string_value(self, s))
        else {
            return false;
        };
        let sp = span(v);
        match name.kind() {
            "identifier" => {
                let imp = Import {
                    module,
                    level: 0,
                    name: member,
                    alias: self.text(name).to_string(),
                };
                self.push_import(imp, sp, out);
                true
            }
            "object_pattern" if member.is_none() => {
                let mut c = name.walk();
                let kids: Vec<Node> = name.named_children(&mut c).collect();
                for k in kids {
                    let (imported, local) = match k.kind() {
                        "shorthand_property_identifier_pattern" => {
                            (self.text(k).to_string(), self.text(k).to_string())
                        }
                        "pair_pattern" => {
                            match (k.child_by_field_name("key"), k.child_by_field_name("value")) {
                                (Some(a), Some(b)) if b.kind() == "identifier" => {
                                    (self.text(a).to_string(), self.text(b).to_string())
                                }
                                _ => continue,
                            }
                        }
                        _ => continue,
                    };
                    let imp = Import {
                        module: module.clone(),
                        level: 0,
                        name: Some(imported),
                        alias: local,
                    };
                    self.push_import(imp, sp, out);
                }
                true
            }
            _ => false,
        }
    }

    fn js_import(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let sp = span(n);
        let Some(module) = n
            .child_by_field_name("source")
            .map(|s| js_string_value(self, s))
        else {
            return;
        };
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for clause in kids {
            if clause.kind() != "import_clause" {
                continue;
            }
            let mut c2 = clause.walk();
            let parts: Vec<Node> = clause.named_children(&mut c2).collect();
            for p in parts {
                match p.kind() {
                    "identifier" => {
                        let imp = Import {
                            module: module.clone(),
                            level: 0,
                            name: Some("default".into()),
                            alias: self.text(p).to_string(),
                        };
                        self.push_import(imp, sp, out);
                    }
                    "namespace_import" => {
                        if let Some(id) = p.named_child(0) {
                            let imp = Import {
                                module: module.clone(),
                                level: 0,
                                name: None,
                                alias: self.text(id).to_string(),
                            };
                            self.push_import(imp, sp, out);
                        }
                    }
                    "named_imports" => {
                        let mut c3 = p.walk();
                        let specs: Vec<Node> = p.named_children(&mut c3).collect();
                        for s in specs {
                            if s.kind() != "import_specifier" {
                                continue;
                            }
                            let Some(nm) = s.child_by_field_name("name") else {
                                continue;
                            };
                            let name = self.text(nm).to_string();
                            let alias = s
                                .child_by_field_name("alias")
                                .map(|a| self.text(a).to_string())
                                .unwrap_or_else(|| name.clone());
                            let imp = Import {
                                module: module.clone(),
                                level: 0,
                                name: Some(name),
                                alias,
                            };
                            self.push_import(imp, sp, out);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn js_assignment(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let (Some(l), Some(r)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
        ) else {
            return;
        };
        let value = if r.kind() == "assignment_expression" {
            self.js_assignment(r, out);
            match r.child_by_field_name("left") {
                Some(inner) => self.js_expr(inner),
                None => return,
            }
        } else {
            self.js_named_value(l, r)
        };
        self.flush(out);
        self.js_destructure(l, value, span(n), out);
    }

    /// Lowers a value; a function value takes the name it is bound to.
    fn js_named_value(&mut self, name: Node, v: Node) -> Expr {
        let v = strip_ts(v);
        if matches!(
            v.kind(),
            "arrow_function" | "function_expression" | "function" | "generator_function"
        ) {
            let bound = match name.kind() {
                "identifier" => Some(self.text(name).to_string()),
                "member_expression" => name
                    .child_by_field_name("property")
                    .map(|p| self.text(p).to_string()),
                _ => None,
            };
            let id = self.js_function(v, bound);
            return Expr::new(ExprKind::Func(id), span(v));
        }
        self.js_expr(v)
    }

    /// Assigns to a (possibly destructuring) target.
    fn js_destructure(&mut self, t: Node, value: Expr, sp: Span, out: &mut Vec<Stmt>) {
        if self.enter(t) {
            self.js_destructure_inner(t, value, sp, out);
        } else {
            // Too deep: the value is still evaluated, the target is not bound.
            out.push(expr_stmt(value, sp));
        }
        self.leave();
    }

    fn js_destructure_inner(&mut self, t: Node, value: Expr, sp: Span, out: &mut Vec<Stmt>) {
        match t.kind() {
            "object_pattern" if !self.pattern => {
                let tmp_e = self.bind_fresh(value, sp, out);
                let mut c = t.walk();
                let kids: Vec<Node> = t.named_children(&mut c).collect();
                for k in kids {
                    match k.kind() {
                        "shorthand_property_identifier_pattern" => {
                            let name = self.text(k).to_string();
                            let v = attr(tmp_e.clone(), name.clone(), span(k));
                            let target = var(name, span(k));
                            self.assign_to(target, v, sp, out);
                        }
                        "pair_pattern" => {
                            let (Some(key), Some(val)) =
                                (k.child_by_field_name("key"), k.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            let kname = js_key_name(self, key);
                            let v = match kname {
                                Some(f) => attr(tmp_e.clone(), f, span(k)),
                                None => Expr::new(
                                    ExprKind::Subscript(
                                        Box::new(tmp_e.clone()),
                                        Box::new(Expr::unknown(span(key))),
                                    ),
                                    span(k),
                                ),
                            };
                            self.js_destructure(val, v, sp, out);
                        }
                        "object_assignment_pattern" => {
                            let (Some(left), Some(right)) = (
                                k.child_by_field_name("left"),
                                k.child_by_field_name("right"),
                            ) else {
                                continue;
                            };
                            let name = self.text(left).to_string();
                            let d = self.js_expr(right);
                            let v =
                                binop(BinOp::Or, attr(tmp_e.clone(), name, span(k)), d, span(k));
                            self.js_destructure(left, v, sp, out);
                        }
                        "rest_pattern" => {
                            if let Some(x) = k.named_child(0) {
                                self.js_destructure(x, tmp_e.clone(), sp, out);
                            }
                        }
                        _ => {}
                    }
                }
            }
            "array_pattern" if !self.pattern => {
                let mut c = t.walk();
                let kids: Vec<(Node, Span)> =
                    t.named_children(&mut c).map(|k| (k, span(k))).collect();
                self.destructure_seq(kids, value, sp, out, |l, k, v, out| {
                    l.js_destructure(k, v, sp, out)
                });
            }
            "assignment_pattern" => {
                if let Some(left) = t.child_by_field_name("left") {
                    let d = self.js_child(t, "right");
                    let v = binop(BinOp::Or, value, d, span(t));
                    self.js_destructure(left, v, sp, out);
                }
            }
            "rest_pattern" => {
                if let Some(x) = t.named_child(0) {
                    self.js_destructure(x, value, sp, out);
                }
            }
            _ => {
                let target = self.js_expr(t);
                self.flush(out);
                self.assign_to(target, value, sp, out);
            }
        }
    }

    fn js_class(&mut self, n: Node) -> ClassId {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.text(x).to_string())
            .unwrap_or_default();
        let mut bases = Vec::new();
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in &kids {
            if k.kind() == "class_heritage" {
                let mut c2 = k.walk();
                let hs: Vec<Node> = k.named_children(&mut c2).collect();
                for h in hs {
                    let inner = if h.kind() == "extends_clause" {
                        h.named_child(0)
                    } else {
                        Some(h)
                    };
                    if let Some(i) = inner {
                        bases.push(self.js_expr(i));
                    }
                }
            }
        }
        let id = self.new_class(name, bases, span(n));
        if let Some(body) = n.child_by_field_name("body") {
            let mut c = body.walk();
            let members: Vec<Node> = body.named_children(&mut c).collect();
            for m in members {
                if m.kind() == "method_definition" {
                    let saved = self.cur_class.replace(id);
                    self.js_function(m, None);
                    self.cur_class = saved;
                }
            }
        }
        id
    }

    fn js_function(&mut self, n: Node, bound: Option<String>) -> FuncId {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.field_name(self.text(x)))
            .or(bound)
            .unwrap_or_else(|| "<anonymous>".into());
        let scope = self.begin_function(name, span(n));
        let mut params = Vec::new();
        let mut prologue = Vec::new();
        let param_nodes: Vec<Node> = if let Some(p) = n.child_by_field_name("parameter") {
            vec![p]
        } else if let Some(ps) = n.child_by_field_name("parameters") {
            let mut c = ps.walk();
            ps.named_children(&mut c).collect()
        } else {
            Vec::new()
        };
        for p in param_nodes {
            let sp = span(p);
            // TypeScript wraps parameters: required_parameter / optional_parameter (pattern).
            let (pat, default) = match p.kind() {
                "required_parameter" | "optional_parameter" => (
                    p.child_by_field_name("pattern").unwrap_or(p),
                    p.child_by_field_name("value"),
                ),
                "assignment_pattern" => (
                    p.child_by_field_name("left").unwrap_or(p),
                    p.child_by_field_name("right"),
                ),
                _ => (p, None),
            };
            let default = default.map(|d| self.js_expr(d));
            let pat = if pat.kind() == "rest_pattern" {
                pat.named_child(0).unwrap_or(pat)
            } else {
                pat
            };
            match pat.kind() {
                "identifier" => {
                    let nm = self.text(pat).to_string();
                    params.push(Param {
                        name: self.field_name(&nm),
                        default,
                        span: sp,
                    });
                }
                "object_pattern" | "array_pattern" => {
                    let pname = format!("$p{}", params.len());
                    let v = var(pname.clone(), sp);
                    self.js_destructure(pat, v, sp, &mut prologue);
                    params.push(Param {
                        name: pname,
                        default,
                        span: sp,
                    });
                }
                "this" | "comment" => {}
                _ => params.push(Param {
                    name: self.text(pat).to_string(),
                    default,
                    span: sp,
                }),
            }
        }
        self.pending.clear();
        let body = match n.child_by_field_name("body") {
            Some(b) if b.kind() == "statement_block" => self.js_block(b),
            Some(b) => {
                let e = self.js_expr(b);
                self.return_body(e, span(b))
            }
            None => Vec::new(),
        };
        prologue.extend(body);
        self.end_function(scope, params, prologue)
    }

    fn js_child(&mut self, n: Node, field: &str) -> Expr {
        self.child_with(n, field, Self::js_expr)
    }

    /// Lowers a JavaScript/TypeScript expression.
    pub(crate) fn js_expr(&mut self, n: Node) -> Expr {
        self.guarded_expr(n, Self::js_expr_inner)
    }

    fn js_args(&mut self, al: Option<Node>) -> (Vec<Expr>, Vec<Kwarg>) {
        let mut args = Vec::new();
        if let Some(al) = al {
            if al.kind() == "template_string" {
                args.push(self.js_expr(al));
            } else {
                let mut c = al.walk();
                let kids: Vec<Node> = al.named_children(&mut c).collect();
                for a in kids {
                    if a.is_extra() {
                        continue;
                    }
                    args.push(self.js_expr(a));
                }
            }
        }
        (args, Vec::new())
    }

    fn js_expr_inner(&mut self, n: Node) -> Expr {
        let sp = span(n);
        let b = |e: Expr| Box::new(e);
        match n.kind() {
            "identifier"
            | "shorthand_property_identifier"
            | "property_identifier"
            | "private_property_identifier"
            | "this"
            | "super" => self.name(self.text(n), sp),
            "undefined" | "null" => lit(Lit::Null, sp),
            "true" => lit(Lit::Bool(true), sp),
            "false" => lit(Lit::Bool(false), sp),
            "number" => {
                let t = self.text(n).replace('_', "");
                if let Ok(i) = t.parse::<i64>() {
                    lit(Lit::Int(i), sp)
                } else if let Ok(f) = t.parse::<f64>() {
                    lit(Lit::Float(f), sp)
                } else {
                    Expr::unknown(sp)
                }
            }
            "string" => {
                let s = js_string_value(self, n);
                str_lit(self.string_value(s), sp)
            }
            "regex" => str_lit(self.text(n), sp),
            "template_string" => {
                let mut parts = Vec::new();
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                let mut any_sub = false;
                for k in kids {
                    match k.kind() {
                        "string_fragment" | "escape_sequence" => {
                            parts.push(str_lit(unescape(self.text(k)), span(k)))
                        }
                        "template_substitution" => {
                            any_sub = true;
                            let x = self.first_child_with(k, Self::js_expr);
                            parts.push(x);
                        }
                        _ => {}
                    }
                }
                if any_sub {
                    Expr::new(ExprKind::StrBuild(parts), sp)
                } else {
                    super::string_expr(parts, sp)
                }
            }
            "member_expression" => {
                let obj = self.js_child(n, "object");
                let prop = n
                    .child_by_field_name("property")
                    .map(|p| self.field_name(self.text(p)))
                    .unwrap_or_default();
                attr(obj, prop, sp)
            }
            "subscript_expression" => {
                let obj = self.js_child(n, "object");
                let idx = self.js_child(n, "index");
                Expr::new(ExprKind::Subscript(b(obj), b(idx)), sp)
            }
            "call_expression" => {
                let callee = self.js_child(n, "function");
                let (args, kwargs) = self.js_args(n.child_by_field_name("arguments"));
                // In patterns, `require('a-b')` names the module `a-b`.
                if self.pattern
                    && args.len() == 1
                    && callee.dotted().as_deref() == Some("require")
                    && let ExprKind::Lit(Lit::Str(m)) = &args[0].kind
                {
                    return var(m.clone(), sp);
                }
                self.call_or_deep(callee, args, kwargs, false, sp)
            }
            "new_expression" => {
                let callee = self.js_child(n, "constructor");
                let (args, kwargs) = self.js_args(n.child_by_field_name("arguments"));
                super::build::call(callee, args, kwargs, true, sp)
            }
            "binary_expression" => {
                let l = self.js_child(n, "left");
                let r = self.js_child(n, "right");
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| binop_of(self.text(o)))
                    .unwrap_or(BinOp::Other);
                binop(op, l, r, sp)
            }
            "unary_expression" => {
                let a = self.js_child(n, "argument");
                match n.child_by_field_name("operator").map(|o| self.text(o)) {
                    Some("!") => Expr::new(ExprKind::Not(b(a)), sp),
                    Some("-") => super::build::negate(a, sp, false),
                    // typeof/void/delete yield no attacker data
                    Some("typeof") | Some("void") | Some("delete") => Expr::unknown(sp),
                    _ => Expr::new(ExprKind::Unknown(vec![a]), sp),
                }
            }
            "ternary_expression" => {
                let c = self.js_child(n, "condition");
                let a = self.js_child(n, "consequence");
                let e = self.js_child(n, "alternative");
                Expr::new(ExprKind::Cond(b(c), b(a), b(e)), sp)
            }
            "parenthesized_expression"
            | "await_expression"
            | "spread_element"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression"
            | "type_assertion"
            | "yield_expression" => {
                let mut c = n.walk();
                let inner = n
                    .named_children(&mut c)
                    .find(|k| !k.kind().contains("type") && !k.is_extra());
                match inner {
                    Some(x) => self.js_expr(x),
                    None => Expr::unknown(sp),
                }
            }
            "assignment_expression" => {
                let mut tmp = Vec::new();
                self.js_assignment(n, &mut tmp);
                self.pending.extend(tmp);
                self.js_child(n, "left")
            }
            "augmented_assignment_expression" => {
                let target = self.js_child(n, "left");
                let r = self.js_child(n, "right");
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| binop_of(self.text(o).trim_end_matches('=')))
                    .unwrap_or(BinOp::Other);
                self.pending
                    .push(Self::augmented(target.clone(), op, r, sp));
                target
            }
            "object" => {
                // Vue: the component object's methods are methods of its class.
                let component = self.component_class_for(n);
                let mut items = Vec::new();
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    match k.kind() {
                        "pair" => {
                            let Some(key) = k.child_by_field_name("key") else {
                                continue;
                            };
                            let kexpr = match js_key_name(self, key) {
                                Some(s) => {
                                    let s = self.field_name(&s);
                                    if s.starts_with('$') && self.pattern {
                                        Expr::new(ExprKind::MetaVar(s), span(key))
                                    } else {
                                        str_lit(s, span(key))
                                    }
                                }
                                None => self.js_expr(key),
                            };
                            let saved = self.cur_class;
                            let v = match k.child_by_field_name("value") {
                                Some(v) => {
                                    // `data: function () { … }` of a Vue component (an arrow
                                    // function has no `this` of its own).
                                    if component.is_some()
                                        && matches!(v.kind(), "function_expression" | "function")
                                    {
                                        self.cur_class = component;
                                    }
                                    self.js_named_value(key, v)
                                }
                                None => Expr::unknown(span(k)),
                            };
                            self.cur_class = saved;
                            items.push((kexpr, v));
                        }
                        "shorthand_property_identifier" => {
                            let name = self.text(k).to_string();
                            let v = self.name(&name, span(k));
                            if matches!(v.kind, ExprKind::Ellipsis) {
                                items.push((Expr::new(ExprKind::Ellipsis, span(k)), v));
                            } else {
                                items.push((str_lit(name, span(k)), v));
                            }
                        }
                        "spread_element" => {
                            let v = self.js_expr(k);
                            items.push((Expr::unknown(span(k)), v));
                        }
                        "method_definition" => {
                            let saved = self.cur_class;
                            if component.is_some() {
                                self.cur_class = component;
                            }
                            let id = self.js_function(k, None);
                            self.cur_class = saved;
                            let name = self.module.functions[id].name.clone();
                            items.push((
                                str_lit(name, span(k)),
                                Expr::new(ExprKind::Func(id), span(k)),
                            ));
                        }
                        _ => {}
                    }
                }
                Expr::new(ExprKind::Dict(items), sp)
            }
            "array" | "sequence_expression" => self.list_with(n, Self::js_expr),
            "arrow_function" | "function_expression" | "function" | "generator_function" => {
                let id = self.js_function(n, None);
                Expr::new(ExprKind::Func(id), sp)
            }
            "class" => {
                let id = self.js_class(n);
                Expr::new(ExprKind::Unknown(Vec::new()), self.module.classes[id].span)
            }
            "jsx_element" | "jsx_self_closing_element" => self.jsx(n),
            "jsx_expression" => self.first_child_with(n, Self::js_expr),
            "jsx_text" | "html_character_reference" => str_lit(self.text(n), sp),
            "update_expression" => self.js_child(n, "argument"),
            _ => self.unknown_of(n, &mut |l, c| l.js_expr(c)),
        }
    }

    /// `<Tag a={x}>children</Tag>` becomes a call of `JSX.Tag` with attributes as keyword
    /// arguments and children as positional ones.
    fn jsx(&mut self, n: Node) -> Expr {
        let sp = span(n);
        let open = if n.kind() == "jsx_element" {
            n.child_by_field_name("open_tag")
        } else {
            Some(n)
        };
        let tag = open
            .and_then(|o| o.child_by_field_name("name"))
            .map(|t| self.field_name(self.text(t)))
            .unwrap_or_default();
        let callee = attr(var("JSX", sp), tag.clone(), sp);
        let mut kwargs = Vec::new();
        let mut args = Vec::new();
        if let Some(o) = open {
            let mut c = o.walk();
            let attrs: Vec<Node> = o.children_by_field_name("attribute", &mut c).collect();
            for a in attrs {
                match a.kind() {
                    "jsx_attribute" => {
                        let Some(k) = a.named_child(0) else { continue };
                        let value = match a.named_child(1) {
                            Some(v) => self.js_expr(v),
                            None => lit(Lit::Bool(true), span(a)),
                        };
                        kwargs.push(Kwarg {
                            name: self.field_name(self.text(k)),
                            name_span: span(k),
                            value,
                        });
                    }
                    _ => {
                        let v = self.js_expr(a);
                        args.push(v);
                    }
                }
            }
        }
        if n.kind() == "jsx_element" {
            let mut c = n.walk();
            let kids: Vec<Node> = n.named_children(&mut c).collect();
            for k in kids {
                if matches!(k.kind(), "jsx_opening_element" | "jsx_closing_element") {
                    continue;
                }
                if k.kind() == "jsx_text" && self.text(k).trim().is_empty() {
                    continue;
                }
                args.push(self.js_expr(k));
            }
        }
        super::build::call(callee, args, kwargs, false, sp)
    }
}

/// Skips TypeScript wrappers (and parentheses) around a value; a loop, however many there are.
fn strip_ts(mut n: Node) -> Node {
    while matches!(
        n.kind(),
        "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
    ) {
        match n.named_child(0) {
            Some(c) => n = c,
            None => break,
        }
    }
    n
}

/// The value of a string literal node.
fn js_string_value(l: &Lowerer, n: Node) -> String {
    let mut s = String::new();
    let mut c = n.walk();
    for k in n.named_children(&mut c) {
        s.push_str(l.text(k));
    }
    unescape(&s)
}

/// The name of an object key: `a`, `"a"`, `[ 'a' ]`; `None` for computed keys.
fn js_key_name(l: &Lowerer, key: Node) -> Option<String> {
    match key.kind() {
        "property_identifier" | "identifier" | "shorthand_property_identifier_pattern" => {
            Some(l.text(key).to_string())
        }
        "string" => Some(js_string_value(l, key)),
        "number" => Some(l.text(key).to_string()),
        "computed_property_name" => key
            .named_child(0)
            .filter(|k| k.kind() == "string")
            .map(|k| js_string_value(l, k)),
        _ => None,
    }
}
