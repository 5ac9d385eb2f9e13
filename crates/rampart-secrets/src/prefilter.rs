//! The keyword prefilter: finds every ASCII-case-insensitive occurrence of every rule keyword.
//!
//! A full Aho-Corasick DFA over ~400 case-insensitive keywords is limited by memory latency: each
//! byte's transition depends on the previous one, so it runs at a few hundred MB/s. This filter
//! has no such chain. For every position it hashes the next four bytes (folded to lower case by
//! setting bit 5, which also merges a few punctuation pairs; harmless in a filter) and tests one
//! bit of a table that holds the hashes of every keyword's first four bytes. Positions are
//! independent, so the CPU overlaps many of them; the rare positions whose bit is set are
//! verified exactly against the keywords that start with those four (folded) bytes.
//!
//! Keywords of three bytes enter the table once for every possible fourth byte; keywords shorter
//! than three bytes go to a small Aho-Corasick automaton of their own, whose rare-byte prefilter
//! is fast for a handful of patterns.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// log2 of the number of bits in the hash table (2^20 bits = 128 KiB, resident in L2).
const TABLE_BITS: u32 = 20;
/// Bit 5 of every byte: the ASCII lower-case bit.
const FOLD: u32 = 0x2020_2020;

/// All occurrences of a fixed keyword list, overlapping, ASCII case-insensitive.
pub struct KeywordFilter {
    /// One bit per hash of a folded four-byte window that starts some keyword.
    table: Box<[u64; 1 << (TABLE_BITS - 6)]>,
    /// Folded first four bytes → the keywords (indices) that start with them.
    heads: HashMap<u32, Vec<u32>, BuildHasherDefault<HeadHasher>>,
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

impl KeywordFilter {
    /// A filter for these keywords (matched ASCII case-insensitively; empty ones are ignored).
    pub fn new(keywords: &[String]) -> Result<KeywordFilter, String> {
        let keywords: Vec<Vec<u8>> = keywords
            .iter()
            .map(|k| k.as_bytes().to_ascii_lowercase())
            .collect();
        let mut table = Box::new([0u64; 1 << (TABLE_BITS - 6)]);
        let mut heads: HashMap<u32, Vec<u32>, BuildHasherDefault<HeadHasher>> = HashMap::default();
        let mut short = Vec::new();
        let mut add = |head: u32, id: u32| {
            let h = hash(head);
            table[h >> 6] |= 1 << (h & 63);
            heads.entry(head).or_default().push(id);
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
                            add(head, id);
                        }
                    }
                }
                _ => add(fold4(k), id),
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

    /// Calls `f(keyword, start, end)` for every occurrence of every keyword in `hay`, in order of
    /// start (then keyword index); occurrences may overlap.
    pub fn for_each(&self, hay: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        let mut short_hits: Vec<(usize, usize, usize)> = Vec::new();
        if let Some((ac, ids)) = &self.short {
            for m in ac.find_overlapping_iter(hay) {
                short_hits.push((m.start(), ids[m.pattern().as_usize()] as usize, m.end()));
            }
            short_hits.sort_unstable();
        }
        let mut short_iter = short_hits.into_iter().peekable();
        let mut emit_short_until = |pos: usize, f: &mut dyn FnMut(usize, usize, usize)| {
            while let Some(&(s, k, e)) = short_iter.peek() {
                if s > pos {
                    break;
                }
                f(k, s, e);
                short_iter.next();
            }
        };

        let n = hay.len();
        let mut i = 0;
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: AVX2 was detected at construction.
            i = unsafe {
                self.scan_avx2(hay, &mut |at| {
                    emit_short_until(at, &mut f);
                    self.verify(hay, at, &mut f);
                })
            };
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
                        emit_short_until(i + j, &mut f);
                        self.verify(hay, i + j, &mut f);
                    }
                }
            }
            i += 5;
        }
        while i + 4 <= n {
            if self.hit(fold4(&hay[i..])) {
                emit_short_until(i, &mut f);
                self.verify(hay, i, &mut f);
            }
            i += 1;
        }
        // The last three positions: only three-byte (or shorter) keywords fit.
        while i < n {
            let rest = &hay[i..];
            for (id, k) in self.keywords.iter().enumerate() {
                if k.len() >= 3 && k.len() <= rest.len() && rest[..k.len()].eq_ignore_ascii_case(k)
                {
                    emit_short_until(i, &mut f);
                    f(id, i, i + k.len());
                }
            }
            i += 1;
        }
        emit_short_until(usize::MAX, &mut f);
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

    /// Reports the keywords that really start at `at`.
    #[inline]
    fn verify(&self, hay: &[u8], at: usize, f: &mut impl FnMut(usize, usize, usize)) {
        let Some(ids) = self.heads.get(&fold4(&hay[at..])) else {
            return;
        };
        for &id in ids {
            let k = &self.keywords[id as usize];
            if let Some(s) = hay.get(at..at + k.len())
                && s.eq_ignore_ascii_case(k)
            {
                f(id as usize, at, at + k.len());
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
            let mut sorted = v.clone();
            sorted.sort_unstable();
            assert_eq!(v, sorted, "occurrences come in order of start");
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
    fn folded_punctuation_is_not_a_match() {
        // '_' (0x5f) and DEL (0x7f) fold to the same byte; only the real one matches.
        let keywords = words(&["ld_x"]);
        assert_eq!(run(&keywords, b"ld\x7fx ld_x"), vec![(5, 0, 9)]);
    }
}
