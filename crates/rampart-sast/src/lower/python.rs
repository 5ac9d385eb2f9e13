//! Python lowering (tree-sitter-python).

use super::build::{assign, binop, binop_of, expr_stmt, lit, loop_stmt, maybe, stmt, str_lit};
use super::{Lowerer, span, unescape};
use crate::ir::*;
use tree_sitter::Node;

impl<'a> Lowerer<'a> {
    /// Lowers the statements under a `module` or `block` node.
    pub(crate) fn py_block(&mut self, n: Node) -> Vec<Stmt> {
        self.block_with(n, Self::py_stmt)
    }

    fn py_body(&mut self, n: Option<Node>) -> Vec<Stmt> {
        self.body_with(n, |k| k == "block" || k == "module", Self::py_stmt)
    }

    fn py_stmt(&mut self, n: Node, out: &mut Vec<Stmt>) {
        self.guarded_stmt(n, out, Self::py_stmt_inner)
    }

    fn py_stmt_inner(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let sp = span(n);
        match n.kind() {
            "expression_statement" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for ch in kids {
                    match ch.kind() {
                        "assignment" => self.py_assignment(ch, out),
                        "augmented_assignment" => {
                            let (Some(l), Some(r)) = (
                                ch.child_by_field_name("left"),
                                ch.child_by_field_name("right"),
                            ) else {
                                continue;
                            };
                            let target = self.py_expr(l);
                            let rhs = self.py_expr(r);
                            let op = ch
                                .child_by_field_name("operator")
                                .map(|o| binop_of(self.text(o).trim_end_matches('=')))
                                .unwrap_or(BinOp::Other);
                            self.flush(out);
                            out.push(Self::augmented(target, op, rhs, span(ch)));
                        }
                        _ => {
                            let e = self.py_expr(ch);
                            self.emit(StmtKind::Expr(e), sp, out);
                        }
                    }
                }
            }
            "return_statement" => {
                let e = n.named_child(0).map(|e| self.py_expr(e));
                self.emit(StmtKind::Return(e), sp, out);
            }
            "if_statement" => {
                let s = self.py_if(n, 0);
                self.flush(out);
                out.push(s);
            }
            "for_statement" => {
                let target = n.child_by_field_name("left").map(|l| self.py_expr(l));
                let iter = n
                    .child_by_field_name("right")
                    .map(|r| self.py_expr(r))
                    .unwrap_or_else(|| Expr::unknown(sp));
                self.flush(out);
                let mut body = self.py_body(n.child_by_field_name("body"));
                if let Some(alt) = n.child_by_field_name("alternative") {
                    body.extend(self.py_body(alt.child_by_field_name("body")));
                }
                out.push(loop_stmt(target, iter, body, sp));
            }
            "while_statement" => {
                let iter = n
                    .child_by_field_name("condition")
                    .map(|r| self.py_expr(r))
                    .unwrap_or_else(|| Expr::unknown(sp));
                self.flush(out);
                let body = self.py_body(n.child_by_field_name("body"));
                out.push(loop_stmt(None, iter, body, sp));
            }
            "try_statement" => {
                out.extend(self.py_body(n.child_by_field_name("body")));
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for ch in kids {
                    match ch.kind() {
                        "except_clause" | "except_group_clause" => {
                            let mut body = Vec::new();
                            let mut c2 = ch.walk();
                            let parts: Vec<Node> = ch.named_children(&mut c2).collect();
                            for p in parts {
                                if p.kind() == "block" {
                                    body.extend(self.py_block(p));
                                }
                            }
                            out.push(maybe(body, span(ch)));
                        }
                        "else_clause" | "finally_clause" => {
                            let mut c2 = ch.walk();
                            let parts: Vec<Node> = ch.named_children(&mut c2).collect();
                            for p in parts {
                                if p.kind() == "block" {
                                    out.extend(self.py_block(p));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            "with_statement" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for ch in kids {
                    if ch.kind() == "with_clause" {
                        let mut c2 = ch.walk();
                        let items: Vec<Node> = ch.named_children(&mut c2).collect();
                        for item in items {
                            let Some(v) = item.child_by_field_name("value") else {
                                continue;
                            };
                            if v.kind() == "as_pattern" {
                                let value = v
                                    .named_child(0)
                                    .map(|e| self.py_expr(e))
                                    .unwrap_or_else(|| Expr::unknown(span(v)));
                                let alias = v
                                    .child_by_field_name("alias")
                                    .and_then(|a| a.named_child(0));
                                self.flush(out);
                                if let Some(a) = alias {
                                    let target = self.py_expr(a);
                                    self.py_destructure(target, value, span(item), out);
                                } else {
                                    out.push(expr_stmt(value, span(item)));
                                }
                            } else {
                                let e = self.py_expr(v);
                                self.emit(StmtKind::Expr(e), span(item), out);
                            }
                        }
                    }
                }
                out.extend(self.py_body(n.child_by_field_name("body")));
            }
            "function_definition" => {
                let id = self.py_function(n, Vec::new());
                out.push(stmt(StmtKind::Func(id), sp));
            }
            "decorated_definition" => {
                let mut decorators = Vec::new();
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for ch in &kids {
                    if ch.kind() == "decorator"
                        && let Some(e) = ch.named_child(0)
                    {
                        decorators.push(self.py_expr(e));
                    }
                }
                self.pending.clear();
                if let Some(def) = n.child_by_field_name("definition") {
                    match def.kind() {
                        "function_definition" => {
                            let id = self.py_function(def, decorators);
                            self.module.functions[id].span = sp;
                            out.push(stmt(StmtKind::Func(id), sp));
                        }
                        _ => self.py_stmt(def, out),
                    }
                }
            }
            "class_definition" => {
                let name = n
                    .child_by_field_name("name")
                    .map(|x| self.text(x).to_string())
                    .unwrap_or_default();
                let bases = match n.child_by_field_name("superclasses") {
                    Some(s) => {
                        let mut c = s.walk();
                        let kids: Vec<Node> = s.named_children(&mut c).collect();
                        kids.into_iter().map(|k| self.py_expr(k)).collect()
                    }
                    None => Vec::new(),
                };
                self.pending.clear();
                let id = self.new_class(name, bases, sp);
                let saved = self.cur_class.replace(id);
                let body = self.py_body(n.child_by_field_name("body"));
                self.cur_class = saved;
                // Class-level statements run in the enclosing scope; methods were recorded.
                for s in body {
                    if !matches!(s.kind, StmtKind::Func(_)) {
                        out.push(s);
                    }
                }
                out.push(stmt(StmtKind::Class(id), sp));
            }
            "import_statement" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for ch in kids {
                    let (module, alias) = match ch.kind() {
                        "dotted_name" => {
                            let m = self.text(ch).to_string();
                            // `import a.b` binds `a`; keep the full path for resolution.
                            (m.clone(), m)
                        }
                        "aliased_import" => {
                            let m = ch
                                .child_by_field_name("name")
                                .map(|x| self.text(x).to_string())
                                .unwrap_or_default();
                            let a = ch
                                .child_by_field_name("alias")
                                .map(|x| self.text(x).to_string())
                                .unwrap_or_default();
                            (m, a)
                        }
                        _ => continue,
                    };
                    self.push_import(
                        Import {
                            module,
                            level: 0,
                            name: None,
                            alias,
                        },
                        sp,
                        out,
                    );
                }
            }
            "import_from_statement" => {
                let (module, level) = match n.child_by_field_name("module_name") {
                    Some(m) if m.kind() == "relative_import" => {
                        let t = self.text(m);
                        let level = t.chars().take_while(|&c| c == '.').count() as u32;
                        (t.trim_start_matches('.').to_string(), level)
                    }
                    Some(m) => (self.text(m).to_string(), 0),
                    None => (String::new(), 0),
                };
                let mut c = n.walk();
                let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
                for ch in names {
                    let (name, alias) = match ch.kind() {
                        "aliased_import" => (
                            ch.child_by_field_name("name")
                                .map(|x| self.text(x).to_string())
                                .unwrap_or_default(),
                            ch.child_by_field_name("alias")
                                .map(|x| self.text(x).to_string())
                                .unwrap_or_default(),
                        ),
                        _ => (self.text(ch).to_string(), self.text(ch).to_string()),
                    };
                    self.push_import(
                        Import {
                            module: module.clone(),
                            level,
                            name: Some(name),
                            alias,
                        },
                        sp,
                        out,
                    );
                }
            }
            "pass_statement"
            | "break_statement"
            | "continue_statement"
            | "comment"
            | "global_statement"
            | "nonlocal_statement"
            | "future_import_statement" => {}
            "block" => out.extend(self.py_block(n)),
            "match_statement" => {
                let subject = n
                    .child_by_field_name("subject")
                    .map(|s| self.py_expr(s))
                    .unwrap_or_else(|| Expr::unknown(sp));
                self.emit(StmtKind::Expr(subject), sp, out);
                if let Some(body) = n.child_by_field_name("body") {
                    let mut c = body.walk();
                    let cases: Vec<Node> = body.named_children(&mut c).collect();
                    for case in cases {
                        let then = self.py_body(case.child_by_field_name("consequence"));
                        out.push(maybe(then, span(case)));
                    }
                }
            }
            _ => {
                // raise, assert, del, print, exec, ERROR…: keep the expressions for their effects.
                let e = if n.kind().ends_with("statement") || n.kind() == "ERROR" {
                    if n.kind() == "ERROR" {
                        self.error_stmts(n, out, Self::py_stmt);
                        return;
                    }
                    self.unknown_of(n, &mut |l, c| l.py_expr(c))
                } else {
                    self.py_expr(n)
                };
                self.emit(StmtKind::Expr(e), sp, out);
            }
        }
    }

    fn py_if(&mut self, n: Node, alt_index: usize) -> Stmt {
        // `alt_index` walks the elif/else chain of one if_statement.
        let sp = span(n);
        let cond = n
            .child_by_field_name("condition")
            .map(|c| self.py_expr(c))
            .unwrap_or_else(|| Expr::unknown(sp));
        let then = self.py_body(n.child_by_field_name("consequence"));
        let mut c = n.walk();
        let alts: Vec<Node> = n.children_by_field_name("alternative", &mut c).collect();
        let els = self.py_alts(&alts[alt_index.min(alts.len())..]);
        stmt(StmtKind::If { cond, then, els }, sp)
    }

    fn py_alts(&mut self, alts: &[Node]) -> Vec<Stmt> {
        let Some((first, _)) = alts.split_first() else {
            return Vec::new();
        };
        // Each `elif` nests one level deeper in the IR (the `else` of the one before).
        let out = if self.enter(*first) {
            self.py_alts_inner(alts)
        } else {
            vec![Self::opaque_stmt(*first)]
        };
        self.leave();
        out
    }

    fn py_alts_inner(&mut self, alts: &[Node]) -> Vec<Stmt> {
        let Some((first, rest)) = alts.split_first() else {
            return Vec::new();
        };
        match first.kind() {
            "elif_clause" => {
                let cond = first
                    .child_by_field_name("condition")
                    .map(|c| self.py_expr(c))
                    .unwrap_or_else(|| Expr::unknown(span(*first)));
                let mut out = std::mem::take(&mut self.pending);
                let then = self.py_body(first.child_by_field_name("consequence"));
                let els = self.py_alts(rest);
                out.push(stmt(StmtKind::If { cond, then, els }, span(*first)));
                out
            }
            _ => self.py_body(first.child_by_field_name("body")),
        }
    }

    fn py_assignment(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let Some(l) = n.child_by_field_name("left") else {
            return;
        };
        let value = match n.child_by_field_name("right") {
            Some(r) if r.kind() == "assignment" => {
                // a = b = v: lower the inner one first, then a = b.
                self.py_assignment(r, out);
                match r.child_by_field_name("left") {
                    Some(inner) => self.py_expr(inner),
                    None => return,
                }
            }
            Some(r) => self.py_expr(r),
            None => return, // annotation only
        };
        let target = self.py_expr(l);
        self.flush(out);
        self.py_destructure(target, value, span(n), out);
    }

    /// `a, b = v` becomes `a = v[0]; b = v[1]`.
    fn py_destructure(&mut self, target: Expr, value: Expr, sp: Span, out: &mut Vec<Stmt>) {
        match target.kind {
            ExprKind::List(items) if !self.pattern => {
                let items = items
                    .into_iter()
                    .map(|t| {
                        let s = t.span;
                        (t, s)
                    })
                    .collect();
                self.destructure_seq(items, value, sp, out, |l, t, v, out| {
                    l.py_destructure(t, v, sp, out)
                });
            }
            _ => self.assign_to(target, value, sp, out),
        }
    }

    fn py_function(&mut self, n: Node, decorators: Vec<Expr>) -> FuncId {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.text(x).to_string())
            .unwrap_or_else(|| "<lambda>".into());
        let name = self.field_name(&name);
        let scope = self.begin_function(name, span(n));
        self.module.functions[scope.id()].decorators = decorators;
        let mut params = Vec::new();
        if let Some(ps) = n.child_by_field_name("parameters") {
            let mut c = ps.walk();
            let kids: Vec<Node> = ps.named_children(&mut c).collect();
            for p in kids {
                let (name_node, default) = match p.kind() {
                    "identifier" => (Some(p), None),
                    "typed_parameter" => (p.named_child(0), None),
                    "default_parameter" | "typed_default_parameter" => (
                        p.child_by_field_name("name"),
                        p.child_by_field_name("value").map(|v| self.py_expr(v)),
                    ),
                    "list_splat_pattern" | "dictionary_splat_pattern" => (p.named_child(0), None),
                    _ => (None, None),
                };
                let Some(nn) = name_node else { continue };
                let name_node = if nn.kind() != "identifier" {
                    nn.named_child(0).unwrap_or(nn)
                } else {
                    nn
                };
                let pname = self.text(name_node).to_string();
                params.push(Param {
                    name: self.field_name(&pname),
                    default,
                    span: span(p),
                });
            }
        }
        self.pending.clear();
        let body = match n.child_by_field_name("body") {
            Some(b) if n.kind() == "lambda" => {
                let e = self.py_expr(b);
                self.return_body(e, span(b))
            }
            other => self.py_body(other),
        };
        let mut body = body;
        if !self.pattern
            && super::py_views::is_html_view(
                &self.module.functions[scope.id()].decorators,
                &self.module.imports,
                n.child_by_field_name("return_type")
                    .is_some_and(|t| super::py_views::annotation_is_html(self.text(t))),
            )
        {
            super::py_views::wrap_returns(&mut body);
        }
        self.end_function(scope, params, body)
    }

    /// Lowers a Python expression.
    pub(crate) fn py_expr(&mut self, n: Node) -> Expr {
        self.guarded_expr(n, Self::py_expr_inner)
    }

    fn py_expr_inner(&mut self, n: Node) -> Expr {
        let sp = span(n);
        let b = |e: Expr| Box::new(e);
        match n.kind() {
            "identifier" => self.name(self.text(n), sp),
            "ellipsis" if self.pattern => Expr::new(ExprKind::Ellipsis, sp),
            "attribute" => {
                let obj = n
                    .child_by_field_name("object")
                    .map(|o| self.py_expr(o))
                    .unwrap_or_else(|| Expr::unknown(sp));
                let attr = n
                    .child_by_field_name("attribute")
                    .map(|a| self.field_name(self.text(a)))
                    .unwrap_or_default();
                super::build::attr(obj, attr, sp)
            }
            "subscript" => {
                let obj = n
                    .child_by_field_name("value")
                    .map(|o| self.py_expr(o))
                    .unwrap_or_else(|| Expr::unknown(sp));
                let mut c = n.walk();
                let subs: Vec<Node> = n.children_by_field_name("subscript", &mut c).collect();
                let key = if subs.len() == 1 {
                    self.py_expr(subs[0])
                } else {
                    let parts = subs.into_iter().map(|s| self.py_expr(s)).collect();
                    Expr::new(ExprKind::Unknown(parts), sp)
                };
                Expr::new(ExprKind::Subscript(b(obj), b(key)), sp)
            }
            "call" => {
                let callee = n
                    .child_by_field_name("function")
                    .map(|f| self.py_expr(f))
                    .unwrap_or_else(|| Expr::unknown(sp));
                let mut args = Vec::new();
                let mut kwargs = Vec::new();
                if let Some(al) = n.child_by_field_name("arguments") {
                    if al.kind() == "generator_expression" {
                        args.push(self.py_expr(al));
                    } else {
                        let mut c = al.walk();
                        let kids: Vec<Node> = al.named_children(&mut c).collect();
                        for a in kids {
                            if a.is_extra() {
                                continue;
                            }
                            match a.kind() {
                                "keyword_argument" => {
                                    let (Some(k), Some(v)) = (
                                        a.child_by_field_name("name"),
                                        a.child_by_field_name("value"),
                                    ) else {
                                        continue;
                                    };
                                    let value = self.py_expr(v);
                                    kwargs.push(Kwarg {
                                        name: self.field_name(self.text(k)),
                                        name_span: span(k),
                                        value,
                                    });
                                }
                                "list_splat" | "dictionary_splat" => {
                                    if let Some(x) = a.named_child(0) {
                                        args.push(self.py_expr(x));
                                    }
                                }
                                _ => args.push(self.py_expr(a)),
                            }
                        }
                    }
                }
                self.call_or_deep(callee, args, kwargs, false, sp)
            }
            "string" => self.py_string(n),
            "concatenated_string" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                let parts: Vec<Expr> = kids.into_iter().map(|k| self.py_string(k)).collect();
                super::string_expr(parts, sp)
            }
            "integer" => {
                let t = self.text(n).replace('_', "");
                let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    i64::from_str_radix(h, 16).ok()
                } else {
                    t.parse().ok()
                };
                match v {
                    Some(v) => lit(Lit::Int(v), sp),
                    None => Expr::unknown(sp),
                }
            }
            "float" => match self.text(n).replace('_', "").parse() {
                Ok(v) => lit(Lit::Float(v), sp),
                Err(_) => Expr::unknown(sp),
            },
            "true" => lit(Lit::Bool(true), sp),
            "false" => lit(Lit::Bool(false), sp),
            "none" => lit(Lit::Null, sp),
            "binary_operator" => {
                let l = self.py_child(n, "left");
                let r = self.py_child(n, "right");
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| binop_of(self.text(o)))
                    .unwrap_or(BinOp::Other);
                binop(op, l, r, sp)
            }
            "boolean_operator" => {
                let l = self.py_child(n, "left");
                let r = self.py_child(n, "right");
                let op = match n.child_by_field_name("operator").map(|o| self.text(o)) {
                    Some("and") => BinOp::And,
                    _ => BinOp::Or,
                };
                binop(op, l, r, sp)
            }
            "not_operator" => {
                let a = self.py_child(n, "argument");
                Expr::new(ExprKind::Not(b(a)), sp)
            }
            "comparison_operator" => {
                let mut c = n.walk();
                let operands: Vec<Node> = n.named_children(&mut c).collect();
                let mut c2 = n.walk();
                let ops: Vec<String> = n
                    .children_by_field_name("operators", &mut c2)
                    .map(|o| self.text(o).to_string())
                    .collect();
                if operands.len() == 2 && ops.len() == 1 {
                    let l = self.py_expr(operands[0]);
                    let r = self.py_expr(operands[1]);
                    binop(binop_of(&ops[0]), l, r, sp)
                } else {
                    let parts = operands.into_iter().map(|o| self.py_expr(o)).collect();
                    Expr::new(ExprKind::Unknown(parts), sp)
                }
            }
            "unary_operator" => {
                let a = self.py_child(n, "argument");
                match n.child_by_field_name("operator").map(|o| self.text(o)) {
                    Some("-") => super::build::negate(a, sp, true),
                    _ => Expr::new(ExprKind::Unknown(vec![a]), sp),
                }
            }
            "conditional_expression" => {
                let mut c = n.walk();
                let k: Vec<Node> = n.named_children(&mut c).collect();
                if k.len() == 3 {
                    let a = self.py_expr(k[0]);
                    let cond = self.py_expr(k[1]);
                    let e = self.py_expr(k[2]);
                    Expr::new(ExprKind::Cond(b(cond), b(a), b(e)), sp)
                } else {
                    self.unknown_of(n, &mut |l, c| l.py_expr(c))
                }
            }
            "parenthesized_expression"
            | "list_splat"
            | "dictionary_splat"
            | "list_splat_pattern"
            | "await"
            | "as_pattern" => self.first_child_with(n, Self::py_expr),
            "list" | "tuple" | "set" | "expression_list" | "pattern_list" | "tuple_pattern"
            | "list_pattern" => self.list_with(n, Self::py_expr),
            "dictionary" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                let mut items = Vec::new();
                for k in kids {
                    match k.kind() {
                        "pair" => {
                            let key = self.py_child(k, "key");
                            let value = self.py_child(k, "value");
                            items.push((key, value));
                        }
                        "dictionary_splat" => {
                            let v = self.py_expr(k);
                            items.push((Expr::unknown(span(k)), v));
                        }
                        _ => {}
                    }
                }
                Expr::new(ExprKind::Dict(items), sp)
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => {
                let mut binds = Vec::new();
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in &kids {
                    if k.kind() == "for_in_clause" {
                        let t = self.py_child(*k, "left");
                        let i = self.py_child(*k, "right");
                        binds.push((t, i));
                    }
                }
                let body = match n.child_by_field_name("body") {
                    Some(x) if x.kind() == "pair" => {
                        let k = self.py_child(x, "key");
                        let v = self.py_child(x, "value");
                        Expr::new(ExprKind::Dict(vec![(k, v)]), span(x))
                    }
                    Some(x) => self.py_expr(x),
                    None => Expr::unknown(sp),
                };
                Expr::new(ExprKind::Comp(binds, b(body)), sp)
            }
            "lambda" => {
                let id = self.py_function(n, Vec::new());
                Expr::new(ExprKind::Func(id), sp)
            }
            "named_expression" => {
                let target = self.py_child(n, "name");
                let value = self.py_child(n, "value");
                self.pending.push(assign(target.clone(), value, sp));
                target
            }
            "keyword_argument" => self.py_child(n, "value"),
            _ => self.unknown_of(n, &mut |l, c| l.py_expr(c)),
        }
    }

    fn py_child(&mut self, n: Node, field: &str) -> Expr {
        self.child_with(n, field, Self::py_expr)
    }

    fn py_string(&mut self, n: Node) -> Expr {
        let sp = span(n);
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut has_interp = false;
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in kids {
            match k.kind() {
                "string_content" | "escape_sequence" => text.push_str(self.text(k)),
                "interpolation" => {
                    has_interp = true;
                    if !text.is_empty() {
                        parts.push(str_lit(unescape(&std::mem::take(&mut text)), span(k)));
                    }
                    let e = self.py_child(k, "expression");
                    parts.push(e);
                }
                _ => {}
            }
        }
        if !has_interp {
            let text = self.string_value(text);
            return str_lit(unescape(&text), sp);
        }
        if !text.is_empty() {
            parts.push(str_lit(unescape(&text), sp));
        }
        Expr::new(ExprKind::StrBuild(parts), sp)
    }
}
