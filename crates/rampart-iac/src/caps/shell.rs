//! Script integrity: remote code piped into a shell (`curl … | sh`), and downloads that are
//! executed without a checksum or signature check in between. The analysis follows a script's
//! commands in order: a file downloaded with `curl -o`/`-O` or `wget [-O]` is tracked by name
//! until it is verified (`sha256sum -c`, `shasum -a 256 -c`, `gpg --verify`, `cosign verify`,
//! `minisign -V`, `slsa-verifier`, `gh attestation verify`) or executed (`bash f`, `./f`,
//! `sh f`, `source f`, `dpkg -i f`, `python f`…); executing it unverified is a finding.
//!
//! Used for GitHub Actions `run:`, GitLab CI `script:`, Dockerfile `RUN` and anything else whose
//! check names the script fields in `params.fields`.

use super::{CapFn, CapHit, Ctx};
use crate::model::Node;
use crate::path::{Path, resolve};
use regex::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// Looks a shell capability up.
pub fn get(name: &str) -> Option<CapFn> {
    Some(match name {
        "script-pipe-to-shell" => pipe_to_shell,
        "script-download-exec" => download_exec,
        "regex-in-strings" => regex_in_strings,
        _ => return None,
    })
}

/// One problem in a script.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptIssue {
    /// `true` for a pipe into a shell, `false` for an unverified download executed.
    pub piped: bool,
    /// The offending command, as written (one logical line, trimmed).
    pub command: String,
    /// What is wrong.
    pub message: String,
}

fn pipe_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(concat!(
            r"(?i)\b(curl|wget|fetch|iwr|invoke-webrequest|invoke-restmethod|irm)\b[^|\n]*\|\s*",
            r"(sudo\s+(-\S+\s+)*)?(env\s+(\S+=\S+\s+)*)?",
            r"(/usr/bin/|/bin/)?(ba|z|k|da|fi)?sh\b|\|\s*(sudo\s+)?(python[0-9.]*|perl|ruby|node|php|iex|invoke-expression|pwsh|powershell)\b",
            r"|\b(ba|z|k)?sh\s+(-\S+\s+)*<\(\s*(curl|wget)\b",
            r"|\b(source|\.)\s+<\(\s*(curl|wget)\b",
            r"|\b(ba|z|k)?sh\s+-c\s+[\x22']?\$\(\s*(curl|wget)\b",
            r"|\beval\s+[\x22']?\$\(\s*(curl|wget)\b",
        ))
        .expect("pipe regex")
    })
}

/// Splits a script into logical lines (joining `\` continuations), then commands.
fn commands(script: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut logical = String::new();
    for line in script.lines() {
        let t = line.trim_end();
        if let Some(stripped) = t.strip_suffix('\\') {
            logical.push_str(stripped);
            logical.push(' ');
            continue;
        }
        logical.push_str(t);
        let full = std::mem::take(&mut logical);
        let shown = full.trim().to_string();
        if shown.starts_with('#') || shown.is_empty() {
            continue;
        }
        for cmd in split_commands(&full) {
            out.push((shown.clone(), cmd));
        }
    }
    if !logical.trim().is_empty() {
        let shown = logical.trim().to_string();
        for cmd in split_commands(&logical) {
            out.push((shown.clone(), cmd));
        }
    }
    out
}

fn split_commands(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == ';'
                || (c == '&' && chars.get(i + 1) == Some(&'&'))
                || (c == '|' && chars.get(i + 1) == Some(&'|')) =>
            {
                out.push(std::mem::take(&mut cur));
                if c != ';' {
                    i += 1;
                }
                i += 1;
                continue;
            }
            None => {}
        }
        cur.push(c);
        i += 1;
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn words(cmd: &str) -> Vec<String> {
    cmd.split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']).to_string())
        .collect()
}

fn base(p: &str) -> String {
    let p = p.split(['?', '#']).next().unwrap_or(p);
    p.rsplit('/').next().unwrap_or(p).to_string()
}

/// What a download command saves, when it saves to a file.
fn downloaded_file(w: &[String]) -> Option<String> {
    let tool = w.iter().position(|x| x == "curl" || x == "wget")?;
    let is_curl = w[tool] == "curl";
    let args = &w[tool + 1..];
    let url = args.iter().find(|a| a.contains("://")).cloned();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if is_curl {
            if a == "-o" || a == "--output" {
                return args.get(i + 1).map(|f| base(f));
            }
            if let Some(f) = a.strip_prefix("--output=") {
                return Some(base(f));
            }
            if a.starts_with('-') && !a.starts_with("--") && a.ends_with('o') && a.len() > 2 {
                return args.get(i + 1).map(|f| base(f));
            }
            if a == "-O"
                || a == "--remote-name"
                || (a.starts_with('-') && !a.starts_with("--") && a.contains('O'))
            {
                return url.as_deref().map(base);
            }
        } else {
            if a == "-O"
                || a == "--output-document"
                || (a.starts_with('-') && !a.starts_with("--") && a.ends_with('O'))
            {
                let f = args.get(i + 1)?;
                return if f == "-" { None } else { Some(base(f)) };
            }
            if let Some(f) = a
                .strip_prefix("--output-document=")
                .or_else(|| a.strip_prefix("-O").filter(|f| !f.is_empty()))
            {
                return if f == "-" { None } else { Some(base(f)) };
            }
        }
        i += 1;
    }
    if is_curl {
        None
    } else {
        url.as_deref().map(base)
    }
}

fn is_verification(cmd: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"\b(sha(1|224|256|384|512)sum|shasum|b2sum|md5sum)\b.*(\s-c\b|--check|-a\s+\d+\s+-c)|\bgpg2?\b.*--verify|\bcosign\s+verify|\bminisign\s+-V|\bslsa-verifier\b|\bgh\s+attestation\s+verify|\bopenssl\s+dgst\b.*-verify|\bsha256sum\b.*\|\s*grep\b|\bGet-FileHash\b")
            .expect("verify regex")
    })
    .is_match(cmd)
}

fn executes(w: &[String], file: &str) -> bool {
    let is_file = |x: &String| base(x) == file && !x.is_empty();
    let mut w = w;
    while let Some(first) = w.first() {
        if first == "sudo"
            || first == "env"
            || first.contains('=')
            || (first.starts_with('-') && w.len() > 1)
        {
            w = &w[1..];
        } else {
            break;
        }
    }
    let Some(first) = w.first() else { return false };
    if is_file(first) && (first.starts_with("./") || first.starts_with('/') || first.contains('/'))
    {
        return true;
    }
    let interp = [
        "sh", "bash", "zsh", "dash", "ksh", "source", ".", "python", "python3", "perl", "ruby",
        "node", "pwsh", "php",
    ];
    if interp.contains(&first.as_str()) {
        return w[1..]
            .iter()
            .find(|a| !a.starts_with('-'))
            .is_some_and(is_file);
    }
    let installers = [
        ("dpkg", "-i"),
        ("rpm", "-i"),
        ("rpm", "-U"),
        ("rpm", "-ivh"),
        ("rpm", "-Uvh"),
        ("msiexec", "/i"),
    ];
    if installers
        .iter()
        .any(|(t, f)| first == t && w.iter().any(|a| a == f))
    {
        return w.iter().any(is_file);
    }
    if (first == "apt" || first == "apt-get" || first == "dnf" || first == "yum")
        && w.iter().any(|a| a == "install")
    {
        return w.iter().any(|a| is_file(a) && a.contains('/'));
    }
    false
}

/// Analyses one script.
pub fn analyze(script: &str) -> Vec<ScriptIssue> {
    let mut out = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    let mut reported_lines = std::collections::HashSet::new();
    for (shown, cmd) in commands(script) {
        if pipe_re().is_match(&cmd) {
            if reported_lines.insert(shown.clone()) {
                out.push(ScriptIssue {
                    piped: true,
                    command: shown.clone(),
                    message: "remote content is piped straight into an interpreter".into(),
                });
            }
            continue;
        }
        let w = words(&cmd);
        if let Some(f) = downloaded_file(&w) {
            pending.retain(|p| *p != f);
            pending.push(f);
            continue;
        }
        if is_verification(&cmd) {
            let named: Vec<String> = pending
                .iter()
                .filter(|p| cmd.contains(p.as_str()))
                .cloned()
                .collect();
            let checksum_list = cmd.contains(" -c") || cmd.contains("--check");
            if named.is_empty() || checksum_list {
                pending.clear();
            } else {
                pending.retain(|p| !named.contains(p));
            }
            continue;
        }
        if let Some(f) = pending.iter().find(|f| executes(&w, f)).cloned() {
            out.push(ScriptIssue {
                piped: false,
                command: shown.clone(),
                message: format!(
                    "`{f}` is downloaded and executed without a checksum or signature check"
                ),
            });
            pending.retain(|p| *p != f);
        }
    }
    out
}

/// Finds where a piece of text sits inside a node's source span.
/// Like [`locate`], for the `nth` (0-based) occurrence of `needle` in the node: repeated
/// expressions in one script are each reported on their own line.
pub fn locate_nth(text: &str, node: &Node, needle: &str, nth: usize) -> Range<usize> {
    let span = node.span.clone();
    if nth > 0
        && !needle.is_empty()
        && let Some(hay) = text.get(span.clone())
        && let Some((p, _)) = hay.match_indices(needle).nth(nth)
    {
        return span.start + p..span.start + p + needle.len();
    }
    locate(text, node, needle)
}

pub fn locate(text: &str, node: &Node, needle: &str) -> Range<usize> {
    let span = node.span.clone();
    if let Some(hay) = text.get(span.clone()) {
        if let Some(p) = hay.find(needle) {
            return span.start + p..span.start + p + needle.len();
        }
        // A continued line: find its first physical line.
        let first = needle.split("  ").next().unwrap_or(needle);
        let cut = first
            .char_indices()
            .map(|(i, _)| i)
            .take_while(|i| *i <= 40)
            .last()
            .unwrap_or(0);
        let first = if first.len() <= 40 {
            first
        } else {
            &first[..cut]
        };
        if !first.is_empty()
            && let Some(p) = hay.find(first)
        {
            return span.start + p..span.start + p + first.len();
        }
    }
    node.report_span()
}

fn fields(ctx: &Ctx) -> Vec<std::borrow::Cow<'static, Node>> {
    let mut out = Vec::new();
    for n in raw_fields(ctx) {
        match &n.value {
            crate::model::Value::Seq(items) => {
                out.extend(items.iter().map(|i| std::borrow::Cow::Owned(i.clone())))
            }
            _ => out.push(n),
        }
    }
    out
}

/// The nodes the `params.fields` paths reach, sequences kept whole.
fn raw_fields(ctx: &Ctx) -> Vec<std::borrow::Cow<'static, Node>> {
    let list: Vec<String> = ctx
        .params
        .get("fields")
        .and_then(|f| f.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_else(|| vec!["run".to_string()]);
    let macros = |m: &str| ctx.subject.macro_nodes(m);
    let mut out = Vec::new();
    for f in list {
        if let Ok(p) = Path::parse(&f) {
            for n in resolve(ctx.subject.node, &p, &macros).nodes {
                out.push(std::borrow::Cow::Owned(n.into_owned()));
            }
        }
    }
    out
}

fn script_issues(ctx: &Ctx, piped: bool) -> Vec<CapHit> {
    let mut hits = Vec::new();
    // A list of script lines (GitLab `script:`) is one script: a download in one item and its
    // execution in another are followed.
    let mut groups: Vec<Vec<std::borrow::Cow<'static, Node>>> = Vec::new();
    for f in raw_fields(ctx) {
        match &f.value {
            crate::model::Value::Seq(items) => groups.push(
                items
                    .iter()
                    .map(|i| std::borrow::Cow::Owned(i.clone()))
                    .collect(),
            ),
            _ => groups.push(vec![f]),
        }
    }
    for group in groups {
        let script: String = group
            .iter()
            .filter_map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for issue in analyze(&script).into_iter().filter(|i| i.piped == piped) {
            let first = issue.command.split("  ").next().unwrap_or(&issue.command);
            let node = group
                .iter()
                .find(|n| n.as_str().is_some_and(|s| s.contains(first)))
                .or_else(|| group.first());
            let Some(node) = node else { continue };
            hits.push(CapHit {
                span: locate(ctx.text, node, &issue.command),
                message: format!("{}: `{}`", issue.message, shorten(&issue.command)),
                key: issue
                    .command
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                fix: None,
            });
        }
    }
    hits
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s.to_string()
    }
}

fn pipe_to_shell(ctx: &Ctx) -> Vec<CapHit> {
    script_issues(ctx, true)
}

fn download_exec(ctx: &Ctx) -> Vec<CapHit> {
    script_issues(ctx, false)
}

/// Compiles a pattern once per process.
fn cached_regex(pattern: &str) -> Option<Regex> {
    static CACHE: OnceLock<std::sync::Mutex<std::collections::HashMap<String, Option<Regex>>>> =
        OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| Regex::new(pattern).ok())
        .clone()
}

/// Reports every match of `params.pattern` in the subject's strings (or `params.fields`).
fn regex_in_strings(ctx: &Ctx) -> Vec<CapHit> {
    let Some(re) = ctx
        .params
        .get("pattern")
        .and_then(|p| p.as_str())
        .and_then(cached_regex)
    else {
        return Vec::new();
    };
    let message = ctx
        .params
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or("matched");
    let nodes: Vec<std::borrow::Cow<'_, Node>> = if ctx.params.contains_key("fields") {
        fields(ctx)
    } else {
        let mut v = Vec::new();
        ctx.subject.node.walk(&mut |n| {
            if n.as_str().is_some() {
                v.push(std::borrow::Cow::Borrowed(n));
            }
        });
        v
    };
    let mut hits = Vec::new();
    for n in nodes {
        let Some(s) = n.as_str() else { continue };
        for m in re.find_iter(s) {
            hits.push(CapHit {
                span: locate(ctx.text, &n, m.as_str()),
                message: format!("{message}: `{}`", shorten(m.as_str())),
                key: m.as_str().to_string(),
                fix: None,
            });
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piped(s: &str) -> bool {
        analyze(s).iter().any(|i| i.piped)
    }
    fn unverified(s: &str) -> bool {
        analyze(s).iter().any(|i| !i.piped)
    }

    #[test]
    fn pipes_into_shells() {
        assert!(piped("curl -fsSL https://get.example.com | sh"));
        assert!(piped("curl -s https://x | sudo -E bash -s -- --yes"));
        assert!(piped("wget -qO- https://x/install.sh | bash"));
        assert!(piped("bash <(curl -s https://x)"));
        assert!(piped("sh -c \"$(curl -fsSL https://x)\""));
        assert!(piped("iwr https://x/install.ps1 | iex"));
        assert!(piped("curl https://x \\\n  | python3 -"));
        assert!(!piped("curl -s https://api/x | jq .name"));
        assert!(!piped("echo hi | sh"));
    }

    #[test]
    fn download_verify_execute() {
        assert!(unverified(
            "curl -fsSLo install.sh https://x/install.sh\nbash install.sh"
        ));
        assert!(unverified(
            "wget https://x/tool.sh\nchmod +x tool.sh\n./tool.sh --flag"
        ));
        assert!(unverified(
            "curl -L -o /tmp/pkg.deb https://x/pkg.deb && sudo dpkg -i /tmp/pkg.deb"
        ));
        assert!(unverified("curl -O https://x/setup.sh\nsh ./setup.sh"));
        assert!(!unverified(
            "curl -fsSLo install.sh https://x/install.sh\necho \"abc  install.sh\" | sha256sum -c -\nbash install.sh"
        ));
        assert!(!unverified(
            "curl -LO https://x/tool.tar.gz\ncurl -LO https://x/SHA256SUMS\nsha256sum --check --ignore-missing SHA256SUMS\n./tool.tar.gz"
        ));
        assert!(!unverified(
            "wget https://x/a.sh\ngpg --verify a.sh.sig a.sh\nbash a.sh"
        ));
        assert!(!unverified("curl -o out.json https://api/x\ncat out.json"));
        assert!(!unverified(
            "curl -fsSLo k https://x/k\ncosign verify-blob --signature k.sig k\n./k"
        ));
    }
}
