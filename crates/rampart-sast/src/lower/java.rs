//! Java lowering (tree-sitter-java).
//!
//! Classes, interfaces, enums and records become IR classes (methods named by their name,
//! constructors `constructor`); fields with initialisers and static initialisers run in the
//! enclosing scope; inner, local and anonymous classes are classes of their own. Framework
//! knowledge that depends on declarations rather than calls is desugared here so that rules
//! stay patterns:
//! - an annotated parameter (`@RequestParam String id`, `@QueryParam("q") String q`) starts its
//!   method with `id = RequestParam(id)`: rules name the annotation as a call;
//! - a parameter of a Spring request-mapping method with no annotation and a type that is not
//!   a framework object is bound from the request too (`p = ModelAttribute(p)`);
//! - `m.put("k", v)` / `m.setProperty("k", v)` with a constant key store `m.k`, and
//!   `m.get("k")` / `m.getProperty("k")` read it: a value put under one constant key is not
//!   the value read under another;
//! - `switch` becomes an `if`/`else if` chain over `subject == label` (folded like any `if`),
//!   a switch expression assigns its value to a temporary; a bare label that is neither a
//!   local nor a member is an enum constant (`Lit::Enum`), equal to the subject when it holds
//!   that constant (`Mode m = Mode.RAW; switch (m) { case RAW -> … }`).

use super::build::{assign, attr, binop, binop_of, call, lit, loop_stmt, maybe, stmt, var};
use super::java_decl::is_static;
use super::{Lowerer, span, unescape};
use crate::ir::*;
use tree_sitter::Node;

/// Most arms (and labels per arm) a `switch` is lowered to an `if` chain for.
const MAX_SWITCH_CHAIN: usize = 16;

fn is_block(k: &str) -> bool {
    matches!(k, "block" | "constructor_body")
}

impl<'a> Lowerer<'a> {
    /// Lowers the statements and declarations under `program` or a block.
    pub(crate) fn java_block(&mut self, n: Node) -> Vec<Stmt> {
        self.block_with(n, Self::java_stmt)
    }

    pub(super) fn java_body(&mut self, n: Option<Node>) -> Vec<Stmt> {
        self.body_with(n, is_block, Self::java_stmt)
    }

    pub(super) fn java_stmt(&mut self, n: Node, out: &mut Vec<Stmt>) {
        self.guarded_stmt(n, out, Self::java_stmt_inner)
    }

    pub(super) fn java_child(&mut self, n: Node, field: &str) -> Expr {
        self.child_with(n, field, Self::java_expr)
    }

    /// The condition of `if`/`while`: the expression inside the parentheses.
    pub(super) fn java_cond(&mut self, n: Node) -> Expr {
        match n.child_by_field_name("condition") {
            Some(c) if c.kind() == "parenthesized_expression" => {
                self.first_child_with(c, Self::java_expr)
            }
            Some(c) => self.java_expr(c),
            None => Expr::unknown(span(n)),
        }
    }

    pub(super) fn java_stmt_inner(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let sp = span(n);
        match n.kind() {
            "expression_statement" => {
                let Some(e) = n.named_child(0) else { return };
                match e.kind() {
                    "assignment_expression" => self.java_assignment(e, out),
                    "method_invocation" if self.java_map_put(e, out) => {}
                    _ => {
                        let x = self.java_expr(e);
                        self.emit(StmtKind::Expr(x), sp, out);
                    }
                }
            }
            "local_variable_declaration" | "field_declaration" | "constant_declaration" => {
                let instance_field = n.kind() == "field_declaration" && !is_static(self, n);
                let mut c = n.walk();
                let decls: Vec<Node> = n.children_by_field_name("declarator", &mut c).collect();
                for d in decls {
                    let Some(name) = d.child_by_field_name("name") else {
                        continue;
                    };
                    let text = self.text(name);
                    if n.kind() == "local_variable_declaration" {
                        self.locals.insert(text.to_string());
                        let ty = n.child_by_field_name("type");
                        self.java_declare_var(text, ty, d.child_by_field_name("value"));
                    }
                    let Some(v) = d.child_by_field_name("value") else {
                        continue;
                    };
                    let value = self.java_expr(v);
                    let target = if instance_field {
                        attr(var("this", span(name)), text, span(name))
                    } else {
                        self.name(text, span(name))
                    };
                    self.flush(out);
                    out.push(assign(target, value, span(d)));
                }
            }
            "return_statement" => {
                let e = n.named_child(0).map(|e| self.java_expr(e));
                self.emit(StmtKind::Return(e), sp, out);
            }
            "yield_statement" => {
                // Inside a switch expression: the value was bound by `java_switch`.
                let e = self.first_child_with(n, Self::java_expr);
                match self.yield_to.clone() {
                    Some(t) => self.emit(
                        StmtKind::Assign {
                            target: t,
                            value: e,
                        },
                        sp,
                        out,
                    ),
                    None => self.emit(StmtKind::Expr(e), sp, out),
                }
            }
            "throw_statement" | "assert_statement" => {
                let e = self.unknown_of(n, &mut |l, c| l.java_expr(c));
                self.emit(StmtKind::Expr(e), sp, out);
            }
            "if_statement" => {
                let cond = self.java_cond(n);
                self.flush(out);
                let then = self.java_body(n.child_by_field_name("consequence"));
                let els = self.java_body(n.child_by_field_name("alternative"));
                out.push(stmt(StmtKind::If { cond, then, els }, sp));
            }
            "while_statement" | "do_statement" => {
                let iter = self.java_cond(n);
                self.flush(out);
                let body = self.java_body(n.child_by_field_name("body"));
                out.push(loop_stmt(None, iter, body, sp));
            }
            "for_statement" => {
                let mut c = n.walk();
                let inits: Vec<Node> = n.children_by_field_name("init", &mut c).collect();
                for i in inits {
                    if i.kind() == "local_variable_declaration" {
                        self.java_stmt(i, out);
                    } else {
                        let e = self.java_expr(i);
                        self.emit(StmtKind::Expr(e), span(i), out);
                    }
                }
                let iter = match n.child_by_field_name("condition") {
                    Some(c) => self.java_expr(c),
                    None => Expr::unknown(sp),
                };
                self.flush(out);
                let mut body = self.java_body(n.child_by_field_name("body"));
                let mut c = n.walk();
                let updates: Vec<Node> = n.children_by_field_name("update", &mut c).collect();
                for u in updates {
                    if u.kind() == "assignment_expression" {
                        self.java_assignment(u, &mut body);
                    } else {
                        let e = self.java_expr(u);
                        self.emit(StmtKind::Expr(e), span(u), &mut body);
                    }
                }
                out.push(loop_stmt(None, iter, body, sp));
            }
            "enhanced_for_statement" => {
                let iter = self.java_child(n, "value");
                self.flush(out);
                let target = n.child_by_field_name("name").map(|t| {
                    self.locals.insert(self.text(t).to_string());
                    self.java_declare_var(self.text(t), n.child_by_field_name("type"), None);
                    self.name(self.text(t), span(t))
                });
                let body = self.java_body(n.child_by_field_name("body"));
                out.push(loop_stmt(target, iter, body, sp));
            }
            "try_statement" | "try_with_resources_statement" => {
                if let Some(res) = n.child_by_field_name("resources") {
                    let mut c = res.walk();
                    let rs: Vec<Node> = res.named_children(&mut c).collect();
                    for r in rs {
                        match (
                            r.child_by_field_name("name"),
                            r.child_by_field_name("value"),
                        ) {
                            (Some(name), Some(v)) => {
                                self.locals.insert(self.text(name).to_string());
                                let ty = r.child_by_field_name("type");
                                self.java_declare_var(self.text(name), ty, Some(v));
                                let value = self.java_expr(v);
                                let target = self.name(self.text(name), span(name));
                                self.flush(out);
                                out.push(assign(target, value, span(r)));
                            }
                            _ => {
                                let e = self.unknown_of(r, &mut |l, c| l.java_expr(c));
                                self.emit(StmtKind::Expr(e), span(r), out);
                            }
                        }
                    }
                }
                out.extend(self.java_body(n.child_by_field_name("body")));
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    match k.kind() {
                        "catch_clause" => {
                            let mut c2 = k.walk();
                            let ps: Vec<Node> = k.named_children(&mut c2).collect();
                            for p in ps {
                                if let Some(nm) = p.child_by_field_name("name") {
                                    self.locals.insert(self.text(nm).to_string());
                                }
                            }
                            let then = self.java_body(k.child_by_field_name("body"));
                            out.push(maybe(then, span(k)));
                        }
                        "finally_clause" => {
                            if let Some(b) = k.named_child(0) {
                                out.extend(self.java_block(b));
                            }
                        }
                        _ => {}
                    }
                }
            }
            "switch_expression" => {
                let stmts = self.java_switch(n, None);
                out.extend(stmts);
            }
            "block" | "constructor_body" => out.extend(self.java_block(n)),
            "labeled_statement" | "synchronized_statement" | "static_initializer" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    match k.kind() {
                        "identifier" => {}
                        "parenthesized_expression" => {
                            let e = self.java_expr(k);
                            self.emit(StmtKind::Expr(e), span(k), out);
                        }
                        _ => self.java_stmt(k, out),
                    }
                }
            }
            "explicit_constructor_invocation" => {
                let callee = match n.child_by_field_name("constructor") {
                    Some(c) => var(self.text(c), span(c)),
                    None => Expr::unknown(sp),
                };
                let args = self.java_args(n.child_by_field_name("arguments"));
                self.emit(
                    StmtKind::Expr(call(callee, args, Vec::new(), false, sp)),
                    sp,
                    out,
                );
            }
            "class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration"
            | "annotation_type_declaration" => {
                let id = self.java_class(n, None, out);
                out.push(stmt(StmtKind::Class(id), sp));
            }
            "method_declaration"
            | "constructor_declaration"
            | "compact_constructor_declaration" => {
                let id = self.java_method(n, &[]);
                out.push(stmt(StmtKind::Func(id), sp));
            }
            "import_declaration" => self.java_import(n, out),
            "package_declaration" => self.java_package(n),
            "module_declaration" | "line_comment" | "block_comment" | "break_statement"
            | "continue_statement" | ";" => {}
            "ERROR" => self.error_stmts(n, out, Self::java_stmt),
            _ => {
                let e = if n.kind().ends_with("statement") {
                    self.unknown_of(n, &mut |l, c| l.java_expr(c))
                } else {
                    self.java_expr(n)
                };
                self.emit(StmtKind::Expr(e), sp, out);
            }
        }
    }

    /// `import a.b.C;` binds `C` to member `C` of module `a.b`; `import a.b.*;` and
    /// `import static a.B.m;` alike (the static member is the name).
    pub(super) fn java_import(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let Some(path) = n
            .named_child(0)
            .filter(|p| matches!(p.kind(), "scoped_identifier" | "identifier"))
        else {
            return;
        };
        let full = self.text(path).to_string();
        let wildcard = {
            let mut c = n.walk();
            n.named_children(&mut c).any(|k| k.kind() == "asterisk")
        };
        if wildcard {
            return;
        }
        let (module, name) = match full.rsplit_once('.') {
            Some((m, n)) => (m.to_string(), n.to_string()),
            None => (String::new(), full.clone()),
        };
        let imp = Import {
            module,
            level: 0,
            name: Some(name.clone()),
            alias: name,
        };
        self.push_import(imp, span(n), out);
    }

    pub(super) fn java_assignment(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let (Some(l), Some(r)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
        ) else {
            return;
        };
        let op = n
            .child_by_field_name("operator")
            .map(|o| self.text(o))
            .unwrap_or("=");
        let value = if r.kind() == "assignment_expression" {
            self.java_assignment(r, out);
            match r.child_by_field_name("left") {
                Some(inner) => self.java_expr(inner),
                None => return,
            }
        } else {
            self.java_expr(r)
        };
        let target = self.java_expr(l);
        self.flush(out);
        if op == "=" {
            out.push(assign(target, value, span(n)));
        } else {
            let bop = binop_of(op.trim_end_matches('='));
            out.push(Self::augmented(target, bop, value, span(n)));
        }
    }

    /// `m.put("k", v)` / `p.setProperty("k", v)` as `m.k = v` (see the module documentation).
    pub(super) fn java_map_put(&mut self, n: Node, out: &mut Vec<Stmt>) -> bool {
        if self.pattern {
            return false;
        }
        let Some(name) = n.child_by_field_name("name") else {
            return false;
        };
        if !matches!(self.text(name), "put" | "setProperty") {
            return false;
        }
        let (Some(obj), Some(al)) = (
            n.child_by_field_name("object"),
            n.child_by_field_name("arguments"),
        ) else {
            return false;
        };
        let mut c = al.walk();
        let args: Vec<Node> = al
            .named_children(&mut c)
            .filter(|k| !k.is_extra())
            .collect();
        let [k, v] = args.as_slice() else {
            return false;
        };
        let Some(key) = self.java_const_string(*k) else {
            return false;
        };
        if !self.java_keyed_receiver(obj) {
            return false;
        }
        let base = self.java_expr(obj);
        let value = self.java_expr(*v);
        self.flush(out);
        out.push(assign(attr(base, key, span(*k)), value, span(n)));
        true
    }

    /// The value of a plain string literal.
    pub(super) fn java_const_string(&self, n: Node) -> Option<String> {
        if n.kind() != "string_literal" {
            return None;
        }
        let mut s = String::new();
        let mut c = n.walk();
        for k in n.named_children(&mut c) {
            match k.kind() {
                "string_fragment" | "escape_sequence" | "multiline_string_fragment" => {
                    s.push_str(self.text(k))
                }
                _ => return None,
            }
        }
        Some(unescape(&s))
    }

    /// A `switch` as an `if` chain: `$t = subject; if ($t == a || $t == b) {…} else if … else
    /// {default}`; a group without `break` falls into the next one's statements. `result` is
    /// the temporary a switch expression's value goes to.
    pub(super) fn java_switch(&mut self, n: Node, result: Option<Expr>) -> Vec<Stmt> {
        let sp = span(n);
        let mut out = Vec::new();
        let subject = self.java_cond(n);
        self.flush(&mut out);
        let subj = self.bind_fresh(subject, sp, &mut out);
        let Some(body) = n.child_by_field_name("body") else {
            return out;
        };
        let saved_yield = std::mem::replace(&mut self.yield_to, result.clone());
        // Each arm: (condition or None for default, statements, falls through).
        let mut arms: Vec<(Option<Expr>, Vec<Stmt>, bool, Span)> = Vec::new();
        let mut c = body.walk();
        let groups: Vec<Node> = body.named_children(&mut c).collect();
        // The `if` chain nests one level per arm: it counts towards the depth bound while the
        // arms are lowered; a longer switch is lowered as independent branches.
        let chain = groups.len() <= MAX_SWITCH_CHAIN;
        let levels = groups.len().min(MAX_SWITCH_CHAIN);
        self.depth += levels;
        for g in groups {
            let mut labels: Vec<Node> = Vec::new();
            let mut stmts = Vec::new();
            let mut last_kind = "";
            let mut c2 = g.walk();
            let kids: Vec<Node> = g.named_children(&mut c2).collect();
            for k in kids {
                if k.kind() == "switch_label" {
                    labels.push(k);
                    continue;
                }
                if k.is_extra() {
                    continue;
                }
                last_kind = k.kind();
                if g.kind() == "switch_rule" && k.kind() == "expression_statement" {
                    // `case A -> expr;`: the arm's value.
                    let e = self.first_child_with(k, Self::java_expr);
                    match &result {
                        Some(t) => self.emit(
                            StmtKind::Assign {
                                target: t.clone(),
                                value: e,
                            },
                            span(k),
                            &mut stmts,
                        ),
                        None => self.emit(StmtKind::Expr(e), span(k), &mut stmts),
                    }
                } else {
                    self.java_stmt(k, &mut stmts);
                }
            }
            let falls = g.kind() == "switch_block_statement_group"
                && !matches!(
                    last_kind,
                    "break_statement"
                        | "return_statement"
                        | "throw_statement"
                        | "continue_statement"
                        | "yield_statement"
                );
            let cond = self.java_case_cond(&labels, &subj);
            arms.push((cond, stmts, falls, span(g)));
        }
        self.yield_to = saved_yield;
        self.depth -= levels;
        if !chain {
            out.extend(arms.into_iter().map(|(_, stmts, _, asp)| maybe(stmts, asp)));
            return out;
        }
        // Fall-through: an arm runs its own statements and those of the arms it falls into.
        for i in (0..arms.len()).rev() {
            if arms[i].2 && i + 1 < arms.len() {
                let next = arms[i + 1].1.clone();
                arms[i].1.extend(next);
            }
        }
        let mut els: Vec<Stmt> = Vec::new();
        let default = arms.iter().position(|a| a.0.is_none());
        if let Some(d) = default {
            els = arms[d].1.clone();
        }
        for (cond, stmts, _, asp) in arms.into_iter().rev() {
            let Some(cond) = cond else { continue };
            els = vec![stmt(
                StmtKind::If {
                    cond,
                    then: stmts,
                    els,
                },
                asp,
            )];
        }
        out.extend(els);
        out
    }

    /// Whether a bare `case` label names an enum constant: neither a local nor a member.
    fn java_enum_label(&self, v: Node) -> bool {
        let t = self.text(v);
        !self.locals.contains(t) && !self.members.iter().any(|m| m.contains(t))
    }

    /// The condition of a case: `subject == label` for constant labels, joined with `||`;
    /// `None` for `default`; unknown for patterns and guards.
    pub(super) fn java_case_cond(&mut self, labels: &[Node], subj: &Expr) -> Option<Expr> {
        let mut cond: Option<Expr> = None;
        let mut count = 0;
        for l in labels {
            let mut c = l.walk();
            let vals: Vec<Node> = l.named_children(&mut c).collect();
            if vals.is_empty() {
                return None; // `default`
            }
            for v in vals {
                if count == MAX_SWITCH_CHAIN {
                    // Too many labels to spell out: a condition that is not folded.
                    return Some(Expr::unknown(span(*l)));
                }
                count += 1;
                let one = match v.kind() {
                    "pattern" | "guard" => Expr::unknown(span(v)),
                    // `case RED:` in a switch on an enum: the constant `RED` of the subject's
                    // type (a name bound locally or a field of the class is a constant
                    // expression, lowered as such).
                    "identifier" if !self.pattern && self.java_enum_label(v) => {
                        let c = lit(Lit::Enum(self.text(v).to_string()), span(v));
                        binop(BinOp::Eq, subj.clone(), c, span(v))
                    }
                    _ => {
                        let e = self.java_expr(v);
                        binop(BinOp::Eq, subj.clone(), e, span(v))
                    }
                };
                cond = Some(match cond {
                    Some(c) => {
                        let s = Span::new(c.span.start as usize, one.span.end as usize);
                        binop(BinOp::Or, c, one, s)
                    }
                    None => one,
                });
            }
        }
        cond.or_else(|| labels.first().map(|l| Expr::unknown(span(*l))))
    }
}
