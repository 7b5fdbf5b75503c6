#!/usr/bin/env node
// Entry point for `npx lockorder`: runs the bundled CLI built by `npm run build` (run by `prepare` on npm ci).
'use strict';
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('lockorder: dist/cli.js is missing; run `npm run build` (npm ci does this in prepare)\n');
  process.exit(2);
}
require(cli).main(process.argv.slice(2)).then((code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`lockorder: internal error: ${err && err.stack || err}\n`); process.exitCode = 2; });
