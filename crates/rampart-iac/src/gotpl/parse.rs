//! Parsing a template: text and actions split apart, then the tree of `if`/`range`/`with`/
//! `define` items built, with a nesting limit.

#[allow(unused_imports)]
use super::*;

/// One `{{ … }}` or text piece.
pub(crate) enum Raw {
    Text(usize, usize),
    Action(Vec<Tok>, usize),
}

pub(crate) fn split(src: &str) -> Result<Vec<Raw>, TplError> {
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
    pub(crate) body: Vec<Item>,
    pub(crate) defines: Vec<(String, Vec<Item>)>,
}

pub(crate) enum Stop {
    End,
    Else(Vec<Tok>, usize),
    Eof,
}

pub(crate) struct TreeParser {
    pub(crate) raws: Vec<Raw>,
    pub(crate) i: usize,
    pub(crate) defines: Vec<(String, Vec<Item>)>,
    /// Lists being parsed (one per open action).
    pub(crate) depth: usize,
}

impl TreeParser {
    /// The items up to the `end`, `else` or end of text that closes them.
    pub(crate) fn list(&mut self) -> Result<(Vec<Item>, Stop), TplError> {
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

    pub(crate) fn list_items(&mut self) -> Result<(Vec<Item>, Stop), TplError> {
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
