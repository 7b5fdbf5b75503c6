#!/usr/bin/env bash
# Unattended install of code-server (default 4.100.3 = VS Code 1.100.3, node 20) from the npm registry only.
# usage: install-code-server.sh [DEST]   (default: ${LOCKORDER_E2E_CACHE:-$HOME/.cache/lockorder-e2e}/code-server-$VERSION)
# Prints the code-server package directory on its last line. Idempotent: a finished install is reused.
# Prereqs (Debian): node 20 + headers in /usr/include/node, build-essential, python3,
#   libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev ripgrep   (listed in .ci/apt-e2e)
set -euo pipefail
CS_VERSION=${CS_VERSION:-4.100.3}
CACHE=${LOCKORDER_E2E_CACHE:-$HOME/.cache/lockorder-e2e}
DEST=${1:-$CACHE/code-server-$CS_VERSION}
CS="$DEST/node_modules/code-server"
if [ -f "$DEST/.complete" ] && [ -f "$CS/out/node/entry.js" ]; then echo "$CS"; exit 0; fi
export npm_config_nodedir=${npm_config_nodedir:-/usr}   # node-gyp: local headers, never download
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
t0=$(date +%s); step() { echo "[install-code-server $(( $(date +%s) - t0 ))s] $*" >&2; }
rm -rf "$DEST"; mkdir -p "$DEST"; cd "$DEST"
echo '{"name":"cs-host","private":true}' > package.json
step "npm install code-server@$CS_VERSION --ignore-scripts"
npm install --no-audit --no-fund --ignore-scripts "code-server@$CS_VERSION" >&2
step "rebuild argon2"
npm rebuild argon2 >&2
cd "$CS/lib/vscode"
step "lib/vscode: npm install --omit=dev --ignore-scripts"
npm install --omit=dev --ignore-scripts >&2
step "lib/vscode: rebuild native modules"
npm rebuild kerberos node-pty @parcel/watcher @vscode/spdlog @vscode/deviceid native-watchdog >&2
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg   # instead of the GitHub download
ln -sfn node_modules node_modules.asar
( cd bin/remote-cli && ln -sfn code-linux.sh code-server )
( cd bin/helpers && ln -sfn browser-linux.sh browser.sh )
step "lib/vscode/extensions: npm install --omit=dev --ignore-scripts"
( cd extensions && npm install --omit=dev --ignore-scripts >&2 )
XDG_CONFIG_HOME="$DEST/xdg-config" XDG_DATA_HOME="$DEST/xdg-data" node "$CS/out/node/entry.js" --version >&2
touch "$DEST/.complete"
step "done"
echo "$CS"
