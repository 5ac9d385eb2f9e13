//! The language server's message handling: after a normal `initialize`, the input becomes a
//! document (opened, then changed) and the parameters of requests and notifications a client may
//! send — arbitrary JSON where the input parses as JSON, positions and ranges taken from the
//! input otherwise — then `shutdown` and `exit`. The main loop must answer every request and
//! end cleanly whatever it is sent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::time::Duration;

/// Methods whose parameters the input chooses.
const METHODS: &[&str] = &[
    "textDocument/hover",
    "textDocument/codeAction",
    "textDocument/diagnostic",
    "workspace/diagnostic",
    "workspace/executeCommand",
    "textDocument/didChange",
    "textDocument/didSave",
    "textDocument/didClose",
    "workspace/didChangeWatchedFiles",
    "workspace/didChangeConfiguration",
    "$/cancelRequest",
    "window/workDoneProgress/cancel",
];

const URI: &str = "file:///rampart-fuzz-root/app.py";

fn request(id: i32, method: &str, params: Value) -> Message {
    Message::Request(Request {
        id: RequestId::from(id),
        method: method.into(),
        params,
    })
}

fn notification(method: &str, params: Value) -> Message {
    Message::Notification(Notification {
        method: method.into(),
        params,
    })
}

/// Parameters built from the input's bytes: a position and a range inside the document.
fn structured(data: &[u8]) -> Value {
    let b = |i: usize| u64::from(data.get(i).copied().unwrap_or(0));
    let pos = json!({"line": b(0) % 16, "character": b(1)});
    json!({
        "textDocument": {"uri": URI, "version": 2},
        "position": pos,
        "range": {"start": pos, "end": {"line": b(2) % 16, "character": b(3)}},
        "context": {"diagnostics": []},
        "contentChanges": [{
            "range": {"start": pos, "end": {"line": b(2) % 16, "character": b(3)}},
            "text": String::from_utf8_lossy(data.get(4..).unwrap_or_default()),
        }],
        "command": "rampart.scanWorkspace",
        "arguments": [],
        "changes": [{"uri": "file:///rampart-fuzz-root/rampart.toml", "type": 2}],
        "settings": {"rampart": {"engines": ["secrets", "sast"]}},
        "id": 1,
        "token": "t",
        "previousResultIds": [],
    })
}

fuzz_target!(|data: &[u8]| {
    let (method, rest) = rampart_fuzz::pick(data, METHODS);
    let params = serde_json::from_slice::<Value>(rest).unwrap_or_else(|_| structured(rest));
    let text = rampart_fuzz::lossy(rest);

    let (server, client) = Connection::memory();
    let main = std::thread::spawn(move || rampart_lsp::serve(server));
    let send = |m: Message| {
        let _ = client.sender.send(m);
    };
    send(request(
        1,
        "initialize",
        json!({
            "processId": null,
            "rootUri": "file:///rampart-fuzz-root",
            "capabilities": {"textDocument": {"diagnostic": {}}},
            "initializationOptions": {"workspaceScan": false},
        }),
    ));
    send(notification("initialized", json!({})));
    send(notification(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "python", "version": 1, "text": text}}),
    ));
    let notify = method.contains("/did") || method.starts_with('$') || method.starts_with("window/");
    if notify {
        send(notification(method, params));
    } else {
        send(request(2, method, params));
    }
    send(request(3, "shutdown", Value::Null));
    send(notification("exit", Value::Null));
    // Every request is answered (initialize, the fuzzed one, shutdown); then the loop ends.
    let expected = if notify { 2 } else { 3 };
    let mut answered = 0;
    while answered < expected {
        match client.receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(Message::Response(_)) => answered += 1,
            Ok(Message::Request(r)) => {
                // The server asks the client things (progress tokens, registrations): answer.
                let _ = client
                    .sender
                    .send(Message::Response(lsp_server::Response::new_ok(r.id, Value::Null)));
            }
            Ok(Message::Notification(_)) => {}
            Err(_) => panic!("the server stopped answering"),
        }
    }
    drop(client);
    main.join().expect("main loop panicked").expect("main loop failed");
});
