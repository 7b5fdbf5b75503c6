// Functions that only moved must keep V8's fast object layout. An edit above
// them copies their IR (incremental.ts shiftFunction) and shifts their
// products in place (reuse.ts); when either made an object a dictionary (an
// object literal with `get nodes()`, a `delete` of a product's records),
// every later edit read those objects through hash lookups: on 6.12
// nfs4proc.c, 389 of 390 products and moved functions after one edit. This
// checks the layout itself (V8's %HasFastProperties, in a child process run
// with --allow-natives-syntax), not a timing.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';

const OUT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(OUT, '..', 'test-fixtures');

/** Run in the child: analyse the fixtures, then three rounds of moving every function of each (comment lines put above it, one file per analysis), reporting the layouts. */
const CHILD = `
const fs = require('fs');
const { Workspace } = require(process.argv[1] + '/server/src/analysis/workspace');
const ws = new Workspace({ keepStates: true });
const files = process.argv.slice(2);
const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
files.forEach((f, i) => ws.setFile(f, texts[i]));
ws.analyze();
const layout = () => {
  let entries = 0, slowFns = 0, slowProducts = 0, withRecords = 0;
  for (const e of ws.reuse.kept()) {
    entries++;
    if (!%HasFastProperties(e.fn)) slowFns++;
    if (!%HasFastProperties(e.product)) slowProducts++;
    if (e.product.lazyRec) withRecords++;
  }
  return { entries, slowFns, slowProducts, withRecords };
};
const out = [layout()];
for (let k = 1; k <= 3; k++) {
  // one file per analysis (a delta run): k comment lines above its first function move all of them
  for (let i = 0; i < files.length; i++) {
    ws.setFile(files[i], '/* moved */\\n'.repeat(k) + texts[i]);
    ws.analyze();
  }
  const s = ws.reuse.stats;
  out.push({ ...layout(), relocated: s.relocated, inPlace: s.inPlace, delta: ws.runs.delta, full: ws.runs.full });
  // the moved functions' CFG nodes read once (the lazy copy becomes a plain property)
  for (const f of files) for (const fn of ws.getFile(f).ir.functions) void fn.nodes.length;
  out.push(layout());
}
console.log(JSON.stringify(out));
`;

describe('robustness: moved functions keep a fast object layout', () => {
  it('after edits that move every function, no moved function IR and no product is a dictionary', () => {
    const files = ['balance/goto-ladders.c', 'balance/fp-handover.c', 'balance/fp-return-split.c', 'balance/trylock-killable.c'].map((f) => path.join(FIXTURES, f));
    const text = execFileSync(process.execPath, ['--allow-natives-syntax', '-e', CHILD, OUT, ...files], { encoding: 'utf8' });
    const steps = JSON.parse(text) as { entries: number; slowFns: number; slowProducts: number; withRecords: number; relocated?: number; inPlace?: number; delta?: number; full?: number }[];
    const [first, ...later] = steps;
    assert.ok(first.entries >= 30, `the fixtures have ${first.entries} functions`);
    assert.strictEqual(first.slowFns + first.slowProducts, 0, 'after the first analysis');
    for (const s of later) {
      if (s.delta !== undefined) {
        // every edit was a delta run that moved the edited file's functions (most products shifted in place)
        assert.strictEqual(s.full, 1, `only the first analysis is a full run: ${JSON.stringify(s)}`);
        assert.ok(s.inPlace! > 0, `the last edit's functions moved, products shifted in place: ${JSON.stringify(s)}`);
      }
      assert.strictEqual(s.slowFns, 0, `moved function IR in dictionary mode: ${JSON.stringify(s)}`);
      assert.strictEqual(s.slowProducts, 0, `products in dictionary mode: ${JSON.stringify(s)}`);
    }
    assert.ok(later.some((s) => s.withRecords > 0), 'products were shifted in place with their records (the delete this guards against)');
  });
});
