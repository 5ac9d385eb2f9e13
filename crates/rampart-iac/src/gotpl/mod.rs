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

mod exec;
mod files;
mod funcs;
mod parse;
mod syntax;
mod to_yaml;
mod value;

pub use exec::{
    MAX_EXEC_NESTING, MAX_OUTPUT, MAX_PRODUCED, MAX_RENDER_TIME, MAX_STEPS, MAX_VALUE_DEPTH,
    Output, Set, root,
};
pub use files::glob_match;
pub use parse::{Parsed, parse};
pub use syntax::{MAX_NESTING, TplError};
pub use to_yaml::to_yaml;
pub use value::V;

#[allow(unused_imports)]
use std::collections::{BTreeMap, HashMap};
#[allow(unused_imports)]
use std::rc::Rc;
#[allow(unused_imports)]
use {exec::*, files::*, funcs::*, parse::*, syntax::*, to_yaml::*, value::*};
