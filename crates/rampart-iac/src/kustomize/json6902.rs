//! JSON 6902 patches (`add`, `remove`, `replace`, `move`, `copy`, `test`) on the document model.

#[allow(unused_imports)]
use super::*;

/// Decodes a JSON pointer into its tokens.
pub(crate) fn pointer(p: &str) -> Result<Vec<String>, String> {
    if p.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = p.strip_prefix('/') else {
        return Err(format!("`{p}` is not a JSON pointer"));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

pub(crate) fn child_mut<'a>(n: &'a mut Node, tok: &str) -> Option<&'a mut Node> {
    match &mut n.value {
        Value::Map(m) => m.iter_mut().find(|(k, _)| k == tok).map(|(_, v)| v),
        Value::Seq(s) => s.get_mut(tok.parse::<usize>().ok()?),
        _ => None,
    }
}

pub(crate) fn get_mut<'a>(n: &'a mut Node, toks: &[String]) -> Option<&'a mut Node> {
    toks.iter().try_fold(n, |n, t| child_mut(n, t))
}

pub(crate) fn remove_at(n: &mut Node, toks: &[String]) -> Result<Node, String> {
    let (last, parent) = toks.split_last().ok_or("cannot remove the document")?;
    let p = get_mut(n, parent).ok_or("path not found")?;
    match &mut p.value {
        Value::Map(m) => {
            let i = m
                .iter()
                .position(|(k, _)| k == last)
                .ok_or("path not found")?;
            Ok(m.remove(i).1)
        }
        Value::Seq(s) => {
            let i: usize = last.parse().map_err(|_| "bad index")?;
            if i < s.len() {
                Ok(s.remove(i))
            } else {
                Err("index out of range".into())
            }
        }
        _ => Err("path not found".into()),
    }
}

pub(crate) fn add_at(
    n: &mut Node,
    toks: &[String],
    mut v: Node,
    replace: bool,
) -> Result<(), String> {
    let Some((last, parent)) = toks.split_last() else {
        *n = v;
        return Ok(());
    };
    let p = get_mut(n, parent).ok_or("path not found")?;
    match &mut p.value {
        Value::Map(m) => match m.iter_mut().find(|(k, _)| k == last) {
            Some((_, x)) => *x = v,
            None if replace => return Err("path not found".into()),
            None => m.push((last.clone(), v)),
        },
        Value::Seq(s) => {
            // List items have no key.
            v.key_span = None;
            if last == "-" && !replace {
                s.push(v);
            } else {
                let i: usize = last.parse().map_err(|_| "bad index")?;
                if replace {
                    *s.get_mut(i).ok_or("index out of range")? = v;
                } else if i <= s.len() {
                    s.insert(i, v);
                } else {
                    return Err("index out of range".into());
                }
            }
        }
        _ => return Err("path not found".into()),
    }
    Ok(())
}

/// Applies JSON 6902 operations (`add`, `remove`, `replace`, `move`, `copy`, `test`); on a
/// failed operation the document is left as it was.
pub fn json6902(doc: &mut Node, ops: &Node) -> Result<(), String> {
    let mut work = doc.clone();
    for op in ops.as_seq().unwrap_or(&[]) {
        let name = op.get("op").and_then(Node::as_str).unwrap_or("");
        let path = pointer(op.get("path").and_then(Node::as_str).unwrap_or(""))?;
        let from = || pointer(op.get("from").and_then(Node::as_str).unwrap_or(""));
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match name {
            "add" => add_at(&mut work, &path, value()?, false),
            "replace" => add_at(&mut work, &path, value()?, true),
            "remove" => remove_at(&mut work, &path).map(|_| ()),
            "move" => {
                let v = remove_at(&mut work, &from()?)?;
                add_at(&mut work, &path, v, false)
            }
            "copy" => {
                let v = get_mut(&mut work, &from()?)
                    .ok_or("`from` not found")?
                    .clone();
                add_at(&mut work, &path, v, false)
            }
            "test" => {
                let have = get_mut(&mut work, &path).map(|n| n.to_json());
                if have == Some(value()?.to_json()) {
                    Ok(())
                } else {
                    Err(format!(
                        "test of {} failed",
                        op.get("path").and_then(Node::as_str).unwrap_or("")
                    ))
                }
            }
            other => Err(format!("unknown operation `{other}`")),
        }
        .map_err(|e| {
            format!(
                "{name} {}: {e}",
                op.get("path").and_then(Node::as_str).unwrap_or("")
            )
        })?;
    }
    *doc = work;
    Ok(())
}
