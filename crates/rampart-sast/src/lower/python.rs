//! Python lowering (tree-sitter-python).

use super::{Lowerer, span, unescape};
use crate::ir::*;
use tree_sitter::Node;

impl<'a> Lowerer<'a> {
    /// Lowers the statements under a `module` or `block` node.
    pub(crate) fn py_block(&mut self, n: Node) -> Vec<Stmt> {
        let mut out = Vec::new();
        let mut c = n.walk();
        for ch in n.named_children(&mut c) {
            self.py_stmt(ch, &mut out);
        }
        out
    }

    fn py_body(&mut self, n: Option<Node>) -> Vec<Stmt> {
        match n {
            Some(b) if b.kind() == "block" || b.kind() == "module" => self.py_block(b),
            Some(b) => {
                let mut out = Vec::new();
                self.py_stmt(b, &mut out);
                out
            }
            None => Vec::new(),
        }
    }

    fn flush(&mut self, out: &mut Vec<Stmt>) {
        out.append(&mut self.pending);
    }

    fn py_stmt(&mut self, n: Node, out: &mut Vec<Stmt>) {
        if n.is_extra() {
            return;
        }
        if self.enter(n) {
            self.py_stmt_inner(n, out);
        } else {
            out.push(Self::opaque_stmt(n));
        }
        self.leave();
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
                                .map(|o| py_binop(self.text(o).trim_end_matches('=')))
                                .unwrap_or(BinOp::Other);
                            let value = Expr::new(
                                ExprKind::BinOp(op, Box::new(target.clone()), Box::new(rhs)),
                                span(ch),
                            );
                            self.flush(out);
                            out.push(Stmt {
                                kind: StmtKind::Assign { target, value },
                                span: span(ch),
                            });
                        }
                        _ => {
                            let e = self.py_expr(ch);
                            self.flush(out);
                            out.push(Stmt {
                                kind: StmtKind::Expr(e),
                                span: sp,
                            });
                        }
                    }
                }
            }
            "return_statement" => {
                let e = n.named_child(0).map(|e| self.py_expr(e));
                self.flush(out);
                out.push(Stmt {
                    kind: StmtKind::Return(e),
                    span: sp,
                });
            }
            "if_statement" => {
                let s = self.py_if(n, 0);
                out.append(&mut self.pending);
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
                out.push(Stmt {
                    kind: StmtKind::Loop { target, iter, body },
                    span: sp,
                });
            }
            "while_statement" => {
                let iter = n
                    .child_by_field_name("condition")
                    .map(|r| self.py_expr(r))
                    .unwrap_or_else(|| Expr::unknown(sp));
                self.flush(out);
                let body = self.py_body(n.child_by_field_name("body"));
                out.push(Stmt {
                    kind: StmtKind::Loop {
                        target: None,
                        iter,
                        body,
                    },
                    span: sp,
                });
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
                            out.push(Stmt {
                                kind: StmtKind::If {
                                    cond: Expr::unknown(span(ch)),
                                    then: body,
                                    els: Vec::new(),
                                },
                                span: span(ch),
                            });
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
                                    out.push(Stmt {
                                        kind: StmtKind::Expr(value),
                                        span: span(item),
                                    });
                                }
                            } else {
                                let e = self.py_expr(v);
                                self.flush(out);
                                out.push(Stmt {
                                    kind: StmtKind::Expr(e),
                                    span: span(item),
                                });
                            }
                        }
                    }
                }
                out.extend(self.py_body(n.child_by_field_name("body")));
            }
            "function_definition" => {
                let id = self.py_function(n, Vec::new());
                out.push(Stmt {
                    kind: StmtKind::Func(id),
                    span: sp,
                });
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
                            out.push(Stmt {
                                kind: StmtKind::Func(id),
                                span: sp,
                            });
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
                self.module.classes.push(Class {
                    name,
                    bases,
                    methods: Vec::new(),
                    span: sp,
                });
                let id = self.module.classes.len() - 1;
                let saved = self.cur_class.replace(id);
                let body = self.py_body(n.child_by_field_name("body"));
                self.cur_class = saved;
                // Class-level statements run in the enclosing scope; methods were recorded.
                for s in body {
                    if !matches!(s.kind, StmtKind::Func(_)) {
                        out.push(s);
                    }
                }
                out.push(Stmt {
                    kind: StmtKind::Class(id),
                    span: sp,
                });
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
                self.flush(out);
                out.push(Stmt {
                    kind: StmtKind::Expr(subject),
                    span: sp,
                });
                if let Some(body) = n.child_by_field_name("body") {
                    let mut c = body.walk();
                    let cases: Vec<Node> = body.named_children(&mut c).collect();
                    for case in cases {
                        let then = self.py_body(case.child_by_field_name("consequence"));
                        out.push(Stmt {
                            kind: StmtKind::If {
                                cond: Expr::unknown(span(case)),
                                then,
                                els: Vec::new(),
                            },
                            span: span(case),
                        });
                    }
                }
            }
            _ => {
                // raise, assert, del, print, exec, ERROR…: keep the expressions for their effects.
                let e = if n.kind().ends_with("statement") || n.kind() == "ERROR" {
                    if n.kind() == "ERROR" {
                        // Statements may hide inside an error node: lower them as statements.
                        let mut c = n.walk();
                        let kids: Vec<Node> = n.named_children(&mut c).collect();
                        for ch in kids {
                            self.py_stmt(ch, out);
                        }
                        return;
                    }
                    self.unknown_of(n, &mut |l, c| l.py_expr(c))
                } else {
                    self.py_expr(n)
                };
                self.flush(out);
                out.push(Stmt {
                    kind: StmtKind::Expr(e),
                    span: sp,
                });
            }
        }
    }

    pub(crate) fn push_import(&mut self, imp: Import, sp: Span, out: &mut Vec<Stmt>) {
        if self.cur_fn == 0 {
            self.module.imports.push(imp.clone());
        }
        out.push(Stmt {
            kind: StmtKind::Import(imp),
            span: sp,
        });
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
        Stmt {
            kind: StmtKind::If { cond, then, els },
            span: sp,
        }
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
                out.push(Stmt {
                    kind: StmtKind::If { cond, then, els },
                    span: span(*first),
                });
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
                let tmp = self.fresh();
                let tmp_e = Expr::new(ExprKind::Name(tmp), value.span);
                out.push(Stmt {
                    kind: StmtKind::Assign {
                        target: tmp_e.clone(),
                        value,
                    },
                    span: sp,
                });
                for (i, t) in items.into_iter().enumerate() {
                    let v = Expr::new(
                        ExprKind::Subscript(
                            Box::new(tmp_e.clone()),
                            Box::new(Expr::new(ExprKind::Lit(Lit::Int(i as i64)), t.span)),
                        ),
                        t.span,
                    );
                    self.py_destructure(t, v, sp, out);
                }
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
        let id = self.new_function(name, span(n));
        self.module.functions[id].decorators = decorators;
        self.module.functions[id].class = self.cur_class;
        if let Some(c) = self.cur_class {
            self.module.classes[c].methods.push(id);
        }
        let saved_fn = std::mem::replace(&mut self.cur_fn, id);
        let saved_class = self.cur_class.take();
        let saved_pending = std::mem::take(&mut self.pending);
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
                let mut out = std::mem::take(&mut self.pending);
                out.push(Stmt {
                    kind: StmtKind::Return(Some(e)),
                    span: span(b),
                });
                out
            }
            other => self.py_body(other),
        };
        let f = &mut self.module.functions[id];
        f.params = params;
        f.body = body;
        self.cur_fn = saved_fn;
        self.cur_class = saved_class;
        self.pending = saved_pending;
        id
    }

    /// Lowers a Python expression.
    pub(crate) fn py_expr(&mut self, n: Node) -> Expr {
        let e = if self.enter(n) {
            self.py_expr_inner(n)
        } else {
            Expr::unknown(span(n))
        };
        self.leave();
        e
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
                Expr::new(ExprKind::Attr(b(obj), attr), sp)
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
                if self.pattern && args.len() == 1 && callee.dotted().as_deref() == Some("__deep__")
                {
                    return Expr::new(ExprKind::Deep(Box::new(args.remove(0))), sp);
                }
                Expr::new(
                    ExprKind::Call(Box::new(Call {
                        callee,
                        args,
                        kwargs,
                        is_new: false,
                    })),
                    sp,
                )
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
                    Some(v) => Expr::new(ExprKind::Lit(Lit::Int(v)), sp),
                    None => Expr::unknown(sp),
                }
            }
            "float" => match self.text(n).replace('_', "").parse() {
                Ok(v) => Expr::new(ExprKind::Lit(Lit::Float(v)), sp),
                Err(_) => Expr::unknown(sp),
            },
            "true" => Expr::new(ExprKind::Lit(Lit::Bool(true)), sp),
            "false" => Expr::new(ExprKind::Lit(Lit::Bool(false)), sp),
            "none" => Expr::new(ExprKind::Lit(Lit::Null), sp),
            "binary_operator" => {
                let l = self.py_child(n, "left");
                let r = self.py_child(n, "right");
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| py_binop(self.text(o)))
                    .unwrap_or(BinOp::Other);
                Expr::new(ExprKind::BinOp(op, b(l), b(r)), sp)
            }
            "boolean_operator" => {
                let l = self.py_child(n, "left");
                let r = self.py_child(n, "right");
                let op = match n.child_by_field_name("operator").map(|o| self.text(o)) {
                    Some("and") => BinOp::And,
                    _ => BinOp::Or,
                };
                Expr::new(ExprKind::BinOp(op, b(l), b(r)), sp)
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
                    let op = py_binop(&ops[0]);
                    Expr::new(ExprKind::BinOp(op, b(l), b(r)), sp)
                } else {
                    let parts = operands.into_iter().map(|o| self.py_expr(o)).collect();
                    Expr::new(ExprKind::Unknown(parts), sp)
                }
            }
            "unary_operator" => {
                let a = self.py_child(n, "argument");
                let op = n.child_by_field_name("operator").map(|o| self.text(o));
                match (op, &a.kind) {
                    (Some("-"), ExprKind::Lit(Lit::Int(v))) => {
                        Expr::new(ExprKind::Lit(Lit::Int(-v)), sp)
                    }
                    (Some("-"), ExprKind::Lit(Lit::Float(v))) => {
                        Expr::new(ExprKind::Lit(Lit::Float(-v)), sp)
                    }
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
            "parenthesized_expression" => match n.named_child(0) {
                Some(x) => self.py_expr(x),
                None => Expr::unknown(sp),
            },
            "list" | "tuple" | "set" | "expression_list" | "pattern_list" | "tuple_pattern"
            | "list_pattern" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).filter(|k| !k.is_extra()).collect();
                let items = kids.into_iter().map(|k| self.py_expr(k)).collect();
                Expr::new(ExprKind::List(items), sp)
            }
            "list_splat" | "dictionary_splat" | "list_splat_pattern" | "await" => {
                match n.named_child(0) {
                    Some(x) => self.py_expr(x),
                    None => Expr::unknown(sp),
                }
            }
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
                self.pending.push(Stmt {
                    kind: StmtKind::Assign {
                        target: target.clone(),
                        value,
                    },
                    span: sp,
                });
                target
            }
            "keyword_argument" => self.py_child(n, "value"),
            "as_pattern" => match n.named_child(0) {
                Some(x) => self.py_expr(x),
                None => Expr::unknown(sp),
            },
            _ => self.unknown_of(n, &mut |l, c| l.py_expr(c)),
        }
    }

    fn py_child(&mut self, n: Node, field: &str) -> Expr {
        match n.child_by_field_name(field) {
            Some(c) => self.py_expr(c),
            None => Expr::unknown(span(n)),
        }
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
                        parts.push(Expr::new(
                            ExprKind::Lit(Lit::Str(unescape(&std::mem::take(&mut text)))),
                            span(k),
                        ));
                    }
                    let e = self.py_child(k, "expression");
                    parts.push(e);
                }
                _ => {}
            }
        }
        if !has_interp {
            if self.pattern && text == super::ELLIPSIS {
                text = "...".into();
            }
            return Expr::new(ExprKind::Lit(Lit::Str(unescape(&text))), sp);
        }
        if !text.is_empty() {
            parts.push(Expr::new(ExprKind::Lit(Lit::Str(unescape(&text))), sp));
        }
        Expr::new(ExprKind::StrBuild(parts), sp)
    }
}

fn py_binop(op: &str) -> BinOp {
    match op {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" | "//" => BinOp::Div,
        "%" => BinOp::Mod,
        "==" | "is" => BinOp::Eq,
        "!=" | "is not" => BinOp::Ne,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        _ => BinOp::Other,
    }
}
