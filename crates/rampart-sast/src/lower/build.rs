//! Shapes every language's lowering builds: statements, calls, bodies, guarded recursion,
//! destructuring by index, function scopes and operators. A new language's lowering
//! (`lower/<lang>.rs`) writes only what its grammar says and builds the IR through these.

use super::{ELLIPSIS, Lowerer, span};
use crate::ir::*;
use tree_sitter::Node;

/// Lowers one statement node into `out`.
pub(crate) type StmtFn<'a> = for<'t> fn(&mut Lowerer<'a>, Node<'t>, &mut Vec<Stmt>);
/// Lowers one expression node.
pub(crate) type ExprFn<'a> = for<'t> fn(&mut Lowerer<'a>, Node<'t>) -> Expr;

/// A statement of `kind` at `sp`.
pub(crate) fn stmt(kind: StmtKind, sp: Span) -> Stmt {
    Stmt { kind, span: sp }
}

/// `e;` evaluated for its effects.
pub(crate) fn expr_stmt(e: Expr, sp: Span) -> Stmt {
    stmt(StmtKind::Expr(e), sp)
}

/// `target = value`.
pub(crate) fn assign(target: Expr, value: Expr, sp: Span) -> Stmt {
    stmt(StmtKind::Assign { target, value }, sp)
}

/// A branch that may or may not run (an exception handler, a `case` whose condition is not
/// modelled): `if <unknown> { then }`, the condition spanning `sp`.
pub(crate) fn maybe(then: Vec<Stmt>, sp: Span) -> Stmt {
    stmt(
        StmtKind::If {
            cond: Expr::unknown(sp),
            then,
            els: Vec::new(),
        },
        sp,
    )
}

/// A loop: `for target in iter { body }`, or `while iter { body }` without a target.
pub(crate) fn loop_stmt(target: Option<Expr>, iter: Expr, body: Vec<Stmt>, sp: Span) -> Stmt {
    stmt(StmtKind::Loop { target, iter, body }, sp)
}

/// A constant.
pub(crate) fn lit(l: Lit, sp: Span) -> Expr {
    Expr::new(ExprKind::Lit(l), sp)
}

/// A string constant.
pub(crate) fn str_lit(s: impl Into<String>, sp: Span) -> Expr {
    lit(Lit::Str(s.into()), sp)
}

/// A variable (never a metavariable: for names the lowering makes up).
pub(crate) fn var(name: impl Into<String>, sp: Span) -> Expr {
    Expr::new(ExprKind::Name(name.into()), sp)
}

/// `base.field`.
pub(crate) fn attr(base: Expr, field: impl Into<String>, sp: Span) -> Expr {
    Expr::new(ExprKind::Attr(Box::new(base), field.into()), sp)
}

/// `base[i]` with a constant index.
pub(crate) fn index(base: Expr, i: usize, sp: Span) -> Expr {
    Expr::new(
        ExprKind::Subscript(Box::new(base), Box::new(lit(Lit::Int(i as i64), sp))),
        sp,
    )
}

/// `l op r`.
pub(crate) fn binop(op: BinOp, l: Expr, r: Expr, sp: Span) -> Expr {
    Expr::new(ExprKind::BinOp(op, Box::new(l), Box::new(r)), sp)
}

/// A call expression.
pub(crate) fn call(
    callee: Expr,
    args: Vec<Expr>,
    kwargs: Vec<Kwarg>,
    is_new: bool,
    sp: Span,
) -> Expr {
    Expr::new(
        ExprKind::Call(Box::new(Call {
            callee,
            args,
            kwargs,
            is_new,
        })),
        sp,
    )
}

/// `-a`: a negated number literal is folded, anything else keeps `a`'s data.
pub(crate) fn negate(a: Expr, sp: Span, floats: bool) -> Expr {
    match a.kind {
        ExprKind::Lit(Lit::Int(v)) => lit(Lit::Int(-v), sp),
        ExprKind::Lit(Lit::Float(v)) if floats => lit(Lit::Float(-v), sp),
        _ => Expr::new(ExprKind::Unknown(vec![a]), sp),
    }
}

/// The operator an operator token stands for, across the C-like languages and Python
/// (`//` and `is` are Python's, `===` and `??` JavaScript's; the spellings never clash).
pub(crate) fn binop_of(op: &str) -> BinOp {
    match op {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" | "//" => BinOp::Div,
        "%" => BinOp::Mod,
        "==" | "===" | "is" => BinOp::Eq,
        "!=" | "!==" | "is not" => BinOp::Ne,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "&&" => BinOp::And,
        "||" | "??" => BinOp::Or,
        "in" => BinOp::In,
        _ if op.split_whitespace().eq(["not", "in"]) => BinOp::NotIn,
        _ => BinOp::Other,
    }
}

/// The state saved while a function's body is lowered ([`Lowerer::begin_function`]).
pub(crate) struct FnScope {
    id: FuncId,
    saved_fn: FuncId,
    saved_class: Option<ClassId>,
    saved_pending: Vec<Stmt>,
    saved_locals: std::collections::HashSet<String>,
}

impl FnScope {
    /// The function being lowered.
    pub(crate) fn id(&self) -> FuncId {
        self.id
    }
}

impl<'a> Lowerer<'a> {
    /// Lowers statement `n` with `inner` one nesting level down: comments and other extras are
    /// skipped, and past the depth bound the statement becomes opaque.
    pub(crate) fn guarded_stmt(&mut self, n: Node, out: &mut Vec<Stmt>, inner: StmtFn<'a>) {
        if n.is_extra() {
            return;
        }
        if self.enter(n) {
            inner(self, n, out);
        } else {
            out.push(Self::opaque_stmt(n));
        }
        self.leave();
    }

    /// Lowers expression `n` with `inner` one nesting level down; past the depth bound it is
    /// opaque.
    pub(crate) fn guarded_expr(&mut self, n: Node, inner: ExprFn<'a>) -> Expr {
        let e = if self.enter(n) {
            inner(self, n)
        } else {
            Expr::unknown(span(n))
        };
        self.leave();
        e
    }

    /// The field `field` of `n` lowered with `lower`, or an opaque node where it is missing.
    pub(crate) fn child_with(&mut self, n: Node, field: &str, lower: ExprFn<'a>) -> Expr {
        match n.child_by_field_name(field) {
            Some(c) => lower(self, c),
            None => Expr::unknown(span(n)),
        }
    }

    /// The first named child of `n` lowered with `lower` (parentheses, `await`, spreads).
    pub(crate) fn first_child_with(&mut self, n: Node, lower: ExprFn<'a>) -> Expr {
        match n.named_child(0) {
            Some(x) => lower(self, x),
            None => Expr::unknown(span(n)),
        }
    }

    /// Every named child of `n` as a statement, in order.
    pub(crate) fn block_with(&mut self, n: Node, lower: StmtFn<'a>) -> Vec<Stmt> {
        let mut out = Vec::new();
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for ch in kids {
            lower(self, ch, &mut out);
        }
        out
    }

    /// A body: a block node (`is_block`) lowered statement by statement, any other node as
    /// the one statement it is, nothing when it is missing.
    pub(crate) fn body_with(
        &mut self,
        n: Option<Node>,
        is_block: fn(&str) -> bool,
        lower: StmtFn<'a>,
    ) -> Vec<Stmt> {
        match n {
            Some(b) if is_block(b.kind()) => self.block_with(b, lower),
            Some(b) => {
                let mut out = Vec::new();
                lower(self, b, &mut out);
                out
            }
            None => Vec::new(),
        }
    }

    /// Moves the statements produced while lowering expressions into `out`.
    pub(crate) fn flush(&mut self, out: &mut Vec<Stmt>) {
        out.append(&mut self.pending);
    }

    /// Emits a statement after the statements its expressions produced.
    pub(crate) fn emit(&mut self, kind: StmtKind, sp: Span, out: &mut Vec<Stmt>) {
        self.flush(out);
        out.push(stmt(kind, sp));
    }

    /// A named, non-extra child list as a list literal (arrays, tuples).
    pub(crate) fn list_with(&mut self, n: Node, lower: ExprFn<'a>) -> Expr {
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).filter(|k| !k.is_extra()).collect();
        let items = kids.into_iter().map(|k| lower(self, k)).collect();
        Expr::new(ExprKind::List(items), span(n))
    }

    /// A call, or in a pattern `__deep__(P)` read as `<... P ...>`.
    pub(crate) fn call_or_deep(
        &self,
        callee: Expr,
        mut args: Vec<Expr>,
        kwargs: Vec<Kwarg>,
        is_new: bool,
        sp: Span,
    ) -> Expr {
        if self.pattern
            && !is_new
            && args.len() == 1
            && callee.dotted().as_deref() == Some("__deep__")
        {
            return Expr::new(ExprKind::Deep(Box::new(args.remove(0))), sp);
        }
        call(callee, args, kwargs, is_new, sp)
    }

    /// A string literal's value; in a pattern the rewritten `...` is `...` again.
    pub(crate) fn string_value(&self, s: String) -> String {
        if self.pattern && s == ELLIPSIS {
            "...".into()
        } else {
            s
        }
    }

    /// `target op= rhs` as `target = target op rhs`.
    pub(crate) fn augmented(target: Expr, op: BinOp, rhs: Expr, sp: Span) -> Stmt {
        let value = binop(op, target.clone(), rhs, sp);
        assign(target, value, sp)
    }

    /// Binds `value` to a fresh temporary (`$tN = value`) and returns the temporary.
    pub(crate) fn bind_fresh(&mut self, value: Expr, sp: Span, out: &mut Vec<Stmt>) -> Expr {
        let tmp = self.fresh();
        let tmp_e = var(tmp, value.span);
        self.assign_to(tmp_e.clone(), value, sp, out);
        tmp_e
    }

    /// Destructures `value` by position: `$t = value`, then `each(item_i, $t[i])` for every item.
    pub(crate) fn destructure_seq<T, F>(
        &mut self,
        items: Vec<(T, Span)>,
        value: Expr,
        sp: Span,
        out: &mut Vec<Stmt>,
        mut each: F,
    ) where
        F: FnMut(&mut Self, T, Expr, &mut Vec<Stmt>),
    {
        let tmp_e = self.bind_fresh(value, sp, out);
        for (i, (t, tsp)) in items.into_iter().enumerate() {
            let v = index(tmp_e.clone(), i, tsp);
            each(self, t, v, out);
        }
    }

    /// Lowers `children` of an `ERROR` node as statements: statements hide in error nodes.
    pub(crate) fn error_stmts(&mut self, n: Node, out: &mut Vec<Stmt>, lower: StmtFn<'a>) {
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for ch in kids {
            lower(self, ch, out);
        }
    }

    /// Records a class and returns its id (methods are added as they are lowered).
    pub(crate) fn new_class(&mut self, name: String, bases: Vec<Expr>, sp: Span) -> ClassId {
        self.module.classes.push(Class {
            name,
            bases,
            methods: Vec::new(),
            span: sp,
        });
        self.module.classes.len() - 1
    }

    /// Starts lowering a function named `name`: records it (as a method of the current class,
    /// if any) and enters its scope; its parameters and body are lowered next, then
    /// [`Lowerer::end_function`] is called.
    pub(crate) fn begin_function(&mut self, name: String, sp: Span) -> FnScope {
        let id = self.new_function(name, sp);
        self.module.functions[id].class = self.cur_class;
        if let Some(c) = self.cur_class {
            self.module.classes[c].methods.push(id);
        }
        let saved_fn = std::mem::replace(&mut self.cur_fn, id);
        let saved_class = self.cur_class.take();
        let saved_pending = std::mem::take(&mut self.pending);
        // A nested function still sees the enclosing function's locals.
        let saved_locals = self.locals.clone();
        FnScope {
            id,
            saved_fn,
            saved_class,
            saved_pending,
            saved_locals,
        }
    }

    /// Finishes the function [`Lowerer::begin_function`] started and leaves its scope.
    pub(crate) fn end_function(
        &mut self,
        scope: FnScope,
        params: Vec<Param>,
        body: Vec<Stmt>,
    ) -> FuncId {
        let f = &mut self.module.functions[scope.id];
        f.params = params;
        f.body = body;
        self.cur_fn = scope.saved_fn;
        self.cur_class = scope.saved_class;
        self.pending = scope.saved_pending;
        self.locals = scope.saved_locals;
        scope.id
    }

    /// An expression body (`lambda: e`, `x => e`): `return e` after what `e` produced.
    pub(crate) fn return_body(&mut self, e: Expr, sp: Span) -> Vec<Stmt> {
        let mut out = std::mem::take(&mut self.pending);
        out.push(stmt(StmtKind::Return(Some(e)), sp));
        out
    }

    /// Records an import (at module level also in [`Module::imports`]) and emits it.
    pub(crate) fn push_import(&mut self, imp: Import, sp: Span, out: &mut Vec<Stmt>) {
        if self.cur_fn == 0 {
            self.module.imports.push(imp.clone());
        }
        out.push(stmt(StmtKind::Import(imp), sp));
    }
}
