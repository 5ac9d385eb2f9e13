//! Expressions: evaluation within a scope, templates, traversals, and the budgets that keep
//! computed values small and shallow.

#[allow(unused_imports)]
use super::*;

/// A value moved to where it is used: every node at `span` and `line`, without key spans.
pub(crate) fn respan(mut n: Node, span: &Range<usize>, line: usize) -> Node {
    respan_in_place(&mut n, span, line);
    n
}

pub(crate) fn respan_in_place(n: &mut Node, span: &Range<usize>, line: usize) {
    n.span = span.clone();
    n.line = line;
    n.key_span = None;
    match &mut n.value {
        Value::Seq(s) => s.iter_mut().for_each(|c| respan_in_place(c, span, line)),
        Value::Map(m) => m
            .iter_mut()
            .for_each(|(_, c)| respan_in_place(c, span, line)),
        _ => {}
    }
}

/// How many value nodes the evaluation of one module may produce, counted in the values of its
/// attributes and locals (so work is bounded too): `a1 = [local.a0, local.a0]`,
/// `a2 = [local.a1, …]`… doubles at each step. Past it, values are unknown; a sub-expression
/// that finds the budget spent leaves it spent for the rest of the module.
pub const MAX_EVAL_NODES: usize = 1_000_000;
/// How deeply a computed value may nest (`a1 = [local.a0]`, `a2 = [local.a1]`… grows one level
/// per local). A deeper value is unknown, so walks over values stay within the stack.
pub const MAX_VALUE_DEPTH: usize = 256;

/// What the module evaluation running on this thread has spent.
#[derive(Clone, Copy, Default)]
pub(crate) struct Spent {
    pub(crate) nodes: usize,
    pub(crate) too_big: bool,
    pub(crate) too_deep: bool,
}

thread_local! {
    pub(crate) static SPENT: std::cell::Cell<Spent> = std::cell::Cell::new(Spent::default());
}

/// Counts the nodes of a value (stopping past `cap`), and whether it nests deeper than
/// `depth` levels.
pub(crate) fn measure(n: &Node, cap: usize, depth: usize) -> (usize, bool) {
    let children: Box<dyn Iterator<Item = &Node>> = match &n.value {
        Value::Seq(s) => Box::new(s.iter()),
        Value::Map(m) => Box::new(m.iter().map(|(_, v)| v)),
        _ => return (1, false),
    };
    if depth == 0 {
        return (1, true);
    }
    let mut count = 1;
    for c in children {
        let (k, deep) = measure(c, cap.saturating_sub(count), depth - 1);
        count += k;
        if deep || count > cap {
            return (count, deep);
        }
    }
    (count, false)
}

/// Evaluates an expression. Values past the module's budgets ([`MAX_EVAL_NODES`],
/// [`MAX_VALUE_DEPTH`]) are unknown.
pub fn eval(e: &Expression, f: &TfFile, scope: &Scope) -> Node {
    let before = SPENT.get();
    let n = eval_inner(e, f, scope);
    // Nodes count once, in the value of the outermost expression that holds them; but a budget
    // the sub-expressions found spent stays spent, even when their values (now unknown) leave
    // this one small.
    let inner = SPENT.get();
    let mut sp = Spent {
        too_big: before.too_big || inner.too_big,
        too_deep: before.too_deep || inner.too_deep,
        ..before
    };
    if sp.too_big {
        SPENT.set(sp);
        // Spent: only small values are still computed.
        return match measure(&n, SMALL_VALUE, MAX_VALUE_DEPTH) {
            (count, false) if count <= SMALL_VALUE => n,
            _ => unknown("evaluation budget", n.span.clone(), n.line),
        };
    }
    let (count, deep) = measure(&n, MAX_EVAL_NODES - sp.nodes, MAX_VALUE_DEPTH);
    sp.nodes += count;
    sp.too_big |= sp.nodes >= MAX_EVAL_NODES;
    sp.too_deep |= deep;
    SPENT.set(sp);
    if deep || sp.too_big {
        return unknown("evaluation budget", n.span.clone(), n.line);
    }
    n
}

/// The largest value still computed once a module has spent [`MAX_EVAL_NODES`].
pub(crate) const SMALL_VALUE: usize = 1_000;

/// Once the budget is spent, makes the large values of a scope unknown, so that reading them
/// (which copies them) stays cheap.
pub(crate) fn shrink(scope: &mut Scope) {
    for v in scope.vars.values_mut().chain(scope.locals.values_mut()) {
        if measure(v, SMALL_VALUE, MAX_VALUE_DEPTH).0 > SMALL_VALUE {
            *v = unknown("evaluation budget", v.span.clone(), v.line);
        }
    }
}

pub(crate) fn eval_inner(e: &Expression, f: &TfFile, scope: &Scope) -> Node {
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
        Expression::StringTemplate(t) => {
            // `"${x}"` alone is x itself, whatever its type.
            if let [Element::Interpolation(i)] = t.iter().collect::<Vec<_>>().as_slice() {
                let v = eval(&i.expr, f, scope);
                return if v.is_unknown() {
                    unk()
                } else {
                    respan(v, &span, line)
                };
            }
            template(t, f, scope)
                .map(|s| mk(Value::Str(s)))
                .unwrap_or_else(unk)
        }
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
                (name, Some(TraversalOperator::GetAttr(n)))
                    if scope.iters.iter().any(|(i, _, _)| i == name) =>
                {
                    let found = scope.iters.iter().rev().find(|(i, _, _)| i == name);
                    (
                        found.and_then(|(_, k, v)| match n.as_str() {
                            "key" => Some(k.clone()),
                            "value" => Some(v.clone()),
                            _ => None,
                        }),
                        &t.operators[1..],
                    )
                }
                ("count", Some(TraversalOperator::GetAttr(n))) if n.as_str() == "index" => {
                    (scope.count_index.clone(), &t.operators[1..])
                }
                ("each", Some(TraversalOperator::GetAttr(n))) => (
                    scope.each.as_ref().and_then(|(k, v)| match n.as_str() {
                        "key" => Some(k.clone()),
                        "value" => Some(v.clone()),
                        _ => None,
                    }),
                    &t.operators[1..],
                ),
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
                (UnaryOperator::Neg, Value::Int(i)) => i
                    .checked_neg()
                    .map(|n| mk(Value::Int(n)))
                    .unwrap_or_else(unk),
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

pub(crate) fn num(x: f64, span: &Range<usize>, line: usize) -> Node {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Node::new(Value::Int(x as i64), span.clone(), line)
    } else {
        Node::new(Value::Float(x), span.clone(), line)
    }
}

pub(crate) fn traverse(
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

pub(crate) fn template(t: &Template, f: &TfFile, scope: &Scope) -> Option<String> {
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

pub(crate) fn known(args: &[Node]) -> bool {
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

pub(crate) fn json_to_node(v: &serde_json::Value, span: &Range<usize>, line: usize) -> Node {
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
