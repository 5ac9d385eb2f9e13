//! PEP 508 environment markers (`; python_version < "3.8" and sys_platform == "win32"`),
//! evaluated for one target environment, as pip and `packaging` evaluate them: a version
//! operator is a PEP 440 specifier built from the right-hand side and tested on the left-hand
//! side; when either does not parse, the strings are compared.

use std::str::FromStr;

/// The environment markers are evaluated for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerEnv {
    /// `python_version` (`3.12`).
    pub python_version: String,
    /// `python_full_version` (`3.12.0`).
    pub python_full_version: String,
    /// `sys_platform` (`linux`).
    pub sys_platform: String,
    /// `platform_system` (`Linux`).
    pub platform_system: String,
    /// `os_name` (`posix`).
    pub os_name: String,
    /// `implementation_name` (`cpython`).
    pub implementation_name: String,
    /// `platform_python_implementation` (`CPython`).
    pub platform_python_implementation: String,
    /// `platform_machine` (`x86_64`).
    pub platform_machine: String,
}

impl Default for MarkerEnv {
    fn default() -> MarkerEnv {
        MarkerEnv::linux_cpython("3.12")
    }
}

impl MarkerEnv {
    /// CPython on Linux x86-64, with `python_version` (`3.11`) or a full version (`3.11.4`).
    pub fn linux_cpython(python: &str) -> MarkerEnv {
        let parts: Vec<&str> = python.trim().split('.').collect();
        let short = parts.iter().take(2).copied().collect::<Vec<_>>().join(".");
        let full = if parts.len() >= 3 {
            python.trim().to_string()
        } else {
            format!("{short}.0")
        };
        MarkerEnv {
            python_version: short,
            python_full_version: full,
            sys_platform: "linux".into(),
            platform_system: "Linux".into(),
            os_name: "posix".into(),
            implementation_name: "cpython".into(),
            platform_python_implementation: "CPython".into(),
            platform_machine: "x86_64".into(),
        }
    }

    fn var(&self, name: &str) -> Option<String> {
        Some(match name {
            "python_version" => self.python_version.clone(),
            "python_full_version" | "implementation_version" => self.python_full_version.clone(),
            "sys_platform" | "sys.platform" => self.sys_platform.clone(),
            "platform_system" => self.platform_system.clone(),
            "os_name" | "os.name" => self.os_name.clone(),
            "implementation_name" => self.implementation_name.clone(),
            "platform_python_implementation"
            | "platform.python_implementation"
            | "python_implementation" => self.platform_python_implementation.clone(),
            "platform_machine" | "platform.machine" => self.platform_machine.clone(),
            // Unknown for a generic target; requirements files give no extras.
            "platform_release" | "platform_version" | "platform.version" | "extra" => String::new(),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Ident(String),
    Op(String),
    LParen,
    RParen,
}

fn tokens(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'(' {
            out.push(Tok::LParen);
            i += 1;
        } else if c == b')' {
            out.push(Tok::RParen);
            i += 1;
        } else if c == b'"' || c == b'\'' {
            let end = s[i + 1..].find(c as char).ok_or("unterminated string")?;
            out.push(Tok::Str(s[i + 1..i + 1 + end].to_string()));
            i += end + 2;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].to_string()));
        } else {
            let op = ["===", "==", "!=", "<=", ">=", "~=", "<", ">"]
                .iter()
                .find(|op| s[i..].starts_with(**op))
                .ok_or_else(|| format!("unexpected `{}`", &s[i..]))?;
            out.push(Tok::Op(op.to_string()));
            i += op.len();
        }
    }
    Ok(out)
}

/// Deepest nesting of parentheses read in a marker (real markers use one or two levels); past
/// it the marker is unreadable (treated as true, with a warning), never a stack overflow.
pub const MAX_MARKER_DEPTH: usize = 32;

struct Parser<'a> {
    toks: Vec<Tok>,
    i: usize,
    env: &'a MarkerEnv,
    depth: usize,
}

impl Parser<'_> {
    fn peek_ident(&self, word: &str) -> bool {
        matches!(self.toks.get(self.i), Some(Tok::Ident(w)) if w == word)
    }

    fn or(&mut self) -> Result<bool, String> {
        let mut v = self.and()?;
        while self.peek_ident("or") {
            self.i += 1;
            let r = self.and()?;
            v = v || r;
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut v = self.atom()?;
        while self.peek_ident("and") {
            self.i += 1;
            let r = self.atom()?;
            v = v && r;
        }
        Ok(v)
    }

    fn atom(&mut self) -> Result<bool, String> {
        if self.toks.get(self.i) == Some(&Tok::LParen) {
            self.i += 1;
            self.depth += 1;
            if self.depth > MAX_MARKER_DEPTH {
                return Err(format!(
                    "parentheses nested deeper than {MAX_MARKER_DEPTH} levels"
                ));
            }
            let v = self.or()?;
            self.depth -= 1;
            if self.toks.get(self.i) != Some(&Tok::RParen) {
                return Err("missing `)`".into());
            }
            self.i += 1;
            return Ok(v);
        }
        let lhs = self.value()?;
        let op = match self.toks.get(self.i) {
            Some(Tok::Op(o)) => {
                self.i += 1;
                o.clone()
            }
            Some(Tok::Ident(w)) if w == "in" => {
                self.i += 1;
                "in".into()
            }
            Some(Tok::Ident(w)) if w == "not" => {
                self.i += 1;
                if !self.peek_ident("in") {
                    return Err("`not` without `in`".into());
                }
                self.i += 1;
                "not in".into()
            }
            _ => return Err("missing comparison operator".into()),
        };
        let rhs = self.value()?;
        Ok(compare(&lhs, &op, &rhs))
    }

    fn value(&mut self) -> Result<String, String> {
        let t = self.toks.get(self.i).cloned().ok_or("unexpected end")?;
        self.i += 1;
        match t {
            Tok::Str(s) => Ok(s),
            Tok::Ident(name) => self
                .env
                .var(&name)
                .ok_or_else(|| format!("unknown marker variable `{name}`")),
            _ => Err("expected a marker variable or a quoted string".into()),
        }
    }
}

fn compare(lhs: &str, op: &str, rhs: &str) -> bool {
    match op {
        "in" => return rhs.contains(lhs),
        "not in" => return !rhs.contains(lhs),
        _ => {}
    }
    if let (Ok(spec), Ok(v)) = (
        pep440_rs::VersionSpecifier::from_str(&format!("{op}{rhs}")),
        pep440_rs::Version::from_str(lhs),
    ) {
        return spec.contains(&v);
    }
    match op {
        "==" | "===" => lhs == rhs,
        "!=" => lhs != rhs,
        "<" => lhs < rhs,
        "<=" => lhs <= rhs,
        ">" => lhs > rhs,
        ">=" => lhs >= rhs,
        _ => false, // `~=` needs versions
    }
}

/// A marker that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MarkerError(pub String);

/// Evaluates a marker expression; an error for one that cannot be read.
pub fn evaluate(marker: &str, env: &MarkerEnv) -> Result<bool, MarkerError> {
    let mut p = Parser {
        toks: tokens(marker).map_err(MarkerError)?,
        i: 0,
        env,
        depth: 0,
    };
    let v = p.or().map_err(MarkerError)?;
    if p.i != p.toks.len() {
        return Err(MarkerError("unexpected text after the marker".into()));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        let env = MarkerEnv::default();
        let t = |m: &str| evaluate(m, &env).unwrap();
        assert!(t(r#"python_version >= "3.6""#));
        assert!(!t(r#"python_version < "3.8""#));
        assert!(t(r#"python_version == "3.12""#));
        assert!(t(r#"python_version == "3.*""#));
        assert!(t(r#"python_full_version >= "3.12.0""#));
        assert!(!t(r#"sys_platform == "win32""#));
        assert!(t(r#"sys_platform == 'linux' and os_name == "posix""#));
        assert!(t(
            r#"platform_system == "Windows" or implementation_name == "cpython""#
        ));
        assert!(!t(
            r#"(sys_platform == "darwin" or sys_platform == "win32") and python_version > "3""#
        ));
        assert!(t(r#"sys_platform in "linux darwin""#));
        assert!(t(r#"sys_platform not in "win32 cygwin""#));
        assert!(t(r#""3.6" <= python_version"#));
        assert!(!t(r#"extra == "test""#));
        assert!(t(r#"python_version ~= "3.10""#));
        let old = MarkerEnv::linux_cpython("3.11");
        assert!(evaluate(r#"python_version < "3.12""#, &old).unwrap());
        assert_eq!(old.python_full_version, "3.11.0");
        assert!(evaluate(r#"python_version <"#, &env).is_err());
        assert!(evaluate(r#"foo == "bar""#, &env).is_err());
        // Deep nesting is an error, not a stack overflow.
        let deep = format!(
            "{}os_name == \"posix\"{}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        let e = evaluate(&deep, &env).unwrap_err();
        assert!(e.0.contains("nested deeper than 32"), "{e}");
        let ok = format!("{}os_name == \"posix\"{}", "(".repeat(32), ")".repeat(32));
        assert!(evaluate(&ok, &env).unwrap());
    }
}
