//! The keyword prefilter: finds every ASCII-case-insensitive occurrence of every rule keyword.
//!
//! A full Aho-Corasick DFA over ~400 case-insensitive keywords is limited by memory latency: each
//! byte's transition depends on the previous one, so it runs at a few hundred MB/s. This filter
//! has no such chain. For every position it hashes the next four bytes (folded to lower case by
//! setting bit 5, which also merges a few punctuation pairs; harmless in a filter) and tests two
//! bits of one word of a table that holds the hashes of two consecutive four-byte windows of
//! every keyword, so testing even positions only is enough. Positions are independent, so the CPU overlaps many of
//! them (eight at a time with AVX2); the rare positions whose bit is set are verified exactly
//! against the keywords owning that window.
//!
//! Each keyword is represented by its rarest pair of windows, by window counts of real source
//! code (`window_counts.bin`, made by `scripts/gen_window_counts.py`): `password` by `sswo`/`swor`
//! rather than `pass`, which would stop at every `passed`. Keywords of three or four bytes enter
//! the table with windows that hang off their ends, once for every possible byte there; keywords
//! shorter than three bytes go to a small Aho-Corasick automaton of their own, whose rare-byte
//! prefilter is fast for a handful of patterns.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::hash::Hasher;

/// log2 of the number of bits in the hash table (2^22 bits = 512 KiB, resident in L2; 2^21 and
/// 2^23 bits scan no faster).
const TABLE_BITS: u32 = 22;
/// Bit 5 of every byte: the ASCII lower-case bit.
const FOLD: u32 = 0x2020_2020;

/// All occurrences of a fixed keyword list, overlapping, ASCII case-insensitive.
pub struct KeywordFilter {
    /// One bit per hash of a folded four-byte window that starts some keyword.
    table: Box<[u64; 1 << (TABLE_BITS - 6)]>,
    /// The windows entered, by open addressing on their hash (linear probing; 0 marks an empty
    /// slot, and no folded window is 0): each slot packs the folded window (bits 0..32), the
    /// keyword it stands for (bits 32..48) and the window's offset in that keyword plus one
    /// (bits 48..56). A window standing for several keywords has a slot for each.
    slots: Box<[u64]>,
    /// How far a window's hash is shifted right to index `slots`.
    slot_shift: u32,
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

/// Where a window goes in the table: bits 5.. pick a 32-bit word, bits 0..5 one of its bits.
#[inline(always)]
fn hash(window: u32) -> usize {
    (window.wrapping_mul(0x9E37_79B1) >> (32 - TABLE_BITS)) as usize
}

/// A second bit of the same 32-bit word for a window: a window is a candidate only when both
/// of its bits are set, which one gather still tests (a hundredth of the false candidates of
/// one bit).
#[inline(always)]
fn hash2(window: u32) -> u32 {
    window.wrapping_mul(0x85EB_CA6B) >> 27
}

/// The bit of the table (as `u64` words) that is bit `bit` of the 32-bit word `h >> 5` holds.
#[inline(always)]
fn bit_of_word(h: usize, bit: u32) -> (usize, u32) {
    (h >> 6, ((h >> 5) & 1) as u32 * 32 + bit)
}

#[inline(always)]
fn fold4(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) | FOLD
}

/// How common each four-byte window is in source code: one byte per bucket of the folded
/// window's hash (top 16 bits), `8 log2(count + 1)` (see `scripts/gen_window_counts.py`).
static WINDOW_COUNTS: &[u8; 65536] = include_bytes!("window_counts.bin");

/// Bytes a window may hang off a keyword's end with: every byte, folded (128 values).
fn any_byte() -> impl Iterator<Item = u8> {
    (0..=255u8).filter(|b| b | 0x20 == *b)
}

/// The folded windows that stand for the four bytes at `offset` of a keyword (negative, or
/// past its end by one: a window hanging off an end, once for every possible byte there).
fn windows_at(keyword: &[u8], offset: isize) -> Vec<u32> {
    let at = |i: isize, b: u8| {
        if i < 0 || i as usize >= keyword.len() {
            b
        } else {
            keyword[i as usize]
        }
    };
    let hangs = offset < 0 || offset as usize + 4 > keyword.len();
    let fill: Vec<u8> = if hangs { any_byte().collect() } else { vec![0] };
    fill.into_iter()
        .map(|b| {
            fold4(&[
                at(offset, b),
                at(offset + 1, b),
                at(offset + 2, b),
                at(offset + 3, b),
            ])
        })
        .collect()
}

/// How common the four-byte window at `offset` of a keyword is in source code (log scale).
fn window_commonness(keyword: &[u8], offset: usize) -> u8 {
    let w = fold4(&keyword[offset..]);
    WINDOW_COUNTS[(w.wrapping_mul(0x9E37_79B1) >> 16) as usize]
}

/// The pair of consecutive window offsets a keyword is entered by (only even positions are
/// tested, so one of two consecutive windows is always tested). A keyword of five bytes or
/// more uses the pair whose more common window is least common in source code (the first on
/// ties); a shorter one hangs a window off its start (`?pat`, `pat?`; `?ghp`, `ghp_`), which
/// enters it once for every possible byte there.
fn rarest_window_pair(keyword: &[u8]) -> isize {
    if keyword.len() < 5 {
        return -1;
    }
    // Offsets are stored in a byte (see `slots`).
    (0..(keyword.len() - 4).min(250))
        .min_by_key(|&o| window_commonness(keyword, o).max(window_commonness(keyword, o + 1)))
        .unwrap_or(0) as isize
}

impl KeywordFilter {
    /// A filter for these keywords (matched ASCII case-insensitively; empty ones are ignored).
    pub fn new(keywords: &[String]) -> Result<KeywordFilter, String> {
        let keywords: Vec<Vec<u8>> = keywords
            .iter()
            .map(|k| k.as_bytes().to_ascii_lowercase())
            .collect();
        if keywords.len() > usize::from(u16::MAX) {
            return Err(format!("too many secrets keywords ({})", keywords.len()));
        }
        let mut table = Box::new([0u64; 1 << (TABLE_BITS - 6)]);
        let mut entries: Vec<(u32, u32, isize)> = Vec::new();
        let mut short = Vec::new();
        for (id, k) in keywords.iter().enumerate() {
            match k.len() {
                0 => {}
                1 | 2 => short.push(id as u32),
                _ => {
                    // Only even positions are tested, so every keyword needs a window at an
                    // even position wherever it starts: two windows at consecutive offsets.
                    let offset = rarest_window_pair(k);
                    for o in [offset, offset + 1] {
                        for w in windows_at(k, o) {
                            entries.push((w, id as u32, o));
                        }
                    }
                }
            }
        }
        entries.sort_unstable();
        entries.dedup();
        let slot_bits = (entries.len() * 2)
            .next_power_of_two()
            .max(64)
            .trailing_zeros();
        let mut slots = vec![0u64; 1 << slot_bits].into_boxed_slice();
        for &(w, id, offset) in &entries {
            let h = hash(w);
            for bit in [(h & 31) as u32, hash2(w)] {
                let (word, at) = bit_of_word(h, bit);
                table[word] |= 1 << at;
            }
            let mut i = h >> (TABLE_BITS - slot_bits);
            while slots[i] != 0 {
                i = (i + 1) & (slots.len() - 1);
            }
            slots[i] = u64::from(w) | u64::from(id) << 32 | ((offset + 1) as u64) << 48;
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
            slots,
            slot_shift: TABLE_BITS - slot_bits,
            keywords,
            short,
            avx2,
        })
    }

    #[inline(always)]
    fn hit(&self, window: u32) -> bool {
        let h = hash(window);
        // h < 2^TABLE_BITS, so the index is in bounds and the check folds away.
        let (word, a) = bit_of_word(h, (h & 31) as u32);
        let (_, b) = bit_of_word(h, hash2(window));
        let w = self.table[word];
        (w >> a) & (w >> b) & 1 != 0
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
            i = unsafe { self.scan_avx2(hay, |at| self.verify(hay, at, &mut f)) };
        }
        // Even positions only (see `new`): four per step from one u64 load.
        while i + 10 <= n {
            let a = u64::from_le_bytes(hay[i..i + 8].try_into().expect("8 bytes"));
            let b = u64::from(u16::from_le_bytes([hay[i + 8], hay[i + 9]]));
            let m = (0..4).fold(0u32, |m, j| {
                let w = if j < 3 {
                    (a >> (16 * j)) as u32
                } else {
                    ((a >> 48) | (b << 16)) as u32
                };
                m | (self.hit(w | FOLD) as u32) << j
            });
            if m != 0 {
                for j in 0..4 {
                    if m & (1 << j) != 0 {
                        self.verify(hay, i + 2 * j, &mut f);
                    }
                }
            }
            i += 8;
        }
        while i + 4 <= n {
            if self.hit(fold4(&hay[i..])) {
                self.verify(hay, i, &mut f);
            }
            i += 2;
        }
        // A three-byte keyword that ends the text at an even position has no window that fits.
        if n >= 3 && (n - 3).is_multiple_of(2) {
            let at = n - 3;
            for (id, k) in self.keywords.iter().enumerate() {
                if k.len() == 3 && hay[at..].eq_ignore_ascii_case(k) {
                    f(id, at, n);
                }
            }
        }
    }

    /// Tests eight even positions (sixteen bytes of text) per step with AVX2 (windows by byte
    /// shuffle, hashes by vector multiply, table bits by gather) and calls `candidate` for each
    /// position whose bits are set. Returns the first position it did not test. (Collecting
    /// candidates into a buffer with a lane-order table, to verify them between chunks, ran
    /// 15% slower.)
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn scan_avx2(&self, hay: &[u8], mut candidate: impl FnMut(usize)) -> usize {
        use std::arch::x86_64::*;
        let table = self.table.as_ptr() as *const i32;
        // Lane j (of eight 32-bit lanes) takes bytes 2j..2j+4 of the text at i: the lower
        // 128-bit half holds bytes i..i+16 (lanes 0..4), the upper half bytes i+8..i+24.
        let windows = _mm256_setr_epi8(
            0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9, //
            0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9,
        );
        let fold = _mm256_set1_epi32(FOLD as i32);
        let mul = _mm256_set1_epi32(0x9E37_79B1u32 as i32);
        let mul2 = _mm256_set1_epi32(0x85EB_CA6Bu32 as i32);
        let low5 = _mm256_set1_epi32(31);
        let one = _mm256_set1_epi32(1);
        let mut i = 0;
        while i + 24 <= hay.len() {
            // SAFETY: i + 24 <= len, so both 16-byte loads are in bounds; gather indices are
            // < 2^(TABLE_BITS-5), inside the table of 2^(TABLE_BITS-6) u64 words.
            let mask = unsafe {
                let lo = _mm_loadu_si128(hay.as_ptr().add(i) as *const __m128i);
                let hi = _mm_loadu_si128(hay.as_ptr().add(i + 8) as *const __m128i);
                let w =
                    _mm256_or_si256(_mm256_shuffle_epi8(_mm256_set_m128i(hi, lo), windows), fold);
                let h = _mm256_srli_epi32::<{ 32 - TABLE_BITS as i32 }>(_mm256_mullo_epi32(w, mul));
                let h2 = _mm256_srli_epi32::<27>(_mm256_mullo_epi32(w, mul2));
                let words = _mm256_i32gather_epi32::<4>(table, _mm256_srli_epi32::<5>(h));
                let bits = _mm256_and_si256(
                    _mm256_and_si256(
                        _mm256_srlv_epi32(words, _mm256_and_si256(h, low5)),
                        _mm256_srlv_epi32(words, h2),
                    ),
                    one,
                );
                _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(bits, one))) as u32
            };
            let mut m = mask;
            while m != 0 {
                candidate(i + 2 * m.trailing_zeros() as usize);
                m &= m - 1;
            }
            i += 16;
        }
        i
    }

    /// Reports the keywords whose window really is at `at`.
    #[inline]
    fn verify(&self, hay: &[u8], at: usize, f: &mut impl FnMut(usize, usize, usize)) {
        let w = fold4(&hay[at..]);
        let mask = self.slots.len() - 1;
        let mut i = hash(w) >> self.slot_shift;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return;
            }
            if slot as u32 == w {
                let id = (slot >> 32) as u16 as usize;
                let offset = (slot >> 48) as isize - 1;
                let k = &self.keywords[id];
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
        assert_ne!(rarest_window_pair(b"password"), 0);
        assert_eq!(rarest_window_pair(b"ghp_x"), 0);
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
