//! The syntax of actions: tokens, pipelines and the tree items, the lexer of one action and
//! the pipeline parser.

#[allow(unused_imports)]
use super::*;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Field(Vec<String>),
    Var(String, Vec<String>),
    Ident(String),
    Str(String),
    Num(String),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
}

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Field(Vec<String>),
    Var(String, Vec<String>),
    Ident(String),
    Lit(V),
    Sub(Box<Pipe>, Vec<String>),
}

#[derive(Debug, Clone)]
pub(crate) struct Pipe {
    pub(crate) decl: Vec<String>,
    pub(crate) assign: bool,
    pub(crate) cmds: Vec<Vec<Arg>>,
}

#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// Text: byte range in the file.
    Text(usize, usize),
    /// Output of a pipeline; its position.
    Action(Pipe, usize),
    If(Vec<(Pipe, Vec<Item>)>, Vec<Item>),
    Range(Pipe, Vec<Item>, Vec<Item>),
    With(Vec<(Pipe, Vec<Item>)>, Vec<Item>),
    Template(String, Option<Pipe>, usize),
    Break,
    Continue,
}

/// A parse error.
#[derive(Debug, Clone)]
pub struct TplError {
    /// Byte offset in the template.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

pub(crate) fn lex(s: &str, at: usize) -> Result<Vec<Tok>, TplError> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let err = |m: String| TplError { at, message: m };
    let ident_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let fields = |i: &mut usize| -> Vec<String> {
        let mut f = Vec::new();
        while *i < b.len() && b[*i] == b'.' {
            let st = *i + 1;
            let mut j = st;
            while j < b.len() && ident_char(b[j]) {
                j += 1;
            }
            if j == st {
                break;
            }
            f.push(s[st..j].to_string());
            *i = j;
        }
        f
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            b')' => {
                out.push(Tok::RParen);
                i += 1;
                // `(…).a.b`: a chained field, marked as such.
                let f = fields(&mut i);
                if !f.is_empty() {
                    let mut v = vec!["\u{0}chain".to_string()];
                    v.extend(f);
                    out.push(Tok::Field(v));
                }
            }
            b'|' => {
                out.push(Tok::Pipe);
                i += 1;
            }
            b',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            b':' if b.get(i + 1) == Some(&b'=') => {
                out.push(Tok::Declare);
                i += 2;
            }
            b'=' => {
                out.push(Tok::Assign);
                i += 1;
            }
            b'"' => {
                let mut j = i + 1;
                let mut v = String::new();
                loop {
                    let Some(&ch) = b.get(j) else {
                        return Err(err("unterminated string".into()));
                    };
                    match ch {
                        b'"' => break,
                        b'\\' => {
                            // The escaped character may be multi-byte: step over all of it.
                            let e = s[j + 1..]
                                .chars()
                                .next()
                                .ok_or_else(|| err("bad escape".into()))?;
                            v.push(match e {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                other => other,
                            });
                            j += 1 + e.len_utf8();
                        }
                        _ => {
                            let ch = s[j..].chars().next().unwrap_or(' ');
                            v.push(ch);
                            j += ch.len_utf8();
                        }
                    }
                }
                out.push(Tok::Str(v));
                i = j + 1;
            }
            b'`' => {
                let j = s[i + 1..]
                    .find('`')
                    .ok_or_else(|| err("unterminated raw string".into()))?;
                out.push(Tok::Str(s[i + 1..i + 1 + j].to_string()));
                i += j + 2;
            }
            b'\'' => {
                let j = s[i + 1..]
                    .find('\'')
                    .ok_or_else(|| err("unterminated character".into()))?;
                let ch = s[i + 1..i + 1 + j].chars().next().unwrap_or('\0');
                out.push(Tok::Num((ch as u32).to_string()));
                i += j + 2;
            }
            b'.' => {
                let f = fields(&mut i);
                if f.is_empty() {
                    i += 1;
                }
                out.push(Tok::Field(f));
            }
            b'$' => {
                let mut j = i + 1;
                while j < b.len() && ident_char(b[j]) {
                    j += 1;
                }
                let name = s[i..j].to_string();
                i = j;
                let f = fields(&mut i);
                out.push(Tok::Var(name, f));
            }
            c if c.is_ascii_digit()
                || ((c == b'-' || c == b'+') && b.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'.' || b[j] == b'_')
                {
                    j += 1;
                }
                out.push(Tok::Num(s[i..j].to_string()));
                i = j;
            }
            c if ident_char(c) => {
                let mut j = i;
                while j < b.len() && ident_char(b[j]) {
                    j += 1;
                }
                out.push(Tok::Ident(s[i..j].to_string()));
                i = j;
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                return Err(err(format!("unexpected `{ch}` in action")));
            }
        }
    }
    Ok(out)
}

pub(crate) fn parse_num(s: &str) -> V {
    let t = s.replace('_', "");
    if let Ok(i) = t.parse::<i64>() {
        return V::Int(i);
    }
    if let Some(h) = t.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(h, 16)
    {
        return V::Int(i);
    }
    t.parse::<f64>().map(V::Float).unwrap_or(V::Unknown)
}

pub(crate) struct PipeParser<'a> {
    pub(crate) toks: &'a [Tok],
    pub(crate) i: usize,
    pub(crate) at: usize,
    /// Parentheses open around the pipeline being parsed.
    pub(crate) depth: usize,
}

/// How deeply actions (`if`, `range`, `with`, `define`…) and parenthesised pipelines may nest
/// in a template. Parsing and executing them recurse; past this the template is a syntax
/// error, before the stack can run out.
pub const MAX_NESTING: usize = 100;

impl PipeParser<'_> {
    pub(crate) fn err(&self, m: &str) -> TplError {
        TplError {
            at: self.at,
            message: m.to_string(),
        }
    }

    pub(crate) fn pipe(&mut self) -> Result<Pipe, TplError> {
        let mut decl = Vec::new();
        let mut assign = false;
        // `$x :=`, `$x =`, `$i, $v :=`
        let save = self.i;
        let mut vars = Vec::new();
        while let Some(Tok::Var(n, f)) = self.toks.get(self.i) {
            if !f.is_empty() {
                break;
            }
            vars.push(n.clone());
            self.i += 1;
            if self.toks.get(self.i) == Some(&Tok::Comma) {
                self.i += 1;
                continue;
            }
            break;
        }
        match self.toks.get(self.i) {
            Some(Tok::Declare) if !vars.is_empty() => {
                decl = vars;
                self.i += 1;
            }
            Some(Tok::Assign) if !vars.is_empty() => {
                decl = vars;
                assign = true;
                self.i += 1;
            }
            _ => self.i = save,
        }
        let mut cmds = Vec::new();
        loop {
            let mut args = Vec::new();
            while let Some(t) = self.toks.get(self.i) {
                match t {
                    Tok::Pipe | Tok::RParen => break,
                    Tok::LParen => {
                        self.i += 1;
                        if self.depth >= MAX_NESTING {
                            return Err(self.err(&format!(
                                "parentheses nested more than {MAX_NESTING} levels deep"
                            )));
                        }
                        self.depth += 1;
                        let p = self.pipe();
                        self.depth -= 1;
                        let p = p?;
                        if self.toks.get(self.i) != Some(&Tok::RParen) {
                            return Err(self.err("unclosed `(`"));
                        }
                        self.i += 1;
                        let mut chain = Vec::new();
                        if let Some(Tok::Field(f)) = self.toks.get(self.i)
                            && f.first().is_some_and(|x| x == "\u{0}chain")
                        {
                            chain = f[1..].to_vec();
                            self.i += 1;
                        }
                        args.push(Arg::Sub(Box::new(p), chain));
                        continue;
                    }
                    Tok::Field(f) => args.push(Arg::Field(f.clone())),
                    Tok::Var(n, f) => args.push(Arg::Var(n.clone(), f.clone())),
                    Tok::Ident(id) => args.push(match id.as_str() {
                        "true" => Arg::Lit(V::Bool(true)),
                        "false" => Arg::Lit(V::Bool(false)),
                        "nil" => Arg::Lit(V::Nil),
                        _ => Arg::Ident(id.clone()),
                    }),
                    Tok::Str(s) => args.push(Arg::Lit(V::Str(s.clone()))),
                    Tok::Num(n) => args.push(Arg::Lit(parse_num(n))),
                    Tok::Comma | Tok::Declare | Tok::Assign => {
                        return Err(self.err("unexpected token in pipeline"));
                    }
                }
                self.i += 1;
            }
            if args.is_empty() {
                return Err(self.err("missing command in pipeline"));
            }
            cmds.push(args);
            if self.toks.get(self.i) == Some(&Tok::Pipe) {
                self.i += 1;
                continue;
            }
            break;
        }
        Ok(Pipe { decl, assign, cmds })
    }
}

pub(crate) fn parse_pipe(toks: &[Tok], at: usize) -> Result<Pipe, TplError> {
    let mut p = PipeParser {
        toks,
        i: 0,
        at,
        depth: 0,
    };
    let pipe = p.pipe()?;
    if p.i != toks.len() {
        return Err(p.err("unexpected `)` or token after pipeline"));
    }
    Ok(pipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escaped_multibyte_character_is_stepped_over_whole() {
        // Found by the iac_helm fuzz target: `\µ` sliced the string inside `µ`.
        let toks = lex("include \"a\\µb\\\\\\\"\" .", 0).unwrap();
        assert_eq!(toks[1], Tok::Str("aµb\\\"".into()));
        let e = lex("é", 7).unwrap_err();
        assert_eq!((e.at, e.message.as_str()), (7, "unexpected `é` in action"));
    }
}
