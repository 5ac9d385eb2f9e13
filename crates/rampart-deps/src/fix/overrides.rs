//! Pinning a transitive package of the npm family in `package.json`, where no manifest line
//! declares it: npm and bun read `overrides`, yarn `resolutions`, pnpm `pnpm.overrides`. The
//! entry is inserted with the file's own indentation; nothing else moves.

use super::manifest::{json_object_bodies, matching_brace};
use rampart_core::Edit;

/// The key that pins versions for the package manager of `lockfile`.
fn section(lockfile: &str) -> &'static str {
    match lockfile.rsplit('/').next().unwrap_or(lockfile) {
        "yarn.lock" => "resolutions",
        "pnpm-lock.yaml" => "pnpm.overrides",
        _ => "overrides",
    }
}

/// The edit of `package.json` (path `path`, content `text`) that pins `name` to `version` for
/// the package manager of `lockfile`; `None` if the file is not a JSON object rampart can
/// extend (then the caller says what to add).
pub fn add(path: &str, text: &str, lockfile: &str, name: &str, version: &str) -> Option<Edit> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()?
        .as_object()?;
    let unit = indent_unit(text);
    let key = section(lockfile);
    let (outer, inner) = match key.split_once('.') {
        Some((o, i)) => (o, Some(i)),
        None => (key, None),
    };
    let entry = format!("\"{name}\": \"{version}\"");
    // The innermost existing object on the way: `overrides`, or `pnpm` then `overrides`.
    if let Some(body) = json_object_bodies(text, outer).first().cloned() {
        let target = match inner {
            Some(i) => {
                let nested = json_object_bodies(&text[body.clone()], i).first().cloned();
                match nested {
                    Some(n) => (body.start + n.start)..(body.start + n.end),
                    None => {
                        let obj = format!("\"{i}\": {{{}}}", members(&[&entry], unit, 2));
                        return Some(insert_member(path, text, body, &obj, unit, 1));
                    }
                }
            }
            None => body,
        };
        let depth = if inner.is_some() { 2 } else { 1 };
        return Some(insert_member(path, text, target, &entry, unit, depth));
    }
    let top_start = text.find('{')? + 1;
    let top_end = matching_brace(text, top_start)?;
    let obj = match inner {
        Some(i) => format!(
            "\"{outer}\": {{{}}}",
            members(
                &[&format!("\"{i}\": {{{}}}", members(&[&entry], unit, 2))],
                unit,
                1
            )
        ),
        None => format!("\"{outer}\": {{{}}}", members(&[&entry], unit, 1)),
    };
    Some(insert_member(path, text, top_start..top_end, &obj, unit, 0))
}

/// `members` one per line at `depth + 1` levels, closing at `depth` levels.
fn members(items: &[&str], unit: &str, depth: usize) -> String {
    let inner = unit.repeat(depth + 1);
    let body: Vec<String> = items.iter().map(|m| format!("\n{inner}{m}")).collect();
    format!("{}\n{}", body.join(","), unit.repeat(depth))
}

/// Inserts `member` as the last member of the object whose body is `body` (the bytes between
/// its braces), at `depth + 1` levels of indentation.
fn insert_member(
    path: &str,
    text: &str,
    body: std::ops::Range<usize>,
    member: &str,
    unit: &str,
    depth: usize,
) -> Edit {
    let inside = &text[body.clone()];
    let last = inside.trim_end();
    let at = body.start + last.len();
    let sep = if last.trim().is_empty() { "" } else { "," };
    let replacement = format!(
        "{sep}\n{}{member}\n{}",
        unit.repeat(depth + 1),
        unit.repeat(depth)
    );
    Edit::replace(path, text.as_bytes(), at..body.end, replacement)
}

/// The file's indentation step: the white space starting its first indented line.
fn indent_unit(text: &str) -> &str {
    text.lines()
        .map(|l| &l[..l.len() - l.trim_start().len()])
        .find(|w| !w.is_empty())
        .unwrap_or("  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(text: &str, lockfile: &str) -> String {
        let e = add("package.json", text, lockfile, "minimist", "1.2.6").unwrap();
        String::from_utf8(rampart_core::fix::apply(text.as_bytes(), &[&e]).unwrap()).unwrap()
    }

    #[test]
    fn adds_an_overrides_object_in_the_files_style() {
        let text = "{\n    \"name\": \"app\",\n    \"dependencies\": {\n        \"mkdirp\": \"^0.5.1\"\n    }\n}\n";
        let out = applied(text, "package-lock.json");
        assert_eq!(
            out,
            "{\n    \"name\": \"app\",\n    \"dependencies\": {\n        \"mkdirp\": \"^0.5.1\"\n    },\n    \"overrides\": {\n        \"minimist\": \"1.2.6\"\n    }\n}\n"
        );
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
    }

    #[test]
    fn extends_an_existing_section_and_nests_pnpm() {
        let text = "{\n  \"resolutions\": {\n    \"a\": \"1.0.0\"\n  }\n}\n";
        let out = applied(text, "yarn.lock");
        assert_eq!(
            out,
            "{\n  \"resolutions\": {\n    \"a\": \"1.0.0\",\n    \"minimist\": \"1.2.6\"\n  }\n}\n"
        );
        let out = applied("{\n  \"name\": \"x\"\n}\n", "pnpm-lock.yaml");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["pnpm"]["overrides"]["minimist"], "1.2.6");
        let out = applied("{\n  \"pnpm\": {\n    \"x\": 1\n  }\n}\n", "pnpm-lock.yaml");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["pnpm"]["overrides"]["minimist"], "1.2.6");
        assert_eq!(v["pnpm"]["x"], 1);
    }
}
