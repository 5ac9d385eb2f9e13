//! Java expressions (see `java.rs`).

use super::build::{assign, attr, binop, binop_of, call, lit, str_lit, var};
use super::{Lowerer, span, unescape};
use crate::ir::*;
use tree_sitter::Node;

/// The parameter of the function a method reference stands for.
const METHOD_REF_PARAM: &str = "element";

/// JDK types whose method references (`String::trim`, `Object::toString`) name instance
/// methods, called on the element, unless the method is one of [`STATIC_METHODS`].
const INSTANCE_TYPES: &[&str] = &[
    "String",
    "Object",
    "CharSequence",
    "StringBuilder",
    "StringBuffer",
    "Integer",
    "Long",
    "Double",
    "Float",
    "Short",
    "Byte",
    "Boolean",
    "Character",
    "Number",
    "BigInteger",
    "BigDecimal",
    "Optional",
    "Collection",
    "List",
    "Set",
    "Map",
    "Entry",
    "File",
    "Path",
    "URI",
    "URL",
    "Cookie",
    "Part",
    "HttpServletRequest",
];

/// Static methods of [`INSTANCE_TYPES`] used as method references (`String::valueOf`,
/// `Integer::parseInt`): called with the element as argument.
const STATIC_METHODS: &[&str] = &[
    "valueOf",
    "format",
    "join",
    "copyValueOf",
    "parseInt",
    "parseLong",
    "parseDouble",
    "parseFloat",
    "parseShort",
    "parseByte",
    "parseBoolean",
    "decode",
    "toString",
    "toHexString",
    "toBinaryString",
    "of",
    "ofNullable",
    "copyOf",
    "compare",
    "sum",
    "max",
    "min",
    "signum",
    "isDigit",
    "isLetter",
    "isLetterOrDigit",
    "isWhitespace",
    "create",
];

impl<'a> Lowerer<'a> {
    pub(super) fn java_args(&mut self, al: Option<Node>) -> Vec<Expr> {
        let mut args = Vec::new();
        if let Some(al) = al {
            let mut c = al.walk();
            let kids: Vec<Node> = al.named_children(&mut c).collect();
            for a in kids {
                if !a.is_extra() {
                    args.push(self.java_expr(a));
                }
            }
        }
        args
    }

    /// Lowers a Java expression.
    pub(crate) fn java_expr(&mut self, n: Node) -> Expr {
        self.guarded_expr(n, Self::java_expr_inner)
    }

    pub(super) fn java_expr_inner(&mut self, n: Node) -> Expr {
        let sp = span(n);
        let b = |e: Expr| Box::new(e);
        match n.kind() {
            "identifier" => {
                let t = self.text(n);
                if let Some(e) = self.jsp_piece(t, sp) {
                    return e;
                }
                if !self.pattern
                    && !self.locals.contains(t)
                    && self.members.iter().any(|m| m.contains(t))
                {
                    return attr(var("this", sp), t, sp);
                }
                self.name(t, sp)
            }
            "this" | "super" | "type_identifier" => self.name(self.text(n), sp),
            "scoped_identifier" | "scoped_type_identifier" | "generic_type" => self.java_type(n),
            "null_literal" => lit(Lit::Null, sp),
            "true" => lit(Lit::Bool(true), sp),
            "false" => lit(Lit::Bool(false), sp),
            "decimal_integer_literal"
            | "hex_integer_literal"
            | "octal_integer_literal"
            | "binary_integer_literal" => {
                let t = self.text(n).replace('_', "");
                let t = t.trim_end_matches(['l', 'L']);
                let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    i64::from_str_radix(h, 16).ok()
                } else if let Some(h) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
                    i64::from_str_radix(h, 2).ok()
                } else if t.len() > 1 && t.starts_with('0') {
                    i64::from_str_radix(&t[1..], 8).ok()
                } else {
                    t.parse().ok()
                };
                match v {
                    Some(v) => lit(Lit::Int(v), sp),
                    None => Expr::unknown(sp),
                }
            }
            "decimal_floating_point_literal" | "hex_floating_point_literal" => {
                match self
                    .text(n)
                    .replace('_', "")
                    .trim_end_matches(['f', 'F', 'd', 'D'])
                    .parse()
                {
                    Ok(v) => lit(Lit::Float(v), sp),
                    Err(_) => Expr::unknown(sp),
                }
            }
            "character_literal" => {
                let t = self.text(n);
                str_lit(unescape(t.trim_matches('\'')), sp)
            }
            "string_literal" => {
                let mut parts = Vec::new();
                let mut text = String::new();
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    match k.kind() {
                        "string_fragment" | "escape_sequence" | "multiline_string_fragment" => {
                            text.push_str(self.text(k))
                        }
                        "string_interpolation" => {
                            if !text.is_empty() {
                                parts.push(str_lit(unescape(&std::mem::take(&mut text)), span(k)));
                            }
                            parts.push(self.first_child_with(k, Self::java_expr));
                        }
                        _ => {}
                    }
                }
                if parts.is_empty() {
                    let s = self.string_value(unescape(&text));
                    return str_lit(s, sp);
                }
                if !text.is_empty() {
                    parts.push(str_lit(unescape(&text), sp));
                }
                Expr::new(ExprKind::StrBuild(parts), sp)
            }
            "template_expression" => self.java_child(n, "template_argument"),
            "field_access" => {
                if let Some(class) = self.package_class(n) {
                    return self.name(&class, sp);
                }
                let obj = self.java_child(n, "object");
                let f = n
                    .child_by_field_name("field")
                    .map(|f| self.field_name(self.text(f)))
                    .unwrap_or_default();
                attr(obj, f, sp)
            }
            "array_access" => {
                let a = self.java_child(n, "array");
                let i = self.java_child(n, "index");
                Expr::new(ExprKind::Subscript(b(a), b(i)), sp)
            }
            "method_invocation"
                if self.jsp.is_some() && n.child_by_field_name("object").is_none() =>
            {
                let name = n.child_by_field_name("name").map_or("", |x| self.text(x));
                let args = self.java_args(n.child_by_field_name("arguments"));
                let out = |callee: &str, arg: Expr| {
                    call(var(callee, sp), vec![arg], Vec::new(), false, sp)
                };
                let arg = || Expr::new(ExprKind::Unknown(args.clone()), sp);
                match (name, args.len()) {
                    // `<%= e %>`: written as it is.
                    ("$j", 1) => out("JspWrite", args[0].clone()),
                    // In `<c:out value="<%= e %>">`: written escaped.
                    ("$x", 1) => out("JspWrite", out("JspEscapeXml", args[0].clone())),
                    // In another tag's attribute: a value, not written.
                    ("$v", 1) => args[0].clone(),
                    ("$j" | "$x" | "$v", _) => arg(),
                    _ => {
                        let callee =
                            self.name(name, n.child_by_field_name("name").map_or(sp, span));
                        self.call_or_deep(callee, args, Vec::new(), false, sp)
                    }
                }
            }
            "method_invocation" => {
                let name = n
                    .child_by_field_name("name")
                    .map(|x| self.field_name(self.text(x)))
                    .unwrap_or_default();
                let name_sp = n.child_by_field_name("name").map(span).unwrap_or(sp);
                let args = self.java_args(n.child_by_field_name("arguments"));
                let callee = match n.child_by_field_name("object") {
                    Some(o) => {
                        let obj = self.java_expr(o);
                        // `m.get("k")`, `p.getProperty("k")`: the value stored under `k`.
                        if !self.pattern
                            && matches!(name.as_str(), "get" | "getProperty")
                            && args.len() == 1
                            && let ExprKind::Lit(Lit::Str(k)) = &args[0].kind
                            && self.java_keyed_receiver(o)
                        {
                            return attr(obj, k.clone(), sp);
                        }
                        attr(obj, name, Span::new(o.start_byte(), name_sp.end as usize))
                    }
                    None => self.name(&name, name_sp),
                };
                self.call_or_deep(callee, args, Vec::new(), false, sp)
            }
            "object_creation_expression" => {
                let callee = match n.child_by_field_name("type") {
                    Some(t) => self.java_type(t),
                    None => Expr::unknown(sp),
                };
                let mut args = self.java_args(n.child_by_field_name("arguments"));
                // An anonymous class: its methods are lowered as a class of their own.
                let mut c = n.walk();
                let body = n.named_children(&mut c).find(|k| k.kind() == "class_body");
                if let Some(body) = body {
                    let tname = match &callee.kind {
                        ExprKind::Name(s) | ExprKind::Attr(_, s) => s.clone(),
                        _ => "<anonymous>".into(),
                    };
                    let mut stmts = Vec::new();
                    let saved = self.cur_class.take();
                    let id = self.java_class(n, Some((tname, body)), &mut stmts);
                    self.cur_class = saved;
                    self.pending.extend(stmts);
                    for &m in &self.module.classes[id].methods.clone() {
                        args.push(Expr::new(ExprKind::Func(m), self.module.functions[m].span));
                    }
                }
                // `outer.new Inner()`: the outer object flows in too.
                if let Some(o) = n.named_child(0).filter(|k| {
                    n.child_by_field_name("type")
                        .is_some_and(|t| t.id() != k.id())
                        && !matches!(
                            k.kind(),
                            "argument_list"
                                | "class_body"
                                | "type_arguments"
                                | "annotation"
                                | "marker_annotation"
                        )
                }) {
                    args.push(self.java_expr(o));
                }
                call(callee, args, Vec::new(), true, sp)
            }
            "array_creation_expression" => match n.child_by_field_name("value") {
                Some(v) => self.java_expr(v),
                None => {
                    let mut c = n.walk();
                    let dims: Vec<Node> = n.children_by_field_name("dimensions", &mut c).collect();
                    let parts = dims
                        .into_iter()
                        .map(|d| self.unknown_of(d, &mut |l, c| l.java_expr(c)))
                        .collect();
                    Expr::new(ExprKind::Unknown(parts), sp)
                }
            },
            "array_initializer" | "element_value_array_initializer" => {
                self.list_with(n, Self::java_expr)
            }
            "binary_expression" => {
                let l = self.java_child(n, "left");
                let r = self.java_child(n, "right");
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| binop_of(self.text(o)))
                    .unwrap_or(BinOp::Other);
                binop(op, l, r, sp)
            }
            "unary_expression" => {
                let a = self.java_child(n, "operand");
                match n.child_by_field_name("operator").map(|o| self.text(o)) {
                    Some("!") => Expr::new(ExprKind::Not(b(a)), sp),
                    Some("-") => super::build::negate(a, sp, true),
                    Some("+") => a,
                    _ => Expr::new(ExprKind::Unknown(vec![a]), sp),
                }
            }
            "ternary_expression" => {
                let c = self.java_child(n, "condition");
                let a = self.java_child(n, "consequence");
                let e = self.java_child(n, "alternative");
                Expr::new(ExprKind::Cond(b(c), b(a), b(e)), sp)
            }
            "parenthesized_expression" => self.first_child_with(n, Self::java_expr),
            "cast_expression" => self.java_child(n, "value"),
            "instanceof_expression" => {
                let l = self.java_child(n, "left");
                if let Some(name) = n.child_by_field_name("name") {
                    self.locals.insert(self.text(name).to_string());
                    // `x instanceof T t`: `t` is `x`.
                    let t = self.name(self.text(name), span(name));
                    self.pending.push(assign(t, l.clone(), sp));
                }
                Expr::new(ExprKind::Unknown(vec![l]), sp)
            }
            "assignment_expression" => {
                let mut tmp = Vec::new();
                self.java_assignment(n, &mut tmp);
                self.pending.extend(tmp);
                self.java_child(n, "left")
            }
            "update_expression" => self.first_child_with(n, Self::java_expr),
            "lambda_expression" => {
                let id = self.java_lambda(n);
                Expr::new(ExprKind::Func(id), sp)
            }
            "method_reference" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                match kids.as_slice() {
                    // In code, a function calling the method (see `java_method_ref`).
                    [obj, .., m] if m.kind() == "identifier" && !self.pattern => {
                        let id = self.java_method_ref(sp, *obj, Some(*m));
                        Expr::new(ExprKind::Func(id), sp)
                    }
                    [ty, ..] if !self.pattern && self.text(n).trim_end().ends_with("new") => {
                        let id = self.java_method_ref(sp, *ty, None);
                        Expr::new(ExprKind::Func(id), sp)
                    }
                    // In patterns, `Type::method` / `obj::method` is `obj.method`.
                    [obj, .., m] if m.kind() == "identifier" => {
                        let o = self.java_expr(*obj);
                        attr(o, self.field_name(self.text(*m)), sp)
                    }
                    _ => self.unknown_of(n, &mut |l, c| l.java_expr(c)),
                }
            }
            "switch_expression" => {
                let t = self.fresh();
                let te = var(t, sp);
                let stmts = self.java_switch(n, Some(te.clone()));
                self.pending.extend(stmts);
                te
            }
            "class_literal" => Expr::unknown(sp),
            "annotation" | "marker_annotation" => Expr::unknown(sp),
            _ => self.unknown_of(n, &mut |l, c| l.java_expr(c)),
        }
    }

    /// A JSP page's EL placeholder `$NN` (see `jsp.rs`): the output of the EL value
    /// (`JspWrite(e)`, `JspWrite(JspEscapeXml(e))`), or its binding to a page variable
    /// (emitted before the statement; the placeholder itself is then no value).
    fn jsp_piece(&mut self, name: &str, sp: Span) -> Option<Expr> {
        let page = self.jsp?;
        let piece = page.pieces.get(super::jsp::placeholder_index(name)?)?;
        let el = super::jsp_el::el_expr(&piece.el, piece.el_start, &page.fn_prefix);
        let write = |e: Expr| {
            call(
                var("JspWrite", piece.span),
                vec![e],
                Vec::new(),
                false,
                piece.span,
            )
        };
        Some(match &piece.kind {
            super::jsp::PieceKind::Out { escaped: false } => write(el),
            super::jsp::PieceKind::Out { escaped: true } => write(call(
                var("JspEscapeXml", piece.span),
                vec![el],
                Vec::new(),
                false,
                piece.span,
            )),
            super::jsp::PieceKind::Set { var: v } => {
                self.locals.insert(v.clone());
                self.pending
                    .push(assign(var(v.clone(), piece.span), el, piece.span));
                Expr::unknown(sp)
            }
        })
    }

    /// A method reference as the function it stands for, of one parameter `element`:
    /// `obj::m` and `Type::m` call `obj.m(element)` / `Type.m(element)` (an instance method
    /// of the type, `String::trim`, gets the element as argument instead of receiver: the
    /// data flows alike), `Type::new` is `new Type(element)`. Passed where a callback goes
    /// (`list.forEach(this::handle)`), the taint analysis calls it with the elements.
    pub(super) fn java_method_ref(&mut self, sp: Span, obj: Node, method: Option<Node>) -> FuncId {
        let scope = self.begin_function("<method-ref>".into(), sp);
        let element = var(METHOD_REF_PARAM, sp);
        let target = self.java_expr(obj);
        let body = match method {
            // `String::trim`: an instance method of a JDK value type, called on the element.
            Some(m)
                if matches!(&target.kind, ExprKind::Name(t) if INSTANCE_TYPES.contains(&t.as_str()))
                    && !STATIC_METHODS.contains(&self.text(m)) =>
            {
                let callee = attr(element, self.text(m), sp);
                call(callee, Vec::new(), Vec::new(), false, sp)
            }
            Some(m) => {
                let callee = attr(target, self.text(m), sp);
                call(callee, vec![element], Vec::new(), false, sp)
            }
            None => call(target, vec![element], Vec::new(), true, sp),
        };
        let body = self.return_body(body, sp);
        let param = Param {
            name: METHOD_REF_PARAM.into(),
            default: None,
            span: sp,
        };
        self.end_function(scope, vec![param], body)
    }

    pub(super) fn java_lambda(&mut self, n: Node) -> FuncId {
        let scope = self.begin_function("<lambda>".into(), span(n));
        let mut params = Vec::new();
        let mut prologue = Vec::new();
        if let Some(p) = n.child_by_field_name("parameters") {
            if p.kind() == "identifier" {
                self.locals.insert(self.text(p).to_string());
                params.push(Param {
                    name: self.field_name(self.text(p)),
                    default: None,
                    span: span(p),
                });
            } else {
                self.java_params(p, false, &mut params, &mut prologue);
            }
        }
        let body = match n.child_by_field_name("body") {
            Some(b) if b.kind() == "block" => self.java_block(b),
            Some(b) => {
                let e = self.java_expr(b);
                self.return_body(e, span(b))
            }
            None => Vec::new(),
        };
        prologue.extend(body);
        self.end_function(scope, params, prologue)
    }
}
