//! Code actions on a finding: an inline suppression in the file's comment syntax, a dependency
//! bump to the smallest fixed version (pinned Python requirements), and the rule's
//! documentation. No rule format carries a machine-applicable fix (the `fix` field of every
//! engine's rules is prose), so there is no autofix action.

use crate::diagnostics::docs_url;
use crate::position::{self, Encoding};
use rampart_core::suppress::MARKER;
use rampart_core::{Finding, Fix, RuleMeta};
use serde_json::{Value, json};

/// Command that opens a rule's documentation (argument: the URL).
pub const OPEN_DOCS: &str = "rampart.openRuleDocs";

/// Command that scans the whole workspace again.
pub const SCAN_WORKSPACE: &str = "rampart.scanWorkspace";

/// The reason written into a new suppression, for the user to replace.
pub const REASON_PLACEHOLDER: &str = "TODO: say why this is safe";

/// How comments are written in a file, judged by its name: (start, end).
pub fn comment_syntax(path: &str) -> Option<(&'static str, &'static str)> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower == "containerfile"
        || lower == "makefile"
        || lower == "gemfile"
        || lower.starts_with(".env")
        || lower == ".gitignore"
    {
        return Some(("#", ""));
    }
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    Some(match ext {
        "py" | "pyi" | "rb" | "sh" | "bash" | "zsh" | "yaml" | "yml" | "toml" | "tf" | "tfvars"
        | "hcl" | "txt" | "in" | "cfg" | "conf" | "ini" | "properties" | "r" | "pl" | "ps1"
        | "nix" | "mod" => ("#", ""),
        "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "mts" | "cts" | "go" | "java" | "kt"
        | "kts" | "scala" | "swift" | "c" | "h" | "cc" | "cpp" | "hpp" | "cs" | "rs" | "php"
        | "dart" | "gradle" | "groovy" | "jsonc" | "json5" => ("//", ""),
        "html" | "htm" | "xml" | "md" | "vue" | "svelte" | "svg" | "csproj" => ("<!--", " -->"),
        "sql" | "lua" | "hs" => ("--", ""),
        "css" | "scss" | "less" => ("/*", " */"),
        _ => return None,
    })
}

/// The edit that adds `rampart:ignore RULE reason` on a line of its own above the finding,
/// indented like the finding's line. `None` when the file's language has no comments (JSON):
/// a `[[suppress]]` entry in rampart.toml is the way there.
pub fn suppression_edit(f: &Finding, text: &str) -> Option<Value> {
    let (open, close) = comment_syntax(&f.location.path)?;
    let line_no = f.location.start_line.max(1) - 1;
    let line = position::line(text, line_no);
    let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let new_text = format!(
        "{indent}{open} {MARKER} {} {REASON_PLACEHOLDER}{close}{eol}",
        f.rule_id
    );
    Some(json!({
        "range": {
            "start": {"line": line_no, "character": 0},
            "end": {"line": line_no, "character": 0},
        },
        "newText": new_text,
    }))
}

/// For a vulnerable dependency pinned with `==` in a requirements file: the edit that moves the
/// pin to the smallest fixed version, and that version.
pub fn bump_edit(f: &Finding, text: &str, enc: Encoding) -> Option<(Value, String)> {
    let name = f.location.path.rsplit('/').next()?;
    let requirements = name.ends_with(".txt") || name.ends_with(".in");
    if f.engine != "deps" || !requirements {
        return None;
    }
    let fix = f.properties.get("smallest_fix")?.as_str()?;
    let version = f.properties.get("version")?.as_str()?;
    let line_no = f.location.start_line.max(1) - 1;
    let line = position::line(text, line_no);
    let pin = line.find("==")?;
    let after = &line[pin..];
    let skip = after
        .bytes()
        .take_while(|b| *b == b'=' || *b == b' ')
        .count();
    let start = pin + skip;
    if !line[start..].starts_with(version) {
        return None;
    }
    let end = start + version.len();
    let col = |byte: usize| position::column(line, line[..byte].chars().count() + 1, enc);
    Some((
        json!({
            "range": {
                "start": {"line": line_no, "character": col(start)},
                "end": {"line": line_no, "character": col(end)},
            },
            "newText": fix,
        }),
        fix.to_string(),
    ))
}

/// The LSP `WorkspaceEdit` of `fix`: `file(path)` gives each edited file's URI and the text the
/// edit offsets refer to. `None` when a file is unknown or no longer holds what the fix expects
/// (the document changed since the scan).
pub fn workspace_edit(
    fix: &Fix,
    enc: Encoding,
    file: &dyn Fn(&str) -> Option<(String, String)>,
) -> Option<Value> {
    let mut changes = serde_json::Map::new();
    for e in &fix.edits {
        let (uri, text) = file(&e.path)?;
        if text.as_bytes().get(e.start..e.end) != Some(e.expected.as_bytes()) {
            return None;
        }
        let edit = json!({
            "range": {
                "start": position::at_offset(&text, e.start, enc),
                "end": position::at_offset(&text, e.end, enc),
            },
            "newText": e.replacement,
        });
        match changes.get_mut(&uri) {
            Some(Value::Array(list)) => list.push(edit),
            _ => {
                changes.insert(uri, json!([edit]));
            }
        }
    }
    Some(json!({ "changes": changes }))
}

/// A preferred quick fix applying `fix` (a rule autofix or a manifest upgrade) for the finding
/// of `diagnostic`.
pub fn fix_action(fix: &Fix, edit: Value, diagnostic: &Value) -> Value {
    json!({
        "title": format!("Fix: {}", fix.description),
        "kind": "quickfix",
        "isPreferred": true,
        "diagnostics": [diagnostic],
        "edit": edit,
    })
}

/// The code actions for one finding of the document `uri` with content `text`; `diagnostic`
/// is the finding's diagnostic (quick fixes name it).
pub fn for_finding(
    f: &Finding,
    rule: Option<&RuleMeta>,
    uri: &str,
    text: &str,
    enc: Encoding,
    diagnostic: &Value,
) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some((edit, fix)) = bump_edit(f, text, enc) {
        let package = f
            .properties
            .get("package")
            .and_then(Value::as_str)
            .unwrap_or("the package");
        out.push(json!({
            "title": format!("Upgrade {package} to {fix}, the smallest fixed version"),
            "kind": "quickfix",
            "isPreferred": true,
            "diagnostics": [diagnostic],
            "edit": {"changes": {uri: [edit]}},
        }));
    }
    if f.suppression.is_none()
        && let Some(edit) = suppression_edit(f, text)
    {
        out.push(json!({
            "title": format!("Suppress {} here ({MARKER} with a reason)", f.rule_id),
            "kind": "quickfix",
            "diagnostics": [diagnostic],
            "edit": {"changes": {uri: [edit]}},
        }));
    }
    if let Some(url) = docs_url(rule, &f.cwe) {
        out.push(json!({
            "title": format!("Open the documentation of {}", f.rule_id),
            "kind": "quickfix",
            "command": {"title": "Open rule documentation", "command": OPEN_DOCS, "arguments": [url]},
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::source::{Origin, SourceFile};
    use rampart_core::suppress;

    fn rule(id: &str) -> RuleMeta {
        rampart_core::testing::rule(id, "t")
    }

    /// Applies one insertion edit at a line start.
    fn apply(text: &str, edit: &Value) -> String {
        let line = edit["range"]["start"]["line"].as_u64().unwrap() as usize;
        let starts = position::line_starts(text);
        let at = starts[line];
        format!(
            "{}{}{}",
            &text[..at],
            edit["newText"].as_str().unwrap(),
            &text[at..]
        )
    }

    #[test]
    fn the_added_comment_is_a_suppression_the_core_applies() {
        for (path, text) in [
            ("app.py", "def f():\n    run(x)\n"),
            ("app.ts", "function f() {\n  run(x);\n}\n"),
            ("page.html", "<p>\n  <b>x</b>\n</p>\n"),
            ("main.tf", "resource \"a\" \"b\" {\n  x = 1\n}\n"),
        ] {
            let file = SourceFile::new(path, text.as_bytes().to_vec(), Origin::WorkTree);
            let start = file.line_range(2).unwrap().start + 2;
            let f = Finding::new(&rule("sast/demo"), &file, start..start + 1, "m");
            let edit = suppression_edit(&f, text).unwrap();
            let new_text = apply(text, &edit);
            let new_file = SourceFile::new(path, new_text.into_bytes(), Origin::WorkTree);
            let mut diags = Vec::new();
            let inline = suppress::parse_inline(&new_file, &|r| r == "sast/demo", &mut diags);
            assert!(diags.is_empty(), "{path}: {diags:?}");
            assert_eq!(inline.len(), 1, "{path}");
            assert_eq!(
                inline[0].line, 2,
                "{path}: the comment sits above the finding"
            );
            let mut moved = f.clone();
            moved.location.start_line = 3;
            suppress::apply_inline(std::slice::from_mut(&mut moved), &inline);
            assert!(moved.suppression.is_some(), "{path}");
        }
        let json = SourceFile::new("a.json", b"{}".to_vec(), Origin::WorkTree);
        let f = Finding::new(&rule("secrets/demo"), &json, 0..1, "m");
        assert_eq!(suppression_edit(&f, "{}"), None);
    }

    #[test]
    fn bumps_a_pinned_requirement_to_the_smallest_fix() {
        let text = "flask==2.0.1\nrequests == 2.19.0  # pinned\n";
        let file = SourceFile::new(
            "requirements.txt",
            text.as_bytes().to_vec(),
            Origin::WorkTree,
        );
        let mut f = Finding::at(
            &rule("deps/vulnerable-package"),
            rampart_core::Location::line("requirements.txt", 2),
            "m",
        );
        f.properties.insert("version".into(), json!("2.19.0"));
        f.properties.insert("smallest_fix".into(), json!("2.20.0"));
        let _ = file;
        let (edit, fix) = bump_edit(&f, text, Encoding::Utf16).unwrap();
        assert_eq!(fix, "2.20.0");
        assert_eq!(edit["range"]["start"], json!({"line": 1, "character": 12}));
        assert_eq!(edit["range"]["end"], json!({"line": 1, "character": 18}));
        f.properties.insert("version".into(), json!("9.9"));
        assert!(bump_edit(&f, text, Encoding::Utf16).is_none());
    }
}
