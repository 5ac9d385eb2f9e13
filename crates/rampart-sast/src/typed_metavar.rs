//! Java typed metavariables in patterns, as Semgrep writes them: `(HttpServletRequest $R)`
//! matches what `$R` matches, and only where the bound code is a variable whose declared type
//! (a local, a parameter or a field: `Module::types`) has that simple name. A variable of
//! unknown type (a call's result, an untyped lambda parameter, an inherited field) does not
//! match, as in Semgrep.

use crate::ir::*;
use crate::pattern::{Binding, Ctx};
use regex::Regex;
use std::sync::OnceLock;

fn typed() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"\(\s*([A-Za-z_][\w.]*)\s*(?:<[^()]*>)?\s+(\$[A-Z_][A-Z0-9_]*)\s*\)")
            .expect("typed metavariable pattern")
    })
}

/// The pattern text with each `(T $X)` written as `$X`, and the (metavariable, simple type
/// name) constraints. A parenthesis that follows a name (`f(String $X)`: a call or a
/// declaration's parameters) is left alone.
pub fn strip(text: &str) -> (String, Vec<(String, String)>) {
    let mut types = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for c in typed().captures_iter(text) {
        let whole = c.get(0).expect("match");
        let before = text[..whole.start()].trim_end();
        if before.ends_with(|ch: char| ch.is_alphanumeric() || ch == '_' || ch == '>' || ch == '$')
        {
            continue;
        }
        out.push_str(&text[last..whole.start()]);
        out.push_str(&c[2]);
        types.push((
            c[2].to_string(),
            c[1].rsplit('.').next().unwrap_or("").to_string(),
        ));
        last = whole.end();
    }
    out.push_str(&text[last..]);
    (out, types)
}

/// Whether the code bound by `b` is a variable declared with type `ty` (simple name).
pub fn has_type(ctx: &Ctx, b: &Binding, ty: &str) -> bool {
    declared_type(ctx.module, b.span, &b.text).is_some_and(|t| t == ty)
}

/// The declared type of the variable `text` (`x` or `this.x`) written at `at`: a local or
/// parameter of the innermost function around it or of the functions around that, else a
/// field of their classes.
fn declared_type<'m>(m: &'m Module, at: Span, text: &str) -> Option<&'m str> {
    let (name, field_only) = match text.strip_prefix("this.") {
        Some(f) => (f, true),
        None => (text, false),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    {
        return None;
    }
    // The innermost function whose definition contains the place.
    let mut inner: Option<FuncId> = None;
    for (i, f) in m.functions.iter().enumerate().skip(1) {
        if f.span.contains(at) && inner.is_none_or(|j| m.functions[j].span.contains(f.span)) {
            inner = Some(i);
        }
    }
    let mut f = Some(inner.unwrap_or(0));
    let key = name.to_string();
    for _ in 0..64 {
        let x = f?;
        if !field_only && let Some(t) = m.types.vars.get(&(x, key.clone())) {
            return Some(t);
        }
        if let Some(ci) = m.functions[x].class
            && let Some(t) = m.types.fields.get(&(ci, key.clone()))
        {
            return Some(t);
        }
        f = m.functions[x].parent;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Family, Lang};
    use crate::pattern::{Match, Pattern};

    fn count(pat: &str, src: &str) -> usize {
        let p = Pattern::parse(pat, Family::Java).unwrap();
        let tree = crate::lang::parse(Lang::Java, src.as_bytes(), None).unwrap();
        let m = crate::lower::lower(Lang::Java, &tree, src.as_bytes());
        let ctx = Ctx {
            module: &m,
            src: src.as_bytes(),
        };
        let mut n = 0;
        crate::walk::walk_module(&m, &mut |node, _| {
            let mut mm = Match::default();
            if p.matches(node, &ctx, &mut mm) {
                n += 1;
            }
        });
        n
    }

    #[test]
    fn strips_typed_metavariables_but_not_parameters() {
        let (t, ty) = strip("(javax.servlet.http.HttpServletRequest $R).getParameter(...)");
        assert_eq!(t, "$R.getParameter(...)");
        assert_eq!(ty, [("$R".to_string(), "HttpServletRequest".to_string())]);
        let (t, ty) = strip("(List<String> $L).add($X)");
        assert_eq!((t.as_str(), ty.len()), ("$L.add($X)", 1));
        let (t, ty) = strip("void $F(String $X) { ... }");
        assert_eq!((t.as_str(), ty.len()), ("void $F(String $X) { ... }", 0));
    }

    #[test]
    fn a_typed_metavariable_matches_only_variables_of_that_type() {
        let src = "class A {\n  private HttpServletRequest request;\n  void f(HttpServletRequest req, Transformer t) {\n    req.getParameter(\"a\");\n    t.getParameter(\"b\");\n    request.getParameter(\"c\");\n    getRequest().getParameter(\"d\");\n    Runnable r = () -> { String x = req.getParameter(\"e\"); };\n  }\n}\n";
        assert_eq!(count("(HttpServletRequest $R).getParameter(...)", src), 3);
        assert_eq!(count("(Transformer $R).getParameter(...)", src), 1);
        assert_eq!(count("$R.getParameter(...)", src), 5);
    }
}
