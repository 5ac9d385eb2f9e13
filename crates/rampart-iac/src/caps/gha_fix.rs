//! The autofix of template injection in a `run:` step: every `${{ … }}` that expands untrusted
//! data into the script moves into the step's `env:` and the script reads the variable
//! (`"$ISSUE_TITLE"`), so the shell receives data, never code. `${{ env.X }}` becomes `$X`
//! (the variable is already in the environment). PowerShell steps read `${env:X}`; steps run by
//! other shells (cmd, python…) and github-script are left to the developer.

use super::CapFix;
use crate::model::{Node, Value};
use regex::Regex;

/// The fix of step `step` (of the workflow `text`): the same for every finding of the step, so
/// that fixing one fixes all and the edits never collide. `untrusted` says which expressions move.
pub fn template_injection(
    text: &str,
    step: &Node,
    expr: &Regex,
    untrusted: &dyn Fn(&str) -> bool,
    shell: &str,
) -> Option<CapFix> {
    let run = step.get("run")?;
    let program = shell.split_whitespace().next().unwrap_or("bash");
    let reference: fn(&str) -> String = match program {
        "bash" | "sh" => |n| format!("${n}"),
        "pwsh" | "powershell" => |n| format!("${{env:{n}}}"),
        _ => return None,
    };
    let raw = text.get(run.span.clone())?;
    let mut env = existing_env(step);
    let mut added: Vec<(String, String)> = Vec::new();
    let mut edits = Vec::new();
    for m in expr.find_iter(raw) {
        let whole = m.as_str();
        let inner = whole[3..whole.len() - 2].trim();
        if !untrusted(inner) {
            continue;
        }
        let name = match env_reference(inner) {
            Some(n) => n.to_string(),
            None => match env.iter().find(|(_, v)| expression_of(v) == Some(inner)) {
                Some((n, _)) => n.clone(),
                None => {
                    let n = unique(&name_for(inner), &env);
                    env.push((n.clone(), whole.to_string()));
                    added.push((n.clone(), inner.to_string()));
                    n
                }
            },
        };
        let at = run.span.start + m.start();
        edits.push((at..at + whole.len(), reference(&name)));
    }
    if edits.is_empty() {
        return None;
    }
    if !added.is_empty() {
        edits.push(env_insertion(text, step, run, &added)?);
    }
    Some(CapFix {
        description: format!(
            "move {} into the step's env: and read {} in the script",
            if added.len() == 1 {
                "the expression"
            } else {
                "the expressions"
            },
            if edits.len() == 2 {
                "the variable"
            } else {
                "the variables"
            }
        ),
        edits,
    })
}

/// `env.NAME` (the whole expression): the variable's name.
fn env_reference(inner: &str) -> Option<&str> {
    let n = inner.strip_prefix("env.")?;
    n.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(n)
}

/// The `${{ … }}` expression a value is made of, if it is exactly one.
fn expression_of(v: &str) -> Option<&str> {
    v.trim()
        .strip_prefix("${{")?
        .strip_suffix("}}")
        .map(str::trim)
}

/// The step's `env:` entries (name, value as written).
fn existing_env(step: &Node) -> Vec<(String, String)> {
    match step.get("env").map(|e| &e.value) {
        Some(Value::Map(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

/// An environment variable name for an expression: its last two path segments,
/// `github.event.issue.title` → `ISSUE_TITLE`.
fn name_for(inner: &str) -> String {
    let path: String = inner
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    let parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
    let tail = &parts[parts.len().saturating_sub(2)..];
    let mut name: String = tail
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "VALUE_");
    }
    name
}

fn unique(base: &str, env: &[(String, String)]) -> String {
    let taken = |n: &str| env.iter().any(|(k, _)| k == n);
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| format!("{base}_{i}"))
        .find(|n| !taken(n))
        .expect("a free name")
}

/// The column (in bytes from its line's start) at which `span` starts.
fn column_of(text: &str, at: usize) -> usize {
    at - text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line holding byte `at - 1` (where a value that ends at `at` ends).
fn end_of_line(text: &str, at: usize) -> usize {
    let last = at.saturating_sub(1).min(text.len());
    if text.as_bytes().get(last) == Some(&b'\n') {
        return last;
    }
    text[last..].find('\n').map_or(text.len(), |i| last + i)
}

/// The edit that adds `added` (name, expression) to the step's `env:`: after its last entry
/// when it has block-style entries, else a new `env:` key after the `run:` value.
fn env_insertion(
    text: &str,
    step: &Node,
    run: &Node,
    added: &[(String, String)],
) -> Option<(std::ops::Range<usize>, String)> {
    let entries = |indent: &str| -> String {
        added
            .iter()
            .map(|(n, e)| format!("\n{indent}{n}: ${{{{ {e} }}}}"))
            .collect()
    };
    if let Some(env) = step.get("env") {
        let Value::Map(m) = &env.value else {
            return None;
        };
        let (_, last) = m.last()?;
        let first_key = m.first()?.1.key_span.clone()?;
        if text[env.span.clone()].trim_start().starts_with('{') {
            return None;
        }
        let indent = " ".repeat(column_of(text, first_key.start));
        let at = end_of_line(text, last.span.end.max(last.key_span.clone()?.end));
        return Some((at..at, entries(&indent)));
    }
    let key = run.key_span.clone()?;
    let indent = " ".repeat(column_of(text, key.start));
    let at = end_of_line(text, run.span.end.max(key.end));
    Some((
        at..at,
        format!("\n{indent}env:{}", entries(&format!("{indent}  "))),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_expression() {
        assert_eq!(name_for("github.event.issue.title"), "ISSUE_TITLE");
        assert_eq!(name_for("github.head_ref"), "GITHUB_HEAD_REF");
        assert_eq!(name_for("steps.meta.outputs.tag-name"), "OUTPUTS_TAG_NAME");
        assert_eq!(
            unique("ISSUE_TITLE", &[("ISSUE_TITLE".into(), String::new())]),
            "ISSUE_TITLE_2"
        );
    }
}
