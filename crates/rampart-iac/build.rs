//! `include_dir!` embeds `checks/`, but stable Rust cannot tell Cargo which files a macro read:
//! without this, adding a check file does not rebuild the crate.

fn main() {
    println!("cargo:rerun-if-changed=checks");
}
