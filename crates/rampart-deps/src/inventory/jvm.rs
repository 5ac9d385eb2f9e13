//! JVM: pom.xml (with properties and dependencyManagement of the same file) and gradle.lockfile.

use super::{Lockfile, Package, line_of};
use crate::ecosystem::Ecosystem;
use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::HashMap;

#[derive(Default, Clone)]
struct Dep {
    group: String,
    artifact: String,
    version: String,
    scope: String,
    line: usize,
}

/// Replaces `${name}` with properties (nested up to a few levels).
fn interpolate(s: &str, props: &HashMap<String, String>) -> String {
    let mut cur = s.to_string();
    for _ in 0..8 {
        let Some(start) = cur.find("${") else {
            break;
        };
        let Some(len) = cur[start..].find('}') else {
            break;
        };
        let key = &cur[start + 2..start + len];
        let Some(v) = props.get(key) else {
            break;
        };
        cur = format!("{}{}{}", &cur[..start], v, &cur[start + len + 1..]);
    }
    cur
}

/// Parses a pom.xml. Direct dependencies only (a pom does not pin transitive ones); versions
/// come from the dependency, `dependencyManagement` or properties of the same file.
pub(super) fn pom(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("pom.xml");
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut props: HashMap<String, String> = HashMap::new();
    let mut managed: Vec<Dep> = Vec::new();
    let mut deps: Vec<Dep> = Vec::new();
    let mut cur: Option<Dep> = None;
    let mut textbuf = String::new();
    loop {
        let pos = reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = reader.error_position() as usize;
                lf.error(line_of(text, at), format!("invalid XML: {e}"));
                break;
            }
        };
        match ev {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                path.push(name);
                textbuf.clear();
                if path.last().is_some_and(|n| n == "dependency") {
                    cur = Some(Dep {
                        line: line_of(text, pos),
                        ..Dep::default()
                    });
                }
            }
            Event::Text(t) => textbuf.push_str(&t.xml10_content()),
            Event::CData(t) => textbuf.push_str(&t),
            Event::GeneralRef(r) => {
                let name = r.xml10_content().into_owned();
                textbuf.push_str(match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                });
            }
            Event::End(_) => {
                let value = textbuf.trim().to_string();
                textbuf.clear();
                let depth = path.len();
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or("");
                if depth == 3
                    && parent == "properties"
                    && path.first().is_some_and(|p| p == "project")
                {
                    props.insert(name.clone(), value.clone());
                } else if depth == 2
                    && matches!(name.as_str(), "version" | "groupId" | "artifactId")
                {
                    props.insert(format!("project.{name}"), value.clone());
                    props.insert(format!("pom.{name}"), value.clone());
                } else if depth == 3
                    && parent == "parent"
                    && matches!(name.as_str(), "version" | "groupId")
                {
                    props
                        .entry(format!("project.{name}"))
                        .or_insert_with(|| value.clone());
                    props.insert(format!("project.parent.{name}"), value.clone());
                }
                if name == "dependency" {
                    if let Some(d) = cur.take() {
                        let in_mgmt = path.iter().any(|p| p == "dependencyManagement");
                        let in_project = path.len() == 2 && path[1] == "dependencies";
                        if in_mgmt {
                            managed.push(d);
                        } else if in_project {
                            deps.push(d);
                        }
                    }
                } else if parent == "dependency"
                    && let Some(d) = cur.as_mut()
                {
                    {
                        match name.as_str() {
                            "groupId" => d.group = value,
                            "artifactId" => d.artifact = value,
                            "version" => d.version = value,
                            "scope" => d.scope = value,
                            _ => {}
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() && lf.errors.is_empty() {
        lf.error(
            line_of(text, text.len()),
            format!("unclosed element `<{}>`", path.join(">/<")),
        );
    }
    for d in deps {
        let group = interpolate(&d.group, &props);
        let artifact = interpolate(&d.artifact, &props);
        if group.is_empty() || artifact.is_empty() {
            lf.error(d.line, "dependency without groupId or artifactId");
            continue;
        }
        let mut version = interpolate(&d.version, &props);
        let mut scope = d.scope.clone();
        if (version.is_empty() || scope.is_empty())
            && let Some(m) = managed.iter().find(|m| {
                interpolate(&m.group, &props) == group
                    && interpolate(&m.artifact, &props) == artifact
            })
        {
            if version.is_empty() {
                version = interpolate(&m.version, &props);
            }
            if scope.is_empty() {
                scope = m.scope.clone();
            }
        }
        if scope == "import" {
            continue;
        }
        let name = format!("{group}:{artifact}");
        let exact =
            !version.is_empty() && !version.contains("${") && !version.starts_with(['[', '(']);
        let mut p = if exact {
            Package::new(Ecosystem::Maven, name, version, d.line)
        } else {
            let mut p = Package::new(Ecosystem::Maven, name, "", d.line);
            p.unpinned = Some(if version.is_empty() {
                "(no version)".into()
            } else {
                version
            });
            p
        };
        p.direct = Some(true);
        p.dev = Some(scope == "test");
        lf.packages.push(p);
    }
    lf
}

/// Parses a gradle.lockfile (`group:artifact:version=configurations`).
pub(super) fn gradle_lockfile(text: &str) -> Lockfile {
    let mut lf = Lockfile::new("gradle.lockfile");
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
            continue;
        }
        let (coord, configs) = line.split_once('=').unwrap_or((line, ""));
        let parts: Vec<&str> = coord.split(':').collect();
        let [group, artifact, version] = parts[..] else {
            lf.error(
                i + 1,
                format!("expected `group:artifact:version=…`, found `{line}`"),
            );
            continue;
        };
        let mut p = Package::new(
            Ecosystem::Maven,
            format!("{group}:{artifact}"),
            version,
            i + 1,
        );
        if !configs.is_empty() {
            p.dev = Some(
                configs
                    .split(',')
                    .all(|c| c.trim().to_ascii_lowercase().starts_with("test")),
            );
        }
        lf.packages.push(p);
    }
    lf
}
