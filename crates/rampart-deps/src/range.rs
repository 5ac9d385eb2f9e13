//! Declared version ranges of manifests without a lockfile (`^1.2`, `>=2.0,<3`, `~> 6.1`…), read
//! into sets of intervals in the ecosystem's own version ordering, and their intersection with
//! an advisory's affected ranges: an advisory whose affected versions meet the declared range
//! *may* affect the project (which version gets installed is not known without a lockfile).
//!
//! Every syntax is read conservatively: what a range excludes only by a rule the intervals
//! cannot express (`!=`, npm's pre-release rule) is kept in, so a range is never read narrower
//! than it is. Text that is not a range of its syntax is a [`RangeError`], never a panic.

use crate::db::{Affected, EventKind, RangeKind};
use crate::ecosystem::Ecosystem;
use crate::version::Comparator;
use std::cmp::Ordering;

/// The range syntax of a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// npm semver ranges: `^`, `~`, x-ranges, `||`, hyphen ranges, comparator sets.
    Npm,
    /// Cargo requirements: comma-separated, a bare version is a caret requirement.
    Cargo,
    /// PEP 440 specifiers: `==`, `!=`, `~=`, `>=`, `<`, `===`, `==1.2.*`, comma-separated.
    Pep440,
    /// Poetry constraints: PEP 440 plus `^`, `~`, `*`, `||`; a bare version is exact.
    Poetry,
    /// RubyGems requirements (`~> 6.1`, `>= 1.0`), one clause per string, all of them holding.
    Ruby,
    /// Composer constraints: `^`, `~`, wildcards, hyphen ranges, `||`, AND by comma or space.
    Composer,
    /// NuGet and Maven versions: a bare version is itself (as NuGet and Maven resolve it),
    /// `[1.0,2.0)` intervals, `1.+`.
    Interval,
}

/// One end of an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The version.
    pub version: String,
    /// Whether the version itself is inside.
    pub inclusive: bool,
}

/// Versions between two bounds (`None`: unbounded on that side).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interval {
    /// Lower bound.
    pub lo: Option<Bound>,
    /// Upper bound.
    pub hi: Option<Bound>,
}

impl Interval {
    /// Every version.
    pub fn any() -> Interval {
        Interval::default()
    }

    fn exact(v: &str) -> Interval {
        Interval {
            lo: Some(incl(v)),
            hi: Some(incl(v)),
        }
    }

    /// Whether the interval holds at least one version under `cmp`.
    fn non_empty(&self, cmp: Comparator) -> bool {
        match (&self.lo, &self.hi) {
            (Some(l), Some(h)) => match cmp.compare(&l.version, &h.version) {
                Ordering::Less => true,
                Ordering::Equal => l.inclusive && h.inclusive,
                Ordering::Greater => false,
            },
            _ => true,
        }
    }

    /// The versions in both intervals.
    fn and(&self, other: &Interval, cmp: Comparator) -> Interval {
        let lo = match (&self.lo, &other.lo) {
            (None, x) | (x, None) => x.clone(),
            (Some(a), Some(b)) => Some(match cmp.compare(&a.version, &b.version) {
                Ordering::Greater => a.clone(),
                Ordering::Less => b.clone(),
                Ordering::Equal if a.inclusive => b.clone(),
                Ordering::Equal => a.clone(),
            }),
        };
        let hi = match (&self.hi, &other.hi) {
            (None, x) | (x, None) => x.clone(),
            (Some(a), Some(b)) => Some(match cmp.compare(&a.version, &b.version) {
                Ordering::Less => a.clone(),
                Ordering::Greater => b.clone(),
                Ordering::Equal if a.inclusive => b.clone(),
                Ordering::Equal => a.clone(),
            }),
        };
        Interval { lo, hi }
    }
}

fn incl(v: &str) -> Bound {
    Bound {
        version: v.to_string(),
        inclusive: true,
    }
}

fn excl(v: &str) -> Bound {
    Bound {
        version: v.to_string(),
        inclusive: false,
    }
}

/// A declared range: the union of its intervals (empty: no version satisfies it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSet {
    /// The ecosystem whose ordering the bounds are in.
    pub ecosystem: Ecosystem,
    /// The intervals.
    pub intervals: Vec<Interval>,
}

impl VersionSet {
    /// Whether some version of this set is in some affected range or listed version of `a`.
    pub fn intersects(&self, a: &Affected) -> bool {
        affected_intervals(self.ecosystem, a)
            .iter()
            .any(|(cmp, j)| {
                self.intervals
                    .iter()
                    .any(|i| i.and(j, *cmp).non_empty(*cmp))
            })
    }
}

/// A declared range that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the version range `{range}`: {reason}")]
pub struct RangeError {
    /// The range as written.
    pub range: String,
    /// What is wrong.
    pub reason: String,
}

/// Longest range read; a longer one is refused (bounded work per dependency).
pub const MAX_RANGE_LEN: usize = 1024;

/// Reads a declared range of `syntax` for packages of `eco`.
pub fn parse(syntax: Syntax, eco: Ecosystem, text: &str) -> Result<VersionSet, RangeError> {
    let err = |reason: &str| RangeError {
        range: text.to_string(),
        reason: reason.to_string(),
    };
    if text.len() > MAX_RANGE_LEN {
        return Err(err("longer than 1024 characters"));
    }
    let cmp = Comparator::Ecosystem(eco);
    let t = text.trim();
    if t == "*" {
        return Ok(VersionSet {
            ecosystem: eco,
            intervals: vec![Interval::any()],
        });
    }
    let intervals = match syntax {
        Syntax::Npm => alternatives(t, "||", |alt| npm_alt(alt, cmp)),
        Syntax::Cargo => conjunction(t.split(','), cmp, |c| semver_clause(c, Flavour::Cargo)),
        Syntax::Pep440 => conjunction(t.split(','), cmp, pep440_clause),
        Syntax::Poetry => alternatives(t, "||", |alt| {
            let alts: Vec<&str> = alt.split('|').collect();
            let mut out = Vec::new();
            for a in alts {
                out.extend(conjunction(split_and(a, true), cmp, poetry_clause)?);
            }
            Ok(out)
        }),
        Syntax::Ruby => conjunction(t.split(','), cmp, ruby_clause),
        Syntax::Composer => alternatives(t, "||", |alt| {
            let mut out = Vec::new();
            for a in alt.split('|') {
                out.extend(composer_alt(a, cmp)?);
            }
            Ok(out)
        }),
        Syntax::Interval => interval_notation(t),
    }
    .map_err(|reason| err(&reason))?;
    Ok(VersionSet {
        ecosystem: eco,
        intervals,
    })
}

/// The union of `f` over the `sep`-separated alternatives.
fn alternatives(
    t: &str,
    sep: &str,
    f: impl Fn(&str) -> Result<Vec<Interval>, String>,
) -> Result<Vec<Interval>, String> {
    let mut out = Vec::new();
    for alt in t.split(sep) {
        out.extend(f(alt.trim())?);
    }
    Ok(out)
}

/// The intersection of the clauses (empty clauses ignored): one interval, or none when empty.
fn conjunction<'a>(
    clauses: impl Iterator<Item = &'a str>,
    cmp: Comparator,
    f: impl Fn(&str) -> Result<Interval, String>,
) -> Result<Vec<Interval>, String> {
    let mut acc = Interval::any();
    for c in clauses {
        let c = c.trim();
        if c.is_empty() {
            continue;
        }
        acc = acc.and(&f(c)?, cmp);
    }
    Ok(if acc.non_empty(cmp) {
        vec![acc]
    } else {
        vec![]
    })
}

/// Splits a comparator set on white space (and commas when `commas`), keeping an operator
/// written apart from its version (`>= 1.2`) with it.
fn split_and(t: &str, commas: bool) -> impl Iterator<Item = &str> {
    let mut parts: Vec<&str> = Vec::new();
    let mut pending: Option<usize> = None;
    let mut pieces = Vec::new();
    let seps: &[char] = if commas {
        &[' ', '\t', ',']
    } else {
        &[' ', '\t']
    };
    let mut start = None;
    for (i, ch) in t.char_indices() {
        if seps.contains(&ch) {
            if let Some(s) = start.take() {
                pieces.push((s, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        pieces.push((s, t.len()));
    }
    for (s, e) in pieces {
        let piece = &t[s..e];
        match pending.take() {
            Some(ps) => parts.push(&t[ps..e]),
            None if !piece.is_empty() && piece.chars().all(|c| "<>=!^~".contains(c)) => {
                pending = Some(s)
            }
            None => parts.push(piece),
        }
    }
    if let Some(ps) = pending {
        parts.push(&t[ps..]);
    }
    parts.into_iter()
}

/// Splits a leading operator off a clause.
fn operator<'a>(c: &'a str, ops: &[&'static str]) -> (&'static str, &'a str) {
    for &op in ops {
        if let Some(rest) = c.strip_prefix(op) {
            return (op, rest.trim());
        }
    }
    ("", c.trim())
}

/// A partly written semver-like version: numbers (`None` for `x`, `*` or a missing part) and
/// the pre-release/build rest.
struct Partial {
    parts: Vec<Option<u64>>,
    rest: String,
}

impl Partial {
    fn read(v: &str) -> Result<Partial, String> {
        let v = v.strip_prefix(['v', 'V']).unwrap_or(v).trim();
        if v.is_empty() {
            return Err("empty version".into());
        }
        let (core, rest) = match v.find(['-', '+']) {
            Some(i) => (&v[..i], &v[i..]),
            None => (v, ""),
        };
        let mut parts = Vec::new();
        for p in core.split('.') {
            match p {
                "x" | "X" | "*" => parts.push(None),
                n if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => parts.push(Some(
                    n.parse::<u64>()
                        .map_err(|_| format!("`{n}` is too large"))?,
                )),
                _ => return Err(format!("`{v}` is not a version")),
            }
        }
        if parts.len() > 4 {
            return Err(format!("`{v}` has too many parts"));
        }
        // `1.x.3` reads as `1.x`; a pre-release counts only after a whole version.
        let wild = parts.iter().position(Option::is_none);
        if let Some(i) = wild {
            parts.truncate(i);
        }
        let rest = if wild.is_none() && parts.len() >= 3 {
            rest.to_string()
        } else {
            String::new()
        };
        Ok(Partial { parts, rest })
    }

    /// Number of numbers written.
    fn given(&self) -> usize {
        self.parts.len()
    }

    fn n(&self, i: usize) -> u64 {
        self.parts.get(i).copied().flatten().unwrap_or(0)
    }

    /// The version with missing parts as 0 (`width` parts), with the pre-release kept.
    fn floor(&self, width: usize) -> String {
        let mut s = (0..width.max(self.given()))
            .map(|i| self.n(i).to_string())
            .collect::<Vec<_>>()
            .join(".");
        s.push_str(&self.rest);
        s
    }

    /// The first version after every version starting with the first `k` numbers (`k` ≥ 1).
    fn bump(&self, k: usize, width: usize) -> String {
        let mut nums: Vec<u64> = (0..k).map(|i| self.n(i)).collect();
        if let Some(last) = nums.last_mut() {
            *last = last.saturating_add(1);
        }
        nums.resize(width.max(k), 0);
        nums.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// What differs between the semver-family readings.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavour {
    /// npm: a bare version is an x-range (`1.2` = `1.2.x`).
    Npm,
    /// Cargo: a bare version is a caret requirement.
    Cargo,
    /// Poetry and Composer: a bare full version is exact, a partial one a wildcard.
    Exact,
}

/// One semver-style comparator (`^1.2`, `~1`, `>=1.0.0`, `1.x`, `*`) as an interval.
fn semver_clause(c: &str, flavour: Flavour) -> Result<Interval, String> {
    let width = 3;
    let (op, v) = operator(c, &["<=", ">=", "<", ">", "==", "=", "^", "~>", "~"]);
    if v.is_empty() || matches!(v, "*" | "x" | "X") {
        return match op {
            "" | "=" | "==" | ">=" | "^" | "~" | "~>" => Ok(Interval::any()),
            _ => Err(format!("`{c}` holds no version")),
        };
    }
    let p = Partial::read(v)?;
    let given = p.given();
    if given == 0 {
        return Ok(Interval::any());
    }
    let floor = p.floor(width);
    let wildcard = |p: &Partial| Interval {
        lo: Some(incl(&p.floor(width))),
        hi: Some(excl(&p.bump(p.given(), width))),
    };
    Ok(match op {
        "^" => caret(&p, width),
        "~" | "~>" => Interval {
            lo: Some(incl(&floor)),
            hi: Some(excl(&p.bump(if given >= 2 { 2 } else { 1 }, width))),
        },
        ">=" => Interval {
            lo: Some(incl(&floor)),
            hi: None,
        },
        ">" if given < width => Interval {
            lo: Some(incl(&p.bump(given, width))),
            hi: None,
        },
        ">" => Interval {
            lo: Some(excl(&floor)),
            hi: None,
        },
        "<" => Interval {
            lo: None,
            hi: Some(excl(&floor)),
        },
        "<=" if given < width => Interval {
            lo: None,
            hi: Some(excl(&p.bump(given, width))),
        },
        "<=" => Interval {
            lo: None,
            hi: Some(incl(&floor)),
        },
        "" if flavour == Flavour::Cargo => caret(&p, width),
        _ if given < width => wildcard(&p),
        _ => Interval::exact(&floor),
    })
}

/// `^v`: up to the next change of the first non-zero number written (`^0.0` → `<0.1.0`).
fn caret(p: &Partial, width: usize) -> Interval {
    // ^0.0.0 → <0.0.1, ^0.0 → <0.1.0, ^0 → <1.0.0.
    let k = (0..p.given())
        .find(|&i| p.n(i) != 0)
        .map_or(p.given(), |i| i + 1);
    Interval {
        lo: Some(incl(&p.floor(width))),
        hi: Some(excl(&p.bump(k.max(1), width))),
    }
}

/// One `||` alternative of an npm range.
fn npm_alt(alt: &str, cmp: Comparator) -> Result<Vec<Interval>, String> {
    if alt.is_empty() || alt == "latest" {
        return Ok(vec![Interval::any()]);
    }
    if let Some((a, b)) = alt.split_once(" - ") {
        let lo = Partial::read(a.trim())?;
        let hi = Partial::read(b.trim())?;
        let upper = if hi.given() < 3 {
            excl(&hi.bump(hi.given().max(1), 3))
        } else {
            incl(&hi.floor(3))
        };
        let i = Interval {
            lo: Some(incl(&lo.floor(3))),
            hi: if hi.given() == 0 { None } else { Some(upper) },
        };
        return Ok(if i.non_empty(cmp) { vec![i] } else { vec![] });
    }
    conjunction(split_and(alt, false), cmp, |c| {
        semver_clause(c, Flavour::Npm)
    })
}

/// One PEP 440 specifier clause.
fn pep440_clause(c: &str) -> Result<Interval, String> {
    let (op, v) = operator(c, &["===", "==", "!=", "~=", "<=", ">=", "<", ">"]);
    if v.is_empty() {
        return Err(format!("`{c}` holds no version"));
    }
    if op == "!=" {
        // Excludes versions the intervals cannot express: kept in (conservative).
        return Ok(Interval::any());
    }
    if !v
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || ".*+!-_".contains(ch))
    {
        return Err(format!("`{v}` is not a version"));
    }
    let release: Vec<&str> = v
        .split(['+', 'a', 'b', 'r', 'c', 'd', 'p'])
        .next()
        .unwrap_or(v)
        .split('.')
        .collect();
    let nums: Vec<u64> = release.iter().filter_map(|s| s.parse().ok()).collect();
    let bump = |k: usize| -> String {
        let mut n: Vec<u64> = nums.iter().take(k).copied().collect();
        n.resize(k.max(1), 0);
        if let Some(l) = n.last_mut() {
            *l = l.saturating_add(1);
        }
        format!(
            "{}.dev0",
            n.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
        )
    };
    Ok(match op {
        "==" if v.ends_with(".*") => {
            let base = v.trim_end_matches(".*");
            let k = base.split('.').count();
            Interval {
                lo: Some(incl(&format!("{base}.dev0"))),
                hi: Some(excl(&bump(k))),
            }
        }
        "==" | "===" => Interval::exact(v),
        "~=" => {
            if nums.len() < 2 {
                return Err(format!("`{c}`: ~= needs at least two release numbers"));
            }
            Interval {
                lo: Some(incl(v)),
                hi: Some(excl(&bump(nums.len() - 1))),
            }
        }
        ">=" => Interval {
            lo: Some(incl(v)),
            hi: None,
        },
        ">" => Interval {
            lo: Some(excl(v)),
            hi: None,
        },
        "<" => Interval {
            lo: None,
            hi: Some(excl(v)),
        },
        "<=" => Interval {
            lo: None,
            hi: Some(incl(v)),
        },
        _ => return Err(format!("`{c}` has no operator (write `=={c}`)")),
    })
}

/// One Poetry constraint clause: PEP 440 operators, or `^`, `~`, `*`, bare versions.
fn poetry_clause(c: &str) -> Result<Interval, String> {
    if c.starts_with("~=") || c.starts_with("==") || c.starts_with("!=") || c.starts_with("===") {
        return pep440_clause(c);
    }
    if c.starts_with(['<', '>']) {
        return pep440_clause(c);
    }
    semver_clause(c, Flavour::Exact)
}

/// One RubyGems requirement clause.
fn ruby_clause(c: &str) -> Result<Interval, String> {
    let (op, v) = operator(c, &["~>", ">=", "<=", "!=", "=", ">", "<"]);
    if v.is_empty() {
        return Err(format!("`{c}` holds no version"));
    }
    if !v
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-')
    {
        return Err(format!("`{v}` is not a version"));
    }
    let nums: Vec<&str> = v.split('.').collect();
    Ok(match op {
        "~>" => {
            // `~> 2.2.1` → < 2.3; `~> 2.2` → < 3; `~> 2` → < 3.
            let k = if nums.len() > 1 { nums.len() - 1 } else { 1 };
            let mut up: Vec<u64> = nums
                .iter()
                .take(k)
                .map(|n| n.parse().unwrap_or(0))
                .collect();
            if let Some(l) = up.last_mut() {
                *l = l.saturating_add(1);
            }
            Interval {
                lo: Some(incl(v)),
                hi: Some(excl(&format!(
                    "{}.a",
                    up.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
                ))),
            }
        }
        "!=" => Interval::any(),
        ">=" => Interval {
            lo: Some(incl(v)),
            hi: None,
        },
        ">" => Interval {
            lo: Some(excl(v)),
            hi: None,
        },
        "<" => Interval {
            lo: None,
            hi: Some(excl(v)),
        },
        "<=" => Interval {
            lo: None,
            hi: Some(incl(v)),
        },
        _ => Interval::exact(v),
    })
}

/// One `||` alternative of a Composer constraint.
fn composer_alt(alt: &str, cmp: Comparator) -> Result<Vec<Interval>, String> {
    let alt = alt.trim();
    if alt.starts_with("dev-") || (alt.ends_with("-dev") && !alt.contains('.')) {
        return Err(format!("`{alt}` is a branch, not a version range"));
    }
    if let Some((a, b)) = alt.split_once(" - ") {
        return npm_alt(&format!("{} - {}", strip_flag(a), strip_flag(b)), cmp);
    }
    let clauses: Vec<String> = split_and(alt, true).map(strip_flag).collect();
    conjunction(clauses.iter().map(String::as_str), cmp, |c| {
        let (op, v) = operator(c, &["~"]);
        if op == "~" {
            // Composer's tilde: `~1.2` → <2.0, `~1.2.3` → <1.3.
            let p = Partial::read(v)?;
            let k = if p.given() >= 2 { p.given() - 1 } else { 1 };
            return Ok(Interval {
                lo: Some(incl(&p.floor(3))),
                hi: Some(excl(&p.bump(k, 3))),
            });
        }
        if c.starts_with("!=") {
            return Ok(Interval::any());
        }
        semver_clause(c, Flavour::Exact)
    })
}

/// A version without its Composer stability flag (`1.2@beta`, `@dev`).
fn strip_flag(s: &str) -> String {
    let s = s.trim();
    match s.find('@') {
        Some(0) => "*".to_string(),
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// NuGet/Maven: `1.2` (itself), `[1.2]` (exact), `[1.0,2.0)`, `(,1.0]`, unions of intervals
/// separated by commas (Maven), `1.+`/`1.*` (floating).
fn interval_notation(t: &str) -> Result<Vec<Interval>, String> {
    if t.is_empty() || t == "*" || t == "+" {
        return Ok(vec![Interval::any()]);
    }
    if !t.starts_with(['[', '(']) {
        if let Some(base) = t.strip_suffix(".+").or_else(|| t.strip_suffix(".*")) {
            let p = Partial::read(base)?;
            return Ok(vec![Interval {
                lo: Some(incl(&p.floor(p.given()))),
                hi: Some(excl(&p.bump(p.given(), p.given()))),
            }]);
        }
        if t.contains([',', ' ', '[', ']', '(', ')']) {
            return Err(format!("`{t}` is not a version"));
        }
        // A bare version: NuGet resolves the lowest applicable version (this one), Maven
        // and Gradle take it unless a conflict raises it.
        return Ok(vec![Interval::exact(t)]);
    }
    let mut out = Vec::new();
    let mut rest = t;
    while !rest.is_empty() {
        let open = rest.chars().next().unwrap_or('[');
        let Some(end) = rest.find([']', ')']) else {
            return Err("an interval is not closed".into());
        };
        let close = &rest[end..end + 1];
        let inner = &rest[1..end];
        let (lo, hi) = match inner.split_once(',') {
            Some((a, b)) => (a.trim(), b.trim()),
            None if open == '[' && close == "]" => (inner.trim(), inner.trim()),
            None => {
                return Err(format!(
                    "`{inner}`: an exact version is written `[{inner}]`"
                ));
            }
        };
        out.push(Interval {
            lo: (!lo.is_empty()).then(|| Bound {
                version: lo.to_string(),
                inclusive: open == '[',
            }),
            hi: (!hi.is_empty()).then(|| Bound {
                version: hi.to_string(),
                inclusive: close == "]",
            }),
        });
        rest = rest[end + 1..]
            .trim_start()
            .trim_start_matches(',')
            .trim_start();
        if !rest.is_empty() && !rest.starts_with(['[', '(']) {
            return Err(format!("unexpected `{rest}`"));
        }
    }
    Ok(out)
}

/// The affected versions of an OSV entry as intervals, each with the ordering its range uses;
/// listed versions are single-version intervals.
pub fn affected_intervals(eco: Ecosystem, a: &Affected) -> Vec<(Comparator, Interval)> {
    let mut out: Vec<(Comparator, Interval)> = a
        .versions
        .iter()
        .map(|v| (Comparator::Ecosystem(eco), Interval::exact(v)))
        .collect();
    for r in &a.ranges {
        let cmp = match r.kind {
            RangeKind::Semver => Comparator::Semver,
            RangeKind::Ecosystem => Comparator::Ecosystem(eco),
        };
        let mut events: Vec<&crate::db::Event> = r.events.iter().collect();
        events.sort_by(|x, y| match (zero(x), zero(y)) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => cmp.compare(&x.version, &y.version),
        });
        let limits: Vec<&str> = events
            .iter()
            .filter(|e| e.kind == EventKind::Limit && e.version != "*")
            .map(|e| e.version.as_str())
            .collect();
        let mut open: Option<Option<Bound>> = None;
        let mut push = |lo: Option<Bound>, hi: Option<Bound>| {
            let mut i = Interval { lo, hi };
            for l in &limits {
                i = i.and(
                    &Interval {
                        lo: None,
                        hi: Some(excl(l)),
                    },
                    cmp,
                );
            }
            out.push((cmp, i));
        };
        for e in events {
            match e.kind {
                EventKind::Introduced if open.is_none() => {
                    open = Some((!zero(e)).then(|| incl(&e.version)));
                }
                EventKind::Fixed => {
                    if let Some(lo) = open.take() {
                        push(lo, Some(excl(&e.version)));
                    }
                }
                EventKind::LastAffected => {
                    if let Some(lo) = open.take() {
                        push(lo, Some(incl(&e.version)));
                    }
                }
                _ => {}
            }
        }
        if let Some(lo) = open {
            push(lo, None);
        }
    }
    out
}

/// `introduced: "0"`: from the first version on.
fn zero(e: &crate::db::Event) -> bool {
    e.kind == EventKind::Introduced && e.version == "0"
}

#[cfg(test)]
mod tests;
