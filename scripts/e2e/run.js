#!/usr/bin/env node
// `npm run test:e2e`: the end-to-end suites (real VS Code via code-server +
// chromium, Neovim's LSP client) under mocha with the counting reporter, so
// .ci/run counts them. A watchdog kills the whole process group if the run
// exceeds LOCKORDER_E2E_TIMEOUT_MS (default 40 min): it never hangs.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const limit = Number(process.env.LOCKORDER_E2E_TIMEOUT_MS || 40 * 60 * 1000);
const specs = fs.existsSync(path.join(ROOT, 'out', 'test', 'e2e'))
  ? fs.readdirSync(path.join(ROOT, 'out', 'test', 'e2e')).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join('out', 'test', 'e2e', f))
  : [];
if (specs.length === 0) { console.error('test:e2e: no compiled e2e tests under out/test/e2e (run npm run build)'); process.exit(1); }
const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const child = spawn(process.execPath, [mocha, '--no-config', '--reporter', './test/reporter.js', '--timeout', '1500000', '--exit', ...specs],
  { cwd: ROOT, stdio: 'inherit', detached: true });
const kill = (sig) => { try { process.kill(-child.pid, sig); } catch { /* gone */ } };
const timer = setTimeout(() => {
  console.error(`test:e2e: still running after ${Math.round(limit / 1000)} s; killing it`);
  kill('SIGTERM');
  setTimeout(() => kill('SIGKILL'), 5000).unref();
}, limit);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { kill(sig); process.exit(130); });
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  kill('SIGKILL'); // anything left in the group (code-server, chromium)
  process.exit(code ?? (signal ? 1 : 0));
});
