//! Prints what `rampart_ingest::import` makes of a file, as JSON:
//! `cargo run -p rampart-ingest --example ingest_dump -- FILE [rampart|sarif|cyclonedx|spdx]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: ingest_dump FILE [FORMAT]");
        std::process::exit(2);
    };
    let hint = args.next().map(|f| {
        rampart_ingest::Format::parse(&f).unwrap_or_else(|| {
            eprintln!("unknown format `{f}`: use rampart, sarif, cyclonedx or spdx");
            std::process::exit(2)
        })
    });
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2)
    });
    match rampart_ingest::import(&bytes, hint) {
        Ok(i) => println!(
            "{}",
            serde_json::to_string_pretty(&i).expect("serialisable")
        ),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}
