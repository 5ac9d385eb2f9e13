//! Measures `rampart lsp` as an editor sees it (bench/lsp.sh runs it):
//! - the workspace scan at start (initialized → the end of its `$/progress`) and the server's
//!   peak RSS (`VmHWM`);
//! - the latency of a 2,000-line Python document's diagnostics after a one-character change,
//!   with the debounce at 0 (didChange sent → its `publishDiagnostics` received).
//!
//! Usage: `lsp_bench RAMPART_BINARY WORKSPACE [ROUNDS]`.

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::io::BufReader;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: lsp_bench RAMPART_BINARY WORKSPACE [ROUNDS]");
        std::process::exit(2);
    }
    let bin = &args[1];
    let root = Path::new(&args[2]).canonicalize().expect("workspace");
    let rounds: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(30);

    let mut child = Command::new(bin)
        .arg("lsp")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start rampart lsp");
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut send = |m: Message| m.write(&mut stdin).expect("write");
    let mut recv = || {
        Message::read(&mut stdout)
            .expect("read")
            .expect("server closed")
    };
    let uri = |p: &Path| url::Url::from_file_path(p).unwrap().to_string();

    send(
        Request::new(
            RequestId::from(1),
            "initialize".into(),
            json!({
                "processId": null, "rootUri": uri(&root),
                "capabilities": {"window": {"workDoneProgress": true}},
                "initializationOptions": {"debounceMs": 0},
            }),
        )
        .into(),
    );
    loop {
        if let Message::Response(_) = recv() {
            break;
        }
    }
    let started = Instant::now();
    send(Notification::new("initialized".into(), json!({})).into());
    let mut ended = None;
    while ended.is_none() {
        match recv() {
            Message::Notification(n)
                if n.method == "$/progress" && n.params["value"]["kind"] == "end" =>
            {
                ended = Some((started.elapsed(), n.params["value"]["message"].clone()));
            }
            Message::Request(r) => send(lsp_server::Response::new_ok(r.id, Value::Null).into()),
            _ => {}
        }
    }
    let (scan, message) = ended.unwrap();
    let hwm = peak_rss_kib(pid);
    println!(
        "workspace scan: {:.2} s ({}), server peak RSS {} MiB",
        scan.as_secs_f64(),
        message.as_str().unwrap_or(""),
        hwm / 1024
    );

    // A 2,000-line Python document with a flow and a key near the end.
    let mut text = String::from("from flask import request\nimport os\n\n");
    let mut i = 0;
    while text.lines().count() < 1990 {
        text.push_str(&format!(
            "def handler_{i}(x):\n    y = x + {i}\n    if y > 10:\n        return str(y)\n    return os.path.join('a', str(y))\n\n"
        ));
        i += 1;
    }
    text.push_str(
        "def run():\n    os.system('ls ' + request.args['d'])\n\nKEY = \"AKIAAAXPNVWNLHECAM3L\"\n",
    );
    let lines = text.lines().count();
    let doc = root.join("rampart_lsp_bench_doc.py");
    let doc_uri = uri(&doc);
    send(
        Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": doc_uri, "languageId": "python", "version": 1, "text": text}}),
        )
        .into(),
    );
    let wait_version = |v: i64, recv: &mut dyn FnMut() -> Message| loop {
        if let Message::Notification(n) = recv()
            && n.method == "textDocument/publishDiagnostics"
            && n.params["uri"] == doc_uri.as_str()
            && n.params["version"] == v
        {
            return n.params["diagnostics"]
                .as_array()
                .map(Vec::len)
                .unwrap_or(0);
        }
    };
    let first = wait_version(1, &mut recv);
    let mut times = Vec::new();
    for r in 0..rounds {
        let version = 2 + r as i64;
        // One character typed (then deleted next round) on line 10.
        let (range, new_text) = if r % 2 == 0 {
            (
                json!({"start": {"line": 10, "character": 0}, "end": {"line": 10, "character": 0}}),
                " ",
            )
        } else {
            (
                json!({"start": {"line": 10, "character": 0}, "end": {"line": 10, "character": 1}}),
                "",
            )
        };
        let t = Instant::now();
        send(
            Notification::new(
                "textDocument/didChange".into(),
                json!({"textDocument": {"uri": doc_uri, "version": version},
                       "contentChanges": [{"range": range, "text": new_text}]}),
            )
            .into(),
        );
        wait_version(version, &mut recv);
        times.push(t.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "document of {lines} lines ({first} diagnostics): one-character change → diagnostics: median {:.1} ms, p90 {:.1} ms, max {:.1} ms over {rounds} changes (debounce 0)",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 9 / 10]),
        ms(*times.last().unwrap()),
    );
    println!(
        "server peak RSS at the end: {} MiB",
        peak_rss_kib(pid) / 1024
    );
    send(Request::new(RequestId::from(2), "shutdown".into(), Value::Null).into());
    send(Notification::new("exit".into(), Value::Null).into());
    let _ = child.wait();
}

/// `VmHWM` of a process, in KiB (0 where /proc is not there).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}
