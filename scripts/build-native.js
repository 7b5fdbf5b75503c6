#!/usr/bin/env node
// Builds the native tree reader (native/: `npm install` runs this, and `npm run
// build:native`). node-gyp is npm's own copy; Node's headers are the installed
// ones when this Node has them (Debian's nodejs does), so nothing is
// downloaded. A failed build is not an error: lockorder then reads trees
// through node-tree-sitter (server/src/parse/native.ts), and this says so.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const strict = process.argv.includes('--strict');

function nodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try { candidates.push(require.resolve('node-gyp/bin/node-gyp.js')); } catch { /* not installed on its own */ }
  return candidates.find((p) => fs.existsSync(p));
}

function headers() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.join(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

const gyp = nodeGyp();
const nodedir = headers();
let why;
if (!gyp) why = "npm's node-gyp was not found";
else {
  const args = [gyp, 'rebuild', '--directory', path.join(root, 'native'), ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root });
  if (r.status !== 0) why = `node-gyp failed (exit ${r.status ?? r.signal})${nodedir ? '' : '; no Node headers were found beside this node, so node-gyp tried to download them'}`;
}
if (why) {
  console.warn(`lockorder: the native tree reader (native/) was not built: ${why}. Trees are read through node-tree-sitter instead (slower, same results).`);
  process.exit(strict ? 1 : 0);
}
