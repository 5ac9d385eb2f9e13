//! What a result takes from its rule: title, CWE ids, severity, message strings.

use super::model::{Message, Rule, SarifResult, Text};
use crate::limits::{self, Warnings};
use rampart_core::Severity;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;

/// What a result takes from its rule, worked out once per rule.
pub(crate) struct RuleInfo<'d> {
    pub(crate) id: Option<&'d str>,
    pub(crate) title: Option<&'d str>,
    pub(crate) cwe: Vec<String>,
    pub(crate) score: Option<f64>,
    pub(crate) level: Option<&'d str>,
    pub(crate) help_uri: Option<&'d str>,
    /// `fullDescription`: why it matters.
    pub(crate) why: Option<&'d str>,
    /// `help`: how to fix it.
    pub(crate) fix: Option<&'d str>,
    /// `messageStrings` by id.
    pub(crate) messages: HashMap<&'d str, &'d Text<'d>>,
}

/// The rule's title, CWE ids, `security-severity`, default level, help URI and message strings.
pub(crate) fn rule_info<'d>(
    r: Option<&'d Rule<'d>>,
    w: &mut Warnings,
    at: &dyn Fn() -> String,
) -> RuleInfo<'d> {
    let Some(r) = r else {
        w.add("rule", || {
            format!("{}: a rule that is not an object; ignored", at())
        });
        return RuleInfo {
            id: None,
            title: None,
            cwe: Vec::new(),
            score: None,
            level: None,
            help_uri: None,
            why: None,
            fix: None,
            messages: HashMap::new(),
        };
    };
    let title = r
        .short_description
        .get()
        .and_then(|t| t.text.str())
        .or(r.name.str())
        .filter(|t| !t.trim().is_empty());
    let mut cwe = Vec::new();
    let mut score = None;
    if let Some(p) = r.properties.get() {
        add_tags(
            p.tags
                .get()
                .map_or(&[][..], |l| &l.0)
                .iter()
                .filter_map(|t| t.str()),
            &mut cwe,
        );
        if let Some(v) = p.cwe.get() {
            add_cwe_value(v, &mut cwe);
        }
        w.wrong_type(&p.security_severity, "security-severity", || {
            format!("{}/properties/security-severity", at())
        });
        score = p
            .security_severity
            .get()
            .copied()
            .filter(|s| valid_score(*s));
    }
    let mut messages = HashMap::new();
    for (k, t) in r.message_strings.get().map_or(&[][..], |e| &e.0) {
        if let Some(t) = t.get() {
            messages.entry(&**k).or_insert(&t.0);
        }
    }
    RuleInfo {
        id: r.id.str(),
        title,
        cwe,
        score,
        level: r.default_configuration.get().and_then(|c| c.level.str()),
        help_uri: r.help_uri.str(),
        why: text_of(&r.full_description),
        fix: text_of(&r.help),
        messages,
    }
}

/// A SARIF `multiformatMessageString`'s text, else its Markdown source, when not blank.
fn text_of<'d>(t: &'d crate::json::Field<crate::json::Obj<Text<'d>>>) -> Option<&'d str> {
    let t = t.get()?;
    t.text
        .str()
        .or(t.markdown.str())
        .filter(|s| !s.trim().is_empty())
}

/// What a tool says about `rule` (tool `tool`): its `fullDescription` as why, its `help` as how
/// to fix (without the why that rampart's own SARIF repeats at the start of its help text).
pub(crate) fn doc_of(
    tool: &str,
    rule: &RuleInfo,
    w: &mut Warnings,
    at: &dyn Fn() -> String,
) -> Option<crate::RuleDoc> {
    let id = rule.id?;
    if rule.why.is_none() && rule.fix.is_none() {
        return None;
    }
    let why = rule.why.unwrap_or("");
    let mut fix = rule.fix.unwrap_or("");
    if let Some(rest) = fix
        .strip_prefix("Why: ")
        .and_then(|r| r.strip_prefix(why))
        .and_then(|r| r.strip_prefix("\nFix: "))
    {
        fix = rest;
    }
    // Semgrep repeats its message as help: nothing more on how to fix it.
    if fix.trim() == why.trim() {
        fix = "";
    }
    Some(crate::RuleDoc {
        tool: tool.to_string(),
        rule: limits::cut_chars(id, limits::TEXT_MAX_CHARS, "rule id", w, at),
        title: rule
            .title
            .map(|t| limits::cut_chars(t, limits::TEXT_MAX_CHARS, "rule title", w, at))
            .unwrap_or_default(),
        why: crate::rule_docs::text(why, "rule text", w, at),
        fix: crate::rule_docs::text(fix, "rule text", w, at),
        cwe: rule.cwe.clone(),
        references: crate::rule_docs::links(rule.help_uri.into_iter()),
    })
}

/// The rule of a result: by `ruleIndex` / `rule.index` in the component `rule.toolComponent`
/// names (the driver by default) when its id agrees, else by id.
pub(crate) fn find_rule<'r, 'd>(
    r: &SarifResult,
    rules: &'r [Vec<RuleInfo<'d>>],
    by_id: &HashMap<&str, (usize, usize)>,
    w: &mut Warnings,
    at: &dyn Fn(&str) -> String,
) -> Option<&'r RuleInfo<'d>> {
    let reference = r.rule.get();
    let component = reference
        .and_then(|x| x.tool_component.get())
        .and_then(|c| c.index.get())
        .map_or(0, |&k| {
            usize::try_from(k).map_or(usize::MAX, |k| k.saturating_add(1))
        });
    let index = r.rule_index.get().or(reference.and_then(|x| x.index.get()));
    let id = r.rule_id.str().or(reference.and_then(|x| x.id.str()));
    if let Some(&index) = index {
        let found = usize::try_from(index)
            .ok()
            .and_then(|k| rules.get(component)?.get(k));
        match found {
            Some(rule) if id.is_none() || rule.id == id => return Some(rule),
            Some(_) => {}
            None => w.add("ruleIndex", || {
                format!(
                    "{}: ruleIndex {index} names no rule of the run; the rule is looked up by id",
                    at("/ruleIndex")
                )
            }),
        }
    }
    let &(c, k) = by_id.get(id?)?;
    Some(&rules[c][k])
}

/// The text of a message: `text`, else `markdown`, else the rule's `messageStrings[id]`, with
/// `{0}`, `{1}`… replaced by `arguments` in one pass, the result at most [`MAX_FORMATTED`]
/// bytes (a short template repeating a long argument cannot blow up).
pub(crate) fn message_text<'d>(
    m: &'d Message<'d>,
    rule: Option<&RuleInfo<'d>>,
) -> Option<Cow<'d, str>> {
    let text = m.text.str().or(m.markdown.str()).or_else(|| {
        let t = rule?.messages.get(m.id.str()?)?;
        t.text.str().or(t.markdown.str())
    })?;
    let args = m.arguments.get().map_or(&[][..], |l| &l.0);
    if args.is_empty() || !text.contains('{') {
        return Some(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len().min(MAX_FORMATTED));
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let arg = (digits > 0 && after[digits..].starts_with('}'))
            .then(|| after[..digits].parse::<usize>().ok())
            .flatten()
            .and_then(|n| args.get(n));
        match arg {
            Some(a) => {
                out.push_str(a.str().unwrap_or(""));
                rest = &after[digits + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
        if out.len() > MAX_FORMATTED {
            break;
        }
    }
    if out.len() <= MAX_FORMATTED {
        out.push_str(rest);
    }
    if out.len() > MAX_FORMATTED {
        let mut end = MAX_FORMATTED;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    Some(Cow::Owned(out))
}

/// Longest message built from a template and its arguments, in bytes (it is cut to
/// [`limits::MESSAGE_MAX_CHARS`] characters afterwards anyway).
const MAX_FORMATTED: usize = 4 * limits::MESSAGE_MAX_CHARS;

/// Whether a `security-severity` is a score from 0 to 10.
pub(crate) fn valid_score(s: f64) -> bool {
    (0.0..=10.0).contains(&s)
}

/// A CVSS-like `security-severity`: ≥ 9 critical, ≥ 7 high, ≥ 4 medium, > 0 low, 0 info.
pub(crate) fn from_score(s: f64) -> Severity {
    match s {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        s if s > 0.0 => Severity::Low,
        _ => Severity::Info,
    }
}

/// A SARIF `level`: error → high, warning → medium, note → low, none → info (default warning).
pub(crate) fn from_level(
    level: Option<&str>,
    w: &mut Warnings,
    at: &dyn Fn(&str) -> String,
) -> Severity {
    match level.unwrap_or("warning") {
        "error" => Severity::High,
        "warning" => Severity::Medium,
        "note" => Severity::Low,
        "none" => Severity::Info,
        other => {
            w.add("level value", || {
                format!(
                    "{}: level `{other}` is not error, warning, note or none; taken as warning",
                    at("/level")
                )
            });
            Severity::Medium
        }
    }
}

/// Adds `id` unless it is there or [`limits::MAX_CWE`] ids are.
pub(crate) fn push_cwe(id: String, cwe: &mut Vec<String>) {
    if cwe.len() < limits::MAX_CWE && !cwe.contains(&id) {
        cwe.push(id);
    }
}

/// Adds the CWE ids among `tags`.
pub(crate) fn add_tags<'t>(tags: impl Iterator<Item = &'t str>, cwe: &mut Vec<String>) {
    for t in tags {
        if cwe.len() == limits::MAX_CWE {
            return;
        }
        if let Some(id) = cwe_of(t) {
            push_cwe(id, cwe);
        }
    }
}

/// A `cwe` property: `"CWE-79"`, `"79"`, `79` or an array of those.
pub(crate) fn add_cwe_value(v: &Value, cwe: &mut Vec<String>) {
    if cwe.len() == limits::MAX_CWE {
        return;
    }
    let id = match v {
        Value::Array(a) => return a.iter().for_each(|v| add_cwe_value(v, cwe)),
        Value::String(s) if s.trim().bytes().all(|b| b.is_ascii_digit()) => {
            cwe_of(&format!("CWE-{}", s.trim()))
        }
        Value::String(s) => cwe_of(s),
        Value::Number(n) => n.as_u64().map(|n| format!("CWE-{n}")),
        _ => None,
    };
    if let Some(id) = id {
        push_cwe(id, cwe);
    }
}

/// `CWE-79`, `cwe-079`, `CWE-79: Improper…`, `external/cwe/cwe-079` → `CWE-79`.
pub(crate) fn cwe_of(tag: &str) -> Option<String> {
    let t = tag.trim();
    let t = t
        .get(..13)
        .filter(|p| p.eq_ignore_ascii_case("external/cwe/"))
        .map_or(t, |_| &t[13..]);
    let rest = t.get(..4).filter(|p| p.eq_ignore_ascii_case("cwe-"))?;
    let digits: &str = &t[rest.len()..];
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    let n: u32 = digits[..end].parse().ok()?;
    Some(format!("CWE-{n}"))
}

#[cfg(test)]
mod tests {
    use super::super::tool_name;
    use super::*;

    #[test]
    fn reads_cwe_tags_in_every_form() {
        for (t, want) in [
            ("CWE-79", Some("CWE-79")),
            ("cwe-079", Some("CWE-79")),
            ("CWE-89: Improper Neutralization", Some("CWE-89")),
            ("external/cwe/cwe-022", Some("CWE-22")),
            ("security", None),
            ("CWE-", None),
            ("owasp-a03", None),
        ] {
            assert_eq!(cwe_of(t).as_deref(), want, "{t}");
        }
        let mut c = Vec::new();
        add_cwe_value(&serde_json::json!(["CWE-79", "89", 22, "CWE-79"]), &mut c);
        assert_eq!(c, ["CWE-79", "CWE-89", "CWE-22"]);
        let many: Vec<String> = (0..100_000).map(|n| format!("CWE-{n}")).collect();
        add_tags(many.iter().map(String::as_str), &mut c);
        assert_eq!(c.len(), limits::MAX_CWE);
    }

    #[test]
    fn formats_messages_in_one_bounded_pass() {
        let m: Message = serde_json::from_str(
            r#"{"text": "{0} to {1}, {0} again, {2} and {x} stay", "arguments": ["a", "b"]}"#,
        )
        .unwrap();
        assert_eq!(
            message_text(&m, None).unwrap(),
            "a to b, a again, {2} and {x} stay"
        );
        let long = "x".repeat(100_000);
        let json = serde_json::json!({"text": "{0}".repeat(10_000), "arguments": [long]});
        let json = json.to_string();
        let m: Message = serde_json::from_str(&json).unwrap();
        assert_eq!(message_text(&m, None).unwrap().len(), MAX_FORMATTED);
    }

    #[test]
    fn maps_scores_and_levels() {
        let at = |s: &str| s.to_string();
        let mut w = Warnings::default();
        let got: Vec<Severity> = [9.0, 8.9, 7.0, 6.9, 4.0, 3.9, 0.1, 0.0]
            .map(from_score)
            .to_vec();
        use Severity::*;
        assert_eq!(got, [Critical, High, High, Medium, Medium, Low, Low, Info]);
        let levels = [
            Some("error"),
            Some("warning"),
            Some("note"),
            Some("none"),
            None,
            Some("bad"),
        ];
        let got: Vec<Severity> = levels.iter().map(|l| from_level(*l, &mut w, &at)).collect();
        assert_eq!(got, [High, Medium, Low, Info, Medium, Medium]);
        assert_eq!(w.finish().len(), 1);
        assert_eq!(tool_name(" Semgrep OSS "), "semgrep");
        assert_eq!(tool_name("CodeQL command-line toolchain"), "codeql");
        assert_eq!(tool_name("Bandit"), "bandit");
    }
}
