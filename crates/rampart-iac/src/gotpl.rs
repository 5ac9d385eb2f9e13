//! A Go `text/template` engine with the sprig functions Helm charts use, for rendering Helm
//! charts statically.
//!
//! Actions: output pipelines, `if`/`else if`/`else`, `range` (lists, maps in key order,
//! integers, with `$i, $v :=`), `with`/`else`, `define`, `template`, `block`, variables
//! (`:=`, `=`), `break`/`continue`, comments and `{{-`/`-}}` trimming. Functions: Helm's
//! `include`, `tpl`, `required`, `toYaml`, `toJson`, `fromYaml`, `lookup` (empty, as in
//! `helm template`), and the common sprig string, list, dict, logic and math functions.
//!
//! A value the renderer cannot compute (an unsupported function, `sha256sum`, `now`…) is
//! [`V::Unknown`]; printed, it becomes `!unknown helm` in value position (which the YAML
//! reader turns into an unknown value) or `{{unknown}}` inside text, and an `if` on it renders
//! neither branch. Output carries a source map back to the template (see [`Output`]).

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// A template value.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    /// `nil` / a missing value.
    Nil,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<V>),
    /// A map (Go iterates maps in key order).
    Map(BTreeMap<String, V>),
    /// Not computable statically.
    Unknown,
}

impl V {
    /// Go template truth.
    pub fn truth(&self) -> Option<bool> {
        Some(match self {
            V::Nil => false,
            V::Bool(b) => *b,
            V::Int(i) => *i != 0,
            V::Float(f) => *f != 0.0,
            V::Str(s) => !s.is_empty(),
            V::List(l) => !l.is_empty(),
            V::Map(m) => !m.is_empty(),
            V::Unknown => return None,
        })
    }

    fn is_unknown(&self) -> bool {
        match self {
            V::Unknown => true,
            V::List(l) => l.iter().any(V::is_unknown),
            V::Map(m) => m.values().any(V::is_unknown),
            _ => false,
        }
    }

    /// Printed as Go's `fmt.Sprint` would.
    pub fn print(&self) -> String {
        match self {
            V::Nil => String::new(),
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Float(f) => fmt_float(*f),
            V::Str(s) => s.clone(),
            V::List(l) => format!("[{}]", l.iter().map(V::print).collect::<Vec<_>>().join(" ")),
            V::Map(m) => format!(
                "map[{}]",
                m.iter()
                    .map(|(k, v)| format!("{k}:{}", v.print()))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            V::Unknown => "{{unknown}}".into(),
        }
    }

    fn get(&self, k: &str) -> V {
        match self {
            V::Map(m) => m.get(k).cloned().unwrap_or(V::Nil),
            V::Unknown => V::Unknown,
            _ => V::Nil,
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            V::Int(i) => Some(*i as f64),
            V::Float(f) => Some(*f),
            V::Str(s) => s.trim().parse().ok(),
            V::Bool(b) => Some(*b as i64 as f64),
            V::Nil => Some(0.0),
            _ => None,
        }
    }

    /// Converts to JSON.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            V::Nil | V::Unknown => J::Null,
            V::Bool(b) => J::Bool(*b),
            V::Int(i) => J::from(*i),
            V::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            V::Str(s) => J::String(s.clone()),
            V::List(l) => J::Array(l.iter().map(V::to_json).collect()),
            V::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// From the document model.
    pub fn from_node(n: &crate::model::Node) -> V {
        use crate::model::Value as M;
        match &n.value {
            M::Null => V::Nil,
            M::Bool(b) => V::Bool(*b),
            M::Int(i) => V::Int(*i),
            M::Float(f) => V::Float(*f),
            M::Str(s) => V::Str(s.clone()),
            M::Seq(s) => V::List(s.iter().map(V::from_node).collect()),
            M::Map(m) => V::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), V::from_node(v)))
                    .collect(),
            ),
            M::Unknown(_) => V::Unknown,
        }
    }
}

fn fmt_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
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
enum Arg {
    Field(Vec<String>),
    Var(String, Vec<String>),
    Ident(String),
    Lit(V),
    Sub(Box<Pipe>, Vec<String>),
}

#[derive(Debug, Clone)]
struct Pipe {
    decl: Vec<String>,
    assign: bool,
    cmds: Vec<Vec<Arg>>,
}

#[derive(Debug, Clone)]
enum Item {
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

fn lex(s: &str, at: usize) -> Result<Vec<Tok>, TplError> {
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
                            let e = *b.get(j + 1).ok_or_else(|| err("bad escape".into()))?;
                            v.push(match e {
                                b'n' => '\n',
                                b't' => '\t',
                                b'r' => '\r',
                                b'\\' => '\\',
                                b'"' => '"',
                                other => other as char,
                            });
                            j += 2;
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
            other => return Err(err(format!("unexpected `{}` in action", other as char))),
        }
    }
    Ok(out)
}

fn parse_num(s: &str) -> V {
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

struct PipeParser<'a> {
    toks: &'a [Tok],
    i: usize,
    at: usize,
    /// Parentheses open around the pipeline being parsed.
    depth: usize,
}

/// How deeply actions (`if`, `range`, `with`, `define`…) and parenthesised pipelines may nest
/// in a template. Parsing and executing them recurse; past this the template is a syntax
/// error, before the stack can run out.
pub const MAX_NESTING: usize = 100;

impl PipeParser<'_> {
    fn err(&self, m: &str) -> TplError {
        TplError {
            at: self.at,
            message: m.to_string(),
        }
    }

    fn pipe(&mut self) -> Result<Pipe, TplError> {
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

fn parse_pipe(toks: &[Tok], at: usize) -> Result<Pipe, TplError> {
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

/// One `{{ … }}` or text piece.
enum Raw {
    Text(usize, usize),
    Action(Vec<Tok>, usize),
}

fn split(src: &str) -> Result<Vec<Raw>, TplError> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut trim_next = false;
    while pos <= src.len() {
        let open = src[pos..].find("{{").map(|i| pos + i);
        let text_end = open.unwrap_or(src.len());
        let mut ts = pos;
        if trim_next {
            ts += src[pos..text_end].len() - src[pos..text_end].trim_start().len();
        }
        let Some(open) = open else {
            out.push(Raw::Text(ts, text_end));
            break;
        };
        let mut inner = open + 2;
        let trim_left = src[inner..].starts_with("- ")
            || src[inner..].starts_with("-\n")
            || src[inner..].starts_with("-\t")
            || src[inner..].starts_with("-\r");
        let mut te = text_end;
        if trim_left {
            inner += 1;
            te = ts + src[ts..text_end].trim_end().len();
        }
        out.push(Raw::Text(ts, te.max(ts)));
        // Find the closing `}}` outside strings.
        let b = src.as_bytes();
        let mut j = inner;
        let trimmed = src[inner..].trim_start();
        let is_comment = trimmed.starts_with("/*");
        let close;
        if is_comment {
            let end = src[inner..].find("*/").ok_or(TplError {
                at: open,
                message: "unclosed comment".into(),
            })?;
            let after = inner + end + 2;
            let rest = &src[after..];
            let k = rest.find("}}").ok_or(TplError {
                at: open,
                message: "unclosed action".into(),
            })?;
            close = after + k;
        } else {
            let mut quote: Option<u8> = None;
            loop {
                let Some(&c) = b.get(j) else {
                    return Err(TplError {
                        at: open,
                        message: "unclosed action".into(),
                    });
                };
                match quote {
                    Some(q) => {
                        if c == b'\\' && q == b'"' {
                            j += 2;
                            continue;
                        }
                        if c == q {
                            quote = None;
                        }
                    }
                    None => {
                        if c == b'"' || c == b'`' || c == b'\'' {
                            quote = Some(c);
                        } else if c == b'}' && b.get(j + 1) == Some(&b'}') {
                            break;
                        }
                    }
                }
                j += 1;
            }
            close = j;
        }
        let body_end = close;
        let mut body = &src[inner..body_end];
        let trim_right = body.ends_with(" -") || body.ends_with("\n-") || body.ends_with("\t-");
        if trim_right {
            body = &body[..body.len() - 1];
        }
        trim_next = trim_right;
        if !is_comment {
            let toks = lex(body, open)?;
            if !toks.is_empty() {
                out.push(Raw::Action(toks, open));
            }
        }
        pos = close + 2;
    }
    Ok(out)
}

/// A parsed template file: its body and the templates it defines.
pub struct Parsed {
    body: Vec<Item>,
    defines: Vec<(String, Vec<Item>)>,
}

enum Stop {
    End,
    Else(Vec<Tok>, usize),
    Eof,
}

struct TreeParser {
    raws: Vec<Raw>,
    i: usize,
    defines: Vec<(String, Vec<Item>)>,
    /// Lists being parsed (one per open action).
    depth: usize,
}

impl TreeParser {
    /// The items up to the `end`, `else` or end of text that closes them.
    fn list(&mut self) -> Result<(Vec<Item>, Stop), TplError> {
        if self.depth > MAX_NESTING {
            let at = match self.raws.get(self.i.saturating_sub(1)) {
                Some(Raw::Action(_, at)) => *at,
                _ => 0,
            };
            return Err(TplError {
                at,
                message: format!("actions nested more than {MAX_NESTING} levels deep"),
            });
        }
        self.depth += 1;
        let r = self.list_items();
        self.depth -= 1;
        r
    }

    fn list_items(&mut self) -> Result<(Vec<Item>, Stop), TplError> {
        let mut items = Vec::new();
        while self.i < self.raws.len() {
            let i = self.i;
            self.i += 1;
            let (toks, at) = match &self.raws[i] {
                Raw::Text(a, b) => {
                    if a < b {
                        items.push(Item::Text(*a, *b));
                    }
                    continue;
                }
                Raw::Action(t, at) => (t.clone(), *at),
            };
            let kw = match toks.first() {
                Some(Tok::Ident(k)) => k.as_str(),
                _ => "",
            };
            let rest = &toks[1.min(toks.len())..];
            match kw {
                "end" => return Ok((items, Stop::End)),
                "else" => return Ok((items, Stop::Else(rest.to_vec(), at))),
                "if" | "with" => {
                    let mut branches = vec![(parse_pipe(rest, at)?, Vec::new())];
                    let mut else_ = Vec::new();
                    loop {
                        let (body, stop) = self.list()?;
                        branches.last_mut().expect("branch").1 = body;
                        match stop {
                            Stop::End => break,
                            Stop::Eof => {
                                return Err(TplError {
                                    at,
                                    message: format!("unclosed `{kw}`"),
                                });
                            }
                            Stop::Else(t, eat) => {
                                if matches!(t.first(), Some(Tok::Ident(k)) if k == kw) {
                                    branches.push((parse_pipe(&t[1..], eat)?, Vec::new()));
                                } else {
                                    let (body, stop) = self.list()?;
                                    if !matches!(stop, Stop::End) {
                                        return Err(TplError {
                                            at,
                                            message: format!("unclosed `{kw}`"),
                                        });
                                    }
                                    else_ = body;
                                    break;
                                }
                            }
                        }
                    }
                    items.push(if kw == "if" {
                        Item::If(branches, else_)
                    } else {
                        Item::With(branches, else_)
                    });
                }
                "range" => {
                    let p = parse_pipe(rest, at)?;
                    let (body, stop) = self.list()?;
                    let else_ = match stop {
                        Stop::End => Vec::new(),
                        Stop::Else(_, _) => {
                            let (e, s) = self.list()?;
                            if !matches!(s, Stop::End) {
                                return Err(TplError {
                                    at,
                                    message: "unclosed `range`".into(),
                                });
                            }
                            e
                        }
                        Stop::Eof => {
                            return Err(TplError {
                                at,
                                message: "unclosed `range`".into(),
                            });
                        }
                    };
                    items.push(Item::Range(p, body, else_));
                }
                "define" | "block" => {
                    let Some(Tok::Str(name)) = rest.first() else {
                        return Err(TplError {
                            at,
                            message: format!("`{kw}` needs a name"),
                        });
                    };
                    let name = name.clone();
                    let (body, stop) = self.list()?;
                    if !matches!(stop, Stop::End) {
                        return Err(TplError {
                            at,
                            message: format!("unclosed `{kw}`"),
                        });
                    }
                    self.defines.push((name.clone(), body));
                    if kw == "block" {
                        let p = if rest.len() > 1 {
                            Some(parse_pipe(&rest[1..], at)?)
                        } else {
                            None
                        };
                        items.push(Item::Template(name, p, at));
                    }
                }
                "template" => {
                    let Some(Tok::Str(name)) = rest.first() else {
                        return Err(TplError {
                            at,
                            message: "`template` needs a name".into(),
                        });
                    };
                    let p = if rest.len() > 1 {
                        Some(parse_pipe(&rest[1..], at)?)
                    } else {
                        None
                    };
                    items.push(Item::Template(name.clone(), p, at));
                }
                "break" => items.push(Item::Break),
                "continue" => items.push(Item::Continue),
                _ => items.push(Item::Action(parse_pipe(&toks, at)?, at)),
            }
        }
        Ok((items, Stop::Eof))
    }
}

/// Parses a template.
pub fn parse(src: &str) -> Result<Parsed, TplError> {
    let raws = split(src)?;
    let mut p = TreeParser {
        raws,
        i: 0,
        defines: Vec::new(),
        depth: 0,
    };
    let (body, stop) = p.list()?;
    match stop {
        Stop::Eof => Ok(Parsed {
            body,
            defines: p.defines,
        }),
        Stop::End => Err(TplError {
            at: 0,
            message: "unexpected `{{ end }}`".into(),
        }),
        Stop::Else(_, at) => Err(TplError {
            at,
            message: "unexpected `{{ else }}`".into(),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Execution

/// Rendered text with a map back to the template: each segment `(output offset, template
/// offset, exact)`; exact segments are template text copied byte for byte, the others are the
/// output of the action at that offset.
#[derive(Default, Debug)]
pub struct Output {
    /// The rendered text.
    pub text: String,
    /// The source map, by output offset.
    pub segments: Vec<(usize, usize, bool)>,
}

impl Output {
    /// The template offset an output offset came from.
    pub fn source(&self, off: usize) -> usize {
        let i = self.segments.partition_point(|s| s.0 <= off);
        match i.checked_sub(1).map(|i| self.segments[i]) {
            Some((o, s, true)) => s + (off - o),
            Some((_, s, false)) => s,
            None => 0,
        }
    }

    fn push(&mut self, s: &str, src: usize, exact: bool) {
        if s.is_empty() {
            return;
        }
        self.segments.push((self.text.len(), src, exact));
        self.text.push_str(s);
    }
}

/// Templates of a chart by name, with the source of each file.
pub struct Set {
    /// Each `define` with the text of the file it is in.
    defines: HashMap<String, (Rc<str>, Vec<Item>)>,
    /// Problems met while rendering (unknown functions, `required` values missing…).
    pub notes: std::cell::RefCell<Vec<String>>,
    /// What the render in progress has spent of its budgets.
    spent: std::cell::Cell<Spent>,
}

/// What one render has spent (see the `MAX_*` budgets).
#[derive(Clone, Copy, Default)]
struct Spent {
    /// Execution steps.
    steps: usize,
    /// Bytes of text that functions (`toJson`, `include`, `printf`…) returned.
    produced: usize,
    /// Actions and template calls being executed, one inside the other.
    nesting: usize,
    /// When the render must stop.
    deadline: Option<std::time::Instant>,
}

/// Execution steps one render may take.
pub const MAX_STEPS: usize = 2_000_000;
/// Largest rendered output of one template, in bytes.
pub const MAX_OUTPUT: usize = 8 << 20;
/// How many bytes of text functions may return during one render (text assigned to
/// variables or discarded counts too: `{{ $_ := toJson .Values }}` in a loop).
pub const MAX_PRODUCED: usize = 64 << 20;
/// How long one template may take to render.
pub const MAX_RENDER_TIME: std::time::Duration = std::time::Duration::from_secs(5);
/// How deeply actions and template calls may be executed one inside the other.
pub const MAX_EXEC_NESTING: usize = 256;
/// How deeply values built by templates (`list`, `dict`, `append`…) may nest.
pub const MAX_VALUE_DEPTH: usize = 256;
/// Largest count a function may produce (`repeat`, `until`, `indent`…).
const MAX_COUNT: f64 = 100_000.0;

enum Flow {
    Normal,
    Break,
    Continue,
}

type Vars = Vec<(String, V)>;

const MAX_DEPTH: usize = 64;

struct Exec<'a> {
    set: &'a Set,
    src: &'a str,
    root: &'a V,
    depth: usize,
}

impl Set {
    /// Collects the `define`s of parsed files (each with its text).
    pub fn new(files: Vec<(&str, &mut Parsed)>) -> Set {
        let mut defines = HashMap::new();
        for (src, f) in files {
            let src: Rc<str> = Rc::from(src);
            for (n, body) in f.defines.drain(..) {
                defines.insert(n, (src.clone(), body));
            }
        }
        Set {
            defines,
            notes: Default::default(),
            spent: Default::default(),
        }
    }

    /// Renders a parsed file whose text is `src`, with `root` as `.` and `$`.
    pub fn render(&self, parsed: &Parsed, src: &str, root: &V) -> Result<Output, String> {
        let mut out = Output::default();
        let ex = Exec {
            set: self,
            src,
            root,
            depth: 0,
        };
        self.spent.set(Spent {
            deadline: Some(std::time::Instant::now() + MAX_RENDER_TIME),
            ..Spent::default()
        });
        let mut vars: Vars = vec![("$".into(), root.clone())];
        ex.items(&parsed.body, root, &mut vars, &mut out, None)?;
        Ok(out)
    }

    /// Counts one execution step; an error when a budget of the render is spent.
    fn step(&self, out_len: usize) -> Result<(), String> {
        let mut sp = self.spent.get();
        sp.steps += 1;
        self.spent.set(sp);
        if sp.steps > MAX_STEPS {
            return Err(format!("rendering takes more than {MAX_STEPS} steps"));
        }
        if out_len > MAX_OUTPUT {
            return Err(format!(
                "rendered output is larger than {} MiB",
                MAX_OUTPUT >> 20
            ));
        }
        if sp.steps.is_multiple_of(64)
            && let Some(d) = sp.deadline
            && std::time::Instant::now() > d
        {
            return Err(format!(
                "rendering takes more than {} s",
                MAX_RENDER_TIME.as_secs()
            ));
        }
        Ok(())
    }

    /// Counts the text a function returned.
    fn produced(&self, v: &V) -> Result<(), String> {
        if let V::Str(t) = v {
            let mut sp = self.spent.get();
            sp.produced += t.len();
            self.spent.set(sp);
            if sp.produced > MAX_PRODUCED || t.len() > MAX_OUTPUT {
                return Err(format!(
                    "functions return more than {} MiB of text",
                    MAX_PRODUCED >> 20
                ));
            }
        }
        Ok(())
    }

    /// Runs `f` one execution level deeper (an action's body or a template call).
    fn nested<T>(&self, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
        let mut sp = self.spent.get();
        if sp.nesting >= MAX_EXEC_NESTING {
            return Err(format!(
                "actions and template calls nest more than {MAX_EXEC_NESTING} levels deep"
            ));
        }
        sp.nesting += 1;
        self.spent.set(sp);
        let r = f();
        let mut sp = self.spent.get();
        sp.nesting -= 1;
        self.spent.set(sp);
        r
    }

    fn note(&self, m: String) {
        let mut n = self.notes.borrow_mut();
        if !n.contains(&m) {
            n.push(m);
        }
    }
}

impl<'a> Exec<'a> {
    /// The executor and body for calling the named template one level deeper (`template` or
    /// `include`, named in the error); `None`, with a note, when no such template is defined.
    fn enter(&self, name: &str, call: &str) -> Result<Option<(Exec<'a>, &'a [Item])>, String> {
        let Some((src, body)) = self.set.defines.get(name) else {
            self.set.note(format!("template `{name}` is not defined"));
            return Ok(None);
        };
        if self.depth > MAX_DEPTH {
            return Err(format!("{call} `{name}`: recursion too deep"));
        }
        let ex = Exec {
            depth: self.depth + 1,
            src,
            ..*self
        };
        Ok(Some((ex, body)))
    }

    /// `site`: when executing a `template` body, the call's offset (output maps there).
    fn items(
        &self,
        items: &[Item],
        dot: &V,
        vars: &mut Vars,
        out: &mut Output,
        site: Option<usize>,
    ) -> Result<Flow, String> {
        for it in items {
            match self.item(it, dot, vars, out, site)? {
                Flow::Normal => {}
                f => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    fn scoped(
        &self,
        items: &[Item],
        dot: &V,
        vars: &mut Vars,
        out: &mut Output,
        site: Option<usize>,
    ) -> Result<Flow, String> {
        let n = vars.len();
        let r = self.set.nested(|| self.items(items, dot, vars, out, site));
        vars.truncate(n);
        r
    }

    fn item(
        &self,
        it: &Item,
        dot: &V,
        vars: &mut Vars,
        out: &mut Output,
        site: Option<usize>,
    ) -> Result<Flow, String> {
        self.set.step(out.text.len())?;
        match it {
            Item::Text(a, b) => {
                let t = &self.src[*a..*b];
                match site {
                    Some(s) => out.push(t, s, false),
                    None => out.push(t, *a, true),
                }
            }
            Item::Action(p, at) => {
                let v = self.pipe(p, dot, vars)?;
                if p.decl.is_empty() {
                    let s = match &v {
                        V::Unknown => unknown_text(&out.text),
                        v if v.is_unknown() => unknown_text(&out.text),
                        v => v.print(),
                    };
                    out.push(&s, site.unwrap_or(*at), false);
                }
            }
            Item::If(branches, else_) | Item::With(branches, else_) => {
                let with = matches!(it, Item::With(..));
                for (p, body) in branches {
                    let v = self.pipe(p, dot, vars)?;
                    match v.truth() {
                        None => return Ok(Flow::Normal),
                        Some(true) => {
                            let d = if with { &v } else { dot };
                            return self.scoped(body, d, vars, out, site);
                        }
                        Some(false) => {}
                    }
                }
                return self.scoped(else_, dot, vars, out, site);
            }
            Item::Range(p, body, else_) => {
                let mut p2 = p.clone();
                let decl = std::mem::take(&mut p2.decl);
                let v = self.pipe(&p2, dot, vars)?;
                let pairs: Vec<(V, V)> = match &v {
                    V::List(l) => l
                        .iter()
                        .enumerate()
                        .map(|(i, x)| (V::Int(i as i64), x.clone()))
                        .collect(),
                    V::Map(m) => m
                        .iter()
                        .map(|(k, x)| (V::Str(k.clone()), x.clone()))
                        .collect(),
                    V::Int(n) if (*n as f64) <= MAX_COUNT => {
                        (0..*n).map(|i| (V::Int(i), V::Int(i))).collect()
                    }
                    V::Nil => Vec::new(),
                    V::Unknown => return Ok(Flow::Normal),
                    other => return Err(format!("range can't iterate over {}", other.print())),
                };
                if pairs.is_empty() {
                    return self.scoped(else_, dot, vars, out, site);
                }
                for (k, x) in pairs {
                    let n = vars.len();
                    match decl.as_slice() {
                        [v1] => vars.push((v1.clone(), x.clone())),
                        [k1, v1] => {
                            vars.push((k1.clone(), k));
                            vars.push((v1.clone(), x.clone()));
                        }
                        _ => {}
                    }
                    let f = self.set.nested(|| self.items(body, &x, vars, out, site))?;
                    vars.truncate(n);
                    if let Flow::Break = f {
                        break;
                    }
                }
            }
            Item::Template(name, p, at) => {
                let d = match p {
                    Some(p) => self.pipe(p, dot, vars)?,
                    None => V::Nil,
                };
                let Some((ex, body)) = self.enter(name, "template")? else {
                    out.push(&unknown_text(&out.text), site.unwrap_or(*at), false);
                    return Ok(Flow::Normal);
                };
                let mut v2: Vars = vec![("$".into(), d.clone())];
                self.set
                    .nested(|| ex.items(body, &d, &mut v2, out, Some(site.unwrap_or(*at))))?;
            }
            Item::Break => return Ok(Flow::Break),
            Item::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn pipe(&self, p: &Pipe, dot: &V, vars: &mut Vars) -> Result<V, String> {
        let mut prev: Option<V> = None;
        for cmd in &p.cmds {
            prev = Some(self.cmd(cmd, dot, vars, prev)?);
        }
        let v = prev.unwrap_or(V::Nil);
        if !p.decl.is_empty() {
            let name = &p.decl[p.decl.len() - 1];
            if p.assign {
                match vars.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = v.clone(),
                    None => return Err(format!("undefined variable {name}")),
                }
            } else {
                vars.push((name.clone(), v.clone()));
            }
        }
        Ok(v)
    }

    fn arg(&self, a: &Arg, dot: &V, vars: &mut Vars) -> Result<V, String> {
        Ok(match a {
            Arg::Lit(v) => v.clone(),
            Arg::Field(f) => fields(dot, f),
            Arg::Var(n, f) => {
                let base = vars
                    .iter()
                    .rev()
                    .find(|(x, _)| x == n)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("undefined variable {n}"))?;
                fields(&base, f)
            }
            Arg::Sub(p, chain) => fields(&self.pipe(p, dot, vars)?, chain),
            Arg::Ident(f) => self.call(f, Vec::new())?,
        })
    }

    fn cmd(&self, args: &[Arg], dot: &V, vars: &mut Vars, prev: Option<V>) -> Result<V, String> {
        match &args[0] {
            Arg::Ident(f) => {
                // `and`/`or` short-circuit.
                if f == "and" || f == "or" {
                    let mut vals: Vec<V> = Vec::new();
                    for a in &args[1..] {
                        vals.push(self.arg(a, dot, vars)?);
                    }
                    vals.extend(prev);
                    return Ok(and_or(f == "and", vals));
                }
                let mut vals = Vec::new();
                for a in &args[1..] {
                    vals.push(self.arg(a, dot, vars)?);
                }
                vals.extend(prev);
                self.call(f, vals)
            }
            Arg::Field(f) if args.len() > 1 || prev.is_some() => {
                // A method call with arguments: `.Capabilities.APIVersions.Has "x"`, `.Files.Get`.
                let mut vals = Vec::new();
                for a in &args[1..] {
                    vals.push(self.arg(a, dot, vars)?);
                }
                vals.extend(prev);
                Ok(method(f, &vals))
            }
            a => {
                if args.len() > 1 {
                    return Err("can't give arguments to a non-function".into());
                }
                self.arg(a, dot, vars)
            }
        }
    }

    fn call(&self, f: &str, a: Vec<V>) -> Result<V, String> {
        match f {
            "include" => {
                let name = a.first().map(V::print).unwrap_or_default();
                let d = a.get(1).cloned().unwrap_or(V::Nil);
                let Some((ex, body)) = self.enter(&name, "include")? else {
                    return Ok(V::Unknown);
                };
                let mut out = Output::default();
                let mut v2: Vars = vec![("$".into(), d.clone())];
                self.set
                    .nested(|| ex.items(body, &d, &mut v2, &mut out, Some(0)))?;
                if out.text.contains("{{unknown}}") || out.text.contains("!unknown helm") {
                    return Ok(V::Unknown);
                }
                let v = V::Str(out.text);
                self.set.produced(&v)?;
                Ok(v)
            }
            "tpl" => {
                let (Some(V::Str(t)), Some(d)) = (a.first(), a.get(1)) else {
                    return Ok(V::Unknown);
                };
                let mut parsed = match parse(t) {
                    Ok(p) => p,
                    Err(e) => return Err(format!("tpl: {}", e.message)),
                };
                if self.depth > MAX_DEPTH {
                    return Err("tpl: recursion too deep".into());
                }
                let local = Set::new(vec![(t.as_str(), &mut parsed)]);
                let mut merged = Set {
                    defines: self.set.defines.clone(),
                    notes: Default::default(),
                    spent: std::cell::Cell::new(self.set.spent.get()),
                };
                merged.defines.extend(local.defines);
                let ex = Exec {
                    set: &merged,
                    src: t,
                    root: self.root,
                    depth: self.depth + 1,
                };
                let mut out = Output::default();
                let mut v2: Vars = vec![("$".into(), d.clone())];
                let r = merged.nested(|| ex.items(&parsed.body, d, &mut v2, &mut out, Some(0)));
                self.set.spent.set(merged.spent.get());
                r?;
                for n in merged.notes.into_inner() {
                    self.set.note(n);
                }
                if out.text.contains("{{unknown}}") || out.text.contains("!unknown helm") {
                    return Ok(V::Unknown);
                }
                let v = V::Str(out.text);
                self.set.produced(&v)?;
                Ok(v)
            }
            "required" => {
                let v = a.get(1).cloned().unwrap_or(V::Nil);
                if matches!(&v, V::Nil) || v == V::Str(String::new()) {
                    self.set.note(format!(
                        "required value missing: {}",
                        a.first().map(V::print).unwrap_or_default()
                    ));
                    return Ok(V::Unknown);
                }
                Ok(v)
            }
            "fail" => Err(format!(
                "fail: {}",
                a.first().map(V::print).unwrap_or_default()
            )),
            _ => match builtin(f, &a) {
                Some(v) => {
                    self.set.produced(&v)?;
                    if BUILDERS.contains(&f) && depth_over(&v, MAX_VALUE_DEPTH) {
                        return Err(format!(
                            "{f}: values nest more than {MAX_VALUE_DEPTH} levels deep"
                        ));
                    }
                    Ok(v)
                }
                None => {
                    if !KNOWN_UNKNOWN.contains(&f) {
                        self.set.note(format!(
                            "function `{f}` is not supported (or not with these arguments); its result is unknown"
                        ));
                    }
                    Ok(V::Unknown)
                }
            },
        }
    }
}

/// Functions that build a value around their arguments (one level deeper than them).
const BUILDERS: &[&str] = &[
    "list",
    "tuple",
    "dict",
    "set",
    "append",
    "mustAppend",
    "push",
    "mustPush",
    "prepend",
    "mustPrepend",
];

/// Whether a value nests more than `limit` levels (lists and maps) deep.
fn depth_over(v: &V, limit: usize) -> bool {
    match v {
        _ if limit == 0 => matches!(v, V::List(_) | V::Map(_)),
        V::List(l) => l.iter().any(|x| depth_over(x, limit - 1)),
        V::Map(m) => m.values().any(|x| depth_over(x, limit - 1)),
        _ => false,
    }
}

/// Functions whose result is not computable statically (no note).
const KNOWN_UNKNOWN: &[&str] = &[
    "sha256sum",
    "sha1sum",
    "now",
    "date",
    "randAlphaNum",
    "randAlpha",
    "randNumeric",
    "randAscii",
    "uuidv4",
    "genCA",
    "genSelfSignedCert",
    "genSignedCert",
    "genPrivateKey",
    "derivePassword",
    "htpasswd",
    "encryptAES",
    "decryptAES",
    "getHostByName",
    "env",
    "expandenv",
    "unixEpoch",
    "dateInZone",
    "adler32sum",
    "bcrypt",
];

fn unknown_text(before: &str) -> String {
    let line = before.rsplit('\n').next().unwrap_or("");
    let t = line.trim_end();
    if t.ends_with(':') || t.trim_start() == "-" || t.ends_with(" -") {
        if line.ends_with(' ') {
            "!unknown helm".into()
        } else {
            " !unknown helm".into()
        }
    } else if t.trim().is_empty() {
        String::new()
    } else {
        "{{unknown}}".into()
    }
}

fn fields(v: &V, f: &[String]) -> V {
    f.iter().fold(v.clone(), |v, k| v.get(k))
}

fn and_or(and: bool, vals: Vec<V>) -> V {
    let mut last = V::Nil;
    for v in vals {
        match v.truth() {
            None => return V::Unknown,
            Some(t) if t != and => return v,
            _ => last = v,
        }
    }
    last
}

/// API versions `Capabilities.APIVersions.Has` answers yes to (built-in, stable ones).
const API_VERSIONS: &[&str] = &[
    "v1",
    "apps/v1",
    "batch/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "policy/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "admissionregistration.k8s.io/v1",
    "coordination.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "discovery.k8s.io/v1",
    "certificates.k8s.io/v1",
    "node.k8s.io/v1",
];

fn method(f: &[String], a: &[V]) -> V {
    match f.last().map(String::as_str) {
        Some("Has") if f.iter().any(|x| x == "APIVersions") => {
            let v = a.first().map(V::print).unwrap_or_default();
            let base = v.split('/').take(2).collect::<Vec<_>>().join("/");
            V::Bool(API_VERSIONS.contains(&v.as_str()) || API_VERSIONS.contains(&base.as_str()))
        }
        Some("Get") if f.iter().any(|x| x == "Files") => V::Unknown,
        _ => V::Unknown,
    }
}

/// Builds the root object Helm gives templates.
pub fn root(values: V, chart: &V, release_name: &str, template_name: &str, base_path: &str) -> V {
    let mut m = BTreeMap::new();
    m.insert("Values".into(), values);
    let mut c = BTreeMap::new();
    for (k, key) in [
        ("name", "Name"),
        ("version", "Version"),
        ("appVersion", "AppVersion"),
        ("description", "Description"),
        ("type", "Type"),
    ] {
        c.insert(key.to_string(), chart.get(k));
    }
    m.insert("Chart".into(), V::Map(c));
    let mut r = BTreeMap::new();
    r.insert("Name".into(), V::Str(release_name.into()));
    r.insert("Namespace".into(), V::Str("default".into()));
    r.insert("Service".into(), V::Str("Helm".into()));
    r.insert("IsInstall".into(), V::Bool(true));
    r.insert("IsUpgrade".into(), V::Bool(false));
    r.insert("Revision".into(), V::Int(1));
    m.insert("Release".into(), V::Map(r));
    let mut kv = BTreeMap::new();
    for (k, v) in [
        ("Version", "v1.29.0"),
        ("GitVersion", "v1.29.0"),
        ("Major", "1"),
        ("Minor", "29"),
    ] {
        kv.insert(k.to_string(), V::Str(v.into()));
    }
    let mut cap = BTreeMap::new();
    cap.insert("KubeVersion".into(), V::Map(kv));
    cap.insert("APIVersions".into(), V::Unknown);
    m.insert("Capabilities".into(), V::Map(cap));
    let mut t = BTreeMap::new();
    t.insert("Name".into(), V::Str(template_name.into()));
    t.insert("BasePath".into(), V::Str(base_path.into()));
    m.insert("Template".into(), V::Map(t));
    m.insert("Files".into(), V::Unknown);
    V::Map(m)
}

// ---------------------------------------------------------------------------------------------
// Functions

fn s(v: Option<&V>) -> String {
    v.map(V::print).unwrap_or_default()
}

fn empty(v: &V) -> bool {
    v.truth() == Some(false)
}

fn cmp(a: &V, b: &V) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        _ => a.num()?.partial_cmp(&b.num()?),
    }
}

fn eq(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Int(_) | V::Float(_), V::Int(_) | V::Float(_)) => a.num() == b.num(),
        _ => a == b,
    }
}

fn num_v(x: f64, ints: bool) -> V {
    if ints && x.fract() == 0.0 {
        V::Int(x as i64)
    } else {
        V::Float(x)
    }
}

fn indent(n: usize, t: &str) -> String {
    let pad = " ".repeat(n);
    t.split('\n')
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn unb64(s: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32;
        bits = bits << 6 | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n & 0xff) as u8);
        }
    }
    String::from_utf8(out).ok()
}

/// Go's `printf` for the verbs charts use (`%s %d %v %q %t %f %%`, widths ignored).
fn printf(fmt: &str, args: &[V]) -> String {
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

fn semver(v: &str) -> Option<(u64, u64, u64)> {
    let v = v.trim().trim_start_matches('v');
    let core = v.split(['-', '+']).next()?;
    let mut p = core.split('.').map(|x| x.parse::<u64>().ok());
    Some((
        p.next()??,
        p.next().flatten().unwrap_or(0),
        p.next().flatten().unwrap_or(0),
    ))
}

fn semver_compare(constraint: &str, version: &str) -> Option<bool> {
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
fn builtin(f: &str, a: &[V]) -> Option<V> {
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
        "indent" => V::Str(indent(arg(0).num()? as usize, &s(a.get(1)))),
        "nindent" => V::Str(format!(
            "\n{}",
            indent(arg(0).num()? as usize, &s(a.get(1)))
        )),
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
        "b64enc" => V::Str(b64(s(a.last()).as_bytes())),
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
fn count(v: &V) -> Option<usize> {
    let n = v.num()?;
    (0.0..=MAX_COUNT).contains(&n).then_some(n as usize)
}

fn kind_of(v: &V) -> &'static str {
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
fn merge_v(dst: V, src: &V, over: bool) -> V {
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

fn yaml_scalar(v: &V) -> String {
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

fn yaml_block(v: &V, ind: usize, out: &mut String) {
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
