// The order files are added to a Workspace in (the language server adds them
// as they are opened and indexed, the CLI in a sorted walk) does not change
// what it finds: the analysis reads them in path order (Workspace.ordered).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildFileIR } from '../../server/src/analysis/fileir';
import { comparePaths, Workspace } from '../../server/src/analysis/workspace';
import { parseConfig } from '../../server/src/model/config';
import { fixtureWorkspaces } from '../fixtureExpect';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test-fixtures');

describe('analysis order is path order, whatever order files arrive in', () => {
  it('comparePaths orders as a sorted directory walk does', () => {
    const walk = ['a/b.c', 'a/z/y.c', 'a-b.c', 'a.c', 'b/a.h'];
    assert.deepStrictEqual([...walk].reverse().sort(comparePaths), walk);
  });

  it('one lock-order edge in two files: the cycle is reported in the first file by path, however they arrived', () => {
    const take = (fn: string, first: string, then: string): string =>
      `extern struct mutex alpha_lock;\nextern struct mutex beta_lock;\nvoid ${fn}(void)\n{\n\tmutex_lock(&${first});\n\tmutex_lock(&${then});\n\tmutex_unlock(&${then});\n\tmutex_unlock(&${first});\n}\n`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockorder-order-'));
    try {
      const src: Record<string, string> = { 'p1.c': take('p1', 'alpha_lock', 'beta_lock'), 'p2.c': take('p2', 'alpha_lock', 'beta_lock'), 'q.c': take('q', 'beta_lock', 'alpha_lock') };
      const files = Object.keys(src).map((n) => { const p = path.join(dir, n); fs.writeFileSync(p, src[n]); return p; });
      const cycleIn = (order: string[]): string[] => {
        const w = new Workspace();
        for (const f of order) w.setFileIR(f, buildFileIR(f, src[path.basename(f)]).ir, 0);
        return w.analyze().findings.filter((f) => f.rule === 'order-cycle').map((f) => f.function ?? '');
      };
      const [p1, p2, q] = files;
      for (const order of [[p1, p2, q], [p2, q, p1], [q, p2, p1]]) assert.deepStrictEqual(cycleIn(order), ['p1'], order.map((f) => path.basename(f)).join(' '));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const ws of fixtureWorkspaces(FIXTURES).filter((w) => w.files.length > 1)) {
    it(`fixture ${ws.name}: files added in reverse, shuffled, or one removed and added back: the same findings`, () => {
      const cfgFile = path.join(FIXTURES, ws.name, '.lockorder');
      const config = fs.existsSync(cfgFile) ? parseConfig(fs.readFileSync(cfgFile, 'utf8'), cfgFile) : undefined;
      const irs = new Map(ws.files.map((f) => [f, buildFileIR(f, fs.readFileSync(f, 'utf8')).ir]));
      const run = (order: string[], churn?: string): unknown => {
        const w = new Workspace({ config });
        for (const f of order) w.setFileIR(f, structuredClone(irs.get(f)!), 0);
        if (churn) { w.removeFile(churn); w.setFileIR(churn, structuredClone(irs.get(churn)!), 0); }
        return w.analyze().findings;
      };
      const sorted = [...ws.files].sort(comparePaths);
      const base = run(sorted);
      assert.deepStrictEqual(run([...sorted].reverse()), base);
      assert.deepStrictEqual(run([...sorted.slice(1), sorted[0]]), base);
      assert.deepStrictEqual(run(sorted, sorted[0]), base);
    });
  }
});
