//! Java routes: Spring MVC request mappings and JAX-RS resources.
//!
//! A small scanner walks the file once (comments, strings and text blocks skipped, braces
//! counted) and collects annotations in groups: the annotations written before one
//! declaration. A group before `class`/`interface`/`enum`/`record` gives the class's prefix
//! (Spring `@RequestMapping("/api")`, JAX-RS `@Path("/api")`), which applies to the methods
//! one brace level inside it; a group before anything else is a member's. Spring:
//! `@GetMapping`… give their method, `@RequestMapping` its `method =` (every method without
//! one, `ANY`); paths are the first argument, `value =` or `path =` (a string or a `{…}` list
//! of strings, `"a" + "b"` joined); a path written as a constant is not known and gives no
//! route. JAX-RS: `@GET`… with the method's `@Path` joined to the class's; a method with
//! `@Path` but no verb (a sub-resource locator) serves `ANY`.

use super::{MAX_LINE, MAX_ROUTES, join_path};
use rampart_core::HttpRoute;

/// HTTP method annotations of JAX-RS.
const JAXRS_VERBS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// Class annotations of declarative HTTP clients (Spring Cloud OpenFeign, Spring's HTTP
/// interfaces, MicroProfile REST clients): their mappings describe requests sent elsewhere.
const CLIENTS: &[&str] = &["FeignClient", "HttpExchange", "RegisterRestClient"];

/// One annotation: its simple name, the text between its parentheses, its line.
struct Annotation {
    name: String,
    args: String,
    line: usize,
}

/// Which framework a file uses (by its imports).
#[derive(Clone, Copy, PartialEq)]
enum Framework {
    Spring,
    JaxRs,
}

/// The routes of a Java file.
pub(super) fn java(path: &str, text: &str) -> Vec<HttpRoute> {
    let spring = text.contains("org.springframework");
    let jaxrs = text.contains("javax.ws.rs") || text.contains("jakarta.ws.rs");
    if !spring && !jaxrs {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Enclosing classes: (brace depth of the declaration, its path prefixes; `None` for an
    // HTTP client interface, whose mappings are requests it sends, not routes).
    let mut classes: Vec<(usize, Option<Vec<String>>)> = Vec::new();
    for (group, depth, is_class) in groups(text) {
        if out.len() >= MAX_ROUTES {
            break;
        }
        while classes.last().is_some_and(|(d, _)| *d >= depth) {
            classes.pop();
        }
        if is_class {
            let client = group.iter().any(|a| CLIENTS.contains(&a.name.as_str()));
            let prefixes = (!client).then(|| class_prefixes(&group, spring, jaxrs));
            classes.push((depth, prefixes));
            continue;
        }
        let prefixes = match classes.last() {
            Some((d, Some(p))) if *d + 1 == depth => p.clone(),
            Some((d, None)) if *d + 1 == depth => continue,
            _ => vec![String::new()],
        };
        for (line, method, p, fw) in member_routes(&group, spring, jaxrs) {
            for prefix in &prefixes {
                if out.len() >= MAX_ROUTES {
                    break;
                }
                out.push(HttpRoute {
                    file: path.into(),
                    line,
                    method: method.clone(),
                    path: join_path(prefix, &p),
                    framework: match fw {
                        Framework::Spring => "spring",
                        Framework::JaxRs => "jax-rs",
                    }
                    .into(),
                });
            }
        }
    }
    out
}

/// The path prefixes a class's annotations give (`[""]` when none).
fn class_prefixes(group: &[Annotation], spring: bool, jaxrs: bool) -> Vec<String> {
    for a in group {
        if spring
            && a.name == "RequestMapping"
            && let Some(p) = spring_paths(&a.args)
        {
            return p;
        }
        if jaxrs
            && a.name == "Path"
            && let Some(p) = strings(&a.args)
        {
            return p;
        }
    }
    vec![String::new()]
}

/// The routes of a member's annotations: (line, method, path, framework).
fn member_routes(
    group: &[Annotation],
    spring: bool,
    jaxrs: bool,
) -> Vec<(usize, String, String, Framework)> {
    let mut out = Vec::new();
    if spring {
        for a in group {
            let method = match a.name.as_str() {
                "GetMapping" => "GET",
                "PostMapping" => "POST",
                "PutMapping" => "PUT",
                "DeleteMapping" => "DELETE",
                "PatchMapping" => "PATCH",
                "RequestMapping" => "",
                _ => continue,
            };
            let Some(paths) = spring_paths(&a.args) else {
                continue;
            };
            let methods = if method.is_empty() {
                request_methods(&a.args)
            } else {
                vec![method.to_string()]
            };
            for p in &paths {
                for m in &methods {
                    out.push((a.line, m.clone(), p.clone(), Framework::Spring));
                }
            }
        }
        if !out.is_empty() {
            return out;
        }
    }
    if jaxrs {
        let verbs: Vec<&Annotation> = group
            .iter()
            .filter(|a| JAXRS_VERBS.contains(&a.name.as_str()))
            .collect();
        let path = group.iter().find(|a| a.name == "Path");
        let paths = match path {
            Some(p) => match strings(&p.args) {
                Some(v) => v,
                None => return out,
            },
            None => vec![String::new()],
        };
        let line = verbs.first().copied().or(path).map(|a| a.line);
        let Some(line) = line else { return out };
        let methods: Vec<String> = if verbs.is_empty() {
            vec!["ANY".into()]
        } else {
            verbs.iter().map(|a| a.name.clone()).collect()
        };
        for p in &paths {
            for m in &methods {
                out.push((line, m.clone(), p.clone(), Framework::JaxRs));
            }
        }
    }
    out
}

/// A Spring mapping's paths: the first argument, `value =` or `path =`; `[""]` when the
/// mapping names none; `None` when they are not literals.
fn spring_paths(args: &str) -> Option<Vec<String>> {
    let items = top_level(args, ',');
    let first = items.first().map(|s| s.trim()).unwrap_or("");
    if first.is_empty() {
        return Some(vec![String::new()]);
    }
    if !first.contains('=') || first.starts_with('"') || first.starts_with('{') {
        return strings(first);
    }
    for it in &items {
        if let Some((k, v)) = it.split_once('=')
            && matches!(k.trim(), "value" | "path")
        {
            return strings(v);
        }
    }
    Some(vec![String::new()])
}

/// `method = RequestMethod.POST` / `{RequestMethod.GET, RequestMethod.POST}`; `ANY` without.
fn request_methods(args: &str) -> Vec<String> {
    for it in top_level(args, ',') {
        if let Some((k, v)) = it.split_once('=')
            && k.trim() == "method"
        {
            let ms: Vec<String> = v
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| {
                    matches!(
                        *w,
                        "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS" | "TRACE"
                    )
                })
                .map(str::to_string)
                .collect();
            if !ms.is_empty() {
                return ms;
            }
        }
    }
    vec!["ANY".into()]
}

/// A string, `"a" + "b"`, or a `{…}` list of them; `None` if any part is not a literal.
fn strings(v: &str) -> Option<Vec<String>> {
    let v = v.trim();
    let inner = match v.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
        Some(inner) => inner,
        None => return concat(v).map(|s| vec![s]),
    };
    top_level(inner, ',')
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .map(concat)
        .collect()
}

/// `"a"` or `"a" + "b"`: the string; `None` for anything else.
fn concat(v: &str) -> Option<String> {
    let mut out = String::new();
    for part in top_level(v, '+') {
        let p = part.trim();
        let s = p.strip_prefix('"')?.strip_suffix('"')?;
        if s.contains('"') {
            return None;
        }
        out.push_str(s);
    }
    Some(out)
}

/// `s` split at `sep` outside strings, parentheses and braces.
fn top_level(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut in_str, mut esc, mut start) = (0i32, false, false, 0);
    for (i, c) in s.char_indices() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The annotation groups of the file in order: (annotations, brace depth, before a type
/// declaration). Lines longer than [`MAX_LINE`] end the scan (generated code).
fn groups(text: &str) -> Vec<(Vec<Annotation>, usize, bool)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut pending: Vec<Annotation> = Vec::new();
    let (mut i, mut line, mut depth, mut line_start) = (0usize, 1usize, 0usize, 0usize);
    let flush = |pending: &mut Vec<Annotation>,
                 out: &mut Vec<(Vec<Annotation>, usize, bool)>,
                 depth: usize,
                 class: bool| {
        if !pending.is_empty() || class {
            out.push((std::mem::take(pending), depth, class));
        }
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                line_start = i + 1;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    if b[i] == b'\n' {
                        line += 1;
                        line_start = i + 1;
                    }
                    i += 1;
                }
                i += 2;
            }
            b'"' | b'\'' => {
                let (end, lines) = skip_literal(b, i);
                if lines > 0 {
                    line += lines;
                    line_start = b[..end]
                        .iter()
                        .rposition(|&x| x == b'\n')
                        .map_or(0, |p| p + 1);
                }
                i = end;
            }
            b'@' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'.')
                {
                    j += 1;
                }
                let full = &text[start..j];
                let name = full.rsplit('.').next().unwrap_or("").to_string();
                if name == "interface" {
                    // `@interface A`: an annotation type, a class-like declaration.
                    flush(&mut pending, &mut out, depth, true);
                    i = j;
                    continue;
                }
                let mut k = j;
                while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
                    k += 1;
                }
                let mut args = String::new();
                let ann_line = line;
                if b.get(k) == Some(&b'(') {
                    let (end, lines) = skip_parens(b, k);
                    args = text
                        .get(k + 1..end.saturating_sub(1))
                        .unwrap_or("")
                        .to_string();
                    line += lines;
                    if lines > 0 {
                        line_start = b[..end]
                            .iter()
                            .rposition(|&x| x == b'\n')
                            .map_or(0, |p| p + 1);
                    }
                    j = end;
                }
                if !name.is_empty() {
                    pending.push(Annotation {
                        name,
                        args,
                        line: ann_line,
                    });
                }
                i = j.max(i + 1);
            }
            b'{' => {
                flush(&mut pending, &mut out, depth, false);
                depth += 1;
                i += 1;
            }
            b'}' => {
                flush(&mut pending, &mut out, depth, false);
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'(' | b';' | b'=' => {
                flush(&mut pending, &mut out, depth, false);
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let word = &text[i..j];
                let after_dot = i > 0 && b[i - 1] == b'.';
                if !after_dot && matches!(word, "class" | "interface" | "enum" | "record") {
                    let next = text[j..].trim_start();
                    if next.starts_with(|c: char| c.is_alphabetic() || c == '_') {
                        flush(&mut pending, &mut out, depth, true);
                    }
                }
                i = j;
            }
            _ => i += 1,
        }
        if i.saturating_sub(line_start) > MAX_LINE
            && !b[line_start..i.min(b.len())].contains(&b'\n')
        {
            break;
        }
    }
    out
}

/// The end of the string, text block or character literal at `i`, and the newlines in it.
fn skip_literal(b: &[u8], i: usize) -> (usize, usize) {
    let q = b[i];
    if q == b'"' && b.get(i + 1) == Some(&b'"') && b.get(i + 2) == Some(&b'"') {
        let mut j = i + 3;
        let mut lines = 0;
        while j < b.len()
            && !(b[j] == b'"' && b.get(j + 1) == Some(&b'"') && b.get(j + 2) == Some(&b'"'))
        {
            if b[j] == b'\\' {
                j += 1;
            } else if b[j] == b'\n' {
                lines += 1;
            }
            j += 1;
        }
        return ((j + 3).min(b.len()), lines);
    }
    let mut j = i + 1;
    while j < b.len() && b[j] != q && b[j] != b'\n' {
        if b[j] == b'\\' {
            j += 1;
        }
        j += 1;
    }
    ((j + 1).min(b.len()), 0)
}

/// The end (past the `)`) of the parenthesised text at `i`, and the newlines in it.
fn skip_parens(b: &[u8], i: usize) -> (usize, usize) {
    let (mut depth, mut j, mut lines) = (0usize, i, 0usize);
    while j < b.len() {
        match b[j] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (j + 1, lines);
                }
            }
            b'"' | b'\'' => {
                let (end, l) = skip_literal(b, j);
                lines += l;
                j = end;
                continue;
            }
            b'\n' => lines += 1,
            _ => {}
        }
        j += 1;
    }
    (b.len(), lines)
}

#[cfg(test)]
mod tests {
    use super::super::{brief, find};

    #[test]
    fn spring_class_prefix_and_method_mappings() {
        let src = r#"package a;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/api/users")
public class UserController {
    @GetMapping
    public List<User> all() { return List.of(); }

    @GetMapping("/{id}")
    public User one(@PathVariable long id) { return null; }

    @PostMapping(value = "/", consumes = "application/json")
    public User add(@RequestBody User u) { return u; }

    @RequestMapping(path = {"/a", "/b"}, method = {RequestMethod.PUT, RequestMethod.PATCH})
    public void both() {}

    @RequestMapping(value = "/any")
    public void any() {}

    @DeleteMapping(Routes.ONE)
    public void constant() {}

    // @GetMapping("/commented")
    private String s = "@GetMapping(\"/in-a-string\")";

    static class Inner {
        @GetMapping("/inner")
        void x() {}
    }

    @GetMapping(
        value = "/multi" + "/line",
        produces = MediaType.TEXT_PLAIN_VALUE)
    public String multi() { return ""; }
}

@FeignClient(name = "billing")
interface BillingClient {
    @GetMapping("/invoices")
    List<Invoice> invoices();
}

@Controller
class Plain {
    @GetMapping("/plain")
    String p() { return "v"; }
}
"#;
        assert_eq!(
            brief(&find("src/UserController.java", src)),
            [
                (7, "GET", "/api/users", "spring"),
                (10, "GET", "/api/users/{id}", "spring"),
                (13, "POST", "/api/users", "spring"),
                (16, "PUT", "/api/users/a", "spring"),
                (16, "PATCH", "/api/users/a", "spring"),
                (16, "PUT", "/api/users/b", "spring"),
                (16, "PATCH", "/api/users/b", "spring"),
                (19, "ANY", "/api/users/any", "spring"),
                (29, "GET", "/inner", "spring"),
                (33, "GET", "/api/users/multi/line", "spring"),
                (47, "GET", "/plain", "spring"),
            ]
        );
    }

    #[test]
    fn jaxrs_class_and_method_paths() {
        let src = "package a;\nimport javax.ws.rs.*;\n\n@Path(\"/reports\")\npublic class R {\n    @GET\n    @Path(\"/{name}\")\n    public byte[] read(@PathParam(\"name\") String n) { return null; }\n\n    @POST\n    public void add(String s) {}\n\n    @Path(\"sub\")\n    public Sub sub() { return new Sub(); }\n}\n";
        assert_eq!(
            brief(&find("src/R.java", src)),
            [
                (6, "GET", "/reports/{name}", "jax-rs"),
                (10, "POST", "/reports", "jax-rs"),
                (13, "ANY", "/reports/sub", "jax-rs"),
            ]
        );
    }

    #[test]
    fn no_framework_no_routes_and_odd_input() {
        assert!(find("A.java", "class A { @GetMapping(\"/x\") void f() {} }").is_empty());
        for s in [
            "@",
            "@GetMapping(",
            "@GetMapping(\"",
            "\"\"\"",
            "/*",
            "@RequestMapping(value=",
            "}}}} @GetMapping(\"/x\") {{",
            "@Path({\"a\", })",
        ] {
            find(
                "A.java",
                &format!("import org.springframework.x;\nimport javax.ws.rs.x;\n{s}"),
            );
        }
    }
}
