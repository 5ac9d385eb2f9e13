//! A small Dockerfile parser: line continuations, comments, parser directives, heredocs and the
//! JSON (exec) form, into the document model.
//!
//! The root is a mapping with `instructions` (every instruction, in order) and `stages` (one per
//! `FROM`, each with `image`, `name` and its own `instructions`). An instruction is a mapping with
//! `instruction` (upper case), `args` (the raw argument text, continuations and heredoc bodies
//! included), `exec` (the JSON form's items, when used), `flags` (`--from=…`), `stage` (index) and
//! `final_stage` (whether it is in the last stage).

use crate::model::{LineIndex, Node, Value};

/// Parses a Dockerfile. Never fails: unrecognised lines are kept as instructions of their own.
pub fn parse(text: &str) -> Node {
    let lines = LineIndex::new(text);
    let mut escape = '\\';
    let mut instructions: Vec<Node> = Vec::new();
    let mut stage: i64 = -1;
    let raw: Vec<(usize, &str)> = {
        let mut v = Vec::new();
        let mut off = 0;
        for l in text.split_inclusive('\n') {
            v.push((off, l.trim_end_matches(['\n', '\r'])));
            off += l.len();
        }
        v
    };
    let mut i = 0;
    let mut directives_allowed = true;
    while i < raw.len() {
        let (off, line) = raw[i];
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            i += 1;
            continue;
        }
        if let Some(c) = trimmed.strip_prefix('#') {
            if directives_allowed {
                let c = c.trim();
                if let Some(v) = c.strip_prefix("escape=")
                    && v.trim() == "`"
                {
                    escape = '`';
                }
            }
            i += 1;
            continue;
        }
        directives_allowed = false;
        let lead = line.len() - trimmed.len();
        let kw_end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let kw = trimmed[..kw_end].to_ascii_uppercase();
        let kw_span = off + lead..off + lead + kw_end;
        let args_start = off + lead + kw_end;
        // Gather continuation lines.
        let mut end = off + line.len();
        let mut j = i;
        loop {
            let l = raw[j].1.trim_end();
            if l.ends_with(escape) && j + 1 < raw.len() {
                j += 1;
                // Comment and blank lines inside a continuation are skipped.
                while j + 1 < raw.len() && {
                    let t = raw[j].1.trim_start();
                    t.starts_with('#') || t.is_empty()
                } {
                    j += 1;
                }
                // Comment lines inside a continuation are dropped by Docker; keep the text
                // (harmless for analysis) but skip to the next line.
                end = raw[j].0 + raw[j].1.len();
                continue;
            }
            break;
        }
        // Heredocs.
        let first_args = &text[args_start..end];
        let mut heredocs = Vec::new();
        for (strip, delim) in heredoc_delimiters(first_args) {
            let mut k = j + 1;
            while k < raw.len() {
                let l = if strip {
                    raw[k].1.trim_start_matches('\t')
                } else {
                    raw[k].1
                };
                if l == delim {
                    break;
                }
                k += 1;
            }
            if k > j + 1 {
                let body_start = raw[j + 1].0;
                let body_end = raw[k - 1].0 + raw[k - 1].1.len();
                heredocs.push(Node::str(
                    &text[body_start..body_end],
                    body_start..body_end,
                    lines.line(body_start),
                ));
            }
            j = k.min(raw.len() - 1);
            end = raw[j].0 + raw[j].1.len();
        }
        let args_text = text[args_start..end].trim_start();
        let a_start = end - args_text.len();
        let (flags, rest_start) = parse_flags(text, a_start, end);
        let rest = text[rest_start..end].trim_end();
        let mut entries: Vec<(String, Node)> = Vec::new();
        let ln = lines.line(kw_span.start);
        entries.push((
            "instruction".into(),
            Node::str(kw.clone(), kw_span.clone(), ln),
        ));
        entries.push((
            "args".into(),
            Node::str(
                rest,
                rest_start..rest_start + rest.len(),
                lines.line(rest_start),
            ),
        ));
        if rest.starts_with('[')
            && let Ok(items) =
                serde_json::from_str::<Vec<String>>(&rest.replace(&format!("{escape}\n"), ""))
        {
            let seq = items
                .into_iter()
                .map(|s| Node::str(s, rest_start..rest_start + rest.len(), ln))
                .collect();
            entries.push((
                "exec".into(),
                Node::new(Value::Seq(seq), rest_start..rest_start + rest.len(), ln),
            ));
        }
        if !flags.is_empty() {
            entries.push((
                "flags".into(),
                Node::new(Value::Map(flags), a_start..rest_start, ln),
            ));
        }
        if !heredocs.is_empty() {
            entries.push((
                "heredocs".into(),
                Node::new(Value::Seq(heredocs), kw_span.clone(), ln),
            ));
        }
        if kw == "FROM" {
            stage += 1;
            let words: Vec<&str> = rest.split_whitespace().collect();
            if let Some(img) = words.first() {
                let p = rest_start + rest.find(img).unwrap_or(0);
                entries.push(("image".into(), Node::str(*img, p..p + img.len(), ln)));
            }
            if words.len() >= 3 && words[1].eq_ignore_ascii_case("as") {
                entries.push((
                    "name".into(),
                    Node::str(words[2], rest_start..rest_start + rest.len(), ln),
                ));
            }
        }
        entries.push((
            "stage".into(),
            Node::new(Value::Int(stage.max(0)), kw_span.clone(), ln),
        ));
        let node = Node::new(Value::Map(entries), kw_span.start..end, ln);
        instructions.push(node);
        i = j + 1;
    }
    // Stages and the final-stage marker.
    let last = stage.max(0);
    let mut stages: Vec<Vec<Node>> = vec![Vec::new(); (last + 1) as usize];
    for ins in &mut instructions {
        let st = ins.get("stage").and_then(|s| s.as_f64()).unwrap_or(0.0) as i64;
        if let Value::Map(m) = &mut ins.value {
            let span = m[0].1.span.clone();
            let line = m[0].1.line;
            m.push((
                "final_stage".into(),
                Node::new(Value::Bool(st == last), span, line),
            ));
        }
        stages[st as usize].push(ins.clone());
    }
    let stage_nodes: Vec<Node> = stages
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|ins| {
            let span = ins[0].span.start..ins.last().map(|n| n.span.end).unwrap_or(0);
            let line = ins[0].line;
            let mut e = Vec::new();
            if let Some(from) = ins
                .iter()
                .find(|n| n.get("instruction").and_then(Node::as_str) == Some("FROM"))
            {
                if let Some(img) = from.get("image") {
                    e.push(("image".to_string(), img.clone()));
                }
                if let Some(n) = from.get("name") {
                    e.push(("name".to_string(), n.clone()));
                }
            }
            e.push((
                "instructions".to_string(),
                Node::new(Value::Seq(ins), span.clone(), line),
            ));
            Node::new(Value::Map(e), span, line)
        })
        .collect();
    let len = text.len();
    Node::new(
        Value::Map(vec![
            (
                "instructions".into(),
                Node::new(Value::Seq(instructions), 0..len, 1),
            ),
            (
                "stages".into(),
                Node::new(Value::Seq(stage_nodes), 0..len, 1),
            ),
        ]),
        0..len,
        1,
    )
}

fn heredoc_delimiters(args: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let b = args.as_bytes();
    let mut i = 0;
    while let Some(p) = args[i..].find("<<") {
        let mut k = i + p + 2;
        let strip = b.get(k) == Some(&b'-');
        if strip {
            k += 1;
        }
        let quote = b.get(k).copied().filter(|c| *c == b'"' || *c == b'\'');
        if quote.is_some() {
            k += 1;
        }
        let s = k;
        while k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'_') {
            k += 1;
        }
        if k > s {
            out.push((strip, args[s..k].to_string()));
        }
        i = k.max(i + p + 2);
    }
    out
}

fn parse_flags(text: &str, start: usize, end: usize) -> (Vec<(String, Node)>, usize) {
    let mut flags = Vec::new();
    let mut pos = start;
    let lines = LineIndex::new(text);
    loop {
        let rest = &text[pos..end];
        let trimmed = rest.trim_start();
        let p = pos + rest.len() - trimmed.len();
        if !trimmed.starts_with("--") {
            return (flags, p);
        }
        let w = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let word = &trimmed[2..w];
        let (k, v) = word.split_once('=').unwrap_or((word, "true"));
        flags.push((k.to_string(), Node::str(v, p..p + w, lines.line(p))));
        pos = p + w;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ins(root: &Node) -> Vec<&Node> {
        root.get("instructions")
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .collect()
    }

    #[test]
    fn continuations_comments_and_lines() {
        let text = "# syntax=docker/dockerfile:1\nFROM alpine:3.19 AS build\nRUN apk add \\\n    # a comment\n    curl\nUSER app\n";
        let root = parse(text);
        let v = ins(&root);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].get("instruction").unwrap().as_str(), Some("FROM"));
        assert_eq!(v[0].get("image").unwrap().as_str(), Some("alpine:3.19"));
        assert_eq!(v[0].get("name").unwrap().as_str(), Some("build"));
        assert_eq!(v[1].line, 3);
        assert!(v[1].get("args").unwrap().as_str().unwrap().contains("curl"));
        assert_eq!(v[2].line, 6);
    }

    #[test]
    fn heredocs_exec_form_and_flags() {
        let text = "FROM a\nRUN <<EOF\ncurl x | sh\nEOF\nCOPY --from=build --chown=1:1 /a /b\nCMD [\"run\", \"--x\"]\nFROM b\nUSER root\n";
        let root = parse(text);
        let v = ins(&root);
        assert_eq!(v.len(), 6);
        let h = v[1].get("heredocs").unwrap().as_seq().unwrap();
        assert_eq!(h[0].as_str(), Some("curl x | sh"));
        assert_eq!(h[0].line, 3);
        assert_eq!(v[2].line, 5);
        assert_eq!(
            v[2].get_path(&["flags", "from"]).unwrap().as_str(),
            Some("build")
        );
        assert_eq!(v[2].get("args").unwrap().as_str(), Some("/a /b"));
        assert_eq!(
            v[3].get("exec").unwrap().as_seq().unwrap()[1].as_str(),
            Some("--x")
        );
        assert_eq!(v[5].get("final_stage").unwrap().value, Value::Bool(true));
        assert_eq!(v[1].get("final_stage").unwrap().value, Value::Bool(false));
        assert_eq!(root.get("stages").unwrap().as_seq().unwrap().len(), 2);
    }

    #[test]
    fn garbage_does_not_panic() {
        for t in [
            "",
            "\\",
            "RUN \\",
            "RUN <<",
            "RUN <<EOF\n",
            "FROM",
            "\u{feff}FROM é AS",
        ] {
            let _ = parse(t);
        }
    }

    #[test]
    fn deep_exec_form_and_long_continuations_stay_flat() {
        // The parser reads lines without recursion; the JSON exec form goes through serde_json,
        // whose recursion limit refuses deep nesting (the instruction is then read as text).
        let deep = format!(
            "FROM x\nRUN {}\"a\"{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let root = parse(&deep);
        assert_eq!(ins(&root).len(), 2);
        let long = format!("FROM x\nRUN a {}b\n", "\\\n".repeat(100_000));
        let root = parse(&long);
        assert_eq!(ins(&root).len(), 2);
    }
}
