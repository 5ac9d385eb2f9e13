//! Where input stands in a built string. A taint rule's `safe-after` characters (`?#` for open
//! redirects: a URL's query and fragment) make input harmless for that rule when a constant
//! part of the string before it holds one of them: `f"{location}?parent={p}"`,
//! `url + "#rating-%s" % obj.id`, `"/login?next={}".format(n)`, `fmt.Sprintf("%s?q=%s", base, q)`
//! (only `q`). The parts before the character keep their taint: `f"{target}?x=1"` is still
//! reported. Only constant text counts; a variable is known to hold a character only through
//! its constant value.

use super::{Analyzer, Frame, RuleSet, Value};
use crate::index::Index;
use crate::ir::{BinOp, Call, Expr, ExprKind, Lit, Span};
use crate::lang::Lang;

/// How a format template marks where its arguments go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `%s`, `%d`… (Python's `%`, Go's `fmt.Sprintf`, Java's `String.format`).
    Percent,
    /// `{}` (Python's `str.format`).
    Brace,
}

/// The rules one of whose `safe-after` characters occurs in `s`.
pub(crate) fn rules_in_text(ix: &Index, s: &str) -> RuleSet {
    let mut out = RuleSet::default();
    for (c, rules) in &ix.safe_after {
        if s.contains(*c) {
            out = out.or(*rules);
        }
    }
    out
}

/// The rules whose `safe-after` character the string value of `e` is known to contain: in its
/// constant value, or in a constant part of the expression that builds it.
pub(crate) fn rules_known_in(ix: &Index, e: &Expr, v: &Value) -> RuleSet {
    if ix.safe_after.is_empty() {
        return RuleSet::default();
    }
    if let Some(Lit::Str(s)) = &v.konst {
        return rules_in_text(ix, s);
    }
    in_constant_parts(ix, e, 0)
}

fn in_constant_parts(ix: &Index, e: &Expr, depth: u32) -> RuleSet {
    if depth > 16 {
        return RuleSet::default();
    }
    match &e.kind {
        ExprKind::Lit(Lit::Str(s)) => rules_in_text(ix, s),
        ExprKind::StrBuild(parts) => parts.iter().fold(RuleSet::default(), |acc, p| {
            acc.or(in_constant_parts(ix, p, depth + 1))
        }),
        ExprKind::BinOp(BinOp::Add, a, b) => {
            in_constant_parts(ix, a, depth + 1).or(in_constant_parts(ix, b, depth + 1))
        }
        // Python's `template % args` keeps the template's text.
        ExprKind::BinOp(BinOp::Mod, a, _) => in_constant_parts(ix, a, depth + 1),
        _ => RuleSet::default(),
    }
}

/// For a format template, the rules for which each placeholder (in order) stands after one of
/// their `safe-after` characters; `None` when a placeholder names or numbers its argument
/// (`{name}`, `{0}`, `%(name)s`, `%1$s`, `%[1]s`, `%*d`): arguments are then not mapped to
/// places and nothing is cleaned.
pub(crate) fn placeholder_safety(ix: &Index, template: &str, style: Style) -> Option<Vec<RuleSet>> {
    let mut out = Vec::new();
    let mut seen = RuleSet::default();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match (style, c) {
            (Style::Percent, '%') => {
                if chars.peek() == Some(&'%') {
                    chars.next();
                    continue;
                }
                // Flags, width, precision, then the conversion letter.
                loop {
                    match chars.next() {
                        Some(x) if x.is_ascii_alphabetic() => break,
                        Some('(' | '$' | '[' | '*') => return None,
                        Some(_) => {}
                        None => return None,
                    }
                }
                out.push(seen);
            }
            (Style::Brace, '{') => {
                if chars.peek() == Some(&'{') {
                    chars.next();
                    continue;
                }
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(x) => field.push(x),
                        None => return None,
                    }
                }
                let name = field.split([':', '!']).next().unwrap_or("");
                if !name.is_empty() {
                    return None;
                }
                out.push(seen);
            }
            _ => {
                for (d, rules) in &ix.safe_after {
                    if c == *d {
                        seen = seen.or(*rules);
                    }
                }
            }
        }
    }
    Some(out)
}

impl Analyzer<'_> {
    /// Python's `template % args` with a constant template: each argument (the items of a
    /// tuple, or the one value) is evaluated and cleaned for the rules whose `safe-after`
    /// character comes before its placeholder. `None` when the template's placeholders are not
    /// positional (then the caller evaluates `args` as usual).
    pub(super) fn eval_percent_args(
        &mut self,
        fr: &mut Frame<'_>,
        template: &str,
        args: &Expr,
    ) -> Option<Value> {
        let safety = placeholder_safety(self.ix, template, Style::Percent)?;
        Some(match &args.kind {
            ExprKind::List(items) => {
                let mut v = Value::default();
                for (i, x) in items.iter().enumerate() {
                    let mut xv = self.eval(fr, x);
                    if let Some(s) = safety.get(i) {
                        xv.sanitize(*s);
                    }
                    v.add_labels(&xv.labels);
                }
                v
            }
            _ => {
                let mut v = self.eval(fr, args);
                // One value for every placeholder: only what holds at the first one.
                if let Some(s) = safety.first() {
                    v.sanitize(*s);
                }
                v
            }
        })
    }

    /// A format call with a constant template (`"…".format(…)` in Python, `fmt.Sprintf`,
    /// `String.format`, `"…".formatted(…)`): cleans each evaluated argument in `parts` for the
    /// rules whose `safe-after` character comes before its placeholder.
    pub(super) fn clean_format_args(
        &self,
        c: &Call,
        recv: Option<&Value>,
        parts: &mut [(Span, Value)],
    ) {
        let python = self.module.lang == Lang::Python;
        let (template, style, first) = match &c.callee.kind {
            ExprKind::Attr(_, m) if (m == "format" && python) || m == "formatted" => {
                match recv.and_then(|r| r.konst.as_ref()) {
                    Some(Lit::Str(s)) => (
                        s.clone(),
                        if python { Style::Brace } else { Style::Percent },
                        0,
                    ),
                    _ => return,
                }
            }
            _ => match c.callee.dotted().as_deref() {
                Some("fmt.Sprintf" | "String.format") => {
                    match parts.first().and_then(|(_, v)| v.konst.as_ref()) {
                        Some(Lit::Str(s)) => (s.clone(), Style::Percent, 1),
                        _ => return,
                    }
                }
                _ => return,
            },
        };
        let Some(safety) = placeholder_safety(self.ix, &template, style) else {
            return;
        };
        // Positional arguments only (keywords fill named placeholders, which map nothing).
        let positional = c.args.len().min(parts.len());
        for ((_, v), s) in parts[..positional].iter_mut().skip(first).zip(safety) {
            v.sanitize(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::RuleSet;

    fn index() -> Index {
        Index {
            safe_after: vec![('?', RuleSet::one(0)), ('#', RuleSet::one(0))],
            ..Index::default()
        }
    }

    #[test]
    fn placeholders_after_a_query_or_fragment_are_safe() {
        let ix = index();
        let r = RuleSet::one(0);
        let none = RuleSet::default();
        assert_eq!(
            placeholder_safety(&ix, "%s?next=%s&x=%d", Style::Percent),
            Some(vec![none, r, r])
        );
        assert_eq!(
            placeholder_safety(&ix, "#rating-%s", Style::Percent),
            Some(vec![r])
        );
        assert_eq!(
            placeholder_safety(&ix, "100%% of %s?%s", Style::Percent),
            Some(vec![none, r])
        );
        assert_eq!(
            placeholder_safety(&ix, "{}?q={:>4}", Style::Brace),
            Some(vec![none, r])
        );
        assert_eq!(
            placeholder_safety(&ix, "{{literal}}{}", Style::Brace),
            Some(vec![none])
        );
    }

    #[test]
    fn named_or_numbered_placeholders_map_nothing() {
        let ix = index();
        for (t, s) in [
            ("%(url)s?x=%(q)s", Style::Percent),
            ("%1$s?x=%2$s", Style::Percent),
            ("%[1]s?x=%[2]s", Style::Percent),
            ("%*d?%s", Style::Percent),
            ("{url}?x={q}", Style::Brace),
            ("{0}?x={1}", Style::Brace),
            ("unclosed {", Style::Brace),
        ] {
            assert_eq!(placeholder_safety(&ix, t, s), None, "{t}");
        }
    }

    #[test]
    fn text_without_the_characters_cleans_nothing() {
        let ix = index();
        assert!(rules_in_text(&ix, "/accounts/login/").is_empty());
        assert_eq!(rules_in_text(&ix, "/search?q="), RuleSet::one(0));
        let empty = Index::default();
        assert!(rules_in_text(&empty, "?#").is_empty());
    }
}
