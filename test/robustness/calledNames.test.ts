// The names called anywhere in the workspace (CallGraph.called(): truncate-fault-unserialized
// judges a truncating function at its callers when it has some) are kept from one call graph
// to the next and updated for what changed: the functions whose calls changed, the functions
// added and removed (stand-ins counted as a multiset), and stand-ins replaced by a delta run.
// Random workspaces and random changes; after each, the set must equal one computed afresh.
import * as assert from 'assert';
import { callGraph, calleesOf, CallGraph } from '../../server/src/analysis/callgraph';
import { buildFileIR } from '../../server/src/analysis/fileir';
import type { FunctionIR } from '../../server/src/analysis/ir';
import { rng } from '../perf/edits';

describe('robustness: the names called, across call graphs', () => {
  it('called() after functions change, come, go or are replaced equals the set computed afresh', () => {
    const rand = rng(11);
    const pick = (n: number): number => Math.floor(rand() * n);
    const NAMES = ['a', 'b', 'c', 'kmalloc', 'mutex_lock', 'truncate_pagecache', 'f0', 'f1', 'f2', 'f3'];
    let serial = 0;
    /** a function `name` calling a few random names (bodies repeat: equal content shares a stand-in) */
    const fnOf = (name: string): FunctionIR => {
      const calls = Array.from({ length: pick(4) }, () => `\t${NAMES[pick(NAMES.length)]}();`).join('\n');
      const text = `int ${name}(void)\n{\n${calls}\n\treturn 0;\n}\n`;
      return buildFileIR(`/ws/called/g${serial++}.c`, text).ir.functions[0];
    };
    const fresh = (fns: readonly { fn: FunctionIR }[]): string[] => [...new Set(fns.flatMap((x) => calleesOf(x.fn)))].sort();
    let checks = 0;
    for (let round = 0; round < 30; round++) {
      let fns = Array.from({ length: 2 + pick(8) }, (_, i) => ({ fn: fnOf(`f${i % 4}`), file: `/ws/called/${i}.c` }));
      let g: CallGraph | undefined = callGraph(fns, new Map(), undefined);
      assert.deepStrictEqual([...g.called()].sort(), fresh(fns));
      for (let step = 0; step < 12; step++) {
        const op = pick(4);
        if (op === 3 && fns.length > 0) {
          // a delta run's replacement: the same function list, one function's stand-in swapped
          const k = pick(fns.length);
          const fn = fnOf(fns[k].fn.name);
          fns = fns.map((x, i) => (i === k ? { fn, file: x.file } : x));
          g.replaceStandIns([k], [fn]);
        } else {
          const next = fns.slice();
          if (op === 0) next.splice(pick(next.length + 1), 0, { fn: fnOf(`f${pick(4)}`), file: `/ws/called/n${serial}.c` });
          else if (op === 1 && next.length > 1) next.splice(pick(next.length), 1);
          else if (next.length > 0) { const k = pick(next.length); next[k] = { fn: fnOf(next[k].fn.name), file: next[k].file }; }
          fns = next;
          g = callGraph(fns, new Map(), g);
        }
        assert.deepStrictEqual([...g.called()].sort(), fresh(fns), `round ${round}, step ${step} (op ${op})`);
        checks++;
      }
    }
    assert.ok(checks >= 300);
  });
});
