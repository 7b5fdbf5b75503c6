// Which definition a call reads (the caller's own static function first, then
// the one non-static or only definition, else built-in knowledge) is
// memoised per name across the editor's runs; when the set of functions
// changes, only the names whose definitions (files and linkage) changed
// resolve anew (Workspace.namesMayResolveAnew). Each step adds, removes,
// renames or re-links a definition that a caller in another file reads, and
// must give what a from-scratch analysis gives.
import * as assert from 'assert';
import { Workspace } from '../../server/src/analysis/workspace';
import { workspaceEditMatchesFresh } from './fresh';
import { hoverAt } from '../../server/src/analysis/query';

const D = '/ws/resolve';
const HDR = 'struct toy { struct mutex m; spinlock_t s; };\n\n';

describe('robustness: call resolution across runs that change the functions', () => {
  it('a definition added, made static, shadowed by the caller\'s own static, renamed or removed: findings equal a from-scratch analysis', () => {
    const texts = new Map<string, string>([
      [`${D}/caller.c`, HDR + 'void toy_caller(struct toy *t)\n{\n\tspin_lock(&t->s);\n\ttoy_helper(t);\n\tspin_unlock(&t->s);\n}\n'],
      [`${D}/other.c`, HDR + 'void toy_other(struct toy *t)\n{\n\ttoy_helper(t);\n}\n'],
      [`${D}/helper.c`, HDR + 'void toy_unrelated(struct toy *t)\n{\n}\n'],
    ]);
    const ws = new Workspace({ keepStates: true });
    for (const [f, t] of texts) ws.setFile(f, t);
    ws.analyze();
    const rules = (): string[] => ws.lastResult!.findings.map((f) => `${f.rule}@${f.file.slice(D.length + 1)}:${f.pos.line + 1}`).sort();
    const step = (file: string, text: string, expect: string[], what: string): void => {
      workspaceEditMatchesFresh(ws, texts, `${D}/${file}`, text, what, false);
      assert.deepStrictEqual(rules(), expect, what);
    };
    const helper = (linkage: string, name = 'toy_helper'): string => HDR + `void toy_unrelated(struct toy *t)\n{\n}\n\n${linkage}void ${name}(struct toy *t)\n{\n\tmutex_lock(&t->m);\n\tmutex_unlock(&t->m);\n}\n`;
    assert.deepStrictEqual(rules(), []);
    step('helper.c', helper(''), ['sleep-in-atomic@caller.c:6'], 'toy_helper defined: the caller now sleeps under its spinlock');
    step('helper.c', helper('static '), ['sleep-in-atomic@caller.c:6'], 'made static: still the only definition');
    step('caller.c', texts.get(`${D}/caller.c`)! + '\nstatic void toy_helper(struct toy *t)\n{\n}\n', [], 'the caller\'s own static toy_helper wins');
    step('caller.c', texts.get(`${D}/caller.c`)!.replace('\nstatic void toy_helper(struct toy *t)\n{\n}\n', ''), ['sleep-in-atomic@caller.c:6'], 'and goes');
    step('other.c', texts.get(`${D}/other.c`)! + '\nstatic void toy_helper(struct toy *t)\n{\n}\n', [], 'two static definitions elsewhere: none resolves');
    step('helper.c', helper('', 'toy_helper2'), [], 'renamed away');
    step('other.c', texts.get(`${D}/other.c`)!.replace('\nstatic void toy_helper(struct toy *t)\n{\n}\n', ''), [], 'the other static goes');
    step('helper.c', helper(''), ['sleep-in-atomic@caller.c:6'], 'renamed back');
    assert.ok(ws.runs.full >= 8, `full runs (the function set changed each time): ${JSON.stringify(ws.runs)}`);
  });

  it('a hover on a call shows the summary the analysis read (not another file\'s static of that name), current after delta runs', () => {
    const caller = `${D}/caller.c`;
    const helperText = (body: string): string => HDR + `void toy_helper(struct toy *t)\n{\n${body}}\n`;
    const texts = new Map<string, string>([
      // a static toy_helper in another file, analysed first: not what caller.c's call reads
      [`${D}/a_other.c`, HDR + 'static void toy_helper(struct toy *t)\n{\n\tspin_lock(&t->s);\n\tspin_unlock(&t->s);\n}\n\nvoid toy_other(struct toy *t)\n{\n\ttoy_helper(t);\n}\n'],
      [caller, HDR + 'void toy_caller(struct toy *t)\n{\n\ttoy_helper(t);\n}\n'],
      [`${D}/helper.c`, helperText('')],
    ]);
    const ws = new Workspace({ keepStates: true });
    for (const [f, t] of texts) ws.setFile(f, t);
    ws.analyze();
    const lines = texts.get(caller)!.split('\n');
    const line = lines.findIndex((l) => l.includes('toy_helper('));
    const hover = (): { file: string; takes: string[] } => {
      const h = hoverAt(ws, caller, line, lines[line].indexOf('toy_helper') + 1);
      assert.ok(h && h.kind === 'function', JSON.stringify(h));
      return { file: h.summary.file, takes: h.summary.inner.map((i) => i.cls).sort() };
    };
    assert.deepStrictEqual(hover(), { file: `${D}/helper.c`, takes: [] });
    // the helper starts taking the mutex: a delta run (same functions), and the hover follows it
    workspaceEditMatchesFresh(ws, texts, `${D}/helper.c`, helperText('\tmutex_lock(&t->m);\n\tmutex_unlock(&t->m);\n'), 'the helper takes the mutex');
    assert.deepStrictEqual(hover(), { file: `${D}/helper.c`, takes: ['toy.m'] });
    workspaceEditMatchesFresh(ws, texts, `${D}/helper.c`, helperText(''), 'and stops');
    assert.deepStrictEqual(hover(), { file: `${D}/helper.c`, takes: [] });
  });
});
