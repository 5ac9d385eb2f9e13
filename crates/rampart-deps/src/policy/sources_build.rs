//! Origins written outside the JavaScript and Python lockfiles: Gemfile.lock (`GEM`/`GIT`/`PATH`
//! sections), composer.lock (`dist`, `source`, `notification-url`), Maven `pom.xml`
//! `<repositories>`, Gradle `repositories { … }`, `NuGet.config` `<packageSources>`, and the Go
//! module settings a repository writes for its builds (`GOPROXY`, `GONOSUMDB`, `GOSUMDB=off`,
//! `GOINSECURE`, `GOFLAGS=-insecure` in Dockerfiles, Makefiles, CI workflows and `.env` files).
//!
//! `packages.lock.json` (NuGet) records no sources and `gradle.lockfile` no repositories: their
//! sources are in `NuGet.config` and the Gradle build files read here.

use super::sources::{Kind, Origin, classify, origin};
use crate::ecosystem::Ecosystem;
use crate::inventory::LineFinder;
use serde_json::Value;

/// Longest line read.
const MAX_LINE: usize = 16 << 10;

/// Maven Central, what `mavenCentral()` stands for.
pub const MAVEN_CENTRAL: &str = "https://repo.maven.apache.org/maven2";

/// Whether a file name is read for build settings (not a lockfile): Gradle build scripts,
/// `NuGet.config`, and the files that set Go's module environment.
pub fn is_settings_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    is_gradle(name) || name.eq_ignore_ascii_case("nuget.config") || go_env_file(path)
}

fn is_gradle(name: &str) -> bool {
    matches!(
        name,
        "build.gradle" | "build.gradle.kts" | "settings.gradle" | "settings.gradle.kts"
    )
}

/// Files whose lines may set Go's module environment.
fn go_env_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("Dockerfile")
        || name.starts_with("Containerfile")
        || name.ends_with(".dockerfile")
        || matches!(
            name,
            "Makefile" | "makefile" | "GNUmakefile" | ".env" | ".envrc"
        )
        || name.ends_with(".mk")
        || name.ends_with(".env")
        || name == ".gitlab-ci.yml"
        || (path.contains(".github/workflows/")
            && (name.ends_with(".yml") || name.ends_with(".yaml")))
}

/// The origins of a settings file or of a lockfile read here; `None` when the name is none of
/// them.
pub(crate) fn read(path: &str, text: &str) -> Option<Vec<Origin>> {
    let name = path.rsplit('/').next().unwrap_or(path);
    Some(match name {
        "Gemfile.lock" => gemfile_lock(text),
        "composer.lock" => composer_lock(text),
        "pom.xml" => pom(text),
        _ if is_gradle(name) => gradle(text),
        _ if name.eq_ignore_ascii_case("nuget.config") => nuget_config(text),
        _ if go_env_file(path) => go_env(text),
        _ => return None,
    })
}

/// Gemfile.lock: each top-level spec (`    name (version)`) of a `GEM` (registry), `GIT` or
/// `PATH` section, with the section's `remote:`.
fn gemfile_lock(text: &str) -> Vec<Origin> {
    let mut out = Vec::new();
    let mut section = "";
    let mut remote = String::new();
    for (i, line) in text.lines().enumerate() {
        if line.len() > MAX_LINE {
            continue;
        }
        if !line.starts_with(' ') {
            section = line.trim();
            remote.clear();
            continue;
        }
        if let Some(r) = line.trim().strip_prefix("remote:") {
            remote = r.trim().to_string();
            continue;
        }
        // Specs are indented four spaces; their own dependencies six.
        let Some(spec) = line.strip_prefix("    ") else {
            continue;
        };
        if spec.starts_with(' ') || remote.is_empty() {
            continue;
        }
        let (name, version) = match spec.split_once(" (") {
            Some((n, v)) => (n.trim(), v.trim_end_matches(')')),
            None => (spec.trim(), ""),
        };
        let kind = match section {
            "GEM" => Kind::Registry(remote.clone()),
            "GIT" => Kind::Git(remote.clone()),
            "PATH" => Kind::Path(remote.clone()),
            _ => continue,
        };
        out.push(origin(Ecosystem::RubyGems, name, version, i + 1, kind));
    }
    out
}

/// composer.lock: a `path` dist is local; a package with a `notification-url` comes from that
/// repository (Packagist, a private Packagist or Satis: the dist URL is its download mirror,
/// often GitHub's zipballs); without one, a git `source` is a VCS repository and a dist URL
/// the archive's origin.
fn composer_lock(text: &str) -> Vec<Origin> {
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let mut lines = LineFinder::new(text);
    let mut out = Vec::new();
    for section in ["packages", "packages-dev"] {
        for p in doc
            .get(section)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let s = |a: &str, b: &str| p.get(a).and_then(|x| x.get(b)).and_then(Value::as_str);
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                continue;
            };
            let version = p.get("version").and_then(Value::as_str).unwrap_or("");
            let notification = p.get("notification-url").and_then(Value::as_str);
            let kind = if s("dist", "type") == Some("path") {
                Kind::Path(s("dist", "url").unwrap_or("").to_string())
            } else if let Some(n) = notification {
                let repo = n.trim_end_matches('/').trim_end_matches("/downloads");
                if repo.contains("://packagist.org") {
                    Kind::Registry("https://repo.packagist.org".into())
                } else {
                    Kind::Registry(repo.to_string())
                }
            } else if s("source", "type") == Some("git") {
                Kind::Git(s("source", "url").unwrap_or("").to_string())
            } else if let Some(u) = s("dist", "url") {
                classify(u)
            } else {
                continue;
            };
            let line = lines.find(&format!("\"{name}\""));
            out.push(origin(Ecosystem::Packagist, name, version, line, kind));
        }
    }
    out
}

/// The line (1-based) of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// Maven `pom.xml`: every `<url>` inside `<repositories>` and `<pluginRepositories>`.
fn pom(text: &str) -> Vec<Origin> {
    let mut out = Vec::new();
    for (open, close) in [
        ("<repositories>", "</repositories>"),
        ("<pluginRepositories>", "</pluginRepositories>"),
    ] {
        let mut from = 0;
        while let Some(s) = text[from..].find(open).map(|s| s + from) {
            let end = text[s..].find(close).map(|e| e + s).unwrap_or(text.len());
            let block = &text[s..end];
            let mut at = 0;
            while let Some(u) = block[at..].find("<url>").map(|u| u + at) {
                let v_start = u + "<url>".len();
                let Some(v_end) = block[v_start..].find("</url>").map(|e| e + v_start) else {
                    break;
                };
                let url = block[v_start..v_end].trim();
                if !url.is_empty() && !url.contains("${") {
                    out.push(origin(
                        Ecosystem::Maven,
                        "",
                        "",
                        line_of(text, s + u),
                        classify(url),
                    ));
                }
                at = v_end;
            }
            from = end.max(s + 1);
        }
    }
    out
}

/// The first quoted string of a line (`'…'` or `"…"`).
fn quoted(line: &str) -> Option<&str> {
    let start = line.find(['"', '\''])?;
    let q = &line[start..start + 1];
    let rest = &line[start + 1..];
    rest.find(q).map(|e| &rest[..e])
}

/// Gradle `repositories { … }` blocks (Groovy and Kotlin DSL): the well-known repository
/// functions, `mavenLocal()` and `flatDir` (local), and the URL of `maven { url … }` /
/// `maven("…")` / `ivy { url … }`.
fn gradle(text: &str) -> Vec<Origin> {
    let mut out = Vec::new();
    let mut depth = 0i32; // brace depth inside a repositories block; 0 = outside
    let eco = Ecosystem::Maven;
    for (i, raw) in text.lines().enumerate() {
        if raw.len() > MAX_LINE {
            continue;
        }
        let line = strip_line_comment(raw);
        if depth == 0 {
            if let Some(at) = line.find("repositories")
                && line[at..].contains('{')
            {
                let after = &line[at..];
                depth = after.matches('{').count() as i32 - after.matches('}').count() as i32;
                // A one-line block: read what it holds.
                if depth <= 0 {
                    depth = 0;
                    gradle_line(after, i + 1, eco, &mut out);
                    continue;
                }
                gradle_line(after, i + 1, eco, &mut out);
            }
            continue;
        }
        gradle_line(line, i + 1, eco, &mut out);
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        if depth <= 0 {
            depth = 0;
        }
    }
    out
}

/// A line without its `//` comment (a `//` after `:` is part of a URL).
fn strip_line_comment(line: &str) -> &str {
    let cut = line
        .match_indices("//")
        .find(|(at, _)| !line[..*at].ends_with(':'))
        .map(|(at, _)| at);
    &line[..cut.unwrap_or(line.len())]
}

fn gradle_line(line: &str, n: usize, eco: Ecosystem, out: &mut Vec<Origin>) {
    let known = [
        ("mavenCentral(", Kind::Registry(MAVEN_CENTRAL.into())),
        (
            "google(",
            Kind::Registry("https://dl.google.com/dl/android/maven2".into()),
        ),
        (
            "gradlePluginPortal(",
            Kind::Registry("https://plugins.gradle.org/m2".into()),
        ),
        (
            "jcenter(",
            Kind::Registry("https://jcenter.bintray.com".into()),
        ),
        ("mavenLocal(", Kind::Path("~/.m2/repository".into())),
    ];
    for (call, kind) in known {
        if line.contains(call) {
            out.push(origin(eco, "", "", n, kind));
        }
    }
    let t = line.trim_start();
    if t.starts_with("flatDir") || t.starts_with("dirs") {
        if let Some(d) = quoted(t) {
            out.push(origin(eco, "", "", n, Kind::Path(d.to_string())));
        }
        return;
    }
    let names_url = ["maven(", "maven (", "setUrl("]
        .iter()
        .any(|k| t.contains(k))
        || t.match_indices("url").any(|(at, _)| {
            let before = t[..at].chars().last();
            let after = t[at + 3..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && matches!(after, Some(' ' | '=' | '('))
        });
    if names_url
        && let Some(u) = quoted(t)
        && !u.contains('$')
    {
        out.push(origin(eco, "", "", n, classify(u)));
    }
}

/// `NuGet.config`: the `value` of each `<add>` inside `<packageSources>` (URLs, or local
/// folders).
fn nuget_config(text: &str) -> Vec<Origin> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let Some(s) = lower.find("<packagesources") else {
        return out;
    };
    let end = lower[s..]
        .find("</packagesources>")
        .map(|e| e + s)
        .unwrap_or(text.len());
    let mut at = s;
    while let Some(a) = lower[at..end].find("<add").map(|a| a + at) {
        let tag_end = lower[a..end].find('>').map(|e| e + a).unwrap_or(end);
        let tag = &text[a..tag_end];
        let tag_lower = &lower[a..tag_end];
        if let Some(v) = tag_lower.find("value=") {
            let rest = &tag[v + "value=".len()..];
            if let Some(value) = quoted(rest)
                && !value.is_empty()
            {
                let kind = if value.contains("://") {
                    classify(value)
                } else {
                    Kind::Path(value.to_string())
                };
                out.push(origin(Ecosystem::NuGet, "", "", line_of(text, a), kind));
            }
        }
        at = tag_end.max(a + 1);
    }
    out
}

/// Go's module settings written in a file: the value set for `name` on a line (`ENV
/// GOPROXY=…`, `ENV GOPROXY …`, `export GOPROXY ?= …`, `GOPROXY: …` in YAML, `GOPROXY=…`).
fn setting<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let at = line.find(name)?;
    if line[..at]
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '{')
    {
        return None;
    }
    let rest = &line[at + name.len()..];
    let rest = rest.trim_start();
    let rest = ["?=", ":=", "+=", "=", ":"]
        .iter()
        .find_map(|op| rest.strip_prefix(op))
        .or_else(|| line.trim_start().starts_with("ENV ").then_some(rest))?;
    // `NAME=value` (shell, Dockerfile `ENV`) ends at white space; make's and YAML's
    // assignments run to the end of the line.
    let to_end = !line[at + name.len()..].trim_start().starts_with('=')
        && !line.trim_start().starts_with("ENV ");
    let rest = rest.trim_start();
    let value = if let Some(q) = rest.strip_prefix(['"', '\'']) {
        let close = rest.chars().next()?;
        q.split(close).next().unwrap_or("")
    } else if to_end {
        rest.split(" #").next().unwrap_or(rest).trim_end()
    } else {
        rest.split_whitespace().next().unwrap_or("")
    };
    (!value.is_empty() && !value.starts_with('$')).then_some(value)
}

/// `GOPROXY` proxies (a URL: a registry; `direct`: the modules' own repositories), and the
/// settings that turn off checksum or TLS verification.
fn go_env(text: &str) -> Vec<Origin> {
    let mut out = Vec::new();
    if !text.contains("GO") {
        return out;
    }
    let eco = Ecosystem::Go;
    for (i, line) in text.lines().enumerate() {
        if line.len() > MAX_LINE || line.trim_start().starts_with('#') {
            continue;
        }
        let n = i + 1;
        if let Some(v) = setting(line, "GOPROXY") {
            for p in v.split([',', '|']).map(str::trim) {
                match p {
                    "" | "off" => {}
                    "direct" => out.push(origin(
                        eco,
                        "Go modules (GOPROXY)",
                        "",
                        n,
                        Kind::Git("direct (each module's own repository)".into()),
                    )),
                    url => out.push(origin(eco, "Go modules (GOPROXY)", "", n, classify(url))),
                }
            }
        }
        for (name, off) in [
            ("GOSUMDB", "off"),
            ("GONOSUMDB", ""),
            ("GONOSUMCHECK", ""),
            ("GOINSECURE", ""),
        ] {
            if let Some(v) = setting(line, name)
                && (off.is_empty() || v == off)
            {
                let tls = name == "GOINSECURE";
                out.push(origin(
                    eco,
                    "Go modules",
                    "",
                    n,
                    Kind::Unverified {
                        setting: format!("{name}={v}"),
                        tls,
                    },
                ));
            }
        }
        if let Some(v) = setting(line, "GOFLAGS")
            && v.split_whitespace().any(|f| f == "-insecure")
        {
            out.push(origin(
                eco,
                "Go modules",
                "",
                n,
                Kind::Unverified {
                    setting: format!("GOFLAGS={v}"),
                    tls: true,
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::sources::brief;

    #[test]
    fn gemfile_sections() {
        let text = "GIT\n  remote: https://github.com/o/fork.git\n  revision: abc\n  specs:\n    fork (1.0.0)\n      rack\n\nPATH\n  remote: ../engine\n  specs:\n    engine (0.1.0)\n\nGEM\n  remote: https://gems.corp.example/\n  specs:\n    rack (2.2.3)\n\nPLATFORMS\n  ruby\n";
        assert_eq!(
            brief(&gemfile_lock(text)),
            [
                (
                    "fork",
                    5,
                    &Kind::Git("https://github.com/o/fork.git".into())
                ),
                ("engine", 11, &Kind::Path("../engine".into())),
                (
                    "rack",
                    16,
                    &Kind::Registry("https://gems.corp.example/".into())
                ),
            ]
        );
    }

    #[test]
    fn composer_dist_source_and_paths() {
        let text = r#"{"packages": [
 {"name": "a/public", "version": "1.0.0", "dist": {"type": "zip", "url": "https://api.github.com/repos/a/public/zipball/x"}, "notification-url": "https://packagist.org/downloads/"},
 {"name": "b/private", "version": "1.0.0", "dist": {"type": "zip", "url": "https://repo.corp.example/dist/b.zip"}, "notification-url": "https://repo.corp.example/downloads/"},
 {"name": "c/vcs", "version": "dev-main", "source": {"type": "git", "url": "https://github.com/c/vcs.git", "reference": "abc"}},
 {"name": "d/local", "version": "dev-main", "dist": {"type": "path", "url": "../d"}}
], "packages-dev": []}"#;
        assert_eq!(
            brief(&composer_lock(text)),
            [
                (
                    "a/public",
                    2,
                    &Kind::Registry("https://repo.packagist.org".into())
                ),
                (
                    "b/private",
                    3,
                    &Kind::Registry("https://repo.corp.example".into())
                ),
                (
                    "c/vcs",
                    4,
                    &Kind::Git("https://github.com/c/vcs.git".into())
                ),
                ("d/local", 5, &Kind::Path("../d".into())),
            ]
        );
        assert!(composer_lock("{not json").is_empty());
    }

    #[test]
    fn maven_and_gradle_repositories() {
        let pom_text = "<project>\n  <repositories>\n    <repository>\n      <id>corp</id>\n      <url>https://maven.corp.example/releases</url>\n    </repository>\n  </repositories>\n  <pluginRepositories><pluginRepository><url>http://plugins.example/m2</url></pluginRepository></pluginRepositories>\n  <distributionManagement><repository><url>https://ignored.example</url></repository></distributionManagement>\n</project>\n";
        assert_eq!(
            brief(&pom(pom_text)),
            [
                (
                    "",
                    5,
                    &Kind::Registry("https://maven.corp.example/releases".into())
                ),
                ("", 8, &Kind::Registry("http://plugins.example/m2".into())),
            ]
        );
        let groovy = "plugins { id 'java' }\nrepositories {\n    mavenCentral()\n    mavenLocal()\n    maven { url 'https://maven.corp.example/m2' }\n    maven {\n        url = uri(\"https://other.example/m2\")\n    }\n    flatDir { dirs 'libs' }\n}\ndependencies { implementation 'a:b:1.0' }\n";
        assert_eq!(
            brief(&gradle(groovy)),
            [
                ("", 3, &Kind::Registry(MAVEN_CENTRAL.into())),
                ("", 4, &Kind::Path("~/.m2/repository".into())),
                (
                    "",
                    5,
                    &Kind::Registry("https://maven.corp.example/m2".into())
                ),
                ("", 7, &Kind::Registry("https://other.example/m2".into())),
                ("", 9, &Kind::Path("libs".into())),
            ]
        );
        let kts = "dependencyResolutionManagement {\n  repositories { google(); maven(\"https://jitpack.io\") }\n}\n";
        assert_eq!(
            brief(&gradle(kts)),
            [
                (
                    "",
                    2,
                    &Kind::Registry("https://dl.google.com/dl/android/maven2".into())
                ),
                ("", 2, &Kind::Registry("https://jitpack.io".into())),
            ]
        );
    }

    #[test]
    fn nuget_package_sources() {
        let text = "<?xml version=\"1.0\"?>\n<configuration>\n  <packageSources>\n    <clear />\n    <add key=\"nuget.org\" value=\"https://api.nuget.org/v3/index.json\" protocolVersion=\"3\" />\n    <add key=\"local\"\n         value=\"./packages\" />\n  </packageSources>\n  <disabledPackageSources><add key=\"x\" value=\"true\" /></disabledPackageSources>\n</configuration>\n";
        assert_eq!(
            brief(&nuget_config(text)),
            [
                (
                    "",
                    5,
                    &Kind::Registry("https://api.nuget.org/v3/index.json".into())
                ),
                ("", 6, &Kind::Path("./packages".into())),
            ]
        );
    }

    #[test]
    fn go_settings_in_dockerfiles_makefiles_and_workflows() {
        let docker = "FROM golang:1.22\nENV GOPROXY=https://goproxy.corp.example,direct GOFLAGS=-mod=mod\nENV GONOSUMDB corp.example/*\nARG GOPROXY\nRUN go build ./...\n";
        let o = go_env(docker);
        assert_eq!(
            brief(&o),
            [
                (
                    "Go modules (GOPROXY)",
                    2,
                    &Kind::Registry("https://goproxy.corp.example".into())
                ),
                (
                    "Go modules (GOPROXY)",
                    2,
                    &Kind::Git("direct (each module's own repository)".into())
                ),
                (
                    "Go modules",
                    3,
                    &Kind::Unverified {
                        setting: "GONOSUMDB=corp.example/*".into(),
                        tls: false
                    }
                ),
            ]
        );
        let make = "export GOPROXY ?= https://proxy.golang.org\nGOFLAGS := -insecure -mod=vendor\n# GOSUMDB=off\nbuild:\n\tGOSUMDB=off go build\n";
        assert_eq!(
            brief(&go_env(make)),
            [
                (
                    "Go modules (GOPROXY)",
                    1,
                    &Kind::Registry("https://proxy.golang.org".into())
                ),
                (
                    "Go modules",
                    2,
                    &Kind::Unverified {
                        setting: "GOFLAGS=-insecure -mod=vendor".into(),
                        tls: true
                    }
                ),
                (
                    "Go modules",
                    5,
                    &Kind::Unverified {
                        setting: "GOSUMDB=off".into(),
                        tls: false
                    }
                ),
            ]
        );
        let workflow = "jobs:\n  build:\n    env:\n      GOPROXY: \"https://goproxy.io\"\n      GOINSECURE: corp.example\n      OTHER: ${{ env.GOPROXY }}\n";
        assert_eq!(go_env(workflow).len(), 2);
        assert!(go_env("MYGOPROXY=http://x\n").is_empty());
        assert!(is_settings_file(".github/workflows/ci.yml"));
        assert!(is_settings_file("svc/Dockerfile.prod"));
        assert!(is_settings_file("NuGet.Config"));
        assert!(!is_settings_file("docs/ci.yml"));
    }

    #[test]
    fn odd_input_does_not_panic() {
        for t in [
            "<repositories><url>",
            "<repositories><url>x</url",
            "repositories {\n maven { url '",
            "<packageSources><add value=\"",
            "<packageSources><add value=",
            "GOPROXY=",
            "GOPROXY=\"",
            "ENV GOPROXY",
            "GEM\n  remote:\n    x (",
        ] {
            pom(t);
            gradle(t);
            nuget_config(t);
            go_env(t);
            gemfile_lock(t);
            composer_lock(t);
        }
    }
}
