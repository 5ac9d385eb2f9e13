//! The keyword filter's pass for CPUs without AVX-512: even positions, by gather (AVX2) or
//! one by one.
//!
//! For every even position it hashes the next four bytes (folded to lower case) and tests two
//! bits of one word of a table that holds the hashes of two consecutive four-byte windows of
//! every keyword, so testing even positions only is enough. Positions are independent, so the
//! CPU overlaps many of them (eight at a time with AVX2). Each keyword is represented by its
//! rarest pair of windows; keywords of three or four bytes enter the table with windows that
//! hang off their ends, once for every possible byte there.
//!
//! Positions that pass are checked exactly against a small table (`WindowSlots`, about 1,000
//! entries, 32 KiB): a window that hangs off a keyword's end is entered there once, by the
//! three bytes it knows (`head`: `pat?`, `tail`: `?pat`), and a passing position is looked up
//! as each kind. (Entered once per byte there, as in the bit table, the hanging windows made
//! this table 512 KiB, read at random from the L2 cache; the small one leaves L2 to the bit
//! table and the engine's automata, and makes the scalar pass about 15% faster.)

use super::{FOLD, TABLE_BITS, WindowSlots, fold3, fold4, hash, window_commonness};

/// Marks the exact key of a tail window (its three known bytes, see `tail_key`) apart from a
/// head window's: no folded window has 1 as its fourth byte (folding sets bit 5 of every byte,
/// and a head key's fourth byte is 0).
const TAIL_MARK: u32 = 1 << 24;

/// The exact key of a tail window (`?pat`) whose three known bytes start `b`.
#[inline(always)]
fn tail_key(b: &[u8]) -> u32 {
    fold3(b) | TAIL_MARK
}

/// The even-position pass.
pub struct EvenPositions {
    /// Two bits per hash of a folded four-byte window entered (see `hit`).
    table: Box<[u64; 1 << (TABLE_BITS - 6)]>,
    /// The windows entered, exactly, with the keyword each stands for: full windows by their
    /// four bytes, head windows by their three (`fold3`), tail windows by theirs marked
    /// (`tail_key`).
    slots: WindowSlots,
    /// Whether some keyword has a head or tail window (three or four bytes).
    hanging: bool,
    /// Whether this CPU has AVX2 (the vector scan is used then).
    pub avx2: bool,
    /// Whether some keyword has three bytes (see the end of `for_each`).
    three: bool,
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

/// The pair of consecutive window offsets a keyword is entered by (only even positions are
/// tested, so one of two consecutive windows is always tested). A keyword of five bytes or
/// more uses the pair whose more common window is least common in source code (the first on
/// ties); a shorter one hangs a window off its start (`?pat`, `pat?`; `?ghp`, `ghp_`), which
/// enters it once for every possible byte there.
pub fn rarest_window_pair(keyword: &[u8]) -> isize {
    if keyword.len() < 5 {
        return -1;
    }
    // Offsets are stored in a byte (see `WindowSlots`).
    (0..(keyword.len() - 4).min(250))
        .min_by_key(|&o| window_commonness(keyword, o).max(window_commonness(keyword, o + 1)))
        .unwrap_or(0) as isize
}

impl EvenPositions {
    /// The pass for these keywords (lower case; those of fewer than three bytes are left out).
    pub fn new(keywords: &[Vec<u8>]) -> EvenPositions {
        let mut table = Box::new([0u64; 1 << (TABLE_BITS - 6)]);
        let mut entries: Vec<(u32, u32, isize)> = Vec::new();
        // (exact key, keyword, offset in the keyword of the key's first byte)
        let mut exact: Vec<(u32, u32, isize)> = Vec::new();
        for (id, k) in keywords.iter().enumerate() {
            if k.len() < 3 {
                continue;
            }
            // Every keyword needs a window at an even position wherever it starts: two
            // windows at consecutive offsets.
            let offset = rarest_window_pair(k);
            for o in [offset, offset + 1] {
                for w in windows_at(k, o) {
                    entries.push((w, id as u32, o));
                }
                let o = o as usize;
                let key = if o == usize::MAX {
                    // `?pat`, `?aki`: the keyword's first three bytes.
                    (tail_key(k), 0)
                } else if o + 4 > k.len() {
                    // `pat?`.
                    (fold3(&k[o..]), o as isize)
                } else {
                    (fold4(&k[o..]), o as isize)
                };
                exact.push((key.0, id as u32, key.1));
            }
        }
        entries.sort_unstable();
        entries.dedup();
        exact.sort_unstable();
        exact.dedup();
        for &(w, _, _) in &entries {
            let h = hash(w);
            for bit in [(h & 31) as u32, hash2(w)] {
                let (word, at) = bit_of_word(h, bit);
                table[word] |= 1 << at;
            }
        }
        #[cfg(target_arch = "x86_64")]
        let avx2 = std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        let avx2 = false;
        EvenPositions {
            table,
            slots: WindowSlots::new(&exact, 4),
            hanging: keywords.iter().any(|k| matches!(k.len(), 3 | 4)),
            avx2,
            three: keywords.iter().any(|k| k.len() == 3),
        }
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

    /// Reports the keywords whose window really is at `at` (which has four bytes of text):
    /// as a full window, and as a head or tail window.
    #[inline]
    fn verify(
        &self,
        keywords: &[Vec<u8>],
        hay: &[u8],
        at: usize,
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        self.slots.probe(keywords, hay, at, fold4(&hay[at..]), f);
        if self.hanging {
            self.slots.probe(keywords, hay, at, fold3(&hay[at..]), f);
            self.slots
                .probe(keywords, hay, at + 1, tail_key(&hay[at + 1..]), f);
        }
    }

    /// Calls `f(keyword, start, end)` for every occurrence of a keyword of three bytes or more.
    pub fn for_each(
        &self,
        keywords: &[Vec<u8>],
        hay: &[u8],
        mut f: impl FnMut(usize, usize, usize),
    ) {
        let n = hay.len();
        let mut i = 0;
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is true only where AVX2 was detected: `new` sets it from
            // `is_x86_feature_detected!("avx2")`, and the crate only ever clears it afterwards
            // (the field is not visible outside it). `scan_avx2` checks its own bounds.
            i = unsafe { self.scan_avx2(hay, |at| self.verify(keywords, hay, at, &mut f)) };
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
                        self.verify(keywords, hay, i + 2 * j, &mut f);
                    }
                }
            }
            i += 8;
        }
        while i + 4 <= n {
            if self.hit(fold4(&hay[i..])) {
                self.verify(keywords, hay, i, &mut f);
            }
            i += 2;
        }
        // A three-byte keyword that ends the text at an even position has no window that fits.
        if self.three && n >= 3 && (n - 3).is_multiple_of(2) {
            let at = n - 3;
            for (id, k) in keywords.iter().enumerate() {
                if k.len() == 3 && hay[at..].eq_ignore_ascii_case(k) {
                    f(id, at, n);
                }
            }
        }
    }

    /// Tests eight even positions (sixteen bytes of text) per step with AVX2 (windows by byte
    /// shuffle, hashes by vector multiply, table words by eight loads) and calls `candidate`
    /// for each position whose bits are set. Returns the first position it did not test. The
    /// masks of a run of 32 steps are kept in an array and reported after the run: the vector
    /// loop has no branch on the text then (3-7% faster than a call per step on an AMD EPYC;
    /// collecting the candidates themselves into a buffer with a lane-order table ran 15%
    /// slower).
    ///
    /// # Safety
    /// The CPU must have AVX2: the function is compiled for it. Memory safety needs nothing from
    /// the caller (loads stay inside `hay` and `self.table`, see the comment in the loop).
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
        /// Steps (of sixteen bytes) per run.
        const RUN: usize = 32;
        let mut masks = [0u8; RUN];
        let mut i = 0;
        while i + 24 <= hay.len() {
            let steps = ((hay.len() - 24 - i) / 16 + 1).min(RUN);
            for (s, mask) in masks[..steps].iter_mut().enumerate() {
                let i = i + 16 * s;
                // SAFETY: the CPU has AVX2 (this function's contract). `i + 24 <= hay.len()`
                // (by the choice of `steps`), so both 16-byte loads (at `i` and `i + 8`) are
                // inside `hay`. The table's words are read at `h >> 5` with `h < 2^TABLE_BITS`
                // (a 32-bit product shifted right by `32 - TABLE_BITS`), so below
                // 2^(TABLE_BITS-5): `i32` elements inside the table of 2^(TABLE_BITS-6) `u64`
                // words (the same bytes).
                *mask = unsafe {
                    let lo = _mm_loadu_si128(hay.as_ptr().add(i) as *const __m128i);
                    let hi = _mm_loadu_si128(hay.as_ptr().add(i + 8) as *const __m128i);
                    let w = _mm256_or_si256(
                        _mm256_shuffle_epi8(_mm256_set_m128i(hi, lo), windows),
                        fold,
                    );
                    let h =
                        _mm256_srli_epi32::<{ 32 - TABLE_BITS as i32 }>(_mm256_mullo_epi32(w, mul));
                    let h2 = _mm256_srli_epi32::<27>(_mm256_mullo_epi32(w, mul2));
                    // The eight words by eight scalar loads: on the AMD EPYC (Zen 4) this was
                    // measured on, `vpgatherdd` is slower (the pass 1-16% slower, see
                    // bench/RESULTS-secrets.md).
                    let mut at = [0u32; 8];
                    _mm256_storeu_si256(at.as_mut_ptr() as *mut __m256i, _mm256_srli_epi32::<5>(h));
                    let words = at.map(|a| *table.add(a as usize));
                    let words = _mm256_loadu_si256(words.as_ptr() as *const __m256i);
                    let bits = _mm256_and_si256(
                        _mm256_and_si256(
                            _mm256_srlv_epi32(words, _mm256_and_si256(h, low5)),
                            _mm256_srlv_epi32(words, h2),
                        ),
                        one,
                    );
                    _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(bits, one))) as u8
                };
            }
            for (s, &mask) in masks[..steps].iter().enumerate() {
                let mut m = mask;
                while m != 0 {
                    candidate(i + 16 * s + 2 * m.trailing_zeros() as usize);
                    m &= m - 1;
                }
            }
            i += 16 * steps;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic text of `len` bytes: any byte values, keyword letters and whole keywords
    /// in either case.
    fn text(len: usize, seed: u64) -> Vec<u8> {
        let mut s = seed;
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            match s & 7 {
                0 | 1 => out.push(s as u8),
                2 => out.extend_from_slice([&b"ToKeN"[..], b"akia", b"PAT"][(s >> 8) as usize % 3]),
                _ => out.push(b"tokenAKIApassword_~q0"[(s >> 8) as usize % 21]),
            }
        }
        out.truncate(len);
        out
    }

    #[test]
    fn the_vector_scan_passes_the_positions_the_scalar_test_passes() {
        let pass = EvenPositions::new(&[
            b"token".to_vec(),
            b"akia".to_vec(),
            b"pat".to_vec(),
            b"password".to_vec(),
            b"0q~".to_vec(),
        ]);
        if !crate::skip::can_run(
            "even::the_vector_scan_passes_the_positions_the_scalar_test_passes",
            "AVX2",
            pass.avx2,
            "the prefilter tests of the scalar pass",
        ) {
            return;
        }
        for len in [0, 23, 24, 25, 40, 1000, 20_000] {
            let hay = text(len, 0x5EED + len as u64);
            let mut got = Vec::new();
            // SAFETY: the CPU has AVX2 (checked above).
            let end = unsafe { pass.scan_avx2(&hay, |at| got.push(at)) };
            assert!(end + 24 > len && end % 2 == 0, "{len}: {end}");
            let want: Vec<usize> = (0..end)
                .step_by(2)
                .filter(|&at| pass.hit(fold4(&hay[at..])))
                .collect();
            assert_eq!(got, want, "len {len}");
            if len == 20_000 {
                // Dense text: many positions pass, and most are not keywords.
                assert!(got.len() > 100, "{}", got.len());
            }
        }
    }
}
