#!/usr/bin/env bash
# Makes images/screenshot.png: the extension packaged and installed into code-server (VS Code in
# the browser, from npm), demo/ opened, demo/app.py shown with rampart's diagnostics and the hover
# on the SQL injection, captured by Chromium driven with playwright-core.
# Not run by any test.
#
#   editors/vscode/scripts/screenshot.sh [OUTPUT.png]
#
# Needs node 20 (code-server 4.100's engine), Chromium (Debian `chromium`; no browser is
# downloaded), the build tools for code-server's native modules (g++, make, python3, libkrb5-dev,
# libxkbfile-dev, libsecret-1-dev, libx11-dev), ripgrep and a rampart binary.
# Environment:
#   RAMPART      the binary (default: target/release/rampart, built with cargo if missing)
#   TOOLS_DIR    where code-server and playwright-core are installed (default ~/.cache/rampart/screenshot-tools)
#   CHROMIUM     the browser (default /usr/bin/chromium)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"   # editors/vscode
repo="$(cd "$here/../.." && pwd)"
output="$(realpath -m "${1:-$here/images/screenshot.png}")"
tools="${TOOLS_DIR:-$HOME/.cache/rampart/screenshot-tools}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
code_server_version=4.100.3
playwright_version=1.65.2

rampart="${RAMPART:-}"
if [ -z "$rampart" ]; then
  target="${CARGO_TARGET_DIR:-$repo/target}"
  rampart="$target/release/rampart"
  [ -x "$rampart" ] || (cd "$repo" && cargo build --release -p rampart)
fi
rampart="$(realpath "$rampart")"

# code-server and playwright-core (no browser: it drives $chromium), once. code-server's own
# postinstall.sh (npm install in lib/vscode, then symlinks) is done by hand here: two install
# scripts download prebuilt binaries from GitHub, which this is meant to work without. argon2 is
# built from source instead, and @vscode/ripgrep's script (which skips when its bin/ exists) gets
# the system's rg (Debian ripgrep).
mkdir -p "$tools"
if [ ! -e "$tools/node_modules/code-server/lib/vscode/node_modules.asar" ]; then
  (
    cd "$tools"
    [ -f package.json ] || echo '{"private": true}' > package.json
    npm install --no-audit --no-fund --ignore-scripts "code-server@$code_server_version" \
      "playwright-core@$playwright_version"
    npm rebuild argon2 --build-from-source
    cd node_modules/code-server/lib/vscode
    npm install --no-audit --no-fund --omit=dev --ignore-scripts
    mkdir -p node_modules/@vscode/ripgrep/bin
    ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm_config_yes=true npm rebuild   # node-pty's install script runs `npx node-gyp`
    (cd extensions && npm install --no-audit --no-fund --omit=dev)
    (cd bin/remote-cli && ln -sf code-linux.sh code-server)
    (cd bin/helpers && ln -sf browser-linux.sh browser.sh)
    ln -sfn node_modules node_modules.asar
  )
fi

# The extension, packaged as users get it.
(cd "$here" && npm ci --no-audit --no-fund && npx --yes @vscode/vsce@3.9.2 package --allow-missing-repository --skip-license --no-rewrite-relative-links -o "$tools/rampart.vsix")

scratch="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

code_server="$tools/node_modules/.bin/code-server"
"$code_server" --config "$scratch/config.yaml" --extensions-dir "$scratch/extensions" \
  --user-data-dir "$scratch/data" --install-extension "$tools/rampart.vsix"

# A quiet workbench: no welcome page, trust prompt, recommendations, chat or git prompt; rampart
# from $rampart, without the deps engine (demo/ has no manifest, and without a local vulnerability
# database the server would say so in a notification).
mkdir -p "$scratch/data/User"
cat > "$scratch/data/User/settings.json" <<EOF
{
  "rampart.path": "$rampart",
  "rampart.engines": ["secrets", "sast", "iac"],
  "editor.hover.above": false,
  "git.openRepositoryInParentFolders": "never",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "security.workspace.trust.enabled": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "chat.commandCenter.enabled": false,
  "editor.minimap.enabled": false,
  "window.commandCenter": false,
  "workbench.colorTheme": "Default Dark Modern"
}
EOF

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
"$code_server" --bind-addr "127.0.0.1:$port" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --config "$scratch/config.yaml" \
  --extensions-dir "$scratch/extensions" --user-data-dir "$scratch/data" \
  "$here/demo" > "$scratch/code-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break
  sleep 1
done

mkdir -p "$(dirname "$output")"
CHROMIUM="$chromium" PLAYWRIGHT_CORE="$tools/node_modules/playwright-core/index.mjs" \
  node "$here/scripts/screenshot.mjs" "http://127.0.0.1:$port/?folder=$here/demo" "$output" \
  || { cat "$scratch/code-server.log"; exit 1; }
