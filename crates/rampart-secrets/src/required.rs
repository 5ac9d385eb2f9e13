//! A necessary condition checked on a window before a rule's regex runs there: every match of
//! most rules holds a long run of bytes of one class (`\b(?P<secret>[a-z2-7]{52})\b` in an Azure
//! DevOps token, `[A-Za-z0-9+/=_\-.~]{20,256}` in a generic secret), so a window without such a
//! run cannot hold a match. Counting runs of a byte class is a few nanoseconds per byte with no
//! state to build; the regex's lazy DFA, whose states for counted repetitions next to other
//! counted repetitions are many, costs microseconds on the same window. Derived from the
//! pattern, never written by hand.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The shortest run worth checking: shorter runs (of the broad classes secrets use) are in
/// nearly every line, so the check would refute little and cost a pass over the window.
const MIN_RUN: u32 = 12;

/// A run of at least `len` bytes, each in `set`, that every match of a pattern holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequiredRun {
    /// Whether each byte may be part of the run.
    set: [bool; 256],
    /// How many bytes the run has at least.
    len: usize,
}

impl RequiredRun {
    /// The longest run a match of `hir` must hold (where it is at least `MIN_RUN` bytes): a
    /// repetition of one class at least `MIN_RUN` times in its sequence, inside capture groups
    /// and repeated groups or not. A class that holds characters beyond ASCII (a Unicode pattern)
    /// lets every byte from 0x80 in, since each such character is several of them.
    pub fn derive(hir: &Hir) -> Option<RequiredRun> {
        let mut best: Option<RequiredRun> = None;
        collect(hir, &mut |run| {
            if best.as_ref().is_none_or(|b| run.len > b.len) {
                best = Some(run);
            }
        });
        best
    }

    /// Whether `window` holds a run of at least `len` bytes of the set.
    pub fn found_in(&self, window: &[u8]) -> bool {
        let mut run = 0;
        for &b in window {
            if self.set[usize::from(b)] {
                run += 1;
                if run >= self.len {
                    return true;
                }
            } else {
                run = 0;
            }
        }
        false
    }
}

/// Calls `found` with every run every match of `hir` holds: the parts of a sequence are all in
/// every match, and so is the content of a repetition at least once.
fn collect(hir: &Hir, found: &mut impl FnMut(RequiredRun)) {
    match strip_captures(hir).kind() {
        HirKind::Concat(parts) => parts.iter().for_each(|p| collect(p, found)),
        HirKind::Repetition(r) if r.min >= 1 => match class_run(strip_captures(hir)) {
            Some(run) => found(run),
            None => collect(&r.sub, found),
        },
        _ => {}
    }
}

/// The group's content, through any number of capture groups.
fn strip_captures(hir: &Hir) -> &Hir {
    match hir.kind() {
        HirKind::Capture(c) => strip_captures(&c.sub),
        _ => hir,
    }
}

/// The run of a repetition of one class at least `MIN_RUN` times.
fn class_run(hir: &Hir) -> Option<RequiredRun> {
    let HirKind::Repetition(r) = hir.kind() else {
        return None;
    };
    if r.min < MIN_RUN {
        return None;
    }
    let HirKind::Class(class) = strip_captures(&r.sub).kind() else {
        return None;
    };
    let mut set = [false; 256];
    match class {
        Class::Bytes(c) => {
            for range in c.iter() {
                for b in range.start()..=range.end() {
                    set[usize::from(b)] = true;
                }
            }
        }
        Class::Unicode(c) => {
            for range in c.iter() {
                let (lo, hi) = (u32::from(range.start()), u32::from(range.end()));
                for b in lo..=hi.min(0x7f) {
                    set[b as usize] = true;
                }
                if hi > 0x7f {
                    // Every byte of a multi-byte UTF-8 character is 0x80 or more.
                    set[0x80..].fill(true);
                }
            }
        }
    }
    Some(RequiredRun {
        set,
        len: r.min as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pattern: &str, unicode: bool) -> Hir {
        regex_syntax::ParserBuilder::new()
            .unicode(unicode)
            .utf8(false)
            .build()
            .parse(pattern)
            .unwrap()
    }

    #[test]
    fn the_longest_class_repetition_of_the_sequence() {
        let hir = parse(
            r"(?i)azure[\w.\-]{0,40}?\b(?P<secret>[a-z2-7]{52})\b[0-9]{12,}",
            false,
        );
        let run = RequiredRun::derive(&hir).unwrap();
        assert_eq!(run.len, 52);
        assert!(run.set[usize::from(b'q')] && run.set[usize::from(b'Q')] && run.set[b'7' as usize]);
        assert!(!run.set[b'8' as usize] && !run.set[b'-' as usize]);
    }

    #[test]
    fn runs_inside_repeated_groups() {
        let hir = parse(
            r"-----BEGIN(?P<s>(?:[ \t]*[A-Za-z0-9+/]{40,76}\n){2,})-----END",
            false,
        );
        assert_eq!(RequiredRun::derive(&hir).unwrap().len, 40);
    }

    #[test]
    fn no_run_where_a_match_need_not_hold_one() {
        for p in [
            r"token[a-z]{8}",          // too short to refute much
            r"(?:[a-z]{40}|[0-9]{4})", // an alternation: either branch
            r"key[a-z]{0,40}",         // may be empty
            r"(?:ab){20}",             // not one class
            r"(?:x[a-z]{30})?",        // optional
            r"(?:x[a-z]{30})*",        // optional
        ] {
            assert_eq!(RequiredRun::derive(&parse(p, false)), None, "{p}");
        }
    }

    #[test]
    fn runs_are_found_exactly() {
        let run = RequiredRun::derive(&parse(r"x[a-f]{12}", false)).unwrap();
        assert!(run.found_in(b"--abcdefabcdef--"));
        assert!(run.found_in(b"abcdefabcdef"));
        assert!(!run.found_in(b"abcdefabcde-f"));
        assert!(!run.found_in(b""));
    }

    #[test]
    fn unicode_classes_let_non_ascii_bytes_in() {
        let hir = parse(r"(?i)(?P<s>[a-z]{16})", true);
        let run = RequiredRun::derive(&hir).unwrap();
        // `(?i)[a-z]` holds the Kelvin sign, three bytes in UTF-8.
        let text = "abc\u{212A}defghijklmnop".as_bytes();
        assert!(run.found_in(text));
        assert!(
            regex::bytes::Regex::new(r"(?i)[a-z]{16}")
                .unwrap()
                .is_match(text)
        );
    }
}
