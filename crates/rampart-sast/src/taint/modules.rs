//! Calls through a module object: the receiver of `recv.f(x)` named as a project module, so that
//! the call uses `f`'s summary like a directly imported function's.
//!
//! The forms: Python `import app.util as u; u.f(x)`, `import app.util; app.util.f(x)` and
//! `from app import util; util.f(x)` (a submodule imported from its package); JavaScript
//! `const util = require('./util'); util.f(x)`, `require('./util').f(x)`,
//! `import * as util from './util'`, and a default-exported object
//! (`import util from './util'` with `export default { f }` or `module.exports = { f }`), whose
//! member `f` is taken to be the module's top-level function `f`.

use crate::ir::{Expr, ExprKind, Import, Lit, Module};
use crate::lang::Family;

/// The module that `recv` (the receiver of a method call) names, as an import whose module
/// itself is bound (`name: None`), or `None` when it names no module.
pub(crate) fn module_of(m: &Module, recv: &Expr) -> Option<Import> {
    if let ExprKind::Call(c) = &recv.kind {
        return required(m, c);
    }
    let dotted = recv.dotted()?;
    let imp = m.import_of(&dotted)?;
    match (&imp.name, m.lang.family()) {
        (None, _) => Some(imp.clone()),
        // `import util from './util'`: the default export, taken as an object of the module's
        // functions.
        (Some(n), Family::JavaScript) if n == "default" => Some(Import {
            name: None,
            ..imp.clone()
        }),
        // `from app import util`: maybe the submodule `app.util`.
        (Some(n), Family::Python) => Some(Import {
            module: if imp.module.is_empty() {
                n.clone()
            } else {
                format!("{}.{n}", imp.module)
            },
            level: imp.level,
            name: None,
            alias: imp.alias.clone(),
        }),
        _ => None,
    }
}

/// `require('./m')` as an import of the module `./m` (JavaScript only).
fn required(m: &Module, c: &crate::ir::Call) -> Option<Import> {
    if m.lang.family() != Family::JavaScript || c.args.len() != 1 {
        return None;
    }
    if !matches!(&c.callee.kind, ExprKind::Name(n) if n == "require") {
        return None;
    }
    match &c.args[0].kind {
        ExprKind::Lit(Lit::Str(s)) => Some(Import {
            module: s.clone(),
            level: 0,
            name: None,
            alias: String::new(),
        }),
        _ => None,
    }
}
