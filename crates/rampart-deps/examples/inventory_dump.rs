//! Prints the inventory of every lockfile under the folders given, one package a line (file,
//! format, name, version, line, direct, dev, dependencies in the file), to compare two builds
//! of the engine on a corpus.
//!
//! `cargo run --release -p rampart-deps --example inventory_dump -- DIR…`

fn main() {
    let mut files: Vec<std::path::PathBuf> = std::env::args()
        .skip(1)
        .flat_map(|d| {
            ignore::WalkBuilder::new(d)
                .hidden(false)
                .build()
                .flatten()
                .map(|e| e.into_path())
                .filter(|p| p.is_file())
                .collect::<Vec<_>>()
        })
        .collect();
    files.sort();
    for f in files {
        let shown = f.display().to_string();
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let Some(lf) = rampart_deps::inventory::parse(&shown, &bytes, None) else {
            continue;
        };
        let graph = lf.graph();
        for (i, p) in lf.packages.iter().enumerate() {
            println!(
                "{shown}\t{}\t{}\t{}\t{}\t{:?}\t{:?}\t{:?}\t{:?}",
                lf.format, p.name, p.version, p.line, p.direct, p.dev, p.unpinned, graph[i]
            );
        }
        println!("{shown}\t{} errors", lf.errors.len());
    }
}
