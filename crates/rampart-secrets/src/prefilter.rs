//! The keyword prefilter: finds every ASCII-case-insensitive occurrence of every rule keyword.
//!
//! A full Aho-Corasick DFA over ~400 case-insensitive keywords is limited by memory latency: each
//! byte's transition depends on the previous one, so it runs at a few hundred MB/s. This filter
//! has no such chain. For every position it hashes the next four bytes (folded to lower case by
//! setting bit 5, which also merges a few punctuation pairs; harmless in a filter) and tests one
//! bit of a table that holds the hashes of one four-byte window of every keyword. Positions are
//! independent, so the CPU overlaps many of them (eight at a time with AVX2); the rare positions
//! whose bit is set are verified exactly against the keywords owning that window.
//!
//! Each keyword is represented by its rarest window, by bigram statistics of real source code
//! (`bigram_costs.bin`, made by `scripts/gen_bigram_costs.py`): `password` by `sswo` rather than
//! `pass`, which would stop at every `passed`. Keywords of three bytes enter the table once for
//! every possible fourth byte; keywords shorter than three bytes go to a small Aho-Corasick
//! automaton of their own, whose rare-byte prefilter is fast for a handful of patterns.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// log2 of the number of bits in the hash table (2^22 bits = 512 KiB, resident in L2; 2^20 bits
/// gave 40% more false candidates and no faster scan).
const TABLE_BITS: u32 = 22;
/// Bit 5 of every byte: the ASCII lower-case bit.
const FOLD: u32 = 0x2020_2020;

/// All occurrences of a fixed keyword list, overlapping, ASCII case-insensitive.
pub struct KeywordFilter {
    /// One bit per hash of a folded four-byte window that starts some keyword.
    table: Box<[u64; 1 << (TABLE_BITS - 6)]>,
    /// Folded four-byte window → the keywords (index, offset of the window in the keyword) it
    /// stands for.
    heads: HashMap<u32, Vec<(u32, u32)>, BuildHasherDefault<HeadHasher>>,
    /// Keywords, lower-cased.
    keywords: Vec<Vec<u8>>,
    /// Keywords shorter than three bytes, with their indices.
    short: Option<(AhoCorasick, Vec<u32>)>,
    /// Whether this CPU has AVX2 (the vector scan is used then).
    avx2: bool,
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

#[inline(always)]
fn hash(window: u32) -> usize {
    (window.wrapping_mul(0x9E37_79B1) >> (32 - TABLE_BITS)) as usize
}

#[inline(always)]
fn fold4(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) | FOLD
}

/// Byte statistics of source code: 128 unigram costs, then 128 x 128 bigram costs, each
/// `-4 log2 p` (see `scripts/gen_bigram_costs.py`).
static BIGRAM_COSTS: &[u8; 128 + 128 * 128] = include_bytes!("bigram_costs.bin");

/// The offset of a (lower-case, 4+ byte) keyword's rarest four-byte window: the one with the
/// highest cost (lowest probability) under a bigram model of source code; the first on ties.
fn rarest_window(keyword: &[u8]) -> usize {
    let b = |i: usize| usize::from(keyword[i].min(127));
    let cost = |o: usize| -> u32 {
        let mut c = u32::from(BIGRAM_COSTS[b(o)]);
        for j in o..o + 3 {
            c += u32::from(BIGRAM_COSTS[128 + b(j) * 128 + b(j + 1)]);
        }
        c
    };
    (0..=keyword.len() - 4)
        .max_by_key(|&o| (cost(o), std::cmp::Reverse(o)))
        .unwrap_or(0)
}

impl KeywordFilter {
    /// A filter for these keywords (matched ASCII case-insensitively; empty ones are ignored).
    pub fn new(keywords: &[String]) -> Result<KeywordFilter, String> {
        let keywords: Vec<Vec<u8>> = keywords
            .iter()
            .map(|k| k.as_bytes().to_ascii_lowercase())
            .collect();
        let mut table = Box::new([0u64; 1 << (TABLE_BITS - 6)]);
        let mut heads: HashMap<u32, Vec<(u32, u32)>, BuildHasherDefault<HeadHasher>> =
            HashMap::default();
        let mut short = Vec::new();
        let mut add = |head: u32, id: u32, offset: usize| {
            let h = hash(head);
            table[h >> 6] |= 1 << (h & 63);
            heads.entry(head).or_default().push((id, offset as u32));
        };
        for (id, k) in keywords.iter().enumerate() {
            let id = id as u32;
            match k.len() {
                0 => {}
                1 | 2 => short.push(id),
                3 => {
                    for b in 0..=255u8 {
                        let head = fold4(&[k[0], k[1], k[2], b]);
                        // Folding maps two bytes to one head; add each head once.
                        if b | 0x20 == b {
                            add(head, id, 0);
                        }
                    }
                }
                _ => {
                    let offset = rarest_window(k);
                    add(fold4(&k[offset..]), id, offset);
                }
            }
        }
        let short = if short.is_empty() {
            None
        } else {
            let pats: Vec<&[u8]> = short.iter().map(|&i| &keywords[i as usize][..]).collect();
            let ac = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&pats)
                .map_err(|e| format!("cannot build the short-keyword automaton: {e}"))?;
            Some((ac, short))
        };
        #[cfg(target_arch = "x86_64")]
        let avx2 = std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        let avx2 = false;
        Ok(KeywordFilter {
            table,
            heads,
            keywords,
            short,
            avx2,
        })
    }

    /// Number of keywords.
    pub fn len(&self) -> usize {
        self.keywords.len()
    }

    /// Whether there are no keywords.
    pub fn is_empty(&self) -> bool {
        self.keywords.is_empty()
    }

    #[inline(always)]
    fn hit(&self, window: u32) -> bool {
        let h = hash(window);
        // h < 2^TABLE_BITS, so the index is in bounds and the check folds away.
        self.table[h >> 6] >> (h & 63) & 1 != 0
    }

    /// Calls `f(keyword, start, end)` for every occurrence of every keyword in `hay`, in no
    /// particular order; occurrences may overlap.
    pub fn for_each(&self, hay: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        if let Some((ac, ids)) = &self.short {
            for m in ac.find_overlapping_iter(hay) {
                f(ids[m.pattern().as_usize()] as usize, m.start(), m.end());
            }
        }
        let n = hay.len();
        let mut i = 0;
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: AVX2 was detected at construction.
            i = unsafe { self.scan_avx2(hay, &mut |at| self.verify(hay, at, &mut f)) };
        }
        // Five positions per step from one u64 load; any hit is then looked at one by one.
        while i + 8 <= n {
            let a = u64::from_le_bytes(hay[i..i + 8].try_into().expect("8 bytes"));
            let m = (0..5).fold(0u32, |m, j| {
                m | (self.hit((a >> (8 * j)) as u32 | FOLD) as u32) << j
            });
            if m != 0 {
                for j in 0..5 {
                    if m & (1 << j) != 0 {
                        self.verify(hay, i + j, &mut f);
                    }
                }
            }
            i += 5;
        }
        while i + 4 <= n {
            if self.hit(fold4(&hay[i..])) {
                self.verify(hay, i, &mut f);
            }
            i += 1;
        }
        // The last three positions: only three-byte keywords start there (a longer keyword's
        // window lies inside it, so it was seen above).
        while i < n {
            let rest = &hay[i..];
            for (id, k) in self.keywords.iter().enumerate() {
                if k.len() == 3 && k.len() <= rest.len() && rest[..3].eq_ignore_ascii_case(k) {
                    f(id, i, i + 3);
                }
            }
            i += 1;
        }
    }

    /// Tests eight positions per step with AVX2 (windows by byte shuffle, hashes by vector
    /// multiply, table bits by gather) and calls `candidate` for each position whose bit is set.
    /// Returns the first position it did not test.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn scan_avx2(&self, hay: &[u8], candidate: &mut dyn FnMut(usize)) -> usize {
        use std::arch::x86_64::*;
        let table = self.table.as_ptr() as *const i32;
        // Lane j (of eight 32-bit lanes) takes bytes j..j+4 of the 16 loaded; both 128-bit
        // halves hold the same 16 bytes, and the upper half serves lanes 4..8.
        let windows = _mm256_setr_epi8(
            0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6, //
            4, 5, 6, 7, 5, 6, 7, 8, 6, 7, 8, 9, 7, 8, 9, 10,
        );
        let fold = _mm256_set1_epi32(FOLD as i32);
        let mul = _mm256_set1_epi32(0x9E37_79B1u32 as i32);
        let low5 = _mm256_set1_epi32(31);
        let one = _mm256_set1_epi32(1);
        let mut i = 0;
        while i + 16 <= hay.len() {
            // SAFETY: i + 16 <= len, so the 16-byte load is in bounds; gather indices are
            // < 2^(TABLE_BITS-5), inside the table of 2^(TABLE_BITS-6) u64 words.
            let mask = unsafe {
                let bytes = _mm_loadu_si128(hay.as_ptr().add(i) as *const __m128i);
                let w = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(bytes), windows);
                let h = _mm256_srli_epi32::<{ 32 - TABLE_BITS as i32 }>(_mm256_mullo_epi32(
                    _mm256_or_si256(w, fold),
                    mul,
                ));
                let words = _mm256_i32gather_epi32::<4>(table, _mm256_srli_epi32::<5>(h));
                let bits =
                    _mm256_and_si256(_mm256_srlv_epi32(words, _mm256_and_si256(h, low5)), one);
                _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(bits, one))) as u32
            };
            let mut m = mask;
            while m != 0 {
                candidate(i + m.trailing_zeros() as usize);
                m &= m - 1;
            }
            i += 8;
        }
        i
    }

    /// Reports the keywords whose window really is at `at`.
    #[inline]
    fn verify(&self, hay: &[u8], at: usize, f: &mut impl FnMut(usize, usize, usize)) {
        let Some(owners) = self.heads.get(&fold4(&hay[at..])) else {
            return;
        };
        for &(id, offset) in owners {
            let k = &self.keywords[id as usize];
            let Some(start) = at.checked_sub(offset as usize) else {
                continue;
            };
            if let Some(s) = hay.get(start..start + k.len())
                && s.eq_ignore_ascii_case(k)
            {
                f(id as usize, start, start + k.len());
            }
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

    /// Runs the filter with the vector scan (when the CPU has it) and without; both must agree.
    fn run(keywords: &[String], hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut f = KeywordFilter::new(keywords).unwrap();
        let mut results = Vec::new();
        for avx2 in [f.avx2, false] {
            f.avx2 = avx2;
            let mut v = Vec::new();
            f.for_each(hay, |k, s, e| v.push((s, k, e)));
            v.sort_unstable();
            results.push(v);
        }
        assert_eq!(results[0], results[1], "vector and scalar scans agree");
        results.remove(0)
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
        assert_ne!(rarest_window(b"password"), 0);
        assert_eq!(rarest_window(b"ghp_"), 0);
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

    #[test]
    fn folded_punctuation_is_not_a_match() {
        // '_' (0x5f) and DEL (0x7f) fold to the same byte; only the real one matches.
        let keywords = words(&["ld_x"]);
        assert_eq!(run(&keywords, b"ld\x7fx ld_x"), vec![(5, 0, 9)]);
    }
}
