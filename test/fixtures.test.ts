// Every fixture workspace: the engine's findings must match the inline
// expectations exactly (each warning expected, each expectation met).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../server/src/analysis/workspace';
import { parseConfig } from '../server/src/model/config';
import { fixtureWorkspaces, readExpectations } from './fixtureExpect';
import { crossCheck } from '../server/src/sim/crosscheck';

const ROOT = path.join(__dirname, '..', '..', 'test-fixtures');

describe('test-fixtures: findings match inline expectations', () => {
  for (const ws of fixtureWorkspaces(ROOT)) {
    it(ws.name, () => {
      const cfgFile = path.join(ROOT, ws.name, '.lockorder');
      const config = fs.existsSync(cfgFile) ? parseConfig(fs.readFileSync(cfgFile, 'utf8'), cfgFile) : undefined;
      const w = new Workspace({ config });
      for (const f of ws.files) w.setFile(f, fs.readFileSync(f, 'utf8'));
      const res = w.analyze();
      crossCheck(w, res.findings);
      const got = res.findings
        .filter((f) => f.severity === 'warning' || f.severity === 'error')
        .map((f) => `${path.basename(f.file)}:${f.pos.line + 1} ${f.rule}`)
        .sort();
      const want = ws.files.flatMap(readExpectations).map((e) => `${path.basename(e.file)}:${e.line} ${e.rule}`).sort();
      const detail = res.findings.map((f) => `  ${path.basename(f.file)}:${f.pos.line + 1} [${f.rule}] ${f.message}`).join('\n');
      assert.deepStrictEqual(got, want, `findings differ from expectations; engine said:\n${detail}`);
      assert.ok(res.functions > 0, 'fixture has functions');
      // a call is named once: `lock_journal()`, not `lock_journal()()` (a lock taken through a callee's summary)
      for (const f of res.findings) {
        for (const text of [f.message, ...f.related.map((r) => r.message)]) assert.ok(!text.includes('()()'), `${path.basename(f.file)}:${f.pos.line + 1}: ${text}`);
      }
      // the simulator's verdict, where the fixture states one
      for (const e of ws.files.flatMap(readExpectations).filter((x) => x.sim)) {
        const f = res.findings.find((x) => path.basename(x.file) === path.basename(e.file) && x.pos.line + 1 === e.line && x.rule === e.rule);
        assert.ok(f, `finding for ${e.rule} at ${path.basename(e.file)}:${e.line}`);
        assert.strictEqual(f.simulation, e.sim, `${path.basename(e.file)}:${e.line} ${e.rule}: simulation said ${f.simulation} (${f.simulationDetail ?? ''})`);
      }
    });
  }
});
