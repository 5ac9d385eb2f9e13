//! Helm's `.Files`: `Get`, `GetBytes`, `Lines`, `Glob` (with `.AsConfig` and `.AsSecrets` on
//! its result), over the chart files the renderer was given (see [`Set::with_files`]). Without
//! them every call is unknown.

#[allow(unused_imports)]
use super::*;

impl Exec<'_> {
    /// A method call with arguments (`.Files.Get "x"`, `.Capabilities.APIVersions.Has "y"`).
    pub(crate) fn method(&self, f: &[String], a: &[V]) -> Result<V, String> {
        let is_files = f.len() >= 2 && f[f.len() - 2] == "Files";
        let Some(name) = f.last().filter(|_| is_files) else {
            return Ok(method(f, a));
        };
        let Some(files) = &self.set.files else {
            return Ok(V::Unknown);
        };
        let arg = match a.first() {
            Some(V::Str(s)) => s.trim_start_matches("./").to_string(),
            Some(V::Unknown) | None => return Ok(V::Unknown),
            Some(v) => v.print(),
        };
        let text = |p: &str| {
            files
                .get(p)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        let v = match name.as_str() {
            "Get" | "GetBytes" => V::Str(text(&arg)),
            "Lines" => {
                let t = text(&arg);
                if t.is_empty() {
                    V::List(Vec::new())
                } else {
                    V::List(t.split('\n').map(|l| V::Str(l.into())).collect())
                }
            }
            "Glob" => V::Map(
                files
                    .iter()
                    .filter(|(p, _)| glob_match(&arg, p))
                    .map(|(p, b)| (p.clone(), V::Str(String::from_utf8_lossy(b).into_owned())))
                    .collect(),
            ),
            _ => V::Unknown,
        };
        self.set.produced(&v)?;
        Ok(v)
    }
}

/// `.AsConfig` (file name → text, as YAML) or `.AsSecrets` (file name → base64) of a
/// `.Files.Glob` result.
pub(crate) fn as_config(m: &BTreeMap<String, V>, secrets: bool) -> V {
    let mut out = BTreeMap::new();
    for (p, v) in m {
        let name = p.rsplit('/').next().unwrap_or(p).to_string();
        let text = v.print();
        let v = if secrets {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(text)
        } else {
            text
        };
        out.insert(name, V::Str(v));
    }
    if out.is_empty() {
        return V::Str(String::new());
    }
    V::Str(to_yaml(&V::Map(out)).trim_end().to_string())
}

/// Glob matching as Helm's `.Files.Glob` does it: `*` and `?` stay within a path component,
/// `**` crosses `/`, `[abc]` is a class, `{a,b}` an alternative.
pub fn glob_match(pat: &str, s: &str) -> bool {
    fn go(p: &[u8], s: &[u8], steps: &mut usize) -> bool {
        *steps += 1;
        if *steps > 100_000 {
            return false;
        }
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = &p[2..];
                (0..=s.len()).any(|i| go(rest, &s[i..], steps))
            }
            Some(b'*') => {
                let rest = &p[1..];
                for i in 0..=s.len() {
                    if go(rest, &s[i..], steps) {
                        return true;
                    }
                    if s.get(i) == Some(&b'/') {
                        break;
                    }
                }
                false
            }
            Some(b'?') => s.first().is_some_and(|&c| c != b'/') && go(&p[1..], &s[1..], steps),
            Some(b'[') => {
                let Some(end) = p.iter().position(|&c| c == b']') else {
                    return s.first() == Some(&b'[') && go(&p[1..], &s[1..], steps);
                };
                let class = &p[1..end];
                let (neg, class) = match class.first() {
                    Some(b'!' | b'^') => (true, &class[1..]),
                    _ => (false, class),
                };
                let Some(&c) = s.first() else { return false };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == b'-' {
                        hit |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == c;
                        i += 1;
                    }
                }
                hit != neg && go(&p[end + 1..], &s[1..], steps)
            }
            Some(b'{') => {
                let Some(end) = p.iter().position(|&c| c == b'}') else {
                    return s.first() == Some(&b'{') && go(&p[1..], &s[1..], steps);
                };
                p[1..end].split(|&c| c == b',').any(|alt| {
                    let mut q = alt.to_vec();
                    q.extend_from_slice(&p[end + 1..]);
                    go(&q, s, steps)
                })
            }
            Some(&c) => s.first() == Some(&c) && go(&p[1..], &s[1..], steps),
        }
    }
    go(pat.as_bytes(), s.as_bytes(), &mut 0)
}
