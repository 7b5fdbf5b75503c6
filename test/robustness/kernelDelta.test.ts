// Delta runs on real kernel code: a workspace of Linux 6.12 fs/fuse, scripted
// edits (test/perf/edits.ts) to three of its files in turn, and after each the
// findings, summaries and events must equal a from-scratch analysis. Seed 9
// once showed events two calls deep (fuse_dax_write_iter -> fuse_dax_direct_write
// -> fuse_write_update_attr in another file) keeping a line the inner callee
// had left: a summary's memoised content version outlived an in-place shift of
// the positions it shares with its callee (reuse.ts version()). Skipped, with
// the reason, when the kernel source is absent.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../server/src/analysis/workspace';
import { collectFiles } from '../../server/src/cli/main';
import { applyEdit, nextEdit, rng } from '../perf/edits';
import { kernelTree, missingKernel } from '../kernelSource';
import { workspaceEditMatchesFresh } from './fresh';

describe('robustness: delta runs on Linux 6.12 fs/fuse equal a from-scratch analysis', function () {
  this.timeout(600_000);
  const why = missingKernel('6.12');
  if (why) {
    it(`scripted edits to file.c, dir.c, inode.c (skipped: ${why})`);
    return;
  }
  it('20 scripted edits to file.c, dir.c and inode.c in turn (seed 9), records for the edited files only', () => {
    const root = kernelTree('6.12', ['fs/fuse'])!;
    const dir = path.join(root, 'fs/fuse');
    const edited = ['file.c', 'dir.c', 'inode.c'].map((f) => path.join(dir, f));
    const texts = new Map(collectFiles([dir]).map((f) => [path.resolve(f), fs.readFileSync(f, 'utf8')]));
    const ws = new Workspace({ keepStates: true, recordsFor: (p) => edited.includes(p) });
    for (const [f, t] of texts) ws.setFile(f, t);
    ws.analyze();
    const rand = rng(9);
    for (let k = 0; k < 20; k++) {
      const f = edited[k % edited.length];
      workspaceEditMatchesFresh(ws, texts, f, applyEdit(texts.get(f)!, nextEdit(texts.get(f)!, rand)), `edit ${k} (${path.basename(f)})`, false);
    }
    assert.ok(ws.runs.delta >= 15, `mostly delta runs: ${JSON.stringify(ws.runs)}`);
  });
});
