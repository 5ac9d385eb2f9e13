//! Languages the engine understands, and parsing them with tree-sitter.

use std::ops::ControlFlow;
use std::time::Instant;

/// A source language (TypeScript and JavaScript share one lowering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Python 3.
    Python,
    /// JavaScript, including JSX.
    JavaScript,
    /// TypeScript.
    TypeScript,
    /// TypeScript with JSX.
    Tsx,
    /// Java.
    Java,
    /// Java Server Pages (`.jsp`, `.jspx`): scriptlets and expressions are Java, lowered
    /// from a same-length Java text (`lower/jsp.rs`); the module's language is Java.
    Jsp,
    /// Go.
    Go,
    /// A Vue single-file component (`.vue`): its `<script>` blocks as JavaScript/TypeScript,
    /// its template's `v-html` bindings (`lower/vue.rs`).
    Vue,
}

impl Lang {
    /// The language of a path, by extension.
    pub fn from_path(path: &str) -> Option<Lang> {
        let ext = path.rsplit_once('.')?.1;
        Some(match ext {
            "py" | "pyw" => Lang::Python,
            "js" | "jsx" | "mjs" | "cjs" => Lang::JavaScript,
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "java" => Lang::Java,
            "jsp" | "jspx" => Lang::Jsp,
            "go" => Lang::Go,
            "vue" => Lang::Vue,
            _ => return None,
        })
    }

    /// The language named in a rule's `languages` list.
    pub fn from_rule_name(name: &str) -> Vec<Lang> {
        match name.to_ascii_lowercase().as_str() {
            "python" | "py" | "python3" => vec![Lang::Python],
            "javascript" | "js" => vec![Lang::JavaScript, Lang::TypeScript, Lang::Tsx, Lang::Vue],
            "typescript" | "ts" => vec![Lang::TypeScript, Lang::Tsx, Lang::JavaScript, Lang::Vue],
            "tsx" | "jsx" => vec![Lang::Tsx, Lang::JavaScript],
            "java" => vec![Lang::Java, Lang::Jsp],
            "go" | "golang" => vec![Lang::Go],
            _ => Vec::new(),
        }
    }

    /// The family of rules that apply: Python, Java, or JavaScript for JS and TS alike.
    pub fn family(self) -> Family {
        match self {
            Lang::Python => Family::Python,
            Lang::Java | Lang::Jsp => Family::Java,
            Lang::Go => Family::Go,
            _ => Family::JavaScript,
        }
    }

    /// The tree-sitter grammar.
    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::Java | Lang::Jsp => tree_sitter_java::LANGUAGE.into(),
            Lang::Go => tree_sitter_go::LANGUAGE.into(),
            // Parsed through `lower::vue::split` with the grammar its script names; TypeScript
            // reads plain JavaScript too.
            Lang::Vue => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        }
    }
}

/// Rule families: a rule is written for one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Python.
    Python,
    /// JavaScript and TypeScript.
    JavaScript,
    /// Java.
    Java,
    /// Go.
    Go,
}

/// Parses `source`, giving up at `deadline`. Returns `None` when the parser gave up.
pub fn parse(lang: Lang, source: &[u8], deadline: Option<Instant>) -> Option<tree_sitter::Tree> {
    thread_local! {
        static PARSERS: std::cell::RefCell<Vec<(Lang, tree_sitter::Parser)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let idx = match parsers.iter().position(|(l, _)| *l == lang) {
            Some(i) => i,
            None => {
                let mut p = tree_sitter::Parser::new();
                p.set_language(&lang.grammar()).ok()?;
                parsers.push((lang, p));
                parsers.len() - 1
            }
        };
        let parser = &mut parsers[idx].1;
        parser.reset();
        let len = source.len();
        let mut progress = |_: &tree_sitter::ParseState| {
            if deadline.is_some_and(|d| Instant::now() > d) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        parser.parse_with_options(
            &mut |i, _| if i < len { &source[i..] } else { &[] as &[u8] },
            None,
            Some(options),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_language() {
        for (lang, src) in [
            (Lang::Python, "def f(x):\n    return x\n"),
            (Lang::JavaScript, "const a = <div>{x}</div>;"),
            (Lang::TypeScript, "let a: number = 1;"),
            (Lang::Tsx, "const a = <b>{x as any}</b>;"),
            (Lang::Java, "class A { int f(int x) { return x; } }"),
            (Lang::Go, "package a\nfunc f(x int) int { return x }\n"),
        ] {
            let t = parse(lang, src.as_bytes(), None).unwrap();
            assert!(!t.root_node().has_error(), "{lang:?}");
        }
        assert_eq!(Lang::from_path("a/b.tsx"), Some(Lang::Tsx));
        assert_eq!(Lang::from_path("WEB-INF/a.jspx"), Some(Lang::Jsp));
        assert_eq!(Lang::Jsp.family(), Family::Java);
        assert_eq!(Lang::from_path("a/b.rs"), None);
        assert_eq!(Lang::from_path("src/App.vue"), Some(Lang::Vue));
        assert_eq!(Lang::Vue.family(), Family::JavaScript);
    }
}
