//! Every lockfile parser on a realistic file and on malformed input.

use rampart_deps::inventory::{Lockfile, parse};

fn data(name: &str) -> String {
    let p = format!("{}/tests/data/lockfiles/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn lock(as_name: &str, file: &str) -> Lockfile {
    let text = data(file);
    let include = |n: &str| {
        std::fs::read(format!(
            "{}/tests/data/lockfiles/{n}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .ok()
    };
    let lf = parse(as_name, text.as_bytes(), Some(&include)).expect("known lockfile");
    assert!(lf.errors.is_empty(), "{file}: {:?}", lf.errors);
    lf
}

/// (name, version, line, direct, dev) of a package.
type Row = (String, String, usize, Option<bool>, Option<bool>);

/// The rows of every package.
fn summary(lf: &Lockfile) -> Vec<Row> {
    lf.packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.line, p.direct, p.dev))
        .collect()
}

fn row(n: &str, v: &str, line: usize, direct: Option<bool>, dev: Option<bool>) -> Row {
    (n.into(), v.into(), line, direct, dev)
}

const T: Option<bool> = Some(true);
const F: Option<bool> = Some(false);
const U: Option<bool> = None;

#[test]
fn cargo_lock() {
    let lf = lock("Cargo.lock", "Cargo.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("libc", "0.2.150", 13, F, U),
            row("smallvec", "1.6.0", 19, T, U),
            row("time", "0.1.45", 25, T, U)
        ]
    );
    assert_eq!(lf.packages[0].purl(), "pkg:cargo/libc@0.2.150");
    let paths = lf.dependency_paths();
    let names: Vec<&str> = paths
        .path(0)
        .0
        .iter()
        .map(|&i| lf.packages[i].name.as_str())
        .collect();
    assert_eq!(names, ["time", "libc"]);
}

#[test]
fn package_lock_v3() {
    let lf = lock("package-lock.json", "package-lock.json");
    assert_eq!(
        summary(&lf),
        vec![
            row("@babel/core", "7.24.0", 35, F, T),
            row("express", "4.17.1", 17, T, F),
            row("jest", "29.7.0", 26, T, T),
            row("qs", "6.7.0", 31, F, F),
        ]
    );
    assert_eq!(lf.packages[0].purl(), "pkg:npm/%40babel/core@7.24.0");
    assert_eq!(lf.packages[1].license.as_deref(), Some("MIT"));
    let paths = lf.dependency_paths();
    assert_eq!(paths.path(3), (vec![1, 3], false));
}

#[test]
fn shrinkwrap_v1() {
    let lf = lock("npm-shrinkwrap.json", "npm-shrinkwrap.json");
    assert_eq!(lf.format, "package-lock.json v1");
    assert_eq!(
        summary(&lf),
        vec![
            row("lodash", "4.17.15", 7, U, F),
            row("mocha", "8.0.0", 12, U, T),
            row("debug", "4.1.1", 19, U, T)
        ]
    );
}

#[test]
fn yarn_classic_and_berry() {
    let lf = lock("yarn.lock", "yarn.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("@babel/code-frame", "7.12.13", 5, U, U),
            row("@babel/highlight", "7.13.10", 12, U, U),
            row("minimist", "1.2.5", 17, U, U),
        ]
    );
    assert_eq!(lf.packages[0].dependencies[0].name, "@babel/highlight");
    let lf = lock("yarn.lock", "berry-yarn.lock");
    assert_eq!(summary(&lf), vec![row("lodash", "4.17.20", 16, U, U)]);
}

#[test]
fn pnpm_v9_and_v6() {
    let lf = lock("pnpm-lock.yaml", "pnpm-lock.yaml");
    assert_eq!(
        summary(&lf),
        vec![
            row("@types/node", "20.11.5", 21, T, T),
            row("axios", "0.21.1", 24, T, F),
            row("follow-redirects", "1.14.0", 27, F, U),
        ]
    );
    assert_eq!(lf.packages[1].dependencies[0].name, "follow-redirects");
    let lf = lock("pnpm-lock.yaml", "pnpm6-lock.yaml");
    assert_eq!(summary(&lf), vec![row("lodash", "4.17.20", 10, T, F)]);
}

#[test]
fn bun_lock() {
    let lf = lock("bun.lock", "bun.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("lodash", "4.17.20", 15, T, F),
            row("typescript", "5.4.5", 16, T, T)
        ]
    );
}

#[test]
fn requirements_txt() {
    let lf = lock("requirements.txt", "requirements.txt");
    let rows: Vec<_> = lf
        .packages
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.version.as_str(),
                p.line,
                p.unpinned.is_some(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("urllib3", "1.26.4", 1, false),
            ("django", "3.2.0", 3, false),
            ("jinja2", "2.10.1", 5, false),
            ("requests", "", 6, true),
            ("PyYAML", "5.3.1", 7, false),
        ]
    );
    assert_eq!(lf.packages[4].purl(), "pkg:pypi/pyyaml@5.3.1");
    // The included entry keeps its own file and line; markers are kept.
    assert_eq!(lf.packages[0].file.as_deref(), Some("requirements-base.in"));
    assert_eq!(lf.packages[1].file, None);
    assert_eq!(
        lf.packages[2].marker.as_deref(),
        Some(r#"python_version >= "3.6""#)
    );
}

#[test]
fn requirements_includes_and_constraints() {
    let files: std::collections::HashMap<&str, &str> = [
        ("sub/base.txt", "-r ../common/shared.txt\nflask==2.0.0\n"),
        ("common/shared.txt", "-r ../sub/base.txt\nidna==2.8\n"),
        (
            "constraints.txt",
            "requests==2.19.0\nnumpy>=1.0\nrequests2==1.0\n",
        ),
    ]
    .into_iter()
    .collect();
    let include = |n: &str| files.get(n).map(|t| t.as_bytes().to_vec());
    let text = "-r sub/base.txt\n-c constraints.txt\nrequests\nnumpy\n";
    let lf = parse("requirements.txt", text.as_bytes(), Some(&include)).unwrap();
    assert!(lf.errors.is_empty(), "{:?}", lf.errors);
    let rows: Vec<_> = lf
        .packages
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.version.as_str(),
                p.file.as_deref(),
                p.line,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("idna", "2.8", Some("common/shared.txt"), 2),
            ("flask", "2.0.0", Some("sub/base.txt"), 2),
            // pinned by the constraints file, located where the pin is
            ("requests", "2.19.0", Some("constraints.txt"), 1),
            ("numpy", "", None, 4),
        ]
    );
    assert!(lf.packages[3].unpinned.is_some());
    // An unreadable include is an error at the including line.
    let lf = parse(
        "requirements.txt",
        b"-r sub/base.txt\n-r nope.txt\n",
        Some(&include),
    )
    .unwrap();
    assert_eq!(lf.errors.len(), 1);
    assert_eq!(lf.errors[0].line, 2);
}

#[test]
fn python_lockfiles() {
    let lf = lock("poetry.lock", "poetry.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("jinja2", "2.10.1", 3, U, U),
            row("markupsafe", "2.1.5", 16, U, U),
            row("pytest", "8.1.1", 24, U, T)
        ]
    );
    let lf = lock("Pipfile.lock", "Pipfile.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("requests", "2.19.1", 8, U, F),
            row("pytest", "8.1.1", 15, U, T)
        ]
    );
    let lf = lock("uv.lock", "uv.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("pytest", "8.1.1", 17, T, T),
            row("requests", "2.19.1", 22, T, F),
            row("urllib3", "1.26.4", 30, F, U)
        ]
    );
    let lf = lock("pdm.lock", "pdm.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("requests", "2.19.1", 6, U, F),
            row("urllib3", "1.23", 15, U, F)
        ]
    );
    let lf = lock("pylock.toml", "pylock.toml");
    assert_eq!(
        summary(&lf),
        vec![
            row("requests", "2.19.1", 5, U, U),
            row("urllib3", "1.26.4", 10, U, U)
        ]
    );
}

#[test]
fn go_mod() {
    let lf = lock("go.mod", "go.mod");
    assert_eq!(
        summary(&lf),
        vec![
            row("stdlib", "1.21.0", 5, T, U),
            row("github.com/gin-gonic/gin", "v1.6.0", 8, T, U),
            row("golang.org/x/text", "v0.3.5", 9, F, U),
            row("github.com/pkg/errors", "v0.9.1", 13, T, U),
        ]
    );
    assert_eq!(
        lf.packages[1].purl(),
        "pkg:golang/github.com/gin-gonic/gin@v1.6.0"
    );
}

#[test]
fn jvm() {
    let lf = lock("pom.xml", "pom.xml");
    assert_eq!(
        summary(&lf),
        vec![
            row(
                "com.fasterxml.jackson.core:jackson-databind",
                "2.9.8",
                20,
                T,
                F
            ),
            row("org.apache.logging.log4j:log4j-core", "2.14.1", 25, T, F),
            row("junit:junit", "4.13.2", 29, T, T),
        ]
    );
    assert_eq!(
        lf.packages[0].purl(),
        "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.8"
    );
    let lf = lock("gradle.lockfile", "gradle.lockfile");
    assert_eq!(
        summary(&lf),
        vec![
            row("com.google.guava:guava", "31.1-jre", 4, U, F),
            row("org.apache.logging.log4j:log4j-core", "2.14.1", 5, U, F),
            row("junit:junit", "4.13.2", 6, U, T),
        ]
    );
}

#[test]
fn other_ecosystems() {
    let lf = lock("Gemfile.lock", "Gemfile.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("nokogiri", "1.13.10", 4, T, U),
            row("racc", "1.6.2", 6, F, U),
            row("rack", "2.2.3", 7, T, U)
        ]
    );
    let lf = lock("composer.lock", "composer.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("guzzlehttp/guzzle", "7.4.0", 6, U, F),
            row("guzzlehttp/psr7", "2.1.0", 12, U, F),
            row("phpunit/phpunit", "9.5.10", 19, U, T),
        ]
    );
    assert_eq!(lf.packages[0].dependencies.len(), 1);
    let lf = lock("packages.lock.json", "packages.lock.json");
    assert_eq!(
        summary(&lf),
        vec![
            row("Newtonsoft.Json", "12.0.1", 5, T, U),
            row("System.Text.Json", "4.7.0", 11, F, U)
        ]
    );
    let lf = lock("mix.lock", "mix.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("cowboy", "2.9.0", 2, U, U),
            row("cowlib", "2.11.0", 3, U, U)
        ]
    );
    assert_eq!(lf.packages[0].dependencies[0].name, "cowlib");
    let lf = lock("pubspec.lock", "pubspec.lock");
    assert_eq!(
        summary(&lf),
        vec![
            row("http", "0.13.2", 4, T, F),
            row("test", "1.24.9", 12, T, T),
            row("path", "1.8.3", 19, F, F)
        ]
    );
    let lf = lock("Package.resolved", "Package.resolved");
    assert_eq!(
        summary(&lf),
        vec![row("github.com/apple/swift-nio", "2.40.0", 7, U, U)]
    );
    assert_eq!(
        lf.packages[0].purl(),
        "pkg:swift/github.com/apple/swift-nio@2.40.0"
    );
}

/// Malformed input: a clear error with its line, never a panic.
#[test]
fn malformed_lockfiles_report_the_line() {
    let cases: &[(&str, &str, usize)] = &[
        (
            "Cargo.lock",
            "version = 3\n\n[[package]]\nname = \"x\"\nversion = \n",
            5,
        ),
        (
            "Cargo.lock",
            "[[package]]\nname = \"x\"\nsource = \"registry+x\"\n",
            1,
        ),
        (
            "package-lock.json",
            "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\n      \"version\": 1.0.0\n",
            5,
        ),
        (
            "package-lock.json",
            "{\n \"lockfileVersion\": 3,\n \"packages\": {\n  \"node_modules/a\": {\n  }\n }\n}\n",
            4,
        ),
        (
            "yarn.lock",
            "lodash@^4.0.0:\n  version \"4.17.20\"\n  integrity sha512-x\nbroken line\n",
            4,
        ),
        ("yarn.lock", "lodash@^4.0.0:\n  resolved \"https://x\"\n", 1),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: x}\n   bad: indent\n",
            5,
        ),
        // An unclosed flow mapping: the YAML parser reports where the file ends.
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: x\n",
            5,
        ),
        (
            "bun.lock",
            "{\n  \"packages\": {\n    \"a\": [\"a@1.0.0\", \"\", {}\n  }\n}\n",
            4,
        ),
        ("requirements.txt", "django==3.2\n[broken\n", 2),
        ("requirements-dev.txt", "flask==2.0.0\n-r\n", 2),
        (
            "poetry.lock",
            "[[package]]\nname = \"a\"\nversion = \"1.0\"\n[[package]\n",
            4,
        ),
        (
            "Pipfile.lock",
            "{\n \"default\": {\n  \"a\": {\"version\": \"==1.0\"},\n }\n",
            4,
        ),
        (
            "uv.lock",
            "[[package]]\nname = \"a\"\nsource = { registry = \"x\" }\n",
            1,
        ),
        ("pdm.lock", "[[package]]\nversion = \"1.0\"\n", 1),
        ("pylock.toml", "[[packages]]\nname = \"a\"\n", 1),
        ("go.mod", "module x\n\nrequire (\n\tgithub.com/a/b\n)\n", 4),
        (
            "go.mod",
            "module x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n",
            3,
        ),
        (
            "pom.xml",
            "<project>\n  <dependencies>\n    <dependency>\n      <groupId>a</groupId>\n    </dependencies>\n</project>\n",
            5,
        ),
        (
            "gradle.lockfile",
            "# header\ncom.example:lib=compileClasspath\n",
            2,
        ),
        ("Gemfile.lock", "GEM\n  specs:\n    rack 2.2.3\n", 3),
        (
            "composer.lock",
            "{\n  \"packages\": [\n    {\"name\": \"a/b\"}\n  ]\n}\n",
            3,
        ),
        (
            "packages.lock.json",
            "{\n  \"version\": 1,\n  \"dependencies\": {\n    \"net6.0\": {\n      \"A\": {\"type\": \"Direct\"}\n    }\n  }\n}\n",
            5,
        ),
        ("mix.lock", "%{\n  \"a\" {:hex, :a, \"1.0.0\"},\n}\n", 2),
        (
            "pubspec.lock",
            "packages:\n  http:\n    dependency: \"direct main\"\n    source: hosted\n",
            2,
        ),
        (
            "Package.resolved",
            "{\n  \"pins\": [\n    {\"location\": \"https://github.com/a/b\", \"state\": {\"version\": \"1.0.0\"}\n  ]\n}\n",
            4,
        ),
    ];
    let mut problems = Vec::new();
    for (name, text, line) in cases {
        let lf = parse(name, text.as_bytes(), None).expect("known lockfile");
        match lf.errors.first() {
            Some(e) if e.line == *line && !e.message.is_empty() => {}
            other => problems.push(format!(
                "{name}: want an error at line {line}, got {other:?}\n{text}"
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Invalid UTF-8 and binary junk do not panic.
    for name in [
        "Cargo.lock",
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "go.mod",
        "pom.xml",
    ] {
        let lf = parse(name, b"\xff\xfe\x00junk\n\x80", None).expect("known");
        assert!(!lf.errors.is_empty(), "{name}");
    }
}

#[test]
fn unknown_files_are_not_lockfiles() {
    assert!(parse("src/main.rs", b"fn main() {}", None).is_none());
    assert!(rampart_deps::inventory::is_lockfile(
        "a/b/requirements-dev.txt"
    ));
    assert!(!rampart_deps::inventory::is_lockfile("README.md"));
}

#[test]
fn requirements_includes_that_fan_out_stop_at_a_total() {
    // Four includes per file, each through a folder that (like a symlink to `.`) serves the
    // same file under a new path: without a total this reads 4^8 files. Found by fuzzing.
    let text = "-r a/req.txt\n-r b/req.txt\n-r c/req.txt\n-r d/req.txt\nflask==2.0.0\n";
    let include = |_: &str| Some(text.as_bytes().to_vec());
    let lf = parse("requirements.txt", text.as_bytes(), Some(&include)).expect("known lockfile");
    let limit = rampart_deps::inventory::MAX_INCLUDED_FILES;
    assert!(
        lf.errors.iter().any(|e| e
            .message
            .contains(&format!("more than {limit} files included"))),
        "{:?}",
        lf.errors
    );
    // The top file's own package is still there, and the count of entries stays bounded.
    assert!(lf.packages.iter().any(|p| p.name == "flask" && p.line == 5));
    assert!(lf.packages.len() <= limit + 1);
}
