// The call graph's shortcut for edits that change calls (callgraph.ts's
// sameSearch): when every changed function's new calls differ from its old
// ones only by calls to functions whose component the search had completed
// before it reached the caller, the search and so the components (members
// and order) are the same; a full search must agree whenever it says so.
// Random graphs, random changes of some nodes' successors.
import * as assert from 'assert';
import { sameComponents, sameSearch, sccOrder } from '../../server/src/analysis/callgraph';
import { rng } from '../perf/edits';

describe('robustness: the call graph search shortcut', () => {
  it('sameSearch() says "same" only when a full Tarjan gives the same components in the same order', () => {
    const rand = rng(7);
    const pick = (n: number): number => Math.floor(rand() * n);
    let same = 0;
    let differ = 0;
    for (let round = 0; round < 400; round++) {
      const n = 3 + pick(40);
      const succ: Int32Array[] = [];
      for (let i = 0; i < n; i++) succ.push(Int32Array.from({ length: pick(4) }, () => pick(n)));
      const before = sccOrder(n, succ);
      const after = succ.slice();
      const changed = new Set<number>();
      for (let k = 1 + pick(2); k > 0; k--) {
        const u = pick(n);
        changed.add(u);
        const l = [...after[u]];
        // add, drop or move one call
        const op = pick(3);
        if (op === 0 || l.length === 0) l.splice(pick(l.length + 1), 0, pick(n));
        else if (op === 1) l.splice(pick(l.length), 1);
        else { const [x] = l.splice(pick(l.length), 1); l.splice(pick(l.length + 1), 0, x); }
        after[u] = Int32Array.from(l);
      }
      const predicted = [...changed].every((u) => sameSearch(before, u, succ[u], after[u]));
      const actual = sameComponents(before, { ...sccOrder(n, after), visit: before.visit, compOf: before.compOf, doneAt: before.doneAt });
      if (predicted) {
        assert.ok(actual, `round ${round}: sameSearch said the components stay, a full search differs`);
        same++;
      } else differ++;
    }
    // both answers occur, so the test exercises the shortcut and its refusal
    assert.ok(same > 40 && differ > 40, `same ${same}, differ ${differ}`);
  });
});
