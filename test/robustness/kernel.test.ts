// Every .c and .h file under fs/, mm/ and kernel/locking/ of Linux 6.1 and
// 6.12 goes through the real `lockorder check` (dist/cli.js, worker threads,
// no cache) with zero crashes and zero hangs; the run reports how many
// functions hit an analysis budget. Skipped (pending, with the reason) when
// the Debian linux-source tarball is not installed; .ci/run installs both.
//
// This is the default command, simulator cross-check included: it has one
// budget per run (60 s), and all of fs/ once made it loop forever (a scenario
// with 32+ locks, see test/sim/budget.test.ts). Every cross-checked finding
// gets a verdict, and a run that left some unsimulated says so in a note that
// agrees with the JSON.
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
    const child = spawn(process.execPath, [CLI, 'check', '--format', 'json', '--no-cache', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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

interface Doc { version: number; files: number; functions: number; diagnostics: { rule: string; severity: string; file: string; function: string; message: string; simulation: string }[] }

const CROSS_CHECKED = new Set(['order-violation', 'order-cycle', 'fault-while-locked', 'sleep-in-atomic']);

/** The cross-check's verdicts, checked against its note on stderr (if the budget ran out); a line for the report. */
function crossCheckReport(doc: Doc, err: string): string {
  const cands = doc.diagnostics.filter((d) => CROSS_CHECKED.has(d.rule) && d.function);
  const count = (v: string): number => cands.filter((d) => d.simulation === v).length;
  for (const d of cands) assert.ok(['confirmed', 'not-reproduced', 'not-run'].includes(d.simulation), `${d.file}: ${d.rule}: simulation ${d.simulation}`);
  const note = /^lockorder: note: simulator cross-check incomplete: of (\d+) findings? it applies to, (\d+) confirmed, (\d+) not reproduced, (.*)$/m.exec(err);
  let line = `cross-check: ${cands.length} findings, ${count('confirmed')} confirmed, ${count('not-reproduced')} not reproduced, ${count('not-run')} not run`;
  if (note) {
    assert.deepStrictEqual([Number(note[1]), Number(note[2]), Number(note[3])], [cands.length, count('confirmed'), count('not-reproduced')], `the note agrees with the JSON: ${note[0]}`);
    const left = /(\d+) not simulated because/.exec(note[4]);
    assert.ok(!left || Number(left[1]) <= count('not-run'), note[0]);
    line += ` (${note[4].replace(/;.*/, '')})`;
  } else {
    assert.ok(!/cross-check/.test(err), `unexpected stderr: ${err.slice(-2000)}`);
  }
  return line;
}

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
        const sim = crossCheckReport(doc, r.err);
        const line = `Linux ${version} ${sub}/: ${doc.files} files, ${doc.functions} functions, ${budget} hit a budget (${(100 * budget / Math.max(1, doc.functions)).toFixed(2)}%), ` +
          `${skipped.length} over the size limit, ${warnings} warnings, ${sim}, ${(r.ms / 1000).toFixed(0)} s`;
        this.test!.title += ` — ${doc.functions} functions, ${budget} hit a budget`;
        console.log(`      ${line}`);
      });
    }
  });
}
