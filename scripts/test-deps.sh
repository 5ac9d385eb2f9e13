#!/usr/bin/env bash
# Installs what `cargo test --workspace` needs when it is missing, from the package registries
# (the tests themselves use no network): the README's test command runs it first, and so does
# .ci/run. Safe to run again: each step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

# A Rust toolchain with rustfmt and clippy, and git (tests build real repositories).
command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }
if command -v rustup >/dev/null; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi
if ! command -v git >/dev/null; then
  apt-get update -qq && apt-get install -y -qq git
fi

# The DSSE interoperability tests (crates/rampart-attest/tests/interop.rs) check envelopes
# against Python's securesystemslib; they fail, never skip, without it.
if ! command -v python3 >/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3 python3-pip
fi
if ! python3 -c 'import securesystemslib.dsse, cryptography' 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check 'securesystemslib[crypto]' ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages 'securesystemslib[crypto]'
fi

# The dashboard's browser test (crates/rampart-dashboard/tests/browser.rs) drives Debian's chromium
# with playwright-core from npm (never a downloaded browser); it fails, never skips, without them.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get update -qq && apt-get install -y -qq nodejs npm
fi
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && apt-get install -y -qq chromium
fi
(cd crates/rampart-dashboard/tests/browser && npm ci --no-audit --no-fund --silent)

# The language server's editor test (crates/rampart/tests/lsp.rs) runs Debian's Neovim headless
# with its built-in LSP client; it fails, never skips, without it.
if ! command -v nvim >/dev/null; then
  apt-get update -qq && apt-get install -y -qq neovim
fi
