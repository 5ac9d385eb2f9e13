//! The JSP Expression Language (`${…}`) lowered to the IR, for the data it carries:
//! - the request's implicit objects (`param`, `paramValues`, `header`, `headerValues`,
//!   `cookie`, and `pageContext.request.queryString`/`requestURI`/`requestURL`/`pathInfo`)
//!   are `JspParam("name")`, which rules name as a source;
//! - `fn:escapeXml(e)` is `JspEscapeXml(e)` (a sanitiser in rule data); other functions
//!   `p:f(a)` are calls of `f` (their result carries their arguments' data);
//! - names are page variables (`<c:set var>`), fields and indexes are accesses;
//! - comparisons, logic, `empty` and arithmetic give booleans or numbers (EL's `+` only adds
//!   numbers): no data; `a ? b : c` is `b` or `c`; string concatenation `+=` and `;` keep
//!   both sides.

use super::build::{attr, call, lit, str_lit, var};
use crate::ir::*;

/// Deepest nesting lowered; deeper EL is an opaque value.
const MAX_EL_DEPTH: usize = 64;

/// Implicit objects whose values come from the request.
const REQUEST_OBJECTS: &[&str] = &["param", "paramValues", "header", "headerValues", "cookie"];

/// Properties of `pageContext.request` that come from the request.
const REQUEST_PROPERTIES: &[&str] = &["queryString", "requestURI", "requestURL", "pathInfo"];

/// Word operators of EL (all give booleans or numbers).
const WORD_OPS: &[&str] = &[
    "and",
    "or",
    "not",
    "eq",
    "ne",
    "lt",
    "gt",
    "le",
    "ge",
    "div",
    "mod",
    "empty",
    "instanceof",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Punct(&'static str),
}

/// Multi-byte punctuation first.
const PUNCT: &[&str] = &[
    "+=", "->", "==", "!=", "<=", ">=", "&&", "||", ".", "[", "]", "(", ")", "?", ":", ",", "!",
    "<", ">", "+", "-", "*", "/", "%", "=", ";", "{", "}",
];

fn tokens(text: &str, base: usize) -> Vec<(Tok, Span)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let tok = if c == b'\'' || c == b'"' {
            i += 1;
            let mut s = String::new();
            while i < b.len() && b[i] != c {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                let ch = text[i..].chars().next().unwrap_or(' ');
                s.push(ch);
                i += ch.len_utf8();
            }
            i += 1;
            Tok::Str(s)
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            Tok::Num(text[start..i].to_string())
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 {
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'$') || b[i] >= 0x80)
            {
                i += 1;
            }
            Tok::Ident(text[start..i].to_string())
        } else if let Some(p) = PUNCT.iter().find(|p| text[i..].starts_with(**p)) {
            i += p.len();
            Tok::Punct(p)
        } else {
            i += 1;
            continue;
        };
        out.push((tok, Span::new(base + start, base + i.min(b.len()))));
    }
    out
}

struct Parser<'p> {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    depth: usize,
    fn_prefix: &'p str,
    whole: Span,
}

/// Lowers the EL expression `text`, which starts at byte `base` of the page; `fn_prefix`
/// is the JSTL functions' prefix.
pub(super) fn el_expr(text: &str, base: usize, fn_prefix: &str) -> Expr {
    let whole = Span::new(base, base + text.len());
    let mut p = Parser {
        toks: tokens(text, base),
        pos: 0,
        depth: 0,
        fn_prefix,
        whole,
    };
    let mut parts = Vec::new();
    while p.pos < p.toks.len() {
        let before = p.pos;
        parts.push(p.ternary());
        if p.pos == before {
            p.pos += 1;
        }
    }
    match parts.len() {
        1 => parts.pop().unwrap_or_else(|| Expr::unknown(whole)),
        _ => Expr::new(ExprKind::Unknown(parts), whole),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn span_here(&self) -> Span {
        self.toks.get(self.pos).map_or(self.whole, |(_, s)| *s)
    }

    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(x)) if *x == p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn ternary(&mut self) -> Expr {
        self.depth += 1;
        let e = if self.depth > MAX_EL_DEPTH {
            self.pos = self.toks.len();
            Expr::unknown(self.whole)
        } else {
            let cond = self.binary();
            if self.eat("?") {
                let a = self.ternary();
                self.eat(":");
                let b = self.ternary();
                let sp = Span::new(cond.span.start as usize, b.span.end as usize);
                // The condition only chooses: the value is one of the branches.
                Expr::new(ExprKind::Unknown(vec![a, b]), sp)
            } else {
                cond
            }
        };
        self.depth -= 1;
        e
    }

    fn binary(&mut self) -> Expr {
        let first = self.unary();
        let mut kept = vec![first];
        let mut clean = false;
        loop {
            let op = match self.peek() {
                Some(Tok::Punct(p))
                    if !matches!(*p, "." | "[" | "]" | "(" | ")" | "?" | ":" | ",")
                        && *p != "}"
                        && *p != "{" =>
                {
                    *p
                }
                Some(Tok::Ident(w))
                    if WORD_OPS.contains(&w.as_str()) && w != "not" && w != "empty" =>
                {
                    "word"
                }
                _ => break,
            };
            self.pos += 1;
            let rhs = self.unary();
            if matches!(op, "+=" | ";") {
                kept.push(rhs);
            } else {
                clean = true;
                kept.push(rhs);
            }
        }
        if kept.len() == 1 {
            return kept.pop().unwrap_or_else(|| Expr::unknown(self.whole));
        }
        let sp = Span::new(
            kept[0].span.start as usize,
            kept.last()
                .map_or(kept[0].span.end as usize, |e| e.span.end as usize),
        );
        if clean {
            // A boolean or a number: no data of the operands.
            Expr::unknown(sp)
        } else {
            Expr::new(ExprKind::Unknown(kept), sp)
        }
    }

    fn unary(&mut self) -> Expr {
        let sp = self.span_here();
        let negation = match self.peek() {
            Some(Tok::Punct("!" | "-")) => true,
            Some(Tok::Ident(w)) => w == "not" || w == "empty",
            _ => false,
        };
        if negation {
            self.pos += 1;
            self.depth += 1;
            let e = if self.depth > MAX_EL_DEPTH {
                self.pos = self.toks.len();
                Expr::unknown(self.whole)
            } else {
                self.unary()
            };
            self.depth -= 1;
            return Expr::unknown(Span::new(sp.start as usize, e.span.end as usize));
        }
        self.postfix()
    }

    fn args(&mut self) -> Vec<Expr> {
        let mut args = Vec::new();
        while self.pos < self.toks.len() && !self.eat(")") {
            let before = self.pos;
            args.push(self.ternary());
            self.eat(",");
            if self.pos == before {
                self.pos += 1;
            }
        }
        args
    }

    fn postfix(&mut self) -> Expr {
        let mut e = self.primary();
        loop {
            if self.eat(".") {
                let Some((Tok::Ident(f), fs)) = self.toks.get(self.pos).cloned() else {
                    break;
                };
                self.pos += 1;
                let sp = Span::new(e.span.start as usize, fs.end as usize);
                let from_request = REQUEST_PROPERTIES.contains(&f.as_str())
                    && matches!(&e.kind, ExprKind::Attr(b, r) if r == "request"
                        && matches!(&b.kind, ExprKind::Name(n) if n == "pageContext"));
                e = if from_request {
                    request(&format!("pageContext.request.{f}"), sp)
                } else if self.eat("(") {
                    let args = self.args();
                    let end = self
                        .toks
                        .get(self.pos.saturating_sub(1))
                        .map_or(sp.end as usize, |t| t.1.end as usize);
                    call(
                        attr(e, f, sp),
                        args,
                        Vec::new(),
                        false,
                        Span::new(sp.start as usize, end),
                    )
                } else {
                    attr(e, f, sp)
                };
            } else if self.eat("[") {
                let k = self.ternary();
                let end = self.span_here().end as usize;
                self.eat("]");
                let sp = Span::new(e.span.start as usize, end);
                e = Expr::new(ExprKind::Subscript(Box::new(e), Box::new(k)), sp);
            } else {
                break;
            }
        }
        e
    }

    fn primary(&mut self) -> Expr {
        let Some((tok, sp)) = self.toks.get(self.pos).cloned() else {
            return Expr::unknown(self.whole);
        };
        self.pos += 1;
        match tok {
            Tok::Str(s) => str_lit(s, sp),
            Tok::Num(n) => match n.parse::<i64>() {
                Ok(v) => lit(Lit::Int(v), sp),
                Err(_) => Expr::unknown(sp),
            },
            Tok::Punct("(") => {
                let e = self.ternary();
                self.eat(")");
                e
            }
            Tok::Punct(_) => Expr::unknown(sp),
            Tok::Ident(w) => match w.as_str() {
                "true" => lit(Lit::Bool(true), sp),
                "false" => lit(Lit::Bool(false), sp),
                "null" => lit(Lit::Null, sp),
                _ if REQUEST_OBJECTS.contains(&w.as_str()) => request(&w, sp),
                _ => {
                    // `prefix:function(args)`.
                    if matches!(self.peek(), Some(Tok::Punct(":")))
                        && matches!(self.toks.get(self.pos + 1), Some((Tok::Ident(_), _)))
                        && matches!(self.toks.get(self.pos + 2), Some((Tok::Punct("("), _)))
                    {
                        let Some((Tok::Ident(f), fs)) = self.toks.get(self.pos + 1).cloned() else {
                            return var(w, sp);
                        };
                        self.pos += 3;
                        let args = self.args();
                        let end = self
                            .toks
                            .get(self.pos.saturating_sub(1))
                            .map_or(fs.end as usize, |t| t.1.end as usize);
                        let whole = Span::new(sp.start as usize, end);
                        let name = if w == self.fn_prefix && f == "escapeXml" {
                            "JspEscapeXml".to_string()
                        } else {
                            f
                        };
                        return call(
                            var(name, Span::new(sp.start as usize, fs.end as usize)),
                            args,
                            Vec::new(),
                            false,
                            whole,
                        );
                    }
                    if self.eat("(") {
                        let args = self.args();
                        return call(var(w, sp), args, Vec::new(), false, sp);
                    }
                    var(w, sp)
                }
            },
        }
    }
}

/// `JspParam("name")`: request data read through an implicit object.
fn request(name: &str, sp: Span) -> Expr {
    call(
        var("JspParam", sp),
        vec![str_lit(name, sp)],
        Vec::new(),
        false,
        sp,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(e: &Expr) -> Vec<String> {
        let mut out = Vec::new();
        e.walk(&mut |x| {
            if let ExprKind::Name(n) = &x.kind {
                out.push(n.clone());
            }
        });
        out
    }

    #[test]
    fn request_objects_are_sources_and_escaping_is_a_call() {
        let e = el_expr("param.name", 10, "fn");
        assert_eq!(names(&e), vec!["JspParam"]);
        assert_eq!(e.span, Span::new(10, 20));
        let e = el_expr("fn:escapeXml(header['User-Agent'])", 0, "fn");
        assert_eq!(names(&e), vec!["JspEscapeXml", "JspParam"]);
        let e = el_expr("pageContext.request.queryString", 0, "fn");
        assert_eq!(names(&e), vec!["JspParam"]);
        let e = el_expr("pageContext.request.contextPath", 0, "fn");
        assert_eq!(names(&e), vec!["pageContext"]);
    }

    #[test]
    fn comparisons_and_arithmetic_carry_no_data_but_choices_do() {
        assert!(names(&el_expr("param.a == 'x'", 0, "fn")).is_empty());
        assert!(names(&el_expr("not empty param.a", 0, "fn")).is_empty());
        assert!(names(&el_expr("param.n + 1", 0, "fn")).is_empty());
        assert_eq!(
            names(&el_expr("ok ? param.a : 'none'", 0, "fn")),
            vec!["JspParam"]
        );
        assert_eq!(names(&el_expr("'a' += param.b", 0, "fn")), vec!["JspParam"]);
    }

    #[test]
    fn malformed_or_deep_el_is_lowered_without_panicking() {
        let deep = ["(".repeat(500), "!".repeat(5000), "a ? ".repeat(500)];
        for t in ["", "(((", "a.", "fn:", "x[", "'unclosed", ")", "a ? b"]
            .into_iter()
            .chain(deep.iter().map(String::as_str))
        {
            let _ = el_expr(t, 0, "fn");
        }
    }
}
