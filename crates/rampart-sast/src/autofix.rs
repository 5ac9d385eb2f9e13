//! Rule autofixes, as Semgrep writes them: `fix:` (a template for the matched code, with the
//! match's `$X` metavariables) or `fix-regex:` (`regex`, `replacement` with `\1` groups, optional
//! `count`) applied to the matched code. A regex that does not match gives no fix, so one
//! `fix-regex` can serve a rule whose `pattern-either` holds cases it does not fix. Beyond
//! Semgrep, `fix-regex` may be a list: the first entry whose regex matches applies.

use regex::Regex;

/// How a rule rewrites the code it matched.
#[derive(Debug, Clone)]
pub enum Autofix {
    /// The whole match becomes this text, metavariables substituted.
    Template(String),
    /// Regex replacements inside the match: the first whose regex matches applies.
    Regex(Vec<RegexFix>),
}

/// One `fix-regex` entry.
#[derive(Debug, Clone)]
pub struct RegexFix {
    /// What to replace.
    pub re: Regex,
    /// The replacement, in `regex` syntax (`${1}`).
    pub replacement: String,
    /// How many matches to replace (all when `None`).
    pub count: Option<usize>,
}

impl RegexFix {
    /// A `fix-regex` entry; `replacement` uses Semgrep's `\1` group syntax.
    pub fn new(re: &str, replacement: &str, count: Option<usize>) -> Result<RegexFix, String> {
        let re = Regex::new(re).map_err(|e| format!("bad regex in `fix-regex`: {e}"))?;
        Ok(RegexFix {
            re,
            replacement: groups_to_regex_syntax(replacement),
            count,
        })
    }
}

impl Autofix {
    /// The text that replaces `matched`, with `binds` the match's metavariables; `None` when
    /// this fix does not apply (the regex does not match, or the template names a metavariable
    /// the match did not bind).
    pub fn replacement(&self, matched: &str, binds: &[(String, String)]) -> Option<String> {
        match self {
            Autofix::Template(t) => substitute(t, binds),
            Autofix::Regex(entries) => entries.iter().find(|e| e.re.is_match(matched)).map(|e| {
                e.re.replacen(matched, e.count.unwrap_or(0), e.replacement.as_str())
                    .into_owned()
            }),
        }
    }
}

/// `\1` → `${1}`; a literal `$` becomes `$$`.
fn groups_to_regex_syntax(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    n.push(d);
                    chars.next();
                }
                out.push_str(&format!("${{{n}}}"));
            }
            '$' => out.push_str("$$"),
            _ => out.push(c),
        }
    }
    out
}

/// Replaces each `$NAME` of `template` with its bound text (longest names first, so `$XY` is
/// not read as `$X`); `None` if a metavariable is left unbound.
fn substitute(template: &str, binds: &[(String, String)]) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let name_len = 1 + tail[1..]
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len() - 1);
        let name = &tail[..name_len];
        if name.len() == 1 {
            out.push('$');
            rest = &tail[1..];
            continue;
        }
        let value = binds
            .iter()
            .filter(|(n, _)| name.starts_with(n.as_str()))
            .max_by_key(|(n, _)| n.len())?;
        out.push_str(&value.1);
        rest = &tail[value.0.len()..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binds(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn templates_substitute_metavariables() {
        let t = Autofix::Template("yaml.safe_load($ARG)".into());
        assert_eq!(
            t.replacement("yaml.load(x)", &binds(&[("$ARG", "data['k']")])),
            Some("yaml.safe_load(data['k'])".into())
        );
        assert_eq!(t.replacement("yaml.load(x)", &[]), None);
        let t = Autofix::Template("f($XY, $X)".into());
        assert_eq!(
            t.replacement("", &binds(&[("$X", "1"), ("$XY", "2")])),
            Some("f(2, 1)".into())
        );
    }

    #[test]
    fn regexes_use_semgrep_groups_and_skip_what_they_do_not_match() {
        let r = Autofix::Regex(vec![
            RegexFix::new(r"yaml\.load\(([^,]*)(,.*)?\)", r"yaml.safe_load(\1)", None).unwrap(),
        ]);
        assert_eq!(
            r.replacement("yaml.load(text, Loader=yaml.Loader)", &[]),
            Some("yaml.safe_load(text)".into())
        );
        assert_eq!(r.replacement("pickle.loads(x)", &[]), None);
        let r = Autofix::Regex(vec![
            RegexFix::new(r"\(\s*verify\s*=\s*False\s*,?\s*", "(", Some(1)).unwrap(),
            RegexFix::new(r"\s*,\s*verify\s*=\s*False", "", Some(1)).unwrap(),
        ]);
        assert_eq!(
            r.replacement("requests.get(url, verify=False)", &[]),
            Some("requests.get(url)".into())
        );
        assert_eq!(groups_to_regex_syntax(r"a$\12b"), "a$$${12}b");
    }
}
