// An edit to a struct definition or a global lock in the edited file is a
// delta run (Workspace.deltaRun): the run's struct table or global map is
// made anew, and only the functions whose analysis looked up an edited
// struct or global (or read the whole table) are checked again, as a full
// run's lookups are (AnalysisReuse.tablesHold). Before, a struct edit meant a
// full run (with Linux 6.12 fs/ indexed, 0.6-0.8 s), and a global lock
// declared or removed re-analysed every function of the workspace (its
// global map was an input of every product). Each step edits a struct or
// global that a function in another file reads, and must give what a
// from-scratch analysis gives.
import * as assert from 'assert';
import { Workspace } from '../../server/src/analysis/workspace';
import { workspaceEditMatchesFresh } from './fresh';

const D = '/ws/structs';
const STRUCTS = 'struct toy_in { struct mutex m; };\nstruct toy_in2 { struct mutex m; };\nstruct toy_out { struct toy_in *in; struct mutex o; };\n';
const AB = '\nvoid toy_ab(struct toy_out *t)\n{\n\tmutex_lock(&t->o);\n\tmutex_lock(&t->in->m);\n\tmutex_unlock(&t->in->m);\n\tmutex_unlock(&t->o);\n}\n';
const BA = 'void toy_ba(struct toy_out *t, struct toy_in *i)\n{\n\tmutex_lock(&i->m);\n\tmutex_lock(&t->o);\n\tmutex_unlock(&t->o);\n\tmutex_unlock(&i->m);\n}\n';

describe('robustness: struct and global edits as delta runs', () => {
  it('a field\'s type changed, a field added, a struct added and removed: delta runs, equal to a from-scratch analysis', () => {
    const texts = new Map<string, string>([[`${D}/a.c`, STRUCTS + AB], [`${D}/b.c`, BA]]);
    const ws = new Workspace({ keepStates: true });
    for (const [f, t] of texts) ws.setFile(f, t);
    ws.analyze();
    const rules = (): string[] => ws.lastResult!.findings.map((f) => `${f.rule}@${f.file.slice(D.length + 1)}:${f.pos.line + 1}`).sort();
    const step = (text: string, what: string): void => { workspaceEditMatchesFresh(ws, texts, `${D}/a.c`, text, what); };
    const cycle = rules();
    assert.ok(cycle.some((r) => r.startsWith('order-cycle@')), `toy_out.o and toy_in.m taken in both orders: ${cycle}`);
    const full = ws.runs.full;

    step(STRUCTS.replace('struct toy_in *in;', 'struct toy_in2 *in;') + AB, 'toy_out.in now points to a toy_in2: t->in->m is another class');
    assert.ok(!rules().some((r) => r.startsWith('order-cycle@')), `no cycle: ${rules()}`);
    assert.ok(ws.reuse.stats.analysed >= 1, `toy_ab analysed again: ${JSON.stringify(ws.reuse.stats)}`);
    step(STRUCTS + AB, 'and back');
    assert.deepStrictEqual(rules(), cycle);

    step(STRUCTS.replace('struct mutex o; }', 'struct mutex o; int count; }') + AB, 'a field added to toy_out');
    assert.deepStrictEqual(rules(), cycle);
    assert.strictEqual(ws.reuse.stats.analysed, 0, `nothing analysed again: the fields looked up answer alike (${JSON.stringify(ws.reuse.stats)})`);

    step(STRUCTS + 'struct toy_new { spinlock_t s; };\n' + AB, 'a struct added that no function reads');
    assert.strictEqual(ws.reuse.stats.analysed + ws.reuse.stats.reused, 0, `no function checked again (${JSON.stringify(ws.reuse.stats)})`);
    step(STRUCTS.replace('struct toy_in { struct mutex m; };\n', '') + AB, 'toy_in removed: its fields are unknown');
    step(STRUCTS + AB, 'and back');
    assert.deepStrictEqual(rules(), cycle);
    assert.strictEqual(ws.runs.full, full, `no full run: ${JSON.stringify(ws.runs)}`);
  });

  it('a struct defined in two files: the edit of one definition answers as the merged table does', () => {
    const texts = new Map<string, string>([
      [`${D}/a.c`, STRUCTS + AB],
      [`${D}/b.c`, 'struct toy_out { struct toy_in2 *in; struct mutex o; };\n' + BA],
    ]);
    const ws = new Workspace({ keepStates: true });
    for (const [f, t] of texts) ws.setFile(f, t);
    ws.analyze();
    for (const [i, text] of [STRUCTS.replace('struct toy_out { struct toy_in *in; struct mutex o; };\n', ''), STRUCTS.replace('struct toy_in *in;', 'struct toy_in2 *in;'), STRUCTS].entries()) {
      workspaceEditMatchesFresh(ws, texts, `${D}/a.c`, text + AB, `step ${i}`);
    }
  });

  it('a global lock declared, removed and retyped: only the functions that looked it up are checked again', () => {
    // toy_helper() (b.c) returns holding toy_m only if toy_m is a known global (its summary names it)
    const B = 'void toy_helper(void)\n{\n\tmutex_lock(&toy_m);\n}\n\nvoid toy_unl(void)\n{\n\tmutex_unlock(&toy_m);\n}\n\n' +
      'void toy_ba(void)\n{\n\tmutex_lock(&toy_s);\n\tmutex_lock(&toy_m);\n\tmutex_unlock(&toy_m);\n\tmutex_unlock(&toy_s);\n}\n';
    const A = 'void toy_ab(void)\n{\n\ttoy_helper();\n\tmutex_lock(&toy_s);\n\tmutex_unlock(&toy_s);\n\ttoy_unl();\n}\n';
    const M = 'static DEFINE_MUTEX(toy_m);\nstatic DEFINE_MUTEX(toy_s);\n';
    const texts = new Map<string, string>([[`${D}/a.c`, M + A], [`${D}/b.c`, B]]);
    const ws = new Workspace({ keepStates: true });
    for (const [f, t] of texts) ws.setFile(f, t);
    ws.analyze();
    const cycle = (): boolean => ws.lastResult!.findings.some((f) => f.rule === 'order-cycle');
    const step = (text: string, what: string): void => { workspaceEditMatchesFresh(ws, texts, `${D}/a.c`, text, what); };
    assert.ok(cycle(), 'toy_ab() holds toy_m from toy_helper() while it takes toy_s; toy_ba() the other way');
    const full = ws.runs.full;
    step('static DEFINE_MUTEX(toy_s);\n' + A, 'toy_m no longer a known global: toy_helper() does not return holding it');
    assert.ok(!cycle());
    assert.ok(ws.reuse.stats.analysed >= 2, `toy_helper() and its caller analysed again: ${JSON.stringify(ws.reuse.stats)}`);
    step(M + A, 'declared again');
    assert.ok(cycle());
    step(M.replace('DEFINE_MUTEX(toy_m)', 'DEFINE_SPINLOCK(toy_m)') + A, 'retyped');
    step(M + A, 'a mutex again');
    assert.ok(cycle());
    step(M + 'static DEFINE_SPINLOCK(toy_unrelated);\n' + A, 'a global added that no function reads');
    assert.strictEqual(ws.reuse.stats.analysed + ws.reuse.stats.reused, 0, `no function checked again (${JSON.stringify(ws.reuse.stats)})`);
    step(M + A, 'and removed');
    assert.ok(cycle());
    assert.strictEqual(ws.runs.full, full, `no full run: ${JSON.stringify(ws.runs)}`);
  });
});
