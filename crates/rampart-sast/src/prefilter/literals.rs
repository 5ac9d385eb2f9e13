//! Necessary literals of formulas and regexes: for a formula, clauses of literals (a CNF) such
//! that the formula can only match in a file containing, for every clause, at least one of its
//! literals (ASCII case-insensitively). An empty list of clauses is "always on".
//!
//! Where the literals come from:
//! - a pattern: its index key (`getParameter` for `$X.getParameter(...)`), the name a node must
//!   have at its head to be tried at all (`Formula::keys`, `Ctx::key_of`). The key of a node is
//!   an identifier of the code, an import's name, or a constant map key (`m.get("k")`, Java),
//!   all written in the file, except for the names the lowerings make up, which are replaced by
//!   what makes the lowering produce them ([`synthesized`]);
//! - `pattern-regex`: the regex's necessary literals ([`regex_cnf`]);
//! - `metavariable-regex`: the same, where the bound text or the constant it names comes from
//!   the file (see [`Konst`]).
//!
//! Nothing is derived from string literals of patterns (patterns see through constants), nor
//! from negative parts (`pattern-not`, `pattern-not-inside`, `pattern-not-regex`).

use crate::formula::Formula;
use crate::ir::{Expr, ExprKind};
use crate::lang::Family;
use crate::pattern::PatNode;
use regex_syntax::hir::{Class, Hir, HirKind};

/// A literal: bytes, matched as written or, from a `(?i)` regex, ASCII case-insensitively (then
/// in lower case); a name only as a whole word.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lit {
    /// The bytes.
    pub text: Vec<u8>,
    /// Whether any ASCII case matches.
    pub ci: bool,
    /// A name (an identifier of the code, a part of an import's path): it counts only where the
    /// text around it is no identifier character (`[A-Za-z0-9_$]`), as a node's name is a whole
    /// identifier (`getParameter` is not in `getParameterNames`).
    pub word: bool,
    /// Whether it may stand in a string constant, whose escapes are resolved (a
    /// `metavariable-regex` tried on a constant, a Java map key `m.get("k")` read as `m.k`):
    /// then it is also looked for in the text without backslashes. Not part of its identity.
    pub konst: bool,
}

impl Lit {
    /// A name, matched as a whole word.
    pub fn name(s: &str) -> Lit {
        Lit {
            text: s.as_bytes().to_vec(),
            ci: false,
            word: true,
            konst: false,
        }
    }

    /// The same literal, marked as possibly in a string constant.
    fn in_konst(mut self) -> Lit {
        self.konst = true;
        self
    }
}

/// Clauses of literals: each clause needs one of its literals in the file. Empty: no
/// condition.
pub type Cnf = Vec<Vec<Lit>>;

/// Literals shorter than this are not worth a condition (they occur in nearly every file).
const MIN_LITERAL: usize = 3;

/// How a `metavariable-regex` may see text that is not written in the file as such: it is also
/// tried on the constant the bound name stands for (`Formula::MetavarRegex`), which is a string
/// literal's value with its escapes resolved (checked against the text without backslashes,
/// `Prefilter::scan`) or, in Python, adjacent literals joined (`"pass" "word"`), or an integer
/// in decimal (`0x1BB` is `443`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Konst {
    /// Literals of a `metavariable-regex` hold (Java, JavaScript, Go) unless made of digits.
    NoDigits,
    /// Python: a `metavariable-regex` gives no condition.
    Ignore,
}

impl Konst {
    /// How constants of `family` are written.
    pub fn of(family: Family) -> Konst {
        match family {
            Family::Python => Konst::Ignore,
            _ => Konst::NoDigits,
        }
    }
}

/// The condition for `f` to match in a file.
pub fn formula_cnf(f: &Formula, konst: Konst) -> Cnf {
    // A text-only formula binds metavariables from regex groups: text, never a constant.
    let konst_free = f.is_text_only();
    cnf(f, konst, konst_free)
}

fn cnf(f: &Formula, konst: Konst, konst_free: bool) -> Cnf {
    match f {
        Formula::Pattern(p) => {
            // An attribute read (not a call) may be a Java map entry under a constant key.
            let attr = matches!(&p.node, PatNode::Expr(e) if matches!(e.kind, ExprKind::Attr(..)));
            let mut out = match &p.key {
                Some(k) if !k.starts_with('$') => vec![
                    synthesized(k)
                        .into_iter()
                        .map(|l| if attr { l.in_konst() } else { l })
                        .collect(),
                ],
                _ => Vec::new(),
            };
            // A typed metavariable (`(HttpServletRequest $R)`): the variable is declared with
            // that type in the file (`typed_metavar.rs`).
            out.extend(p.types.iter().map(|(_, ty)| vec![Lit::name(ty)]));
            if let PatNode::Expr(e) = &p.node {
                out.extend(qualifiers(e).into_iter().map(|q| vec![Lit::name(&q)]));
            }
            clean(out)
        }
        Formula::Either(v) => {
            let alts: Vec<Cnf> = v.iter().map(|a| cnf(a, konst, konst_free)).collect();
            if alts.iter().any(Vec::is_empty) {
                return Vec::new();
            }
            either(&alts)
        }
        Formula::All(v) => v
            .iter()
            .flat_map(|x| match x {
                Formula::Pattern(_)
                | Formula::Either(_)
                | Formula::All(_)
                | Formula::Regex(_)
                | Formula::MetavarRegex(..)
                | Formula::MetavarPattern(..) => cnf(x, konst, konst_free),
                _ => Vec::new(),
            })
            .collect(),
        Formula::Regex(re) => regex_cnf(re.0.as_str()),
        Formula::MetavarRegex(_, re) => {
            if konst_free {
                return regex_cnf(re.as_str());
            }
            match konst {
                Konst::Ignore => Vec::new(),
                Konst::NoDigits => whole_cnf(re.as_str())
                    .unwrap_or_else(|| regex_cnf(re.as_str()))
                    .into_iter()
                    .filter(|c| {
                        c.iter()
                            .all(|l| !l.text.iter().all(|b| b.is_ascii_digit() || *b == b'-'))
                    })
                    .map(|c| c.into_iter().map(Lit::in_konst).collect())
                    .collect(),
            }
        }
        // The nested formula matches inside the bound code (a regex: on its text).
        Formula::MetavarPattern(_, inner) => cnf(inner, konst, konst_free),
        Formula::Not(_)
        | Formula::Inside(_)
        | Formula::NotInside(_)
        | Formula::Focus(_)
        | Formula::NotRegex(_) => Vec::new(),
    }
}

/// The qualifiers of the dotted name a pattern calls or is (`Math` and `random` of
/// `Math.random()`, its last part being the key): a dotted name without metavariables matches
/// code written the same way, or code whose import gives its head (`Pattern::matches`,
/// `Ctx::canonical`, `Ctx::go_default_named`), so each part is written in the file: in the code,
/// or in the import's module path. Except the heads the lowerings make up: Java's implicit
/// `this` (a bare field is `this.f`) and JSX's `JSX`.
fn qualifiers(e: &Expr) -> Vec<String> {
    let mut head = e;
    while let ExprKind::Call(c) = &head.kind {
        head = &c.callee;
    }
    let mut has_metavar = false;
    head.walk(&mut |x| {
        has_metavar |= matches!(x.kind, ExprKind::MetaVar(_) | ExprKind::Ellipsis)
            || matches!(&x.kind, ExprKind::Attr(_, f) if f.starts_with('$'));
    });
    let Some(dotted) = head.dotted().filter(|_| !has_metavar) else {
        return Vec::new();
    };
    let parts: Vec<&str> = dotted.split('.').collect();
    parts[..parts.len().saturating_sub(1)]
        .iter()
        .filter(|q| !q.is_empty() && !q.starts_with('$') && !matches!(**q, "this" | "JSX"))
        .map(|q| q.to_string())
        .collect()
}

/// The literals whose presence may make a lowering produce the made-up name `key`, with `key`
/// itself (written in the file, it is a name like any other). Names the lowerings make up:
/// Spring's `ModelAttribute(p)` for a parameter of a request-mapping method
/// (`lower/java_decl.rs`, `MAPPINGS`), `ResponseBodyHtml(e)` for the return of a
/// `@ResponseBody` / `@RestController` method, `MainArgs(args)` for `main`'s arguments, Python's
/// `ViewReturnHtml(e)` for a Flask/Quart view or an `HTMLResponse` one (`lower/py_views.rs`),
/// and Django's `DjangoUrlParam` (made in the project pass: no condition). JSP's and Vue's made-up
/// names are not listed: pages and components are never filtered (`Prefilter::applies`).
pub fn synthesized(key: &str) -> Vec<Lit> {
    let extra: &[&str] = match key {
        "ModelAttribute" => crate::lower::java_decl::MAPPINGS,
        "ResponseBodyHtml" => &["ResponseBody", "RestController"],
        "MainArgs" => &["main"],
        crate::lower::py_views::VIEW_RETURN_HTML => &["flask", "quart", "HTMLResponse"],
        crate::engine::django::DJANGO_URL_PARAM => return vec![Lit::name("")],
        _ => &[],
    };
    std::iter::once(key)
        .chain(extra.iter().copied())
        .map(Lit::name)
        .collect()
}

/// Drops the clauses that hold in nearly every file (a literal shorter than [`MIN_LITERAL`], or
/// an empty one), and duplicate literals inside a clause.
fn clean(cnf: Cnf) -> Cnf {
    cnf.into_iter()
        .filter(|c| !c.is_empty() && c.iter().all(|l| l.text.len() >= MIN_LITERAL))
        .map(|mut c| {
            c.sort();
            c.dedup();
            c
        })
        .collect()
}

/// Most clauses an alternation's condition is distributed into (past it, each alternative
/// gives its most selective clause, all in one).
const MAX_CLAUSES: usize = 16;

/// The condition of one of several alternatives holding (none is empty): `(a1 ∧ a2) ∨ b1` is
/// `(a1 ∨ b1) ∧ (a2 ∨ b1)` while that stays small.
fn either(alts: &[Cnf]) -> Cnf {
    let mut out: Cnf = vec![Vec::new()];
    for alt in alts {
        if out.len() * alt.len() > MAX_CLAUSES {
            let mut clause = Vec::new();
            for a in alts {
                clause.extend(best(a).into_iter().flatten().cloned());
            }
            return clean(vec![clause]);
        }
        out = out
            .iter()
            .flat_map(|c| {
                alt.iter()
                    .map(move |d| c.iter().chain(d.iter()).cloned().collect::<Vec<Lit>>())
            })
            .collect();
    }
    clean(out)
}

/// The most selective clause of a CNF: the one whose shortest literal is longest (then the one
/// with fewest literals); `None` for no condition.
fn best(cnf: &Cnf) -> Option<&Vec<Lit>> {
    cnf.iter().max_by_key(|c| {
        let shortest = c.iter().map(|l| l.text.len()).min().unwrap_or(0);
        (shortest, usize::MAX - c.len())
    })
}

/// The necessary literals of a regex, as it is compiled by the engine (Unicode, any flags it
/// sets itself); no condition if it does not parse here.
pub fn regex_cnf(re: &str) -> Cnf {
    match regex_syntax::ParserBuilder::new().build().parse(re) {
        Ok(h) => clean(hir_cnf(&h)),
        Err(_) => Vec::new(),
    }
}

/// For a regex anchored at both ends (`^(req|request)$`) that matches a few strings only: those
/// strings as one clause, each a whole word if made of identifier characters. A metavariable's
/// text (an identifier, or a string literal's content between its quotes) or the constant it
/// names must then be one of them entirely, which stands in the file between non-identifier
/// characters.
fn whole_cnf(re: &str) -> Option<Cnf> {
    use regex_syntax::hir::Look;
    let h = regex_syntax::ParserBuilder::new().build().parse(re).ok()?;
    let HirKind::Concat(v) = h.kind() else {
        return None;
    };
    let (first, rest) = v.split_first()?;
    let (last, middle) = rest.split_last()?;
    if !matches!(first.kind(), HirKind::Look(Look::Start))
        || !matches!(last.kind(), HirKind::Look(Look::End))
    {
        return None;
    }
    let mut strings = vec![Vec::new()];
    for x in middle {
        strings = product(&strings, &finite(x)?)?;
    }
    let clause = strings
        .iter()
        .map(|s| {
            let mut l = lit_of(s);
            l.word = !l.text.is_empty()
                && l.text
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
            l
        })
        .collect();
    Some(clean(vec![clause]))
}

/// Most strings a part of a regex is followed as (past it, the part is not one literal).
const MAX_STRINGS: usize = 32;

/// A character of a literal and whether any ASCII case of it matches.
type Ch = (u8, bool);

/// The characters a class stands for: the cases of one ASCII letter, as `(?i)` writes it
/// (`[Pp]`, also `[Ssſ]` and `[Kk\u{212A}]`: `Prefilter::scan` counts every literal as present
/// in a text with `ſ` or the Kelvin sign), as one case-insensitive character; else up to four
/// ASCII characters, each as written.
fn class_chars(c: &Class) -> Option<Vec<Ch>> {
    let mut chars: Vec<char> = Vec::new();
    match c {
        Class::Unicode(u) => {
            for r in u.iter() {
                if r.end() as u32 - r.start() as u32 > 4 {
                    return None;
                }
                chars.extend((r.start() as u32..=r.end() as u32).filter_map(char::from_u32));
            }
        }
        Class::Bytes(b) => {
            for r in b.iter() {
                if r.end() - r.start() > 4 {
                    return None;
                }
                chars.extend((r.start()..=r.end()).map(char::from));
            }
        }
    }
    let fold = |ch: char| -> Option<u8> {
        match ch {
            '\u{17F}' => Some(b's'),
            '\u{212A}' => Some(b'k'),
            c if c.is_ascii_alphabetic() => Some((c as u8).to_ascii_lowercase()),
            _ => None,
        }
    };
    let first = chars.first().copied().and_then(fold);
    if chars.len() > 1 && first.is_some() && chars.iter().all(|&ch| fold(ch) == first) {
        return first.map(|b| vec![(b, true)]);
    }
    (chars.len() <= 4 && chars.iter().all(char::is_ascii))
        .then(|| chars.iter().map(|&ch| (ch as u8, false)).collect())
}

/// Every string `a` then `b` (`None` past [`MAX_STRINGS`]).
fn product(a: &[Vec<Ch>], b: &[Vec<Ch>]) -> Option<Vec<Vec<Ch>>> {
    if a.len() * b.len() > MAX_STRINGS {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| [x.as_slice(), y.as_slice()].concat()))
            .collect(),
    )
}

/// The strings of ASCII characters `h` matches, up to case where a character is
/// case-insensitive, when there are at most [`MAX_STRINGS`] (a literal, a small class, a group,
/// an optional or fixed repetition, a concatenation or an alternation of those).
fn finite(h: &Hir) -> Option<Vec<Vec<Ch>>> {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(l) => {
            let s = std::str::from_utf8(&l.0).ok()?;
            s.is_ascii()
                .then(|| vec![s.bytes().map(|b| (b, false)).collect()])
        }
        HirKind::Class(c) => Some(class_chars(c)?.into_iter().map(|ch| vec![ch]).collect()),
        HirKind::Capture(c) => finite(&c.sub),
        HirKind::Concat(v) => {
            let mut out = vec![Vec::new()];
            for x in v {
                out = product(&out, &finite(x)?)?;
            }
            Some(out)
        }
        HirKind::Alternation(v) => {
            let mut out = Vec::new();
            for x in v {
                out.extend(finite(x)?);
                if out.len() > MAX_STRINGS {
                    return None;
                }
            }
            Some(out)
        }
        HirKind::Repetition(r) => {
            let one = finite(&r.sub)?;
            match (r.min, r.max) {
                (0, Some(1)) => Some(std::iter::once(Vec::new()).chain(one).collect()),
                (n, Some(m)) if n == m && n <= 8 => {
                    let mut out = vec![Vec::new()];
                    for _ in 0..n {
                        out = product(&out, &one)?;
                    }
                    Some(out)
                }
                _ => None,
            }
        }
    }
}

/// A literal of characters: case-insensitive (and in lower case) if any of them is.
fn lit_of(chars: &[Ch]) -> Lit {
    let ci = chars.iter().any(|(_, ci)| *ci);
    Lit {
        text: chars
            .iter()
            .map(|(b, _)| if ci { b.to_ascii_lowercase() } else { *b })
            .collect(),
        ci,
        word: false,
        konst: false,
    }
}

/// One clause: one of these strings occurs.
fn clause_of(strings: &[Vec<Ch>]) -> Vec<Lit> {
    strings.iter().map(|s| lit_of(s)).collect()
}

fn hir_cnf(h: &Hir) -> Cnf {
    if let Some(set) = finite(h) {
        return vec![clause_of(&set)];
    }
    match h.kind() {
        HirKind::Capture(c) => hir_cnf(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => hir_cnf(&r.sub),
        HirKind::Concat(v) => {
            // Runs of finite parts make one clause (their strings joined); the other parts add
            // their own clauses.
            let mut out = Vec::new();
            let mut run: Vec<Vec<Ch>> = vec![Vec::new()];
            for x in v {
                match finite(x) {
                    Some(set) => match product(&run, &set) {
                        Some(joined) => run = joined,
                        None => {
                            out.push(clause_of(&run));
                            run = set;
                        }
                    },
                    None => {
                        out.push(clause_of(&run));
                        run = vec![Vec::new()];
                        out.extend(hir_cnf(x));
                    }
                }
            }
            out.push(clause_of(&run));
            out
        }
        HirKind::Alternation(v) => {
            let alts: Vec<Cnf> = v.iter().map(|x| clean(hir_cnf(x))).collect();
            if alts.iter().any(Vec::is_empty) {
                return Vec::new();
            }
            either(&alts)
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(c: &Cnf) -> Vec<Vec<String>> {
        c.iter()
            .map(|cl| {
                cl.iter()
                    .map(|l| {
                        let t = String::from_utf8(l.text.clone()).unwrap();
                        if l.ci { format!("(?i){t}") } else { t }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn regex_alternation_gives_case_insensitive_literals() {
        let c = regex_cnf("(?i)(password|passwd|pwd|secret)$");
        assert_eq!(
            lits(&c),
            vec![vec!["(?i)passwd", "(?i)password", "(?i)pwd", "(?i)secret"]]
        );
        // `(?i)` folds `s` and `k` with `ſ` and the Kelvin sign: still one literal.
        let c = regex_cnf("(?i)token|key");
        assert_eq!(lits(&c), vec![vec!["(?i)key", "(?i)token"]]);
        // Optional and alternative parts give every string they can make.
        let c = regex_cnf("(?i)(secret_?key|auth[-_]?token)$");
        assert_eq!(
            lits(&c),
            vec![vec![
                "(?i)auth-token",
                "(?i)auth_token",
                "(?i)authtoken",
                "(?i)secret_key",
                "(?i)secretkey"
            ]]
        );
        // Without `(?i)`, the case is the regex's.
        let c = regex_cnf("^(getWriter|getOutputStream)$");
        assert_eq!(lits(&c), vec![vec!["getOutputStream", "getWriter"]]);
    }

    #[test]
    fn regex_concatenation_gives_every_literal_run() {
        let c = regex_cnf(r"^(req|request)\.getHeader\(");
        assert_eq!(lits(&c), vec![vec!["req.getHeader(", "request.getHeader("]]);
        // A part with too many strings ends the run: each side is a clause.
        let c = regex_cnf(r"select\s+\w+\s+from [a-z]{2}_tab");
        assert_eq!(lits(&c), vec![vec!["select"], vec!["from "], vec!["_tab"]]);
        // Optional parts and short literals give nothing.
        assert!(regex_cnf(r"(abc)?\d+").is_empty());
        assert!(regex_cnf(r"^\S{6,}$").is_empty());
        assert!(regex_cnf("(?i)(md5|x)").is_empty());
        // An alternative without a literal: no condition.
        assert!(regex_cnf(r"(token|\w+)").is_empty());
    }

    #[test]
    fn a_regex_anchored_at_both_ends_gives_whole_words() {
        let c = whole_cnf("^(req|request|http_req)$").unwrap();
        assert_eq!(lits(&c), vec![vec!["http_req", "req", "request"]]);
        assert!(c[0].iter().all(|l| l.word));
        // Not anchored at both ends, or too many strings: not whole words.
        assert!(whole_cnf("^(req|request)").is_none());
        assert!(whole_cnf(r"^req\w*$").is_none());
        let c = whole_cnf(r"^(a\.b|cde)$").unwrap();
        assert_eq!(
            c[0].iter().map(|l| l.word).collect::<Vec<_>>(),
            vec![false, true]
        );
    }

    #[test]
    fn unparsable_regex_is_always_on() {
        assert!(regex_cnf("(?P<X>").is_empty());
    }

    fn pattern(text: &str, family: Family) -> Vec<Vec<String>> {
        let p = crate::pattern::Pattern::parse(text, family).unwrap();
        lits(&formula_cnf(
            &Formula::Pattern(Box::new(p)),
            Konst::of(family),
        ))
    }

    #[test]
    fn a_pattern_needs_its_key_qualifiers_and_declared_types() {
        assert_eq!(
            pattern("$R.getParameter(...)", Family::Java),
            vec![vec!["getParameter"]]
        );
        assert_eq!(
            pattern("ThreadLocalRandom.current()", Family::Java),
            vec![vec!["current"], vec!["ThreadLocalRandom"]]
        );
        assert_eq!(
            pattern("new javax.servlet.http.Cookie(...)", Family::Java),
            vec![vec!["Cookie"], vec!["javax"], vec!["servlet"], vec!["http"]]
        );
        assert_eq!(
            pattern("(HttpServletRequest $R).getReader()", Family::Java),
            vec![vec!["getReader"], vec!["HttpServletRequest"]]
        );
        assert_eq!(
            pattern("subprocess.call(...)", Family::Python),
            vec![vec!["call"], vec!["subprocess"]]
        );
        // Short qualifiers say nothing; a metavariable anywhere in the name keeps only the key.
        assert_eq!(
            pattern("os.system(...)", Family::Python),
            vec![vec!["system"]]
        );
        assert_eq!(
            pattern("$M.render(...)", Family::JavaScript),
            vec![vec!["render"]]
        );
        // No key (an assignment, a bare metavariable call): always on.
        assert!(pattern("$X = $Y", Family::Java).is_empty());
        assert!(pattern("$F(...)", Family::Go).is_empty());
    }

    #[test]
    fn synthesized_names_add_their_triggers() {
        let s = synthesized("ModelAttribute");
        assert!(s.contains(&Lit::name("ModelAttribute")) && s.contains(&Lit::name("GetMapping")));
        assert_eq!(synthesized("getParameter"), vec![Lit::name("getParameter")]);
        // A name made in the project pass: an empty literal, which `clean` turns into no
        // condition.
        assert!(clean(vec![synthesized(crate::engine::django::DJANGO_URL_PARAM)]).is_empty());
    }
}
