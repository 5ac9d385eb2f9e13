//! The condition language of data checks, with three-valued logic: a condition is true, false
//! or unknown, and only a true one is a finding.
//!
//! In a check file a condition is a TOML table: `{ all = [...] }`, `{ any = [...] }`,
//! `{ none = [...] }`, `{ not = {...} }`, or a leaf `{ path = "a.b[*].c", <op> = <arg> }` with
//! one operator among `exists`, `missing`, `equals`, `not_equals`, `in`, `not_in`, `matches`,
//! `not_matches`, `contains`, `not_contains`, `gt`, `gte`, `lt`, `lte`, `empty`, and an
//! optional `quantifier` (`any`, the default; `all`; `none`) over the nodes the path reaches.

use crate::model::{Node, Value};
use crate::path::{Macros, Path, resolve};
use regex::Regex;
use std::sync::OnceLock;

/// A regex compiled on first use, so that loading hundreds of checks stays cheap.
#[derive(Debug)]
pub struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Result<Regex, String>>,
}

impl Clone for LazyRegex {
    fn clone(&self) -> Self {
        LazyRegex::new(&self.pattern)
    }
}

impl LazyRegex {
    /// Wraps a pattern (not compiled yet).
    pub fn new(pattern: &str) -> LazyRegex {
        LazyRegex {
            pattern: pattern.to_string(),
            compiled: OnceLock::new(),
        }
    }

    /// The compiled regex, or the compile error.
    pub fn get(&self) -> Result<&Regex, &str> {
        self.compiled
            .get_or_init(|| Regex::new(&self.pattern).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    fn is_match(&self, text: &str) -> bool {
        self.get().is_ok_and(|r| r.is_match(text))
    }
}
use std::ops::Range;

/// A condition.
#[derive(Debug, Clone)]
pub enum Cond {
    /// Every sub-condition.
    All(Vec<Cond>),
    /// At least one sub-condition.
    Any(Vec<Cond>),
    /// No sub-condition.
    None(Vec<Cond>),
    /// The negation.
    Not(Box<Cond>),
    /// A condition tested on each node a path reaches (`some`, `every`, `no`).
    Each {
        /// The path.
        path: Path,
        /// The condition each node is tested with.
        cond: Box<Cond>,
        /// How the nodes' results combine.
        quantifier: Quantifier,
    },
    /// A test on the nodes a path reaches.
    Leaf {
        /// The path.
        path: Path,
        /// The test.
        op: Op,
        /// How the nodes' results combine.
        quantifier: Quantifier,
    },
}

/// How the results of a leaf over several nodes combine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantifier {
    /// True when one node passes.
    Any,
    /// True when every node (at least one) passes.
    All,
    /// True when no node passes.
    None,
}

/// A leaf test.
#[derive(Debug, Clone)]
pub enum Op {
    /// The path reaches a non-null node (`exists = true`), or none (`exists = false`, `missing = true`).
    Exists(bool),
    /// Equal (scalars compare by their text, case-sensitively).
    Equals(toml::Value),
    /// Not equal.
    NotEquals(toml::Value),
    /// One of.
    In(Vec<toml::Value>),
    /// None of.
    NotIn(Vec<toml::Value>),
    /// Text matches.
    Matches(LazyRegex),
    /// Text does not match.
    NotMatches(LazyRegex),
    /// Sequence holds the value, or string holds the substring.
    Contains(toml::Value),
    /// Negated `Contains`.
    NotContains(toml::Value),
    /// Numeric comparison.
    Cmp(CmpOp, f64),
    /// Empty string, sequence or mapping (`true`), or not (`false`).
    Empty(bool),
    /// A port specification that includes the port: `*`, the port itself, or a range `A-B`
    /// around it (a sequence: any of its items).
    CoversPort(u32),
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy)]
pub enum CmpOp {
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

/// The result of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Tri {
    /// True, with where to report it.
    True(Option<Hit>),
    /// False.
    False,
    /// Cannot be known.
    Unknown,
}

/// Where a condition held.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Byte span to report.
    pub span: Range<usize>,
    /// The path that matched, for fingerprints and messages.
    pub path: String,
    /// The offending value, when there is one.
    pub value: Option<String>,
}

fn hit_of(n: &Node, path: &Path) -> Hit {
    Hit {
        span: n.report_span(),
        path: path.text.clone(),
        value: n.scalar_text(),
    }
}

impl Cond {
    /// Parses a condition table.
    pub fn parse(v: &toml::Value) -> Result<Cond, String> {
        let t = v.as_table().ok_or("a condition must be a table")?;
        let list = |k: &str| -> Result<Vec<Cond>, String> {
            t[k].as_array()
                .ok_or_else(|| format!("`{k}` takes a list of conditions"))?
                .iter()
                .map(Cond::parse)
                .collect()
        };
        if t.contains_key("all") {
            return Ok(Cond::All(list("all")?));
        }
        if t.contains_key("any") {
            return Ok(Cond::Any(list("any")?));
        }
        if t.contains_key("none") {
            return Ok(Cond::None(list("none")?));
        }
        if let Some(n) = t.get("not") {
            return Ok(Cond::Not(Box::new(Cond::parse(n)?)));
        }
        let path = Path::parse(
            t.get("path")
                .and_then(|p| p.as_str())
                .ok_or("a leaf condition needs `path`")?,
        )?;
        for (k, q) in [
            ("some", Quantifier::Any),
            ("every", Quantifier::All),
            ("no", Quantifier::None),
        ] {
            if let Some(c) = t.get(k) {
                if t.len() != 2 {
                    return Err(format!("`{k}` on `{}` takes no other keys", path.text));
                }
                return Ok(Cond::Each {
                    path,
                    cond: Box::new(Cond::parse(c)?),
                    quantifier: q,
                });
            }
        }
        let quantifier = match t.get("quantifier").and_then(|q| q.as_str()) {
            None | Some("any") => Quantifier::Any,
            Some("all") => Quantifier::All,
            Some("none") => Quantifier::None,
            Some(q) => return Err(format!("unknown quantifier `{q}`")),
        };
        let re = |k: &str| -> Result<LazyRegex, String> {
            let s = t[k]
                .as_str()
                .ok_or_else(|| format!("`{k}` takes a string"))?;
            if s.is_empty() {
                return Err(format!("empty regex in `{k}`"));
            }
            Ok(LazyRegex::new(s))
        };
        let num = |k: &str| -> Result<f64, String> {
            t[k].as_float()
                .or_else(|| t[k].as_integer().map(|i| i as f64))
                .ok_or_else(|| format!("`{k}` takes a number"))
        };
        let arr = |k: &str| -> Result<Vec<toml::Value>, String> {
            Ok(t[k]
                .as_array()
                .ok_or_else(|| format!("`{k}` takes a list"))?
                .clone())
        };
        let boolean = |k: &str| {
            t[k].as_bool()
                .ok_or_else(|| format!("`{k}` takes true or false"))
        };
        let op = if t.contains_key("exists") {
            Op::Exists(boolean("exists")?)
        } else if t.contains_key("missing") {
            Op::Exists(!boolean("missing")?)
        } else if let Some(v) = t.get("equals") {
            Op::Equals(v.clone())
        } else if let Some(v) = t.get("not_equals") {
            Op::NotEquals(v.clone())
        } else if t.contains_key("in") {
            Op::In(arr("in")?)
        } else if t.contains_key("not_in") {
            Op::NotIn(arr("not_in")?)
        } else if t.contains_key("matches") {
            Op::Matches(re("matches")?)
        } else if t.contains_key("not_matches") {
            Op::NotMatches(re("not_matches")?)
        } else if let Some(v) = t.get("contains") {
            Op::Contains(v.clone())
        } else if let Some(v) = t.get("not_contains") {
            Op::NotContains(v.clone())
        } else if t.contains_key("gt") {
            Op::Cmp(CmpOp::Gt, num("gt")?)
        } else if t.contains_key("gte") {
            Op::Cmp(CmpOp::Gte, num("gte")?)
        } else if t.contains_key("lt") {
            Op::Cmp(CmpOp::Lt, num("lt")?)
        } else if t.contains_key("lte") {
            Op::Cmp(CmpOp::Lte, num("lte")?)
        } else if t.contains_key("empty") {
            Op::Empty(boolean("empty")?)
        } else if t.contains_key("covers_port") {
            let p = num("covers_port")?;
            if !(0.0..=65535.0).contains(&p) || p.fract() != 0.0 {
                return Err("`covers_port` takes a port number (0-65535)".to_string());
            }
            Op::CoversPort(p as u32)
        } else {
            return Err(format!("leaf `{}` has no operator", path.text));
        };
        for k in t.keys() {
            if ![
                "path",
                "quantifier",
                "exists",
                "missing",
                "equals",
                "not_equals",
                "in",
                "not_in",
                "matches",
                "not_matches",
                "contains",
                "not_contains",
                "gt",
                "gte",
                "lt",
                "lte",
                "empty",
                "covers_port",
            ]
            .contains(&k.as_str())
            {
                return Err(format!("unknown key `{k}` in condition on `{}`", path.text));
            }
        }
        Ok(Cond::Leaf {
            path,
            op,
            quantifier,
        })
    }

    /// Compiles every regex of the condition; returns the errors.
    pub fn validate(&self) -> Vec<String> {
        match self {
            Cond::All(cs) | Cond::Any(cs) | Cond::None(cs) => {
                cs.iter().flat_map(Cond::validate).collect()
            }
            Cond::Not(c) => c.validate(),
            Cond::Each { cond, .. } => cond.validate(),
            Cond::Leaf {
                op: Op::Matches(r) | Op::NotMatches(r),
                path,
                ..
            } => r
                .get()
                .err()
                .map(|e| format!("bad regex on `{}`: {e}", path.text))
                .into_iter()
                .collect(),
            Cond::Leaf { .. } => Vec::new(),
        }
    }

    /// Evaluates against a subject node.
    pub fn eval<'m>(&self, root: &Node, macros: Macros<'_, 'm>) -> Tri {
        match self {
            Cond::All(cs) => {
                let mut first_hit = None;
                let mut unknown = false;
                for c in cs {
                    match c.eval(root, macros) {
                        Tri::False => return Tri::False,
                        Tri::Unknown => unknown = true,
                        Tri::True(h) => {
                            if first_hit.is_none() {
                                first_hit = h;
                            }
                        }
                    }
                }
                if unknown {
                    Tri::Unknown
                } else {
                    Tri::True(first_hit)
                }
            }
            Cond::Any(cs) => {
                let mut unknown = false;
                for c in cs {
                    match c.eval(root, macros) {
                        t @ Tri::True(_) => return t,
                        Tri::Unknown => unknown = true,
                        Tri::False => {}
                    }
                }
                if unknown { Tri::Unknown } else { Tri::False }
            }
            Cond::None(cs) => {
                let mut unknown = false;
                for c in cs {
                    match c.eval(root, macros) {
                        Tri::True(_) => return Tri::False,
                        Tri::Unknown => unknown = true,
                        Tri::False => {}
                    }
                }
                if unknown {
                    Tri::Unknown
                } else {
                    Tri::True(None)
                }
            }
            Cond::Not(c) => match c.eval(root, macros) {
                Tri::True(_) => Tri::False,
                Tri::False => Tri::True(None),
                Tri::Unknown => Tri::Unknown,
            },
            Cond::Each {
                path,
                cond,
                quantifier,
            } => {
                let r = resolve(root, path, macros);
                let mut unknown = r.unknown;
                let mut passed = None;
                let mut failed = false;
                for n in &r.nodes {
                    match cond.eval(n, macros) {
                        Tri::True(h) => {
                            if passed.is_none() {
                                passed = Some(h.unwrap_or_else(|| hit_of(n, path)));
                            }
                        }
                        Tri::False => failed = true,
                        Tri::Unknown => unknown = true,
                    }
                }
                combine(*quantifier, passed, failed, unknown, || {
                    r.deepest.as_deref().map(|d| hit_of(d, path))
                })
            }
            Cond::Leaf {
                path,
                op,
                quantifier,
            } => {
                let r = resolve(root, path, macros);
                if let Op::Exists(want) = op {
                    return match (r.nodes.is_empty(), want) {
                        (false, true) => Tri::True(Some(hit_of(&r.nodes[0], path))),
                        (false, false) => Tri::False,
                        (true, _) if r.unknown => Tri::Unknown,
                        (true, true) => Tri::False,
                        (true, false) => Tri::True(r.deepest.as_deref().map(|d| Hit {
                            span: d.report_span(),
                            path: path.text.clone(),
                            value: None,
                        })),
                    };
                }
                let mut unknown = r.unknown;
                let mut passed = None;
                let mut failed = false;
                for n in &r.nodes {
                    match test(op, n) {
                        Some(true) => {
                            if passed.is_none() {
                                passed = Some(hit_of(n, path));
                            }
                        }
                        Some(false) => failed = true,
                        None => unknown = true,
                    }
                }
                combine(*quantifier, passed, failed, unknown, || {
                    r.deepest.as_deref().map(|d| hit_of(d, path))
                })
            }
        }
    }
}

fn combine(
    q: Quantifier,
    passed: Option<Hit>,
    failed: bool,
    unknown: bool,
    deepest: impl Fn() -> Option<Hit>,
) -> Tri {
    match q {
        Quantifier::Any => match (passed, unknown) {
            (Some(h), _) => Tri::True(Some(h)),
            (None, true) => Tri::Unknown,
            (None, false) => Tri::False,
        },
        Quantifier::All => {
            if failed {
                Tri::False
            } else if unknown {
                Tri::Unknown
            } else {
                match passed {
                    Some(h) => Tri::True(Some(h)),
                    None => Tri::False,
                }
            }
        }
        Quantifier::None => {
            if passed.is_some() {
                Tri::False
            } else if unknown {
                Tri::Unknown
            } else {
                Tri::True(deepest())
            }
        }
    }
}

/// Whether a port specification (`*`, `22`, `1000-2000`) includes `port`.
fn covers_port(spec: &str, port: u32) -> bool {
    let spec = spec.trim();
    if spec == "*" {
        return true;
    }
    match spec.split_once('-') {
        Some((a, b)) => match (a.trim().parse::<u32>(), b.trim().parse::<u32>()) {
            (Ok(a), Ok(b)) => a <= port && port <= b,
            _ => false,
        },
        None => spec.parse::<u32>() == Ok(port),
    }
}

fn toml_text(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn eq(n: &Node, v: &toml::Value) -> Option<bool> {
    if n.is_unknown() {
        return None;
    }
    if let (Some(a), toml::Value::Integer(_) | toml::Value::Float(_)) = (n.as_f64(), v) {
        let b = v.as_float().or_else(|| v.as_integer().map(|i| i as f64))?;
        return Some(a == b);
    }
    if let (Some(a), toml::Value::Boolean(b)) = (n.as_bool(), v) {
        return Some(a == *b);
    }
    Some(n.scalar_text().is_some_and(|t| Some(t) == toml_text(v)))
}

/// Applies a leaf operator to one node: `None` when unknown.
fn test(op: &Op, n: &Node) -> Option<bool> {
    if n.is_unknown() {
        return None;
    }
    Some(match op {
        Op::Exists(w) => *w,
        Op::Equals(v) => eq(n, v)?,
        Op::NotEquals(v) => !eq(n, v)?,
        Op::In(vs) => vs.iter().any(|v| eq(n, v) == Some(true)),
        Op::NotIn(vs) => !vs.iter().any(|v| eq(n, v) == Some(true)),
        Op::Matches(re) => n.scalar_text().is_some_and(|t| re.is_match(&t)),
        Op::NotMatches(re) => n.scalar_text().is_some_and(|t| !re.is_match(&t)),
        Op::Contains(v) | Op::NotContains(v) => {
            let has = match &n.value {
                Value::Seq(items) => {
                    if items.iter().any(Node::is_unknown)
                        && !items.iter().any(|i| eq(i, v) == Some(true))
                    {
                        return None;
                    }
                    items.iter().any(|i| eq(i, v) == Some(true))
                }
                Value::Str(s) => toml_text(v).is_some_and(|t| s.contains(&t)),
                Value::Map(m) => toml_text(v).is_some_and(|t| m.iter().any(|(k, _)| *k == t)),
                _ => false,
            };
            if matches!(op, Op::Contains(_)) {
                has
            } else {
                !has
            }
        }
        Op::Cmp(c, x) => {
            let a = n.as_f64();
            match (a, c) {
                (None, _) => false,
                (Some(a), CmpOp::Gt) => a > *x,
                (Some(a), CmpOp::Gte) => a >= *x,
                (Some(a), CmpOp::Lt) => a < *x,
                (Some(a), CmpOp::Lte) => a <= *x,
            }
        }
        Op::CoversPort(p) => match &n.value {
            Value::Seq(items) => {
                let hit = items
                    .iter()
                    .any(|i| i.scalar_text().is_some_and(|t| covers_port(&t, *p)));
                if !hit && items.iter().any(Node::is_unknown) {
                    return None;
                }
                hit
            }
            _ => n.scalar_text().is_some_and(|t| covers_port(&t, *p)),
        },
        Op::Empty(w) => {
            let e = match &n.value {
                Value::Str(s) => s.is_empty(),
                Value::Seq(s) => s.is_empty(),
                Value::Map(m) => m.is_empty(),
                _ => false,
            };
            e == *w
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(s: &str) -> Cond {
        let v: toml::Value =
            toml::from_str::<toml::Table>(&format!("c = {s}")).unwrap()["c"].clone();
        Cond::parse(&v).unwrap()
    }

    #[test]
    fn port_ranges() {
        assert!(covers_port("*", 22));
        assert!(covers_port("22", 22));
        assert!(covers_port("20-30", 22));
        assert!(covers_port(" 22 - 22 ", 22));
        assert!(!covers_port("8000-9000", 22));
        assert!(!covers_port("2222", 22));
        assert!(!covers_port("x-y", 22));
        let v: toml::Value = toml::from_str::<toml::Table>(
            "c = { path = \"p\", covers_port = 70000 }",
        )
        .unwrap()["c"]
            .clone();
        assert!(Cond::parse(&v).unwrap_err().contains("port number"));
    }

    #[test]
    fn three_valued_logic() {
        let (docs, _) = crate::yaml::parse("a: 1\nb: [x, y]\nu: !unknown\n");
        let mut root = docs[0].clone();
        if let Value::Map(m) = &mut root.value {
            m[2].1.value = Value::Unknown("var.x".into());
        }
        let none = |_: &str| Vec::new();
        let t = |s: &str| cond(s).eval(&root, &none);
        assert!(matches!(t("{ path = \"a\", equals = 1 }"), Tri::True(_)));
        assert!(matches!(t("{ path = \"a\", gt = 1 }"), Tri::False));
        assert!(matches!(
            t("{ path = \"b\", contains = \"y\" }"),
            Tri::True(_)
        ));
        assert!(matches!(
            t("{ path = \"b[*]\", equals = \"x\", quantifier = \"all\" }"),
            Tri::False
        ));
        assert!(matches!(
            t("{ path = \"c\", missing = true }"),
            Tri::True(_)
        ));
        assert_eq!(t("{ path = \"u.x\", missing = true }"), Tri::Unknown);
        assert_eq!(t("{ path = \"u\", equals = 1 }"), Tri::Unknown);
        assert_eq!(t("{ not = { path = \"u\", equals = 1 } }"), Tri::Unknown);
        assert!(matches!(
            t("{ any = [{ path = \"u\", equals = 1 }, { path = \"a\", equals = 1 }] }"),
            Tri::True(_)
        ));
        assert_eq!(
            t("{ all = [{ path = \"u\", equals = 1 }, { path = \"a\", equals = 1 }] }"),
            Tri::Unknown
        );
        assert_eq!(
            t("{ all = [{ path = \"u\", equals = 1 }, { path = \"a\", equals = 2 }] }"),
            Tri::False
        );
        assert!(matches!(
            t("{ path = \"b[*]\", some = { path = \"\", equals = \"y\" } }"),
            Tri::True(_)
        ));
    }
}
