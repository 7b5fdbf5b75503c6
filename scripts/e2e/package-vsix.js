#!/usr/bin/env node
// Builds the platform VSIX (`npm run package`): stages the files the
// extension needs at run time (the .vscodeignore rules still apply) with the
// production dependencies (tree-sitter's N-API binaries), then runs
// @vscode/vsce `package --target`. Staging is needed because `npm list`
// (which vsce runs) rejects the tree-sitter / tree-sitter-c peer range that
// the project installs with --legacy-peer-deps.
// usage: node scripts/e2e/package-vsix.js [--target linux-x64] [--out FILE]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const target = opt('--target', `${process.platform}-${process.arch}`);
const out = path.resolve(opt('--out', path.join(ROOT, `lockorder-${target}.vsix`)));

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
for (const f of ['dist/server.js', 'dist/client.js']) {
  if (!fs.existsSync(path.join(ROOT, f))) { console.error(`package-vsix: ${f} is missing; run npm run build`); process.exit(2); }
}
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'lockorder-vsix-'));
try {
  const copy = (rel) => {
    const src = path.join(ROOT, rel);
    if (!fs.existsSync(src)) return;
    fs.cpSync(src, path.join(stage, rel), { recursive: true, dereference: true });
  };
  for (const rel of ['README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'images/icon.png', 'syntaxes', 'dist/server.js', 'dist/client.js', 'dist/worker.js', 'dist/crossCheckWorker.js',
    // the native tree reader built by npm install, if it was (without it the server reads trees through node-tree-sitter)
    'native/build/Release/lockorder_tree.node']) copy(rel);
  // production dependencies and what they need at run time, found by walking package.json files
  const seen = new Set();
  const walk = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const dir = path.join(ROOT, 'node_modules', name);
    if (!fs.existsSync(dir)) throw new Error(`dependency ${name} is not installed`);
    copy(path.join('node_modules', name));
    const p = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const d of Object.keys(p.dependencies || {})) walk(d);
  };
  for (const d of Object.keys(pkg.dependencies || {})) walk(d);
  // the peer range of tree-sitter-c predates tree-sitter 0.25; the staged copy drops it so `npm list` accepts the tree
  for (const name of seen) {
    const pj = path.join(stage, 'node_modules', name, 'package.json');
    const p = JSON.parse(fs.readFileSync(pj, 'utf8'));
    if (p.peerDependencies) { delete p.peerDependencies; delete p.peerDependenciesMeta; fs.writeFileSync(pj, JSON.stringify(p, null, 2)); }
  }
  const staged = { ...pkg };
  delete staged.scripts; // no prepublish / prepare in the staging dir
  delete staged.devDependencies;
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(staged, null, 2));
  const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  execFileSync(process.execPath, [vsce, 'package', '--target', target, '--no-update-package-json', '--no-git-tag-version', '-o', out],
    { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, npm_config_legacy_peer_deps: 'true' } });
  console.log(out);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
