//! Autofixes of findings: the rule's `fix` as an edit of the file, at the finding or, with
//! `fix-at: source`, at the source of its first path.

use super::*;

/// The rule's autofix for raw finding `r`, as an edit of `file`.
pub(super) fn fix_of(rule: &Rule, file: &SourceFile, r: &RawFinding) -> Option<Fix> {
    let autofix = rule.autofix.as_ref()?;
    let range = if rule.fix_at_source {
        source_range(file, r)?
    } else {
        r.span.range()
    };
    let matched = std::str::from_utf8(file.content.get(range.clone())?).ok()?;
    let replacement = autofix.replacement(matched, &r.binds)?;
    (replacement != matched).then(|| Fix {
        description: format!("rewrite `{}` as `{replacement}`", clip(matched)),
        edits: vec![Edit::replace(&file.path, &file.content, range, replacement)],
    })
}

/// For `fix-at: source`: the bytes of `file` from the start of `r`'s source (its trace's first
/// step) to the end of that line; `None` when the source is in another file.
fn source_range(file: &SourceFile, r: &RawFinding) -> Option<std::ops::Range<usize>> {
    let at = &r.trace.first()?.location;
    if at.path != file.path {
        return None;
    }
    let text = std::str::from_utf8(&file.content).ok()?;
    let line_start = if at.start_line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(at.start_line - 2)?.0 + 1
    };
    let line = &text[line_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let col = line
        .char_indices()
        .nth(at.start_col.checked_sub(1)?)
        .map(|(i, _)| i)?;
    Some(line_start + col..line_start + line.len())
}

/// The first line of `s`, at most 60 characters.
fn clip(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    match line.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None if line.len() < s.len() => format!("{line}…"),
        None => line.to_string(),
    }
}
