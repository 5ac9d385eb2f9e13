//! The Terraform functions the evaluator knows.

#[allow(unused_imports)]
use super::*;

/// The Terraform functions the evaluator knows; `None` when unknown or unsupported.
pub(crate) fn call(name: &str, args: &[Node], span: &Range<usize>, line: usize) -> Option<Node> {
    let s = |v: Value| Some(Node::new(v, span.clone(), line));
    let text = |i: usize| args.get(i).and_then(Node::scalar_text);
    match name {
        "try" | "coalesce" => args
            .iter()
            .find(|a| !a.is_unknown() && !a.is_null())
            .cloned(),
        _ if !known(args) => None,
        "lower" => s(Value::Str(text(0)?.to_lowercase())),
        "upper" => s(Value::Str(text(0)?.to_uppercase())),
        "trimspace" => s(Value::Str(text(0)?.trim().to_string())),
        "tostring" => s(Value::Str(text(0)?)),
        "tonumber" => num(text(0)?.parse().ok()?, span, line).into(),
        "tobool" => s(Value::Bool(args.first()?.as_bool()?)),
        "tolist" | "toset" => args.first().cloned(),
        "jsonencode" => s(Value::Str(args.first()?.to_json().to_string())),
        "jsondecode" => Some(json_to_node(
            &serde_json::from_str(&text(0)?).ok()?,
            span,
            line,
        )),
        "concat" => {
            let mut v = Vec::new();
            for a in args {
                v.extend(a.as_seq()?.iter().cloned());
            }
            s(Value::Seq(v))
        }
        "merge" => {
            let mut m: Vec<(String, Node)> = Vec::new();
            for a in args {
                for (k, v) in a.as_map()? {
                    m.retain(|(x, _)| x != k);
                    m.push((k.clone(), v.clone()));
                }
            }
            s(Value::Map(m))
        }
        "join" => {
            let parts: Option<Vec<String>> = args
                .get(1)?
                .as_seq()?
                .iter()
                .map(Node::scalar_text)
                .collect();
            s(Value::Str(parts?.join(&text(0)?)))
        }
        "split" => {
            let sep = text(0)?;
            let parts = text(1)?
                .split(sep.as_str())
                .map(|p| Node::str(p, span.clone(), line))
                .collect();
            s(Value::Seq(parts))
        }
        "replace" => s(Value::Str(text(0)?.replace(&text(1)?, &text(2)?))),
        "length" => s(Value::Int(match &args.first()?.value {
            Value::Seq(v) => v.len() as i64,
            Value::Map(m) => m.len() as i64,
            Value::Str(x) => x.chars().count() as i64,
            _ => return None,
        })),
        "element" => {
            let l = args.first()?.as_seq()?;
            if l.is_empty() {
                return None;
            }
            l.get(args.get(1)?.as_f64()? as usize % l.len()).cloned()
        }
        "lookup" => args
            .first()?
            .get(&text(1)?)
            .cloned()
            .or_else(|| args.get(2).cloned()),
        "contains" => s(Value::Bool(
            args.first()?
                .as_seq()?
                .iter()
                .any(|x| x.to_json() == args[1].to_json()),
        )),
        "format" => {
            let fmt = text(0)?;
            let mut out = String::new();
            let mut it = args[1..].iter();
            let mut chars = fmt.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '%' {
                    match chars.next()? {
                        '%' => out.push('%'),
                        's' | 'd' | 'v' => out.push_str(&it.next()?.scalar_text()?),
                        _ => return None,
                    }
                } else {
                    out.push(c);
                }
            }
            s(Value::Str(out))
        }
        "min" | "max" => {
            let v: Option<Vec<f64>> = args.iter().map(Node::as_f64).collect();
            let v = v?;
            let r = if name == "min" {
                v.iter().cloned().fold(f64::INFINITY, f64::min)
            } else {
                v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            };
            Some(num(r, span, line))
        }
        _ => None,
    }
}
