//! Terraform projects: directories parsed into modules, module calls followed (local and
//! installed by `terraform init`), and the checks and policies run on every evaluated block.

use crate::catalogue::Catalogue;
use crate::check::Check;
use crate::detect::Format;
use crate::evaluate::evaluate;
use crate::model::{self, Node};
use crate::policy::{Placement, PolicySet, apply_policies};
#[cfg(feature = "rego")]
use crate::rego;
use crate::role::MODULES_JSON;
use crate::subjects::Subject;
use crate::{hcl, plan};
use rampart_core::{Diagnostic, Emitter, SourceFile};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Runs the Terraform checks over evaluated blocks.
fn check_tf_blocks(
    cat: &Catalogue,
    blocks: &[hcl::TfBlock],
    prefix: &dyn Fn(usize) -> String,
    sources: &[SourceFile],
    texts: &[&str],
    seen: &mut HashSet<(String, rampart_core::Location)>,
    out: &mut Emitter,
) {
    let checks: Vec<&Check> = cat
        .checks
        .iter()
        .filter(|c| c.formats.contains(&Format::Terraform))
        .collect();
    for (i, b) in blocks.iter().enumerate() {
        let kind = tf_kind(b);
        let address = format!("{}{}", prefix(i), b.address());
        let related = |m: &str| related_blocks(blocks, b, m);
        let subject = Subject {
            kind: kind.clone(),
            address,
            node: &b.node,
            macros: Vec::new(),
            dynamic: Some(&related),
        };
        let (Some(file), Some(text)) = (sources.get(b.file), texts.get(b.file)) else {
            continue;
        };
        for c in checks.iter().filter(|c| c.applies_to(&kind)) {
            for f in evaluate(c, &subject, file, text) {
                if seen.insert((f.rule_id.clone(), f.location.clone())) {
                    out.finding(f);
                }
            }
        }
    }
}

/// A Terraform plan (JSON): its resources through the Terraform checks.
pub(crate) fn terraform_plan(
    cat: &Catalogue,
    root: &Node,
    file: &SourceFile,
    text: &str,
    out: &mut Emitter,
) {
    let pairs = plan::blocks(root);
    let prefixes: Vec<String> = pairs.iter().map(|(p, _)| p.clone()).collect();
    let blocks: Vec<hcl::TfBlock> = pairs.into_iter().map(|(_, b)| b).collect();
    let mut seen = HashSet::new();
    let sources = std::slice::from_ref(file);
    check_tf_blocks(
        cat,
        &blocks,
        &|i| prefixes[i].clone(),
        sources,
        &[text],
        &mut seen,
        out,
    );
}

/// `ref:TYPE:ATTR`: the blocks of TYPE whose ATTR refers to `me` (by reference, or by the same
/// literal name).
fn related_blocks<'a>(blocks: &'a [hcl::TfBlock], me: &hcl::TfBlock, m: &str) -> Vec<&'a Node> {
    let mut parts = m.splitn(3, ':');
    let (Some("ref"), Some(ty), Some(attr)) = (parts.next(), parts.next(), parts.next()) else {
        return Vec::new();
    };
    let target = me.base_address();
    let names: Vec<String> = ["bucket", "name", "id", "arn"]
        .iter()
        .filter_map(|k| me.node.get(k).and_then(Node::as_str).map(String::from))
        .collect();
    blocks
        .iter()
        .filter(|o| tf_kind(o) == ty)
        .filter(|o| {
            o.node.get(attr).is_some_and(|v| match &v.value {
                model::Value::Unknown(e) => {
                    e == &target
                        || e.contains(&format!("{target}."))
                        || e.contains(&format!("{target}["))
                }
                model::Value::Str(s) => names.iter().any(|n| n == s),
                _ => false,
            })
        })
        .map(|o| &o.node)
        .collect()
}

/// The kind a Terraform block is selected by.
fn tf_kind(b: &hcl::TfBlock) -> String {
    match b.block_type.as_str() {
        "resource" => b.kind.clone(),
        "data" => format!("data.{}", b.kind),
        "provider" => format!("provider.{}", b.kind),
        other => other.to_string(),
    }
}

struct TfDir {
    files: Vec<hcl::TfFile>,
    sources: Vec<SourceFile>,
}

/// What `finish` evaluates: Terraform files by directory, `modules.json` manifests by the
/// directory `terraform init` ran in, and the scan root (to read `.terraform/modules` when the
/// walk did not deliver it, as `.gitignore` usually excludes it).
pub(crate) struct TfInput {
    /// Terraform files (path, text) by directory.
    pub(crate) dirs: BTreeMap<String, Vec<(String, String)>>,
    /// `modules.json` texts by the directory `terraform init` ran in.
    pub(crate) manifests: BTreeMap<String, String>,
    /// The scan root.
    pub(crate) root: std::path::PathBuf,
}

/// Parses a `modules.json` manifest into module key → directory (relative to the scan root).
fn read_manifest(dir: &str, text: &str) -> Result<HashMap<String, String>, String> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        #[serde(rename = "Modules", default)]
        modules: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(rename = "Key")]
        key: String,
        #[serde(rename = "Dir")]
        dir: String,
    }
    let m: Manifest = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(m.modules
        .into_iter()
        .filter(|e| !e.key.is_empty())
        .map(|e| {
            (
                e.key,
                rampart_core::paths::join(dir, &e.dir.replace('\\', "/")),
            )
        })
        .collect())
}

/// Whether a directory lies under a `.terraform` directory (installed modules).
fn in_dot_terraform(dir: &str) -> bool {
    dir.split('/').any(|c| c == ".terraform")
}

/// Reads a module directory's Terraform files from disk.
fn read_tf_dir(root: &std::path::Path, dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
        return out;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".tf") || lower.ends_with(".tf.json")) || !e.path().is_file() {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(e.path()) {
            out.push((rampart_core::paths::join(dir, &name), text));
        }
    }
    out
}

fn parse_tf_dir(mut files: Vec<(String, String)>) -> (TfDir, Vec<Diagnostic>) {
    files.sort();
    let mut d = TfDir {
        files: Vec::new(),
        sources: Vec::new(),
    };
    let mut diags = Vec::new();
    for (path, text) in files {
        match hcl::TfFile::parse(&path, &text) {
            Ok(f) => {
                d.sources.push(SourceFile::new(
                    &path,
                    text.into_bytes(),
                    rampart_core::source::Origin::WorkTree,
                ));
                d.files.push(f);
            }
            Err(e) => diags.push(
                Diagnostic::error(&path, format!("Terraform syntax error: {}", e.message))
                    .at_line(e.line),
            ),
        }
    }
    (d, diags)
}

/// Evaluation context shared by every module of one scan.
struct TfCtx<'a> {
    cat: &'a Catalogue,
    pol: Option<&'a PolicySet>,
    parsed: HashMap<String, TfDir>,
    /// Per root module directory: its `modules.json` (module key → directory).
    inits: HashMap<String, HashMap<String, String>>,
}

pub(crate) fn terraform(
    cat: &Catalogue,
    pol: Option<&PolicySet>,
    input: TfInput,
    out: &mut Emitter,
) {
    let TfInput {
        dirs,
        manifests,
        root,
    } = input;
    if dirs.is_empty() {
        return;
    }
    // Directories are parsed, and root modules evaluated, in parallel.
    use rayon::prelude::*;
    let parsed_list: Vec<(String, TfDir, Vec<Diagnostic>)> = dirs
        .into_par_iter()
        .map(|(dir, files)| {
            let (d, diags) = parse_tf_dir(files);
            (dir, d, diags)
        })
        .collect();
    let mut parsed: HashMap<String, TfDir> = HashMap::new();
    for (dir, d, diags) in parsed_list {
        for diag in diags {
            out.diagnostic(diag);
        }
        parsed.insert(dir, d);
    }
    // `terraform init` manifests of the directories that may be roots: delivered by the walk,
    // or read from disk.
    let mut inits: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut installed: HashSet<String> = HashSet::new();
    let candidates: Vec<String> = parsed
        .keys()
        .filter(|d| !in_dot_terraform(d))
        .cloned()
        .collect();
    for dir in candidates {
        let mpath = rampart_core::paths::join(&dir, MODULES_JSON);
        let text = manifests
            .get(&dir)
            .cloned()
            .or_else(|| std::fs::read_to_string(root.join(&mpath)).ok());
        let Some(text) = text else { continue };
        match read_manifest(&dir, &text) {
            Ok(map) => {
                for mdir in map.values() {
                    installed.insert(mdir.clone());
                    if !parsed.contains_key(mdir) {
                        let (d, diags) = parse_tf_dir(read_tf_dir(&root, mdir));
                        for diag in diags {
                            out.diagnostic(diag);
                        }
                        if !d.files.is_empty() {
                            parsed.insert(mdir.clone(), d);
                        }
                    }
                }
                inits.insert(dir, map);
            }
            Err(e) => out.diagnostic(Diagnostic::warning(
                mpath,
                format!("cannot read the Terraform module manifest: {e}"),
            )),
        }
    }
    // Directories called as local modules are evaluated through their callers, with inputs;
    // installed modules through the root that installed them. A directory that calls itself
    // (`source = "./"`) is still a root, and members of a cycle of local modules that no root
    // reaches become roots too, so that no file goes unchecked.
    let mut calls: HashMap<String, Vec<String>> = HashMap::new();
    for (dir, d) in &parsed {
        for f in &d.files {
            for (_, src) in f.module_sources() {
                if is_local_source(&src) {
                    calls
                        .entry(dir.clone())
                        .or_default()
                        .push(rampart_core::paths::join(dir, &src));
                }
            }
        }
    }
    let called: HashSet<&String> = calls
        .iter()
        .flat_map(|(from, to)| to.iter().filter(move |t| *t != from))
        .collect();
    let mut candidates: Vec<String> = parsed
        .keys()
        .filter(|d| !installed.contains(*d) && !in_dot_terraform(d))
        .cloned()
        .collect();
    candidates.sort();
    let roots: Vec<String> = candidates
        .iter()
        .filter(|d| !called.contains(*d))
        .cloned()
        .collect();
    let ctx = TfCtx {
        cat,
        pol,
        parsed,
        inits,
    };
    let run = |dir: &String| {
        let mut e = Emitter::default();
        let mut seen = HashSet::new();
        let mut evaluated = HashSet::new();
        let call = ModuleCall {
            dir,
            inputs: &HashMap::new(),
            prefix: "",
            init: ctx.inits.get(dir),
            key: "",
        };
        let mut chain = vec![dir.clone()];
        tf_module(&ctx, &call, &mut chain, &mut evaluated, &mut seen, &mut e);
        (e, evaluated)
    };
    let mut results: Vec<(Emitter, HashSet<String>)> = roots.par_iter().map(run).collect();
    // Directories no root evaluated (members of a cycle of local modules no root calls, and
    // modules past the nesting limit) are evaluated as roots of their own, in path order.
    let mut evaluated: HashSet<String> = results.iter().flat_map(|(_, d)| d.clone()).collect();
    for dir in &candidates {
        if !evaluated.contains(dir) {
            let r = run(dir);
            evaluated.extend(r.1.iter().cloned());
            results.push(r);
        }
    }
    // A module called from two roots reports each finding once.
    let mut seen = HashSet::new();
    let mut seen_diag = HashSet::new();
    for (e, _) in results {
        for f in e.findings {
            if seen.insert((f.rule_id.clone(), f.location.clone())) {
                out.finding(f);
            }
        }
        for d in e.diagnostics {
            if seen_diag.insert((d.path.clone(), d.line, d.message.clone())) {
                out.diagnostic(d);
            }
        }
    }
}

/// One evaluation of a module directory.
struct ModuleCall<'a> {
    dir: &'a str,
    inputs: &'a HashMap<String, Node>,
    /// Address prefix of its blocks (`module.x.`).
    prefix: &'a str,
    /// The root's `modules.json`, when `terraform init` ran.
    init: Option<&'a HashMap<String, String>>,
    /// Module key in `modules.json` (`vpc`, `vpc.subnets`); empty for the root.
    key: &'a str,
}

/// How deeply module calls may nest (root → child → grandchild…).
pub const MAX_MODULE_NESTING: usize = 16;

/// Whether a module `source` is a local directory.
fn is_local_source(src: &str) -> bool {
    src.starts_with("./") || src.starts_with("../") || src == "." || src == ".."
}

/// Evaluates one module call and, recursively, the module calls in it. `chain` holds the
/// directories of the calls being evaluated (the root first), to detect cycles; `evaluated`
/// collects every directory evaluated.
fn tf_module(
    ctx: &TfCtx<'_>,
    call: &ModuleCall<'_>,
    chain: &mut Vec<String>,
    evaluated: &mut HashSet<String>,
    seen: &mut HashSet<(String, rampart_core::Location)>,
    out: &mut Emitter,
) {
    let (cat, pol, parsed) = (ctx.cat, ctx.pol, &ctx.parsed);
    let (dir, inputs, prefix) = (call.dir, call.inputs, call.prefix);
    let Some(d) = parsed.get(dir) else { return };
    evaluated.insert(dir.to_string());
    let hcl::Evaluated {
        blocks,
        diagnostics,
        ..
    } = hcl::evaluate_module(&d.files, inputs);
    for diag in diagnostics {
        out.diagnostic(diag);
    }
    let texts: Vec<&str> = d.files.iter().map(|f| f.text.as_str()).collect();
    check_tf_blocks(
        cat,
        &blocks,
        &|_| prefix.to_string(),
        &d.sources,
        &texts,
        seen,
        out,
    );
    if pol.is_some() && !blocks.is_empty() {
        #[cfg(feature = "rego")]
        let place = |r: &rego::PolicyResult| -> Placement {
            let found = r.address.as_deref().and_then(|a| {
                let a = a.strip_prefix(prefix).unwrap_or(a);
                blocks
                    .iter()
                    .find(|b| b.address() == a)
                    .or_else(|| blocks.iter().find(|b| b.base_address() == a))
            });
            let b = found.unwrap_or(&blocks[0]);
            let span = match r.path.as_deref() {
                Some(p) => rego::locate(&b.node, p).unwrap_or_else(|| b.node.report_span()),
                None => b.node.report_span(),
            };
            (b.file, span)
        };
        #[cfg(not(feature = "rego"))]
        let place = |_: &()| -> Placement { (0, 0..0) };
        #[cfg(feature = "rego")]
        let input = || rego::terraform_input(&blocks);
        #[cfg(not(feature = "rego"))]
        let input = || serde_json::Value::Null;
        let files: Vec<&SourceFile> = d.sources.iter().collect();
        apply_policies(pol, &input, &place, &files, out);
    }
    for b in blocks.iter().filter(|b| b.block_type == "module") {
        let Some(src) = b.node.get("source").and_then(Node::as_str) else {
            continue;
        };
        let key = if call.key.is_empty() {
            b.kind.clone()
        } else {
            format!("{}.{}", call.key, b.kind)
        };
        let target = if is_local_source(src) {
            Some(rampart_core::paths::join(dir, src))
        } else {
            call.init
                .and_then(|m| m.get(&key))
                .filter(|d| parsed.contains_key(*d))
                .cloned()
        };
        let Some(target) = target else {
            if let Some(file) = d.sources.get(b.file) {
                out.diagnostic(
                    Diagnostic::note(
                        &file.path,
                        format!(
                            "module `{}` (source `{src}`) is not installed locally, so it is not \
                             scanned and its outputs are unknown; run `terraform init` to scan it",
                            b.kind
                        ),
                    )
                    .at_line(b.node.key_line),
                );
            }
            continue;
        };
        let refused = if chain.contains(&target) {
            let shown = |d: &String| {
                if d.is_empty() {
                    ".".to_string()
                } else {
                    d.clone()
                }
            };
            let cycle: Vec<String> = chain
                .iter()
                .skip_while(|d| **d != target)
                .chain(std::iter::once(&target))
                .map(shown)
                .collect();
            Some(format!(
                "module `{}` (source `{src}`) calls a module that is already being evaluated \
                 (cycle of local modules: {}); the call is not followed, the files of `{}` are \
                 checked once",
                b.kind,
                cycle.join(" → "),
                shown(&target)
            ))
        } else if chain.len() >= MAX_MODULE_NESTING {
            Some(format!(
                "module `{}` (source `{src}`) nests more than {MAX_MODULE_NESTING} module calls \
                 deep; it is not evaluated through this call",
                b.kind
            ))
        } else {
            None
        };
        if let Some(message) = refused {
            if let Some(file) = d.sources.get(b.file) {
                out.diagnostic(Diagnostic::warning(&file.path, message).at_line(b.node.key_line));
            }
            continue;
        }
        let meta = [
            "source",
            "version",
            "count",
            "for_each",
            "providers",
            "depends_on",
        ];
        let inputs: HashMap<String, Node> = b
            .node
            .as_map()
            .unwrap_or(&[])
            .iter()
            .filter(|(k, _)| !meta.contains(&k.as_str()))
            .cloned()
            .collect();
        let p = format!("{prefix}{}.", b.address());
        let child = ModuleCall {
            dir: &target,
            inputs: &inputs,
            prefix: &p,
            init: call.init,
            key: &key,
        };
        chain.push(target.clone());
        tf_module(ctx, &child, chain, evaluated, seen, out);
        chain.pop();
    }
}
