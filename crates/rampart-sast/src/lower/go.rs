//! Go lowering (tree-sitter-go).
//!
//! How Go's shapes map onto the IR:
//! - a package-level `func` is a function bound to its name; a method (`func (s *T) m()`) is a
//!   method of the class `T` (one class per receiver type, also made for `type T struct`/
//!   `interface`), its receiver is a local, not a parameter;
//! - multiple results: `return a, b` returns a list and `x, err := f()` destructures by index;
//! - a composite literal of a named type (`tls.Config{InsecureSkipVerify: true}`, `&T{…}`) is a
//!   `new` call whose keyed fields are keyword arguments, so patterns match fields by name in
//!   any order; map literals are dicts, slice and array literals lists;
//! - `switch`, type switches and `select` cases are branches that may run (a type switch binds
//!   its alias to the switched value in each case); `defer` and `go` run their call in place;
//! - `import "net/http"` binds `http` (the last path element, a `/vN` suffix and a `.vN` or
//!   `go-` affix dropped), `import h "net/http"` binds `h`; the import's module is the path
//!   written with dots (`net.http`), so a pattern `math.rand.Intn(...)` matches `rand.Intn` and
//!   `mr.Intn` when they come from `math/rand`, and never `crypto/rand`.
//!
//! Type conversions, dereferences, address-of and type assertions keep their operand's data.

use super::build::{attr, binop, binop_of, expr_stmt, lit, loop_stmt, maybe, negate, var};
use super::{Lowerer, span, unescape};
use crate::ir::*;
use tree_sitter::Node;

impl<'a> Lowerer<'a> {
    /// Lowers the statements of a `source_file`, `block` or `statement_list` node.
    pub(crate) fn go_block(&mut self, n: Node) -> Vec<Stmt> {
        let mut out = Vec::new();
        self.go_stmts_into(n, &mut out);
        out
    }

    fn go_stmts_into(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for ch in kids {
            if ch.kind() == "statement_list" {
                self.go_stmts_into(ch, out);
            } else {
                self.go_stmt(ch, out);
            }
        }
    }

    fn go_body(&mut self, n: Option<Node>) -> Vec<Stmt> {
        match n {
            Some(b) => self.go_block(b),
            None => Vec::new(),
        }
    }

    fn go_stmt(&mut self, n: Node, out: &mut Vec<Stmt>) {
        self.guarded_stmt(n, out, Self::go_stmt_inner)
    }

    fn go_stmt_inner(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let sp = span(n);
        match n.kind() {
            "package_clause"
            | "empty_statement"
            | "break_statement"
            | "continue_statement"
            | "goto_statement"
            | "fallthrough_statement"
            | "comment" => {}
            "import_declaration" => self.go_imports(n, out),
            "function_declaration" | "method_declaration" => {
                let id = self.go_function(n);
                self.emit(StmtKind::Func(id), sp, out);
            }
            "type_declaration" => {
                let mut c = n.walk();
                let specs: Vec<Node> = n.named_children(&mut c).collect();
                for s in specs {
                    if let Some(name) = s.child_by_field_name("name") {
                        let is_type = s
                            .child_by_field_name("type")
                            .is_some_and(|t| matches!(t.kind(), "struct_type" | "interface_type"));
                        if is_type {
                            let nm = self.text(name).to_string();
                            let id = self.go_class(&nm, span(s));
                            out.push(super::build::stmt(StmtKind::Class(id), span(s)));
                        }
                    }
                }
            }
            "var_declaration" | "const_declaration" => {
                let mut c = n.walk();
                let specs: Vec<Node> = n.named_children(&mut c).collect();
                for s in specs {
                    if matches!(s.kind(), "var_spec_list" | "const_spec_list") {
                        let mut c2 = s.walk();
                        let inner: Vec<Node> = s.named_children(&mut c2).collect();
                        for i in inner {
                            self.go_spec(i, out);
                        }
                    } else {
                        self.go_spec(s, out);
                    }
                }
            }
            "expression_statement" => {
                if let Some(e) = n.named_child(0) {
                    let x = self.go_expr(e);
                    self.emit(StmtKind::Expr(x), sp, out);
                }
            }
            "short_var_declaration" | "assignment_statement" => self.go_assignment(n, out),
            "inc_statement" | "dec_statement" => {
                if let Some(e) = n.named_child(0) {
                    let t = self.go_expr(e);
                    let op = if n.kind() == "inc_statement" {
                        BinOp::Add
                    } else {
                        BinOp::Sub
                    };
                    let s = Self::augmented(t, op, lit(Lit::Int(1), sp), sp);
                    self.emit(s.kind, sp, out);
                }
            }
            "send_statement" => {
                let ch = self.child_with(n, "channel", Self::go_expr);
                let v = self.child_with(n, "value", Self::go_expr);
                let value = Expr::new(ExprKind::Unknown(vec![ch.clone(), v]), sp);
                self.emit(StmtKind::Assign { target: ch, value }, sp, out);
            }
            "return_statement" => {
                let mut vals = match n.named_child(0) {
                    Some(l) => self.go_expr_list(l),
                    None => Vec::new(),
                };
                let e = match vals.len() {
                    0 => None,
                    1 => vals.pop(),
                    _ => Some(Expr::new(ExprKind::List(vals), sp)),
                };
                self.emit(StmtKind::Return(e), sp, out);
            }
            "defer_statement" | "go_statement" => {
                if let Some(e) = n.named_child(0) {
                    let x = self.go_expr(e);
                    self.emit(StmtKind::Expr(x), sp, out);
                }
            }
            "block" | "statement_list" => self.go_stmts_into(n, out),
            "labeled_statement" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n
                    .named_children(&mut c)
                    .filter(|k| k.kind() != "label_name")
                    .collect();
                for k in kids {
                    self.go_stmt(k, out);
                }
            }
            "if_statement" => {
                if let Some(init) = n.child_by_field_name("initializer") {
                    self.go_stmt(init, out);
                }
                let cond = self.child_with(n, "condition", Self::go_expr);
                let then = self.go_body(n.child_by_field_name("consequence"));
                let els = match n.child_by_field_name("alternative") {
                    Some(a) if a.kind() == "if_statement" => {
                        let mut v = Vec::new();
                        self.go_stmt(a, &mut v);
                        v
                    }
                    a => self.go_body(a),
                };
                self.emit(StmtKind::If { cond, then, els }, sp, out);
            }
            "for_statement" => self.go_for(n, out),
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                self.go_switch(n, out)
            }
            "function_literal" | "func_literal" => {
                let x = self.go_expr(n);
                self.emit(StmtKind::Expr(x), sp, out);
            }
            "ERROR" => self.error_stmts(n, out, Self::go_stmt),
            _ => {
                let x = self.go_expr(n);
                self.emit(StmtKind::Expr(x), sp, out);
            }
        }
    }

    /// The class for a Go type name, made on first use (a method may come before its type).
    fn go_class(&mut self, name: &str, sp: Span) -> ClassId {
        match self.module.classes.iter().position(|c| c.name == name) {
            Some(i) => i,
            None => self.new_class(name.to_string(), Vec::new(), sp),
        }
    }

    fn go_imports(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in kids {
            match k.kind() {
                "import_spec_list" => self.go_imports(k, out),
                "import_spec" => {
                    let Some(path) = k.child_by_field_name("path") else {
                        continue;
                    };
                    let module = go_string(self.text(path));
                    let alias = match k.child_by_field_name("name") {
                        Some(a) if a.kind() == "package_identifier" => self.text(a).to_string(),
                        // `_` and `.` imports bind no name usable as a qualifier.
                        Some(_) => continue,
                        None => package_name(&module),
                    };
                    // Written with dots (`math.rand`), so that patterns can name a package
                    // by its path: `math.rand.Intn(...)` is not `crypto/rand`'s.
                    let imp = Import {
                        module: module.replace('/', "."),
                        level: 0,
                        name: None,
                        alias,
                    };
                    self.push_import(imp, span(k), out);
                }
                _ => {}
            }
        }
    }

    fn go_spec(&mut self, s: Node, out: &mut Vec<Stmt>) {
        let sp = span(s);
        let mut c = s.walk();
        let names: Vec<Node> = s.children_by_field_name("name", &mut c).collect();
        let Some(vals) = s.child_by_field_name("value") else {
            for nm in names {
                let t = self.text(nm).to_string();
                self.locals.insert(t);
            }
            return;
        };
        let vals = self.go_expr_list(vals);
        let targets: Vec<Expr> = names
            .iter()
            .map(|nm| {
                let t = self.text(*nm).to_string();
                self.locals.insert(t.clone());
                self.name(&t, span(*nm))
            })
            .collect();
        self.go_assign_lists(targets, vals, sp, out);
    }

    fn go_assignment(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let sp = span(n);
        let left = match n.child_by_field_name("left") {
            Some(l) => self.go_expr_list(l),
            None => Vec::new(),
        };
        if n.kind() == "short_var_declaration" {
            for t in &left {
                if let ExprKind::Name(nm) = &t.kind {
                    self.locals.insert(nm.clone());
                }
            }
        }
        let right = match n.child_by_field_name("right") {
            Some(r) => self.go_expr_list(r),
            None => Vec::new(),
        };
        let op = n
            .child_by_field_name("operator")
            .map(|o| self.text(o).to_string())
            .unwrap_or_else(|| "=".into());
        if op != "=" && op != ":=" {
            let bop = binop_of(op.trim_end_matches('='));
            if let (Some(t), Some(v)) = (left.into_iter().next(), right.into_iter().next()) {
                let s = Self::augmented(t, bop, v, sp);
                self.emit(s.kind, sp, out);
            }
            return;
        }
        self.go_assign_lists(left, right, sp, out);
    }

    /// `a, b = x, y` pairwise; `a, b = f()` by index; `_` is not assigned.
    fn go_assign_lists(
        &mut self,
        left: Vec<Expr>,
        mut right: Vec<Expr>,
        sp: Span,
        out: &mut Vec<Stmt>,
    ) {
        self.flush(out);
        let blank = |e: &Expr| matches!(&e.kind, ExprKind::Name(n) if n == "_");
        if left.len() > 1 && right.len() == 1 {
            let value = right.remove(0);
            let items = left.into_iter().map(|t| {
                let s = t.span;
                (t, s)
            });
            self.destructure_seq(items.collect(), value, sp, out, |l, t, v, out| {
                if !blank(&t) {
                    l.assign_to(t, v, sp, out);
                }
            });
            return;
        }
        let n = left.len().max(right.len());
        let mut left = left.into_iter();
        let mut right = right.into_iter();
        for _ in 0..n {
            match (left.next(), right.next()) {
                (Some(t), Some(v)) if !blank(&t) => {
                    // `run := func(…) {…}`: calls of `run` reach the literal.
                    if let (ExprKind::Name(n), ExprKind::Func(id)) = (&t.kind, &v.kind) {
                        self.module.functions[*id].name = n.clone();
                    }
                    self.assign_to(t, v, sp, out)
                }
                (_, Some(v)) => out.push(expr_stmt(v, sp)),
                _ => {}
            }
        }
    }

    fn go_for(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let sp = span(n);
        let mut body = self.go_body(n.child_by_field_name("body"));
        let mut c = n.walk();
        let head = n
            .named_children(&mut c)
            .find(|k| k.kind() != "block" && !k.is_extra());
        match head {
            Some(h) if h.kind() == "for_clause" => {
                if let Some(init) = h.child_by_field_name("initializer") {
                    self.go_stmt(init, out);
                }
                let cond = match h.child_by_field_name("condition") {
                    Some(c) => self.go_expr(c),
                    None => lit(Lit::Bool(true), sp),
                };
                if let Some(upd) = h.child_by_field_name("update") {
                    let mut pending = std::mem::take(&mut self.pending);
                    self.go_stmt(upd, &mut body);
                    self.pending.append(&mut pending);
                }
                self.emit(
                    StmtKind::Loop {
                        target: None,
                        iter: cond,
                        body,
                    },
                    sp,
                    out,
                );
            }
            Some(h) if h.kind() == "range_clause" => {
                let iter = self.child_with(h, "right", Self::go_expr);
                let mut left = match h.child_by_field_name("left") {
                    Some(l) => self.go_expr_list(l),
                    None => Vec::new(),
                };
                for t in &left {
                    if let ExprKind::Name(nm) = &t.kind {
                        self.locals.insert(nm.clone());
                    }
                }
                // `for k, v := range m`: the value is the loop target, the key is read from
                // the collection too (map keys may be input).
                let target = if left.len() >= 2 {
                    let v = left.pop();
                    let k = left.remove(0);
                    let ksp = k.span;
                    body.insert(
                        0,
                        super::build::assign(
                            k,
                            Expr::new(ExprKind::Unknown(vec![iter.clone()]), ksp),
                            ksp,
                        ),
                    );
                    v
                } else {
                    left.pop()
                };
                let target = target.filter(|t| !matches!(&t.kind, ExprKind::Name(n) if n == "_"));
                self.emit(StmtKind::Loop { target, iter, body }, sp, out);
            }
            Some(h) => {
                let cond = self.go_expr(h);
                self.emit(
                    StmtKind::Loop {
                        target: None,
                        iter: cond,
                        body,
                    },
                    sp,
                    out,
                );
            }
            None => {
                out.push(loop_stmt(None, lit(Lit::Bool(true), sp), body, sp));
            }
        }
    }

    fn go_switch(&mut self, n: Node, out: &mut Vec<Stmt>) {
        let sp = span(n);
        if let Some(init) = n.child_by_field_name("initializer") {
            self.go_stmt(init, out);
        }
        let value = n.child_by_field_name("value").map(|v| self.go_expr(v));
        let alias = n
            .child_by_field_name("alias")
            .and_then(|a| a.named_child(0))
            .map(|a| {
                let t = self.text(a).to_string();
                self.locals.insert(t.clone());
                self.name(&t, span(a))
            });
        if let Some(v) = &value {
            self.emit(StmtKind::Expr(v.clone()), v.span, out);
        }
        let mut c = n.walk();
        let cases: Vec<Node> = n.named_children(&mut c).collect();
        for case in cases {
            if !matches!(
                case.kind(),
                "expression_case" | "default_case" | "type_case" | "communication_case"
            ) {
                continue;
            }
            let csp = span(case);
            let mut body = Vec::new();
            if let (Some(a), Some(v)) = (&alias, &value) {
                body.push(super::build::assign(a.clone(), v.clone(), csp));
            }
            if let Some(cv) = case.child_by_field_name("value") {
                for e in self.go_expr_list(cv) {
                    body.push(expr_stmt(e, csp));
                }
            }
            if let Some(comm) = case.child_by_field_name("communication") {
                self.go_stmt(comm, &mut body);
            }
            let mut c2 = case.walk();
            let lists: Vec<Node> = case
                .named_children(&mut c2)
                .filter(|k| k.kind() == "statement_list")
                .collect();
            for l in lists {
                self.go_stmts_into(l, &mut body);
            }
            self.flush(out);
            out.push(maybe(body, csp));
        }
        let _ = sp;
    }

    /// Lowers a function or method declaration, or a function literal.
    fn go_function(&mut self, n: Node) -> FuncId {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.field_name(self.text(x)))
            .unwrap_or_else(|| "<lambda>".into());
        // A method belongs to the class of its receiver's type.
        let mut receiver = None;
        let mut class = None;
        if let Some(r) = n.child_by_field_name("receiver")
            && let Some(p) = r.named_child(0)
        {
            receiver = p
                .child_by_field_name("name")
                .map(|x| self.text(x).to_string());
            if let Some(t) = p.child_by_field_name("type") {
                let tn = receiver_type(self.text(t));
                class = Some(self.go_class(&tn, span(n)));
            }
        }
        let saved_class = self.cur_class;
        if class.is_some() {
            self.cur_class = class;
        }
        let scope = self.begin_function(name, span(n));
        self.cur_class = None;
        if let Some(r) = receiver {
            self.locals.insert(r);
        }
        let mut params = Vec::new();
        if let Some(ps) = n.child_by_field_name("parameters") {
            let mut c = ps.walk();
            let decls: Vec<Node> = ps.named_children(&mut c).collect();
            for d in decls {
                if d.is_extra() {
                    continue;
                }
                let mut c2 = d.walk();
                let names: Vec<Node> = d.children_by_field_name("name", &mut c2).collect();
                if names.is_empty() {
                    // An unnamed parameter still takes a position; in a pattern, `...` and
                    // `$P` parse as a type alone.
                    let ty = d
                        .child_by_field_name("type")
                        .map(|t| self.text(t))
                        .unwrap_or("");
                    let name = if self.pattern
                        && (ty == super::ELLIPSIS || ty.starts_with(super::MV_PREFIX))
                    {
                        self.field_name(ty)
                    } else {
                        format!("$p{}", params.len())
                    };
                    params.push(Param {
                        name,
                        default: None,
                        span: span(d),
                    });
                }
                for nm in names {
                    let t = self.text(nm).to_string();
                    self.locals.insert(t.clone());
                    params.push(Param {
                        name: self.field_name(&t),
                        default: None,
                        span: span(nm),
                    });
                }
            }
        }
        self.pending.clear();
        let body = self.go_body(n.child_by_field_name("body"));
        let id = self.end_function(scope, params, body);
        self.cur_class = saved_class;
        id
    }

    /// The expressions of an `expression_list` (or the one expression `n` is).
    fn go_expr_list(&mut self, n: Node) -> Vec<Expr> {
        if n.kind() != "expression_list" {
            return vec![self.go_expr(n)];
        }
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).filter(|k| !k.is_extra()).collect();
        kids.into_iter().map(|k| self.go_expr(k)).collect()
    }

    /// Lowers a Go expression.
    pub(crate) fn go_expr(&mut self, n: Node) -> Expr {
        self.guarded_expr(n, Self::go_expr_inner)
    }

    fn go_expr_inner(&mut self, n: Node) -> Expr {
        let sp = span(n);
        match n.kind() {
            "identifier" | "field_identifier" | "package_identifier" | "type_identifier"
            | "label_name" => {
                let t = self.text(n);
                self.name(t, sp)
            }
            "blank_identifier" => var("_", sp),
            "selector_expression" => {
                let base = self.child_with(n, "operand", Self::go_expr);
                let f = n
                    .child_by_field_name("field")
                    .map(|f| self.field_name(self.text(f)))
                    .unwrap_or_default();
                attr(base, f, sp)
            }
            "qualified_type" => {
                let base = self.child_with(n, "package", Self::go_expr);
                let f = n
                    .child_by_field_name("name")
                    .map(|f| self.field_name(self.text(f)))
                    .unwrap_or_default();
                attr(base, f, sp)
            }
            "pointer_type" | "generic_type" => self.first_child_with(n, Self::go_expr),
            "call_expression" => {
                let callee = self.child_with(n, "function", Self::go_expr);
                let mut args = Vec::new();
                if let Some(al) = n.child_by_field_name("arguments") {
                    let mut c = al.walk();
                    let kids: Vec<Node> = al
                        .named_children(&mut c)
                        .filter(|k| !k.is_extra())
                        .collect();
                    for a in kids {
                        let a = if a.kind() == "variadic_argument" {
                            a.named_child(0).unwrap_or(a)
                        } else {
                            a
                        };
                        args.push(self.go_expr(a));
                    }
                }
                self.call_or_deep(callee, args, Vec::new(), false, sp)
            }
            "index_expression" => {
                let b = self.child_with(n, "operand", Self::go_expr);
                let k = self.child_with(n, "index", Self::go_expr);
                Expr::new(ExprKind::Subscript(Box::new(b), Box::new(k)), sp)
            }
            "slice_expression" => {
                let b = self.child_with(n, "operand", Self::go_expr);
                Expr::new(ExprKind::Unknown(vec![b]), sp)
            }
            "type_assertion_expression" | "type_conversion_expression" => {
                let b = self.child_with(n, "operand", Self::go_expr);
                Expr::new(ExprKind::Unknown(vec![b]), sp)
            }
            "parenthesized_expression" => self.first_child_with(n, Self::go_expr),
            "binary_expression" => {
                let l = self.child_with(n, "left", Self::go_expr);
                let r = self.child_with(n, "right", Self::go_expr);
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or("");
                binop(binop_of(op), l, r, sp)
            }
            "unary_expression" => {
                let a = self.child_with(n, "operand", Self::go_expr);
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or("");
                match op {
                    "!" => Expr::new(ExprKind::Not(Box::new(a)), sp),
                    "-" => negate(a, sp, true),
                    // `&x`, `*p`, `+x`: the same data.
                    "&" | "*" | "+" => a,
                    _ => Expr::new(ExprKind::Unknown(vec![a]), sp),
                }
            }
            "composite_literal" => self.go_composite(n),
            "literal_value" => self.go_literal_value(n, false),
            "literal_element" => self.first_child_with(n, Self::go_expr),
            "func_literal" => {
                let id = self.go_function(n);
                Expr::new(ExprKind::Func(id), sp)
            }
            "interpreted_string_literal" | "raw_string_literal" => {
                let s = go_string(self.text(n));
                lit(Lit::Str(self.string_value(s)), sp)
            }
            "int_literal" => {
                let t = self.text(n).replace('_', "");
                let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    i64::from_str_radix(h, 16).ok()
                } else if let Some(o) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
                    i64::from_str_radix(o, 8).ok()
                } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
                    i64::from_str_radix(b, 2).ok()
                } else if t.len() > 1 && t.starts_with('0') {
                    // Go's legacy octal: `0777`.
                    i64::from_str_radix(&t[1..], 8).ok()
                } else {
                    t.parse().ok()
                };
                match v {
                    Some(v) => lit(Lit::Int(v), sp),
                    None => Expr::unknown(sp),
                }
            }
            "float_literal" => match self.text(n).replace('_', "").parse::<f64>() {
                Ok(v) => lit(Lit::Float(v), sp),
                Err(_) => Expr::unknown(sp),
            },
            "true" => lit(Lit::Bool(true), sp),
            "false" => lit(Lit::Bool(false), sp),
            "nil" => lit(Lit::Null, sp),
            "rune_literal" | "imaginary_literal" | "iota" => Expr::unknown(sp),
            _ => self.unknown_of(n, &mut |l, ch| l.go_expr(ch)),
        }
    }

    /// `T{…}`: a `new T(…)` call with keyed fields as keyword arguments; maps are dicts,
    /// slices and arrays lists.
    fn go_composite(&mut self, n: Node) -> Expr {
        let sp = span(n);
        let ty = n.child_by_field_name("type");
        let Some(body) = n.child_by_field_name("body") else {
            return Expr::unknown(sp);
        };
        match ty.map(|t| t.kind()) {
            Some("map_type") => self.go_literal_value(body, true),
            Some("slice_type" | "array_type" | "implicit_length_array_type") | None => {
                let mut e = self.go_literal_value(body, false);
                e.span = sp;
                e
            }
            Some(_) => {
                let callee = match ty {
                    Some(t) => self.go_expr(t),
                    None => Expr::unknown(sp),
                };
                let mut args = Vec::new();
                let mut kwargs = Vec::new();
                let mut c = body.walk();
                let kids: Vec<Node> = body
                    .named_children(&mut c)
                    .filter(|k| !k.is_extra())
                    .collect();
                for k in kids {
                    if k.kind() == "keyed_element" {
                        let key = k.child_by_field_name("key");
                        let val = self.child_with(k, "value", Self::go_expr);
                        match key {
                            Some(key) => kwargs.push(Kwarg {
                                name: self.field_name(self.text(key).trim()),
                                name_span: span(key),
                                value: val,
                            }),
                            None => args.push(val),
                        }
                    } else {
                        args.push(self.go_expr(k));
                    }
                }
                super::build::call(callee, args, kwargs, true, sp)
            }
        }
    }

    /// `{a, b}` as a list, or `{k: v}` as a dict when `dict` or when every element is keyed.
    fn go_literal_value(&mut self, n: Node, dict: bool) -> Expr {
        let sp = span(n);
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).filter(|k| !k.is_extra()).collect();
        let keyed = !kids.is_empty() && kids.iter().all(|k| k.kind() == "keyed_element");
        if dict || keyed {
            let mut kv = Vec::new();
            for k in kids {
                if k.kind() == "keyed_element" {
                    let key = self.child_with(k, "key", Self::go_expr);
                    let val = self.child_with(k, "value", Self::go_expr);
                    kv.push((key, val));
                } else {
                    let v = self.go_expr(k);
                    kv.push((Expr::unknown(v.span), v));
                }
            }
            return Expr::new(ExprKind::Dict(kv), sp);
        }
        let items = kids.into_iter().map(|k| self.go_expr(k)).collect();
        Expr::new(ExprKind::List(items), sp)
    }
}

/// The value of a Go string literal as written (`"…"` unescaped, `` `…` `` raw).
fn go_string(t: &str) -> String {
    if let Some(r) = t.strip_prefix('`') {
        return r.strip_suffix('`').unwrap_or(r).to_string();
    }
    let inner = t.strip_prefix('"').unwrap_or(t);
    unescape(inner.strip_suffix('"').unwrap_or(inner))
}

/// The name an import path binds by default: its last element, without a major-version
/// suffix (`github.com/go-chi/chi/v5` → `chi`), a `.vN` suffix (`gopkg.in/yaml.v3` → `yaml`) or
/// a `go-` prefix (`github.com/go-sql-driver/mysql` → `mysql`, `go-redis` → `redis`).
pub fn package_name(path: &str) -> String {
    let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if parts.len() > 1
        && let Some(last) = parts.last()
        && last.len() > 1
        && last.starts_with('v')
        && last[1..].chars().all(|c| c.is_ascii_digit())
    {
        parts.pop();
    }
    let last = parts.last().copied().unwrap_or(path);
    let last = match last.rsplit_once(".v") {
        Some((a, v)) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => a,
        _ => last,
    };
    let last = last.strip_prefix("go-").unwrap_or(last);
    last.replace('-', "_")
}

/// The type name of a receiver type (`*Server` → `Server`, `List[T]` → `List`).
fn receiver_type(t: &str) -> String {
    let t = t.trim().trim_start_matches('*').trim();
    t.split('[').next().unwrap_or(t).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_follow_go_conventions() {
        assert_eq!(package_name("net/http"), "http");
        assert_eq!(package_name("github.com/go-chi/chi/v5"), "chi");
        assert_eq!(package_name("gopkg.in/yaml.v3"), "yaml");
        assert_eq!(package_name("github.com/go-redis/redis"), "redis");
        assert_eq!(package_name("os"), "os");
        assert_eq!(receiver_type("*Server"), "Server");
        assert_eq!(receiver_type("List[T]"), "List");
    }
}
