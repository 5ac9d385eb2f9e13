//! The keyword filter's pass for CPUs without AVX-512: even positions, by gather (AVX2) or
//! one by one.
//!
//! For every even position it hashes the next four bytes (folded to lower case) and tests two
//! bits of one word of a table that holds the hashes of two consecutive four-byte windows of
//! every keyword, so testing even positions only is enough. Positions are independent, so the
//! CPU overlaps many of them (eight at a time with AVX2). Each keyword is represented by its
//! rarest pair of windows; keywords of three or four bytes enter the table with windows that
//! hang off their ends, once for every possible byte there.

use super::{FOLD, TABLE_BITS, WindowSlots, fold4, hash, window_commonness};

/// The even-position pass.
pub struct EvenPositions {
    /// Two bits per hash of a folded four-byte window entered (see `hit`).
    table: Box<[u64; 1 << (TABLE_BITS - 6)]>,
    /// The windows entered, with the keyword each stands for.
    slots: WindowSlots,
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
            }
        }
        entries.sort_unstable();
        entries.dedup();
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
            slots: WindowSlots::new(&entries, 2),
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

    /// Reports the keywords whose window really is at `at`.
    #[inline]
    fn verify(
        &self,
        keywords: &[Vec<u8>],
        hay: &[u8],
        at: usize,
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        self.slots.probe(keywords, hay, at, fold4(&hay[at..]), f);
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
    /// shuffle, hashes by vector multiply, table bits by gather) and calls `candidate` for each
    /// position whose bits are set. Returns the first position it did not test. (Collecting
    /// candidates into a buffer with a lane-order table, to verify them between chunks, ran
    /// 15% slower.)
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
        let mut i = 0;
        while i + 24 <= hay.len() {
            // SAFETY: the CPU has AVX2 (this function's contract). `i + 24 <= hay.len()`, so
            // both 16-byte loads (at `i` and `i + 8`) are inside `hay`. The gather's indices
            // are `h >> 5` with `h < 2^TABLE_BITS` (a 32-bit product shifted right by
            // `32 - TABLE_BITS`), so below 2^(TABLE_BITS-5): `i32` elements inside the table
            // of 2^(TABLE_BITS-6) `u64` words (the same bytes).
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
}
