//! `rampart scan` fetches the vulnerability database first when there is none or it is stale:
//! the project's ecosystems before the scan, the rest while it runs; `--offline` and
//! `RAMPART_OFFLINE` skip it; an unreachable source is one warning and the scan goes on. The
//! OSV export layout (`/<Ecosystem>/all.zip`, `/kev/…`) is served on 127.0.0.1 from the deps
//! crate's test records.

mod common;
use common::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn osv_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart-deps/tests/data")
}

/// The OSV export layout: `<Eco>/all.zip` for crates.io, Go, PyPI and npm (the handwritten
/// records), and the KEV catalog.
fn mirror(dir: &Path) {
    for (eco, from) in [
        ("crates.io", "osv/crates.io"),
        ("Go", "osv/Go"),
        ("PyPI", "osv/PyPI"),
        ("npm", "osv/handwritten"),
    ] {
        std::fs::create_dir_all(dir.join(eco)).unwrap();
        let f = std::fs::File::create(dir.join(eco).join("all.zip")).unwrap();
        let mut zip = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut entries: Vec<_> = std::fs::read_dir(osv_data().join(from))
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
    std::fs::create_dir_all(dir.join("kev")).unwrap();
    std::fs::copy(
        osv_data().join("kev/known_exploited_vulnerabilities.json"),
        dir.join("kev/known_exploited_vulnerabilities.json"),
    )
    .unwrap();
}

/// Serves `root` over HTTP on 127.0.0.1 (404 for what is not there); returns the base URL and
/// the paths requested, in order.
fn serve(root: PathBuf) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
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
            seen.lock().unwrap().push(path.clone());
            let resp = match std::fs::read(root.join(&path)) {
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
    (format!("http://{addr}"), log)
}

/// A project with a Cargo.lock (crates.io) and a package.json without lockfile (npm), whose
/// rampart.toml fetches from `url`.
fn project(url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    write(
        r,
        "web/package.json",
        r#"{"dependencies": {"lodash": "^4.17.0"}}"#,
    );
    write(
        r,
        "rampart.toml",
        format!("[engines.deps]\nauto_update_from = \"{url}\"\n"),
    );
    dir
}

/// `rampart scan --engines deps` with fetching allowed and the database in `db`.
fn scan(db: &Path, path: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = rampart()
        .env_remove("RAMPART_OFFLINE")
        .env("RAMPART_DB", db)
        .args([
            "scan",
            "--engines",
            "deps",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args(extra)
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        json(&out.stdout),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rules(report: &serde_json::Value) -> Vec<(String, String)> {
    findings(report)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                f["properties"]["package"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn a_first_scan_fetches_the_projects_ecosystems_first_then_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    mirror(&tmp.path().join("mirror"));
    let (url, log) = serve(tmp.path().join("mirror"));
    let p = project(&url);
    let db = tmp.path().join("db");
    let (code, report, err) = scan(&db, p.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("no vulnerability database yet: fetching crates.io, npm from"),
        "{err}"
    );
    let found = rules(&report);
    assert!(
        found.contains(&("deps/vulnerable-dependency".into(), "smallvec".into())),
        "{found:?}\n{err}"
    );
    assert!(
        found.contains(&("deps/vulnerable-range".into(), "lodash".into())),
        "{found:?}"
    );
    assert!(!err.contains("no vulnerability database: run"), "{err}");
    // The project's ecosystems came first; the others were fetched while the scan ran.
    let requested = log.lock().unwrap().clone();
    let pos = |p: &str| requested.iter().position(|r| r == p).unwrap_or(usize::MAX);
    assert!(
        pos("crates.io/all.zip") < pos("Go/all.zip"),
        "{requested:?}"
    );
    assert!(pos("npm/all.zip") < pos("PyPI/all.zip"), "{requested:?}");
    assert!(
        requested.iter().all(|r| !r.starts_with("Debian")),
        "{requested:?}"
    );
    assert!(err.contains("fetched after the scan started"), "{err}");
    let status = rampart_deps::db::status(&db, 7).unwrap();
    let names: Vec<&str> = status.sources.iter().map(|s| s.name.as_str()).collect();
    for eco in ["crates.io", "npm", "Go", "PyPI", "KEV"] {
        assert!(names.contains(&eco), "{names:?}");
    }
    // Fresh now: the next scan fetches nothing.
    let before = log.lock().unwrap().len();
    let (code, _, err) = scan(&db, p.path(), &[]);
    assert_eq!(code, 0);
    assert!(!err.contains("fetching"), "{err}");
    assert_eq!(log.lock().unwrap().len(), before);
}

#[test]
fn a_stale_database_is_fetched_again_and_ci_is_told_to_cache_it() {
    let tmp = tempfile::tempdir().unwrap();
    mirror(&tmp.path().join("mirror"));
    let (url, log) = serve(tmp.path().join("mirror"));
    let p = project(&url);
    let db = tmp.path().join("db");
    rampart()
        .env("RAMPART_DB", &db)
        .args(["db", "update", "--from"])
        .arg(tmp.path().join("mirror"))
        .assert()
        .code(0);
    let mut d = rampart_deps::db::Database::load(&db).unwrap();
    d.meta.built_at -= 3 * 86_400;
    d.save(&db).unwrap();
    let out = rampart()
        .env_remove("RAMPART_OFFLINE")
        .env("RAMPART_DB", &db)
        .env("CI", "true")
        .args([
            "scan",
            "--engines",
            "deps",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .arg(p.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("the vulnerability database is 3 days old"),
        "{err}"
    );
    assert!(err.contains(&format!("cache {}", db.display())), "{err}");
    assert!(err.contains("actions/cache"), "{err}");
    assert!(log.lock().unwrap().iter().any(|r| r == "crates.io/all.zip"));
    let age = rampart_deps::db::status(&db, 7).unwrap().age_secs;
    assert!(age < 3600, "{age}");
    // A shorter limit in rampart.toml: `auto_update_after`.
    write(
        p.path(),
        "rampart.toml",
        format!("[engines.deps]\nauto_update_from = \"{url}\"\nauto_update_after = \"bad\"\n"),
    );
    let (code, _, err) = {
        let out = rampart()
            .env_remove("RAMPART_OFFLINE")
            .env("RAMPART_DB", &db)
            .args(["scan", "--engines", "deps", "--format", "json"])
            .arg(p.path())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            (),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("auto_update_after"), "{err}");
}

#[test]
fn offline_flag_and_env_never_fetch() {
    let tmp = tempfile::tempdir().unwrap();
    mirror(&tmp.path().join("mirror"));
    let (url, log) = serve(tmp.path().join("mirror"));
    let p = project(&url);
    let db = tmp.path().join("db");
    let (code, report, err) = scan(&db, p.path(), &["--offline"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("no vulnerability database: run `rampart db update`"),
        "{err}"
    );
    assert!(!err.contains("fetching"), "{err}");
    // Without a database, the manifest's dependencies are still listed and its lockfile
    // command given.
    assert!(findings(&report).is_empty());
    assert!(err.contains("npm install --package-lock-only"), "{err}");
    let out = rampart()
        .env("RAMPART_OFFLINE", "1")
        .env("RAMPART_DB", &db)
        .args(["scan", "--engines", "deps", "--format", "json"])
        .arg(p.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(log.lock().unwrap().is_empty(), "{:?}", log.lock().unwrap());
    assert!(!db.exists());
    // `auto_update = false` in rampart.toml too.
    write(
        p.path(),
        "rampart.toml",
        format!("[engines.deps]\nauto_update = false\nauto_update_from = \"{url}\"\n"),
    );
    let (code, _, _) = scan(&db, p.path(), &[]);
    assert_eq!(code, 0);
    assert!(log.lock().unwrap().is_empty());
}

#[test]
fn an_unreachable_source_is_said_once_and_the_scan_goes_on() {
    // A port that was just closed: connection refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let p = project(&url);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let (code, report, err) = scan(&db, p.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("cannot reach").count(), 1, "{err}");
    assert!(err.contains("the network is unreachable"), "{err}");
    assert!(
        err.contains("scanning without vulnerability matching"),
        "{err}"
    );
    assert!(
        err.contains("no vulnerability database: run `rampart db update`"),
        "{err}"
    );
    assert!(findings(&report).is_empty());
    // With an old database: the scan uses it, and says so.
    rampart()
        .env("RAMPART_DB", &db)
        .args(["db", "update", "--from"])
        .arg(osv_data().join("osv"))
        .assert()
        .code(0);
    let mut d = rampart_deps::db::Database::load(&db).unwrap();
    d.meta.built_at -= 10 * 86_400;
    d.save(&db).unwrap();
    let (code, report, err) = scan(&db, p.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("cannot reach").count(), 1, "{err}");
    assert!(
        err.contains("scanning with the existing database (10 days old)"),
        "{err}"
    );
    assert!(
        rules(&report).contains(&("deps/vulnerable-dependency".into(), "smallvec".into())),
        "{report}"
    );
}
