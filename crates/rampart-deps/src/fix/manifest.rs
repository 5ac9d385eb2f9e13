//! Where a manifest declares a package's version requirement: the byte range of the
//! requirement's text, found in the file as written so that rewriting it keeps every other byte
//! (formatting, comments, order).

use crate::Ecosystem;
use regex::Regex;
use std::ops::Range;

/// The manifest formats `rampart fix` rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manifest {
    /// npm, yarn, pnpm and bun's `package.json`.
    PackageJson,
    /// `requirements*.txt` (and pip-compile's `.in`).
    Requirements,
    /// `pyproject.toml`: PEP 621 lists and Poetry tables.
    Pyproject,
    /// Pipenv's `Pipfile`.
    Pipfile,
    /// `Cargo.toml`.
    CargoToml,
    /// `go.mod`.
    GoMod,
    /// Maven's `pom.xml`: dependencies and the properties their versions name.
    Pom,
    /// `build.gradle` and `build.gradle.kts`.
    Gradle,
    /// Bundler's `Gemfile`.
    Gemfile,
    /// `composer.json`.
    ComposerJson,
    /// `*.csproj` (and `.fsproj`, `.vbproj`) package references.
    Csproj,
}

impl Manifest {
    /// The format of a file, by its name.
    pub fn of(path: &str) -> Option<Manifest> {
        let name = path.rsplit('/').next().unwrap_or(path);
        Some(match name {
            "package.json" => Manifest::PackageJson,
            "pyproject.toml" => Manifest::Pyproject,
            "Pipfile" => Manifest::Pipfile,
            "Cargo.toml" => Manifest::CargoToml,
            "go.mod" => Manifest::GoMod,
            "pom.xml" => Manifest::Pom,
            "build.gradle" | "build.gradle.kts" => Manifest::Gradle,
            "Gemfile" | "gems.rb" => Manifest::Gemfile,
            "composer.json" => Manifest::ComposerJson,
            _ if name.ends_with(".csproj")
                || name.ends_with(".fsproj")
                || name.ends_with(".vbproj") =>
            {
                Manifest::Csproj
            }
            _ if name.starts_with("requirements")
                && (name.ends_with(".txt") || name.ends_with(".in")) =>
            {
                Manifest::Requirements
            }
            _ => return None,
        })
    }

    /// The ecosystem whose version ordering its requirements use.
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            Manifest::PackageJson => Ecosystem::Npm,
            Manifest::Requirements | Manifest::Pyproject | Manifest::Pipfile => Ecosystem::PyPI,
            Manifest::CargoToml => Ecosystem::CratesIo,
            Manifest::GoMod => Ecosystem::Go,
            Manifest::Pom | Manifest::Gradle => Ecosystem::Maven,
            Manifest::Gemfile => Ecosystem::RubyGems,
            Manifest::ComposerJson => Ecosystem::Packagist,
            Manifest::Csproj => Ecosystem::NuGet,
        }
    }
}

/// The byte ranges of `name`'s version requirements in `text`, a manifest of format `m`.
pub fn requirement_sites(m: Manifest, text: &str, name: &str) -> Vec<Range<usize>> {
    match m {
        Manifest::PackageJson => json_sites(
            text,
            name,
            &[
                "dependencies",
                "devDependencies",
                "optionalDependencies",
                "overrides",
                "resolutions",
            ],
        ),
        Manifest::ComposerJson => json_sites(text, name, &["require", "require-dev"]),
        Manifest::Requirements => pep508_sites(text, name, false),
        Manifest::Pyproject => {
            let mut v = pep508_sites(text, name, true);
            v.extend(toml_sites(text, &python_name(name)));
            v
        }
        Manifest::Pipfile => toml_sites(text, &python_name(name)),
        Manifest::CargoToml => toml_sites(text, &regex::escape(name)),
        Manifest::GoMod => captures(
            &format!(
                r"(?m)^[ \t]*(?:require[ \t]+)?{}[ \t]+(?P<spec>v[^\s/]+)",
                regex::escape(name)
            ),
            text,
        ),
        Manifest::Pom => pom_sites(text, name),
        Manifest::Gradle => gradle_sites(text, name),
        Manifest::Gemfile => captures(
            &format!(
                r#"(?m)^[ \t]*gem[ \t(]+['"]{}['"][ \t]*,[ \t]*['"](?P<spec>[^'"]+)['"]"#,
                regex::escape(name)
            ),
            text,
        ),
        Manifest::Csproj => csproj_sites(text, name),
    }
}

/// The range of the named group `spec` of every match of `re` in `text`.
fn captures(re: &str, text: &str) -> Vec<Range<usize>> {
    let Ok(re) = Regex::new(re) else {
        return Vec::new();
    };
    re.captures_iter(text)
        .filter_map(|c| c.name("spec").map(|m| m.range()))
        .collect()
}

/// A PyPI name as a regex that matches every spelling PEP 503 treats as the same name.
fn python_name(name: &str) -> String {
    let parts: Vec<String> = name
        .split(['-', '_', '.'])
        .map(|p| format!("(?i:{})", regex::escape(p)))
        .collect();
    parts.join("[-_.]+")
}

/// PEP 508 requirement strings: whole lines of a requirements file, or quoted strings of a
/// `pyproject.toml` list (`quoted`).
fn pep508_sites(text: &str, name: &str, quoted: bool) -> Vec<Range<usize>> {
    let n = python_name(name);
    let spec = r#"(?P<spec>[<>=!~]=?=?[ \t]*[^,;\s#'"\\]+(?:[ \t]*,[ \t]*[<>=!~]=?=?[ \t]*[^,;\s#'"\\]+)*)"#;
    let re = if quoted {
        format!(r#"["']{n}[ \t]*(?:\[[^\]]*\])?[ \t]*{spec}"#)
    } else {
        format!(r"(?m)^[ \t]*{n}[ \t]*(?:\[[^\]]*\])?[ \t]*{spec}")
    };
    captures(&re, text)
}

/// `name = "spec"` and `name = { version = "spec", … }` lines of a TOML manifest, and the
/// `version` line of a `[….dependencies.name]` table; `name` is a regex.
fn toml_sites(text: &str, name: &str) -> Vec<Range<usize>> {
    let mut out = captures(
        &format!(r#"(?m)^[ \t]*"?{name}"?[ \t]*=[ \t]*"(?P<spec>[^"]*)""#),
        text,
    );
    out.extend(captures(
        &format!(r#"(?m)^[ \t]*"?{name}"?[ \t]*=[ \t]*\{{[^}}\n]*\bversion[ \t]*=[ \t]*"(?P<spec>[^"]*)""#),
        text,
    ));
    out.extend(captures(
        &format!(
            r#"(?m)^[ \t]*\[[^\]\n]*dependencies\.{name}\][^\[]*?^[ \t]*version[ \t]*=[ \t]*"(?P<spec>[^"]*)""#
        ),
        text,
    ));
    out.sort_by_key(|r| r.start);
    out.dedup();
    out
}

/// `"name": "spec"` members of the objects under `sections` of a JSON manifest.
fn json_sites(text: &str, name: &str, sections: &[&str]) -> Vec<Range<usize>> {
    let member = Regex::new(&format!(
        r#""{}"\s*:\s*"(?P<spec>[^"]*)""#,
        regex::escape(name)
    ))
    .expect("escaped name");
    let mut out = Vec::new();
    for s in sections {
        for body in json_object_bodies(text, s) {
            for c in member.captures_iter(&text[body.clone()]) {
                if let Some(m) = c.name("spec") {
                    out.push(body.start + m.start()..body.start + m.end());
                }
            }
        }
    }
    out.sort_by_key(|r| r.start);
    out.dedup();
    out
}

/// The byte ranges inside the braces of every `"key": { … }` object of `text`.
pub(crate) fn json_object_bodies(text: &str, key: &str) -> Vec<Range<usize>> {
    let open = Regex::new(&format!(r#""{}"\s*:\s*\{{"#, regex::escape(key))).expect("escaped key");
    open.find_iter(text)
        .filter_map(|m| {
            let start = m.end();
            matching_brace(text, start).map(|end| start..end)
        })
        .collect()
}

/// The offset of the `}` closing the object whose body starts at `from`, skipping strings.
pub(crate) fn matching_brace(text: &str, from: usize) -> Option<usize> {
    let b = text.as_bytes();
    let (mut depth, mut i, mut in_str) = (1usize, from, false);
    while i < b.len() {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'{' if !in_str => depth += 1,
            b'}' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Maven coordinates `group:artifact` in `<dependency>` blocks; a `${property}` version is
/// followed to the property's definition.
fn pom_sites(text: &str, name: &str) -> Vec<Range<usize>> {
    let Some((group, artifact)) = name.split_once(':') else {
        return Vec::new();
    };
    let block = Regex::new(r"(?s)<dependency>.*?</dependency>").expect("static");
    let has = |b: &str, tag: &str, v: &str| {
        Regex::new(&format!(r"<{tag}>\s*{}\s*</{tag}>", regex::escape(v)))
            .expect("escaped")
            .is_match(b)
    };
    let version = Regex::new(r"<version>\s*(?P<spec>[^<]*?)\s*</version>").expect("static");
    let mut out = Vec::new();
    for m in block.find_iter(text) {
        let b = m.as_str();
        if !has(b, "groupId", group) || !has(b, "artifactId", artifact) {
            continue;
        }
        let Some(v) = version.captures(b).and_then(|c| c.name("spec")) else {
            continue;
        };
        let spec = v.as_str();
        match spec.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
            Some(prop) => out.extend(captures(
                &format!(
                    r"<{p}>\s*(?P<spec>[^<]*?)\s*</{p}>",
                    p = regex::escape(prop)
                ),
                text,
            )),
            None => out.push(m.start() + v.start()..m.start() + v.end()),
        }
    }
    out.sort_by_key(|r| r.start);
    out.dedup();
    out
}

/// `"group:artifact:version"` strings and `group: …, name: …, version: …` maps.
fn gradle_sites(text: &str, name: &str) -> Vec<Range<usize>> {
    let Some((group, artifact)) = name.split_once(':') else {
        return Vec::new();
    };
    let (g, a) = (regex::escape(group), regex::escape(artifact));
    let mut out = captures(&format!(r#"['"]{g}:{a}:(?P<spec>[^'":@$]+)['"@:]"#), text);
    out.extend(captures(
        &format!(
            r#"group\s*[:=]\s*['"]{g}['"]\s*,\s*name\s*[:=]\s*['"]{a}['"]\s*,\s*version\s*[:=]\s*['"](?P<spec>[^'"$]+)['"]"#
        ),
        text,
    ));
    out.sort_by_key(|r| r.start);
    out
}

/// `<PackageReference Include="name" Version="spec" />`, with the attributes in either order
/// or the version as a child element.
fn csproj_sites(text: &str, name: &str) -> Vec<Range<usize>> {
    let n = format!("(?i:{})", regex::escape(name));
    let mut out = captures(
        &format!(r#"<PackageReference\s+Include="{n}"[^>]*?\sVersion="(?P<spec>[^"]+)""#),
        text,
    );
    out.extend(captures(
        &format!(r#"<PackageReference\s+Version="(?P<spec>[^"]+)"\s+Include="{n}""#),
        text,
    ));
    out.extend(captures(
        &format!(
            r#"(?s)<PackageReference\s+Include="{n}"\s*>\s*<Version>(?P<spec>[^<]+)</Version>"#
        ),
        text,
    ));
    out.sort_by_key(|r| r.start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(m: Manifest, text: &str, name: &str) -> Vec<String> {
        requirement_sites(m, text, name)
            .into_iter()
            .map(|r| text[r].to_string())
            .collect()
    }

    #[test]
    fn finds_requirements_in_every_format() {
        let pj = r#"{"name": "app", "dependencies": {"lodash": "^4.17.15"}, "scripts": {"lodash": "x"}}"#;
        assert_eq!(specs(Manifest::PackageJson, pj, "lodash"), ["^4.17.15"]);
        let req = "Django==3.2.1 ; python_version>'3'  # web\nrequests[socks] >=2.19,<3\n";
        assert_eq!(specs(Manifest::Requirements, req, "django"), ["==3.2.1"]);
        assert_eq!(
            specs(Manifest::Requirements, req, "requests"),
            [">=2.19,<3"]
        );
        let py = "[project]\ndependencies = [\"PyYAML>=5.1\"]\n[tool.poetry.dependencies]\njinja2 = \"^2.10\"\nurllib3 = { version = \"^1.25\", optional = true }\n";
        assert_eq!(specs(Manifest::Pyproject, py, "pyyaml"), [">=5.1"]);
        assert_eq!(specs(Manifest::Pyproject, py, "Jinja2"), ["^2.10"]);
        assert_eq!(specs(Manifest::Pyproject, py, "urllib3"), ["^1.25"]);
        let cargo = "[dependencies]\ntime = \"0.3.20\"\nserde = { version = \"1.0\", features = [\"derive\"] }\n\n[dependencies.regex]\ndefault-features = false\nversion = \"1.5\"\n";
        assert_eq!(specs(Manifest::CargoToml, cargo, "time"), ["0.3.20"]);
        assert_eq!(specs(Manifest::CargoToml, cargo, "serde"), ["1.0"]);
        assert_eq!(specs(Manifest::CargoToml, cargo, "regex"), ["1.5"]);
        let gomod = "module x\n\nrequire (\n\tgolang.org/x/net v0.7.0 // indirect\n)\nrequire github.com/a/b v1.2.3\n";
        assert_eq!(
            specs(Manifest::GoMod, gomod, "golang.org/x/net"),
            ["v0.7.0"]
        );
        assert_eq!(specs(Manifest::GoMod, gomod, "github.com/a/b"), ["v1.2.3"]);
        let pom = "<properties><jackson.version>2.9.8</jackson.version></properties><dependencies><dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>${jackson.version}</version></dependency><dependency><groupId>org.yaml</groupId><artifactId>snakeyaml</artifactId><version>1.26</version></dependency></dependencies>";
        assert_eq!(
            specs(
                Manifest::Pom,
                pom,
                "com.fasterxml.jackson.core:jackson-databind"
            ),
            ["2.9.8"]
        );
        assert_eq!(specs(Manifest::Pom, pom, "org.yaml:snakeyaml"), ["1.26"]);
        let gradle = "dependencies {\n  implementation 'org.yaml:snakeyaml:1.26'\n  implementation(\"com.google.guava:guava:30.0-jre\")\n  compile group: 'log4j', name: 'log4j', version: '1.2.17'\n}\n";
        assert_eq!(
            specs(Manifest::Gradle, gradle, "org.yaml:snakeyaml"),
            ["1.26"]
        );
        assert_eq!(
            specs(Manifest::Gradle, gradle, "com.google.guava:guava"),
            ["30.0-jre"]
        );
        assert_eq!(specs(Manifest::Gradle, gradle, "log4j:log4j"), ["1.2.17"]);
        let gemfile = "source 'https://rubygems.org'\ngem 'rails', '~> 5.2.0'\ngem \"nokogiri\", \">= 1.10\", \"< 2\"\n";
        assert_eq!(specs(Manifest::Gemfile, gemfile, "rails"), ["~> 5.2.0"]);
        assert_eq!(specs(Manifest::Gemfile, gemfile, "nokogiri"), [">= 1.10"]);
        let composer = r#"{"require": {"php": ">=7.4", "guzzlehttp/guzzle": "^6.3"}}"#;
        assert_eq!(
            specs(Manifest::ComposerJson, composer, "guzzlehttp/guzzle"),
            ["^6.3"]
        );
        let csproj = r#"<ItemGroup><PackageReference Include="Newtonsoft.Json" Version="12.0.1" /><PackageReference Version="4.0.0" Include="System.Text.Encodings.Web" /></ItemGroup>"#;
        assert_eq!(
            specs(Manifest::Csproj, csproj, "newtonsoft.json"),
            ["12.0.1"]
        );
        assert_eq!(
            specs(Manifest::Csproj, csproj, "System.Text.Encodings.Web"),
            ["4.0.0"]
        );
    }

    #[test]
    fn names_are_matched_whole() {
        let pj = r#"{"dependencies": {"lodash.merge": "^4.6.0", "lodash": "^4.17.15"}}"#;
        assert_eq!(specs(Manifest::PackageJson, pj, "lodash"), ["^4.17.15"]);
        let req = "requests-oauthlib==1.0\nrequests==2.19.0\n";
        assert_eq!(specs(Manifest::Requirements, req, "requests"), ["==2.19.0"]);
    }
}
