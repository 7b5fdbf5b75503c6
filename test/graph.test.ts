// `lockorder graph`: the observed lock-order graph as DOT / JSON, cycles
// marked, and the DOT renders with Graphviz.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../server/src/cli/main';
import { kernelTree, missingKernel } from './kernelSource';

const FIX = path.join(__dirname, '..', '..', 'test-fixtures');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const hasDot = spawnSync('dot', ['-V']).status === 0;

describe('lockorder graph', () => {
  it('json: classes, one example per edge, the ABBA cycle marked', async () => {
    const r = await run(['graph', path.join(FIX, 'abba-two-files'), '--format', 'json']);
    assert.strictEqual(r.code, 0, r.err);
    const g = JSON.parse(r.out);
    assert.deepStrictEqual(g.classes.map((c: { name: string }) => c.name), ['toy_dev_lock', 'toy_table_lock']);
    const e = g.edges.find((x: { from: string; to: string }) => x.from === 'toy_dev_lock' && x.to === 'toy_table_lock');
    assert.ok(e && e.cycle && e.example.function === 'toy_register', JSON.stringify(g.edges));
    assert.strictEqual(g.cycles.length, 1);
  });

  it('dot: cycle edges in red, fault edges dashed', async () => {
    const r = await run(['graph', path.join(FIX, 'abba-two-files'), path.join(FIX, 'atomic')]);
    assert.match(r.out, /^digraph lockorder \{/);
    assert.match(r.out, /"toy_dev_lock" -> "toy_table_lock" \[[^\]]*color=red/);
    assert.match(r.out, /"toy_sb.stat_lock" -> "mm_struct.mmap_lock" \[[^\]]*style=dashed/);
  });

  it('rejects an unknown format with exit 2', async () => {
    const r = await run(['graph', FIX, '--format', 'png']);
    assert.strictEqual(r.code, 2);
  });

  it('renders fs/gfs2 of Linux 6.12 with Graphviz (dot -Tsvg)', async function () {
    const why = missingKernel('6.12') ?? (hasDot ? undefined : 'Graphviz is absent: apt-get install graphviz');
    if (why) { this.skip(); return; }
    this.timeout(600_000);
    const root = kernelTree('6.12', ['fs/gfs2'])!;
    const r = await run(['graph', path.join(root, 'fs', 'gfs2'), '--format', 'dot']);
    assert.strictEqual(r.code, 0, r.err);
    const svg = execFileSync('dot', ['-Tsvg'], { input: r.out, maxBuffer: 64 * 1024 * 1024 }).toString();
    assert.match(svg, /<svg[\s\S]*<\/svg>/);
    assert.ok(/gfs2_glock\.i_gl/.test(r.out), 'the inode glock class appears');
    fs.mkdirSync(path.join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, '..', '..', 'test-artifacts', 'gfs2-lockorder.svg'), svg);
  });
});
