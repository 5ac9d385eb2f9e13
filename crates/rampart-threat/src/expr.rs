//! The condition language of threat rules: comparisons over the attributes of the asset, link,
//! boundary or runtime a rule looks at, joined by `and`, `or`, `not`, with quantifiers over the
//! model (`any_incoming(…)`, `any_asset(…)`…). The grammar and every attribute are listed in
//! `rules/README.md`.
//!
//! ```text
//! target.highest_confidentiality >= confidential and link.authentication == none
//! "web-app" in asset.traits and not any_incoming(source.internet)
//! ```

use crate::model::{CONFIDENTIALITY, CRITICALITY};

/// Where a name is bound: the subject of a rule and the variables quantifiers bind.
pub const ROOTS: &[&str] = &[
    "asset", "link", "source", "target", "other", "boundary", "runtime", "model", "data",
];

/// Attributes of data assets (`data`).
pub const DATA_FIELDS: &[&str] = &[
    "id",
    "confidentiality",
    "integrity",
    "availability",
    "processed",
    "stored",
    "transferred",
];

/// Attributes of assets (`asset`, `source`, `target`, `other`).
pub const ASSET_FIELDS: &[&str] = &[
    "id",
    "title",
    "type",
    "technology",
    "traits",
    "internet",
    "out_of_scope",
    "encryption",
    "encrypted",
    "machine",
    "usage",
    "multi_tenant",
    "redundant",
    "custom_developed_parts",
    "used_as_client_by_human",
    "confidentiality",
    "integrity",
    "availability",
    "highest_confidentiality",
    "highest_integrity",
    "highest_availability",
    "formats",
    "tags",
    "processes",
    "stores",
    "highest_stored_confidentiality",
    "highest_stored_integrity",
    "data_count",
    "incoming",
    "outgoing",
    "boundary",
    "network_boundary",
    "in_boundary",
    "runtime",
];

/// Attributes of links.
pub const LINK_FIELDS: &[&str] = &[
    "id",
    "title",
    "protocol",
    "protocol_traits",
    "encrypted",
    "process_local",
    "authentication",
    "authorization",
    "vpn",
    "ip_filtered",
    "readonly",
    "usage",
    "highest_confidentiality",
    "highest_integrity",
    "highest_availability",
    "sent",
    "received",
    "sent_count",
    "received_count",
    "data_count",
    "unneeded_data",
    "crosses_network_boundary",
    "crosses_boundary",
];

/// Attributes of boundaries, runtimes and the model.
pub const OTHER_FIELDS: &[&str] = &[
    "id",
    "type",
    "network",
    "assets",
    "nested",
    "links",
    "boundaries",
];

/// Quantifiers: each runs its condition once per item and binds names for it.
pub const FUNCTIONS: &[(&str, &str)] = &[
    (
        "any_incoming",
        "links into `asset`: binds link, source, target",
    ),
    (
        "any_outgoing",
        "links out of `asset`: binds link, source, target",
    ),
    ("count_incoming", "how many links into `asset` satisfy it"),
    ("count_outgoing", "how many links out of `asset` satisfy it"),
    ("any_asset", "every asset: binds other"),
    ("count_assets", "how many assets satisfy it: binds other"),
    ("any_link", "every link: binds link, source, target"),
    (
        "any_member",
        "assets of the `boundary` or `runtime`: binds other",
    ),
    (
        "any_neighbour",
        "other assets in `asset`'s network boundary: binds other",
    ),
];

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// true / false.
    Bool(bool),
    /// A count.
    Num(i64),
    /// Text.
    Str(String),
    /// A list of text.
    List(Vec<String>),
    /// A rating on a scale (`true`: confidentiality, `false`: criticality).
    Rating(u8, bool),
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `a or b`.
    Or(Box<Expr>, Box<Expr>),
    /// `a and b`.
    And(Box<Expr>, Box<Expr>),
    /// `not a`.
    Not(Box<Expr>),
    /// `a OP b`.
    Cmp(Box<Expr>, Op, Box<Expr>),
    /// `root.field`.
    Path(String, String),
    /// A literal.
    Lit(Val),
    /// `f(expr)`.
    Call(String, Box<Expr>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`: membership in a list (or substring of text).
    In,
    /// `not in`.
    NotIn,
}

/// What a condition can ask of the thing it is evaluated on.
pub trait Scope {
    /// The value of `root.field`, `None` when the root is not bound here.
    fn field(&self, root: &str, field: &str) -> Option<Val>;
    /// Runs a quantifier: how many of its items satisfy `cond` (`None` when the function cannot
    /// apply here, e.g. `any_incoming` without an asset).
    fn quantify(&self, func: &str, cond: &Expr) -> Option<i64>;
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(i64),
    Sym(&'static str),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '"' || ch == '\'' {
            let end = c[i + 1..]
                .iter()
                .position(|x| *x == ch)
                .ok_or("unterminated string")?;
            out.push(Tok::Str(c[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else if ch.is_ascii_digit() {
            let start = i;
            while i < c.len() && c[i].is_ascii_digit() {
                i += 1;
            }
            let n: String = c[start..i].iter().collect();
            out.push(Tok::Num(n.parse().map_err(|_| "number too large")?));
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || matches!(c[i], '_' | '-' | '.')) {
                i += 1;
            }
            out.push(Tok::Word(c[start..i].iter().collect()));
        } else {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            let sym = ["==", "!=", "<=", ">="]
                .into_iter()
                .find(|s| *s == two)
                .or_else(|| {
                    ["<", ">", "(", ")", "[", "]", ","]
                        .into_iter()
                        .find(|s| s.starts_with(ch))
                })
                .ok_or_else(|| format!("unexpected `{ch}`"))?;
            i += sym.len();
            out.push(Tok::Sym(sym));
        }
    }
    Ok(out)
}

/// Parses a condition; the message says what is wrong.
pub fn parse(s: &str) -> Result<Expr, String> {
    let toks = lex(s)?;
    let mut p = P { t: toks, i: 0 };
    let e = p.or(0)?;
    if p.i < p.t.len() {
        return Err(format!("unexpected {:?} after the condition", p.t[p.i]));
    }
    Ok(e)
}

struct P {
    t: Vec<Tok>,
    i: usize,
}

const MAX_NESTING: usize = 32;

impl P {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.t.get(self.i), Some(Tok::Word(x)) if x == w)
    }

    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.t.get(self.i), Some(Tok::Sym(x)) if *x == s) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self, d: usize) -> Result<Expr, String> {
        if d > MAX_NESTING {
            return Err(format!("nested more than {MAX_NESTING} levels"));
        }
        let mut e = self.and(d)?;
        while self.peek_word("or") {
            self.i += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and(d)?));
        }
        Ok(e)
    }

    fn and(&mut self, d: usize) -> Result<Expr, String> {
        let mut e = self.not(d)?;
        while self.peek_word("and") {
            self.i += 1;
            e = Expr::And(Box::new(e), Box::new(self.not(d)?));
        }
        Ok(e)
    }

    fn not(&mut self, d: usize) -> Result<Expr, String> {
        if self.peek_word("not") {
            self.i += 1;
            return Ok(Expr::Not(Box::new(self.not(d + 1)?)));
        }
        self.cmp(d)
    }

    fn cmp(&mut self, d: usize) -> Result<Expr, String> {
        let left = self.operand(d)?;
        let op = match self.t.get(self.i) {
            Some(Tok::Sym("==")) => Op::Eq,
            Some(Tok::Sym("!=")) => Op::Ne,
            Some(Tok::Sym("<")) => Op::Lt,
            Some(Tok::Sym("<=")) => Op::Le,
            Some(Tok::Sym(">")) => Op::Gt,
            Some(Tok::Sym(">=")) => Op::Ge,
            Some(Tok::Word(w)) if w == "in" => Op::In,
            Some(Tok::Word(w))
                if w == "not"
                    && matches!(self.t.get(self.i + 1), Some(Tok::Word(x)) if x == "in") =>
            {
                self.i += 1;
                Op::NotIn
            }
            _ => return Ok(left),
        };
        self.i += 1;
        let right = self.operand(d)?;
        Ok(Expr::Cmp(Box::new(left), op, Box::new(right)))
    }

    fn operand(&mut self, d: usize) -> Result<Expr, String> {
        let tok = self
            .t
            .get(self.i)
            .cloned()
            .ok_or("the condition ends early")?;
        self.i += 1;
        match tok {
            Tok::Sym("(") => {
                let e = self.or(d + 1)?;
                if !self.sym(")") {
                    return Err("missing `)`".into());
                }
                Ok(e)
            }
            Tok::Sym("[") => {
                let mut items = Vec::new();
                while !self.sym("]") {
                    match self.t.get(self.i).cloned() {
                        Some(Tok::Word(w) | Tok::Str(w)) => items.push(w),
                        _ => return Err("a list holds words or strings, `[a, b]`".into()),
                    }
                    self.i += 1;
                    if !self.sym(",") && !matches!(self.t.get(self.i), Some(Tok::Sym("]"))) {
                        return Err("missing `,` or `]` in a list".into());
                    }
                }
                Ok(Expr::Lit(Val::List(items)))
            }
            Tok::Str(s) => Ok(Expr::Lit(Val::Str(s))),
            Tok::Num(n) => Ok(Expr::Lit(Val::Num(n))),
            Tok::Word(w) if w == "true" || w == "false" => Ok(Expr::Lit(Val::Bool(w == "true"))),
            Tok::Word(w) if FUNCTIONS.iter().any(|f| f.0 == w) => {
                if !self.sym("(") {
                    return Err(format!("`{w}` needs `(condition)`"));
                }
                let e = self.or(d + 1)?;
                if !self.sym(")") {
                    return Err(format!("missing `)` after `{w}(`"));
                }
                Ok(Expr::Call(w, Box::new(e)))
            }
            Tok::Word(w) => match w.split_once('.') {
                Some((root, field)) if ROOTS.contains(&root) => {
                    let known = match root {
                        "link" => LINK_FIELDS,
                        "data" => DATA_FIELDS,
                        "boundary" | "runtime" | "model" => OTHER_FIELDS,
                        _ => ASSET_FIELDS,
                    };
                    if !known.contains(&field) {
                        return Err(format!(
                            "`{root}` has no attribute `{field}`; it has {}",
                            known.join(", ")
                        ));
                    }
                    Ok(Expr::Path(root.into(), field.into()))
                }
                _ if ROOTS.contains(&w.as_str()) => {
                    Err(format!("`{w}` needs an attribute: `{w}.id`"))
                }
                _ => Ok(Expr::Lit(Val::Str(w))),
            },
            Tok::Sym(s) => Err(format!("unexpected `{s}`")),
        }
    }
}

fn rank(v: &Val, scale_of: &Val) -> Option<i64> {
    match (v, scale_of) {
        (Val::Rating(r, _), _) => Some(*r as i64),
        (Val::Num(n), _) => Some(*n),
        (Val::Str(s), Val::Rating(_, conf)) => {
            let scale = if *conf { CONFIDENTIALITY } else { CRITICALITY };
            scale.iter().position(|x| x == s).map(|p| p as i64)
        }
        _ => None,
    }
}

fn text(v: &Val) -> Option<String> {
    match v {
        Val::Str(s) => Some(s.clone()),
        Val::Rating(r, conf) => {
            let scale = if *conf { CONFIDENTIALITY } else { CRITICALITY };
            scale.get(*r as usize).map(|s| s.to_string())
        }
        Val::Bool(b) => Some(b.to_string()),
        Val::Num(n) => Some(n.to_string()),
        Val::List(_) => None,
    }
}

/// Evaluates a condition to a value.
pub fn value(e: &Expr, s: &dyn Scope) -> Option<Val> {
    Some(match e {
        Expr::Lit(v) => v.clone(),
        Expr::Path(r, f) => return s.field(r, f),
        Expr::Call(f, c) => {
            let n = s.quantify(f, c)?;
            if f.starts_with("count_") {
                Val::Num(n)
            } else {
                Val::Bool(n > 0)
            }
        }
        _ => Val::Bool(eval(e, s)),
    })
}

/// Evaluates a condition to true or false (an unbound name or a type mismatch is false).
pub fn eval(e: &Expr, s: &dyn Scope) -> bool {
    match e {
        Expr::Or(a, b) => eval(a, s) || eval(b, s),
        Expr::And(a, b) => eval(a, s) && eval(b, s),
        Expr::Not(a) => !eval(a, s),
        Expr::Cmp(a, op, b) => {
            let (Some(l), Some(r)) = (value(a, s), value(b, s)) else {
                return false;
            };
            match op {
                Op::In | Op::NotIn => {
                    let hit = match (&l, &r) {
                        (_, Val::List(items)) => text(&l).is_some_and(|t| items.contains(&t)),
                        (Val::List(items), _) => text(&r).is_some_and(|t| items.contains(&t)),
                        (Val::Str(a), Val::Str(b)) => b.contains(a.as_str()),
                        _ => false,
                    };
                    hit == (*op == Op::In)
                }
                Op::Eq | Op::Ne => {
                    let same = match (rank(&l, &r), rank(&r, &l)) {
                        (Some(x), Some(y)) if matches!(l, Val::Rating(..) | Val::Num(_)) => x == y,
                        _ => text(&l).is_some() && text(&l) == text(&r),
                    };
                    same == (*op == Op::Eq)
                }
                _ => {
                    let (Some(x), Some(y)) = (rank(&l, &r), rank(&r, &l)) else {
                        return false;
                    };
                    match op {
                        Op::Lt => x < y,
                        Op::Le => x <= y,
                        Op::Gt => x > y,
                        _ => x >= y,
                    }
                }
            }
        }
        other => matches!(value(other, s), Some(Val::Bool(true))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S;
    impl Scope for S {
        fn field(&self, root: &str, field: &str) -> Option<Val> {
            match (root, field) {
                ("asset", "highest_confidentiality") => Some(Val::Rating(3, true)),
                ("asset", "traits") => Some(Val::List(vec!["web-app".into()])),
                ("asset", "internet") => Some(Val::Bool(true)),
                ("asset", "technology") => Some(Val::Str("web-server".into())),
                _ => None,
            }
        }
        fn quantify(&self, _f: &str, c: &Expr) -> Option<i64> {
            Some(eval(c, self) as i64 * 2)
        }
    }

    #[test]
    fn evaluates() {
        let t = |src: &str| eval(&parse(src).unwrap(), &S);
        assert!(t("asset.highest_confidentiality >= confidential"));
        assert!(!t("asset.highest_confidentiality == strictly-confidential"));
        assert!(t("'web-app' in asset.traits and asset.internet"));
        assert!(t("asset.technology in [web-server, web-application]"));
        assert!(t("asset.technology not in [database]"));
        assert!(t("not (asset.internet and false) or true"));
        assert!(t("count_incoming(asset.internet) == 2"));
        assert!(t("any_asset(asset.internet)"));
        assert!(!t("link.encrypted"), "unbound names are false");
    }

    #[test]
    fn errors_say_what() {
        assert!(
            parse("asset.nope == 1")
                .unwrap_err()
                .contains("no attribute")
        );
        assert!(parse("(asset.internet").unwrap_err().contains(")"));
        assert!(parse("asset.internet ==").is_err());
        assert!(parse("asset == x").unwrap_err().contains("attribute"));
        assert!(parse(&"(".repeat(100)).is_err());
    }
}
