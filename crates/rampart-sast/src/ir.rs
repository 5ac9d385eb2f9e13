//! The intermediate representation every language is lowered to.
//!
//! It is deliberately small: a module is a list of functions (index 0 is the module body), each a
//! list of statements over a handful of expression kinds. Every node keeps the byte span of the
//! syntax it came from, so findings and traces point at real code. Patterns in rules are lowered
//! with the same code, with metavariables ([`ExprKind::MetaVar`]) and `...`
//! ([`ExprKind::Ellipsis`]) as extra leaves.

use crate::lang::Lang;

/// A byte range in the file the node was lowered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from a tree-sitter node's byte range.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// As a `Range<usize>`.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Whether `other` lies inside this span.
    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// Index of a function in [`Module::functions`].
pub type FuncId = usize;
/// Index of a class in [`Module::classes`].
pub type ClassId = usize;

/// A constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// A string (escape sequences are kept as written).
    Str(String),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// `True`/`true`, `False`/`false`.
    Bool(bool),
    /// `None`, `null`, `undefined`.
    Null,
    /// A Java enum constant: `Color.RED` (`T.NAME`) or a bare `case RED` label (`NAME`).
    /// Equal to another enum constant of the same name (a bare label takes the switch
    /// subject's type); never equal to, nor combined with, a constant of another kind.
    Enum(String),
}

/// Binary and comparison operators the constant folder understands; the rest are `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%` (also Python's `%` string formatting)
    Mod,
    /// `==`, `===`, `is`
    Eq,
    /// `!=`, `!==`, `is not`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `and`, `&&`
    And,
    /// `or`, `||`, `??`
    Or,
    /// `in` (Python membership, JavaScript's key test)
    In,
    /// `not in` (Python)
    NotIn,
    /// Anything else (bit operators…).
    Other,
}

/// One keyword argument of a call (`name=value`), or one JSX attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Kwarg {
    /// The keyword.
    pub name: String,
    /// Where the keyword is written.
    pub name_span: Span,
    /// The value.
    pub value: Expr,
}

/// A call: `callee(args…, name=value…)`, `new Callee(…)`, or a JSX element.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// What is called; for method calls an [`ExprKind::Attr`] whose base is the receiver.
    pub callee: Expr,
    /// Positional arguments (spreads lowered to their operand).
    pub args: Vec<Expr>,
    /// Keyword arguments.
    pub kwargs: Vec<Kwarg>,
    /// `new X(…)`.
    pub is_new: bool,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Expression kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A variable.
    Name(String),
    /// `base.field`
    Attr(Box<Expr>, String),
    /// `base[key]`
    Subscript(Box<Expr>, Box<Expr>),
    /// A call.
    Call(Box<Call>),
    /// String building: f-strings, template literals (the parts in order).
    StrBuild(Vec<Expr>),
    /// A constant.
    Lit(Lit),
    /// `a op b`.
    BinOp(BinOp, Box<Expr>, Box<Expr>),
    /// `not a`, `!a`.
    Not(Box<Expr>),
    /// `cond ? a : b`, `a if cond else b`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// Dict or object literal: (key, value); a spread has an `Unknown` key.
    Dict(Vec<(Expr, Expr)>),
    /// List, tuple, set or array literal.
    List(Vec<Expr>),
    /// A lambda, arrow function or function expression.
    Func(FuncId),
    /// A comprehension: bindings `(target, iterable)` and the element.
    Comp(Vec<(Expr, Expr)>, Box<Expr>),
    /// A pattern metavariable `$X` (patterns only).
    MetaVar(String),
    /// `...` in a pattern.
    Ellipsis,
    /// `<... P ...>` in a pattern: `P` anywhere inside.
    Deep(Box<Expr>),
    /// Anything else; data flows from every child.
    Unknown(Vec<Expr>),
}

impl Expr {
    /// Makes an expression.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// An `Unknown` with no children.
    pub fn unknown(span: Span) -> Expr {
        Expr::new(ExprKind::Unknown(Vec::new()), span)
    }

    /// The dotted text of a `Name`/`Attr` chain (`os.path.join`), if it is one.
    pub fn dotted(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Name(n) => Some(n.clone()),
            ExprKind::Attr(b, f) => b.dotted().map(|b| format!("{b}.{f}")),
            _ => None,
        }
    }

    /// The innermost name of a `Name`/`Attr`/`Subscript`/`Call` chain (`a` in `a.b[c].d()`).
    pub fn root_name(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Name(n) => Some(n),
            ExprKind::Attr(b, _) | ExprKind::Subscript(b, _) => b.root_name(),
            ExprKind::Call(c) => c.callee.root_name(),
            _ => None,
        }
    }

    /// Calls `f` on this expression and every sub-expression (not into nested functions).
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Attr(b, _) | ExprKind::Not(b) | ExprKind::Deep(b) => b.walk(f),
            ExprKind::Subscript(a, b) | ExprKind::BinOp(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            ExprKind::Call(c) => {
                c.callee.walk(f);
                c.args.iter().for_each(|a| a.walk(f));
                c.kwargs.iter().for_each(|k| k.value.walk(f));
            }
            ExprKind::StrBuild(v) | ExprKind::List(v) | ExprKind::Unknown(v) => {
                v.iter().for_each(|e| e.walk(f))
            }
            ExprKind::Cond(a, b, c) => {
                a.walk(f);
                b.walk(f);
                c.walk(f);
            }
            ExprKind::Dict(kv) => kv.iter().for_each(|(k, v)| {
                k.walk(f);
                v.walk(f);
            }),
            ExprKind::Comp(binds, e) => {
                binds.iter().for_each(|(t, i)| {
                    t.walk(f);
                    i.walk(f);
                });
                e.walk(f);
            }
            ExprKind::Name(_)
            | ExprKind::Lit(_)
            | ExprKind::Func(_)
            | ExprKind::MetaVar(_)
            | ExprKind::Ellipsis => {}
        }
    }
}

/// An import: `import a.b as c`, `from .m import x as y`, `const y = require('./m').x`,
/// `import { x as y } from './m'`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The module as written, without leading dots for Python (`a.b`, `./m`, `express`).
    pub module: String,
    /// Python relative-import level (number of leading dots).
    pub level: u32,
    /// The imported member, or `None` when the module itself is bound.
    pub name: Option<String>,
    /// The local name bound.
    pub alias: String,
}

/// A statement with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// What it is.
    pub kind: StmtKind,
    /// Where it is.
    pub span: Span,
}

/// Statement kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `target = value` (augmented assignments are lowered to `target = target op value`).
    Assign {
        /// A `Name`, `Attr` or `Subscript` (destructuring is lowered to several assignments).
        target: Expr,
        /// The value.
        value: Expr,
    },
    /// An expression evaluated for its effects (usually a call).
    Expr(Expr),
    /// `return value`.
    Return(Option<Expr>),
    /// `if cond: then else: els` (also `switch`, `try`/`except` handlers with unknown conditions).
    If {
        /// The condition.
        cond: Expr,
        /// Taken when the condition holds.
        then: Vec<Stmt>,
        /// Taken otherwise.
        els: Vec<Stmt>,
    },
    /// `for target in iter: body`, `while cond: body` (`target` absent, `iter` is the condition).
    Loop {
        /// The loop variable, for `for … in`/`for … of` loops.
        target: Option<Expr>,
        /// The iterable, or the condition.
        iter: Expr,
        /// The body.
        body: Vec<Stmt>,
    },
    /// A function definition, bound to its name in the enclosing scope.
    Func(FuncId),
    /// A class definition.
    Class(ClassId),
    /// An import.
    Import(Import),
}

/// A function parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name (`$pN` for destructured parameters, whose fields are assigned in the body).
    pub name: String,
    /// Default value.
    pub default: Option<Expr>,
    /// Where it is.
    pub span: Span,
}

/// A function, method, lambda, or the module body (function 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// Its name (`<module>`, `<lambda>`, or the name it is bound to).
    pub name: String,
    /// Parameters, `self`/`this` excluded for JS and included for Python methods.
    pub params: Vec<Param>,
    /// The body.
    pub body: Vec<Stmt>,
    /// Decorators, outermost first.
    pub decorators: Vec<Expr>,
    /// The class it is a method of.
    pub class: Option<ClassId>,
    /// The function it is nested in.
    pub parent: Option<FuncId>,
    /// The whole definition.
    pub span: Span,
}

/// A class.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    /// Its name.
    pub name: String,
    /// Base classes.
    pub bases: Vec<Expr>,
    /// Its methods.
    pub methods: Vec<FuncId>,
    /// The whole definition.
    pub span: Span,
}

/// One file, lowered.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// The language it was written in.
    pub lang: Lang,
    /// Functions; index 0 is the module body.
    pub functions: Vec<Function>,
    /// Classes.
    pub classes: Vec<Class>,
    /// Module-level imports (also present as statements), for name resolution.
    pub imports: Vec<Import>,
    /// Whether the syntax tree had errors (the rest was still lowered).
    pub has_errors: bool,
    /// The first place nested deeper than the lowering goes (see `lower::MAX_DEPTH`): the
    /// syntax below it was lowered as an opaque node, the rest of the file as usual.
    pub too_deep: Option<Span>,
    /// Names bound exactly once in the whole file, to a literal, and never a parameter or loop
    /// variable: structural patterns see through them (`algo = 'md5'; createHash(algo)`).
    pub consts: std::collections::HashMap<String, Lit>,
    /// Java: the declared types of variables and fields (see [`DeclaredTypes`]).
    pub types: DeclaredTypes,
    /// Java: the package the file declares (`package com.acme;` → `com.acme`).
    pub package: Option<String>,
}

/// Declared types of Java variables, by simple type name (`java.util.List<String>` → `List`):
/// a method call on a receiver whose type is a project class resolves to that class's method.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeclaredTypes {
    /// Locals and parameters: (the function declaring them, name) → type.
    pub vars: std::collections::HashMap<(FuncId, String), String>,
    /// Fields, instance and static: (class, name) → type.
    pub fields: std::collections::HashMap<(ClassId, String), String>,
}

impl Module {
    /// An empty module whose body is function 0.
    pub fn new(lang: Lang) -> Module {
        Module {
            lang,
            functions: vec![Function {
                name: "<module>".into(),
                params: Vec::new(),
                body: Vec::new(),
                decorators: Vec::new(),
                class: None,
                parent: None,
                span: Span::default(),
            }],
            classes: Vec::new(),
            imports: Vec::new(),
            has_errors: false,
            too_deep: None,
            consts: Default::default(),
            types: DeclaredTypes::default(),
            package: None,
        }
    }

    /// The number of IR nodes (functions, statements and expressions): the measure of the
    /// per-file size bound `[engines.sast] max_ir_nodes`.
    pub fn node_count(&self) -> usize {
        fn stmts(v: &[Stmt]) -> usize {
            v.iter().map(stmt).sum()
        }
        fn expr(e: &Expr) -> usize {
            let mut n = 0;
            e.walk(&mut |_| n += 1);
            n
        }
        fn stmt(s: &Stmt) -> usize {
            1 + match &s.kind {
                StmtKind::Assign { target, value } => expr(target) + expr(value),
                StmtKind::Expr(e) | StmtKind::Return(Some(e)) => expr(e),
                StmtKind::If { cond, then, els } => expr(cond) + stmts(then) + stmts(els),
                StmtKind::Loop { target, iter, body } => {
                    target.as_ref().map_or(0, expr) + expr(iter) + stmts(body)
                }
                StmtKind::Return(None)
                | StmtKind::Func(_)
                | StmtKind::Class(_)
                | StmtKind::Import(_) => 0,
            }
        }
        self.functions
            .iter()
            .map(|f| {
                1 + stmts(&f.body)
                    + f.decorators.iter().map(expr).sum::<usize>()
                    + f.params
                        .iter()
                        .filter_map(|p| p.default.as_ref())
                        .map(expr)
                        .sum::<usize>()
            })
            .sum()
    }

    /// Fills [`Module::consts`].
    pub fn compute_consts(&mut self) {
        use std::collections::HashMap;
        let mut seen: HashMap<&str, Option<&Lit>> = HashMap::new();
        fn bind<'a>(seen: &mut HashMap<&'a str, Option<&'a Lit>>, n: &'a str, v: Option<&'a Lit>) {
            seen.entry(n).and_modify(|e| *e = None).or_insert(v);
        }
        fn stmts<'a>(seen: &mut HashMap<&'a str, Option<&'a Lit>>, body: &'a [Stmt]) {
            for s in body {
                match &s.kind {
                    StmtKind::Assign { target, value } => match &target.kind {
                        ExprKind::Name(n) => {
                            let lit = match &value.kind {
                                ExprKind::Lit(l) => Some(l),
                                _ => None,
                            };
                            bind(seen, n, lit);
                        }
                        _ => target.walk(&mut |e| {
                            if let ExprKind::Name(n) = &e.kind {
                                bind(seen, n, None);
                            }
                        }),
                    },
                    StmtKind::If { then, els, .. } => {
                        stmts(seen, then);
                        stmts(seen, els);
                    }
                    StmtKind::Loop { target, body, .. } => {
                        if let Some(t) = target {
                            t.walk(&mut |e| {
                                if let ExprKind::Name(n) = &e.kind {
                                    bind(seen, n, None);
                                }
                            });
                        }
                        stmts(seen, body);
                    }
                    _ => {}
                }
            }
        }
        for f in &self.functions {
            for p in &f.params {
                bind(&mut seen, &p.name, None);
                bind(&mut seen, &p.name, None);
            }
            stmts(&mut seen, &f.body);
        }
        let consts = seen
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), v?.clone())))
            .collect();
        self.consts = consts;
    }

    /// The import binding `name` at module level, if any.
    pub fn import_of(&self, name: &str) -> Option<&Import> {
        self.imports.iter().rev().find(|i| i.alias == name)
    }

    /// A function bound to `name`, preferring ones nested in `scope`'s chain, then top-level ones.
    pub fn function_named(&self, name: &str, scope: FuncId) -> Option<FuncId> {
        let mut best = None;
        for (i, f) in self.functions.iter().enumerate().skip(1) {
            if f.name != name || f.class.is_some() {
                continue;
            }
            // Visible when its parent is `scope` or one of `scope`'s ancestors.
            let mut s = Some(scope);
            while let Some(x) = s {
                if f.parent == Some(x) {
                    best = Some(i);
                    break;
                }
                s = self.functions[x].parent;
            }
        }
        best
    }

    /// The method `name` of class `class` (or of a base class defined in the same module).
    pub fn method_named(&self, class: ClassId, name: &str) -> Option<FuncId> {
        let mut seen = 0;
        let mut c = Some(class);
        while let Some(ci) = c {
            seen += 1;
            if seen > 16 {
                return None;
            }
            let cls = &self.classes[ci];
            if let Some(&m) = cls
                .methods
                .iter()
                .find(|&&m| self.functions[m].name == name)
            {
                return Some(m);
            }
            c = cls.bases.iter().find_map(|b| {
                let n = b.dotted()?;
                self.classes.iter().position(|k| k.name == n)
            });
        }
        None
    }
}
