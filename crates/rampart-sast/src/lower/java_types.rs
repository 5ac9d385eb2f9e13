//! Java declared types: the type of each local, parameter and field is recorded in
//! [`Module::types`] (simple names), and the file's `package` in [`Module::package`], so that
//! the taint analysis resolves `h.fixed(w)` by the declared type of `h` (`taint/java_calls.rs`).

use super::Lowerer;
use crate::ir::*;
use tree_sitter::Node;

/// Types whose `put("k", v)`/`get("k")` store and read a value under a key (the constant-key
/// desugaring of `java.rs` applies to them, and to receivers of unknown type).
const KEYED_TYPES: &[&str] = &[
    "Map",
    "HashMap",
    "LinkedHashMap",
    "TreeMap",
    "SortedMap",
    "NavigableMap",
    "ConcurrentMap",
    "ConcurrentHashMap",
    "ConcurrentSkipListMap",
    "Hashtable",
    "WeakHashMap",
    "IdentityHashMap",
    "EnumMap",
    "Properties",
    "Dictionary",
    "JSONObject",
    "JsonObject",
    "ObjectNode",
    "MultiValueMap",
    "LinkedMultiValueMap",
    "HttpHeaders",
    "ModelMap",
    "Bindings",
    "SimpleBindings",
];

/// Types whose simple name says nothing about a project class (`var` is inferred).
const NOT_A_CLASS: &[&str] = &[
    "var", "int", "long", "short", "byte", "char", "boolean", "float", "double", "void",
];

impl<'a> Lowerer<'a> {
    /// The simple type name of a declaration's `type`, or of `new T(…)` for `var x = new T()`.
    fn java_declared_type(&self, ty: Option<Node>, value: Option<Node>) -> Option<String> {
        let t = ty.map(|t| self.java_type_name(t)).unwrap_or_default();
        let t = if t == "var" {
            let v = value.filter(|v| v.kind() == "object_creation_expression")?;
            self.java_type_name(v.child_by_field_name("type")?)
        } else {
            t
        };
        (!t.is_empty() && !NOT_A_CLASS.contains(&t.as_str())).then_some(t)
    }

    /// Records the declared type of a local or parameter of the function being lowered.
    pub(super) fn java_declare_var(&mut self, name: &str, ty: Option<Node>, value: Option<Node>) {
        if self.pattern {
            return;
        }
        if let Some(t) = self.java_declared_type(ty, value) {
            self.module
                .types
                .vars
                .insert((self.cur_fn, name.to_string()), t);
        }
    }

    /// Records the declared types of the fields a `field_declaration` of `class` declares.
    pub(super) fn java_declare_fields(&mut self, class: ClassId, decl: Node) {
        if self.pattern {
            return;
        }
        let ty = decl.child_by_field_name("type");
        let mut c = decl.walk();
        let ds: Vec<Node> = decl.children_by_field_name("declarator", &mut c).collect();
        for d in ds {
            let Some(name) = d.child_by_field_name("name") else {
                continue;
            };
            if let Some(t) = self.java_declared_type(ty, d.child_by_field_name("value")) {
                let name = self.text(name).to_string();
                self.module.types.fields.insert((class, name), t);
            }
        }
    }

    /// The declared type of the variable `name` as seen from the function being lowered (its
    /// locals and parameters, those of the functions around it, the fields of their classes).
    fn java_var_type(&self, name: &str) -> Option<&str> {
        let m = &self.module;
        let key = name.to_string();
        let mut f = Some(self.cur_fn);
        for _ in 0..64 {
            let x = f?;
            if let Some(t) = m.types.vars.get(&(x, key.clone())) {
                return Some(t);
            }
            if let Some(ci) = m.functions[x].class
                && let Some(t) = m.types.fields.get(&(ci, key.clone()))
            {
                return Some(t);
            }
            f = m.functions[x].parent;
        }
        None
    }

    /// Whether `put("k", v)`/`get("k")` on `recv` store and read under the key: its declared
    /// type is a map-like JDK or library type, or is not known. A project class's `put` is
    /// its own method (resolved by type in the taint analysis).
    pub(super) fn java_keyed_receiver(&self, recv: Node) -> bool {
        let name = match recv.kind() {
            "identifier" => self.text(recv),
            "field_access" => match (
                recv.child_by_field_name("object"),
                recv.child_by_field_name("field"),
            ) {
                (Some(o), Some(f)) if o.kind() == "this" => self.text(f),
                _ => return true,
            },
            _ => return true,
        };
        // `System.getProperty("k")` is the environment (a source of the `cli` profile), not
        // a map entry.
        if name == "System" && !self.locals.contains(name) {
            return false;
        }
        self.java_var_type(name)
            .is_none_or(|t| KEYED_TYPES.contains(&t))
    }

    /// `package a.b;`: the file's package.
    pub(super) fn java_package(&mut self, n: Node) {
        let mut c = n.walk();
        let name = n
            .named_children(&mut c)
            .find(|k| matches!(k.kind(), "scoped_identifier" | "identifier"));
        if let Some(p) = name {
            let text: String = self
                .text(p)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            self.module.package = Some(text);
        }
    }
}
