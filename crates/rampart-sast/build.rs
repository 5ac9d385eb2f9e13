//! Embeds every rule file under `rules/<language>/` into the crate.
//!
//! The generated list names files relative to this package (`CARGO_MANIFEST_DIR` is expanded
//! where the list is compiled), never by absolute path, so builds are reproducible and a target
//! directory shared by two checkouts does not embed the rules of the other one. Cargo re-runs this
//! script when a rule file or folder is added or removed; rustc tracks each file's content.

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut files = Vec::new();
    let mut langs: Vec<_> = std::fs::read_dir(&root)
        .expect("rules/ exists")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    langs.sort();
    for lang in langs {
        println!("cargo:rerun-if-changed=rules/{lang}");
        let entries = std::fs::read_dir(root.join(&lang)).expect("rule folder is readable");
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".yaml") || name.ends_with(".yml") {
                files.push(format!("{lang}/{name}"));
            }
        }
    }
    files.sort();
    let mut out = String::from(
        "/// Every built-in rule file: (path under `rules/`, content).\npub static RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for rel in &files {
        writeln!(
            out,
            "    ({rel:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/\", {rel:?}))),"
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("rule_files.rs");
    std::fs::write(dest, out).unwrap();
}
