//! Java Server Pages (`.jsp`, `.jspx`) as Java.
//!
//! A page is turned into a Java text of exactly the same length, line for line, which
//! tree-sitter-java parses as a program of top-level statements (the body of the page's
//! service method): every byte of template text becomes a space (newlines are kept), so each
//! node of the parse has its place in the page and findings point into the page itself.
//! - scriptlets `<% … %>` and declarations `<%! … %>` (and `<jsp:scriptlet>`,
//!   `<jsp:declaration>`) are copied as they are;
//! - an expression `<%= e %>` becomes `$j( e );` (`<jsp:expression>` likewise): `$j` is lowered
//!   as `JspWrite(e)`, the page's output, a sink of the XSS rule; inside a `<c:out>` it is
//!   `$x(`, escaped output (`JspWrite(JspEscapeXml(e))`), and inside any other tag of a tag
//!   library (`<jsp:include page="<%= e %>">`) `$v(`, a value that is not written;
//! - an EL expression `${…}` / `#{…}` in template text or in an attribute of an HTML tag is
//!   written unescaped; in `<c:out value="${…}">` escaped unless `escapeXml="false"`;
//!   `<c:set var="v" value="${…}">` and `<c:forEach var="v" items="${…}">` bind `v`; in
//!   other tags of a library it is not output. Each becomes a placeholder statement `$NN;`
//!   (two base-63 digits: the [`Piece`]'s index) that the lowering replaces by the [`Piece`]'s
//!   IR (`jsp_el.rs` lowers the EL);
//! - `<%@ page import="…" %>` (and `<jsp:directive.page import="…"/>`) are imports; comments
//!   `<%-- … --%>` and other directives are blank.

use crate::ir::{Import, Span};

/// A page translated for the Java parser.
#[derive(Debug, Default)]
pub struct Page {
    /// The Java text, as long as the page (template text blanked, placeholders written).
    pub java: Vec<u8>,
    /// The EL uses, by placeholder index.
    pub pieces: Vec<Piece>,
    /// The page's imports, with the directive's place.
    pub imports: Vec<(Import, Span)>,
    /// The prefix of the JSTL functions library (`fn` unless the page declares another).
    pub fn_prefix: String,
}

/// An EL expression the page uses.
#[derive(Debug, Clone)]
pub struct Piece {
    /// Where it is in the page (the `${…}`, or the whole tag for `c:set`/`c:forEach`).
    pub span: Span,
    /// What the page does with its value.
    pub kind: PieceKind,
    /// The EL expression between the braces.
    pub el: String,
    /// Where the EL expression starts in the page.
    pub el_start: usize,
}

/// What a page does with an EL value.
#[derive(Debug, Clone, PartialEq)]
pub enum PieceKind {
    /// Writes it into the response, escaped (`<c:out>`) or not.
    Out {
        /// Whether it is HTML-escaped.
        escaped: bool,
    },
    /// Binds it to a page variable (`<c:set var>`, `<c:forEach var>`).
    Set {
        /// The variable.
        var: String,
    },
}

/// Digits of a placeholder index (`$` and two of them name a [`Piece`]).
const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";

/// Most EL pieces one page can have (two digits of [`DIGITS`]); later ones are not analysed.
pub const MAX_PIECES: usize = 63 * 63;

/// The [`Piece`] index a placeholder name (`$NN`) stands for.
pub fn placeholder_index(name: &str) -> Option<usize> {
    let b = name.as_bytes();
    if b.len() != 3 || b[0] != b'$' {
        return None;
    }
    let d = |c: u8| DIGITS.iter().position(|&x| x == c);
    Some(d(b[1])? * 63 + d(b[2])?)
}

fn find(src: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    if from >= src.len() {
        return None;
    }
    src[from..]
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| p + from)
}

/// Where an EL expression starting at `from` (at `${` or `#{`) ends: the index of its `}`
/// (quotes and nested braces respected), if it is closed.
fn el_end(src: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = from + 2;
    while i < src.len() {
        let b = src[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'{' => depth += 1,
                b'}' if depth == 0 => return Some(i),
                b'}' => depth -= 1,
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// How a tag treats the EL and `<%= %>` in its attributes.
#[derive(Clone, Copy, PartialEq)]
enum TagKind {
    /// An HTML (template) tag: written as they are.
    Html,
    /// `<c:out>`: written escaped unless `escapeXml="false"`.
    Out,
    /// `<c:set>` / `<c:forEach>`: bind `var`.
    Set,
    /// Any other library tag or action: not written.
    Other,
}

/// A tag's attribute: name, value text, the EL (`${` to `}`) and `<%=` (to `%>`) places in it.
type Attribute = (String, String, Vec<(usize, usize)>, Vec<(usize, usize)>);

struct Translator<'s> {
    src: &'s [u8],
    page: Page,
    core_prefix: String,
}

/// Translates a page (see the module documentation).
pub fn translate(src: &[u8]) -> Page {
    let java = src
        .iter()
        .map(|&b| if b == b'\n' { b'\n' } else { b' ' })
        .collect();
    let mut t = Translator {
        src,
        page: Page {
            java,
            fn_prefix: "fn".into(),
            ..Page::default()
        },
        core_prefix: "c".into(),
    };
    t.run();
    t.page
}

impl Translator<'_> {
    fn run(&mut self) {
        let src = self.src;
        let len = src.len();
        let mut i = 0;
        while i < len {
            let rest = &src[i..];
            let end_of = |from: usize, pat: &[u8]| find(src, from, pat).unwrap_or(len);
            if rest.starts_with(b"<%--") {
                i = (end_of(i + 4, b"--%>") + 4).min(len);
            } else if rest.starts_with(b"<%@") {
                let end = end_of(i + 3, b"%>");
                self.directive(i, end);
                i = (end + 2).min(len);
            } else if rest.starts_with(b"<%=") {
                let end = end_of(i + 3, b"%>");
                self.expression(i, 3, end, b"$j(");
                i = (end + 2).min(len);
            } else if rest.starts_with(b"<%") {
                let skip = if rest.starts_with(b"<%!") { 3 } else { 2 };
                let end = end_of(i + skip, b"%>");
                self.copy(i + skip, end);
                i = (end + 2).min(len);
            } else if rest.starts_with(b"<jsp:scriptlet>") || rest.starts_with(b"<jsp:declaration>")
            {
                let open = if rest.starts_with(b"<jsp:scriptlet>") {
                    15
                } else {
                    17
                };
                let close: &[u8] = if open == 15 {
                    b"</jsp:scriptlet>"
                } else {
                    b"</jsp:declaration>"
                };
                let end = end_of(i + open, close);
                self.copy(i + open, end);
                i = (end + close.len()).min(len);
            } else if rest.starts_with(b"<jsp:expression>") {
                let end = end_of(i + 16, b"</jsp:expression>");
                // `$j(` in the last three bytes of the opening tag.
                self.expression(i + 13, 3, end, b"$j(");
                i = (end + 17).min(len);
            } else if (rest.starts_with(b"${") || rest.starts_with(b"#{"))
                && (i == 0 || src[i - 1] != b'\\')
            {
                match el_end(src, i) {
                    Some(end) => {
                        self.el(i, end, PieceKind::Out { escaped: false }, None);
                        i = end + 1;
                    }
                    None => i = len,
                }
            } else if rest.starts_with(b"<!--") {
                // Template text: EL inside an HTML comment is still evaluated and written.
                i += 4;
            } else if rest.len() > 1 && rest[0] == b'<' && (rest[1].is_ascii_alphabetic()) {
                i = self.tag(i);
            } else {
                i += 1;
            }
        }
    }

    /// Copies Java code as it is (CDATA markers of XML pages blanked).
    fn copy(&mut self, from: usize, to: usize) {
        let to = to.min(self.src.len());
        if from >= to {
            return;
        }
        self.page.java[from..to].copy_from_slice(&self.src[from..to]);
        for marker in [&b"<![CDATA["[..], &b"]]>"[..]] {
            let mut k = from;
            while let Some(p) = find(&self.src[..to], k, marker) {
                for b in &mut self.page.java[p..p + marker.len()] {
                    *b = b' ';
                }
                k = p + marker.len();
            }
        }
    }

    /// An expression whose opening delimiter (`open` bytes at `at`) becomes `call` and whose
    /// closing one (at `end`) `);`.
    fn expression(&mut self, at: usize, open: usize, end: usize, call: &[u8; 3]) {
        self.copy(at + open, end);
        if at + 3 <= self.page.java.len() {
            self.page.java[at..at + 3].copy_from_slice(call);
        }
        if end + 2 <= self.page.java.len() {
            self.page.java[end..end + 2].copy_from_slice(b");");
        }
    }

    /// Records an EL piece (`${` at `at`, `}` at `end`) and writes its placeholder at `at`
    /// (`place` overrides where the piece is said to be).
    fn el(&mut self, at: usize, end: usize, kind: PieceKind, place: Option<Span>) {
        let idx = self.page.pieces.len();
        // `$NN;` needs four bytes: `${a}` is the shortest EL that has them.
        if end < at + 3 || idx >= MAX_PIECES {
            return;
        }
        let el = String::from_utf8_lossy(&self.src[at + 2..end]).into_owned();
        self.page.pieces.push(Piece {
            span: place.unwrap_or(Span::new(at, end + 1)),
            kind,
            el,
            el_start: at + 2,
        });
        let j = &mut self.page.java;
        j[at] = b'$';
        j[at + 1] = DIGITS[idx / 63];
        j[at + 2] = DIGITS[idx % 63];
        j[at + 3] = b';';
    }

    /// `<%@ page import="a.B, c.*" %>` and `<%@ taglib prefix="p" uri="…" %>`.
    fn directive(&mut self, at: usize, end: usize) {
        let text = String::from_utf8_lossy(&self.src[at..end.min(self.src.len())]).into_owned();
        let sp = Span::new(at, end.min(self.src.len()));
        let attrs = attributes(&text);
        let value = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if let Some(list) = value("import") {
            self.imports(list, sp);
        }
        if let (Some(p), Some(uri)) = (value("prefix"), value("uri")) {
            self.taglib(p, uri);
        }
    }

    fn imports(&mut self, list: &str, sp: Span) {
        for item in list.split(',') {
            let item = item.trim();
            if item.is_empty() || item.ends_with('*') {
                continue;
            }
            let (module, name) = match item.rsplit_once('.') {
                Some((m, n)) => (m.to_string(), n.to_string()),
                None => (String::new(), item.to_string()),
            };
            let imp = Import {
                module,
                level: 0,
                name: Some(name.clone()),
                alias: name,
            };
            self.page.imports.push((imp, sp));
        }
    }

    fn taglib(&mut self, prefix: &str, uri: &str) {
        if uri.ends_with("jstl/core") || uri.ends_with("jakarta.tags.core") {
            self.core_prefix = prefix.to_string();
        } else if uri.ends_with("jstl/functions") || uri.ends_with("jakarta.tags.functions") {
            self.page.fn_prefix = prefix.to_string();
        }
    }

    /// A tag starting at `at`: its attributes' EL and `<%= %>` (see the module
    /// documentation). Returns where the tag ends.
    fn tag(&mut self, at: usize) -> usize {
        let src = self.src;
        let len = src.len();
        let mut i = at + 1;
        while i < len && !src[i].is_ascii_whitespace() && src[i] != b'>' && src[i] != b'/' {
            i += 1;
        }
        let name = String::from_utf8_lossy(&src[at + 1..i]).into_owned();
        let (prefix, local) = name.split_once(':').unwrap_or(("", name.as_str()));
        if prefix == "jsp" && local == "directive.page" {
            let end = find(src, i, b">").unwrap_or(len);
            let text = String::from_utf8_lossy(&src[i..end]).into_owned();
            if let Some((_, list)) = attributes(&text).into_iter().find(|(n, _)| n == "import") {
                self.imports(&list, Span::new(at, end));
            }
            return (end + 1).min(len);
        }
        let kind = match (prefix, local) {
            ("", _) => TagKind::Html,
            (p, "out") if p == self.core_prefix => TagKind::Out,
            (p, "set" | "forEach") if p == self.core_prefix => TagKind::Set,
            _ => TagKind::Other,
        };
        let mut attrs: Vec<Attribute> = Vec::new();
        loop {
            while i < len && src[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= len || src[i] == b'>' || src[i] == b'/' || src[i] == b'<' {
                break;
            }
            let start = i;
            while i < len && !matches!(src[i], b'=' | b'>' | b'/') && !src[i].is_ascii_whitespace()
            {
                i += 1;
            }
            let aname = String::from_utf8_lossy(&src[start..i]).into_owned();
            while i < len && src[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= len || src[i] != b'=' {
                attrs.push((aname, String::new(), Vec::new(), Vec::new()));
                if i == start {
                    i += 1;
                }
                continue;
            }
            i += 1;
            while i < len && src[i].is_ascii_whitespace() {
                i += 1;
            }
            let quote = match src.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    i += 1;
                    Some(q)
                }
                _ => None,
            };
            let vstart = i;
            let mut els = Vec::new();
            let mut exprs = Vec::new();
            while i < len {
                let rest = &src[i..];
                if rest.starts_with(b"<%=") {
                    let end = find(src, i + 3, b"%>").unwrap_or(len);
                    exprs.push((i, end));
                    i = (end + 2).min(len);
                } else if (rest.starts_with(b"${") || rest.starts_with(b"#{"))
                    && src[i - 1] != b'\\'
                {
                    match el_end(src, i) {
                        Some(end) => {
                            els.push((i, end));
                            i = end + 1;
                        }
                        None => i = len,
                    }
                } else if quote.map_or(src[i].is_ascii_whitespace() || src[i] == b'>', |q| {
                    src[i] == q
                }) {
                    break;
                } else {
                    i += 1;
                }
            }
            let value = String::from_utf8_lossy(&src[vstart..i.min(len)]).into_owned();
            if quote.is_some() && i < len {
                i += 1;
            }
            attrs.push((aname, value, els, exprs));
        }
        let end = find(src, i, b">").map_or(len, |e| e + 1);
        let xmlns: Vec<(String, String)> = attrs
            .iter()
            .filter_map(|(n, v, ..)| n.strip_prefix("xmlns:").map(|p| (p.to_string(), v.clone())))
            .collect();
        for (p, uri) in xmlns {
            self.taglib(&p, &uri);
        }
        let escaped = !attrs
            .iter()
            .any(|(n, v, ..)| n == "escapeXml" && v.trim().eq_ignore_ascii_case("false"));
        let var = attrs
            .iter()
            .find(|(n, ..)| n == "var")
            .map(|(_, v, ..)| v.trim().to_string());
        let tag_span = Span::new(at, end);
        for (aname, _, els, exprs) in attrs {
            for (s, e) in els {
                match kind {
                    TagKind::Html => self.el(s, e, PieceKind::Out { escaped: false }, None),
                    TagKind::Out if matches!(aname.as_str(), "value" | "default") => {
                        self.el(s, e, PieceKind::Out { escaped }, None)
                    }
                    TagKind::Set if matches!(aname.as_str(), "value" | "items") => {
                        if let Some(v) = var.clone().filter(|v| is_identifier(v)) {
                            self.el(s, e, PieceKind::Set { var: v }, Some(tag_span));
                        }
                    }
                    _ => {}
                }
            }
            for (s, e) in exprs {
                let call = match kind {
                    TagKind::Html => b"$j(",
                    TagKind::Out if escaped => b"$x(",
                    TagKind::Out => b"$j(",
                    _ => b"$v(",
                };
                self.expression(s, 3, e, call);
            }
        }
        end
    }
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_alphabetic() || f == '_')
        && c.all(|x| x.is_alphanumeric() || x == '_')
}

/// The `name="value"` pairs of a directive or tag text (values unquoted).
fn attributes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            let mut s = i;
            while s > 0 && b[s - 1].is_ascii_whitespace() {
                s -= 1;
            }
            let mut n = s;
            while n > 0
                && (b[n - 1].is_ascii_alphanumeric() || matches!(b[n - 1], b':' | b'_' | b'-'))
            {
                n -= 1;
            }
            let name = &text[n..s];
            let mut v = i + 1;
            while v < b.len() && b[v].is_ascii_whitespace() {
                v += 1;
            }
            if let Some(&q @ (b'"' | b'\'')) = b.get(v)
                && let Some(e) = text[v + 1..].find(q as char)
            {
                out.push((name.to_string(), text[v + 1..v + 1 + e].to_string()));
                i = v + 1 + e + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn java(page: &str) -> String {
        String::from_utf8(translate(page.as_bytes()).java).unwrap()
    }

    #[test]
    fn the_java_text_keeps_every_place_of_the_page() {
        let page =
            "<html>\n<% String a = request.getParameter(\"a\"); %>\n<p><%= a %></p>\n</html>\n";
        let j = java(page);
        assert_eq!(j.len(), page.len());
        assert_eq!(j.lines().count(), page.lines().count());
        assert_eq!(j.find("String a").unwrap(), page.find("String a").unwrap());
        assert_eq!(j.lines().nth(2).unwrap().trim(), "$j( a );");
    }

    #[test]
    fn el_becomes_numbered_placeholders() {
        let page = "<p>${param.x}</p><a href=\"${param.u}\">x</a>\\${not.el}";
        let t = translate(page.as_bytes());
        let j = String::from_utf8(t.java).unwrap();
        assert_eq!(t.pieces.len(), 2);
        assert_eq!(t.pieces[0].el, "param.x");
        assert_eq!(t.pieces[1].el_start, page.find("param.u").unwrap());
        assert!(j.contains("$00;") && j.contains("$01;"), "{j}");
        assert_eq!(placeholder_index("$01"), Some(1));
        assert_eq!(placeholder_index("$10"), Some(63));
    }

    #[test]
    fn jstl_tags_decide_escaping_and_bindings() {
        let page = "<%@ taglib prefix=\"c\" uri=\"http://java.sun.com/jsp/jstl/core\" %>\n\
            <c:out value=\"${param.a}\"/>\n\
            <c:out escapeXml=\"false\" value=\"${param.b}\"/>\n\
            <c:set var=\"v\" value=\"${param.c}\"/>\n\
            <c:if test=\"${param.d == 'x'}\">y</c:if>\n";
        let t = translate(page.as_bytes());
        let kinds: Vec<PieceKind> = t.pieces.iter().map(|p| p.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                PieceKind::Out { escaped: true },
                PieceKind::Out { escaped: false },
                PieceKind::Set { var: "v".into() },
            ]
        );
    }

    #[test]
    fn directives_give_imports_and_xml_pages_their_code() {
        let page = "<%@ page import=\"java.util.List, java.io.*,com.acme.Sql\" %>\n\
            <jsp:scriptlet><![CDATA[ int n = 1; ]]></jsp:scriptlet>\n\
            <jsp:expression>n</jsp:expression>\n";
        let t = translate(page.as_bytes());
        let names: Vec<String> = t.imports.iter().map(|(i, _)| i.alias.clone()).collect();
        assert_eq!(names, vec!["List", "Sql"]);
        let j = String::from_utf8(t.java).unwrap();
        assert!(j.contains(" int n = 1; "), "{j}");
        assert!(j.contains("$j(n);"), "{j}");
        assert_eq!(j.len(), page.len());
    }

    #[test]
    fn a_page_with_more_el_than_placeholders_keeps_the_first_ones() {
        let page = "<p>${a}</p>\n".repeat(MAX_PIECES + 100);
        let t = translate(page.as_bytes());
        assert_eq!(t.pieces.len(), MAX_PIECES);
        assert_eq!(t.java.len(), page.len());
        let last = format!("${}{};", DIGITS[62] as char, DIGITS[62] as char);
        assert!(String::from_utf8(t.java).unwrap().contains(&last));
    }

    #[test]
    fn unterminated_constructs_end_the_page_without_panicking() {
        for page in [
            "<%= x",
            "<% int a",
            "${param.x",
            "<a href=\"${x",
            "<c:out value=\"<%= y",
            "<",
        ] {
            let t = translate(page.as_bytes());
            assert_eq!(t.java.len(), page.len());
        }
    }
}
