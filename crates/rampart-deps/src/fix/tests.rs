//! Each manifest format before and after `rampart fix`, byte for byte.

use super::*;
use rampart_core::testing::rule;
use rampart_core::{Finding, Location};
use serde_json::json;

/// A `deps` finding about `name@version` in `lockfile`, fixed in `fix`.
fn finding(lockfile: &str, eco: &str, name: &str, version: &str, fix: Option<&str>) -> Finding {
    let mut f = Finding::at(
        &rule("deps/vulnerable-dependency", "Vulnerable dependency"),
        Location::line(lockfile, 1),
        "vulnerable",
    );
    f.fingerprint = format!("fp-{name}");
    for (k, v) in [
        ("ecosystem", json!(eco)),
        ("package", json!(name)),
        ("version", json!(version)),
        ("advisory_id", json!(format!("GHSA-{name}"))),
        ("smallest_fix", json!(fix)),
        ("direct", json!(true)),
    ] {
        f.properties.insert(k.into(), v);
    }
    f
}

/// Writes `files`, plans for `findings`, applies every change and returns the new text of
/// `manifest`, with the plan.
fn fixed(files: &[(&str, &str)], findings: &[Finding], manifest: &str) -> (String, Plan) {
    let dir = tempfile::tempdir().unwrap();
    for (p, t) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    }
    let plan = plan(dir.path(), findings);
    let edits: Vec<&Edit> = plan
        .changes
        .iter()
        .flat_map(|c| c.fix.edits.iter())
        .filter(|e| e.path == manifest)
        .collect();
    let before = files.iter().find(|(p, _)| *p == manifest).unwrap().1;
    let after = rampart_core::fix::apply(before.as_bytes(), &edits).unwrap();
    (String::from_utf8(after).unwrap(), plan)
}

fn check(
    manifest: &str,
    before: &str,
    lockfile: &str,
    f: Finding,
    after: &str,
    command: Option<&str>,
) {
    let mut files = vec![(manifest, before)];
    if lockfile != manifest {
        files.push((lockfile, ""));
    }
    let (out, plan) = fixed(&files, &[f], manifest);
    assert_eq!(out, after, "{manifest}");
    assert_eq!(plan.changes.len(), 1, "{manifest}: {plan:?}");
    assert_eq!(
        plan.changes[0].resolves,
        ["fp-".to_string() + &plan_name(&plan)]
    );
    assert_eq!(
        plan.commands.first().map(|c| c.line.as_str()),
        command,
        "{manifest}"
    );
}

fn plan_name(plan: &Plan) -> String {
    plan.changes[0].resolves[0]
        .trim_start_matches("fp-")
        .to_string()
}

#[test]
fn package_json() {
    let before = "{\n  \"name\": \"app\",\n  // no comments in JSON, but spacing is kept\n  \"dependencies\": {\n    \"lodash\":   \"^4.17.15\",\n    \"express\": \"4.17.1\"\n  }\n}\n";
    let after = before.replace("^4.17.15", "^4.17.21");
    check(
        "package.json",
        before,
        "package-lock.json",
        finding(
            "package-lock.json",
            "npm",
            "lodash",
            "4.17.15",
            Some("4.17.21"),
        ),
        &after,
        Some("npm install"),
    );
}

#[test]
fn requirements_txt() {
    let before =
        "# pinned\nDjango==3.2.1  # web framework\nrequests==2.19.0 \\\n    --hash=sha256:abc\n";
    let after = before.replace("Django==3.2.1", "Django==3.2.25");
    check(
        "requirements.txt",
        before,
        "requirements.txt",
        finding(
            "requirements.txt",
            "PyPI",
            "django",
            "3.2.1",
            Some("3.2.25"),
        ),
        &after,
        None,
    );
}

#[test]
fn pyproject_pep621_and_poetry() {
    let before =
        "[project]\nname = \"app\"\ndependencies = [\n  \"PyYAML>=5.1,<7\",  # config\n]\n";
    let after = before.replace(">=5.1,<7", ">=5.4,<7");
    check(
        "pyproject.toml",
        before,
        "uv.lock",
        finding("uv.lock", "PyPI", "pyyaml", "5.1", Some("5.4")),
        &after,
        Some("uv lock --upgrade-package pyyaml"),
    );
    let before = "[tool.poetry.dependencies]\npython = \"^3.8\"\njinja2 = { version = \"^2.10\", optional = true }\n";
    let after = before.replace("^2.10", "^2.11.3");
    check(
        "pyproject.toml",
        before,
        "poetry.lock",
        finding("poetry.lock", "PyPI", "jinja2", "2.10", Some("2.11.3")),
        &after,
        Some("poetry update jinja2"),
    );
}

#[test]
fn pipfile() {
    let before = "[packages]\nrequests = \"==2.19.0\"\n\n[dev-packages]\n";
    let after = before.replace("==2.19.0", "==2.31.0");
    check(
        "Pipfile",
        before,
        "Pipfile.lock",
        finding("Pipfile.lock", "PyPI", "requests", "2.19.0", Some("2.31.0")),
        &after,
        Some("pipenv lock"),
    );
}

#[test]
fn cargo_toml() {
    let before = "[package]\nname = \"app\"\n\n[dependencies]\ntime = { version = \"0.3.20\", features = [\"macros\"] } # dates\n";
    let after = before.replace("0.3.20", "0.3.36");
    check(
        "Cargo.toml",
        before,
        "Cargo.lock",
        finding("Cargo.lock", "crates.io", "time", "0.3.20", Some("0.3.36")),
        &after,
        Some("cargo update -p time --precise 0.3.36"),
    );
}

#[test]
fn go_mod() {
    let before = "module example.com/app\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/net v0.7.0 // indirect\n)\n";
    let after = before.replace("v0.7.0", "v0.17.0");
    check(
        "go.mod",
        before,
        "go.mod",
        finding("go.mod", "Go", "golang.org/x/net", "v0.7.0", Some("0.17.0")),
        &after,
        Some("go get golang.org/x/net@v0.17.0 && go mod tidy"),
    );
}

#[test]
fn pom_xml_property() {
    let before = "<project>\n  <properties>\n    <jackson.version>2.9.8</jackson.version>\n  </properties>\n  <dependencies>\n    <dependency>\n      <groupId>com.fasterxml.jackson.core</groupId>\n      <artifactId>jackson-databind</artifactId>\n      <version>${jackson.version}</version>\n    </dependency>\n  </dependencies>\n</project>\n";
    let after = before.replace(">2.9.8<", ">2.9.10.8<");
    check(
        "pom.xml",
        before,
        "pom.xml",
        finding(
            "pom.xml",
            "Maven",
            "com.fasterxml.jackson.core:jackson-databind",
            "2.9.8",
            Some("2.9.10.8"),
        ),
        &after,
        None,
    );
}

#[test]
fn build_gradle() {
    let before = "dependencies {\n    implementation 'org.yaml:snakeyaml:1.26' // yaml\n}\n";
    let after = before.replace("1.26", "2.0");
    check(
        "build.gradle",
        before,
        "gradle.lockfile",
        finding(
            "gradle.lockfile",
            "Maven",
            "org.yaml:snakeyaml",
            "1.26",
            Some("2.0"),
        ),
        &after,
        Some("./gradlew dependencies --write-locks"),
    );
}

#[test]
fn gemfile() {
    let before = "source \"https://rubygems.org\"\n\ngem 'rails', '~> 5.2.0' # app\n";
    let after = before.replace("~> 5.2.0", "~> 5.2.8");
    check(
        "Gemfile",
        before,
        "Gemfile.lock",
        finding("Gemfile.lock", "RubyGems", "rails", "5.2.0", Some("5.2.8")),
        &after,
        Some("bundle update --conservative rails"),
    );
}

#[test]
fn composer_json() {
    let before = "{\n    \"require\": {\n        \"php\": \">=7.4\",\n        \"guzzlehttp/guzzle\": \"^6.3\"\n    }\n}\n";
    let after = before.replace("^6.3", "^6.5.8");
    check(
        "composer.json",
        before,
        "composer.lock",
        finding(
            "composer.lock",
            "Packagist",
            "guzzlehttp/guzzle",
            "6.3.0",
            Some("6.5.8"),
        ),
        &after,
        Some("composer update guzzlehttp/guzzle"),
    );
}

#[test]
fn csproj() {
    let before = "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n    <PackageReference Include=\"Newtonsoft.Json\" Version=\"12.0.1\" />\n  </ItemGroup>\n</Project>\n";
    let after = before.replace("12.0.1", "13.0.1");
    check(
        "app.csproj",
        before,
        "packages.lock.json",
        finding(
            "packages.lock.json",
            "NuGet",
            "Newtonsoft.Json",
            "12.0.1",
            Some("13.0.1"),
        ),
        &after,
        Some("dotnet restore --force-evaluate"),
    );
}

#[test]
fn transitive_npm_packages_get_an_override_and_majors_and_missing_fixes_are_said() {
    let mut t = finding(
        "package-lock.json",
        "npm",
        "minimist",
        "0.0.8",
        Some("1.2.6"),
    );
    t.properties.insert("direct".into(), json!(false));
    t.properties.insert(
        "dependency_path".into(),
        json!(["mkdirp@0.5.1", "minimist@0.0.8"]),
    );
    let none = finding("package-lock.json", "npm", "left-pad", "1.0.0", None);
    let pj = "{\n  \"dependencies\": {\n    \"mkdirp\": \"^0.5.1\"\n  }\n}\n";
    let (out, plan) = fixed(
        &[("package.json", pj), ("package-lock.json", "")],
        &[t, none],
        "package.json",
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["overrides"]["minimist"], "1.2.6");
    assert_eq!(v["dependencies"]["mkdirp"], "^0.5.1");
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("only a major upgrade fixes minimist@0.0.8"))
    );
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("left-pad@1.0.0 has no version that fixes"))
    );
}

#[test]
fn requirements_that_are_not_versions_or_exclude_the_fix_are_left_and_said() {
    let f = finding("poetry.lock", "PyPI", "requests", "2.19.0", Some("2.31.0"));
    let (out, plan) = fixed(
        &[
            (
                "pyproject.toml",
                "[tool.poetry.dependencies]\nrequests = \"*\"\n",
            ),
            ("poetry.lock", ""),
        ],
        std::slice::from_ref(&f),
        "pyproject.toml",
    );
    assert_eq!(out, "[tool.poetry.dependencies]\nrequests = \"*\"\n");
    assert!(plan.notes.iter().any(|n| n.contains("`*`")), "{plan:?}");
    assert_eq!(plan.commands[0].line, "poetry update requests");
    let (_, plan) = fixed(
        &[("requirements.txt", "requests>=2.19,<2.20\n")],
        &[finding(
            "requirements.txt",
            "PyPI",
            "requests",
            "2.19.0",
            Some("2.31.0"),
        )],
        "requirements.txt",
    );
    assert!(plan.notes.iter().any(|n| n.contains("`<2.20`")), "{plan:?}");
}
