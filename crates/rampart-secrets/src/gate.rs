//! Gates: a cheap necessary condition checked at a keyword hit before a rule's regex runs.
//!
//! Most keyword hits are not secrets: `token` is in every tokenizer, `://` in every URL. Running
//! a rule's whole regex over the line for each of them (captures, leftmost-first search) costs
//! far more than asking one anchored question at the hit. A gate is that question, derived from
//! the rule's pattern, never written by hand: when the pattern is a sequence with a run of
//! elements whose every string starts with a keyword of the rule (`(?:secret|token|api[_-]?key)`,
//! or `(?i:github)`, six one-letter classes), every match has one of those keywords there, so the
//! pattern from that run on must match exactly at the keyword hit. `tokenizer = Tokenizer()`
//! fails the gate of `(?i)[\w.-]*(?:secret|token)[\w.-]*\s*[:=]\s*(?P<secret>[A-Za-z0-9]{20,})`
//! at `(`. When every match starts with a keyword (`Rule::anchored_len`), the gate is the whole
//! pattern.
//!
//! Where the part of the pattern before that run cannot be empty, it is a second gate, matched
//! backward from the hit (`Gate::derive_before`): `https://user:pass@` must end right before
//! `elastic` in an Elasticsearch URI.
//!
//! Gates run in lazy DFAs, anchored, without captures (compiling one is a fraction of a full
//! regex), with one cache per thread; the bytes a match must have at fixed distances from the
//! hit are checked first. The rule's regex then runs only where its gates passed. A failing gate
//! proves that no match goes through the hit, so findings do not change (the tests run every
//! rule's examples and the labelled corpus with gates, and compare with a run without them).

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson::{self, NFA, State, WhichCaptures};
use regex_automata::util::primitives::StateID;
use regex_automata::{Anchored, Input};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::sync::OnceLock;

/// A rule's gate: an anchored pattern, compiled on first use, that must match from a keyword
/// hit forward, or (a gate `before`) backward, ending at the hit.
pub struct Gate {
    hir: Hir,
    /// Whether the pattern must match the text before the hit, ending there.
    before: bool,
    compiled: OnceLock<Option<Compiled>>,
}

/// A compiled gate: its lazy DFA and the bytes its matches may start with.
struct Compiled {
    dfa: DFA,
    /// For the first bytes of every match (the last ones, for a gate `before`), the distance
    /// from the hit and the set of bytes possible there, most selective first
    /// (`pat[A-Za-z0-9]{14}\.`: the `.` at 17 before the classes). A byte outside its set
    /// refutes the gate without running the DFA.
    lead: Vec<(usize, ByteSet)>,
}

/// A set of bytes, one bit each.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.0[usize::from(b >> 6)] |= 1 << (b & 63);
        }
    }
    #[inline(always)]
    fn contains(&self, b: u8) -> bool {
        (self.0[usize::from(b >> 6)] >> (b & 63)) & 1 != 0
    }
    fn len(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }
}

/// One thread's lazy-DFA cache for one gate (made at its first use on that thread).
#[derive(Default)]
pub struct GateCache(Option<Cache>);

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate").field("hir", &self.hir).finish()
    }
}

/// How many literal strings a keyword element may stand for.
const MAX_STRINGS: usize = 64;
/// Classes of at most this many bytes (after case folding) are expanded into literals.
const MAX_CLASS_BYTES: usize = 4;
/// How many leading byte positions of a gate's matches are worked out for the quick check.
const LEAD_BYTES: usize = 32;
/// A lead position whose set has more bytes than this refutes too little to be worth a check.
const LEAD_MAX_SET: u32 = 200;

impl Gate {
    /// The gate of a pattern (parsed as `hir`) whose keywords are `keywords` (lower case);
    /// `anchored` says every match starts with a keyword.
    pub fn derive(hir: &Hir, keywords: &[String], anchored: bool) -> Option<Gate> {
        if anchored {
            return Some(Gate::new(hir.clone(), false));
        }
        let (parts, i) = keyword_run(hir, keywords)?;
        Some(Gate::new(Hir::concat(parts[i..].to_vec()), false))
    }

    /// The gate `before` the keyword run of a pattern (as for `derive`): the pattern up to the
    /// run must match the text before a keyword hit, ending there. `None` where that part of
    /// the pattern may match the empty string (it would refute nothing) or there is no run.
    /// `(?i)\bhttps?://[^\s:@/]+:(?P<secret>[^\s@]+)@[\w.\-]*(?:elastic|opensearch)` has the
    /// gate `\bhttps?://[^\s:@/]+:[^\s@]+@[\w.\-]*` before `elastic`: most lines that mention
    /// Elasticsearch are refuted by the byte before the word.
    pub fn derive_before(hir: &Hir, keywords: &[String]) -> Option<Gate> {
        let (parts, i) = keyword_run(hir, keywords)?;
        let before = Hir::concat(parts[..i].to_vec());
        (before.properties().minimum_len().unwrap_or(0) > 0).then(|| Gate::new(before, true))
    }

    fn new(hir: Hir, before: bool) -> Gate {
        Gate {
            hir,
            before,
            compiled: OnceLock::new(),
        }
    }

    /// The compiled gate, `None` if it could not be compiled.
    fn compiled(&self) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| {
                let nfa = thompson::Compiler::new()
                    .configure(
                        thompson::Config::new()
                            .which_captures(WhichCaptures::None)
                            .reverse(self.before)
                            .nfa_size_limit(Some(1 << 23)),
                    )
                    .build_from_hir(&self.hir)
                    .ok()?;
                let lead = lead_bytes(&nfa, LEAD_BYTES);
                let dfa = DFA::builder().build_from_nfa(nfa).ok()?;
                Some(Compiled { dfa, lead })
            })
            .as_ref()
    }

    /// Whether the gate matches in `hay` starting exactly at `at`, a keyword hit's start (the
    /// text before `at` is context for look-behind; the end of `hay` is the end of text), or
    /// for a gate `before`, ending exactly at `at` (anywhere from the start of `hay`). A gate
    /// that could not be compiled passes everything.
    pub fn passes(&self, hay: &[u8], at: usize) -> bool {
        self.passes_with(hay, at, &mut GateCache::default())
    }

    /// `passes`, with this thread's cache for this gate (a cache must only ever serve one
    /// gate).
    pub fn passes_with(&self, hay: &[u8], at: usize, cache: &mut GateCache) -> bool {
        let Some(c) = self.compiled() else {
            return true;
        };
        // A byte that no match can have at its offset refutes the gate at once; an offset past
        // the text's end proves nothing here.
        for (k, set) in &c.lead {
            let byte = if self.before {
                at.checked_sub(k + 1).map(|i| hay[i])
            } else {
                hay.get(at + k).copied()
            };
            if let Some(b) = byte
                && !set.contains(b)
            {
                return false;
            }
        }
        let input = Input::new(hay).anchored(Anchored::Yes).earliest(true);
        let cache = cache.0.get_or_insert_with(|| c.dfa.create_cache());
        // A search the lazy DFA gives up on proves nothing: the gate passes.
        let found = if self.before {
            c.dfa.try_search_rev(cache, &input.range(..at))
        } else {
            c.dfa.try_search_fwd(cache, &input.range(at..))
        };
        found.map_or(true, |m| m.is_some())
    }
}

/// For each of the first `limit` byte offsets of the matches of `nfa` (anchored), the bytes a
/// match may have there, as (offset, set), most selective first, leaving out sets too large to
/// refute much. Look-around is taken as always true, so each set holds at least every byte a
/// real match has there; the positions stop where a match may already have ended.
fn lead_bytes(nfa: &NFA, limit: usize) -> Vec<(usize, ByteSet)> {
    let mut lead = Vec::new();
    let mut current = closure(nfa, &[nfa.start_anchored()]);
    for offset in 0..limit {
        let mut set = ByteSet::default();
        let mut next = Vec::new();
        let mut ends = false;
        for &id in &current {
            match nfa.state(id) {
                State::ByteRange { trans } => {
                    set.insert_range(trans.start, trans.end);
                    next.push(trans.next);
                }
                State::Sparse(sparse) => {
                    for t in sparse.transitions.iter() {
                        set.insert_range(t.start, t.end);
                        next.push(t.next);
                    }
                }
                State::Dense(dense) => {
                    for (b, &to) in dense.transitions.iter().enumerate() {
                        if to != StateID::ZERO {
                            set.insert_range(b as u8, b as u8);
                            next.push(to);
                        }
                    }
                }
                State::Match { .. } => ends = true,
                _ => {}
            }
        }
        if ends || next.is_empty() {
            break;
        }
        if set.len() <= LEAD_MAX_SET {
            lead.push((offset, set));
        }
        current = closure(nfa, &next);
    }
    // Among sets of one size, later offsets first: the first are the keyword, already found.
    lead.sort_by_key(|(offset, set)| (set.len(), std::cmp::Reverse(*offset)));
    lead
}

/// The states reachable from `from` without reading a byte (look-around taken as true).
fn closure(nfa: &NFA, from: &[StateID]) -> Vec<StateID> {
    let mut seen = vec![false; nfa.states().len()];
    let mut stack: Vec<StateID> = from.to_vec();
    let mut out = Vec::new();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.as_usize()], true) {
            continue;
        }
        match nfa.state(id) {
            State::Look { next, .. } | State::Capture { next, .. } => stack.push(*next),
            State::Union { alternates } => stack.extend(alternates.iter().copied()),
            State::BinaryUnion { alt1, alt2 } => stack.extend([*alt1, *alt2]),
            State::Fail => {}
            _ => out.push(id),
        }
    }
    out
}

/// A pattern's top-level sequence (without capture groups) and where in it the first run of
/// elements starts whose every string starts with one of `keywords` (`(?i:github)` is six
/// one-letter classes): every match has a keyword there.
fn keyword_run(hir: &Hir, keywords: &[String]) -> Option<(Vec<Hir>, usize)> {
    let flat = without_captures(hir);
    let parts = match flat.kind() {
        HirKind::Concat(parts) => parts.clone(),
        _ => return None,
    };
    let starts_with_keyword = |s: &Vec<u8>| {
        keywords
            .iter()
            .any(|k| !k.is_empty() && s.starts_with(k.as_bytes()))
    };
    for i in 0..parts.len() {
        let mut set = vec![Vec::new()];
        for part in &parts[i..] {
            let Some(next) = literal_strings(part).and_then(|n| product(&set, &n)) else {
                break;
            };
            set = next;
            if set.iter().all(starts_with_keyword) {
                return Some((parts, i));
            }
        }
    }
    None
}

/// `hir` without capture groups (they do not change what it matches), so that the groups of a
/// sequence become part of it: `\b(?P<secret>[a-f0-9]{32}-us\d{1,2})\b` is one sequence.
fn without_captures(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Capture(c) => without_captures(&c.sub),
        HirKind::Concat(parts) => Hir::concat(parts.iter().map(without_captures).collect()),
        HirKind::Alternation(alts) => Hir::alternation(alts.iter().map(without_captures).collect()),
        HirKind::Repetition(r) => Hir::repetition(regex_syntax::hir::Repetition {
            sub: Box::new(without_captures(&r.sub)),
            ..r.clone()
        }),
        _ => hir.clone(),
    }
}

/// Every string `hir` can match, lower-cased, if it matches only a few fixed strings (letters
/// in either case count as one).
fn literal_strings(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let set = match hir.kind() {
        // A look-around matches no text: the element then stands for the same strings, at
        // fewer places.
        HirKind::Empty | HirKind::Look(_) => vec![Vec::new()],
        HirKind::Literal(l) => vec![l.0.to_ascii_lowercase()],
        HirKind::Class(c) => class_bytes(c)?.into_iter().map(|b| vec![b]).collect(),
        HirKind::Capture(c) => literal_strings(&c.sub)?,
        HirKind::Repetition(r) if r.min == 0 && r.max == Some(1) => {
            let mut set = literal_strings(&r.sub)?;
            set.push(Vec::new());
            set
        }
        HirKind::Concat(parts) => {
            let mut set = vec![Vec::new()];
            for p in parts {
                set = product(&set, &literal_strings(p)?)?;
            }
            set
        }
        HirKind::Alternation(alts) => {
            let mut set = Vec::new();
            for a in alts {
                set.extend(literal_strings(a)?);
                if set.len() > MAX_STRINGS {
                    return None;
                }
            }
            set
        }
        _ => return None,
    };
    let mut set = set;
    set.sort();
    set.dedup();
    Some(set)
}

/// Every concatenation of a string of `a` with one of `b`, unless there are too many.
fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len() * b.len() > MAX_STRINGS {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| [x.as_slice(), y].concat()))
            .collect(),
    )
}

/// The bytes of a small class, lower-cased and deduplicated; `None` for a large one.
fn class_bytes(class: &Class) -> Option<Vec<u8>> {
    let ranges: Vec<(u32, u32)> = match class {
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        Class::Unicode(c) => c
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
    };
    let mut bytes = Vec::new();
    for (lo, hi) in ranges {
        if hi > 0x7f || hi - lo >= 2 * MAX_CLASS_BYTES as u32 {
            return None;
        }
        bytes.extend((lo..=hi).map(|b| (b as u8).to_ascii_lowercase()));
    }
    bytes.sort_unstable();
    bytes.dedup();
    (bytes.len() <= MAX_CLASS_BYTES).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hir(p: &str) -> Hir {
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(p)
            .unwrap()
    }

    fn kws(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keyword_elements_expand_to_their_strings() {
        let set = literal_strings(&hir("(?i)(?:api[_\\-]?key|token)")).unwrap();
        let set: Vec<String> = set
            .into_iter()
            .map(|s| String::from_utf8(s).unwrap())
            .collect();
        assert_eq!(set, ["api-key", "api_key", "apikey", "token"]);
        assert!(literal_strings(&hir("[a-z]+")).is_none());
        assert!(literal_strings(&hir("[0-9]")).is_none());
    }

    #[test]
    fn gate_starts_at_the_keyword_run() {
        let p =
            r#"(?i)[\w.\-]*(?:secret|token)s?[\w.\-]*\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9]{20,})"#;
        let g = Gate::derive(&hir(p), &kws(&["secret", "token"]), false).unwrap();
        // rampart:ignore secrets/generic-high-entropy-secret synthetic value for the gate test
        let hay = b"x api_token = 'q0xFcXckmhyWMm8P9iVcvqV4Vkpk0UgT'";
        assert!(g.passes(hay, 6));
        assert!(!g.passes(b"tokenizer = Tokenizer()", 0));
        assert!(!g.passes(hay, 5));
        // Letters spelled one class each, with a look-around inside the run.
        let p = r"(?i)\b(?:postgres|postgresql|pgsql)://[^\s:@/]*:(?P<secret>[^\s@]{3,})@";
        let g = Gate::derive(&hir(p), &kws(&["postgres", "pgsql"]), false).unwrap();
        assert!(g.passes(b"url = 'postgresql://app:s3cr3t@db'", 7));
        assert!(!g.passes(b"url = 'postgresql://db/app'", 7));
    }

    #[test]
    fn no_gate_unless_every_string_of_the_run_starts_with_a_keyword() {
        let p = r"(?i)(?:api[_\-]?key)\s*=\s*(?P<secret>[a-z0-9]{32})";
        assert!(Gate::derive(&hir(p), &kws(&["api_key", "apikey"]), false).is_none());
        assert!(Gate::derive(&hir(p), &kws(&["api_key", "apikey", "api-key"]), false).is_some());
        assert!(Gate::derive(&hir(p), &kws(&["api"]), false).is_some());
        // A pattern of alternatives has no single sequence to split.
        assert!(
            Gate::derive(&hir("token=x|secret=y"), &kws(&["token", "secret"]), false).is_none()
        );
        // Keywords that only give context (`twilio`) are not in the pattern.
        assert!(Gate::derive(&hir(r"\bAC[a-f0-9]{32}\b"), &kws(&["twilio"]), false).is_none());
    }

    #[test]
    fn lead_bytes_refute_without_the_dfa() {
        let g = Gate::derive(
            &hir(r"\bpat[A-Za-z0-9]{3}\.[a-f0-9]{4}\b"),
            &kws(&["pat"]),
            true,
        )
        .unwrap();
        let lead = &g.compiled().unwrap().lead;
        // The `.` comes first (one byte, the latest), then the literal letters, then classes.
        assert_eq!(lead[0].0, 6);
        assert_eq!(lead[0].1.len(), 1);
        assert!(lead.iter().all(|(k, _)| *k < 11));
        assert!(g.passes(b"x patAb9.00ff", 2));
        assert!(!g.passes(b"x path/to/file", 2));
        // Past the end of the text the lead proves nothing; the DFA decides.
        assert!(!g.passes(b"x patAb", 2));
        // A repetition that may end the match stops the lead there.
        let g = Gate::derive(&hir(r"ab(?:c|$)"), &kws(&["ab"]), true).unwrap();
        assert!(g.compiled().unwrap().lead.iter().all(|(k, _)| *k < 2));
        assert!(g.passes(b"ab", 0));
    }

    #[test]
    fn a_gate_before_matches_backward_from_the_hit() {
        let p =
            r"(?i)\bhttps?://[^\s:@/]{1,64}:(?P<secret>[^\s:@/]{3,64})@[\w.\-]*(?:elastic|\.es\.)";
        let kw = kws(&["elastic", ".es."]);
        let g = Gate::derive_before(&hir(p), &kw).unwrap();
        // rampart:ignore secrets/elasticsearch-uri-password synthetic URL for the gate test
        let hay = b"url = 'https://user:s3cr3tpw@node1.elastic.co:9200'";
        let at = 35;
        assert_eq!(&hay[at..at + 7], b"elastic");
        assert!(g.passes(hay, at));
        // `elastic` without credentials before it, or with them cut off by the start of text.
        assert!(!g.passes(b"from elasticsearch import Elasticsearch", 5));
        assert!(!g.passes(&hay[20..], at - 20));
        // The lead bytes look backward: the byte before the hit must be `[\w.\-@]`.
        assert!(!g.passes(b"x = 'https://user:s3cr3tpw@node1 elastic'", 33));
        // No gate where the part before the keywords may be empty.
        let p = r"(?i)[\w.\-]*(?:secret|token)\s*=\s*(?P<secret>[a-z0-9]{20,})";
        assert!(Gate::derive_before(&hir(p), &kws(&["secret", "token"])).is_none());
        // Nor without a keyword run.
        assert!(Gate::derive_before(&hir(r"\bAC[a-f0-9]{32}\b"), &kws(&["twilio"])).is_none());
    }

    #[test]
    fn whole_gate_is_anchored_at_the_keyword() {
        let g = Gate::derive(&hir(r"\bghp_[A-Za-z0-9]{36}\b"), &kws(&["ghp_"]), true).unwrap();
        let hay = b"t=ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        assert!(g.passes(hay, 2));
        assert!(!g.passes(hay, 1));
        // Look-behind sees the text before the gate: `\b` fails inside a word.
        assert!(!g.passes(b"xghp_abcdefghijklmnopqrstuvwxyz0123456789", 1));
    }
}
