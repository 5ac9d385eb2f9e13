//! `rampart lsp` as editors run it: over the binary's standard input and output, and under a
//! real client, Neovim's built-in LSP client (headless; `scripts/test-deps.sh` installs Debian's
//! `neovim`).

#[path = "../../rampart-lsp/tests/common/mod.rs"]
mod lsp_client;

use lsp_client::*;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_rampart");

#[test]
fn lsp_over_stdio_reports_edits_and_exits() {
    let (_dir, root) = workspace();
    let mut c = Client::stdio(
        Path::new(BIN),
        &root,
        push_caps(),
        json!({"debounceMs": 10}),
    );
    assert_eq!(c.init["serverInfo"]["name"], "rampart");
    c.workspace_scan_done();
    let app = uri(&root.join("app.py"));
    c.open(&app, "python", APP_PY);
    let diags = c.diagnostics(&app, |d| {
        with_code(d, "secrets/aws-access-key-id").is_some()
            && with_code(d, "sast/python-command-injection").is_some()
    });
    assert!(!serde_json::to_string(&diags).unwrap().contains(KEY));
    // Replace the whole text: no key, no injection.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": app, "version": 2}, "contentChanges": [{"text": "print('ok')\n"}]}),
    );
    c.diagnostics(&app, |d| d.is_empty());
    c.shutdown();
}

/// Neovim's side: open the file, start the server, wait for both findings, write
/// `vim.diagnostic.get()` as JSON, stop the server, quit.
const NVIM_LUA: &str = r#"
local buf_file, bin, root, out = vim.env.RAMPART_FILE, vim.env.RAMPART_BIN, vim.env.RAMPART_ROOT, vim.env.RAMPART_OUT
vim.cmd('edit ' .. vim.fn.fnameescape(buf_file))
local buf = vim.api.nvim_get_current_buf()
local config = { name = 'rampart', cmd = { bin, 'lsp' }, root_dir = root, init_options = { debounceMs = 0 } }
local id
if vim.lsp.start then
  id = vim.lsp.start(config)
else
  id = vim.lsp.start_client(config)
  vim.lsp.buf_attach_client(buf, id)
end
local function code(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end
local ok = vim.wait(90000, function()
  local seen = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do seen[tostring(code(d))] = true end
  return seen['secrets/aws-access-key-id'] and seen['sast/python-command-injection']
end, 50)
local rows = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(rows, { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
    severity = d.severity, message = d.message, source = d.source, code = code(d) })
end
local f = io.open(out, 'w')
f:write(vim.fn.json_encode({ ok = ok, diagnostics = rows }))
f:close()
vim.lsp.stop_client(id)
vim.wait(10000, function() return vim.lsp.get_client_by_id(id) == nil end, 50)
vim.cmd('qall!')
"#;

#[test]
fn neovim_shows_the_findings() {
    let (_dir, root) = workspace();
    let file = root.join("app.py");
    std::fs::write(&file, APP_PY).unwrap();
    let script = root.join("test.lua");
    std::fs::write(&script, NVIM_LUA).unwrap();
    let out = root.join("out.json");
    let status = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("RAMPART_FILE", &file)
        .env("RAMPART_BIN", BIN)
        .env("RAMPART_ROOT", &root)
        .env("RAMPART_OUT", &out)
        .env("RAMPART_DB", root.join(".no-db"))
        .env("XDG_STATE_HOME", root.join(".state"))
        .env("XDG_CACHE_HOME", root.join(".cache"))
        .current_dir(&root)
        .status()
        .expect("nvim (Debian's `neovim`, installed by scripts/test-deps.sh) runs");
    assert!(status.success(), "nvim exited with {status}");
    let got: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(got["ok"], true, "{got:#}");
    let diags = got["diagnostics"].as_array().unwrap();
    let aws = diags
        .iter()
        .find(|d| d["code"] == "secrets/aws-access-key-id")
        .unwrap();
    // Neovim turns the server's UTF-16 columns into byte columns of its buffer.
    let line = APP_PY.lines().nth(3).unwrap();
    let byte = line.find(KEY).unwrap();
    assert_eq!(
        (aws["lnum"].as_u64(), aws["col"].as_u64()),
        (Some(3), Some(byte as u64))
    );
    assert_eq!(aws["end_col"].as_u64(), Some((byte + KEY.len()) as u64));
    assert_eq!(aws["severity"], 1);
    assert_eq!(aws["source"], "rampart");
    let inj = diags
        .iter()
        .find(|d| d["code"] == "sast/python-command-injection")
        .unwrap();
    assert_eq!(inj["lnum"], 6);
    assert!(
        !got.to_string().contains(KEY),
        "the secret reached the editor: {got}"
    );
}
