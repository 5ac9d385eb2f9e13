//! The server: initialisation, the main loop, and what each message does.
//!
//! One thread owns all state and handles messages in the order they arrive; scans run on
//! background threads and come back as [`Done`] through a channel the loop also listens to,
//! beside a timer for the debounce. A scan's result is applied only to the documents whose
//! version is still the one it read, so a slow scan never overwrites a newer one.

use crate::actions::{OPEN_DOCS, SCAN_WORKSPACE};
use crate::documents::{Document, Documents};
use crate::engines;
use crate::position::Encoding;
use crate::protocol::{self, flag, str_at, uri_to_path};
use crate::scanner::{self, Done, Job, Scope, SharedEngines};
use crate::settings::Settings;
use crate::store::Store;

mod config;
mod results;
use crossbeam_channel::{Receiver, Sender, select};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use rampart_core::DiagnosticLevel;
use rampart_core::baseline::Baseline;
use rampart_core::config::Config;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// LSP error codes used here.
const METHOD_NOT_FOUND: i32 = -32601;
const INVALID_PARAMS: i32 = -32602;
const INVALID_REQUEST: i32 = -32600;
const REQUEST_CANCELLED: i32 = -32800;

/// Runs the server over standard input and output until the client says `exit`.
pub fn serve_stdio() -> Result<(), String> {
    let (conn, io) = Connection::stdio();
    serve(conn)?;
    io.join().map_err(|e| format!("lsp: {e}"))
}

/// Runs the server over a connection (stdio, or `Connection::memory()` in tests) until the
/// client says `exit` or the connection closes.
pub fn serve(conn: Connection) -> Result<(), String> {
    let (id, params) = conn
        .initialize_start()
        .map_err(|e| format!("lsp: initialize: {e}"))?;
    let caps = params.get("capabilities").cloned().unwrap_or(Value::Null);
    let enc = Encoding::negotiate(&caps);
    let (root, named_root) = root_of(&params);
    let (settings, problems) =
        Settings::from_json(params.get("initializationOptions").unwrap_or(&Value::Null));
    let pull = caps.pointer("/textDocument/diagnostic").is_some();
    let mut capabilities = json!({
        "positionEncoding": enc.name(),
        "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": false}},
        "hoverProvider": true,
        "codeActionProvider": {"codeActionKinds": ["quickfix"]},
        "executeCommandProvider": {"commands": [SCAN_WORKSPACE, OPEN_DOCS]},
    });
    if pull {
        capabilities["diagnosticProvider"] = json!({
            "identifier": "rampart",
            "interFileDependencies": true,
            "workspaceDiagnostics": true,
        });
    }
    let result = json!({
        "capabilities": capabilities,
        "serverInfo": {"name": "rampart", "version": env!("CARGO_PKG_VERSION")},
    });
    conn.initialize_finish(id, result)
        .map_err(|e| format!("lsp: initialize: {e}"))?;

    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    let mut server = Server {
        conn,
        caps,
        enc,
        root,
        settings,
        config: Config::default(),
        baseline: None,
        selected: engines::NAMES.to_vec(),
        docs: Documents::default(),
        store: Store::default(),
        engines: SharedEngines::default(),
        done_tx,
        done_rx,
        next_id: 0,
        due: HashMap::new(),
        project_pass_due: None,
        doc_jobs: HashMap::new(),
        workspace_job: None,
        waiting: Vec::new(),
        published: HashSet::new(),
        shown: HashSet::new(),
        pull,
        shutdown: false,
        generation: 0,
    };
    for p in problems {
        server.show(2, p);
    }
    server.load_config();
    server.register_watchers();
    // Without a workspace folder (a single file opened), the current folder is the root, which
    // may be a home folder: no workspace scan unless asked for.
    let scan = server.settings.workspace_scan.unwrap_or(named_root);
    if scan {
        server.start_workspace(server.selected.clone(), true);
    }
    server.run();
    Ok(())
}

/// The workspace root: `rootUri`, else the first workspace folder, else `rootPath`, else the
/// current folder; canonical. The flag says whether the client named one.
fn root_of(params: &Value) -> (PathBuf, bool) {
    let from_uri = |u: Option<&str>| u.and_then(uri_to_path);
    let given = from_uri(str_at(params, "/rootUri"))
        .or_else(|| from_uri(str_at(params, "/workspaceFolders/0/uri")))
        .or_else(|| str_at(params, "/rootPath").map(PathBuf::from));
    let named = given.is_some();
    let root = given
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    (root.canonicalize().unwrap_or(root), named)
}

/// What the loop should do after a message.
#[derive(PartialEq)]
enum Flow {
    Continue,
    Exit,
}

/// The workspace scan in progress.
struct WorkspaceJob {
    id: u64,
    cancel: Arc<AtomicBool>,
    /// The `$/progress` token, when the client shows progress.
    token: Option<String>,
    /// Whether it runs every selected engine (else it is the SAST project pass after a save).
    full: bool,
}

/// The server's state, owned by the main loop.
struct Server {
    conn: Connection,
    caps: Value,
    enc: Encoding,
    root: PathBuf,
    settings: Settings,
    config: Config,
    baseline: Option<Baseline>,
    selected: Vec<&'static str>,
    docs: Documents,
    store: Store,
    engines: SharedEngines,
    done_tx: Sender<Done>,
    done_rx: Receiver<Done>,
    next_id: u64,
    /// Documents to scan, by URI, and when (the debounce).
    due: HashMap<String, Instant>,
    /// When to run the cross-file SAST pass (after a save).
    project_pass_due: Option<Instant>,
    /// The scan in progress of each document path, by job number.
    doc_jobs: HashMap<String, (u64, Arc<AtomicBool>)>,
    workspace_job: Option<WorkspaceJob>,
    /// `workspace/diagnostic` requests answered when the workspace scan ends.
    waiting: Vec<RequestId>,
    /// Paths whose published diagnostics are not empty (push mode).
    published: HashSet<String>,
    /// Messages already shown (each is shown once).
    shown: HashSet<String>,
    pull: bool,
    shutdown: bool,
    /// Bumped whenever results change (the `resultId` of pull answers).
    generation: u64,
}

impl Server {
    fn run(&mut self) {
        loop {
            let next = self
                .due
                .values()
                .copied()
                .chain(self.project_pass_due)
                .min();
            let timer = match next {
                Some(t) => crossbeam_channel::at(t),
                None => crossbeam_channel::never(),
            };
            let receiver = self.conn.receiver.clone();
            let done_rx = self.done_rx.clone();
            select! {
                recv(receiver) -> msg => {
                    let Ok(msg) = msg else { break };
                    if self.handle(msg) == Flow::Exit {
                        break;
                    }
                }
                recv(done_rx) -> done => {
                    if let Ok(done) = done {
                        self.apply(done);
                    }
                }
                recv(timer) -> _ => self.fire_due(),
            }
        }
        for (_, cancel) in self.doc_jobs.values() {
            cancel.store(true, Ordering::Relaxed);
        }
        if let Some(w) = &self.workspace_job {
            w.cancel.store(true, Ordering::Relaxed);
        }
    }

    // ---- sending -------------------------------------------------------------------------

    fn send(&self, msg: impl Into<Message>) {
        // The connection closes only when the client is gone; nothing is left to tell then.
        let _ = self.conn.sender.send(msg.into());
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Notification::new(method.to_string(), params));
    }

    fn request(&mut self, method: &str, params: Value) {
        self.next_id += 1;
        let id = RequestId::from(format!("rampart-{}", self.next_id));
        self.send(Request::new(id, method.to_string(), params));
    }

    fn reply(&self, id: RequestId, result: Value) {
        self.send(Response::new_ok(id, result));
    }

    fn reply_err(&self, id: RequestId, code: i32, message: impl Into<String>) {
        self.send(Response::new_err(id, code, message.into()));
    }

    /// `window/showMessage` (1 error, 2 warning, 3 info), each distinct message once.
    fn show(&mut self, kind: u8, message: impl Into<String>) {
        let message = message.into();
        if self.shown.insert(message.clone()) {
            self.notify(
                "window/showMessage",
                json!({"type": kind, "message": format!("rampart: {message}")}),
            );
        }
    }

    // ---- messages ------------------------------------------------------------------------

    fn handle(&mut self, msg: Message) -> Flow {
        match msg {
            Message::Request(req) => {
                self.on_request(req);
                Flow::Continue
            }
            Message::Notification(n) => self.on_notification(n),
            // Answers to our requests (progress tokens, registrations, refreshes): nothing to do.
            Message::Response(_) => Flow::Continue,
        }
    }

    fn on_request(&mut self, req: Request) {
        let Request { id, method, params } = req;
        if self.shutdown {
            return self.reply_err(id, INVALID_REQUEST, "the server is shutting down");
        }
        match method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                self.reply(id, Value::Null);
            }
            "textDocument/hover" => {
                let r = self.hover(&params);
                self.reply(id, r);
            }
            "textDocument/codeAction" => {
                let r = self.code_actions(&params);
                self.reply(id, r);
            }
            "textDocument/diagnostic" => {
                let result_id = self.generation.to_string();
                if str_at(&params, "/previousResultId") == Some(result_id.as_str()) {
                    return self.reply(id, json!({"kind": "unchanged", "resultId": result_id}));
                }
                let uri = str_at(&params, "/textDocument/uri").unwrap_or_default();
                let items = self
                    .path_of_uri(uri)
                    .map(|p| self.diagnostics_for(&p))
                    .unwrap_or_default();
                let r = json!({"kind": "full", "resultId": result_id, "items": items});
                self.reply(id, r);
            }
            "workspace/diagnostic" => {
                let current = self.generation.to_string();
                let previous = params
                    .get("previousResultIds")
                    .and_then(Value::as_array)
                    .filter(|p| !p.is_empty());
                let unchanged = previous.is_some_and(|p| {
                    p.iter()
                        .all(|r| r.get("value").and_then(Value::as_str) == Some(&current))
                });
                if self.workspace_job.as_ref().is_some_and(|w| w.full) || unchanged {
                    // Answered when the workspace scan ends, or (a client that already has the
                    // latest results) when results change: a long poll, not a busy loop.
                    self.waiting.push(id);
                } else {
                    let r = self.workspace_report();
                    self.reply(id, r);
                }
            }
            "workspace/executeCommand" => self.execute(id, &params),
            _ => self.reply_err(id, METHOD_NOT_FOUND, format!("unknown method {method}")),
        }
    }

    fn on_notification(&mut self, n: Notification) -> Flow {
        let p = &n.params;
        match n.method.as_str() {
            "exit" => return Flow::Exit,
            "textDocument/didOpen" => {
                let uri = str_at(p, "/textDocument/uri")
                    .unwrap_or_default()
                    .to_string();
                let doc = Document {
                    path: self.path_of_uri(&uri),
                    text: str_at(p, "/textDocument/text")
                        .unwrap_or_default()
                        .to_string(),
                    version: p
                        .pointer("/textDocument/version")
                        .and_then(Value::as_i64)
                        .unwrap_or(0),
                    uri: uri.clone(),
                };
                self.docs.open(doc);
                self.due.insert(uri, Instant::now());
            }
            "textDocument/didChange" => {
                let uri = str_at(p, "/textDocument/uri")
                    .unwrap_or_default()
                    .to_string();
                let enc = self.enc;
                if let Some(doc) = self.docs.get_mut(&uri) {
                    let changes = p
                        .get("contentChanges")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    doc.apply_changes(&changes, enc);
                    if let Some(v) = p.pointer("/textDocument/version").and_then(Value::as_i64) {
                        doc.version = v;
                    }
                    self.due
                        .insert(uri, Instant::now() + self.settings.debounce());
                }
            }
            "textDocument/didSave" => {
                let uri = str_at(p, "/textDocument/uri")
                    .unwrap_or_default()
                    .to_string();
                if let Some(doc) = self.docs.get(&uri) {
                    let sast = doc
                        .path
                        .as_deref()
                        .is_some_and(|p| rampart_sast::lang::Lang::from_path(p).is_some());
                    self.due.insert(uri, Instant::now());
                    if sast && self.selected.contains(&"sast") {
                        self.project_pass_due = Some(Instant::now() + self.settings.debounce());
                    }
                }
            }
            "textDocument/didClose" => {
                let uri = str_at(p, "/textDocument/uri").unwrap_or_default();
                self.due.remove(uri);
                if let Some(doc) = self.docs.close(uri)
                    && let Some(path) = doc.path
                {
                    // Back to the file on disk (or nothing, if it was never saved).
                    if let Some((_, cancel)) = self.doc_jobs.remove(&path) {
                        cancel.store(true, Ordering::Relaxed);
                    }
                    let on_disk = self.root.join(&path).is_file();
                    if on_disk {
                        self.start_files(vec![path]);
                    } else if self.store.forget(&path) {
                        self.publish([path].into_iter().collect());
                    }
                }
            }
            "workspace/didChangeWatchedFiles" => self.on_watched(p),
            "workspace/didChangeConfiguration" => {
                let settings = p.get("settings").unwrap_or(&Value::Null);
                if !settings.is_null() && settings.as_object().is_none_or(|o| !o.is_empty()) {
                    let (s, problems) = Settings::from_json(settings);
                    for m in problems {
                        self.show(2, m);
                    }
                    if s != self.settings {
                        self.settings = s;
                        self.load_config();
                        self.start_workspace(self.selected.clone(), true);
                    }
                }
            }
            "window/workDoneProgress/cancel" => {
                let token = p.get("token").map(token_text);
                if let Some(w) = &self.workspace_job
                    && w.token.is_some()
                    && w.token == token
                {
                    w.cancel.store(true, Ordering::Relaxed);
                }
            }
            "$/cancelRequest" => {
                let id = p.get("id").cloned().unwrap_or(Value::Null);
                let pos = self
                    .waiting
                    .iter()
                    .position(|w| serde_json::to_value(w).ok().as_ref() == Some(&id));
                if let Some(i) = pos {
                    let req = self.waiting.remove(i);
                    self.reply_err(req, REQUEST_CANCELLED, "cancelled");
                }
            }
            _ => {}
        }
        Flow::Continue
    }

    // ---- scans ---------------------------------------------------------------------------

    fn path_of_uri(&self, uri: &str) -> Option<String> {
        uri_to_path(uri).and_then(|p| protocol::relative(&self.root, &p))
    }

    fn job(&mut self, scope: Scope, engines: Vec<&'static str>) -> (Job, Arc<AtomicBool>) {
        self.next_id += 1;
        let mut overlay = BTreeMap::new();
        let mut versions = HashMap::new();
        for d in self.docs.iter() {
            if let Some(p) = &d.path {
                overlay.insert(p.clone(), d.text.clone().into_bytes());
                versions.insert(p.clone(), d.version);
            }
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let all_engines = engines == self.selected;
        let job = Job {
            id: self.next_id,
            scope,
            engines,
            all_engines,
            root: self.root.clone(),
            config: self.config.clone(),
            baseline: self.baseline.clone(),
            overlay: Arc::new(overlay),
            versions,
            cancel: cancel.clone(),
        };
        (job, cancel)
    }

    /// Runs a job on a thread of its own; `token` is its `$/progress` token.
    fn spawn(&self, job: Job, token: Option<String>) {
        let tx = self.done_tx.clone();
        let engines = self.engines.clone();
        let sender = self.conn.sender.clone();
        let (id, scope, names, all, versions) = (
            job.id,
            job.scope.clone(),
            job.engines.clone(),
            job.all_engines,
            job.versions.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name(format!("rampart-scan-{id}"))
            .spawn(move || {
                let report = |files: u64| {
                    if let Some(t) = &token {
                        let value = json!({"kind": "report", "message": format!("{files} files")});
                        let params = json!({"token": t, "value": value});
                        let _ = sender.send(Notification::new("$/progress".into(), params).into());
                    }
                };
                let run = std::panic::AssertUnwindSafe(|| scanner::run(job, &engines, &report));
                let done =
                    std::panic::catch_unwind(run).unwrap_or_else(|_| Done {
                        id,
                        scope,
                        engines: names,
                        all_engines: all,
                        versions,
                        cancelled: false,
                        result: Err(
                            "internal error: the scan stopped (a bug; please report it)".into()
                        ),
                        elapsed: Default::default(),
                    });
                let _ = tx.send(done);
            });
        if let Err(e) = spawned {
            self.notify(
                "window/logMessage",
                json!({"type": 1, "message": format!("rampart: cannot start a scan thread: {e}")}),
            );
        }
    }

    /// Scans some files (documents, or files changed on disk) with every selected engine.
    fn start_files(&mut self, paths: Vec<String>) {
        let (job, cancel) = self.job(Scope::Files(paths.clone()), self.selected.clone());
        for p in &paths {
            if let Some((_, old)) = self.doc_jobs.insert(p.clone(), (job.id, cancel.clone())) {
                old.store(true, Ordering::Relaxed);
            }
        }
        self.spawn(job, None);
    }

    /// Scans the whole workspace with `engines` (replacing a workspace scan in progress);
    /// `full` when they are every selected engine, which shows progress.
    fn start_workspace(&mut self, engines: Vec<&'static str>, full: bool) {
        if let Some(w) = self.workspace_job.take() {
            w.cancel.store(true, Ordering::Relaxed);
            self.end_progress(&w, "replaced by a new scan");
        }
        let (job, cancel) = self.job(Scope::Workspace, engines);
        let token = (full && flag(&self.caps, "/window/workDoneProgress"))
            .then(|| format!("rampart/scan/{}", job.id));
        if let Some(t) = &token {
            self.request("window/workDoneProgress/create", json!({"token": t}));
            self.notify(
                "$/progress",
                json!({"token": t, "value": {
                    "kind": "begin", "title": "rampart: scanning the workspace", "cancellable": true,
                }}),
            );
        }
        self.workspace_job = Some(WorkspaceJob {
            id: job.id,
            cancel,
            token: token.clone(),
            full,
        });
        self.spawn(job, token);
    }

    fn end_progress(&self, w: &WorkspaceJob, message: &str) {
        if let Some(t) = &w.token {
            self.notify(
                "$/progress",
                json!({"token": t, "value": {"kind": "end", "message": message}}),
            );
        }
    }

    /// Starts the scans whose debounce is over.
    fn fire_due(&mut self) {
        let now = Instant::now();
        let ready: Vec<String> = self
            .due
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(u, _)| u.clone())
            .collect();
        let mut paths = Vec::new();
        for uri in ready {
            self.due.remove(&uri);
            if let Some(p) = self.docs.get(&uri).and_then(|d| d.path.clone()) {
                paths.push(p);
            }
        }
        // One job per document: each is applied as soon as it is done.
        for p in paths {
            self.start_files(vec![p]);
        }
        if self.project_pass_due.is_some_and(|t| t <= now) {
            self.project_pass_due = None;
            let full_running = self.workspace_job.as_ref().is_some_and(|w| w.full);
            if !full_running {
                // The cross-file taint pass: SAST over the workspace with the documents' text.
                self.start_workspace(vec!["sast"], false);
            }
        }
    }

    /// Applies a finished scan.
    fn apply(&mut self, d: Done) {
        let workspace = matches!(d.scope, Scope::Workspace);
        if workspace {
            match &self.workspace_job {
                Some(w) if w.id == d.id => {
                    let w = self.workspace_job.take().expect("checked");
                    let message = match &d.result {
                        _ if d.cancelled => "cancelled".to_string(),
                        Ok(r) => format!(
                            "{} files in {:.1} s",
                            r.stats.files_scanned,
                            d.elapsed.as_secs_f64()
                        ),
                        Err(_) => "failed".to_string(),
                    };
                    self.end_progress(&w, &message);
                }
                _ => return, // replaced meanwhile
            }
        } else if let Scope::Files(paths) = &d.scope {
            for p in paths {
                if self.doc_jobs.get(p).is_some_and(|(id, _)| *id == d.id) {
                    self.doc_jobs.remove(p);
                }
            }
        }
        if d.cancelled {
            self.answer_waiting();
            return;
        }
        let result = match d.result {
            Ok(r) => r,
            Err(e) => {
                self.show(1, format!("scan failed: {e}"));
                self.answer_waiting();
                return;
            }
        };
        let mut file_diags = Vec::new();
        for diag in result.diagnostics {
            match &diag.path {
                Some(_) => file_diags.push(diag),
                None if diag.level > DiagnosticLevel::Note => {
                    // Once per server, not per file or per scan (a missing vulnerability
                    // database, for example).
                    let kind = if diag.level == DiagnosticLevel::Error {
                        2
                    } else {
                        3
                    };
                    self.show(kind, diag.message);
                }
                None => {}
            }
        }
        let scope = match &d.scope {
            Scope::Workspace => None,
            Scope::Files(f) => {
                // An open document over the size limit (or binary) says why it has no findings.
                for s in result.skipped.iter().filter(|s| f.contains(&s.path)) {
                    let said = file_diags.iter().any(|d| {
                        d.path.as_deref() == Some(s.path.as_str())
                            && d.message.starts_with("not scanned")
                    });
                    if said {
                        continue; // the driver warned already (unreadable, lockfile too large)
                    }
                    file_diags.push(rampart_core::Diagnostic {
                        level: DiagnosticLevel::Warning,
                        path: Some(s.path.clone()),
                        line: None,
                        message: format!("not scanned: {}", s.reason.describe()),
                    });
                }
                Some(f.as_slice())
            }
        };
        let docs = &self.docs;
        let versions = &d.versions;
        // A document edited since the scan read it keeps its results (its own scan follows).
        let covered = |path: &str| match docs.by_path(path) {
            Some(doc) => versions.get(path) == Some(&doc.version),
            None => true,
        };
        self.store.learn_rules(&result.rules, &result.findings);
        let mut buckets = d.engines.clone();
        if workspace && buckets.contains(&"sast") {
            buckets.push(crate::store::CROSS_FILE);
        }
        let changed = self.store.replace(
            &buckets,
            d.all_engines,
            &covered,
            scope,
            result.findings,
            file_diags,
        );
        // Documents scanned without findings still get an answer (an empty list).
        let mut changed = changed;
        if let Some(s) = scope {
            changed.extend(s.iter().filter(|p| covered(p)).cloned());
        }
        self.publish(changed);
        if workspace {
            self.answer_waiting();
        }
    }

    fn execute(&mut self, id: RequestId, p: &Value) {
        match str_at(p, "/command") {
            Some(SCAN_WORKSPACE) => {
                self.start_workspace(self.selected.clone(), true);
                self.reply(id, Value::Null);
            }
            Some(OPEN_DOCS) => {
                // Only web pages: a rule file in the workspace must not make the editor open a
                // `command:` or `file:` URI.
                let Some(url) = str_at(p, "/arguments/0")
                    .filter(|u| u.starts_with("https://"))
                    .map(str::to_string)
                else {
                    return self.reply_err(
                        id,
                        INVALID_PARAMS,
                        "rampart.openRuleDocs needs an https:// URL",
                    );
                };
                if flag(&self.caps, "/window/showDocument/support") {
                    self.request("window/showDocument", json!({"uri": url, "external": true}));
                } else {
                    self.show(3, format!("rule documentation: {url}"));
                }
                self.reply(id, Value::Null);
            }
            other => self.reply_err(
                id,
                INVALID_PARAMS,
                format!("unknown command {}", other.unwrap_or("(none)")),
            ),
        }
    }
}

/// A progress token as text (tokens are strings or numbers).
fn token_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
