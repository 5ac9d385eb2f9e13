//! A small LSP client for the tests: talks to the server over `Connection::memory()` (the main
//! loop on a thread) or over the standard input and output of the `rampart lsp` binary.

#![allow(dead_code)]

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a test waits for an answer before failing.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// The Python file of the tests: a planted AWS key after a non-ASCII string (UTF-16 columns
/// differ from characters there) and a command injection from a Flask request.
pub const APP_PY: &str = "from flask import request\nimport os\n\nNOTE = \"😀é\"; AWS_KEY = \"AKIAAAXPNVWNLHECAM3L\"\n\ndef run():\n    os.system('ls ' + request.args['d'])\n";

/// The planted key.
pub const KEY: &str = "AKIAAAXPNVWNLHECAM3L";

enum Peer {
    Thread(std::thread::JoinHandle<Result<(), String>>),
    Process(Child),
}

/// One client session.
pub struct Client {
    sender: Sender<Message>,
    receiver: Receiver<Message>,
    peer: Option<Peer>,
    next: i32,
    /// Notifications received and not consumed yet.
    pub backlog: Vec<Notification>,
    /// Requests the server sent us (answered with null).
    pub server_requests: Vec<Request>,
    /// The `initialize` result.
    pub init: Value,
}

/// Capabilities of a push-diagnostics client that shows progress.
pub fn push_caps() -> Value {
    json!({
        "window": {"workDoneProgress": true},
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}},
        "general": {"positionEncodings": ["utf-16"]},
    })
}

/// The URI of a path.
pub fn uri(p: &Path) -> String {
    url::Url::from_file_path(p).unwrap().to_string()
}

/// A workspace folder (canonical, so URIs compare with the server's).
pub fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    (dir, root)
}

fn initialize_params(root: &Path, caps: Value, options: Value) -> Value {
    json!({
        "processId": null,
        "rootUri": uri(root),
        "capabilities": caps,
        "initializationOptions": options,
    })
}

impl Client {
    /// Starts the server's main loop on a thread over an in-memory connection.
    pub fn memory(root: &Path, caps: Value, options: Value) -> Client {
        let (server, client) = Connection::memory();
        let handle = std::thread::spawn(move || rampart_lsp::serve(server));
        let mut c = Client {
            sender: client.sender,
            receiver: client.receiver,
            peer: Some(Peer::Thread(handle)),
            next: 0,
            backlog: Vec::new(),
            server_requests: Vec::new(),
            init: Value::Null,
        };
        c.initialize(root, caps, options);
        c
    }

    /// Starts `rampart lsp` and talks to it over its standard input and output.
    pub fn stdio(binary: &Path, root: &Path, caps: Value, options: Value) -> Client {
        let mut child = Command::new(binary)
            .arg("lsp")
            .current_dir(root)
            .env("RAMPART_DB", root.join(".no-db"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rampart lsp");
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let (to_server, from_client) = crossbeam_channel::unbounded::<Message>();
        let (to_client, from_server) = crossbeam_channel::unbounded::<Message>();
        std::thread::spawn(move || {
            for m in from_client {
                if m.write(&mut stdin).is_err() {
                    break;
                }
            }
        });
        std::thread::spawn(move || {
            while let Ok(Some(m)) = Message::read(&mut stdout) {
                if to_client.send(m).is_err() {
                    break;
                }
            }
        });
        let mut c = Client {
            sender: to_server,
            receiver: from_server,
            peer: Some(Peer::Process(child)),
            next: 0,
            backlog: Vec::new(),
            server_requests: Vec::new(),
            init: Value::Null,
        };
        c.initialize(root, caps, options);
        c
    }

    fn initialize(&mut self, root: &Path, caps: Value, options: Value) {
        self.init = self.request("initialize", initialize_params(root, caps, options));
        self.notify("initialized", json!({}));
    }

    /// Sends a notification.
    pub fn notify(&self, method: &str, params: Value) {
        self.sender
            .send(Notification::new(method.into(), params).into())
            .unwrap();
    }

    /// Sends a request and returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.sender
            .send(Request::new(id.clone(), method.into(), params).into())
            .unwrap();
        id
    }

    /// The next message, answering the server's requests and keeping notifications.
    fn pump(&mut self, deadline: Instant) -> Option<Response> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.receiver.recv_timeout(left) {
            Ok(Message::Response(r)) => Some(r),
            Ok(Message::Notification(n)) => {
                self.backlog.push(n);
                None
            }
            Ok(Message::Request(r)) => {
                self.sender
                    .send(Response::new_ok(r.id.clone(), Value::Null).into())
                    .unwrap();
                self.server_requests.push(r);
                None
            }
            Err(e) => panic!("no message from the server: {e}"),
        }
    }

    /// Waits for the answer to request `id`.
    pub fn response(&mut self, id: RequestId) -> Response {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(r) = self.pump(deadline)
                && r.id == id
            {
                return r;
            }
        }
    }

    /// Sends a request and returns its result (fails on an error answer).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        let r = self.response(id);
        assert!(r.error.is_none(), "{method}: {:?}", r.error);
        r.result.unwrap_or(Value::Null)
    }

    /// Waits for a notification that `pred` accepts (earlier ones stay in the backlog).
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&Notification) -> bool) -> Notification {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(i) = self.backlog.iter().position(&pred) {
                return self.backlog.remove(i);
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out waiting for {what}; received: {:#?}",
                    self.backlog
                );
            }
            self.pump(deadline);
        }
    }

    /// Waits for diagnostics of `uri` that `pred` accepts; returns them.
    pub fn diagnostics(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let n = self.wait_for(&format!("diagnostics of {uri}"), |n| {
            n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == uri
                && pred(n.params["diagnostics"].as_array().unwrap())
        });
        n.params["diagnostics"].as_array().unwrap().clone()
    }

    /// Waits for the end of the workspace scan's progress.
    pub fn workspace_scan_done(&mut self) -> Notification {
        self.wait_for("the end of the workspace scan", |n| {
            n.method == "$/progress" && n.params["value"]["kind"] == "end"
        })
    }

    /// Opens a document.
    pub fn open(&self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
    }

    /// Shuts the server down and waits for it to end.
    pub fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        match self.peer.take() {
            Some(Peer::Thread(h)) => h.join().unwrap().unwrap(),
            Some(Peer::Process(mut child)) => {
                let deadline = Instant::now() + Duration::from_secs(30);
                loop {
                    if let Some(status) = child.try_wait().unwrap() {
                        assert!(status.success(), "rampart lsp exited with {status}");
                        break;
                    }
                    assert!(Instant::now() < deadline, "rampart lsp did not exit");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            None => {}
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(Peer::Process(child)) = &mut self.peer {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The diagnostic with code `code`, if any.
pub fn with_code<'a>(diags: &'a [Value], code: &str) -> Option<&'a Value> {
    diags.iter().find(|d| d["code"] == code)
}

/// The UTF-16 length of `s`.
pub fn utf16(s: &str) -> u64 {
    s.encode_utf16().count() as u64
}
