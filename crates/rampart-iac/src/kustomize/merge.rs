//! Patches: which objects a patch targets, where patched values point, and Kubernetes
//! strategic merge.

#[allow(unused_imports)]
use super::*;

pub(crate) enum Patch {
    Smp { doc: Node, target: Option<Node> },
    Json { ops: Node, target: Option<Node> },
}

pub(crate) fn describe(doc: &Node) -> String {
    format!(
        "{}/{}",
        doc.get("kind").and_then(Node::as_str).unwrap_or("?"),
        doc.get_path(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("?")
    )
}

pub(crate) fn respan_all(n: &mut Node, span: &Range<usize>, line: usize) {
    n.span = span.clone();
    n.line = line;
    n.key_span = None;
    n.key_line = 0;
    match &mut n.value {
        Value::Seq(s) => s.iter_mut().for_each(|c| respan_all(c, span, line)),
        Value::Map(m) => m.iter_mut().for_each(|(_, c)| respan_all(c, span, line)),
        _ => {}
    }
}

/// Maps nodes of an inline block scalar onto the kustomization's lines (whole trimmed lines).
pub(crate) fn respan_lines(
    n: &mut Node,
    text: &str,
    base: usize,
    lines: &LineIndex,
    first: usize,
    inner: &LineIndex,
) {
    let to_file = |off: usize| -> (Range<usize>, usize) {
        // `first` is the line of the block scalar's first content line.
        let l = first + inner.line(off) - 1;
        let start = lines.line_start(l).unwrap_or(text.len());
        let end = lines.line_start(l + 1).unwrap_or(text.len());
        let line_text = &text[start..end];
        let lead = line_text.len() - line_text.trim_start().len();
        let trimmed = line_text.trim_end().len();
        (base + start + lead..base + start + trimmed.max(lead), l)
    };
    let (s, l) = to_file(n.span.start);
    n.span = s;
    n.line = l;
    if let Some(k) = &n.key_span {
        let (ks, kl) = to_file(k.start);
        n.key_span = Some(ks);
        n.key_line = kl;
    }
    match &mut n.value {
        Value::Seq(s) => s
            .iter_mut()
            .for_each(|c| respan_lines(c, text, base, lines, first, inner)),
        Value::Map(m) => m
            .iter_mut()
            .for_each(|(_, c)| respan_lines(c, text, base, lines, first, inner)),
        _ => {}
    }
}

pub(crate) fn text_at<'a>(n: &'a Node, path: &[&str]) -> Option<&'a str> {
    n.get_path(path).and_then(Node::as_str)
}

/// Whether a strategic merge patch names this object (kind and name; namespace when given).
pub(crate) fn same_object(patch: &Node, r: &Node) -> bool {
    let kind = text_at(patch, &["kind"]);
    let name = text_at(patch, &["metadata", "name"]);
    if kind.is_none() || kind != text_at(r, &["kind"]) || name != text_at(r, &["metadata", "name"])
    {
        return false;
    }
    match text_at(patch, &["metadata", "namespace"]) {
        Some(ns) => text_at(r, &["metadata", "namespace"]).is_none_or(|x| x == ns),
        None => true,
    }
}

/// Whether a patch `target` selects an object (kind and name are anchored regexes).
pub(crate) fn selects(t: &Node, r: &Node) -> bool {
    let re = |pat: &str, v: Option<&str>| {
        regex::Regex::new(&format!("^(?:{pat})$")).is_ok_and(|re| re.is_match(v.unwrap_or("")))
    };
    if let Some(k) = text_at(t, &["kind"])
        && !re(k, text_at(r, &["kind"]))
    {
        return false;
    }
    if let Some(n) = text_at(t, &["name"])
        && !re(n, text_at(r, &["metadata", "name"]))
    {
        return false;
    }
    if let Some(ns) = text_at(t, &["namespace"])
        && text_at(r, &["metadata", "namespace"]).unwrap_or("default") != ns
    {
        return false;
    }
    let api = text_at(r, &["apiVersion"]).unwrap_or("");
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    if let Some(g) = text_at(t, &["group"])
        && g != group
    {
        return false;
    }
    if let Some(v) = text_at(t, &["version"])
        && v != version
    {
        return false;
    }
    if let Some(sel) = text_at(t, &["labelSelector"]) {
        for part in sel.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let have = r.get_path(&["metadata", "labels", k.trim_end_matches('!')]);
            let ok = if v.is_empty() {
                have.is_some()
            } else {
                have.and_then(Node::scalar_text).as_deref() == Some(v.trim_start_matches('='))
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

/// The key list items of a field are merged on (Kubernetes `patchMergeKey`s).
pub(crate) fn merge_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "hostAliases" => match field {
            "hostAliases" => "ip",
            _ => "name",
        },
        "ports" => "containerPort",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "tolerations" | "topologySpreadConstraints" => return None,
        _ => return None,
    })
}

pub(crate) fn directive(n: &Node) -> Option<&str> {
    n.get("$patch").and_then(Node::as_str)
}

/// Strategic merge of `patch` into `base` (Kubernetes semantics for the common fields):
/// mappings merge, `null` deletes, lists with a merge key merge by it, other lists are
/// replaced; `$patch: delete` / `$patch: replace` are honoured.
pub fn strategic_merge(base: &mut Node, patch: &Node, field: &str) {
    match (&mut base.value, &patch.value) {
        (Value::Map(bm), Value::Map(pm)) => {
            if directive(patch) == Some("replace") {
                let mut p = patch.clone();
                if let Value::Map(m) = &mut p.value {
                    m.retain(|(k, _)| k != "$patch");
                }
                base.value = p.value;
                return;
            }
            for (k, pv) in pm {
                if k == "$patch"
                    || k.starts_with("$setElementOrder")
                    || k.starts_with("$retainKeys")
                {
                    continue;
                }
                if pv.is_null() || directive(pv) == Some("delete") {
                    bm.retain(|(x, _)| x != k);
                    continue;
                }
                match bm.iter_mut().find(|(x, _)| x == k) {
                    Some((_, bv)) if bv.is_scalar() || pv.is_scalar() => *bv = pv.clone(),
                    Some((_, bv)) => strategic_merge(bv, pv, k),
                    None => bm.push((k.clone(), pv.clone())),
                }
            }
        }
        (Value::Seq(bs), Value::Seq(ps)) => match merge_key(field) {
            Some(key) => {
                for item in ps {
                    let id = item.get(key).map(Node::to_json);
                    let pos = id.as_ref().and_then(|id| {
                        bs.iter()
                            .position(|b| b.get(key).map(Node::to_json).as_ref() == Some(id))
                    });
                    match (pos, directive(item)) {
                        (Some(i), Some("delete")) => {
                            bs.remove(i);
                        }
                        (None, Some("delete")) => {}
                        (Some(i), _) => strategic_merge(&mut bs[i], item, ""),
                        (None, _) => bs.push(item.clone()),
                    }
                }
            }
            None => base.value = patch.value.clone(),
        },
        _ => {
            let (ks, kl) = (base.key_span.clone(), base.key_line);
            *base = patch.clone();
            if base.key_span.is_none() {
                base.key_span = ks;
                base.key_line = kl;
            }
        }
    }
}
