//! The rule prefilter: from the rules' own patterns, literals a file must contain for a rule to
//! be able to match in it (`literals.rs`), all the family's literals in two Aho-Corasick
//! automata (names as written; `(?i)` regex literals ASCII case-insensitively) run once per
//! file. A search rule whose condition fails is
//! not tried on the file's nodes; a Java file in which no search rule and no taint source can
//! match is not parsed in the per-file pass at all (`engine/dormant.rs`).
//!
//! Invariant: the condition of a formula is necessary, so a rule skipped in a file could not
//! have matched there, and the findings are those without the prefilter (`[engines.sast]
//! prefilter = false`; `tests/prefilter.rs` compares).

pub mod literals;

use crate::index::{Index, Role};
use crate::lang::{Family, Lang};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use literals::{Cnf, Konst, Lit, formula_cnf};
use std::collections::HashMap;

/// A condition over literal ids: each clause needs one of its literals. Empty: always holds.
type Clauses = Vec<Vec<u32>>;

/// The literals of a family's rules and the conditions of its search formulas and sources.
#[derive(Debug, Clone, Default)]
pub struct Prefilter {
    /// The names made of identifier characters only, as written: a leftmost-longest search
    /// finds every whole-word occurrence (one overlapping a longer match is not a whole word).
    words: Option<Searcher>,
    /// The same for the case-insensitive ones.
    folded_words: Option<Searcher>,
    /// The other literals matched as written, then the two characters that `(?i)` folds with
    /// ASCII ones (`ſ`, the Kelvin sign): a text containing one counts as containing every
    /// literal.
    exact: Option<Searcher>,
    /// The case-insensitive literals.
    folded: Option<Searcher>,
    /// The literals that may stand in a string constant, in any case, for the text without its
    /// backslashes.
    escaped: Option<Searcher>,
    /// The literals, by id.
    names: Vec<Lit>,
    /// The condition of each search formula, in `Index::search` order.
    search: Vec<Clauses>,
    /// The condition of each taint source entry of the index; a file may hold a source when one
    /// of them holds.
    sources: Vec<Clauses>,
}

/// An automaton over some of the literals, with the id of each of its patterns (`u32::MAX`:
/// every literal).
#[derive(Debug, Clone)]
struct Searcher {
    ac: AhoCorasick,
    ids: Vec<u32>,
    /// Whether matches may overlap (else leftmost-longest, non-overlapping).
    overlapping: bool,
}

impl Searcher {
    fn new(pats: Vec<(&[u8], u32)>, ci: bool, overlapping: bool) -> Option<Searcher> {
        let (pats, ids): (Vec<&[u8]>, Vec<u32>) = pats.into_iter().unzip();
        let kind = if overlapping {
            MatchKind::Standard
        } else {
            MatchKind::LeftmostLongest
        };
        AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(kind)
            .ascii_case_insensitive(ci)
            .build(&pats)
            .ok()
            .map(|ac| Searcher {
                ac,
                ids,
                overlapping,
            })
    }

    /// Calls `f` with the id, start and end of each match in `hay`.
    fn each(&self, hay: &[u8], f: &mut dyn FnMut(u32, usize, usize)) {
        if self.overlapping {
            for m in self.ac.find_overlapping_iter(hay) {
                f(self.ids[m.pattern().as_usize()], m.start(), m.end());
            }
        } else {
            for m in self.ac.find_iter(hay) {
                f(self.ids[m.pattern().as_usize()], m.start(), m.end());
            }
        }
    }
}

/// A condition as text: clauses of literals (`(?i)` before one matched in any case).
pub type Described = Vec<Vec<String>>;

/// The literals found in one file.
#[derive(Debug, Clone)]
pub struct Present {
    found: Vec<bool>,
}

impl Present {
    fn has(&self, id: u32) -> bool {
        self.found.get(id as usize).copied().unwrap_or(true)
    }

    fn holds(&self, c: &Clauses) -> bool {
        c.iter().all(|clause| clause.iter().any(|&id| self.has(id)))
    }
}

/// Whether a byte may be part of an identifier (ASCII letters, digits, `_`, `$`).
fn ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

impl Prefilter {
    /// The prefilter of an index built for `family`.
    pub(crate) fn build(ix: &Index, family: Family) -> Prefilter {
        let konst = Konst::of(family);
        let mut ids: HashMap<(Vec<u8>, bool, bool), u32> = HashMap::new();
        let mut pats: Vec<Lit> = Vec::new();
        let mut intern = |cnf: Cnf| -> Clauses {
            cnf.into_iter()
                .map(|clause| {
                    clause
                        .into_iter()
                        .map(|lit| {
                            let key = (lit.text.clone(), lit.ci, lit.word);
                            match ids.get(&key) {
                                Some(&id) => {
                                    pats[id as usize].konst |= lit.konst;
                                    id
                                }
                                None => {
                                    pats.push(lit);
                                    let id = (pats.len() - 1) as u32;
                                    ids.insert(key, id);
                                    id
                                }
                            }
                        })
                        .collect()
                })
                .collect()
        };
        let search: Vec<Clauses> = ix
            .search
            .iter()
            .map(|(_, f)| intern(formula_cnf(f, konst)))
            .collect();
        let sources: Vec<Clauses> = ix
            .entries
            .iter()
            .filter(|e| e.role == Role::Source)
            .map(|e| intern(formula_cnf(&e.formula, konst)))
            .collect();
        let is_word = |l: &Lit| l.word && !l.text.is_empty() && l.text.iter().all(|&b| ident(b));
        let pick = |keep: &dyn Fn(&Lit) -> bool| -> Vec<(&[u8], u32)> {
            pats.iter()
                .enumerate()
                .filter(|(_, l)| keep(l))
                .map(|(i, l)| (l.text.as_slice(), i as u32))
                .collect()
        };
        let mut exact = pick(&|l| !l.ci && !is_word(l));
        for special in ["\u{17F}", "\u{212A}"] {
            exact.push((special.as_bytes(), u32::MAX));
        }
        Prefilter {
            words: Searcher::new(pick(&|l| !l.ci && is_word(l)), false, false),
            folded_words: Searcher::new(pick(&|l| l.ci && is_word(l)), true, false),
            exact: Searcher::new(exact, false, true),
            folded: Searcher::new(pick(&|l| l.ci && !is_word(l)), true, true),
            escaped: Searcher::new(pick(&|l| l.konst), true, true),
            names: pats.clone(),
            search,
            sources,
        }
    }

    /// Whether files of `lang` are filtered: not JSP pages nor Vue components, whose code is
    /// made from the page (names like `JspWrite` are not in its text).
    pub fn applies(lang: Lang) -> bool {
        !matches!(lang, Lang::Jsp | Lang::Vue)
    }

    /// The literals `text` contains. A string constant's value has its escapes resolved, so
    /// the literals that may stand in one are also looked for in the text without backslashes.
    pub fn scan(&self, text: &[u8]) -> Present {
        let (Some(words), Some(folded_words), Some(exact), Some(folded), Some(escaped)) = (
            &self.words,
            &self.folded_words,
            &self.exact,
            &self.folded,
            &self.escaped,
        ) else {
            // No automaton (cannot happen with the literals' sizes): everything may match.
            return Present { found: Vec::new() };
        };
        let mut found = vec![false; self.names.len()];
        let mut all = false;
        let mut mark = |s: &Searcher, hay: &[u8]| {
            s.each(hay, &mut |id, start, end| {
                let Some(f) = found.get_mut(id as usize) else {
                    all = true;
                    return;
                };
                if *f {
                    return;
                }
                let whole = (start == 0 || !ident(hay[start - 1]))
                    && hay.get(end).is_none_or(|&b| !ident(b));
                *f = !self.names[id as usize].word || whole;
            });
        };
        mark(words, text);
        mark(folded_words, text);
        mark(exact, text);
        mark(folded, text);
        if text.contains(&b'\\') {
            let stripped: Vec<u8> = text.iter().copied().filter(|&b| b != b'\\').collect();
            mark(escaped, &stripped);
        }
        if all {
            found.clear();
        }
        Present { found }
    }

    /// Whether search formula `si` (of `Index::search`) may match in a file with `p`.
    pub fn search_active(&self, si: usize, p: &Present) -> bool {
        self.search.get(si).is_none_or(|c| p.holds(c))
    }

    /// Whether some search formula may match in a file with `p`.
    pub fn any_search(&self, p: &Present) -> bool {
        self.search.iter().any(|c| p.holds(c))
    }

    /// Whether some taint source may match in a file with `p`.
    pub fn any_source(&self, p: &Present) -> bool {
        self.sources.iter().any(|c| p.holds(c))
    }

    /// The search formulas and the source entries (indices, as in [`Prefilter::describe`])
    /// whose condition holds in a file with `p`.
    pub fn holding(&self, p: &Present) -> (Vec<usize>, Vec<usize>) {
        let which =
            |v: &[Clauses]| -> Vec<usize> { (0..v.len()).filter(|&i| p.holds(&v[i])).collect() };
        (which(&self.search), which(&self.sources))
    }

    /// The conditions as text, for tests and diagnostics: per search formula and per source
    /// entry, the clauses of literals (an empty list: always on; `(?i)` before a literal
    /// matched in any case).
    pub fn describe(&self) -> (Vec<Described>, Vec<Described>) {
        let text = |c: &Clauses| -> Vec<Vec<String>> {
            c.iter()
                .map(|cl| {
                    cl.iter()
                        .map(|&id| {
                            let l = &self.names[id as usize];
                            let t = String::from_utf8_lossy(&l.text);
                            if l.ci {
                                format!("(?i){t}")
                            } else {
                                t.into_owned()
                            }
                        })
                        .collect()
                })
                .collect()
        };
        (
            self.search.iter().map(text).collect(),
            self.sources.iter().map(text).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The search and source conditions of the rules of `yaml` (one family).
    fn conditions(yaml: &str, family: Family) -> (Vec<Described>, Vec<Described>) {
        let rules = crate::rules::parse_rules(yaml).unwrap();
        Index::new(&rules, family).prefilter.describe()
    }

    fn strs(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|c| c.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    const TAINT: &str = r#"
rules:
  - id: t
    message: m
    severity: ERROR
    languages: [java]
    mode: taint
    pattern-sources:
      - pattern-either:
          - pattern: "$REQ.getParameter(...)"
          - patterns:
              - pattern: "$REQ.getReader()"
              - metavariable-regex: {metavariable: "$REQ", regex: "^(req|request)$"}
          - pattern: "ModelAttribute(...)"
      - pattern: "System.getenv(...)"
        profile: cli
    pattern-sinks:
      - pattern: "$S.executeQuery(...)"
"#;

    #[test]
    fn a_pattern_needs_its_key_and_a_made_up_name_what_makes_it() {
        let (search, sources) = conditions(TAINT, Family::Java);
        assert!(search.is_empty());
        // One entry per alternative; `getenv` is a `cli` source, not active in `web`.
        assert_eq!(
            sources,
            vec![
                strs(&[&["getParameter"]]),
                strs(&[&["getReader"], &["req", "request"]]),
                strs(&[&[
                    "DeleteMapping",
                    "GetMapping",
                    "ModelAttribute",
                    "PatchMapping",
                    "PostMapping",
                    "PutMapping",
                    "RequestMapping"
                ]]),
            ]
        );
    }

    const SEARCH: &str = r#"
rules:
  - id: s
    message: m
    severity: WARNING
    languages: [java]
    pattern-either:
      - patterns:
          - pattern: "$K = \"...\""
          - metavariable-regex: {metavariable: "$K", regex: "(?i)(password|secret)$"}
      - patterns:
          - pattern: "$D.setPassword(\"...\")"
          - pattern-not: "$D.setPassword(\"\")"
  - id: always
    message: m
    severity: WARNING
    languages: [java]
    patterns:
      - pattern: "$X = $Y"
      - pattern-not: "$X = 1"
  - id: digits
    message: m
    severity: WARNING
    languages: [java]
    patterns:
      - pattern: "$X = $Y"
      - metavariable-regex: {metavariable: "$Y", regex: "^(4433|8443)$"}
  - id: text
    message: m
    severity: WARNING
    languages: [java]
    pattern-regex: "BEGIN (RSA|EC) PRIVATE"
"#;

    #[test]
    fn search_conditions_come_from_keys_and_regexes() {
        let (search, _) = conditions(SEARCH, Family::Java);
        assert_eq!(
            search,
            vec![
                // Each alternative's best clause, together.
                strs(&[&["(?i)password", "(?i)secret", "setPassword"]]),
                // Nothing can be derived: always on.
                Vec::new(),
                // Digits may be an integer constant written otherwise (`0x1153`): no condition.
                Vec::new(),
                strs(&[&["BEGIN EC PRIVATE", "BEGIN RSA PRIVATE"]]),
            ]
        );
        // In Python a `metavariable-regex` may see adjacent literals joined: no condition.
        let py = SEARCH
            .replace("[java]", "[python]")
            .replace("$D.setPassword(\"...\")", "$D.set_password(\"...\")");
        let (search, _) = conditions(&py, Family::Python);
        assert_eq!(search[0], Vec::<Vec<String>>::new());
    }

    #[test]
    fn scan_finds_literals_case_insensitively_and_through_escapes() {
        let (search, _) = conditions(SEARCH, Family::Java);
        assert_eq!(search.len(), 4);
        let rules = crate::rules::parse_rules(SEARCH).unwrap();
        let ix = Index::new(&rules, Family::Java);
        let pf = &ix.prefilter;
        let p = pf.scan(b"class A { String dbPASSWORD = \"x\"; }");
        assert!(pf.search_active(0, &p) && pf.search_active(1, &p));
        assert!(!pf.search_active(3, &p));
        // Names are whole words: `setPassword` is not in `resetPasswordX`.
        let rules = crate::rules::parse_rules(TAINT).unwrap();
        let tix = Index::new(&rules, Family::Java);
        let has_source = |t: &[u8]| tix.prefilter.any_source(&tix.prefilter.scan(t));
        assert!(!has_source(
            b"void f() { x.getParameterNames(); y.mygetParameter(); }"
        ));
        assert!(has_source(
            b"void f() { x.getParameterNames(); y.getParameter(1); }"
        ));
        assert!(has_source(b"String s = r.getParameter"));
        // Literals without `(?i)` are matched as written.
        assert!(!pf.search_active(3, &pf.scan(b"// begin rsa private key")));
        assert!(pf.search_active(3, &pf.scan(b"// BEGIN RSA PRIVATE KEY")));
        let p = pf.scan(b"class A { int n = 1; }");
        assert!(!pf.search_active(0, &p) && pf.search_active(1, &p));
        // A string constant's escapes are resolved: `"pass\word"` is `password`.
        let p = pf.scan(br#"class A { String k = "pass\word"; }"#);
        assert!(pf.search_active(0, &p));
        // `(?i)` folds `s` with the long s: a text with it counts as containing everything.
        let p = pf.scan("class A { String pa\u{17F}sword; }".as_bytes());
        assert!(pf.search_active(0, &p) && pf.search_active(3, &p));
    }
}
