//! Visiting every node of a module with its ancestors (for structural rules and tests).

use crate::ir::*;
use crate::pattern::NodeRef;

/// Calls `f(node, ancestors)` on every function, statement and expression of `m`, functions
/// before their bodies. Nested functions are visited where they are defined.
pub fn walk_module<'a>(m: &'a Module, f: &mut dyn FnMut(NodeRef<'a>, &[NodeRef<'a>])) {
    let mut anc = Vec::new();
    walk_fn(m, 0, &mut anc, f);
}

fn walk_fn<'a>(
    m: &'a Module,
    id: FuncId,
    anc: &mut Vec<NodeRef<'a>>,
    f: &mut dyn FnMut(NodeRef<'a>, &[NodeRef<'a>]),
) {
    if anc.len() > 64 || crate::stack::low() {
        return;
    }
    let func = &m.functions[id];
    if id != 0 {
        f(NodeRef::Func(func), anc);
    }
    anc.push(NodeRef::Func(func));
    for d in &func.decorators {
        walk_expr(m, d, anc, f);
    }
    for p in &func.params {
        if let Some(d) = &p.default {
            walk_expr(m, d, anc, f);
        }
    }
    walk_stmts(m, &func.body, anc, f);
    anc.pop();
}

fn walk_stmts<'a>(
    m: &'a Module,
    stmts: &'a [Stmt],
    anc: &mut Vec<NodeRef<'a>>,
    f: &mut dyn FnMut(NodeRef<'a>, &[NodeRef<'a>]),
) {
    for s in stmts {
        f(NodeRef::Stmt(s), anc);
        anc.push(NodeRef::Stmt(s));
        match &s.kind {
            StmtKind::Assign { target, value } => {
                walk_expr(m, target, anc, f);
                walk_expr(m, value, anc, f);
            }
            StmtKind::Expr(e) | StmtKind::Return(Some(e)) => walk_expr(m, e, anc, f),
            StmtKind::Return(None) | StmtKind::Import(_) => {}
            StmtKind::If { cond, then, els } => {
                walk_expr(m, cond, anc, f);
                walk_stmts(m, then, anc, f);
                walk_stmts(m, els, anc, f);
            }
            StmtKind::Loop { target, iter, body } => {
                if let Some(t) = target {
                    walk_expr(m, t, anc, f);
                }
                walk_expr(m, iter, anc, f);
                walk_stmts(m, body, anc, f);
            }
            StmtKind::Func(id) => walk_fn(m, *id, anc, f),
            StmtKind::Class(c) => {
                for meth in &m.classes[*c].methods {
                    walk_fn(m, *meth, anc, f);
                }
            }
        }
        anc.pop();
    }
}

fn walk_expr<'a>(
    m: &'a Module,
    e: &'a Expr,
    anc: &mut Vec<NodeRef<'a>>,
    f: &mut dyn FnMut(NodeRef<'a>, &[NodeRef<'a>]),
) {
    if anc.len() > 256 || crate::stack::low() {
        return;
    }
    f(NodeRef::Expr(e), anc);
    anc.push(NodeRef::Expr(e));
    let mut kids: Vec<&'a Expr> = Vec::new();
    match &e.kind {
        ExprKind::Attr(b, _) | ExprKind::Not(b) | ExprKind::Deep(b) => kids.push(b),
        ExprKind::Subscript(a, b) | ExprKind::BinOp(_, a, b) => {
            kids.push(a);
            kids.push(b);
        }
        ExprKind::Call(c) => {
            kids.push(&c.callee);
            kids.extend(c.args.iter());
            kids.extend(c.kwargs.iter().map(|k| &k.value));
        }
        ExprKind::StrBuild(v) | ExprKind::List(v) | ExprKind::Unknown(v) => kids.extend(v.iter()),
        ExprKind::Cond(a, b, c) => kids.extend([&**a, &**b, &**c]),
        ExprKind::Dict(kv) => {
            for (k, v) in kv {
                kids.push(k);
                kids.push(v);
            }
        }
        ExprKind::Comp(binds, el) => {
            for (t, i) in binds {
                kids.push(t);
                kids.push(i);
            }
            kids.push(el);
        }
        ExprKind::Func(id) => {
            walk_fn(m, *id, anc, f);
        }
        _ => {}
    }
    for k in kids {
        walk_expr(m, k, anc, f);
    }
    anc.pop();
}
