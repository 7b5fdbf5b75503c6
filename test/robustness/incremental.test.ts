// Incremental analysis must be exact: after every scripted edit, the IR an
// incremental rebuild produces and the findings an incremental re-analysis
// produces are identical to building and analysing the edited text from
// scratch. Also: the windowed normaliser equals the whole-file normaliser.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { Workspace } from '../../server/src/analysis/workspace';
import { buildFileIR } from '../../server/src/analysis/fileir';
import { IncrementalFiles } from '../../server/src/analysis/incremental';
import { normalizeWindow } from '../../server/src/analysis/normwindow';
import { normalizeKernelC } from '../../server/src/parse/normalize';
import { parseC } from '../../server/src/parse/parser';
import { collectFiles } from '../../server/src/cli/main';
import { applyEdit, nextEdit, rng } from '../perf/edits';
import { editMatchesFresh } from './fresh';
import { kernelTree, missingKernel } from '../kernelSource';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test-fixtures');

/** Apply `n` scripted edits to one file; after each, incremental == from scratch (IR and findings). */
function checkEdits(file: string, n: number, seed: number): { relocated: number; reused: number } {
  let text = fs.readFileSync(file, 'utf8');
  const inc = new IncrementalFiles();
  inc.build(file, text);
  const ws = new Workspace({ keepStates: true });
  ws.setFile(file, text);
  ws.analyze();
  const rand = rng(seed);
  let relocated = 0;
  let reused = 0;
  for (let k = 0; k < n; k++) {
    const e = nextEdit(text, rand);
    text = applyEdit(text, e);
    const ir = inc.build(file, text);
    assert.strictEqual(JSON.stringify(ir), JSON.stringify(buildFileIR(file, text).ir), `${path.basename(file)}: IR differs after edit ${k} (${e.kind} at line ${e.start.line + 1})`);
    editMatchesFresh(ws, file, text, `${path.basename(file)}: findings differ after edit ${k} (${e.kind} at line ${e.start.line + 1})`);
    relocated += ws.reuse.stats.relocated;
    reused += ws.reuse.stats.reused;
  }
  return { relocated, reused };
}

describe('robustness: incremental analysis equals analysis from scratch', () => {
  it('scripted edits in every fixture file', () => {
    let seed = 1;
    for (const f of collectFiles([FIXTURES])) checkEdits(f, 12, seed++);
  });

  it('random line edits: windowed normalisation equals whole-file normalisation', () => {
    const files = collectFiles([FIXTURES]).map((f) => fs.readFileSync(f, 'utf8'));
    const snippets = ['\tlist_for_each_entry(p, head, list) {', '\t}', '\tscoped_guard(mutex, &m) {', '\tmutex_lock(&m);',
      'static int f(void) __acquires(x);', '#ifdef CONFIG_X', '#endif', '\t/* open comment', ' */', '\t"string', '\treturn 0;', ''];
    fc.assert(fc.property(
      fc.nat(files.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...snippets)), { minLength: 1, maxLength: 3 }),
      (fi, ops) => {
        const before = files[fi];
        const lines = before.split('\n');
        for (const [at, kind, snip] of ops) {
          const i = at % Math.max(1, lines.length);
          if (kind === 0) lines.splice(i, 0, snip);
          else if (kind === 1) lines.splice(i, 1);
          else if (kind === 2) lines.splice(i, 0, lines[i] ?? '');
          else lines[i] = (lines[i] ?? '') + ' x';
        }
        const after = lines.join('\n');
        const w = normalizeWindow(before, parseC(before), after);
        if (!w) return true; // the caller normalises the whole file
        const full = normalizeKernelC(after);
        assert.strictEqual(w.text, full.text);
        assert.deepStrictEqual(w.macros, full.macros);
        assert.deepStrictEqual(w.annotations, full.annotations);
        return true;
      }), { numRuns: 300, seed: 42 });
  });

  describe('Linux 6.12 files', function () {
    const FILES = ['fs/ext4/file.c', 'fs/gfs2/file.c', 'fs/fuse/dax.c'];
    for (const rel of FILES) {
      it(`25 scripted edits in ${rel}`, function () {
        const why = missingKernel('6.12');
        if (why) { this.test!.title += ` (skipped: ${why})`; this.skip(); }
        const root = kernelTree('6.12', FILES)!;
        const r = checkEdits(path.join(root, rel), 25, 7);
        assert.ok(r.reused + r.relocated > 0, 'work was reused');
      });
    }
  });
});
