//! `include_dir!` embeds `rules/`, but stable Rust cannot tell Cargo which files a macro read:
//! without this, adding a rule file does not rebuild the crate.

fn main() {
    println!("cargo:rerun-if-changed=rules");
}
