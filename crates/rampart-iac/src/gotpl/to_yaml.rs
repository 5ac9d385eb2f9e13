//! YAML as Helm's `toYaml` writes it (sigs.k8s.io/yaml: keys sorted, lists not indented).

#[allow(unused_imports)]
use super::*;

/// YAML as Helm's `toYaml` writes it (keys sorted, lists not indented under their key).
pub fn to_yaml(v: &V) -> String {
    let mut out = String::new();
    match v {
        V::Map(m) if m.is_empty() => out.push_str("{}\n"),
        V::List(l) if l.is_empty() => out.push_str("[]\n"),
        V::Map(_) | V::List(_) => yaml_block(v, 0, &mut out),
        other => {
            out.push_str(&yaml_scalar(other));
            out.push('\n');
        }
    }
    out
}

pub(crate) fn yaml_scalar(v: &V) -> String {
    match v {
        V::Nil => "null".into(),
        // Read back by the YAML reader as an unknown value.
        V::Unknown => "!unknown helm".into(),
        V::Bool(b) => b.to_string(),
        V::Int(i) => i.to_string(),
        V::Float(f) => fmt_float(*f),
        V::Str(s) => {
            let plain = !s.is_empty()
                && !s.contains('\n')
                && !s.starts_with([
                    ' ', '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>',
                    '\'', '"', '%', '@', '`',
                ])
                && !s.ends_with(' ')
                && !s.contains(": ")
                && !s.contains(" #")
                && !s.ends_with(':')
                && matches!(crate::yaml::resolve_plain(s), crate::model::Value::Str(_))
                // YAML 1.1 booleans, which go-yaml quotes too.
                && !matches!(
                    s.to_ascii_lowercase().as_str(),
                    "yes" | "no" | "on" | "off" | "y" | "n" | "true" | "false" | "null" | "~"
                );
            if plain {
                s.clone()
            } else {
                serde_json::Value::String(s.clone()).to_string()
            }
        }
        V::List(_) | V::Map(_) => v.to_json().to_string(),
    }
}

pub(crate) fn yaml_block(v: &V, ind: usize, out: &mut String) {
    let pad = " ".repeat(ind);
    match v {
        V::Map(m) => {
            for (k, x) in m {
                let key = yaml_scalar(&V::Str(k.clone()));
                match x {
                    V::Map(c) if !c.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        yaml_block(x, ind + 2, out);
                    }
                    V::List(c) if !c.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        yaml_block(x, ind, out);
                    }
                    V::Map(_) => out.push_str(&format!("{pad}{key}: {{}}\n")),
                    V::List(_) => out.push_str(&format!("{pad}{key}: []\n")),
                    other => out.push_str(&format!("{pad}{key}: {}\n", yaml_scalar(other))),
                }
            }
        }
        V::List(l) => {
            for x in l {
                match x {
                    V::Map(c) if !c.is_empty() => {
                        let mut sub = String::new();
                        yaml_block(x, ind + 2, &mut sub);
                        // The first line goes after `- `.
                        let sub = sub
                            .strip_prefix(&" ".repeat(ind + 2))
                            .unwrap_or(&sub)
                            .to_string();
                        out.push_str(&format!("{pad}- {sub}"));
                    }
                    V::List(c) if !c.is_empty() => {
                        let mut sub = String::new();
                        yaml_block(x, ind + 2, &mut sub);
                        let sub = sub
                            .strip_prefix(&" ".repeat(ind + 2))
                            .unwrap_or(&sub)
                            .to_string();
                        out.push_str(&format!("{pad}- {sub}"));
                    }
                    other => out.push_str(&format!("{pad}- {}\n", yaml_scalar(other))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", yaml_scalar(other))),
    }
}
