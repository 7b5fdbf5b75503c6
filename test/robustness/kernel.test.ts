// Every .c and .h file under fs/, mm/ and kernel/locking/ of Linux 6.1 and
// 6.12 goes through the real `lockorder check` (dist/cli.js, worker threads,
// no cache) with zero crashes and zero hangs; the run reports how many
// functions hit an analysis budget. Skipped (pending, with the reason) when
// the Debian linux-source tarball is not installed; .ci/run installs both.
//
// The simulator cross-check is off here (--no-simulate): it is bounded per
// finding and covered by test/sim, and on all of fs/ its scenario compilation
// alone takes longer than CI can give this test (see bench/RESULTS-issue6.md).
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { kernelTree, missingKernel } from '../kernelSource';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SUBTREES = ['fs', 'mm', 'kernel/locking'];
/** a subtree still running after this is a hang */
const HANG_MS = 30 * 60 * 1000;

interface Run { code: number | null; signal: string | null; out: string; err: string; ms: number; timedOut: boolean }

function check(dir: string): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, 'check', '--format', 'json', '--no-cache', '--no-simulate', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, HANG_MS);
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out: Buffer.concat(out).toString('utf8'), err, ms: Date.now() - t0, timedOut });
    });
  });
}

function countSources(dir: string): number {
  let n = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else if (e.isFile() && /\.[ch]$/.test(e.name)) n++;
    }
  };
  walk(dir);
  return n;
}

interface Doc { version: number; files: number; functions: number; diagnostics: { rule: string; severity: string; file: string; message: string }[] }

for (const version of ['6.1', '6.12']) {
  describe(`robustness: Linux ${version} fs/, mm/, kernel/locking/ through lockorder check`, function () {
    this.timeout(HANG_MS * SUBTREES.length + 60_000);
    const why = missingKernel(version);
    if (why) {
      // pending, with the reason in the title
      it(`every .c/.h file (skipped: ${why})`);
      return;
    }
    for (const sub of SUBTREES) {
      it(`${sub}/: no crash, no hang, budget hits reported`, async function () {
        const root = kernelTree(version, SUBTREES)!;
        const dir = path.join(root, sub);
        const r = await check(dir);
        assert.ok(!r.timedOut, `lockorder check ${dir} still running after ${HANG_MS / 60000} min (a hang)`);
        assert.ok(r.code === 0 || r.code === 1, `exit ${r.code} (signal ${r.signal}); stderr:\n${r.err.slice(-3000)}`);
        assert.ok(!/internal error/i.test(r.err), `internal error reported:\n${r.err.slice(-3000)}`);
        const doc = JSON.parse(r.out) as Doc;
        assert.strictEqual(doc.files, countSources(dir), 'every file went through the engine');
        const budget = doc.diagnostics.filter((d) => d.rule === 'analysis-budget').length;
        const skipped = doc.diagnostics.filter((d) => d.rule === 'file-skipped');
        const warnings = doc.diagnostics.filter((d) => d.severity === 'warning' || d.severity === 'error').length;
        assert.ok(skipped.every((d) => /over the .* limit/.test(d.message)), `files skipped for another reason than size: ${skipped.map((d) => d.file).join(', ')}`);
        const line = `Linux ${version} ${sub}/: ${doc.files} files, ${doc.functions} functions, ${budget} hit a budget (${(100 * budget / Math.max(1, doc.functions)).toFixed(2)}%), ` +
          `${skipped.length} over the size limit, ${warnings} warnings, ${(r.ms / 1000).toFixed(0)} s`;
        this.test!.title += ` — ${doc.functions} functions, ${budget} hit a budget`;
        console.log(`      ${line}`);
      });
    }
  });
}
