//! Lowering: from a tree-sitter syntax tree to the [`crate::ir`]. One submodule per language.
//!
//! Lowering never fails: syntax it does not model becomes [`ExprKind::Unknown`] holding the
//! sub-expressions it could lower, so data still flows through it, and `ERROR` nodes are lowered
//! like any other node, so a file with syntax errors is analysed as far as possible.

pub(crate) mod build;
pub mod go;
pub mod java;
pub(crate) mod java_decl;
mod java_expr;
mod java_types;
pub mod javascript;
pub mod jsp;
mod jsp_el;
pub mod py_views;
pub mod python;
pub mod vue;

use crate::ir::*;
use crate::lang::Lang;
use std::time::Instant;
use tree_sitter::Node;

/// Prefix a metavariable `$X` is rewritten to before a pattern is parsed.
pub const MV_PREFIX: &str = "__mv_";
/// What `...` is rewritten to before a pattern is parsed.
pub const ELLIPSIS: &str = "__ellipsis__";

/// Lowers a parsed file.
pub fn lower(lang: Lang, tree: &tree_sitter::Tree, src: &[u8]) -> Module {
    lower_within(lang, tree, src, None).expect("no deadline")
}

/// Lowers a parsed file, giving up (`None`) once `deadline` has passed: a module is always
/// lowered whole or not at all, so lowering the same file again gives the same module.
pub fn lower_within(
    lang: Lang,
    tree: &tree_sitter::Tree,
    src: &[u8],
    deadline: Option<Instant>,
) -> Option<Module> {
    let mut l = Lowerer::new(lang, src, false);
    l.deadline = deadline;
    l.module.has_errors = tree.root_node().has_error();
    l.module.functions[0].span = span(tree.root_node());
    l.lower_root(tree.root_node());
    if l.out_of_time {
        return None;
    }
    l.module.compute_consts();
    Some(l.module)
}

/// Lowers a JSP page translated by [`jsp::translate`] and parsed as Java (its module is
/// Java's); `None` once `deadline` has passed.
pub fn lower_jsp_within(
    tree: &tree_sitter::Tree,
    page: &jsp::Page,
    deadline: Option<Instant>,
) -> Option<Module> {
    let mut l = Lowerer::new(Lang::Java, &page.java, false);
    l.deadline = deadline;
    l.jsp = Some(page);
    l.module.has_errors = tree.root_node().has_error();
    l.module.functions[0].span = span(tree.root_node());
    let mut imports = Vec::new();
    for (imp, sp) in &page.imports {
        l.push_import(imp.clone(), *sp, &mut imports);
    }
    l.lower_root(tree.root_node());
    if l.out_of_time {
        return None;
    }
    imports.append(&mut l.module.functions[0].body);
    l.module.functions[0].body = imports;
    l.module.compute_consts();
    Some(l.module)
}

/// Lowers a Vue single-file component parsed from `sfc.text` (see [`vue`]), giving up (`None`)
/// once `deadline` has passed.
pub fn lower_vue_within(
    tree: &tree_sitter::Tree,
    sfc: &vue::Sfc,
    deadline: Option<Instant>,
) -> Option<Module> {
    let mut l = Lowerer::new(Lang::Vue, &sfc.text, false);
    l.deadline = deadline;
    l.module.has_errors = tree.root_node().has_error();
    l.module.functions[0].span = span(tree.root_node());
    l.lower_vue(tree.root_node(), sfc);
    if l.out_of_time {
        return None;
    }
    l.module.compute_consts();
    Some(l.module)
}

/// Lowers a rule pattern (already rewritten with [`rewrite_pattern`]).
pub fn lower_pattern(lang: Lang, tree: &tree_sitter::Tree, src: &[u8]) -> Module {
    let mut l = Lowerer::new(lang, src, true);
    l.module.has_errors = tree.root_node().has_error();
    l.lower_root(tree.root_node());
    l.module
}

/// Rewrites pattern text so that the language's grammar accepts it: `$X` becomes `__mv_X` and a
/// bare `...` becomes `__ellipsis__` (a JavaScript spread `...x` is kept).
pub fn rewrite_pattern(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() && (b[i + 1].is_ascii_uppercase() || b[i + 1] == b'_') {
            out.push_str(MV_PREFIX);
            i += 1;
            continue;
        }
        if text[i..].starts_with("<...") {
            out.push_str("__deep__(");
            i += 4;
            continue;
        }
        if text[i..].starts_with("...>") {
            out.push(')');
            i += 4;
            continue;
        }
        if text[i..].starts_with("...") {
            let next = b.get(i + 3).copied().unwrap_or(b' ');
            if next == b'$' || next.is_ascii_alphabetic() || next == b'_' {
                out.push_str("...");
            } else {
                out.push_str(ELLIPSIS);
            }
            i += 3;
            continue;
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The span of a node.
pub fn span(n: Node) -> Span {
    Span::new(n.start_byte(), n.end_byte())
}

/// Shared lowering state.
pub(crate) struct Lowerer<'a> {
    pub lang: Lang,
    pub src: &'a [u8],
    pub module: Module,
    pub cur_fn: FuncId,
    pub cur_class: Option<ClassId>,
    pub pattern: bool,
    /// Statements produced while lowering an expression, emitted before the statement.
    pub pending: Vec<Stmt>,
    pub tmp: usize,
    pub depth: usize,
    /// Names bound locally in the function being lowered (parameters, declarations), for
    /// telling a member from a local of the same name.
    pub locals: std::collections::HashSet<String>,
    /// Where a value-producing block's result goes (a `yield` in a Java switch expression),
    /// if the lowering is inside one.
    pub yield_to: Option<Expr>,
    /// Names that stand for members of the enclosing classes when not bound locally (Java:
    /// `x` may mean `this.x`), innermost class last.
    pub members: Vec<std::collections::HashSet<String>>,
    /// The JSP page being lowered, whose placeholders (`$NN`, `$j(`…) stand for its EL and
    /// output ([`jsp`]).
    pub jsp: Option<&'a jsp::Page>,
    /// Vue: the component object's byte range and, once lowering reached it, its class
    /// (`lower/vue.rs`).
    pub component: Option<(usize, usize, Option<ClassId>)>,
    /// When to give up ([`lower_within`]).
    deadline: Option<Instant>,
    /// Levels entered so far (the deadline is checked every [`DEADLINE_STEPS`]).
    steps: usize,
    /// Set once the deadline has passed: everything left is lowered as opaque, quickly, and
    /// the module is dropped.
    out_of_time: bool,
}

/// How many levels are entered between two looks at the clock.
const DEADLINE_STEPS: usize = 1024;

/// Deepest nesting lowered, counting statements, expressions, function bodies and destructuring
/// patterns together; deeper syntax becomes an opaque node (`Unknown`) and the first such place
/// is recorded in [`Module::too_deep`]. It keeps the lowering, and every walk over the IR after
/// it (matching, taint evaluation), within a thread's stack, whatever the input: the lowering
/// recurses once per level.
pub const MAX_DEPTH: usize = 200;

impl<'a> Lowerer<'a> {
    fn new(lang: Lang, src: &'a [u8], pattern: bool) -> Lowerer<'a> {
        Lowerer {
            lang,
            src,
            module: Module::new(lang),
            cur_fn: 0,
            cur_class: None,
            pattern,
            pending: Vec::new(),
            tmp: 0,
            depth: 0,
            locals: Default::default(),
            yield_to: None,
            members: Vec::new(),
            jsp: None,
            component: None,
            deadline: None,
            steps: 0,
            out_of_time: false,
        }
    }

    fn lower_root(&mut self, root: Node) {
        let body = match self.lang {
            Lang::Python => self.py_block(root),
            Lang::Java | Lang::Jsp => self.java_block(root),
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx | Lang::Vue => self.js_block(root),
            Lang::Go => self.go_block(root),
        };
        self.module.functions[0].body = body;
    }

    /// Enters one level of nesting at `n`: `false` past [`MAX_DEPTH`] or when the stack is
    /// nearly used up ([`crate::stack`]): the caller lowers `n` as an opaque node, and the first
    /// such place is recorded. Each call is paired with
    /// [`Lowerer::leave`].
    pub(crate) fn enter(&mut self, n: Node) -> bool {
        self.depth += 1;
        self.steps += 1;
        if self.steps.is_multiple_of(DEADLINE_STEPS)
            && self.deadline.is_some_and(|d| Instant::now() > d)
        {
            self.out_of_time = true;
        }
        if self.out_of_time {
            return false;
        }
        if self.depth > MAX_DEPTH || crate::stack::low() {
            if !self.pattern && self.module.too_deep.is_none() {
                self.module.too_deep = Some(span(n));
            }
            return false;
        }
        true
    }

    /// Leaves the level [`Lowerer::enter`] entered.
    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// An opaque statement standing for syntax nested too deep.
    pub(crate) fn opaque_stmt(n: Node) -> Stmt {
        Stmt {
            kind: StmtKind::Expr(Expr::unknown(span(n))),
            span: span(n),
        }
    }

    pub fn text(&self, n: Node) -> &'a str {
        std::str::from_utf8(&self.src[n.start_byte()..n.end_byte()]).unwrap_or("")
    }

    /// A name, or in patterns a metavariable or `...`.
    pub fn name(&self, text: &str, span: Span) -> Expr {
        if self.pattern {
            if let Some(mv) = text.strip_prefix(MV_PREFIX) {
                return Expr::new(ExprKind::MetaVar(format!("${mv}")), span);
            }
            if text == ELLIPSIS {
                return Expr::new(ExprKind::Ellipsis, span);
            }
        }
        Expr::new(ExprKind::Name(text.to_string()), span)
    }

    /// Field or keyword names in patterns may be metavariables too.
    pub fn field_name(&self, text: &str) -> String {
        if self.pattern
            && let Some(mv) = text.strip_prefix(MV_PREFIX)
        {
            return format!("${mv}");
        }
        text.to_string()
    }

    pub fn new_function(&mut self, name: String, span: Span) -> FuncId {
        self.module.functions.push(Function {
            name,
            params: Vec::new(),
            body: Vec::new(),
            decorators: Vec::new(),
            class: None,
            parent: Some(self.cur_fn),
            span,
        });
        self.module.functions.len() - 1
    }

    pub fn fresh(&mut self) -> String {
        self.tmp += 1;
        format!("$t{}", self.tmp)
    }

    /// Lowers the children of an unmodelled node into an `Unknown`.
    pub fn unknown_of(&mut self, n: Node, lower: &mut dyn FnMut(&mut Self, Node) -> Expr) -> Expr {
        let mut parts = Vec::new();
        let mut c = n.walk();
        for ch in n.named_children(&mut c) {
            if ch.is_extra() {
                continue;
            }
            parts.push(lower(self, ch));
        }
        Expr::new(ExprKind::Unknown(parts), span(n))
    }

    /// Assigns `value` to a destructuring target: names directly, sequences by index, objects by key.
    pub fn assign_to(&mut self, target: Expr, value: Expr, span: Span, out: &mut Vec<Stmt>) {
        out.push(Stmt {
            kind: StmtKind::Assign { target, value },
            span,
        });
    }
}

/// Unquotes a string literal's inner text (only the common escapes; good enough for keys).
pub fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A string built from parts: one literal when every part is a literal (so constant strings
/// stay constants for folding and pattern matching), otherwise a `StrBuild`.
pub fn string_expr(parts: Vec<Expr>, sp: Span) -> Expr {
    if parts
        .iter()
        .all(|p| matches!(p.kind, ExprKind::Lit(Lit::Str(_))))
    {
        let s: String = parts
            .iter()
            .map(|p| match &p.kind {
                ExprKind::Lit(Lit::Str(s)) => s.as_str(),
                _ => "",
            })
            .collect();
        Expr::new(ExprKind::Lit(Lit::Str(s)), sp)
    } else {
        Expr::new(ExprKind::StrBuild(parts), sp)
    }
}
