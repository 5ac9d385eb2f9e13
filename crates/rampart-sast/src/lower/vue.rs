//! Vue single-file components (`.vue`): the `<script>` blocks are JavaScript/TypeScript, and
//! the `<template>`'s `v-html="expr"` bindings write `expr` into the page as HTML.
//!
//! [`split`] makes a copy of the file of the same length in which everything but the scripts'
//! contents and the `v-html` expressions is blanked (line breaks kept), so the syntax tree's
//! byte offsets, and every finding's line and column, are the original file's. Each binding's
//! expression is fenced as its own statement (`;(expr);`, written over the attribute's `="` and
//! `"` and the byte after it). The lowering then lowers the scripts as usual and the bindings
//! into one function, `<template>`, run after them (a component renders after its script ran):
//! each binding becomes `VueVHtml(expr)`, a sink `js-xss` names.
//!
//! What names in a template mean: with `<script setup>` (or no component object) the
//! template sees the script's top-level bindings, so `<template>` is a function nested in the
//! module body and reads them as a closure does (refs read whole: `html` is `html.value`). With
//! the Options API (`export default { … }`, `defineComponent({ … })`) names are the
//! component's data, computed properties, props and methods: the component object's methods
//! (at any depth of its object, `computed: { … }` and `methods: { … }` included) are methods of a
//! class, `this.x` is shared among them, and `<template>` is a method of that class in which a
//! bare name `x` is `this.x` (a computed property or method named without a call, `this.x()`).

use super::build::{attr, call, expr_stmt, var};
use super::{Lowerer, span};
use crate::ir::*;
use regex::bytes::Regex;
use std::sync::OnceLock;
use tree_sitter::Node;

/// The made-up call around a `v-html` binding's expression.
pub const VUE_V_HTML: &str = "VueVHtml";

/// A `.vue` file prepared for parsing.
#[derive(Debug, Clone)]
pub struct Sfc {
    /// The file with everything but the scripts and the bindings' expressions blanked.
    pub text: Vec<u8>,
    /// Whether a script says `lang="ts"`/`"tsx"` (parsed as TypeScript; else JavaScript).
    pub typescript: bool,
    /// The `<template>` element, if any.
    pub template: Option<Span>,
    /// Each `v-html` binding: the attribute, and where its fenced expression statement starts
    /// (the `(` written over the opening quote).
    pub bindings: Vec<(Span, usize)>,
}

struct Patterns {
    script: Regex,
    template_open: Regex,
    template_close: Regex,
    binding: Regex,
    lang_ts: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        // Top-level blocks start their line (nested `<template v-if>` elements are indented,
        // and a comment that mentions `<script>` is not a block).
        script: Regex::new(r"(?ims)^<script\b([^>]*)>(.*?)</script\s*>").expect("script pattern"),
        template_open: Regex::new(r"(?im)^<template\b[^>]*>").expect("template pattern"),
        template_close: Regex::new(r"(?im)^</template\s*>").expect("template pattern"),
        // `v-html="…"`, and the same property bound directly (`:innerHTML`, `v-bind:innerHTML`).
        binding: Regex::new(r#"(?:^|\s)(?:v-html|(?:v-bind)?:inner(?:HTML|-html))\s*=\s*(["'])"#)
            .expect("binding pattern"),
        lang_ts: Regex::new(r#"(?i)\blang\s*=\s*["']?tsx?\b"#).expect("lang pattern"),
    })
}

/// Prepares a `.vue` file: its scripts and `v-html` expressions at their own offsets.
pub fn split(src: &[u8]) -> Sfc {
    let p = patterns();
    let mut text: Vec<u8> = src
        .iter()
        .map(|&b| if b == b'\n' || b == b'\r' { b } else { b' ' })
        .collect();
    let mut typescript = false;
    let mut scripts = Vec::new();
    for c in p.script.captures_iter(src) {
        let (Some(attrs), Some(body)) = (c.get(1), c.get(2)) else {
            continue;
        };
        typescript |= p.lang_ts.is_match(attrs.as_bytes());
        text[body.range()].copy_from_slice(&src[body.range()]);
        scripts.push(body.range());
    }
    let outside_scripts = |i: usize| !scripts.iter().any(|r| r.contains(&i));
    // The template: from the first `<template …>` that starts a line outside the scripts to
    // the last `</template>` that starts one.
    let open = p
        .template_open
        .find_iter(src)
        .find(|m| outside_scripts(m.start()));
    let template = open.and_then(|o| {
        let close = p
            .template_close
            .find_iter(src)
            .filter(|m| m.start() >= o.end() && outside_scripts(m.start()))
            .last()?;
        Some(Span::new(o.start(), close.end()))
    });
    let mut bindings = Vec::new();
    if let Some(t) = template {
        let body = t.range();
        for c in p.binding.captures_iter(&src[body.clone()]) {
            let Some(q) = c.get(1) else { continue };
            let quote_at = body.start + q.start();
            let quote = src[quote_at];
            let from = quote_at + 1;
            let Some(len) = src[from..body.end].iter().position(|&b| b == quote) else {
                continue;
            };
            let close = from + len;
            if !outside_scripts(from) || close + 1 >= src.len() || quote_at == 0 {
                continue;
            }
            // `;(` over `="`, the expression, `);` over `"` and the byte after it.
            text[from..close].copy_from_slice(&src[from..close]);
            text[quote_at - 1] = b';';
            text[quote_at] = b'(';
            text[close] = b')';
            if !matches!(src[close + 1], b'\n' | b'\r') {
                text[close + 1] = b';';
            }
            let whole_start = body.start + c.get(0).map_or(q.start(), |m| m.start());
            let attr_start = whole_start
                + src[whole_start..quote_at]
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .unwrap_or(0);
            bindings.push((Span::new(attr_start, close + 1), quote_at));
        }
    }
    Sfc {
        text,
        typescript,
        template,
        bindings,
    }
}

/// The component object of a script's top level: `export default { … }`, or the object passed
/// to `defineComponent(…)`/`Vue.extend(…)`/`Vue.component(name, …)` there.
fn component_object(root: Node) -> Option<(usize, usize)> {
    let mut c = root.walk();
    for n in root.named_children(&mut c) {
        if n.kind() != "export_statement" {
            continue;
        }
        let Some(v) = n.child_by_field_name("value") else {
            continue;
        };
        if v.kind() == "object" {
            return Some((v.start_byte(), v.end_byte()));
        }
        if v.kind() == "call_expression"
            && let Some(args) = v.child_by_field_name("arguments")
        {
            let mut c2 = args.walk();
            let obj = args.named_children(&mut c2).find(|a| a.kind() == "object");
            if let Some(o) = obj {
                return Some((o.start_byte(), o.end_byte()));
            }
        }
    }
    None
}

impl Lowerer<'_> {
    /// Lowers a `.vue` file parsed from [`Sfc::text`]: the scripts, then the bindings as the
    /// `<template>` function.
    pub(crate) fn lower_vue(&mut self, root: Node, sfc: &Sfc) {
        self.component = component_object(root).map(|(start, end)| (start, end, None));
        let mut body = Vec::new();
        let mut exprs: Vec<(Span, Node)> = Vec::new();
        let mut c = root.walk();
        let kids: Vec<Node> = root.named_children(&mut c).collect();
        for k in kids {
            let binding = sfc
                .bindings
                .iter()
                .find(|(_, at)| k.start_byte() == *at)
                .map(|(sp, _)| *sp);
            match (binding, k.named_child(0)) {
                (Some(sp), Some(e)) if k.kind() == "expression_statement" => exprs.push((sp, e)),
                _ => self.js_stmt(k, &mut body),
            }
        }
        self.module.functions[0].body = body;
        if exprs.is_empty() {
            return;
        }
        let class = self.component.and_then(|(_, _, c)| c);
        let tspan = sfc.template.unwrap_or_else(|| span(root));
        self.cur_class = class;
        let scope = self.begin_function("<template>".into(), tspan);
        let mut stmts = Vec::new();
        for (sp, e) in exprs {
            let mut x = self.js_expr(e);
            if let Some(ci) = class {
                self.on_instance(&mut x, ci);
            }
            self.flush(&mut stmts);
            stmts.push(expr_stmt(
                call(var(VUE_V_HTML, sp), vec![x], Vec::new(), false, sp),
                sp,
            ));
        }
        self.end_function(scope, Vec::new(), stmts);
        self.cur_class = None;
    }

    /// The class the component object's methods belong to, when `obj` (an object literal
    /// being lowered in the current function) is, or is inside, the component object.
    pub(crate) fn component_class_for(&mut self, obj: Node) -> Option<ClassId> {
        let (start, end, class) = self.component?;
        // The component object and the objects nested in it (`computed: { … }`), not those of
        // its methods' bodies.
        if self.cur_fn != 0 || obj.start_byte() < start || obj.end_byte() > end {
            return None;
        }
        if let Some(c) = class {
            return Some(c);
        }
        let c = self.new_class("<component>".into(), Vec::new(), span(obj));
        self.component = Some((start, end, Some(c)));
        Some(c)
    }

    /// A template expression of an Options API component: bare names are the instance's
    /// (`x` is `this.x`; a method named without a call, as a computed property is, is called).
    fn on_instance(&self, e: &mut Expr, ci: ClassId) {
        let sp = e.span;
        match &mut e.kind {
            ExprKind::Name(n) => {
                let field = attr(var("this", sp), n.clone(), sp);
                *e = if self.module.method_named(ci, n).is_some() {
                    call(field, Vec::new(), Vec::new(), false, sp)
                } else {
                    field
                };
            }
            ExprKind::Call(c) => {
                if let ExprKind::Name(n) = &c.callee.kind {
                    c.callee = attr(var("this", c.callee.span), n.clone(), c.callee.span);
                } else {
                    self.on_instance(&mut c.callee, ci);
                }
                for a in &mut c.args {
                    self.on_instance(a, ci);
                }
            }
            ExprKind::Attr(b, _) => self.on_instance(b, ci),
            ExprKind::Subscript(b, k) => {
                self.on_instance(b, ci);
                self.on_instance(k, ci);
            }
            ExprKind::BinOp(_, a, b) => {
                self.on_instance(a, ci);
                self.on_instance(b, ci);
            }
            ExprKind::Cond(c, a, b) => {
                self.on_instance(c, ci);
                self.on_instance(a, ci);
                self.on_instance(b, ci);
            }
            ExprKind::Not(a) => self.on_instance(a, ci),
            ExprKind::StrBuild(parts) | ExprKind::List(parts) | ExprKind::Unknown(parts) => {
                for p in parts {
                    self.on_instance(p, ci);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_offsets_and_fences_bindings() {
        let src = "<template>\n  <div v-html=\"msg\"></div>\n</template>\n<script setup lang=\"ts\">\nconst msg = 1\n</script>\n";
        let sfc = split(src.as_bytes());
        assert_eq!(sfc.text.len(), src.len());
        assert!(sfc.typescript);
        let text = String::from_utf8(sfc.text.clone()).unwrap();
        assert!(text.contains(";(msg);"), "{text}");
        assert_eq!(text.find("const msg"), src.find("const msg"));
        assert_eq!(text.lines().count(), src.lines().count());
        assert_eq!(sfc.bindings.len(), 1);
        let (attr, _) = sfc.bindings[0];
        assert_eq!(&src[attr.range()], "v-html=\"msg\"");
    }

    #[test]
    fn no_template_no_bindings() {
        let sfc = split(b"<script>\nexport default {}\n</script>\n");
        assert!(sfc.bindings.is_empty() && sfc.template.is_none() && !sfc.typescript);
    }
}
