//! The structural (search-mode) rules: formulas matched on every node of a module, and
//! regex-only formulas matched on the file's text. This is not taint analysis: each match is a
//! finding.

use crate::finding::RawFinding;
use crate::index::Index;
use crate::ir::Module;
use crate::pattern::{Ctx, NodeRef};
use crate::prefilter::Present;
use std::time::Instant;

/// Runs the structural rules of `ix` over `module` (lowered from `src`). Returns the findings
/// and whether `deadline` passed (then only the findings made before it). With `present` (the
/// literals of the file, `Prefilter::scan`), the rules that cannot match are not tried.
pub fn run(
    module: &Module,
    src: &[u8],
    ix: &Index,
    deadline: Option<Instant>,
    present: Option<&Present>,
) -> (Vec<RawFinding>, bool) {
    let active: Vec<bool> = (0..ix.search.len())
        .map(|si| present.is_none_or(|p| ix.prefilter.search_active(si, p)))
        .collect();
    if !active.contains(&true) {
        return (Vec::new(), false);
    }
    let ctx = Ctx { module, src };
    let mut out = Vec::new();
    let mut visited = 0u32;
    let mut timed_out = false;
    crate::walk::walk_module(module, &mut |node, anc| {
        if timed_out {
            return;
        }
        visited = visited.wrapping_add(1);
        if visited.is_multiple_of(256) && deadline.is_some_and(|d| Instant::now() > d) {
            timed_out = true;
            return;
        }
        let key = match node {
            NodeRef::Expr(e) => ctx.key_of(e),
            _ => None,
        };
        let cands = key
            .as_ref()
            .and_then(|k| ix.search_by_key.get(k))
            .into_iter()
            .flatten()
            .chain(ix.search_wild.iter());
        for &si in cands {
            if !active[si] {
                continue;
            }
            let (gi, f) = &ix.search[si];
            if let Some(m) = f.eval(node, anc, &ctx) {
                let function = anc
                    .iter()
                    .rev()
                    .find_map(|a| match a {
                        NodeRef::Func(f) => Some(f.name.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                out.push(RawFinding::structural(
                    *gi,
                    m.focus.unwrap_or(node.span()),
                    function,
                    &m,
                ));
            }
        }
    });
    for &si in &ix.search_text {
        if timed_out {
            break;
        }
        if !active[si] {
            continue;
        }
        let (gi, f) = &ix.search[si];
        for m in f.eval_text(ctx.src, 0..ctx.src.len()) {
            let span = m.focus.unwrap_or_default();
            // The innermost function around the match, for the fingerprint.
            let function = module
                .functions
                .iter()
                .skip(1)
                .filter(|f| f.span.contains(span))
                .min_by_key(|f| f.span.end - f.span.start)
                .map(|f| f.name.clone())
                .unwrap_or_default();
            out.push(RawFinding::structural(*gi, span, function, &m));
        }
    }
    out.sort_by_key(|f| (f.rule, f.span));
    out.dedup_by_key(|f| (f.rule, f.span));
    (out, timed_out)
}
