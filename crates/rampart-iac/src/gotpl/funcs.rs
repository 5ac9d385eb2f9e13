//! The sprig and Go built-in functions charts use.

#[allow(unused_imports)]
use super::*;

pub(crate) fn s(v: Option<&V>) -> String {
    v.map(V::print).unwrap_or_default()
}

pub(crate) fn empty(v: &V) -> bool {
    v.truth() == Some(false)
}

pub(crate) fn cmp(a: &V, b: &V) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        _ => a.num()?.partial_cmp(&b.num()?),
    }
}

pub(crate) fn eq(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Int(_) | V::Float(_), V::Int(_) | V::Float(_)) => a.num() == b.num(),
        _ => a == b,
    }
}

pub(crate) fn num_v(x: f64, ints: bool) -> V {
    if ints && x.fract() == 0.0 {
        V::Int(x as i64)
    } else {
        V::Float(x)
    }
}

/// `t` with every line indented by `n` spaces; `None` (the call fails) when `n` is not a count
/// ([`count`]) or the result would be over the text a template may produce ([`MAX_PRODUCED`]),
/// before anything is allocated.
pub(crate) fn indent(n: &V, t: &str) -> Option<String> {
    let n = count(n)?;
    let lines = t.bytes().filter(|&b| b == b'\n').count() + 1;
    if n.saturating_mul(lines).saturating_add(t.len()) > MAX_PRODUCED {
        return None;
    }
    let pad = " ".repeat(n);
    Some(
        t.split('\n')
            .map(|l| format!("{pad}{l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// sprig `b64dec`: standard or URL-safe alphabet, padding and white space optional.
pub(crate) fn unb64(s: &str) -> Option<String> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let clean: String = s
        .chars()
        .filter(|c| *c != '=' && !c.is_ascii_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    String::from_utf8(LENIENT.decode(clean).ok()?).ok()
}

/// Go's `printf` for the verbs charts use (`%s %d %v %q %t %f %%`, widths ignored).
pub(crate) fn printf(fmt: &str, args: &[V]) -> String {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_digit() || n == '.' || n == '-' || n == '+' || n == '#' || n == ' ' {
                spec.push(n);
                chars.next();
            } else {
                break;
            }
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('q') => out.push_str(&serde_json::Value::String(s(it.next())).to_string()),
            Some('f') => {
                let v = it.next().and_then(V::num).unwrap_or(0.0);
                let prec = spec
                    .split('.')
                    .nth(1)
                    .and_then(|p| p.parse::<usize>().ok())
                    .unwrap_or(6)
                    .min(64);
                out.push_str(&format!("{v:.prec$}"));
            }
            Some('d') => {
                let v = it.next().and_then(V::num).unwrap_or(0.0);
                out.push_str(&(v as i64).to_string());
            }
            Some(_) => out.push_str(&s(it.next())),
            None => out.push('%'),
        }
    }
    out
}

pub(crate) fn semver(v: &str) -> Option<(u64, u64, u64)> {
    let v = v.trim().trim_start_matches('v');
    let core = v.split(['-', '+']).next()?;
    let mut p = core.split('.').map(|x| x.parse::<u64>().ok());
    Some((
        p.next()??,
        p.next().flatten().unwrap_or(0),
        p.next().flatten().unwrap_or(0),
    ))
}

pub(crate) fn semver_compare(constraint: &str, version: &str) -> Option<bool> {
    let v = semver(version)?;
    let mut all = true;
    for c in constraint.split([',', ' ']).filter(|c| !c.is_empty()) {
        let (op, rest) = ["<=", ">=", "!=", "<", ">", "=", "~", "^"]
            .iter()
            .find_map(|op| c.strip_prefix(op).map(|r| (*op, r)))
            .unwrap_or(("=", c));
        let w = semver(rest)?;
        all &= match op {
            "<=" => v <= w,
            ">=" => v >= w,
            "<" => v < w,
            ">" => v > w,
            "!=" => v != w,
            "~" => v >= w && v.0 == w.0 && v.1 == w.1,
            "^" => v >= w && v.0 == w.0,
            _ => v == w,
        };
    }
    Some(all)
}

/// Sprig and Go built-in functions; `None` when unsupported.
pub(crate) fn builtin(f: &str, a: &[V]) -> Option<V> {
    let arg = |i: usize| a.get(i).cloned().unwrap_or(V::Nil);
    let last = || a.last().cloned().unwrap_or(V::Nil);
    let strf = |g: &dyn Fn(&str) -> String| -> Option<V> {
        match a.last() {
            Some(V::Unknown) => Some(V::Unknown),
            x => Some(V::Str(g(&s(x)))),
        }
    };
    // Unknown in, unknown out (except the functions that look at presence).
    if !matches!(
        f,
        "default"
            | "coalesce"
            | "ternary"
            | "hasKey"
            | "dict"
            | "list"
            | "empty"
            | "kindIs"
            | "typeOf"
    ) && a.iter().any(|v| matches!(v, V::Unknown))
    {
        return Some(V::Unknown);
    }
    Some(match f {
        "default" => {
            let given = if a.len() > 1 { last() } else { V::Nil };
            if matches!(given, V::Unknown) {
                V::Unknown
            } else if empty(&given) {
                arg(0)
            } else {
                given
            }
        }
        "coalesce" => {
            for v in a {
                match v.truth() {
                    None => return Some(V::Unknown),
                    Some(true) => return Some(v.clone()),
                    _ => {}
                }
            }
            V::Nil
        }
        "ternary" => match arg(2).truth() {
            Some(true) => arg(0),
            Some(false) => arg(1),
            None => V::Unknown,
        },
        "empty" => match last().truth() {
            Some(t) => V::Bool(!t),
            None => V::Unknown,
        },
        "quote" => V::Str(
            a.iter()
                .filter(|v| !matches!(v, V::Nil))
                .map(|v| serde_json::Value::String(v.print()).to_string())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "squote" => V::Str(
            a.iter()
                .filter(|v| !matches!(v, V::Nil))
                .map(|v| format!("'{}'", v.print()))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "toYaml" | "toYamlPretty" => V::Str(to_yaml(&last()).trim_end_matches('\n').to_string()),
        "toJson" | "mustToJson" | "toRawJson" => V::Str(last().to_json().to_string()),
        "toPrettyJson" => V::Str(serde_json::to_string_pretty(&last().to_json()).ok()?),
        "fromYaml" | "fromJson" => {
            let (docs, _) = crate::yaml::parse(&s(a.last()));
            docs.first()
                .map(V::from_node)
                .unwrap_or(V::Map(BTreeMap::new()))
        }
        "lookup" => V::Map(BTreeMap::new()),
        "indent" => V::Str(indent(&arg(0), &s(a.get(1)))?),
        "nindent" => V::Str(format!("\n{}", indent(&arg(0), &s(a.get(1)))?)),
        "printf" => V::Str(printf(&s(a.first()), &a[1.min(a.len())..])),
        "print" => V::Str(a.iter().map(V::print).collect::<Vec<_>>().join("")),
        "println" => V::Str(format!(
            "{}\n",
            a.iter().map(V::print).collect::<Vec<_>>().join(" ")
        )),
        "cat" => V::Str(
            a.iter()
                .filter(|v| !matches!(v, V::Nil))
                .map(V::print)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "b64enc" => V::Str({
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(s(a.last()))
        }),
        "b64dec" => V::Str(unb64(&s(a.last()))?),
        "trunc" => {
            let n = arg(0).num()? as i64;
            let t: Vec<char> = s(a.get(1)).chars().collect();
            let n = if n < 0 {
                t.len().saturating_sub(n.unsigned_abs() as usize)
            } else {
                (n as usize).min(t.len())
            };
            V::Str(if arg(0).num()? < 0.0 {
                t[n..].iter().collect()
            } else {
                t[..n].iter().collect()
            })
        }
        "trimSuffix" => {
            let (suf, t) = (s(a.first()), s(a.get(1)));
            V::Str(t.strip_suffix(&suf).unwrap_or(&t).to_string())
        }
        "trimPrefix" => {
            let (pre, t) = (s(a.first()), s(a.get(1)));
            V::Str(t.strip_prefix(&pre).unwrap_or(&t).to_string())
        }
        "trim" => return strf(&|x| x.trim().to_string()),
        "trimAll" => {
            let (cut, t) = (s(a.first()), s(a.get(1)));
            V::Str(t.trim_matches(|c| cut.contains(c)).to_string())
        }
        "upper" => return strf(&|x| x.to_uppercase()),
        "lower" => return strf(&|x| x.to_lowercase()),
        "title" => {
            return strf(&|x| {
                x.split(' ')
                    .map(|w| {
                        let mut c = w.chars();
                        c.next()
                            .map(|f| f.to_uppercase().chain(c).collect())
                            .unwrap_or_default()
                    })
                    .collect::<Vec<String>>()
                    .join(" ")
            });
        }
        "nospace" => return strf(&|x| x.chars().filter(|c| !c.is_whitespace()).collect()),
        "replace" => V::Str(s(a.get(2)).replace(&s(a.first()), &s(a.get(1)))),
        "repeat" => V::Str(s(a.get(1)).repeat(count(&arg(0))?)),
        "contains" => V::Bool(s(a.get(1)).contains(&s(a.first()))),
        "hasPrefix" => V::Bool(s(a.get(1)).starts_with(&s(a.first()))),
        "hasSuffix" => V::Bool(s(a.get(1)).ends_with(&s(a.first()))),
        "toString" => V::Str(s(a.last())),
        "toStrings" => match last() {
            V::List(l) => V::List(l.iter().map(|x| V::Str(x.print())).collect()),
            _ => V::List(Vec::new()),
        },
        "int" | "int64" | "atoi" => V::Int(last().num().unwrap_or(0.0) as i64),
        "float64" => V::Float(last().num().unwrap_or(0.0)),
        "toDecimal" => V::Int(i64::from_str_radix(&s(a.last()), 8).ok()?),
        "add" => {
            let ints = a.iter().all(|v| matches!(v, V::Int(_)));
            num_v(a.iter().map(|v| v.num().unwrap_or(0.0)).sum(), ints)
        }
        "add1" => num_v(last().num()? + 1.0, matches!(last(), V::Int(_))),
        "sub" => num_v(
            arg(0).num()? - arg(1).num()?,
            matches!((arg(0), arg(1)), (V::Int(_), V::Int(_))),
        ),
        "mul" => {
            let ints = a.iter().all(|v| matches!(v, V::Int(_)));
            num_v(a.iter().map(|v| v.num().unwrap_or(0.0)).product(), ints)
        }
        "div" => {
            let y = arg(1).num()?;
            if y == 0.0 {
                return None;
            }
            let ints = matches!((arg(0), arg(1)), (V::Int(_), V::Int(_)));
            let r = arg(0).num()? / y;
            num_v(if ints { r.trunc() } else { r }, ints)
        }
        "mod" => V::Int((arg(0).num()? as i64).checked_rem(arg(1).num()? as i64)?),
        "max" => num_v(a.iter().filter_map(V::num).fold(f64::MIN, f64::max), true),
        "min" => num_v(a.iter().filter_map(V::num).fold(f64::MAX, f64::min), true),
        "eq" => {
            let x = arg(0);
            V::Bool(a[1.min(a.len())..].iter().any(|y| eq(&x, y)))
        }
        "ne" => V::Bool(!eq(&arg(0), &arg(1))),
        "lt" => V::Bool(cmp(&arg(0), &arg(1))? == std::cmp::Ordering::Less),
        "le" => V::Bool(cmp(&arg(0), &arg(1))? != std::cmp::Ordering::Greater),
        "gt" => V::Bool(cmp(&arg(0), &arg(1))? == std::cmp::Ordering::Greater),
        "ge" => V::Bool(cmp(&arg(0), &arg(1))? != std::cmp::Ordering::Less),
        "not" => V::Bool(!last().truth()?),
        "len" => V::Int(match last() {
            V::Str(x) => x.len(),
            V::List(l) => l.len(),
            V::Map(m) => m.len(),
            V::Nil => 0,
            _ => return None,
        } as i64),
        "index" => {
            let mut v = arg(0);
            for k in &a[1.min(a.len())..] {
                v = match (&v, k) {
                    (V::List(l), k) => l.get(k.num()? as usize).cloned().unwrap_or(V::Nil),
                    (V::Map(m), k) => m.get(&k.print()).cloned().unwrap_or(V::Nil),
                    _ => V::Nil,
                };
            }
            v
        }
        "hasKey" => match arg(0) {
            V::Map(m) => V::Bool(m.contains_key(&s(a.get(1)))),
            V::Unknown => V::Unknown,
            _ => V::Bool(false),
        },
        "get" => arg(0).get(&s(a.get(1))),
        "dig" => {
            // dig "a" "b" default dict
            let n = a.len();
            if n < 3 {
                return None;
            }
            let mut v = a[n - 1].clone();
            for k in &a[..n - 2] {
                v = v.get(&k.print());
            }
            if matches!(v, V::Nil) {
                a[n - 2].clone()
            } else {
                v
            }
        }
        "dict" => {
            let mut m = BTreeMap::new();
            for kv in a.chunks(2) {
                m.insert(kv[0].print(), kv.get(1).cloned().unwrap_or(V::Nil));
            }
            V::Map(m)
        }
        "set" => match arg(0) {
            V::Map(mut m) => {
                m.insert(s(a.get(1)), arg(2));
                V::Map(m)
            }
            _ => return None,
        },
        "unset" => match arg(0) {
            V::Map(mut m) => {
                m.remove(&s(a.get(1)));
                V::Map(m)
            }
            _ => return None,
        },
        "merge" | "mustMerge" | "mergeOverwrite" | "mustMergeOverwrite" => {
            let over = f.contains("Overwrite");
            let mut acc = arg(0);
            for x in &a[1.min(a.len())..] {
                acc = merge_v(acc, x, over);
            }
            acc
        }
        "deepCopy" | "mustDeepCopy" => last(),
        "keys" => {
            let mut k: Vec<V> = Vec::new();
            for m in a {
                if let V::Map(m) = m {
                    k.extend(m.keys().map(|x| V::Str(x.clone())));
                }
            }
            V::List(k)
        }
        "values" => match last() {
            V::Map(m) => V::List(m.values().cloned().collect()),
            _ => V::List(Vec::new()),
        },
        "pick" | "omit" => match arg(0) {
            V::Map(m) => {
                let names: Vec<String> = a[1..].iter().map(V::print).collect();
                V::Map(
                    m.into_iter()
                        .filter(|(k, _)| names.contains(k) == (f == "pick"))
                        .collect(),
                )
            }
            _ => return None,
        },
        "list" | "tuple" => V::List(a.to_vec()),
        "append" | "mustAppend" => match arg(0) {
            V::List(mut l) => {
                l.push(arg(1));
                V::List(l)
            }
            V::Nil => V::List(vec![arg(1)]),
            _ => return None,
        },
        "prepend" => match arg(0) {
            V::List(mut l) => {
                l.insert(0, arg(1));
                V::List(l)
            }
            _ => return None,
        },
        "concat" => {
            let mut l = Vec::new();
            for x in a {
                if let V::List(x) = x {
                    l.extend(x.iter().cloned());
                }
            }
            V::List(l)
        }
        "first" => match last() {
            V::List(l) => l.first().cloned().unwrap_or(V::Nil),
            _ => V::Nil,
        },
        "last" => match last() {
            V::List(l) => l.last().cloned().unwrap_or(V::Nil),
            _ => V::Nil,
        },
        "rest" => match last() {
            V::List(l) => V::List(l.iter().skip(1).cloned().collect()),
            _ => V::Nil,
        },
        "uniq" => match last() {
            V::List(l) => {
                let mut out: Vec<V> = Vec::new();
                for x in l {
                    if !out.contains(&x) {
                        out.push(x);
                    }
                }
                V::List(out)
            }
            _ => V::Nil,
        },
        "has" => match arg(1) {
            V::List(l) => V::Bool(l.iter().any(|x| eq(x, &arg(0)))),
            _ => V::Bool(false),
        },
        "without" => match arg(0) {
            V::List(l) => V::List(l.into_iter().filter(|x| !a[1..].contains(x)).collect()),
            _ => return None,
        },
        "sortAlpha" => match last() {
            V::List(l) => {
                let mut v: Vec<String> = l.iter().map(V::print).collect();
                v.sort();
                V::List(v.into_iter().map(V::Str).collect())
            }
            _ => return None,
        },
        "join" => match arg(1) {
            V::List(l) => V::Str(
                l.iter()
                    .map(V::print)
                    .collect::<Vec<_>>()
                    .join(&s(a.first())),
            ),
            other => V::Str(other.print()),
        },
        "splitList" => V::List(
            s(a.get(1))
                .split(&s(a.first()))
                .map(|x| V::Str(x.into()))
                .collect(),
        ),
        "split" => V::Map(
            s(a.get(1))
                .split(&s(a.first()))
                .enumerate()
                .map(|(i, x)| (format!("_{i}"), V::Str(x.into())))
                .collect(),
        ),
        "until" => V::List((0..count(&arg(0))? as i64).map(V::Int).collect()),
        "untilStep" => {
            let (st, en, step) = (
                arg(0).num()? as i64,
                arg(1).num()? as i64,
                arg(2).num()? as i64,
            );
            if step <= 0 || (en as f64 - st as f64) / step as f64 > MAX_COUNT {
                return None;
            }
            V::List((st..en).step_by(step as usize).map(V::Int).collect())
        }
        "regexMatch" => V::Bool(
            regex::Regex::new(&s(a.first()))
                .ok()?
                .is_match(&s(a.get(1))),
        ),
        "regexReplaceAll" => V::Str(
            regex::Regex::new(&s(a.first()))
                .ok()?
                .replace_all(
                    &s(a.get(1)),
                    s(a.get(2))
                        .replace("${", "$${")
                        .replace("$${", "${")
                        .as_str(),
                )
                .to_string(),
        ),
        "regexFind" => V::Str(
            regex::Regex::new(&s(a.first()))
                .ok()?
                .find(&s(a.get(1)))
                .map(|m| m.as_str().to_string())
                .unwrap_or_default(),
        ),
        "kindIs" => V::Bool(kind_of(&arg(1)) == s(a.first())),
        "kindOf" | "typeOf" => V::Str(kind_of(&last()).into()),
        "typeIs" => V::Bool(kind_of(&arg(1)) == s(a.first())),
        "semverCompare" => V::Bool(semver_compare(&s(a.first()), &s(a.get(1)))?),
        "camelcase" => V::Str(
            s(a.last())
                .split(['_', '-', ' '])
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect())
                        .unwrap_or_default()
                })
                .collect::<Vec<String>>()
                .concat(),
        ),
        "kebabcase" => V::Str(s(a.last()).replace('_', "-").to_lowercase()),
        "snakecase" => V::Str(s(a.last()).replace('-', "_").to_lowercase()),
        "abbrev" => {
            let n = arg(0).num()? as usize;
            let t = s(a.get(1));
            V::Str(if t.chars().count() > n && n > 3 {
                format!("{}...", t.chars().take(n - 3).collect::<String>())
            } else {
                t
            })
        }
        _ => return None,
    })
}

/// A non-negative count no larger than [`MAX_COUNT`].
pub(crate) fn count(v: &V) -> Option<usize> {
    let n = v.num()?;
    (0.0..=MAX_COUNT).contains(&n).then_some(n as usize)
}

pub(crate) fn kind_of(v: &V) -> &'static str {
    match v {
        V::Nil => "invalid",
        V::Bool(_) => "bool",
        V::Int(_) => "int",
        V::Float(_) => "float64",
        V::Str(_) => "string",
        V::List(_) => "slice",
        V::Map(_) => "map",
        V::Unknown => "unknown",
    }
}

/// sprig `merge`: keys of `dst` win unless `over`; nested maps merge.
pub(crate) fn merge_v(dst: V, src: &V, over: bool) -> V {
    match (dst, src) {
        (V::Map(mut d), V::Map(s)) => {
            for (k, v) in s {
                let cur = d.remove(k);
                let nv = match cur {
                    Some(c @ V::Map(_)) if matches!(v, V::Map(_)) => merge_v(c, v, over),
                    Some(c) if !over && !matches!(c, V::Nil) => c,
                    _ => v.clone(),
                };
                d.insert(k.clone(), nv);
            }
            V::Map(d)
        }
        (V::Nil, s) => s.clone(),
        (d, _) => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_refuses_counts_that_are_not_counts_or_too_much_text() {
        // Found by the iac_helm fuzz target: `nindent` with a huge or negative count overflowed
        // the allocation (capacity overflow) instead of failing the call.
        assert_eq!(indent(&V::Int(2), "a\nb").as_deref(), Some("  a\n  b"));
        assert_eq!(indent(&V::Int(-1), "a"), None);
        assert_eq!(indent(&V::Float(1e30), "a"), None);
        // 100,000 spaces on each of 1,000 lines: 100 MB, over the 64 MiB a template may produce.
        assert_eq!(indent(&V::Int(100_000), &"x\n".repeat(1_000)), None);
    }
}
