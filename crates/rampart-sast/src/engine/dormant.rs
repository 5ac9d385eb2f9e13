//! Dormant files: Java files the prefilter left unparsed in the per-file pass, because no
//! search rule and no taint source can match in them (`crate::prefilter`). Such a file has no
//! finding of its own: without a source its taint analysis finds nothing, and it makes no call
//! that the project pass would follow (Java follows a call into another file only with input
//! in it, `taint/java_calls.rs`). What it can still change is the project pass of other files,
//! as a callee: a method summary (a sanitiser, a constant return) used instead of the default
//! flow, or, through `project_names`, the file a class name resolves to.
//!
//! So `finish` first wakes every dormant file that may declare a class some analysed file asks
//! for (`Deferred::asked`, resolved as `Project::resolve` does: key `java:<package>.<Class>`):
//! one whose text contains the class name and the last part of the package. A woken file is
//! analysed as in the per-file pass and becomes a unit like any other; the files it asks for
//! are looked at in turn. The others could not be resolved to, so leaving them out of the
//! project changes no finding.

use super::*;
use aho_corasick::AhoCorasick;

impl Session {
    /// The text of `file` to keep for the project pass, in memory while the budget
    /// (`max_kept_text_bytes`) allows.
    pub(super) fn keep_text(&self, file: &SourceFile) -> KeptText {
        let len = file.content.len();
        let keep_text = self
            .kept_text
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |k| {
                (k + len <= self.bounds.keep_text).then_some(k + len)
            })
            .is_ok();
        KeptText::new(file, keep_text)
    }

    /// The unit kept for the project pass of an analysed file, if it is deferred or its
    /// functions may be called from other files; its IR only while the budget allows. `text`
    /// is its text if already kept (a dormant file).
    pub(super) fn unit_of(
        &self,
        file: &SourceFile,
        a: Analysed,
        text: Option<KeptText>,
    ) -> Option<Unit> {
        let Analysed {
            module,
            nodes,
            deferred,
            spent,
            has_source,
        } = a;
        let top: Vec<(String, FuncId)> = if module.lang == Lang::Java {
            crate::taint::java_calls::project_members(&module)
        } else {
            module
                .functions
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(_, f)| f.parent == Some(0) && f.class.is_none())
                .map(|(i, f)| (f.name.clone(), i))
                .collect()
        };
        if deferred.is_none() && top.is_empty() {
            if let Some(KeptText::Memory(f)) = &text {
                self.kept_text.fetch_sub(f.content.len(), Ordering::Relaxed);
            }
            return None;
        }
        let keep = self
            .kept_nodes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |k| {
                (k + nodes <= self.bounds.keep_nodes).then_some(k + nodes)
            })
            .is_ok();
        Some(Unit {
            text: text.unwrap_or_else(|| self.keep_text(file)),
            // The file's own language (a JSP page's module is Java).
            lang: Lang::from_path(&file.path).unwrap_or(module.lang),
            top,
            package: module.package.clone(),
            module: keep.then(|| Arc::new(module)),
            nodes,
            deferred,
            spent,
            has_source,
        })
    }
}

/// A class some analysed Java file asks for: its simple name and its package (empty for the
/// default package).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Wanted {
    class: String,
    package: String,
}

/// The class a Java call recorded in the per-file pass names (as `Project::resolve` builds its
/// key): `Class.method` of `imp`'s package, or a static import `a.b.Class.method`.
fn wanted(imp: &Import, member: &str) -> Option<Wanted> {
    let key = match member.split_once('.') {
        Some((class, _)) => crate::taint::java_calls::class_key(&imp.module, class),
        None => {
            imp.module.rsplit('.').next()?;
            format!("java:{}", imp.module)
        }
    };
    let full = key.strip_prefix("java:")?;
    let (package, class) = full.rsplit_once('.').unwrap_or(("", full));
    Some(Wanted {
        class: class.to_string(),
        package: package.to_string(),
    })
}

/// Analyses the dormant files that the project pass may resolve a call to (see the module
/// documentation), adding them to `units`, until no more is asked for.
pub(super) fn wake(s: &Session, units: &mut Vec<Unit>, out: &mut Emitter) {
    let mut asleep = std::mem::take(&mut *s.dormant.lock().unwrap_or_else(|e| e.into_inner()));
    let mut seen: HashSet<Wanted> = HashSet::new();
    let mut looked = 0;
    while !asleep.is_empty() {
        let mut new: Vec<Wanted> = Vec::new();
        for u in &units[looked..] {
            if !u.text.path().ends_with(".java") {
                continue;
            }
            for (imp, member) in u.deferred.iter().flat_map(|d| d.asked.iter()) {
                if let Some(w) = wanted(imp, member)
                    && seen.insert(w.clone())
                {
                    new.push(w);
                }
            }
        }
        looked = units.len();
        if new.is_empty() {
            break;
        }
        let (woken, rest) = select(asleep, &new, out);
        asleep = rest;
        if woken.is_empty() {
            break;
        }
        units.extend(analyse_woken(s, woken, out));
    }
}

/// Whether `text` may declare class `w.class` of package `w.package`: the class name is in it
/// as a whole word (the lowering names a class by its identifier, an anonymous one by the type
/// it instantiates), and the package is in it as a whole dotted name, not part of a longer one
/// (as in `import a.b.C;`). The lowering keeps the package name as written with its whitespace
/// removed (`java_types.rs`), so whitespace next to a dot is skipped (`a . b` is `a.b`). A
/// package name written with a comment inside is not checked, nor the default package.
fn may_declare(text: &[u8], w: &Wanted) -> bool {
    if !contains_word(text, w.class.as_bytes()) {
        return false;
    }
    let pkg = w.package.as_bytes();
    if pkg.is_empty() || w.package.contains('/') {
        return true;
    }
    // Where its first part is (a part has no whitespace inside).
    let first = pkg.split(|&b| b == b'.').next().unwrap_or(pkg);
    memchr::memmem::find_iter(text, first).any(|at| dotted_at(text, at, pkg))
}

/// The length of the whitespace character at `text[i]` (0 if none).
fn space_at(text: &[u8], i: usize) -> usize {
    let Some(&b) = text.get(i) else { return 0 };
    if b.is_ascii() {
        return usize::from(b.is_ascii_whitespace());
    }
    (2..=4)
        .find_map(|n| std::str::from_utf8(text.get(i..i + n)?).ok())
        .and_then(|s| s.chars().next())
        .filter(|c| c.is_whitespace())
        .map_or(0, char::len_utf8)
}

/// Whether the dotted name `pkg` is written at `text[at..]` (whitespace next to its dots
/// allowed), as a whole: no identifier character, nor a dot after one, right before or after.
fn dotted_at(text: &[u8], at: usize, pkg: &[u8]) -> bool {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut i = at;
    for (k, &p) in pkg.iter().enumerate() {
        if p == b'.' {
            while space_at(text, i) > 0 {
                i += space_at(text, i);
            }
        }
        if text.get(i) != Some(&p) {
            return false;
        }
        i += 1;
        if p == b'.' && k + 1 < pkg.len() {
            while space_at(text, i) > 0 {
                i += space_at(text, i);
            }
        }
    }
    // Before: an identifier character, or a dot after an identifier (`x.a.b`).
    let mut b = at;
    if b > 0 && is_ident(text[b - 1]) {
        return false;
    }
    while b > 0 && text[b - 1].is_ascii_whitespace() {
        b -= 1;
    }
    if b > 0 && text[b - 1] == b'.' {
        let mut c = b - 1;
        while c > 0 && text[c - 1].is_ascii_whitespace() {
            c -= 1;
        }
        if c > 0 && is_ident(text[c - 1]) {
            return false;
        }
    }
    // After: an identifier character, or a dot before one (`a.b.C`).
    if text.get(i).is_some_and(|&x| is_ident(x)) {
        return false;
    }
    while text.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if text.get(i) == Some(&b'.') {
        i += 1;
        while text.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if text.get(i).is_some_and(|&x| is_ident(x)) {
            return false;
        }
    }
    true
}

/// Whether `word` occurs in `text` with no identifier character just before or after it.
fn contains_word(text: &[u8], word: &[u8]) -> bool {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    memchr::memmem::find_iter(text, word).any(|at| {
        (at == 0 || !ident(text[at - 1])) && text.get(at + word.len()).is_none_or(|&b| !ident(b))
    })
}

/// A dormant file to analyse: its kept text and the text read again.
type Woken = (KeptText, Arc<SourceFile>);

/// Splits `asleep` into the files that may declare one of the `wanted` classes (with their
/// text) and the others.
fn select(
    asleep: Vec<KeptText>,
    wanted: &[Wanted],
    out: &mut Emitter,
) -> (Vec<Woken>, Vec<KeptText>) {
    // The class names first, all at once: most files contain none of them.
    // ASCII identifiers: a leftmost-longest search finds every whole-word occurrence (one
    // overlapping a longer match is not a whole word); otherwise all occurrences are listed.
    let names: Vec<&str> = wanted.iter().map(|w| w.class.as_str()).collect();
    let words = names.iter().all(|n| {
        n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
    });
    let kind = if words {
        aho_corasick::MatchKind::LeftmostLongest
    } else {
        aho_corasick::MatchKind::Standard
    };
    let Ok(ac) = AhoCorasick::builder().match_kind(kind).build(&names) else {
        // Cannot tell: every file may be asked for.
        return (
            asleep
                .into_iter()
                .filter_map(|t| t.load().map(|f| (t, f)))
                .collect(),
            Vec::new(),
        );
    };
    let mut woken = Vec::new();
    let mut rest = Vec::new();
    for t in asleep {
        let Some(f) = t.load() else {
            // Changed on disk since it was scanned: what it declares is unknown.
            out.diagnostic(changed_diagnostic(t.path()));
            continue;
        };
        let mut candidates: Vec<usize> = if words {
            ac.find_iter(&f.content[..])
                .map(|m| m.pattern().as_usize())
                .collect()
        } else {
            ac.find_overlapping_iter(&f.content[..])
                .map(|m| m.pattern().as_usize())
                .collect()
        };
        candidates.sort_unstable();
        candidates.dedup();
        if candidates
            .iter()
            .any(|&i| may_declare(&f.content, &wanted[i]))
        {
            woken.push((t, f));
        } else {
            rest.push(t);
        }
    }
    (woken, rest)
}

/// Analyses woken files on all cores as the per-file pass would have, emitting what they find
/// (in path order); returns their units.
fn analyse_woken(s: &Session, woken: Vec<Woken>, out: &mut Emitter) -> Vec<Unit> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16)
        .min(woken.len());
    let slots: Vec<Mutex<Option<Woken>>> = woken.into_iter().map(|w| Mutex::new(Some(w))).collect();
    let slots = &slots;
    let mut results: Vec<(String, Emitter, Option<Unit>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                sc.spawn(move || {
                    let mut done = Vec::new();
                    for slot in slots.iter().skip(t).step_by(threads) {
                        let Some((text, file)) = slot.lock().unwrap_or_else(|e| e.into_inner()).take()
                        else {
                            continue;
                        };
                        let mut local = Emitter::default();
                        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            let mut e = Emitter::default();
                            let a = s.analyse(&file, &mut e, false);
                            (a, e)
                        }));
                        let unit = match r {
                            Ok((a, e)) => {
                                local.findings.extend(e.findings);
                                local.diagnostics.extend(e.diagnostics);
                                match a {
                                    Analysis::Done(a) => s.unit_of(&file, *a, Some(text)),
                                    Analysis::Skipped | Analysis::Dormant => None,
                                }
                            }
                            Err(_) => {
                                local.diagnostic(Diagnostic::error(
                                    &file.path,
                                    "sast: internal error while analysing this file; skipped (please report it)",
                                ));
                                None
                            }
                        };
                        done.push((file.path.clone(), local, unit));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut units = Vec::new();
    for (_, local, unit) in results {
        out.findings.extend(local.findings);
        out.diagnostics.extend(local.diagnostics);
        units.extend(unit);
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imp(module: &str, name: &str) -> Import {
        Import {
            module: module.into(),
            level: 0,
            name: Some(name.into()),
            alias: name.into(),
        }
    }

    #[test]
    fn wanted_names_the_class_and_package_as_resolve_does() {
        let w = wanted(&imp("com.acme.util", "Sql"), "Sql.clean").unwrap();
        assert_eq!(
            (w.class.as_str(), w.package.as_str()),
            ("Sql", "com.acme.util")
        );
        // A static import: `import static com.acme.util.Sql.clean;`.
        let w = wanted(&imp("com.acme.util.Sql", "clean"), "clean").unwrap();
        assert_eq!(
            (w.class.as_str(), w.package.as_str()),
            ("Sql", "com.acme.util")
        );
        // The default package.
        let w = wanted(&imp("", "Helper"), "Helper.fix").unwrap();
        assert_eq!((w.class.as_str(), w.package.as_str()), ("Helper", ""));
    }

    #[test]
    fn a_file_may_declare_a_class_whatever_the_spacing_of_its_package() {
        let w = Wanted {
            class: "Sql".into(),
            package: "com.acme.util".into(),
        };
        let may = |t: &str| may_declare(t.as_bytes(), &w);
        assert!(may("package com.acme.util;\nclass Sql {}"));
        assert!(may("package com . acme\n  .util;\nclass Sql {}"));
        assert!(may("package com.acme.util\nclass Sql {}"));
        assert!(may("package\u{a0}com.acme.\u{a0}util;\nclass Sql {}"));
        // Another package, or the name only inside a longer one.
        assert!(!may("package com.acme.web;\nclass Sql {}"));
        assert!(!may("package com.acme.util;\nclass SqlHelper {}"));
        assert!(!may(
            "package com.acme.web;\nimport com.acme.util.Sql;\nclass Sql {}"
        ));
        assert!(!may("package org.com.acme.util;\nclass Sql {}"));
        assert!(!may("package com.acme.utils;\nclass Sql {}"));
        // A comment inside the package name: not checked.
        let w = Wanted {
            class: "Sql".into(),
            package: "com./*x*/acme".into(),
        };
        assert!(may_declare(b"package com./*x*/acme; class Sql {}", &w));
    }
}
