//! The keyword prefilter: finds every ASCII-case-insensitive occurrence of every rule keyword.
//!
//! A full Aho-Corasick DFA over ~400 case-insensitive keywords is limited by memory latency: each
//! byte's transition depends on the previous one, so it runs at a few hundred MB/s. This filter
//! has no such chain: it tests windows of text (four bytes, folded to lower case by setting bit
//! 5, which also merges a few punctuation pairs; harmless in a filter) against the windows that
//! stand for the keywords, many positions at once, and verifies the rare positions that pass
//! exactly against the keywords owning that window. Two passes do this:
//!
//! - `bloom` (CPUs with AVX-512 VBMI and BITALG): every position, 64 at a time, against a
//!   Bloom filter looked up by byte permutes; each keyword by its rarest window.
//! - `even` (elsewhere): even positions only, by gather (AVX2) or one by one, against a hash
//!   table holding two consecutive windows of each keyword.
//!
//! Rarest means by window counts of real source code (`window_counts.bin`, made by
//! `scripts/gen_window_counts.py`): `password` stands by `swor` rather than `pass`, which would
//! stop at every `passed`. Keywords shorter than three bytes go to a small Aho-Corasick
//! automaton of their own, whose rare-byte prefilter is fast for a handful of patterns.

mod bloom;
mod even;

use crate::error::RuleError;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::hash::Hasher;

/// log2 of the number of bits in the even pass's hash table (2^22 bits = 512 KiB, resident in
/// L2; 2^21 and 2^23 bits scan no faster), and the width of `hash`.
const TABLE_BITS: u32 = 22;
/// Bit 5 of every byte: the ASCII lower-case bit.
const FOLD: u32 = 0x2020_2020;

/// All occurrences of a fixed keyword list, overlapping, ASCII case-insensitive.
pub struct KeywordFilter {
    /// Keywords, lower-cased.
    keywords: Vec<Vec<u8>>,
    /// Keywords shorter than three bytes, with their indices.
    short: Option<(AhoCorasick, Vec<u32>)>,
    /// The pass for the others.
    pass: Pass,
}

/// How keywords of three bytes or more are found.
enum Pass {
    /// Every position, by AVX-512.
    Every(Box<EveryPosition>),
    /// Even positions, by AVX2 gathers or one by one.
    Even(even::EvenPositions),
}

/// Which pass a filter uses (for tests and benchmarks; `KeywordFilter::new` picks the fastest
/// this CPU has).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassKind {
    /// Every position, by AVX-512 (where the CPU has it).
    Every,
    /// Even positions, by AVX2 gathers (where the CPU has them).
    EvenVector,
    /// Even positions, one by one.
    EvenScalar,
}

/// Windows entered for keywords, by open addressing on their hash (linear probing; 0 marks an
/// empty slot, and no folded window is 0): each slot packs the folded window (bits 0..32), the
/// keyword it stands for (bits 32..48) and the window's offset in that keyword plus one (bits
/// 48..56; -1 is a window hanging off the keyword's start). A window standing for several
/// keywords has a slot for each.
struct WindowSlots {
    slots: Box<[u64]>,
    /// How far a window's hash is shifted right to index `slots`.
    shift: u32,
}

impl WindowSlots {
    /// Slots for (window, keyword, offset) entries, at most `1 / spread` full.
    fn new(entries: &[(u32, u32, isize)], spread: usize) -> WindowSlots {
        let bits = (entries.len() * spread)
            .next_power_of_two()
            .max(64)
            .trailing_zeros();
        let mut slots = vec![0u64; 1 << bits].into_boxed_slice();
        for &(w, id, offset) in entries {
            let mut i = hash(w) >> (TABLE_BITS - bits);
            while slots[i] != 0 {
                i = (i + 1) & (slots.len() - 1);
            }
            slots[i] = u64::from(w) | u64::from(id) << 32 | ((offset + 1) as u64) << 48;
        }
        WindowSlots {
            slots,
            shift: TABLE_BITS - bits,
        }
    }

    /// Reports the keywords standing by window `w` that really are in `hay` around `at`.
    #[inline]
    fn probe(
        &self,
        keywords: &[Vec<u8>],
        hay: &[u8],
        at: usize,
        w: u32,
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        let mask = self.slots.len() - 1;
        let mut i = hash(w) >> self.shift;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return;
            }
            if slot as u32 == w {
                let id = (slot >> 32) as u16 as usize;
                let offset = (slot >> 48) as isize - 1;
                let k = &keywords[id];
                if let Some(start) = at.checked_add_signed(-offset)
                    && let Some(s) = hay.get(start..start + k.len())
                    && s.eq_ignore_ascii_case(k)
                {
                    f(id, start, start + k.len());
                }
            }
            i = (i + 1) & mask;
        }
    }
}

/// The every-position pass (`bloom`): each keyword of four bytes or more by its rarest window,
/// each three-byte keyword whole (a window whose fourth byte is 0); passing positions are
/// checked against `exact`.
struct EveryPosition {
    bloom: bloom::Bloom,
    exact: WindowSlots,
    /// Whether some keyword has three bytes (else no three-byte window is looked up).
    three: bool,
}

impl EveryPosition {
    /// The pass for these keywords (lower case; those of fewer than three bytes are left out),
    /// if the CPU can run it.
    fn new(keywords: &[Vec<u8>]) -> Option<EveryPosition> {
        if !bloom::Bloom::supported() {
            return None;
        }
        let mut entries: Vec<(u32, u32, isize)> = Vec::new();
        let (mut windows4, mut windows3) = (Vec::new(), Vec::new());
        for (id, k) in keywords.iter().enumerate() {
            match k.len() {
                0..=2 => {}
                3 => {
                    entries.push((fold3(k), id as u32, 0));
                    windows3.push([k[0], k[1], k[2]]);
                }
                n => {
                    // Offsets are stored in a byte (see `WindowSlots`).
                    let o = (0..=(n - 4).min(250))
                        .min_by_key(|&o| window_commonness(k, o))
                        .unwrap_or(0);
                    entries.push((fold4(&k[o..]), id as u32, o as isize));
                    windows4.push([k[o], k[o + 1], k[o + 2], k[o + 3]]);
                }
            }
        }
        Some(EveryPosition {
            bloom: bloom::Bloom::new(&windows4, &windows3),
            exact: WindowSlots::new(&entries, 4),
            three: !windows3.is_empty(),
        })
    }

    /// Reports the keywords whose window is at `at`, looking up the four-byte window there if
    /// `four` (it passed the Bloom filter) and the three-byte one if `three`.
    #[inline]
    fn verify(
        &self,
        keywords: &[Vec<u8>],
        hay: &[u8],
        at: usize,
        (four, three): (bool, bool),
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        let Some(b) = hay.get(at..at + 3) else {
            return;
        };
        let w3 = fold3(b);
        if four && let Some(&b3) = hay.get(at + 3) {
            self.exact
                .probe(keywords, hay, at, w3 | u32::from(b3 | 0x20) << 24, f);
        }
        if three && self.three {
            self.exact.probe(keywords, hay, at, w3, f);
        }
    }
}

/// A multiplicative hasher for small integer keys (SipHash costs more than the lookups it serves).
#[derive(Default)]
pub struct HeadHasher(u64);

impl Hasher for HeadHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.0 = u64::from(x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_usize(&mut self, x: usize) {
        self.0 = (self.0.rotate_left(29) ^ x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A window's hash, `TABLE_BITS` wide.
#[inline(always)]
fn hash(window: u32) -> usize {
    (window.wrapping_mul(0x9E37_79B1) >> (32 - TABLE_BITS)) as usize
}

/// The four bytes at the start of `b`, folded to lower case, as one window.
#[inline(always)]
fn fold4(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) | FOLD
}

/// The three bytes at the start of `b`, folded, as a window whose fourth byte is 0 (no folded
/// four-byte window is one of these).
#[inline(always)]
fn fold3(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], 0]) | (FOLD >> 8)
}

/// How common each four-byte window is in source code: one byte per bucket of the folded
/// window's hash (top 16 bits), `8 log2(count + 1)` (see `scripts/gen_window_counts.py`).
static WINDOW_COUNTS: &[u8; 65536] = include_bytes!("window_counts.bin");

/// How common the four-byte window at `offset` of a keyword is in source code (log scale).
fn window_commonness(keyword: &[u8], offset: usize) -> u8 {
    let w = fold4(&keyword[offset..]);
    WINDOW_COUNTS[(w.wrapping_mul(0x9E37_79B1) >> 16) as usize]
}

impl KeywordFilter {
    /// A filter for these keywords (matched ASCII case-insensitively; empty ones are ignored),
    /// with the fastest pass this CPU has, or the one `RAMPART_KEYWORD_PASS` names (`even`,
    /// `scalar`; for benchmarks of the other passes: all find the same).
    pub fn new(keywords: &[String]) -> Result<KeywordFilter, RuleError> {
        let kind = match std::env::var("RAMPART_KEYWORD_PASS").as_deref() {
            Ok("even") => PassKind::EvenVector,
            Ok("scalar") => PassKind::EvenScalar,
            _ if bloom::Bloom::supported() => PassKind::Every,
            _ => PassKind::EvenVector,
        };
        KeywordFilter::with_pass(keywords, kind)
    }

    /// A filter using pass `kind`, or the next slower one this CPU has.
    pub fn with_pass(keywords: &[String], kind: PassKind) -> Result<KeywordFilter, RuleError> {
        let keywords: Vec<Vec<u8>> = keywords
            .iter()
            .map(|k| k.as_bytes().to_ascii_lowercase())
            .collect();
        if keywords.len() > usize::from(u16::MAX) {
            return Err(RuleError::TooManyKeywords(keywords.len()));
        }
        let short: Vec<u32> = (0..keywords.len() as u32)
            .filter(|&i| matches!(keywords[i as usize].len(), 1 | 2))
            .collect();
        let short = if short.is_empty() {
            None
        } else {
            let pats: Vec<&[u8]> = short.iter().map(|&i| &keywords[i as usize][..]).collect();
            let ac = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&pats)
                .map_err(RuleError::KeywordAutomaton)?;
            Some((ac, short))
        };
        let every = match kind {
            PassKind::Every => EveryPosition::new(&keywords),
            _ => None,
        };
        let pass = match every {
            Some(e) => Pass::Every(Box::new(e)),
            None => {
                let mut even = even::EvenPositions::new(&keywords);
                even.avx2 &= kind != PassKind::EvenScalar;
                Pass::Even(even)
            }
        };
        Ok(KeywordFilter {
            keywords,
            short,
            pass,
        })
    }

    /// The pass this filter uses.
    pub fn pass(&self) -> PassKind {
        match &self.pass {
            Pass::Every(_) => PassKind::Every,
            Pass::Even(e) if e.avx2 => PassKind::EvenVector,
            Pass::Even(_) => PassKind::EvenScalar,
        }
    }

    /// Calls `f(keyword, start, end)` for every occurrence of every keyword in `hay`, in no
    /// particular order; occurrences may overlap.
    pub fn for_each(&self, hay: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        if let Some((ac, ids)) = &self.short {
            for m in ac.find_overlapping_iter(hay) {
                f(ids[m.pattern().as_usize()] as usize, m.start(), m.end());
            }
        }
        match &self.pass {
            #[cfg(target_arch = "x86_64")]
            Pass::Every(e) => {
                // SAFETY: a `Pass::Every` exists only where `EveryPosition::new` returned one,
                // which it does only when `Bloom::supported()` (the CPU has every feature
                // `scan` is compiled for). `scan` checks its own bounds.
                unsafe {
                    e.bloom.scan(hay, |at, four, three| {
                        e.verify(&self.keywords, hay, at, (four, three), &mut f)
                    })
                };
            }
            #[cfg(not(target_arch = "x86_64"))]
            Pass::Every(_) => unreachable!("the AVX-512 pass is only built on x86-64"),
            Pass::Even(e) => e.for_each(&self.keywords, hay, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasick;

    /// Every occurrence, as the reference Aho-Corasick automaton reports them.
    fn oracle(keywords: &[String], hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(keywords)
            .unwrap();
        let mut v: Vec<_> = ac
            .find_overlapping_iter(hay)
            .map(|m| (m.start(), m.pattern().as_usize(), m.end()))
            .collect();
        v.sort_unstable();
        v
    }

    /// The filter with every pass (or the next slower one, where this CPU lacks a pass).
    fn every_pass(keywords: &[String]) -> Vec<KeywordFilter> {
        [PassKind::Every, PassKind::EvenVector, PassKind::EvenScalar]
            .into_iter()
            .map(|kind| KeywordFilter::with_pass(keywords, kind).unwrap())
            .collect()
    }

    /// Runs these filters; all must agree.
    fn run_all(filters: &[KeywordFilter], hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut results: Vec<(PassKind, Vec<_>)> = Vec::new();
        for f in filters {
            let mut v = Vec::new();
            f.for_each(hay, |k, s, e| v.push((s, k, e)));
            v.sort_unstable();
            results.push((f.pass(), v));
        }
        for (kind, v) in &results[1..] {
            assert_eq!(
                (results[0].0, &results[0].1),
                (results[0].0, v),
                "{:?} and {kind:?} agree",
                results[0].0
            );
        }
        results.remove(0).1
    }

    /// Runs the filter with every pass this CPU has; all must agree.
    fn run(keywords: &[String], hay: &[u8]) -> Vec<(usize, usize, usize)> {
        run_all(&every_pass(keywords), hay)
    }

    #[test]
    fn the_tests_run_every_pass_this_cpu_has() {
        // `run` compares the passes `with_pass` gives, each falling back to the next slower one
        // the CPU has: a pass this CPU lacks is named here, not silently replaced.
        // What the CPU has, detected here independently of the filter's own dispatch.
        #[cfg(target_arch = "x86_64")]
        let (avx512, avx2) = (
            std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512vbmi")
                && std::arch::is_x86_feature_detected!("avx512bitalg"),
            std::arch::is_x86_feature_detected!("avx2"),
        );
        #[cfg(not(target_arch = "x86_64"))]
        let (avx512, avx2) = (false, false);
        let keywords = words(&["password"]);
        for (kind, what, available) in [
            (PassKind::Every, "AVX-512 F, BW, VBMI and BITALG", avx512),
            (PassKind::EvenVector, "AVX2", avx2),
            (PassKind::EvenScalar, "nothing", true),
        ] {
            let got = KeywordFilter::with_pass(&keywords, kind).unwrap().pass();
            if crate::skip::can_run(
                &format!("prefilter tests of the {kind:?} pass"),
                what,
                available,
                "the same tests on the slower passes",
            ) {
                assert_eq!(got, kind);
            }
        }
        assert_eq!(
            KeywordFilter::with_pass(&keywords, PassKind::EvenScalar)
                .unwrap()
                .pass(),
            PassKind::EvenScalar,
            "the scalar pass runs everywhere"
        );
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_what_aho_corasick_finds_on_random_text() {
        let keywords = words(&[
            "pat",
            "password",
            "passwd",
            "q~",
            "ghp_",
            "AKIA",
            "token",
            "-----begin",
            "ld_",
            "ld-",
            "x",
            "_a_",
            "://",
            "pass",
        ]);
        // xorshift: deterministic text over an alphabet dense in keyword bytes.
        let alphabet = b"paswordPASWORDtkenTKENghAKI_-~q:/ld xXbegin\n";
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        for len in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 64, 1000, 5000] {
            let hay: Vec<u8> = (0..len)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    alphabet[(s % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(run(&keywords, &hay), oracle(&keywords, &hay), "len {len}");
        }
    }

    #[test]
    fn matches_at_the_very_end_and_across_case() {
        let keywords = words(&["pat", "hf_", "token"]);
        let hay = b"xx PaT\nHF_ ToKeN";
        assert_eq!(run(&keywords, hay), oracle(&keywords, hay));
        assert_eq!(run(&keywords, b"pat"), vec![(0, 0, 3)]);
        assert_eq!(run(&keywords, b"toke"), vec![]);
    }

    #[test]
    fn keywords_are_found_by_their_rarest_window() {
        // `pass` starts many ordinary words; a window inside `password` does not.
        assert_ne!(even::rarest_window_pair(b"password"), 0);
        assert_eq!(even::rarest_window_pair(b"ghp_x"), 0);
        let keywords = words(&["password", "private_key", "begin rsa private key"]);
        let hay = b"PASSWORD=x passed private_key -----BEGIN RSA PRIVATE KEY-----";
        assert_eq!(run(&keywords, hay), oracle(&keywords, hay));
        assert_eq!(run(&keywords, hay).len(), 3);
    }

    #[test]
    fn every_builtin_keyword_in_every_rule_example() {
        let rules = crate::rule::builtin().unwrap();
        let mut keywords: Vec<String> = rules.iter().flat_map(|r| r.keywords.clone()).collect();
        keywords.sort();
        keywords.dedup();
        let hay: Vec<u8> = rules
            .iter()
            .flat_map(|r| r.meta.examples.iter())
            .flat_map(|e| e.text.bytes().chain(*b"\n"))
            .collect();
        let found = run(&keywords, &hay);
        assert!(found.len() > 500, "{}", found.len());
        assert_eq!(found, oracle(&keywords, &hay));
    }

    /// The built-in rules' keywords, as the engine gives them to the filter.
    fn builtin_keywords() -> Vec<String> {
        let rules = crate::rule::builtin().unwrap();
        let mut keywords: Vec<String> = rules.iter().flat_map(|r| r.keywords.clone()).collect();
        keywords.sort();
        keywords.dedup();
        keywords
    }

    #[test]
    fn every_pass_finds_the_builtin_keywords_in_real_source() {
        // Real text, file by file (each end is an edge): this workspace's Rust sources and
        // rule files, which hold most keywords in many contexts and cases.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut stack = vec![root.join("rampart-secrets"), root.join("rampart-core/src")];
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            } else if p
                .extension()
                .is_some_and(|e| e == "rs" || e == "toml" || e == "md")
            {
                files.push(std::fs::read(&p).unwrap());
            }
        }
        assert!(files.len() > 300, "{} files", files.len());
        let keywords = builtin_keywords();
        let filters = every_pass(&keywords);
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&keywords)
            .unwrap();
        let mut found = 0;
        for hay in &files {
            let got = run_all(&filters, hay);
            let mut want: Vec<_> = ac
                .find_overlapping_iter(hay)
                .map(|m| (m.start(), m.pattern().as_usize(), m.end()))
                .collect();
            want.sort_unstable();
            assert_eq!(got, want);
            found += got.len();
        }
        assert!(found > 5_000, "{found}");
    }

    #[test]
    fn every_keyword_length_at_every_parity_and_end() {
        let keywords = words(&["q~", "pat", "ghp_", "akia5", "password", "-----begin"]);
        for k in &keywords {
            for before in 0..4 {
                for after in 0..4 {
                    let hay = format!(
                        "{}{}{}",
                        "x".repeat(before),
                        k.to_uppercase(),
                        ".".repeat(after)
                    );
                    let found = run(&keywords, hay.as_bytes());
                    assert_eq!(found, oracle(&keywords, hay.as_bytes()), "{hay:?}");
                    assert!(
                        found
                            .iter()
                            .any(|&(s, _, e)| s == before && e == before + k.len()),
                        "{hay:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn folded_punctuation_is_not_a_match() {
        // '_' (0x5f) and DEL (0x7f) fold to the same byte; only the real one matches.
        let keywords = words(&["ld_x"]);
        assert_eq!(run(&keywords, b"ld\x7fx ld_x"), vec![(5, 0, 9)]);
    }
}
