//! The keyword filter's AVX-512 pass: a Bloom filter tested at every position without gathers.
//!
//! Each keyword of four bytes or more stands by its rarest four-byte window (by
//! `window_counts.bin`), each three-byte keyword by itself; every position of the text is tested
//! for both, 64 positions per step. The hashes are tabulation hashes: one 64-entry table per hash
//! and byte position, looked up with `vpermb` on the byte folded to lower case (its low six bits;
//! a coarser fold only lets more through). A window passes when its bit is set in every one of a
//! few small bit tables, looked up with `vpermi2b` and `vpshufbitqmb`: no load depends on the
//! text, so nothing waits on memory. About one position in two hundred passes, and is checked
//! exactly against the windows entered (`Exact`), which leaves the keyword occurrences.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Hashes computed per window: the four-byte tables use hashes `j` and `j + 1`, the three-byte
/// tables `j` and `j + 2`.
const HASHES: usize = 5;
/// Bit tables of 2,048 bits (byte by one hash, bit by the next) a four-byte window must pass.
const TABLES4: usize = 4;
/// Bit tables of 1,024 bits a three-byte window must pass.
const TABLES3: usize = 3;

/// The Bloom filter over keyword windows.
pub struct Bloom {
    /// `tab[h][p][c & 63]`: byte `h` of the hash of a window's byte `p`, lower-cased.
    tab: [[[u8; 64]; 4]; HASHES],
    /// Four-byte window bits.
    b4: [[u8; 256]; TABLES4],
    /// Three-byte window bits.
    b3: [[u8; 128]; TABLES3],
}

/// A small deterministic generator for the tabulation tables.
fn next(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

impl Bloom {
    /// A filter passing every position where one of `windows4` (four-byte windows) or
    /// `windows3` (three-byte windows) starts, in any ASCII case (the hashes fold).
    pub fn new(windows4: &[[u8; 4]], windows3: &[[u8; 3]]) -> Bloom {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        let mut tab = [[[0u8; 64]; 4]; HASHES];
        for table in tab.iter_mut().flatten() {
            for t in table.iter_mut() {
                *t = next(&mut s) as u8;
            }
        }
        let mut bloom = Bloom {
            tab,
            b4: [[0; 256]; TABLES4],
            b3: [[0; 128]; TABLES3],
        };
        for w in windows4 {
            let h = bloom.hashes(w);
            for j in 0..TABLES4 {
                bloom.b4[j][usize::from(h[j])] |= 1 << (h[j + 1] & 7);
            }
        }
        for w in windows3 {
            let p = bloom.partial(w);
            for j in 0..TABLES3 {
                bloom.b3[j][usize::from(p[j] & 127)] |= 1 << (p[j + 2] & 7);
            }
        }
        bloom
    }

    /// The hashes of a window's first three bytes.
    fn partial(&self, w: &[u8]) -> [u8; HASHES] {
        let ix = |c: u8| usize::from((c | 0x20) & 63);
        std::array::from_fn(|h| {
            self.tab[h][0][ix(w[0])] ^ self.tab[h][1][ix(w[1])] ^ self.tab[h][2][ix(w[2])]
        })
    }

    /// The hashes of a four-byte window.
    fn hashes(&self, w: &[u8; 4]) -> [u8; HASHES] {
        let p = self.partial(w);
        std::array::from_fn(|h| p[h] ^ self.tab[h][3][usize::from((w[3] | 0x20) & 63)])
    }

    /// Whether the four bytes at the start of `w` pass as a four-byte window, and whether its
    /// first three pass as a three-byte one (the scalar form of `scan`, for tests).
    #[cfg(test)]
    pub fn passes(&self, w: &[u8; 4]) -> (bool, bool) {
        let h = self.hashes(w);
        let p = self.partial(w);
        let four = (0..TABLES4).all(|j| self.b4[j][usize::from(h[j])] >> (h[j + 1] & 7) & 1 != 0);
        let three =
            (0..TABLES3).all(|j| self.b3[j][usize::from(p[j] & 127)] >> (p[j + 2] & 7) & 1 != 0);
        (four, three)
    }

    /// Whether this CPU can run `scan`.
    pub fn supported() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512vbmi")
                && std::arch::is_x86_feature_detected!("avx512bitalg")
        }
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    /// Calls `candidate(i, four, three)` for every position `i` of `hay` whose four-byte
    /// window (`four`) or three-byte window (`three`) passes. Positions are tested 64 per block,
    /// a run of blocks at a time, and reported after the run: a call inside the vector loop
    /// would make the CPU save and restore its tables around every candidate. The last positions
    /// are tested in a zero-padded copy.
    ///
    /// # Safety
    /// The CPU must have the features `supported` checks (AVX-512 F, BW, VBMI and BITALG):
    /// the function is compiled for them. Memory accesses need nothing from the caller: every
    /// load is bounds-checked against `hay` here (see `blocks`).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512bitalg")]
    pub unsafe fn scan(&self, hay: &[u8], mut candidate: impl FnMut(usize, bool, bool)) {
        const RUN: usize = 64;
        let mut masks = [(0u64, 0u64); RUN];
        let mut i = 0;
        while i + 67 <= hay.len() {
            let blocks = ((hay.len() - 67 - i) / 64 + 1).min(RUN);
            // SAFETY: the CPU has the features (this function's contract). The slice passed has
            // `64 * blocks + 3` bytes (sliced with bounds checks: `i + 64 * blocks + 3 <=
            // hay.len()` by the choice of `blocks`), as `blocks` requires for `blocks` masks.
            unsafe { self.blocks(&hay[i..i + 64 * blocks + 3], &mut masks[..blocks]) };
            report(&masks[..blocks], i, 64 * blocks, &mut candidate);
            i += 64 * blocks;
        }
        let rest = hay.len() - i;
        if rest >= 3 {
            let mut pad = [0u8; 64 + 67];
            pad[..rest].copy_from_slice(&hay[i..]);
            let blocks = rest.div_ceil(64);
            // SAFETY: the CPU has the features (this function's contract). `rest < 67`, so
            // `blocks <= 2` and `64 * blocks + 3 <= 131 = pad.len()`: the slice has the length
            // `blocks` requires.
            unsafe { self.blocks(&pad[..64 * blocks + 3], &mut masks[..blocks]) };
            // Only positions with three real bytes: the padding is not text.
            report(&masks[..blocks], i, rest - 2, &mut candidate);
        }
    }

    /// Tests the positions of `masks.len()` blocks of 64 bytes at the start of `hay` (which
    /// has three bytes more): one bit per position whose four-byte window passes, and one per
    /// position whose three-byte window does.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F, BW, VBMI and BITALG (`Bloom::supported`). The length of
    /// `hay` is checked here (the function panics if it is shorter than `64 * masks.len() + 3`),
    /// so memory safety needs nothing more from the caller.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512bitalg")]
    unsafe fn blocks(&self, hay: &[u8], masks: &mut [(u64, u64)]) {
        assert!(hay.len() >= 64 * masks.len() + 3);
        // `ld` loads the 64 bytes at `p` (unaligned). It is only given pointers to 64 readable
        // bytes: into `hay` at `64 * block + k` with `block < masks.len()` and `k <= 3` (the
        // assert above keeps `64 * block + k + 64 <= hay.len()`), or to the start of a 64-byte
        // row of the bloom's tables (`tab[h][p]`, and `b4[j]` / `b3[j]` at offsets 0, 64, 128,
        // 192 of their 256 / 0, 64 of their 128 bytes).
        // SAFETY: the pointer is valid for 64 bytes of reads (the callers below, as above), and
        // the CPU has AVX-512 F (this function's contract).
        let ld = |p: *const u8| unsafe { _mm512_loadu_si512(p as *const _) };
        let fold = _mm512_set1_epi8(0x20);
        // Byte j of a qword starts at bit 8 (j % 8) of it, for `vpshufbitqmb`.
        let offsets = _mm512_set1_epi64(0x3830_2820_1810_0800);
        let seven = _mm512_set1_epi8(7);
        let tab: [[__m512i; 4]; HASHES] =
            std::array::from_fn(|h| std::array::from_fn(|p| ld(self.tab[h][p].as_ptr())));
        for (block, mask) in masks.iter_mut().enumerate() {
            // SAFETY: `64 * block + 3 < hay.len()` (the assert), so the offset pointer stays
            // inside `hay`.
            let p = unsafe { hay.as_ptr().add(64 * block) };
            let b: [__m512i; 4] = std::array::from_fn(|k| {
                // SAFETY: `k <= 3`: `p + k` is inside `hay` and 64 bytes follow it (see `ld`).
                _mm512_or_si512(ld(unsafe { p.add(k) }), fold)
            });
            let partial: [__m512i; HASHES] = std::array::from_fn(|h| {
                _mm512_xor_si512(
                    _mm512_xor_si512(
                        _mm512_permutexvar_epi8(b[0], tab[h][0]),
                        _mm512_permutexvar_epi8(b[1], tab[h][1]),
                    ),
                    _mm512_permutexvar_epi8(b[2], tab[h][2]),
                )
            });
            let full: [__m512i; HASHES] = std::array::from_fn(|h| {
                _mm512_xor_si512(partial[h], _mm512_permutexvar_epi8(b[3], tab[h][3]))
            });
            let mut four = !0u64;
            for j in 0..TABLES4 {
                let t = self.b4[j].as_ptr();
                let (idx, next) = (full[j], full[j + 1]);
                // SAFETY: `b4[j]` has 256 bytes: 64 bytes follow offset 64.
                let lo = _mm512_permutex2var_epi8(ld(t), idx, ld(unsafe { t.add(64) }));
                // SAFETY: `b4[j]` has 256 bytes: 64 bytes follow offsets 128 and 192.
                let (t128, t192) = unsafe { (t.add(128), t.add(192)) };
                let hi = _mm512_permutex2var_epi8(ld(t128), idx, ld(t192));
                let byte = _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), lo, hi);
                let bit = _mm512_or_si512(_mm512_and_si512(next, seven), offsets);
                four &= _mm512_bitshuffle_epi64_mask(byte, bit);
            }
            let mut three = !0u64;
            for j in 0..TABLES3 {
                let t = self.b3[j].as_ptr();
                // SAFETY: `b3[j]` has 128 bytes: 64 bytes follow offset 64.
                let t64 = unsafe { t.add(64) };
                let byte = _mm512_permutex2var_epi8(ld(t), partial[j], ld(t64));
                let bit = _mm512_or_si512(_mm512_and_si512(partial[j + 2], seven), offsets);
                three &= _mm512_bitshuffle_epi64_mask(byte, bit);
            }
            *mask = (four, three);
        }
    }
}

/// Calls `candidate` for each position set in `masks` (block `b` starts at `base + 64 b`) that
/// lies less than `end` bytes from `base`, saying which of the two filters it passed.
#[inline(always)]
fn report(
    masks: &[(u64, u64)],
    base: usize,
    end: usize,
    candidate: &mut impl FnMut(usize, bool, bool),
) {
    for (b, &(four, three)) in masks.iter().enumerate() {
        let mut m = four | three;
        while m != 0 {
            let bit = m & m.wrapping_neg();
            let at = 64 * b + m.trailing_zeros() as usize;
            if at < end {
                candidate(base + at, four & bit != 0, three & bit != 0);
            }
            m &= m - 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic text over all byte values, denser in a few keyword letters.
    fn text(len: usize, seed: u64) -> Vec<u8> {
        let mut s = seed;
        (0..len)
            .map(|_| {
                let r = next(&mut s);
                if r & 3 == 0 {
                    r as u8
                } else {
                    b"tokenAKIApat_~q0"[(r >> 8) as usize % 16]
                }
            })
            .collect()
    }

    #[test]
    fn the_vector_scan_reports_exactly_the_positions_that_pass() {
        if !crate::skip::can_run(
            "bloom::the_vector_scan_reports_exactly_the_positions_that_pass",
            "AVX-512 F, BW, VBMI and BITALG",
            Bloom::supported(),
            "every_window_entered_passes_in_any_case and the prefilter tests of the even pass",
        ) {
            return;
        }
        let bloom = Bloom::new(&[*b"toke", *b"akia", *b"ken_"], &[*b"pat", *b"0q~"]);
        for len in [0, 1, 2, 3, 4, 63, 66, 67, 68, 130, 131, 4096 + 67, 9000] {
            let hay = text(len, 0x1234_5678 + len as u64);
            let mut got = Vec::new();
            // SAFETY: the CPU has the features (checked above).
            unsafe { bloom.scan(&hay, |at, _, _| got.push(at)) };
            let want: Vec<usize> = (0..len.saturating_sub(2))
                .filter(|&at| {
                    let mut w = [0u8; 4];
                    let end = (at + 4).min(len);
                    w[..end - at].copy_from_slice(&hay[at..end]);
                    // At the very end a zero stands for the missing fourth byte.
                    let (four, three) = bloom.passes(&w);
                    four || three
                })
                .collect();
            assert_eq!(got, want, "len {len}");
        }
    }

    #[test]
    fn every_window_entered_passes_in_any_case() {
        let windows4 = [*b"toke", *b"akia", *b"ghp_", *b"----"];
        let windows3 = [*b"pat", *b"0q~"];
        let bloom = Bloom::new(&windows4, &windows3);
        for w in windows4 {
            assert!(bloom.passes(&w).0);
            assert!(bloom.passes(&w.map(|c| c.to_ascii_uppercase())).0);
        }
        for w in windows3 {
            for fourth in [0, b'x', 0xff] {
                assert!(bloom.passes(&[w[0], w[1], w[2], fourth]).1);
            }
        }
        // The scalar test above always runs; the vector scan where the CPU has it.
        if crate::skip::can_run(
            "bloom::every_window_entered_passes_in_any_case (vector scan)",
            "AVX-512 F, BW, VBMI and BITALG",
            Bloom::supported(),
            "the scalar part of this test",
        ) {
            let hay = b"x TOKEN akia ghp_ ----- PAT 0q~ tok";
            let mut got = Vec::new();
            // SAFETY: the CPU has the features (checked above).
            unsafe { bloom.scan(hay, |at, _, _| got.push(at)) };
            for at in [2, 8, 13, 18, 24, 28] {
                assert!(got.contains(&at), "{at}: {got:?}");
            }
        }
    }
}
