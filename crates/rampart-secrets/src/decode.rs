//! One level of decoding: base64 runs and percent-encoded lines, so that an encoded secret is
//! found at the place of its encoded form.

use base64::Engine as _;
use std::ops::Range;

/// Shortest base64 run worth decoding (24 chars decode to 18 bytes).
const MIN_B64: usize = 32;
// `base64_runs` finds runs of this length with five shift-and steps (1, 2, 4, 8, 16).
const _: () = assert!(MIN_B64 == 32);

/// A decoded piece of a file.
#[derive(Debug)]
pub struct Decoded {
    /// Where the encoded form is in the file.
    pub span: Range<usize>,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// `base64` or `url`.
    pub encoding: &'static str,
}

#[cfg(test)]
static B64_CLASS: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'-' || c == b'_';
        i += 1;
    }
    t
};

/// Printable ASCII or a line break or tab.
fn is_text_byte(b: u8) -> bool {
    b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b)
}

/// Whether decoded bytes are text worth scanning (mostly printable ASCII, no NUL).
fn is_text(bytes: &[u8]) -> bool {
    if bytes.is_empty() || bytes.contains(&0) {
        return false;
    }
    let printable = bytes.iter().filter(|&&b| is_text_byte(b)).count();
    printable * 100 >= bytes.len() * 95
}

/// Bit `i` set when byte `i` of the block is in the base64 alphabet (bytes past the block: 0).
#[inline]
fn class_mask(block: &[u8; 64]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SSE2 is part of x86-64: 16 bytes per step, compares and one movemask.
        use std::arch::x86_64::*;
        let mut m = 0u64;
        for k in 0..4 {
            // SAFETY: SSE2 is part of the x86-64 baseline, so the intrinsics run on every
            // x86-64 CPU. `k < 4`: the unaligned load reads bytes `16k..16k + 16` of the 64-byte
            // `block`. The rest are register operations.
            let bits = unsafe {
                let c = _mm_loadu_si128(block.as_ptr().add(16 * k) as *const __m128i);
                let set = |b: u8| _mm_set1_epi8(b as i8);
                let in_range = |v: __m128i, lo: u8, hi: u8| {
                    // Signed compares: bytes >= 0x80 are negative and fall outside every range.
                    _mm_and_si128(
                        _mm_cmpgt_epi8(v, set(lo - 1)),
                        _mm_cmpgt_epi8(set(hi + 1), v),
                    )
                };
                let lower = _mm_or_si128(c, set(0x20));
                let alpha = in_range(lower, b'a', b'z');
                let digit = in_range(c, b'0', b'9');
                let sym = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(c, set(b'+')), _mm_cmpeq_epi8(c, set(b'/'))),
                    _mm_or_si128(_mm_cmpeq_epi8(c, set(b'-')), _mm_cmpeq_epi8(c, set(b'_'))),
                );
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(alpha, digit), sym)) as u32 as u64
            };
            m |= bits << (16 * k);
        }
        m
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut m = 0u64;
        for (i, &c) in block.iter().enumerate() {
            let lower = c | 0x20;
            let is = lower.wrapping_sub(b'a') < 26
                || c.wrapping_sub(b'0') < 10
                || matches!(c, b'+' | b'/' | b'-' | b'_');
            m |= u64::from(is) << i;
        }
        m
    }
}

/// `class_mask` with AVX2: the same compares as the SSE2 form, 32 bytes per step.
///
/// # Safety
/// The CPU must have AVX2 (the function is compiled for it). Loads are of the fixed-size array,
/// so memory safety needs nothing from the caller.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn class_mask_avx2(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::*;
    let set = |b: u8| _mm256_set1_epi8(b as i8);
    let in_range = |v: __m256i, lo: u8, hi: u8| {
        // Signed compares: bytes >= 0x80 are negative and fall outside every range.
        _mm256_and_si256(
            _mm256_cmpgt_epi8(v, set(lo - 1)),
            _mm256_cmpgt_epi8(set(hi + 1), v),
        )
    };
    let mut m = 0u64;
    for k in 0..2 {
        // SAFETY: the CPU has AVX2 (this function's contract); `k < 2`, so the unaligned load
        // reads bytes `32k..32k + 32` of the 64-byte `block`.
        let c = unsafe { _mm256_loadu_si256(block.as_ptr().add(32 * k) as *const __m256i) };
        let alpha = in_range(_mm256_or_si256(c, set(0x20)), b'a', b'z');
        let digit = in_range(c, b'0', b'9');
        let sym = _mm256_or_si256(
            _mm256_or_si256(
                _mm256_cmpeq_epi8(c, set(b'+')),
                _mm256_cmpeq_epi8(c, set(b'/')),
            ),
            _mm256_or_si256(
                _mm256_cmpeq_epi8(c, set(b'-')),
                _mm256_cmpeq_epi8(c, set(b'_')),
            ),
        );
        let bits = _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(alpha, digit), sym));
        m |= u64::from(bits as u32) << (32 * k);
    }
    m
}

/// `class_mask` with AVX-512 (one 64-byte table lookup on the low seven bits, bytes >= 0x80
/// excluded by their sign bit).
///
/// # Safety
/// The CPU must have AVX-512 F, BW and VBMI (the function is compiled for them). Loads are of
/// fixed-size arrays, so memory safety needs nothing from the caller.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
unsafe fn class_mask_avx512(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::*;
    static TABLE: [u8; 128] = {
        let mut t = [0u8; 128];
        let mut i = 0;
        while i < 128 {
            let c = i as u8;
            if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'-' || c == b'_' {
                t[i] = 0xff;
            }
            i += 1;
        }
        t
    };
    // SAFETY: the CPU has the features (this function's contract). The unaligned loads read
    // the 64 bytes of `block` and bytes 0..64 and 64..128 of the 128-byte `TABLE`.
    unsafe {
        let c = _mm512_loadu_si512(block.as_ptr() as *const _);
        let lo = _mm512_loadu_si512(TABLE.as_ptr() as *const _);
        let hi = _mm512_loadu_si512(TABLE.as_ptr().add(64) as *const _);
        let hit = _mm512_permutex2var_epi8(lo, c, hi);
        _mm512_movepi8_mask(hit) & !_mm512_movepi8_mask(c)
    }
}

/// Whether a run of at least `MIN_B64` (32) set bits may start in `cur` (the next 64 bits are
/// `next`): such a run covers a whole 16-bit-aligned chunk of `cur`, or the first of `next`.
#[inline(always)]
fn may_hold_long_run(cur: u64, next: u64) -> bool {
    // A 16-bit lane of `!cur` is zero (its chunk of `cur` all set): the classic has-zero test
    // (exact for "some lane", which is all this asks).
    let inv = !cur;
    let full_chunk = inv.wrapping_sub(0x0001_0001_0001_0001) & !inv & 0x8000_8000_8000_8000 != 0;
    full_chunk || next as u16 == u16::MAX
}

/// Finds base64 runs that decode to text.
///
/// Works on 64-byte blocks and their alphabet bitmasks, two blocks at a time: a run of at least
/// `MIN_B64` bytes starting in the first block covers a whole 16-byte chunk, which one
/// arithmetic test rules out for most blocks; for the others, bit tricks on the 128-bit window
/// find the runs that start in the first block and are long enough. The loop visits long runs
/// only (rare in source code), never every word.
pub fn base64_runs(content: &[u8]) -> Vec<Decoded> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vbmi")
    {
        // SAFETY: `base64_runs_avx512` needs AVX-512 F, BW and VBMI, all just detected.
        return unsafe { base64_runs_avx512(content) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `base64_runs_avx2` needs AVX2, just detected.
        return unsafe { base64_runs_avx2(content) };
    }
    find_runs(content, class_mask)
}

/// `base64_runs` compiled for AVX2, so that the classifier inlines into the loop.
///
/// # Safety
/// The CPU must have AVX2. Nothing else: `find_runs` is safe code.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn base64_runs_avx2(content: &[u8]) -> Vec<Decoded> {
    // SAFETY: the CPU has AVX2 (this function's contract); the argument is a reference to a
    // 64-byte array, always readable.
    find_runs(content, |b| unsafe { class_mask_avx2(b) })
}

/// `base64_runs` compiled for AVX-512, so that the classifier inlines into the loop.
///
/// # Safety
/// The CPU must have AVX-512 F, BW and VBMI. Nothing else: `find_runs` is safe code.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
unsafe fn base64_runs_avx512(content: &[u8]) -> Vec<Decoded> {
    // SAFETY: the CPU has the features `class_mask_avx512` needs (this function's contract);
    // its argument is a reference to a 64-byte array, always readable.
    find_runs(content, |b| unsafe { class_mask_avx512(b) })
}

/// `base64_runs` with this block classifier.
#[inline(always)]
fn find_runs(content: &[u8], class_mask: impl Fn(&[u8; 64]) -> u64) -> Vec<Decoded> {
    let mut out = Vec::new();
    let n = content.len();
    let mut emit = |start: usize, run_end: usize| {
        let mut end = run_end;
        while end < n && end - run_end < 2 && content[end] == b'=' {
            end += 1;
        }
        out.extend(decode_run(&content[start..end], start));
    };
    // The alphabet mask of the 64 bytes at `pos` (bytes past the end: 0).
    let mask_at = |pos: usize| -> u64 {
        if pos + 64 <= n {
            class_mask(content[pos..pos + 64].try_into().expect("64 bytes"))
        } else if pos < n {
            let mut tail = [0u8; 64];
            tail[..n - pos].copy_from_slice(&content[pos..]);
            class_mask(&tail)
        } else {
            0
        }
    };
    // A long run that reached past the window it started in.
    let mut open: Option<usize> = None;
    // Whether the previous block's last byte was in the alphabet.
    let mut prev_top = false;
    let mut pos = 0;
    let mut cur = mask_at(0);
    while pos < n {
        let next = mask_at(pos + 64);
        if let Some(start) = open {
            let ones = cur.trailing_ones() as usize;
            if ones < 64 {
                emit(start, (pos + ones).min(n));
                open = None;
            }
        }
        if open.is_none() && may_hold_long_run(cur, next) {
            // Bit i: a run starts at i (set, and the byte before is not).
            let starts = cur & !((cur << 1) | u64::from(prev_top));
            let w = u128::from(cur) | (u128::from(next) << 64);
            // Bit i of `x`: bits i..i+32 of the window are all set.
            let mut x = w;
            x &= x >> 1;
            x &= x >> 2;
            x &= x >> 4;
            x &= x >> 8;
            x &= x >> 16;
            let mut long = starts & x as u64;
            while long != 0 {
                let s = long.trailing_zeros();
                let len = (!(w >> s)).trailing_zeros();
                if s + len < 128 {
                    emit(pos + s as usize, (pos + (s + len) as usize).min(n));
                } else {
                    open = Some(pos + s as usize);
                }
                long &= long - 1;
            }
        }
        prev_top = cur >> 63 == 1;
        pos += 64;
        cur = next;
    }
    if let Some(start) = open {
        emit(start, n);
    }
    out
}

/// Decodes one run when it looks like base64 of text.
fn decode_run(run: &[u8], start: usize) -> Option<Decoded> {
    // Identifiers and words are base64 alphabet too: require both cases and a digit or symbol.
    let (mut upper, mut lower, mut other, mut url_safe) = (false, false, false, false);
    for &b in run {
        upper |= b.is_ascii_uppercase();
        lower |= b.is_ascii_lowercase();
        other |= b.is_ascii_digit() || b == b'+' || b == b'/';
        url_safe |= b == b'-' || b == b'_';
    }
    if !(upper && lower && other) {
        return None;
    }
    // Runs hold the base64 alphabet and `=` only: ASCII.
    let trimmed = std::str::from_utf8(run).ok()?.trim_end_matches('=');
    let engine = if url_safe {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    // Long runs are mostly images and fonts: decide on a prefix first, exactly as `is_text`
    // would on the whole (a NUL anywhere, or more non-text bytes than the whole allows).
    if trimmed.len() > 256 {
        let prefix = engine.decode(&trimmed[..256]).ok()?;
        let whole = trimmed.len() * 3 / 4;
        let non_text = prefix.iter().filter(|&&b| !is_text_byte(b)).count();
        if prefix.contains(&0) || non_text * 100 > whole * 5 {
            return None;
        }
    }
    let bytes = engine.decode(trimmed).ok()?;
    is_text(&bytes).then(|| Decoded {
        span: start..start + run.len(),
        bytes,
        encoding: "base64",
    })
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Finds lines with at least two `%XX` escapes and decodes them.
pub fn percent_lines(content: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    let n = content.len();
    let is_escape =
        |at: usize| at + 2 < n && hex(content[at + 1]).is_some() && hex(content[at + 2]).is_some();
    // Each line is looked at once, from its first escape: a `%` that starts none (`%s`,
    // `100% `, most of them in code) is passed over without looking for its line's end. An
    // escape's two hex digits are no line break, so it always ends before its line does.
    // `floor` is a line start at or before `from`.
    let (mut from, mut floor) = (0, 0);
    while let Some(p) = memchr::memchr(b'%', &content[from..]) {
        let pos = from + p;
        if !is_escape(pos) {
            from = pos + 1;
            continue;
        }
        let line_end = memchr::memchr(b'\n', &content[pos..]).map_or(n, |p| pos + p);
        let escapes = memchr::memchr_iter(b'%', &content[pos..line_end])
            .filter(|&q| is_escape(pos + q))
            .take(2)
            .count();
        if escapes == 2 {
            let line_start =
                memchr::memrchr(b'\n', &content[floor..pos]).map_or(floor, |p| floor + p + 1);
            let line = &content[line_start..line_end];
            let mut bytes = Vec::with_capacity(line.len());
            let mut i = 0;
            while i < line.len() {
                if line[i] == b'%'
                    && i + 2 < line.len()
                    && let (Some(h), Some(l)) = (hex(line[i + 1]), hex(line[i + 2]))
                {
                    bytes.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                bytes.push(if line[i] == b'+' { b' ' } else { line[i] });
                i += 1;
            }
            if is_text(&bytes) {
                out.push(Decoded {
                    span: line_start..line_end,
                    bytes,
                    encoding: "url",
                });
            }
        }
        from = line_end + 1;
        floor = from;
        if from >= n {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The former `percent_lines`, which looked for the end of every line holding a `%`: the
    /// reference the faster one is compared with.
    fn percent_lines_reference(content: &[u8]) -> Vec<(Range<usize>, Vec<u8>)> {
        let mut out = Vec::new();
        let n = content.len();
        let is_escape = |at: usize| {
            at + 2 < n && hex(content[at + 1]).is_some() && hex(content[at + 2]).is_some()
        };
        let mut from = 0;
        while let Some(p) = memchr::memchr(b'%', &content[from..]) {
            let pos = from + p;
            let line_end = memchr::memchr(b'\n', &content[pos..]).map_or(n, |p| pos + p);
            let escapes = memchr::memchr_iter(b'%', &content[pos..line_end])
                .filter(|&q| is_escape(pos + q) && pos + q + 2 < line_end)
                .take(2)
                .count();
            if escapes == 2 {
                let line_start =
                    memchr::memrchr(b'\n', &content[from..pos]).map_or(from, |p| from + p + 1);
                let line = &content[line_start..line_end];
                let mut bytes = Vec::with_capacity(line.len());
                let mut i = 0;
                while i < line.len() {
                    if line[i] == b'%'
                        && i + 2 < line.len()
                        && let (Some(h), Some(l)) = (hex(line[i + 1]), hex(line[i + 2]))
                    {
                        bytes.push(h << 4 | l);
                        i += 3;
                        continue;
                    }
                    bytes.push(if line[i] == b'+' { b' ' } else { line[i] });
                    i += 1;
                }
                if is_text(&bytes) {
                    out.push((line_start..line_end, bytes));
                }
            }
            from = line_end + 1;
            if from >= n {
                break;
            }
        }
        out
    }

    #[test]
    fn percent_lines_finds_what_the_reference_finds() {
        // Random lines over an alphabet dense in `%`, hex digits and line breaks, and this
        // crate's sources (`%` in format strings, escapes in tests).
        let mut texts: Vec<Vec<u8>> = Vec::new();
        let alphabet = b"%%%%2F4aG0x +\n\n=s";
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for len in [0usize, 1, 2, 3, 4, 7, 50, 300, 4000, 20_000] {
            texts.push(
                (0..len)
                    .map(|_| {
                        s ^= s << 13;
                        s ^= s >> 7;
                        s ^= s << 17;
                        alphabet[(s % alphabet.len() as u64) as usize]
                    })
                    .collect(),
            );
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for e in std::fs::read_dir(dir).unwrap() {
            texts.push(std::fs::read(e.unwrap().path()).unwrap_or_default());
        }
        texts.push(b"a=%41%42 %s\n%zz %41\n100% %41%4".to_vec());
        let mut found = 0;
        for t in &texts {
            let got: Vec<_> = percent_lines(t)
                .into_iter()
                .map(|d| (d.span, d.bytes))
                .collect();
            let want = percent_lines_reference(t);
            found += got.len();
            assert_eq!(
                got,
                want,
                "{:?}",
                String::from_utf8_lossy(&t[..t.len().min(200)])
            );
        }
        assert!(found > 10, "{found}");
    }

    #[test]
    fn finds_base64_text_and_skips_identifiers() {
        let enc =
            base64::engine::general_purpose::STANDARD.encode("token: ghp_abc123XYZ and more text");
        let content =
            format!("a = \"{enc}\"\nthis_is_a_very_long_identifier_name_without_digits\n");
        let runs = base64_runs(content.as_bytes());
        assert_eq!(runs.len(), 1);
        assert_eq!(&content.as_bytes()[runs[0].span.clone()], enc.as_bytes());
        assert!(String::from_utf8_lossy(&runs[0].bytes).contains("ghp_abc123XYZ"));
    }

    #[test]
    fn skipping_finds_runs_at_every_offset() {
        let enc =
            // rampart:ignore secrets/config-password-assignment synthetic value for the decoder test
            base64::engine::general_purpose::STANDARD.encode("user: admin, password: Sup3rS3cret!");
        for pad in 0..40 {
            let content = format!("{}={enc} tail", "x.".repeat(pad / 2) + &"y".repeat(pad % 2));
            let runs = base64_runs(content.as_bytes());
            assert_eq!(runs.len(), 1, "offset {pad}: {content}");
            assert_eq!(&content.as_bytes()[runs[0].span.clone()], enc.as_bytes());
        }
        assert!(base64_runs(b"short Zm9vYmFy ").is_empty());
    }

    /// The byte-at-a-time definition: maximal alphabet runs of at least `MIN_B64` bytes.
    fn runs_oracle(content: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < content.len() {
            if !B64_CLASS[content[i] as usize] {
                i += 1;
                continue;
            }
            let start = i;
            while i < content.len() && B64_CLASS[content[i] as usize] {
                i += 1;
            }
            if i - start >= MIN_B64 {
                out.push((start, i));
            }
        }
        out
    }

    #[test]
    fn block_masks_find_the_same_runs_as_a_byte_loop() {
        // Runs of every length around the block size and the minimum, at every alignment.
        let enc = base64::engine::general_purpose::STANDARD.encode(
            "some decoded text that is long enough to span more than one block of 64 bytes, \
             and then more than two blocks of 64 bytes, so that open runs are exercised too",
        );
        let mut s = 0x9E37_79B9u64;
        let mut decoded = 0;
        for case in 0..400 {
            let mut content = Vec::new();
            while content.len() < 300 {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let k = (s % 211) as usize;
                if s.is_multiple_of(5) {
                    content.extend_from_slice(&enc.as_bytes()[..k.min(enc.len())]);
                } else {
                    content.extend(std::iter::repeat_n(b"aZ9+/-_ ,\n"[case % 10], k % 40));
                }
                // Mostly a separator; sometimes none, so that runs join across segments.
                if !s.is_multiple_of(3) {
                    content.push(b" .\n\"'"[k % 5]);
                }
            }
            content.truncate(200 + case % 100);
            let found: Vec<(usize, usize)> = base64_runs(&content)
                .iter()
                .map(|d| {
                    (
                        d.span.start,
                        d.span.start + trim_padding(&content[d.span.clone()]),
                    )
                })
                .collect();
            let expected: Vec<(usize, usize)> = runs_oracle(&content)
                .into_iter()
                .filter(|&(a, b)| decode_run(&content[a..b], a).is_some())
                .collect();
            assert_eq!(found, expected, "case {case}");
            decoded += found.len();
        }
        assert!(
            decoded > 50,
            "the cases exercise decodable runs ({decoded})"
        );
    }

    fn trim_padding(run: &[u8]) -> usize {
        run.len() - run.iter().rev().take_while(|&&b| b == b'=').count()
    }

    #[test]
    fn class_mask_agrees_with_the_alphabet_table() {
        for start in (0..256).step_by(64) {
            let block: [u8; 64] = std::array::from_fn(|i| (start + i) as u8);
            let m = class_mask(&block);
            for (i, &b) in block.iter().enumerate() {
                assert_eq!(m >> i & 1 == 1, B64_CLASS[b as usize], "byte {b:#x}");
            }
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_avx512_class_mask_agrees_with_sse2() {
        let detected = std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vbmi");
        if !crate::skip::can_run(
            "decode::the_avx512_class_mask_agrees_with_sse2",
            "AVX-512 F, BW and VBMI",
            detected,
            "class_mask_agrees_with_the_alphabet_table (SSE2)",
        ) {
            return;
        }
        for start in (0..256).step_by(64) {
            let block: [u8; 64] = std::array::from_fn(|i| (start + i) as u8);
            // SAFETY: F, BW and VBMI were just detected.
            assert_eq!(unsafe { class_mask_avx512(&block) }, class_mask(&block));
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_avx2_class_mask_agrees_with_sse2() {
        if !crate::skip::can_run(
            "decode::the_avx2_class_mask_agrees_with_sse2",
            "AVX2",
            std::arch::is_x86_feature_detected!("avx2"),
            "class_mask_agrees_with_the_alphabet_table (SSE2)",
        ) {
            return;
        }
        for start in (0..256).step_by(64) {
            let block: [u8; 64] = std::array::from_fn(|i| (start + i) as u8);
            // SAFETY: AVX2 was just detected.
            assert_eq!(unsafe { class_mask_avx2(&block) }, class_mask(&block));
        }
        // Runs found with each classifier are the same (the AVX2 one as `base64_runs` uses it
        // on CPUs without AVX-512).
        let text = b"x = 'c2VjcmV0LXBhc3N3b3JkLXRoYXQtaXMtbG9uZy1lbm91Z2g=' # aGVsbG8gd29ybGQgaGVsbG8gd29ybGQK";
        let spans = |d: Vec<Decoded>| d.into_iter().map(|d| d.span).collect::<Vec<_>>();
        // SAFETY: AVX2 was detected above.
        let avx2 = spans(unsafe { base64_runs_avx2(text) });
        assert_eq!(avx2, spans(find_runs(text, class_mask)));
        assert_eq!(avx2.len(), 2, "{avx2:?}");
    }

    #[test]
    fn long_run_precheck_never_misses_a_run() {
        // Every run of 32 set bits starting at every bit of the first word.
        for start in 0..64u32 {
            let w = (u128::from(u32::MAX)) << start;
            assert!(
                may_hold_long_run(w as u64, (w >> 64) as u64),
                "start {start}"
            );
        }
        assert!(!may_hold_long_run(0x7fff_7fff_7fff_7fff, 0x7fff));
    }

    #[test]
    fn decodes_percent_lines() {
        let runs = percent_lines(b"x\nurl=postgres%3A%2F%2Fu%3Apw%40h\n100% sure\n");
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].bytes, b"url=postgres://u:pw@h");
    }
}
