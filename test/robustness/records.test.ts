// The editor keeps dataflow records (per-node states, for hovers and inlay
// hints) only for the functions of open documents (WorkspaceOptions.recordsFor):
// with all of fs/ indexed they were about 40 % of the server's heap. Functions
// of the other files keep their products only. A function without records
// that a delta run has to check again is relocated at product level or
// analysed again; a file that is opened gets records on its next analysis.
// Every step must give what a from-scratch analysis gives, and the records an
// open file has must be the ones a from-scratch analysis makes.
import * as assert from 'assert';
import { Workspace } from '../../server/src/analysis/workspace';
import { heldHints } from '../../server/src/analysis/query';
import { workspaceEditMatchesFresh, findingsOf, productsOf } from './fresh';

const DIR = '/ws/recs';
const A = `${DIR}/a.c`;
const B = `${DIR}/b.c`;
const SOURCES = new Map<string, string>([
  [A, [
    'struct toy { struct mutex m; spinlock_t s; int n; };',
    '',
    'void toy_take(struct toy *t)',
    '{',
    '\tmutex_lock(&t->m);',
    '}',
    '',
    'void toy_leak(struct toy *t, int err)',
    '{',
    '\tspin_lock(&t->s);',
    '\tif (err)',
    '\t\treturn;',
    '\tspin_unlock(&t->s);',
    '}',
  ].join('\n')],
  [B, [
    'struct toy { struct mutex m; spinlock_t s; int n; };',
    '',
    'int toy_user(struct toy *t, char __user *buf)',
    '{',
    '\tint n;',
    '',
    '\ttoy_take(t);',
    '\tn = copy_to_user(buf, &t->n, sizeof(t->n));',
    '\tmutex_unlock(&t->m);',
    '\treturn n;',
    '}',
    '',
    'void toy_sleep(struct toy *t)',
    '{',
    '\tspin_lock(&t->s);',
    '\ttoy_take(t);',
    '\tmutex_unlock(&t->m);',
    '\tspin_unlock(&t->s);',
    '}',
  ].join('\n')],
]);

describe('robustness: dataflow records for open documents only', () => {
  it('files not open keep products only; opening one gives it records; delta runs equal a from-scratch analysis', () => {
    const texts = new Map(SOURCES);
    const open = new Set<string>();
    const ws = new Workspace({ keepStates: true, recordsFor: (p) => open.has(p) });
    for (const [f, t] of texts) ws.setFile(f, t);
    ws.analyze();
    const fresh = (): Workspace => {
      const w = new Workspace({ keepStates: true });
      for (const [f, t] of texts) w.setFile(f, t);
      w.analyze();
      return w;
    };
    const recorded = (): string[] => [...ws.records.keys()].map((k) => k.slice(DIR.length + 1)).sort();
    const check = (what: string): void => {
      const f = fresh();
      assert.strictEqual(findingsOf(ws), findingsOf(f), `${what}: findings differ from a from-scratch analysis`);
      assert.strictEqual(productsOf(ws), productsOf(f), `${what}: summaries or events differ`);
      for (const p of open) assert.deepStrictEqual(heldHints(ws, p), heldHints(f, p), `${what}: the held-lock hints of ${p} (its records)`);
    };
    const rules = (): string[] => ws.lastResult!.findings.map((f) => `${f.rule}@${f.file.slice(DIR.length + 1)}:${f.pos.line + 1}`).sort();
    check('indexed, nothing open');
    assert.deepStrictEqual(recorded(), [], 'no records without an open file');
    assert.deepStrictEqual(rules(), ['lock-leak@a.c:12', 'sleep-in-atomic@b.c:16']);

    // the editor opens a.c: the same text, read again
    open.add(A);
    ws.setFile(A, texts.get(A)!);
    check('a.c opened');
    assert.deepStrictEqual(recorded(), ['a.c::toy_leak', 'a.c::toy_take']);
    assert.ok(heldHints(ws, A).length > 0, 'hints for the open file');

    const edit = (file: string, change: (ls: string[]) => void, what: string): void => {
      const ls = texts.get(file)!.split('\n');
      change(ls);
      const f = workspaceEditMatchesFresh(ws, texts, file, ls.join('\n'), what);
      for (const p of open) assert.deepStrictEqual(heldHints(ws, p), heldHints(f, p), `${what}: the held-lock hints of ${p} (its records)`);
    };
    // a.c's functions move: b.c's readers (with findings quoting toy_take's line) are checked again without records
    edit(A, (ls) => ls.splice(2, 0, '/* toy locking */', ''), 'a.c functions moved');
    assert.deepStrictEqual(rules(), ['lock-leak@a.c:14', 'sleep-in-atomic@b.c:16']);
    assert.match(ws.lastResult!.findings.find((f) => f.rule === 'sleep-in-atomic')!.message, /a\.c:7|toy_take/);
    // toy_take takes a spinlock instead: b.c's findings change, analysed again without records
    edit(A, (ls) => { ls[ls.indexOf('\tmutex_lock(&t->m);')] = '\tspin_lock(&t->s);'; }, 'toy_take changed');
    // b.c (not open) edited: moved and changed, still no records for it
    edit(B, (ls) => ls.splice(0, 0, '/* users */'), 'b.c moved');
    edit(B, (ls) => { const i = ls.indexOf('\tn = copy_to_user(buf, &t->n, sizeof(t->n));'); ls[i] = '\tn = t->n;'; }, 'b.c changed');
    assert.deepStrictEqual(recorded(), ['a.c::toy_leak', 'a.c::toy_take'], 'records for the open file only');
  });
});
