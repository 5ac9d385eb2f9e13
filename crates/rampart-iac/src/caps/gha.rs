//! GitHub Actions capabilities: pinning of `uses:`, template injection, dangerous checkouts in
//! privileged triggers, `$GITHUB_ENV` poisoning, and pinned refs without a version comment.

use super::shell::{locate, locate_nth};
use super::{CapFn, CapHit, Ctx};
use crate::model::{Node, Value};
use regex::Regex;
use std::sync::OnceLock;

/// Looks a GitHub Actions capability up.
pub fn get(name: &str) -> Option<CapFn> {
    Some(match name {
        "gha-unpinned-uses" => unpinned_uses,
        "gha-template-injection" => template_injection,
        "gha-dangerous-checkout" => dangerous_checkout,
        "gha-github-env" => github_env,
        "gha-stale-action-refs" => stale_refs,
        "gha-undocumented-permissions" => undocumented_permissions,
        "gha-typosquat-uses" => typosquat_uses,
        _ => return None,
    })
}

/// A parsed `uses:` reference.
#[derive(Debug, PartialEq)]
pub enum Uses<'a> {
    /// `./path` in the same repository.
    Local,
    /// `docker://image[:tag][@digest]`.
    Docker(&'a str),
    /// `owner/repo[/path]@ref`.
    Action {
        /// `owner/repo[/path]`.
        name: &'a str,
        /// The ref (empty when missing).
        git_ref: &'a str,
    },
}

/// Parses a `uses:` value.
pub fn parse_uses(u: &str) -> Uses<'_> {
    let u = u.trim();
    if u.starts_with("./") || u.starts_with(".\\") {
        return Uses::Local;
    }
    if let Some(img) = u.strip_prefix("docker://") {
        return Uses::Docker(img);
    }
    match u.rsplit_once('@') {
        Some((name, r)) => Uses::Action { name, git_ref: r },
        None => Uses::Action {
            name: u,
            git_ref: "",
        },
    }
}

/// Whether a ref is a full 40-hex commit SHA.
pub fn is_full_sha(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

fn uses_node<'a>(ctx: &Ctx<'a, '_>) -> Option<&'a Node> {
    ctx.subject.node.get("uses")
}

fn unpinned_uses(ctx: &Ctx) -> Vec<CapHit> {
    let Some(n) = uses_node(ctx) else {
        return vec![];
    };
    let Some(u) = n.as_str() else { return vec![] };
    if u.contains("${{") {
        return vec![];
    }
    let message = match parse_uses(u) {
        Uses::Local => return vec![],
        Uses::Docker(img) if img.contains("@sha256:") => return vec![],
        Uses::Docker(img) => format!("container image `{img}` is not pinned by digest"),
        Uses::Action { git_ref, .. } if is_full_sha(git_ref) => return vec![],
        Uses::Action { name, git_ref: "" } => format!("`{name}` is used without any ref"),
        Uses::Action { name, git_ref } => {
            format!(
                "`{name}@{git_ref}` is not pinned to a full commit SHA: the ref can be moved to other code"
            )
        }
    };
    vec![CapHit {
        span: n.report_span(),
        message,
        key: u.to_string(),
        fix: None,
    }]
}

fn expr_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"\$\{\{(.*?)\}\}").expect("expr regex"))
}

fn direct_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(concat!(
            r"github\.head_ref\b",
            r"|github\.event\.(issue|pull_request|discussion)\.(title|body)\b",
            r"|github\.event\.pull_request\.head\.(ref|label|repo\.default_branch)\b",
            r"|github\.event\.(comment|review|review_comment)\.body\b",
            r"|github\.event\.pages\.[^.\s]+\.page_name\b",
            r"|github\.event\.(commits\.[^.\s]+|head_commit)\.(message|author\.(email|name)|committer\.(email|name))\b",
            r"|github\.event\.workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(email|name)))\b",
            r"|github\.event\.workflow_run\.pull_requests\.[^.\s]+\.head\.ref\b",
            r"|github\.event\.release\.(name|body)\b",
            r"|github\.event\.(issue|pull_request)\.(user\.login|head\.repo\.full_name)\b",
            r"|toJSON\(\s*github\.event\s*\)",
        ))
        .expect("untrusted regex")
    })
}

fn indirect_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(concat!(
            r"\b(inputs|github\.event\.inputs|env|matrix)\.[A-Za-z_][\w-]*",
            r"|\b(steps|needs)\.[\w-]+\.outputs\.[\w-]+|\bgithub\.event\.client_payload\b",
            // Whole contexts of outputs and results, and a pushed branch or tag name.
            r"|(?i:tojson)\(\s*(needs|steps|inputs|matrix)\s*\)|\bgithub\.ref_name\b",
        ))
        .expect("indirect regex")
    })
}

/// Where a step's code is: `run:`, or `script:` of actions/github-script.
fn code_nodes(step: &Node) -> Vec<&Node> {
    let mut v = Vec::new();
    if let Some(r) = step.get("run") {
        v.push(r);
    }
    if let Some(u) = step.get("uses").and_then(Node::as_str)
        && u.starts_with("actions/github-script@")
        && let Some(s) = step.get_path(&["with", "script"])
    {
        v.push(s);
    }
    v
}

fn template_injection(ctx: &Ctx) -> Vec<CapHit> {
    let indirect = ctx.params.get("level").and_then(|l| l.as_str()) == Some("indirect");
    let mut hits = Vec::new();
    let step = ctx.subject.node;
    // One fix for the whole step (direct and indirect expressions alike), so that the findings
    // of both checks carry the same edits.
    let fix = super::gha_fix::template_injection(
        ctx.text,
        step,
        expr_re(),
        &|inner| direct_re().is_match(inner) || indirect_re().is_match(inner),
        &effective_shell(ctx),
    );
    let run = step.get("run");
    for n in code_nodes(step) {
        let in_run = run.is_some_and(|r| std::ptr::eq(r, n));
        let Some(code) = n.as_str() else { continue };
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for m in expr_re().captures_iter(code) {
            let whole = m.get(0).map(|x| x.as_str()).unwrap_or("");
            let nth = {
                let c = seen.entry(whole).or_default();
                *c += 1;
                *c - 1
            };
            let inner = &m[1];
            let direct = direct_re().find(inner);
            let found = if indirect {
                if direct.is_some() {
                    continue;
                }
                match indirect_re().find(inner) {
                    Some(x) => x.as_str().to_string(),
                    None => continue,
                }
            } else {
                match direct {
                    Some(x) => x.as_str().to_string(),
                    None => continue,
                }
            };
            hits.push(CapHit {
                span: locate_nth(ctx.text, n, whole, nth),
                message: format!(
                    "`{found}` is expanded into a script before it runs: a crafted value injects shell or JavaScript code; pass it through `env:` instead"
                ),
                key: whole.to_string(),
                fix: fix.clone().filter(|_| in_run),
            });
        }
    }
    hits
}

/// The shell a step's `run:` runs in: its `shell:`, else the job's and then the workflow's
/// `defaults.run.shell`, else PowerShell on Windows runners and bash elsewhere.
fn effective_shell(ctx: &Ctx) -> String {
    let step = ctx.subject.node;
    if let Some(s) = step.get("shell").and_then(Node::as_str) {
        return s.to_string();
    }
    let wf = ctx.subject.macro_nodes("workflow").into_iter().next();
    let job = wf.and_then(|w| match &w.get("jobs")?.value {
        Value::Map(jobs) => jobs.iter().map(|(_, j)| j).find(|j| {
            matches!(&j.get("steps").map(|s| &s.value), Some(Value::Seq(steps)) if steps.iter().any(|s| s.span == step.span))
        }),
        _ => None,
    });
    let default = |n: Option<&Node>| {
        n.and_then(|n| n.get_path(&["defaults", "run", "shell"]))
            .and_then(Node::as_str)
            .map(str::to_string)
    };
    if let Some(s) = default(job).or_else(|| default(wf)) {
        return s;
    }
    let windows = job
        .and_then(|j| j.get("runs-on"))
        .and_then(Node::scalar_text)
        .is_some_and(|r| r.to_ascii_lowercase().contains("windows"));
    if windows { "pwsh" } else { "bash" }.to_string()
}

/// The workflow's triggers.
pub fn triggers(workflow: &Node) -> Vec<String> {
    let Some(on) = workflow.get("on").or_else(|| workflow.get("true")) else {
        return vec![];
    };
    match &on.value {
        Value::Str(s) => vec![s.clone()],
        Value::Seq(s) => s.iter().filter_map(Node::scalar_text).collect(),
        Value::Map(m) => m.iter().map(|(k, _)| k.clone()).collect(),
        _ => vec![],
    }
}

fn privileged_trigger(ctx: &Ctx) -> Option<String> {
    let wf = ctx.subject.macro_nodes("workflow").into_iter().next()?;
    triggers(wf)
        .into_iter()
        .find(|t| t == "pull_request_target" || t == "workflow_run" || t == "issue_comment")
}

fn dangerous_checkout(ctx: &Ctx) -> Vec<CapHit> {
    let Some(trigger) = privileged_trigger(ctx) else {
        return vec![];
    };
    let step = ctx.subject.node;
    let Some(u) = step.get("uses").and_then(Node::as_str) else {
        return vec![];
    };
    if !u.starts_with("actions/checkout@") {
        return vec![];
    }
    static R: OnceLock<Regex> = OnceLock::new();
    let re = R.get_or_init(|| {
        Regex::new(r"github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref|github\.event\.workflow_run\.head_(sha|branch)|refs/pull/|pull_request\.number|github\.event\.issue\.number|merge_commit_sha|steps\.[\w-]+\.outputs")
            .expect("checkout regex")
    });
    let mut hits = Vec::new();
    for key in ["ref", "repository"] {
        if let Some(n) = step.get_path(&["with", key])
            && let Some(v) = n.as_str()
            && re.is_match(v)
        {
            hits.push(CapHit {
                        span: n.report_span(),
                        message: format!(
                            "`{trigger}` runs with the base repository's secrets and a write token, and this step checks out the untrusted head `{v}`"
                        ),
                        key: format!("{key}={v}"),
                        fix: None,
                    });
        }
    }
    hits
}

fn github_env(ctx: &Ctx) -> Vec<CapHit> {
    let Some(run) = ctx.subject.node.get("run") else {
        return vec![];
    };
    let Some(code) = run.as_str() else {
        return vec![];
    };
    static W: OnceLock<Regex> = OnceLock::new();
    let w = W.get_or_init(|| {
        Regex::new(r#">>?\s*["']?\$\{?(GITHUB_ENV|GITHUB_PATH)\b"#).expect("env regex")
    });
    let privileged = privileged_trigger(ctx);
    let mut hits = Vec::new();
    for line in code.lines() {
        let Some(m) = w.captures(line) else { continue };
        let untrusted = expr_re()
            .captures_iter(line)
            .any(|c| direct_re().is_match(&c[1]));
        if !(untrusted || privileged.is_some()) {
            continue;
        }
        let why = if untrusted {
            "untrusted input is written".to_string()
        } else {
            format!(
                "in a `{}` workflow, data is written",
                privileged.clone().unwrap_or_default()
            )
        };
        hits.push(CapHit {
            span: locate(ctx.text, run, line.trim()),
            message: format!("{why} to `${}`: it can set variables like LD_PRELOAD or prepend to PATH for every later step", &m[1]),
            key: line.trim().to_string(),
            fix: None,
        });
    }
    hits
}

fn stale_refs(ctx: &Ctx) -> Vec<CapHit> {
    let Some(n) = uses_node(ctx) else {
        return vec![];
    };
    let Some(u) = n.as_str() else { return vec![] };
    let Uses::Action { name, git_ref } = parse_uses(u) else {
        return vec![];
    };
    if !is_full_sha(git_ref) {
        return vec![];
    }
    // The rest of the line after the value: a `# v1.2.3` comment documents the pin.
    let end = n.span.end.min(ctx.text.len());
    let line_rest = ctx.text[end..].lines().next().unwrap_or("");
    if line_rest.contains('#') {
        return vec![];
    }
    vec![CapHit {
        span: n.report_span(),
        message: format!(
            "`{name}` is pinned to a commit with no comment naming the release it is: updates and reviews cannot tell whether it is current"
        ),
        key: u.to_string(),
        fix: None,
    }]
}

fn undocumented_permissions(ctx: &Ctx) -> Vec<CapHit> {
    let Some(perms) = ctx.subject.node.get("permissions").and_then(Node::as_map) else {
        return vec![];
    };
    let mut hits = Vec::new();
    for (scope, v) in perms {
        if v.as_str() != Some("write") {
            continue;
        }
        let end = v.span.end.min(ctx.text.len());
        let rest = ctx.text[end..].lines().next().unwrap_or("");
        // A comment on the line, or on the line above, explains the grant.
        let start = v
            .key_span
            .as_ref()
            .map(|k| k.start)
            .unwrap_or(v.span.start)
            .min(ctx.text.len());
        let before = ctx.text[..start].trim_end_matches([' ', '\t']);
        let above = before
            .strip_suffix('\n')
            .unwrap_or(before)
            .rsplit('\n')
            .next()
            .unwrap_or("");
        if rest.contains('#') || above.trim_start().starts_with('#') {
            continue;
        }
        hits.push(CapHit {
            span: v.report_span(),
            message: format!("`{scope}: write` has no comment saying why the job needs it"),
            key: format!("{scope}: write"),
            fix: None,
        });
    }
    hits
}

/// Widely used actions: a `uses:` one edit away from one of these (and not itself listed) is
/// probably a typosquat.
const POPULAR_ACTIONS: &[&str] = &[
    "actions/cache",
    "actions/checkout",
    "actions/configure-pages",
    "actions/create-github-app-token",
    "actions/deploy-pages",
    "actions/download-artifact",
    "actions/github-script",
    "actions/labeler",
    "actions/setup-dotnet",
    "actions/setup-go",
    "actions/setup-java",
    "actions/setup-node",
    "actions/setup-python",
    "actions/stale",
    "actions/upload-artifact",
    "actions/upload-pages-artifact",
    "astral-sh/setup-uv",
    "aws-actions/configure-aws-credentials",
    "azure/login",
    "codecov/codecov-action",
    "docker/build-push-action",
    "docker/login-action",
    "docker/metadata-action",
    "docker/setup-buildx-action",
    "docker/setup-qemu-action",
    "dtolnay/rust-toolchain",
    "github/codeql-action",
    "golangci/golangci-lint-action",
    "google-github-actions/auth",
    "goreleaser/goreleaser-action",
    "gradle/actions",
    "hashicorp/setup-terraform",
    "peaceiris/actions-gh-pages",
    "peter-evans/create-pull-request",
    "pnpm/action-setup",
    "pypa/gh-action-pypi-publish",
    "ruby/setup-ruby",
    "shivammathur/setup-php",
    "softprops/action-gh-release",
    "swatinem/rust-cache",
    "tj-actions/changed-files",
];

/// Optimal string alignment distance, stopping early once it exceeds `max`.
fn edit_distance(a: &[u8], b: &[u8], max: usize) -> usize {
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The popular action that `owner/repo` is one edit away from, if any.
pub fn typosquat_of(owner_repo: &str) -> Option<&'static str> {
    let lower = owner_repo.to_ascii_lowercase();
    if POPULAR_ACTIONS.contains(&lower.as_str()) {
        return None;
    }
    POPULAR_ACTIONS
        .iter()
        .find(|p| edit_distance(lower.as_bytes(), p.as_bytes(), 1) == 1)
        .copied()
}

fn typosquat_uses(ctx: &Ctx) -> Vec<CapHit> {
    let Some(n) = uses_node(ctx) else {
        return vec![];
    };
    let Some(u) = n.as_str() else { return vec![] };
    let Uses::Action { name, .. } = parse_uses(u) else {
        return vec![];
    };
    let mut parts = name.splitn(3, '/');
    let (Some(owner), Some(repo)) = (parts.next(), parts.next()) else {
        return vec![];
    };
    let owner_repo = format!("{owner}/{repo}");
    let Some(popular) = typosquat_of(&owner_repo) else {
        return vec![];
    };
    vec![CapHit {
        span: n.report_span(),
        message: format!(
            "`{owner_repo}` is one character away from the popular `{popular}`: a typo here runs whatever that lookalike repository holds"
        ),
        key: owner_repo,
        fix: None,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uses() {
        assert_eq!(parse_uses("./.github/actions/x"), Uses::Local);
        assert_eq!(parse_uses("docker://alpine:3"), Uses::Docker("alpine:3"));
        assert_eq!(
            parse_uses("actions/checkout@v4"),
            Uses::Action {
                name: "actions/checkout",
                git_ref: "v4"
            }
        );
        assert!(is_full_sha("8e5e7e5ab8b370d6c329ec480221332ada57f0ab"));
        assert!(!is_full_sha("8e5e7e5"));
    }

    #[test]
    fn finds_typosquats() {
        assert_eq!(typosquat_of("action/checkout"), Some("actions/checkout"));
        assert_eq!(
            typosquat_of("actons/setup-node"),
            Some("actions/setup-node")
        );
        assert_eq!(typosquat_of("actions/chekcout"), Some("actions/checkout"));
        assert_eq!(typosquat_of("Actions/Checkout"), None);
        assert_eq!(typosquat_of("actions/setup-go"), None);
        assert_eq!(typosquat_of("my-org/checkout"), None);
        assert!(edit_distance(b"abc", b"xyz", 1) > 1);
    }
}
