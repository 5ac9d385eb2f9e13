//! The kustomization transformers: namespace, name prefix and suffix, labels, annotations and
//! images.

#[allow(unused_imports)]
use super::*;

/// Kinds that are not namespaced (the namespace transformer leaves them alone).
pub(crate) const CLUSTER_KINDS: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "IngressClass",
    "RuntimeClass",
    "PodSecurityPolicy",
];

pub(crate) fn set(m: &mut Node, key: &str, v: Node) {
    if let Value::Map(entries) = &mut m.value {
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, x)) => *x = v,
            None => entries.push((key.to_string(), v)),
        }
    }
}

/// Sets `key` in the mapping at `path` below `n`, creating missing mappings (spanned like
/// `v`); does nothing where a non-mapping is in the way.
pub(crate) fn put(n: &mut Node, path: &[&str], key: &str, v: &Node) {
    let Some((first, rest)) = path.split_first() else {
        if n.as_map().is_some() {
            set(n, key, v.clone());
        }
        return;
    };
    if n.as_map().is_none() {
        return;
    }
    if n.get(first).is_none_or(|x| x.is_null()) {
        let mut m = Node::new(Value::Map(Vec::new()), v.span.clone(), v.line);
        m.key_span = v.key_span.clone();
        m.key_line = v.key_line;
        set(n, first, m);
    }
    if let Some(c) = child_mut(n, first) {
        put(c, rest, key, v);
    }
}

/// The namespace, name, label, annotation and image transformers.
pub(crate) fn transform(acc: &mut [Node], k: &Node) {
    let prefix = k.get("namePrefix").and_then(Node::as_str).unwrap_or("");
    let suffix = k.get("nameSuffix").and_then(Node::as_str).unwrap_or("");
    let ns = k.get("namespace").filter(|n| n.as_str().is_some());
    let mut labels: Vec<(String, Node, bool)> = Vec::new();
    for (key, v) in k.get("commonLabels").and_then(Node::as_map).unwrap_or(&[]) {
        labels.push((key.clone(), v.clone(), true));
    }
    for l in strs(k.get("labels")) {
        let templates = l
            .get("includeTemplates")
            .or_else(|| l.get("includeSelectors"))
            .and_then(Node::as_bool)
            .unwrap_or(false);
        for (key, v) in l.get("pairs").and_then(Node::as_map).unwrap_or(&[]) {
            labels.push((key.clone(), v.clone(), templates));
        }
    }
    let annotations = k
        .get("commonAnnotations")
        .and_then(Node::as_map)
        .unwrap_or(&[]);
    let images = strs(k.get("images"));
    for r in acc.iter_mut() {
        let kind = text_at(r, &["kind"]).unwrap_or("").to_string();
        if let Some(ns) = ns
            && !CLUSTER_KINDS.contains(&kind.as_str())
            && r.get("metadata").is_some()
        {
            put(r, &["metadata"], "namespace", ns);
        }
        if (!prefix.is_empty() || !suffix.is_empty())
            && kind != "Namespace"
            && let Some(name) = r.get_path(&["metadata", "name"]).cloned()
            && let Some(s) = name.as_str()
        {
            let mut n = name.clone();
            n.value = Value::Str(format!("{prefix}{s}{suffix}"));
            if let Some(md) = child_mut(r, "metadata") {
                set(md, "name", n);
            }
        }
        for (key, v, templates) in &labels {
            if r.get("metadata").is_some() {
                put(r, &["metadata", "labels"], key, v);
            }
            if *templates
                && crate::subjects::WORKLOAD_KINDS.contains(&kind.as_str())
                && let Some(spec) = child_mut(r, "spec")
                && let Some(tpl) = child_mut(spec, "template")
            {
                put(tpl, &["metadata", "labels"], key, v);
            }
        }
        for (key, v) in annotations {
            if r.get("metadata").is_some() {
                put(r, &["metadata", "annotations"], key, v);
            }
        }
        if !images.is_empty() {
            retag(r, &images);
        }
    }
}

/// Rewrites container images per the `images` entries (every `image` field below the object).
pub(crate) fn retag(n: &mut Node, images: &[&Node]) {
    match &mut n.value {
        Value::Map(m) => {
            for (k, v) in m.iter_mut() {
                if k == "image"
                    && let Some(img) = v.as_str()
                {
                    let (name, tag, digest) = crate::image::split_image(img);
                    let Some(e) = images
                        .iter()
                        .find(|e| e.get("name").and_then(Node::as_str) == Some(name))
                    else {
                        continue;
                    };
                    let new_name = e.get("newName").and_then(Node::as_str).unwrap_or(name);
                    let new_digest = e.get("digest");
                    let new_tag = e.get("newTag");
                    let (text, from) = if let Some(d) = new_digest.and_then(Node::scalar_text) {
                        (format!("{new_name}@{d}"), new_digest)
                    } else if let Some(t) = new_tag.and_then(Node::scalar_text) {
                        (format!("{new_name}:{t}"), new_tag)
                    } else {
                        let mut s = new_name.to_string();
                        if let Some(t) = tag {
                            s = format!("{s}:{t}");
                        }
                        if let Some(d) = digest {
                            s = format!("{s}@{d}");
                        }
                        (s, e.get("newName"))
                    };
                    // The value now comes from the kustomization entry: point there.
                    let at = from.unwrap_or(e);
                    let mut node = at.clone();
                    node.value = Value::Str(text);
                    node.tag = None;
                    *v = node;
                } else {
                    retag(v, images);
                }
            }
        }
        Value::Seq(s) => s.iter_mut().for_each(|c| retag(c, images)),
        _ => {}
    }
}
