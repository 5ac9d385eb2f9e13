//! The embedded checks (`checks/<family>/<id>.toml`), parsed once per process and checked
//! against their file names.

use crate::caps;
use crate::check::Check;
use include_dir::{Dir, include_dir};
use rampart_core::RuleMeta;
use std::sync::OnceLock;

static CHECK_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/checks");

/// The embedded checks, loaded once.
pub struct Catalogue {
    /// Every check that loaded.
    pub checks: Vec<Check>,
    /// Their rule metadata, in the same order.
    pub rules: Vec<RuleMeta>,
    /// Check files that failed to load (`path: error`). Empty in a correct build.
    pub errors: Vec<String>,
}

pub(crate) fn catalogue() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        let mut checks = Vec::new();
        let mut errors = Vec::new();
        let mut files = Vec::new();
        collect(&CHECK_DIR, &mut files);
        files.sort_by_key(|f| f.path());
        use rayon::prelude::*;
        let parsed: Vec<(String, Result<Check, crate::check::CheckError>)> = files
            .par_iter()
            .filter_map(|f| {
                let path = f.path().display().to_string();
                if !path.ends_with(".toml") {
                    return None;
                }
                let text = f.contents_utf8().unwrap_or("");
                Some((path, Check::parse(text, &|c| caps::get(c).is_some())))
            })
            .collect();
        for (path, r) in parsed {
            match r {
                Ok(c) => {
                    let stem = path
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .trim_end_matches(".toml");
                    if c.meta.short_id() != stem {
                        errors.push(format!(
                            "{path}: id `{}` differs from the file name",
                            c.meta.short_id()
                        ));
                    }
                    let dir = path.split('/').next().unwrap_or("");
                    if c.meta.family() != dir {
                        errors.push(format!(
                            "{path}: family `{}` differs from the directory",
                            c.meta.family()
                        ));
                    }
                    checks.push(c);
                }
                Err(e) => errors.push(format!("{path}: {e}")),
            }
        }
        let rules = checks.iter().map(|c| c.meta.clone()).collect();
        Catalogue {
            checks,
            rules,
            errors,
        }
    })
}

fn collect<'a>(d: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    out.extend(d.files());
    for sub in d.dirs() {
        collect(sub, out);
    }
}
