//! Dockerfile capabilities: the effective user of the final stage, base image pinning (stage
//! names and build arguments understood), and unpinned package installs in `RUN`.

use super::{CapFn, CapHit, Ctx};
use crate::model::Node;

/// Looks a Dockerfile capability up.
pub fn get(name: &str) -> Option<CapFn> {
    Some(match name {
        "docker-final-user-root" => final_user_root,
        "docker-from-unpinned" => from_unpinned,
        "docker-unpinned-packages" => unpinned_packages,
        _ => return None,
    })
}

fn instructions(doc: &Node) -> &[Node] {
    doc.get("instructions")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
}

fn kw(n: &Node) -> &str {
    n.get("instruction").and_then(Node::as_str).unwrap_or("")
}

fn args(n: &Node) -> &str {
    n.get("args").and_then(Node::as_str).unwrap_or("")
}

/// Root subject: the final stage runs as root (no USER, or USER root/0 last).
fn final_user_root(ctx: &Ctx) -> Vec<CapHit> {
    let ins = instructions(ctx.subject.node);
    let Some(last_from) = ins.iter().rposition(|n| kw(n) == "FROM") else {
        return vec![];
    };
    let stage = &ins[last_from..];
    match stage.iter().rev().find(|n| kw(n) == "USER") {
        None => vec![CapHit {
            span: stage[0]
                .get("instruction")
                .map(|i| i.span.clone())
                .unwrap_or(stage[0].span.clone()),
            message: "the final stage sets no USER, so the container runs as root".into(),
            key: "no-user".into(),
            fix: None,
        }],
        Some(u) => {
            let user = args(u).split(':').next().unwrap_or("").trim();
            if user == "root" || user == "0" {
                vec![CapHit {
                    span: u.span.clone(),
                    message: format!("the final stage runs as `{}`", args(u)),
                    key: "user-root".into(),
                    fix: None,
                }]
            } else {
                vec![]
            }
        }
    }
}

/// `FROM` subjects: `params.mode` = `digest` (no `@sha256:`) or `latest` (no tag or `:latest`).
fn from_unpinned(ctx: &Ctx) -> Vec<CapHit> {
    let node = ctx.subject.node;
    let Some(img_node) = node.get("image") else {
        return vec![];
    };
    let Some(img) = img_node.as_str() else {
        return vec![];
    };
    if img == "scratch" || img.contains('$') {
        return vec![];
    }
    // A reference to an earlier stage is not an image.
    let doc = ctx.subject.macro_nodes("dockerfile");
    if let Some(doc) = doc.first() {
        let is_stage = instructions(doc).iter().any(|n| {
            kw(n) == "FROM"
                && n.get("name")
                    .and_then(Node::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case(img))
        });
        if is_stage {
            return vec![];
        }
    }
    let (name, tag, digest) = crate::image::split_image(img);
    let mode = ctx
        .params
        .get("mode")
        .and_then(|m| m.as_str())
        .unwrap_or("digest");
    let bad = match mode {
        "latest" => digest.is_none() && matches!(tag, None | Some("latest")),
        _ => digest.is_none(),
    };
    if !bad {
        return vec![];
    }
    let message = if mode == "latest" {
        format!("`{img}` uses the moving `latest` tag: builds are not reproducible")
    } else {
        format!("base image `{name}` is not pinned by digest: the tag can be re-pushed")
    };
    vec![CapHit {
        span: img_node.span.clone(),
        message,
        key: img.to_string(),
        fix: None,
    }]
}

/// Package installs without versions, in a script. Returns (manager, package) pairs.
pub fn unpinned_installs(script: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let joined = script.replace("\\\n", " ");
    for cmd in joined.split(['\n', ';', '&', '|']) {
        let w: Vec<&str> = cmd.split_whitespace().collect();
        let Some(pos) = w.iter().position(|x| {
            ["apt-get", "apt", "apk", "yum", "dnf", "pip", "pip3", "gem"].contains(x)
        }) else {
            continue;
        };
        let mgr = w[pos];
        let Some(sub) = w.get(pos + 1..) else {
            continue;
        };
        let verb_ok = match mgr {
            "apk" => sub.first() == Some(&"add"),
            "gem" => sub.first() == Some(&"install"),
            _ => sub.iter().take(3).any(|x| *x == "install"),
        };
        if !verb_ok {
            continue;
        }
        let after = sub
            .iter()
            .skip_while(|x| **x != "install" && **x != "add")
            .skip(1);
        for p in after {
            if p.starts_with('-')
                || p.starts_with('$')
                || p.contains('/')
                || p.starts_with('.')
                || p.contains('*')
            {
                continue;
            }
            let pinned = match mgr {
                "apk" => p.contains('='),
                "pip" | "pip3" => {
                    p.contains("==")
                        || p.contains(">=")
                        || p.contains("~=")
                        || p.ends_with(".txt")
                        || p.ends_with(".whl")
                }
                "gem" => false,
                "yum" | "dnf" => p.contains('-') && p.chars().any(|c| c.is_ascii_digit()),
                _ => p.contains('='),
            };
            if mgr == "gem" && cmd.contains("-v") {
                continue;
            }
            if !pinned {
                out.push((mgr.to_string(), p.to_string()));
            }
        }
    }
    out
}

fn unpinned_packages(ctx: &Ctx) -> Vec<CapHit> {
    let node = ctx.subject.node;
    let text = args(node);
    let found = unpinned_installs(text);
    if found.is_empty() {
        return vec![];
    }
    let list: Vec<String> = found
        .iter()
        .take(5)
        .map(|(_, p)| format!("`{p}`"))
        .collect();
    vec![CapHit {
        span: node
            .get("instruction")
            .map(|i| i.span.clone())
            .unwrap_or(node.span.clone()),
        message: format!(
            "{} installed without a pinned version ({})",
            found.len(),
            list.join(", ")
        ),
        key: found
            .iter()
            .map(|(m, p)| format!("{m}:{p}"))
            .collect::<Vec<_>>()
            .join(","),
        fix: None,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_packages() {
        assert_eq!(
            crate::image::split_image("reg:5000/a/b:1.2@sha256:x"),
            ("reg:5000/a/b", Some("1.2"), Some("sha256:x"))
        );
        assert_eq!(
            crate::image::split_image("reg:5000/a/b"),
            ("reg:5000/a/b", None, None)
        );
        assert_eq!(
            unpinned_installs("apt-get update && apt-get install -y curl git=1:2.39").len(),
            1
        );
        assert!(unpinned_installs("apk add --no-cache curl=8.5.0-r0").is_empty());
        assert_eq!(
            unpinned_installs("pip install requests flask==3.0.0").len(),
            1
        );
        assert!(unpinned_installs("pip install -r requirements.txt").is_empty());
    }
}
