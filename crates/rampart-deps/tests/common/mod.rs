//! Shared test helpers: a database folder built from the repo's test data, and a loopback
//! HTTP server.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Lays out a mirror folder: `<Eco>/all.zip` for the real subsets, loose JSON for the
/// handwritten records (under `npm/`), and `kev/`.
pub fn mirror(dir: &Path) {
    for eco in ["crates.io", "Go", "PyPI"] {
        let out = dir.join(eco);
        std::fs::create_dir_all(&out).unwrap();
        let f = std::fs::File::create(out.join("all.zip")).unwrap();
        let mut zip = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut entries: Vec<_> = std::fs::read_dir(data().join("osv").join(eco))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            zip.start_file(p.file_name().unwrap().to_string_lossy(), opts)
                .unwrap();
            zip.write_all(&std::fs::read(&p).unwrap()).unwrap();
        }
        zip.finish().unwrap();
    }
    let npm = dir.join("npm");
    std::fs::create_dir_all(&npm).unwrap();
    for e in std::fs::read_dir(data().join("osv/handwritten"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), npm.join(e.file_name())).unwrap();
    }
    std::fs::create_dir_all(dir.join("kev")).unwrap();
    std::fs::copy(
        data().join("kev/known_exploited_vulnerabilities.json"),
        dir.join("kev/known_exploited_vulnerabilities.json"),
    )
    .unwrap();
}

/// A database built from the test data, through the real update path.
pub fn test_db() -> rampart_deps::db::Database {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("mirror");
    mirror(&src);
    let dbdir = tmp.path().join("db");
    rampart_deps::update::update(&rampart_deps::update::UpdateOptions {
        from: Some(src.display().to_string()),
        dir: dbdir.clone(),
        ..Default::default()
    })
    .unwrap();
    rampart_deps::db::Database::load(&dbdir).unwrap()
}

/// Serves the files of `root` over HTTP on 127.0.0.1 for `max_requests` requests; returns the base URL.
pub fn serve(root: PathBuf, max_requests: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max_requests) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]);
            let path = req
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_string();
            let file = root.join(&path);
            let resp = match std::fs::read(&file) {
                Ok(body) if !path.contains("..") => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend(body);
                    r
                }
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = s.write_all(&resp);
        }
    });
    format!("http://{addr}")
}
