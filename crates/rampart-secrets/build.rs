//! Embeds every rule file under `rules/` into the binary.
//!
//! The generated list names files relative to this package (`CARGO_MANIFEST_DIR` is expanded
//! where the list is compiled), never by absolute path: a target directory shared by two
//! checkouts (CI caches one) must not embed the rules of the other checkout. Cargo re-runs this
//! script when a file is added or removed (`rules` changes); rustc tracks each file's content.

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("rules/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut out = String::from(
        "/// Every embedded rule file: (file name, contents).\npub static RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for n in &names {
        writeln!(
            out,
            "    ({n:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/\", {n:?}))),"
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("rule_files.rs");
    std::fs::write(dest, out).unwrap();
}
