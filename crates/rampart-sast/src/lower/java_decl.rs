//! Java declarations: classes and their members, methods and parameters, annotations and
//! the framework bindings they imply (see `java.rs`).

use super::build::{assign, attr, call, stmt, var};
use super::{Lowerer, span};
use crate::ir::*;
use tree_sitter::Node;

/// Longest type name lowered part by part (longer ones keep their last part).
const MAX_TYPE_TEXT: usize = 512;

/// Parameter annotations whose parameter is bound from the HTTP request (Spring MVC, JAX-RS).
const REQUEST_ANNOTATIONS: &[&str] = &[
    "RequestParam",
    "PathVariable",
    "RequestBody",
    "RequestHeader",
    "CookieValue",
    "ModelAttribute",
    "RequestPart",
    "MatrixVariable",
    "QueryParam",
    "PathParam",
    "FormParam",
    "HeaderParam",
    "CookieParam",
    "MatrixParam",
    "BeanParam",
];

/// Spring method annotations that map a method to requests.
pub(crate) const MAPPINGS: &[&str] = &[
    "RequestMapping",
    "GetMapping",
    "PostMapping",
    "PutMapping",
    "DeleteMapping",
    "PatchMapping",
];

/// Parameter types Spring supplies itself (never bound from request data).
const FRAMEWORK_TYPES: &[&str] = &[
    "HttpServletRequest",
    "HttpServletResponse",
    "ServletRequest",
    "ServletResponse",
    "HttpSession",
    "Model",
    "ModelMap",
    "ModelAndView",
    "BindingResult",
    "Errors",
    "Principal",
    "Authentication",
    "Locale",
    "RedirectAttributes",
    "WebRequest",
    "NativeWebRequest",
    "UriComponentsBuilder",
    "SessionStatus",
    "HttpHeaders",
    "HttpMethod",
    "TimeZone",
    "ZoneId",
    "Pageable",
    "Sort",
];

impl<'a> Lowerer<'a> {
    /// A class, interface, enum or record (or the body of an anonymous class when `body` is
    /// given): its members become methods; field initialisers and static blocks go to `out`.
    pub(super) fn java_class(
        &mut self,
        n: Node,
        anon: Option<(String, Node)>,
        out: &mut Vec<Stmt>,
    ) -> ClassId {
        let (name, body) = match anon {
            Some((name, body)) => (name, Some(body)),
            None => (
                n.child_by_field_name("name")
                    .map(|x| self.text(x).to_string())
                    .unwrap_or_default(),
                n.child_by_field_name("body"),
            ),
        };
        let mut bases = Vec::new();
        let mut annotations = Vec::new();
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in &kids {
            match k.kind() {
                "superclass" | "super_interfaces" | "extends_interfaces" => {
                    self.java_types(*k, &mut bases);
                }
                "modifiers" => annotations = self.java_annotations(*k),
                _ => {}
            }
        }
        let id = self.new_class(name, bases, span(n));
        let Some(body) = body else { return id };
        let mut c = body.walk();
        let members: Vec<Node> = body.named_children(&mut c).collect();
        // Instance fields: a bare name in a method means `this.name` unless bound locally.
        let mut fields = std::collections::HashSet::new();
        let mut initialisers = Vec::new();
        for m in &members {
            if m.kind() == "field_declaration" {
                self.java_declare_fields(id, *m);
            }
            if m.kind() == "field_declaration" && !is_static(self, *m) {
                let mut c2 = m.walk();
                for d in m.children_by_field_name("declarator", &mut c2) {
                    if let Some(nm) = d.child_by_field_name("name") {
                        fields.insert(self.text(nm).to_string());
                    }
                }
                initialisers.push(*m);
            }
        }
        self.members.push(fields);
        let saved = self.cur_class.replace(id);
        if !initialisers.is_empty() && !self.pattern {
            // Field initialisers run with every construction: a method of their own.
            let scope = self.begin_function("<fields>".into(), span(n));
            self.locals.clear();
            let mut body = Vec::new();
            for m in initialisers {
                self.java_stmt(m, &mut body);
            }
            self.end_function(scope, Vec::new(), body);
        }
        for m in members {
            self.java_member(m, &annotations, out);
        }
        self.cur_class = saved;
        self.members.pop();
        id
    }

    pub(super) fn java_member(&mut self, m: Node, class_annotations: &[Expr], out: &mut Vec<Stmt>) {
        // Members nest (classes in classes): one level each, like statements.
        if self.enter(m) {
            self.java_member_inner(m, class_annotations, out);
        } else {
            out.push(Self::opaque_stmt(m));
        }
        self.leave();
    }

    fn java_member_inner(&mut self, m: Node, class_annotations: &[Expr], out: &mut Vec<Stmt>) {
        match m.kind() {
            "method_declaration"
            | "constructor_declaration"
            | "compact_constructor_declaration" => {
                self.java_method(m, class_annotations);
            }
            "enum_body_declarations" => {
                let mut c = m.walk();
                let kids: Vec<Node> = m.named_children(&mut c).collect();
                for k in kids {
                    self.java_member(k, class_annotations, out);
                }
            }
            "enum_constant" => {
                if let Some(b) = m.child_by_field_name("body") {
                    let name = m
                        .child_by_field_name("name")
                        .map(|x| self.text(x).to_string())
                        .unwrap_or_default();
                    let saved = self.cur_class.take();
                    self.java_class(m, Some((name, b)), out);
                    self.cur_class = saved;
                }
            }
            "class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration"
            | "annotation_type_declaration" => {
                let saved = self.cur_class.take();
                let id = self.java_class(m, None, out);
                self.cur_class = saved;
                out.push(stmt(StmtKind::Class(id), span(m)));
            }
            "field_declaration" if !is_static(self, m) => {}
            "field_declaration" | "constant_declaration" | "static_initializer" | "block" => {
                let saved = self.cur_class.take();
                self.java_stmt(m, out);
                self.cur_class = saved;
            }
            _ => {}
        }
    }

    /// The types named under `n` (superclass, interfaces), as names.
    pub(super) fn java_types(&mut self, n: Node, out: &mut Vec<Expr>) {
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in kids {
            match k.kind() {
                "type_list" => self.java_types(k, out),
                _ => out.push(self.java_type(k)),
            }
        }
    }

    /// A type as a name (`List<String>` → `List`, `a.b.C` → `a.b.C`).
    pub(super) fn java_type(&self, n: Node) -> Expr {
        let sp = span(n);
        match n.kind() {
            "generic_type" => match n.named_child(0) {
                Some(t) => self.java_type(t),
                None => Expr::unknown(sp),
            },
            "scoped_type_identifier" | "scoped_identifier" => {
                if let Some(class) = self.package_class(n) {
                    return self.name(&class, sp);
                }
                if self.text(n).len() > MAX_TYPE_TEXT {
                    // No real type name is this long: its last part, without recursion.
                    let last = self.text(n).rsplit('.').next().unwrap_or("").trim();
                    return self.name(last, sp);
                }
                let mut c = n.walk();
                let parts: Vec<Node> = n
                    .named_children(&mut c)
                    .filter(|k| !matches!(k.kind(), "annotation" | "marker_annotation"))
                    .collect();
                match parts.as_slice() {
                    [base, last] => {
                        attr(self.java_type(*base), self.field_name(self.text(*last)), sp)
                    }
                    _ => self.name(self.text(n), sp),
                }
            }
            "array_type" => match n.child_by_field_name("element") {
                Some(t) => self.java_type(t),
                None => Expr::unknown(sp),
            },
            "annotated_type" => {
                let mut c = n.walk();
                let t = n
                    .named_children(&mut c)
                    .find(|k| !matches!(k.kind(), "annotation" | "marker_annotation"));
                match t {
                    Some(t) => self.java_type(t),
                    None => Expr::unknown(sp),
                }
            }
            _ => self.name(self.text(n), sp),
        }
    }

    /// A package-qualified class name (`java.nio.file.Paths`) as the class's simple name, as
    /// an import would bind it; `None` for anything else (a field chain, a local's field).
    pub(super) fn package_class(&self, n: Node) -> Option<String> {
        if self.text(n).len() > MAX_TYPE_TEXT {
            return None;
        }
        let text: String = self
            .text(n)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let (pkg, class) = text.rsplit_once('.')?;
        let first = pkg.split('.').next()?;
        let is_pkg = pkg.split('.').all(|p| {
            p.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        let is_class = class.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && class.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let bound = self.locals.contains(first) || self.members.iter().any(|m| m.contains(first));
        (is_pkg && is_class && !bound && !self.pattern).then(|| class.to_string())
    }

    /// The simple name of a type (`java.util.List<String>` → `List`).
    pub(super) fn java_type_name(&self, n: Node) -> String {
        match self.java_type(n).kind {
            ExprKind::Name(s) | ExprKind::Attr(_, s) => s,
            _ => String::new(),
        }
    }

    /// The annotations of a `modifiers` node as expressions: `@A` → `A`, `@A(x)` → `A(x)`,
    /// `@A(k = v)` → `A(k = v)`.
    pub(super) fn java_annotations(&mut self, modifiers: Node) -> Vec<Expr> {
        let mut out = Vec::new();
        let mut c = modifiers.walk();
        let kids: Vec<Node> = modifiers.named_children(&mut c).collect();
        for a in kids {
            let sp = span(a);
            let Some(name) = a.child_by_field_name("name") else {
                continue;
            };
            let callee = self.java_type(name);
            match a.kind() {
                "marker_annotation" => out.push(callee),
                "annotation" => {
                    let mut args = Vec::new();
                    let mut kwargs = Vec::new();
                    if let Some(al) = a.child_by_field_name("arguments") {
                        let mut c2 = al.walk();
                        let items: Vec<Node> = al.named_children(&mut c2).collect();
                        for it in items {
                            if it.kind() == "element_value_pair" {
                                let (Some(k), Some(v)) = (
                                    it.child_by_field_name("key"),
                                    it.child_by_field_name("value"),
                                ) else {
                                    continue;
                                };
                                let value = self.java_expr(v);
                                kwargs.push(Kwarg {
                                    name: self.field_name(self.text(k)),
                                    name_span: span(k),
                                    value,
                                });
                            } else if !it.is_extra() {
                                args.push(self.java_expr(it));
                            }
                        }
                    }
                    out.push(self.call_or_deep(callee, args, kwargs, false, sp));
                }
                _ => {}
            }
        }
        out
    }

    /// A method or constructor (constructors are named `constructor`).
    pub(super) fn java_method(&mut self, n: Node, class_annotations: &[Expr]) -> FuncId {
        let name = if n.kind() == "method_declaration" {
            n.child_by_field_name("name")
                .map(|x| self.field_name(self.text(x)))
                .unwrap_or_default()
        } else {
            "constructor".to_string()
        };
        let mut decorators = Vec::new();
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in &kids {
            if k.kind() == "modifiers" {
                decorators = self.java_annotations(*k);
            }
        }
        self.pending.clear();
        let is_mapping = decorators
            .iter()
            .chain(class_annotations)
            .any(|d| annotation_name(d).is_some_and(|a| MAPPINGS.contains(&a)));
        decorators.extend(class_annotations.iter().cloned());
        let html_body = n.kind() == "method_declaration"
            && n.child_by_field_name("type")
                .is_some_and(|t| matches!(self.text(t), "String" | "java.lang.String"))
            && decorators
                .iter()
                .any(|d| matches!(annotation_name(d), Some("ResponseBody" | "RestController")))
            && !self.produces_other_than_html(&decorators);
        let scope = self.begin_function(name, span(n));
        self.module.functions[scope.id()].decorators = decorators;
        self.locals.clear();
        let mut params = Vec::new();
        let mut prologue = Vec::new();
        if let Some(ps) = n.child_by_field_name("parameters") {
            self.java_params(ps, is_mapping, &mut params, &mut prologue);
        } else if n.kind() == "compact_constructor_declaration" {
            // A record's compact constructor takes the record's components.
            if let Some(ps) = n
                .parent()
                .and_then(|b| b.parent())
                .and_then(|r| r.child_by_field_name("parameters"))
            {
                self.java_params(ps, false, &mut params, &mut prologue);
            }
        }
        self.pending.clear();
        // `public static void main(String[] args)`: the command line comes in as `args`
        // (`args = MainArgs(args)`, a source of the `cli` profile).
        if !self.pattern && n.kind() == "method_declaration" && self.java_is_main(n, &params) {
            let sp = params[0].span;
            let v = var(params[0].name.clone(), sp);
            let value = call(var("MainArgs", sp), vec![v.clone()], Vec::new(), false, sp);
            prologue.push(assign(v, value, sp));
        }
        let body = self.java_body(n.child_by_field_name("body"));
        prologue.extend(body);
        if html_body && !self.pattern {
            wrap_returns(&mut prologue);
        }
        self.end_function(scope, params, prologue)
    }

    /// Whether `n` is a program's entry point: `static void main` taking one `String[]` (or
    /// `String...`).
    fn java_is_main(&self, n: Node, params: &[Param]) -> bool {
        let named_main = n
            .child_by_field_name("name")
            .is_some_and(|x| self.text(x) == "main");
        let void = n
            .child_by_field_name("type")
            .is_some_and(|t| self.text(t) == "void");
        let string_array = n.child_by_field_name("parameters").is_some_and(|ps| {
            let t: String = self.text(ps).split_whitespace().collect();
            t.contains("String[]") || t.contains("String...")
        });
        named_main && void && params.len() == 1 && string_array && is_static(self, n)
    }

    /// Whether a mapping annotation says the response is something other than HTML
    /// (`produces = "application/json"`, `MediaType.TEXT_PLAIN_VALUE`).
    pub(super) fn produces_other_than_html(&self, decorators: &[Expr]) -> bool {
        decorators.iter().any(|d| match &d.kind {
            ExprKind::Call(c) => c.kwargs.iter().any(|k| {
                k.name == "produces" && {
                    let text =
                        String::from_utf8_lossy(self.src.get(k.value.span.range()).unwrap_or(&[]));
                    !text.to_ascii_lowercase().contains("html")
                }
            }),
            _ => false,
        })
    }

    /// Formal parameters; request-bound ones get their binding in `prologue`.
    pub(super) fn java_params(
        &mut self,
        ps: Node,
        is_mapping: bool,
        params: &mut Vec<Param>,
        prologue: &mut Vec<Stmt>,
    ) {
        let mut c = ps.walk();
        let kids: Vec<Node> = ps.named_children(&mut c).collect();
        for p in kids {
            let name_node = match p.kind() {
                "formal_parameter" => p.child_by_field_name("name"),
                "spread_parameter" => {
                    let mut c2 = p.walk();
                    let d = p
                        .named_children(&mut c2)
                        .find(|k| k.kind() == "variable_declarator");
                    d.and_then(|d| d.child_by_field_name("name"))
                }
                "identifier" => Some(p),
                _ => None,
            };
            let Some(nn) = name_node else { continue };
            let pname = self.field_name(self.text(nn));
            self.locals.insert(pname.clone());
            let sp = span(p);
            let mut annotations = Vec::new();
            let mut c2 = p.walk();
            let parts: Vec<Node> = p.named_children(&mut c2).collect();
            for k in &parts {
                if k.kind() == "modifiers" {
                    annotations = self.java_annotations(*k);
                }
            }
            self.pending.clear();
            let ty = p
                .child_by_field_name("type")
                .map(|t| self.java_type_name(t))
                .unwrap_or_default();
            if p.kind() == "formal_parameter" {
                self.java_declare_var(&pname, p.child_by_field_name("type"), None);
            }
            let mut bound: Vec<String> = annotations
                .iter()
                .filter_map(annotation_name)
                .filter(|a| REQUEST_ANNOTATIONS.contains(a))
                .map(str::to_string)
                .collect();
            if bound.is_empty()
                && is_mapping
                && annotations.is_empty()
                && !ty.is_empty()
                && !FRAMEWORK_TYPES.contains(&ty.as_str())
            {
                bound.push("ModelAttribute".into());
            }
            for a in bound {
                let v = var(pname.clone(), sp);
                let value = call(var(a, sp), vec![v.clone()], Vec::new(), false, sp);
                prologue.push(assign(v, value, sp));
            }
            params.push(Param {
                name: pname,
                default: None,
                span: sp,
            });
        }
    }
}

/// The simple name of an annotation expression (`RequestParam` for `@RequestParam("x")` or
/// `@org.springframework.web.bind.annotation.RequestParam`).
pub(super) fn annotation_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Name(n) | ExprKind::Attr(_, n) => Some(n),
        ExprKind::Call(c) => annotation_name(&c.callee),
        _ => None,
    }
}

/// Whether a declaration's modifiers include `static`.
pub(super) fn is_static(l: &Lowerer, n: Node) -> bool {
    let mut c = n.walk();
    n.named_children(&mut c)
        .find(|k| k.kind() == "modifiers")
        .is_some_and(|m| l.text(m).split_whitespace().any(|w| w == "static"))
}

/// A `@ResponseBody` method returning a `String` writes it as the response body, HTML unless
/// its mapping says otherwise: `return e` becomes `return ResponseBodyHtml(e)`, a sink rules
/// can name (nested functions are not touched: their returns are not the response).
pub(super) fn wrap_returns(body: &mut [Stmt]) {
    for s in body {
        match &mut s.kind {
            StmtKind::Return(Some(e)) => {
                let sp = e.span;
                let inner = std::mem::replace(e, Expr::unknown(sp));
                *e = call(
                    var("ResponseBodyHtml", sp),
                    vec![inner],
                    Vec::new(),
                    false,
                    sp,
                );
            }
            StmtKind::If { then, els, .. } => {
                wrap_returns(then);
                wrap_returns(els);
            }
            StmtKind::Loop { body, .. } => wrap_returns(body),
            _ => {}
        }
    }
}
