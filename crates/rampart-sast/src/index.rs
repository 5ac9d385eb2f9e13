//! The rules of one language family, indexed for lookup: search-mode formulas and taint
//! sources, sinks and sanitizers, keyed by the last name of what they match.

use crate::formula::Formula;
use crate::profile::SourceProfile;
use crate::rules::{Mode, Rule};
use std::collections::HashMap;

/// A set of taint rules, by their index in [`Index::taint_rules`] (at most 256 per family).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuleSet([u64; 4]);

impl RuleSet {
    /// Every rule.
    pub const ALL: RuleSet = RuleSet([u64::MAX; 4]);
    pub(crate) fn one(i: usize) -> RuleSet {
        let mut s = RuleSet::default();
        if i < 256 {
            s.0[i / 64] |= 1 << (i % 64);
        }
        s
    }
    pub(crate) fn or(self, o: RuleSet) -> RuleSet {
        RuleSet(std::array::from_fn(|i| self.0[i] | o.0[i]))
    }
    pub(crate) fn and(self, o: RuleSet) -> RuleSet {
        RuleSet(std::array::from_fn(|i| self.0[i] & o.0[i]))
    }
    pub(crate) fn minus(self, o: RuleSet) -> RuleSet {
        RuleSet(std::array::from_fn(|i| self.0[i] & !o.0[i]))
    }
    pub(crate) fn is_empty(self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    pub(crate) fn iter(self) -> impl Iterator<Item = usize> {
        (0..256).filter(move |i| self.0[i / 64] & (1 << (i % 64)) != 0)
    }
}

/// What a rule pattern does in the taint analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Source,
    Sink,
    Sanitizer,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) formula: Formula,
    pub(crate) role: Role,
    pub(crate) rules: RuleSet,
    /// For parameter sources (function patterns).
    pub(crate) func: bool,
}

/// Rules of one family, indexed for fast lookup.
#[derive(Debug, Default)]
pub struct Index {
    /// Global rule index of each taint rule (the bit positions of [`RuleSet`]).
    pub taint_rules: Vec<usize>,
    pub(crate) entries: Vec<Entry>,
    pub(crate) by_key: HashMap<String, Vec<usize>>,
    pub(crate) wildcard: Vec<usize>,
    pub(crate) func_sources: Vec<usize>,
    pub(crate) props: Vec<(Formula, String, String)>,
    pub(crate) search: Vec<(usize, Formula)>,
    pub(crate) search_by_key: HashMap<String, Vec<usize>>,
    pub(crate) search_wild: Vec<usize>,
    /// Search formulas matched against the file's text (`pattern-regex` only).
    pub(crate) search_text: Vec<usize>,
    /// Guard sanitizers (conditions), with the rules they clean for.
    pub(crate) guards: Vec<(Formula, RuleSet)>,
    /// `safe-after` characters, with the rules for which input placed after them in a built
    /// string is harmless.
    pub(crate) safe_after: Vec<(char, RuleSet)>,
    /// The literals a file must contain for each search formula and source to match.
    pub prefilter: crate::prefilter::Prefilter,
}

impl Index {
    /// Indexes the rules of `family` among `rules`, with the sources of the `web` profile.
    pub fn new(rules: &[Rule], family: crate::lang::Family) -> Index {
        Index::with_profile(rules, family, SourceProfile::Web)
    }

    /// Indexes the rules of `family` among `rules`, with the sources `profile` admits.
    pub fn with_profile(
        rules: &[Rule],
        family: crate::lang::Family,
        profile: SourceProfile,
    ) -> Index {
        let mut ix = Index::default();
        let mut seen: HashMap<(String, u8), usize> = HashMap::new();
        for (gi, r) in rules.iter().enumerate() {
            if r.family != family {
                continue;
            }
            match &r.mode {
                Mode::Search(f) => {
                    let si = ix.search.len();
                    ix.search.push((gi, f.clone()));
                    if f.is_text_only() {
                        ix.search_text.push(si);
                        continue;
                    }
                    file_by_key(f, si, &mut ix.search_by_key, &mut ix.search_wild);
                }
                Mode::Taint(spec) => {
                    let bit = ix.taint_rules.len();
                    if bit >= 256 {
                        continue;
                    }
                    ix.taint_rules.push(gi);
                    let set = RuleSet::one(bit);
                    let sources: Vec<Formula> = spec
                        .sources
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| {
                            profile
                                .admits(spec.source_profiles.get(*i).copied().unwrap_or_default())
                        })
                        .map(|(_, f)| f.clone())
                        .collect();
                    for &c in &spec.safe_after {
                        match ix.safe_after.iter_mut().find(|(x, _)| *x == c) {
                            Some((_, rs)) => *rs = rs.or(set),
                            None => ix.safe_after.push((c, set)),
                        }
                    }
                    for g in &spec.guards {
                        match ix
                            .guards
                            .iter_mut()
                            .find(|(f, _)| format!("{f:?}") == format!("{g:?}"))
                        {
                            Some((_, rs)) => *rs = rs.or(set),
                            None => ix.guards.push((g.clone(), set)),
                        }
                    }
                    for (role, list) in [
                        (Role::Source, &sources),
                        (Role::Sink, &spec.sinks),
                        (Role::Sanitizer, &spec.sanitizers),
                    ] {
                        // Alternatives are indexed one by one.
                        let flat: Vec<&Formula> = list
                            .iter()
                            .flat_map(|f| match f {
                                Formula::Either(v) => v.iter().collect::<Vec<_>>(),
                                f => vec![f],
                            })
                            .collect();
                        for f in flat {
                            let sig = (format!("{f:?}"), role as u8);
                            if let Some(&e) = seen.get(&sig) {
                                ix.entries[e].rules = ix.entries[e].rules.or(set);
                                continue;
                            }
                            let e = ix.entries.len();
                            seen.insert(sig, e);
                            let func = f.is_function_pattern();
                            ix.entries.push(Entry {
                                formula: f.clone(),
                                role,
                                rules: set,
                                func,
                            });
                            if func {
                                ix.func_sources.push(e);
                                continue;
                            }
                            file_by_key(f, e, &mut ix.by_key, &mut ix.wildcard);
                        }
                    }
                    for p in &spec.propagators {
                        ix.props
                            .push((p.formula.clone(), p.from.clone(), p.to.clone()));
                    }
                }
            }
        }
        ix.prefilter = crate::prefilter::Prefilter::build(&ix, family);
        ix
    }
}

/// Files entry `i` (of formula `f`) under each last name `f` can match, or among the entries
/// tried on every node when it can match any.
fn file_by_key(
    f: &Formula,
    i: usize,
    by_key: &mut HashMap<String, Vec<usize>>,
    wildcard: &mut Vec<usize>,
) {
    match f.keys() {
        Some(keys) => {
            for k in keys {
                by_key.entry(k).or_default().push(i);
            }
        }
        None => wildcard.push(i),
    }
}
