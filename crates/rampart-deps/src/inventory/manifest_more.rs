//! Manifests read line by line: `Gemfile`, MSBuild projects, Gradle build scripts (see
//! [`super::manifest`]).

use super::ParseError;
use super::manifest::Manifest;
use crate::ecosystem::Ecosystem;
use crate::range::Syntax;

/// The quoted strings of a Ruby or Groovy line, in order (`'a'`, `"b"`), up to a `#` comment.
fn quoted(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => break,
            q @ (b'\'' | b'"') => match line[i + 1..].find(q as char) {
                Some(len) => {
                    out.push(&line[i + 1..i + 1 + len]);
                    i += len + 2;
                }
                None => break,
            },
            _ => i += 1,
        }
    }
    out
}

/// Gemfile: `gem 'name', '~> 1.0', '>= 1.0.1'`; entries in a `group :development`/`:test`
/// block are dev; `git:`/`path:`/`github:` gems are not from rubygems.org.
pub(super) fn gemfile(text: &str, m: &mut Manifest) {
    // Nesting of `do … end` blocks, and whether each is a development group.
    let mut blocks: Vec<bool> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line == "end" || line.starts_with("end ") {
            blocks.pop();
            continue;
        }
        let opens = line.ends_with(" do") || line.contains(" do |");
        if line.starts_with("group") && opens {
            let dev = line.contains(":development") || line.contains(":test");
            blocks.push(dev);
            continue;
        }
        if opens {
            blocks.push(blocks.last().copied().unwrap_or(false));
        }
        let Some(args) = line
            .strip_prefix("gem ")
            .or_else(|| line.strip_prefix("gem("))
        else {
            continue;
        };
        if args.contains("git:")
            || args.contains("path:")
            || args.contains("github:")
            || args.contains(":git =>")
            || args.contains(":path =>")
        {
            continue;
        }
        let q = quoted(args);
        let Some(name) = q.first() else {
            m.errors
                .push(ParseError::new(i + 1, "a `gem` line without a quoted name"));
            continue;
        };
        // Version clauses are the quoted strings before the first `key:` option.
        let before_opts = args.split(':').next().unwrap_or(args);
        let clauses: Vec<&str> = quoted(before_opts).into_iter().skip(1).collect();
        let dev = blocks.iter().any(|d| *d)
            || args.contains("group: :development")
            || args.contains("group: :test");
        let range = if clauses.is_empty() {
            ">= 0".to_string()
        } else {
            clauses.join(", ")
        };
        m.add(Ecosystem::RubyGems, Syntax::Ruby, name, &range, i + 1, dev);
    }
}

/// The value of `attr="…"` in an XML start tag (case-insensitive attribute name).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let key = format!("{} =", name.to_ascii_lowercase());
    let at = lower
        .find(&format!("{}=", name.to_ascii_lowercase()))
        .map(|i| i + name.len() + 1)
        .or_else(|| lower.find(&key).map(|i| i + key.len()))?;
    // Only a whole attribute name (not `VersionOverride` for `Version`).
    let start = at - name.len() - 1;
    if start > 0 && lower.as_bytes()[start - 1].is_ascii_alphanumeric() {
        return None;
    }
    let rest = tag[at..].trim_start();
    let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let end = rest[1..].find(q)?;
    Some(&rest[1..1 + end])
}

/// MSBuild: `<PackageReference Include="X" Version="1.2.3" />` (or a `<Version>` child), and
/// `<PackageVersion Include Version>` of central package management.
pub(super) fn msbuild(text: &str, m: &mut Manifest) {
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find('<') {
        let tag_start = offset + start;
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start + 1..start + end];
        let line = super::line_of(text, tag_start);
        let name = tag.split_whitespace().next().unwrap_or("");
        if name == "PackageReference"
            || name == "PackageVersion"
            || name == "GlobalPackageReference"
        {
            let include = attr(tag, "Include").or_else(|| attr(tag, "Update"));
            let mut version = attr(tag, "Version").map(str::to_string);
            if version.is_none() && !tag.ends_with('/') {
                // <PackageReference Include="X"><Version>1.0</Version></PackageReference>
                let after = &rest[start + end + 1..];
                let close = after.find(&format!("</{name}")).unwrap_or(after.len());
                let inner = &after[..close];
                if let Some(v) = inner.find("<Version>").and_then(|a| {
                    let s = &inner[a + 9..];
                    s.find("</Version>").map(|e| s[..e].trim().to_string())
                }) {
                    version = Some(v);
                }
            }
            if let Some(inc) = include {
                match version {
                    // `$(Property)` versions and centrally managed ones are read elsewhere.
                    Some(v) if !v.contains("$(") => {
                        m.add(Ecosystem::NuGet, Syntax::Interval, inc, &v, line, false)
                    }
                    _ => {}
                }
            }
        }
        offset += start + end + 1;
        rest = &rest[start + end + 1..];
    }
}

/// Gradle (Groovy or Kotlin DSL): `implementation 'g:a:1.2'`, `api("g:a:1.2")`,
/// `testImplementation "g:a:1.+"`; test configurations are dev.
pub(super) fn gradle(text: &str, m: &mut Manifest) {
    const CONFIGS: [&str; 12] = [
        "implementation",
        "api",
        "compile",
        "compileOnly",
        "runtimeOnly",
        "runtime",
        "annotationProcessor",
        "kapt",
        "testImplementation",
        "testCompile",
        "testRuntimeOnly",
        "androidTestImplementation",
    ];
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let Some(config) = CONFIGS.iter().find(|c| {
            line.strip_prefix(**c)
                .is_some_and(|r| r.starts_with([' ', '(', '\t', '"', '\'']))
        }) else {
            continue;
        };
        for coord in quoted(&line[config.len()..]) {
            let parts: Vec<&str> = coord.split(':').collect();
            let (group, artifact, version) = match parts.as_slice() {
                [g, a, v] | [g, a, v, _] => (*g, *a, *v),
                _ => continue,
            };
            let version = version.split('@').next().unwrap_or(version);
            if group.is_empty() || artifact.is_empty() || version.contains('$') {
                continue;
            }
            let range = match version {
                "latest.release" | "latest.integration" | "+" => "*",
                v => v,
            };
            let dev = config.starts_with("test") || config.starts_with("androidTest");
            m.add(
                Ecosystem::Maven,
                Syntax::Interval,
                &format!("{group}:{artifact}"),
                range,
                i + 1,
                dev,
            );
        }
    }
}
