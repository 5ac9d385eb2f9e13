//! Pinning what pipelines and containers pull: `uses: owner/repo@v4` becomes the tag's full
//! commit SHA with the tag kept as a comment, and `image:tag` gains its `@sha256:` digest, in
//! workflows, Dockerfiles, compose, Kubernetes and GitLab CI files. The SHA and digest come from
//! a [`Resolver`]; this module only finds the references and writes the edits.

use rampart_core::{Edit, Finding, Fix};
use regex::Regex;
use std::sync::LazyLock;

/// Turns tags into immutable references.
pub trait Resolver {
    /// The full commit SHA that `reference` (a tag or branch) of GitHub repository
    /// `owner/repo` names.
    fn action_commit(&self, repo: &str, reference: &str) -> Result<String, String>;
    /// The `sha256:…` digest of image `image` (as written, without tag) at `tag`.
    fn image_digest(&self, image: &str, tag: &str) -> Result<String, String>;
}

/// Rules whose findings are fixed by pinning an action.
const ACTION_RULES: &[&str] = &[
    "iac/gha-unpinned-uses",
    "iac/gha-secrets-to-unpinned-action",
];

/// Whether a finding is about a reference that a digest or SHA pins.
pub fn is_pin_finding(f: &Finding) -> bool {
    ACTION_RULES.contains(&f.rule_id.as_str())
        || f.engine == "iac"
            && (f.rule_id.ends_with("-not-pinned-by-digest")
                || f.rule_id == "iac/gha-unpinned-images")
}

static USES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r##"uses:\s*['"]?(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?P<sub>/[^@\s'"]*)?@(?P<ref>[^\s'"#]+)['"]?"##)
        .expect("static")
});
static FROM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*FROM\s+(?:--platform=\S+\s+)?(?P<img>[^\s@]+)(?:\s|$)").expect("static")
});
static IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s{,-])image:\s*['"]?(?P<img>[A-Za-z0-9][^\s'"@#,}]*)['"]?"#)
        .expect("static")
});
static DOCKER_URI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"uses:\s*['"]?docker://(?P<img>[^\s'"@#]+)"#).expect("static"));

/// A reference found on a line: what to resolve and where it is.
#[derive(Debug, PartialEq, Eq)]
enum Reference {
    Action { repo: String, reference: String },
    Image { image: String, tag: String },
}

/// The image name and tag of `img` (`name[:tag]`, the registry's port not read as a tag).
fn split_tag(img: &str) -> (String, String) {
    let slash = img.rfind('/').map_or(0, |i| i + 1);
    match img[slash..].rfind(':') {
        Some(i) => (
            img[..slash + i].to_string(),
            img[slash + i + 1..].to_string(),
        ),
        None => (img.to_string(), "latest".to_string()),
    }
}

/// The reference on `line` and the byte range (in the line) that the pinned form replaces.
fn find(line: &str) -> Option<(Reference, std::ops::Range<usize>)> {
    if let Some(c) = USES.captures(line) {
        let r = c.name("ref")?;
        if r.as_str().len() == 40 && r.as_str().bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        return Some((
            Reference::Action {
                repo: c["repo"].to_string(),
                reference: r.as_str().to_string(),
            },
            r.range(),
        ));
    }
    let img = DOCKER_URI
        .captures(line)
        .or_else(|| FROM.captures(line))
        .or_else(|| IMAGE.captures(line))?
        .name("img")?;
    let text = img.as_str();
    if text.contains("${") || text.contains("$(") || text.starts_with('$') {
        return None;
    }
    let (image, tag) = split_tag(text);
    Some((Reference::Image { image, tag }, img.range()))
}

/// The edit that pins the reference at the finding's line (or one of the next two lines) of
/// `text` (the file `path`), and what it pins (the action's `owner/repo` or the image's name);
/// `Ok(None)` when the line holds nothing to pin.
pub fn pin(
    f: &Finding,
    path: &str,
    text: &str,
    resolver: &dyn Resolver,
) -> Result<Option<(Fix, String)>, String> {
    let mut offset = 0usize;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let first = f.location.start_line.max(1) - 1;
    for (i, l) in lines.iter().enumerate() {
        if i < first {
            offset += l.len();
            continue;
        }
        if i > first + 2 {
            break;
        }
        let line = l.trim_end_matches(['\n', '\r']);
        if let Some((reference, range)) = find(line) {
            let (replacement, comment, what) = match &reference {
                Reference::Action { repo, reference } => {
                    let sha = resolver.action_commit(repo, reference)?;
                    (
                        sha.clone(),
                        (!line.contains('#')).then(|| format!(" # {reference}")),
                        format!("pin {repo}@{reference} to commit {sha}"),
                    )
                }
                Reference::Image { image, tag } => {
                    let digest = resolver.image_digest(image, tag)?;
                    let written = &line[range.clone()];
                    (
                        format!("{written}@{digest}"),
                        None,
                        format!("pin image {image}:{tag} to {digest}"),
                    )
                }
            };
            let mut edits = vec![Edit::replace(
                path,
                text.as_bytes(),
                offset + range.start..offset + range.end,
                replacement,
            )];
            if let Some(c) = comment {
                let end = offset + line.len();
                edits.push(Edit::replace(path, text.as_bytes(), end..end, c));
            }
            let subject = match reference {
                Reference::Action { repo, .. } => repo,
                Reference::Image { image, .. } => image,
            };
            return Ok(Some((
                Fix {
                    description: what,
                    edits,
                },
                subject,
            )));
        }
        offset += l.len();
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::Location;
    use rampart_core::testing::rule;

    struct Fake;
    impl Resolver for Fake {
        fn action_commit(&self, repo: &str, reference: &str) -> Result<String, String> {
            match (repo, reference) {
                ("actions/checkout", "v4") => Ok("11bd71901bbe5b1630ceea73d27597364c9af683".into()),
                _ => Err(format!("unknown {repo}@{reference}")),
            }
        }
        fn image_digest(&self, image: &str, tag: &str) -> Result<String, String> {
            Ok(format!(
                "sha256:{}",
                if image == "node" && tag == "20" {
                    "ab"
                } else {
                    "cd"
                }
            ))
        }
    }

    fn fixed(text: &str, line: usize, id: &str) -> String {
        let f = Finding::at(&rule(id, "t"), Location::line("f", line), "m");
        let (fix, _) = pin(&f, "f", text, &Fake).unwrap().unwrap();
        let edits: Vec<&Edit> = fix.edits.iter().collect();
        String::from_utf8(rampart_core::fix::apply(text.as_bytes(), &edits).unwrap()).unwrap()
    }

    #[test]
    fn pins_actions_with_the_tag_as_a_comment() {
        let wf = "steps:\n  - uses: actions/checkout@v4\n  - run: make\n";
        assert_eq!(
            fixed(wf, 2, "iac/gha-unpinned-uses"),
            "steps:\n  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4\n  - run: make\n"
        );
    }

    #[test]
    fn pins_images_keeping_the_tag() {
        assert_eq!(
            fixed(
                "FROM --platform=linux/amd64 node:20 AS build\n",
                1,
                "iac/docker-image-not-pinned-by-digest"
            ),
            "FROM --platform=linux/amd64 node:20@sha256:ab AS build\n"
        );
        assert_eq!(
            fixed(
                "services:\n  web:\n    image: \"nginx:1.25\"\n",
                2,
                "iac/compose-image-not-pinned-by-digest"
            ),
            "services:\n  web:\n    image: \"nginx:1.25@sha256:cd\"\n"
        );
        assert_eq!(
            split_tag("localhost:5000/team/app"),
            ("localhost:5000/team/app".into(), "latest".into())
        );
    }

    #[test]
    fn leaves_pinned_and_variable_references() {
        assert_eq!(
            find("  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"),
            None
        );
        assert_eq!(find("FROM ${BASE}"), None);
    }
}
