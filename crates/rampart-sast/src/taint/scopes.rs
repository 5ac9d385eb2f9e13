//! The function around a place of a module, by qualified name, for trace steps.
//!
//! A name is the function's own name after its class and its enclosing functions, joined with
//! `.`: `UserService.find`, `handler.<lambda>`, `outer.inner`. The module's name is never part
//! of it (the step's path says which file), and code at a module's top level has none.

use crate::ir::{FuncId, Module, Span};
use std::sync::Arc;

/// The functions of one module sorted by where they start, with their qualified names.
pub(crate) struct Scopes {
    /// `(start, function)`, by start (function 0, the module body, left out).
    by_start: Vec<(u32, FuncId)>,
    /// Each function's qualified name, computed when first asked for.
    names: Vec<std::cell::OnceCell<Arc<str>>>,
}

impl Scopes {
    /// The scopes of `module`.
    pub(crate) fn new(module: &Module) -> Scopes {
        let mut by_start: Vec<(u32, FuncId)> = (1..module.functions.len())
            .map(|f| (module.functions[f].span.start, f))
            .collect();
        by_start.sort_unstable();
        Scopes {
            by_start,
            names: (0..module.functions.len())
                .map(|_| std::cell::OnceCell::new())
                .collect(),
        }
    }

    /// The qualified name of the innermost function of `module` holding `s`; `None` at the
    /// top level.
    pub(crate) fn function_at(&self, module: &Module, s: Span) -> Option<Arc<str>> {
        // Functions nest: the innermost one holding `s` is the last one starting at or before
        // it, or one of that one's ancestors.
        let i = self
            .by_start
            .partition_point(|&(start, _)| start <= s.start);
        let (_, mut f) = *self.by_start.get(i.checked_sub(1)?)?;
        let mut guard = 0;
        loop {
            let func = module.functions.get(f)?;
            if f != 0 && func.span.contains(s) {
                return Some(self.name(module, f).clone());
            }
            f = func.parent.filter(|&p| p != 0)?;
            guard += 1;
            if guard > module.functions.len() {
                return None;
            }
        }
    }

    /// The qualified name of function `f`.
    fn name(&self, module: &Module, f: FuncId) -> &Arc<str> {
        self.names[f].get_or_init(|| {
            let mut parts = Vec::new();
            let mut cur = Some(f);
            while let Some(c) = cur.filter(|&c| c != 0 && parts.len() < 64) {
                let func = &module.functions[c];
                parts.push(func.name.as_str());
                if let Some(k) = func.class.and_then(|k| module.classes.get(k)) {
                    parts.push(k.name.as_str());
                }
                cur = func.parent;
            }
            parts.reverse();
            Arc::from(parts.join("."))
        })
    }
}
