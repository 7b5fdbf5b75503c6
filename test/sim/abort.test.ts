// sim/clock.ts: a host's abort probe stops a simulation at its next time
// check, in every stage (program building, scenario assembly, exploration),
// as if its time were up; without the probe the same request finds the
// deadlock. The language server's worker aborts this way when a simulation is
// cancelled or a user's simulation overtakes a background cross-check.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../../server/src/analysis/workspace';
import { aborted, pastDeadline, setAbortProbe } from '../../server/src/sim/clock';
import { SIM_TIME_UP } from '../../server/src/sim/fromEngine';
import { buildScenarios, simulate } from '../../server/src/sim/scenarios';
import { explore } from '../../server/src/sim/explore';

const FILE = path.join(__dirname, '..', '..', '..', 'test-fixtures', 'gfs2-dio', 'toyfs_file.c');
const FN = 'toy_direct_read_buggy';

function workspace(): Workspace {
  const ws = new Workspace({});
  ws.setFile(FILE, fs.readFileSync(FILE, 'utf8'));
  ws.analyze();
  return ws;
}

describe('sim: an abort probe stops the simulation as if out of time', () => {
  afterEach(() => setAbortProbe(undefined));

  it('without a probe, nothing is aborted and only a passed deadline is past', () => {
    assert.strictEqual(aborted(), false);
    assert.strictEqual(pastDeadline(undefined), false);
    assert.strictEqual(pastDeadline(Date.now() + 60_000), false);
    assert.strictEqual(pastDeadline(Date.now() - 1), true);
  });

  it('the same request: a deadlock without the probe, out of time with it set before the start', () => {
    const free = simulate(workspace(), { file: FILE, fn: FN, scenario: 'auto' });
    assert.strictEqual(free.verdict, 'deadlock');
    setAbortProbe(() => true);
    assert.strictEqual(pastDeadline(undefined), true);
    const stopped = simulate(workspace(), { file: FILE, fn: FN, scenario: 'auto' });
    assert.notStrictEqual(stopped.verdict, 'deadlock');
    assert.ok(JSON.stringify(stopped).includes(SIM_TIME_UP), JSON.stringify(stopped.tried));
  });

  it('the exploration reads it: a built scenario explored with the probe set stops with its time budget hit', () => {
    const ws = workspace();
    const { built } = buildScenarios(ws, { file: FILE, fn: FN, scenario: 'auto' });
    const sc = built.find((b) => b.scenario)?.scenario;
    assert.ok(sc, 'a scenario was built');
    assert.strictEqual(explore(sc, {}).verdict, 'deadlock');
    setAbortProbe(() => true);
    const r = explore(sc, {});
    assert.notStrictEqual(r.verdict, 'deadlock');
    assert.strictEqual(r.bound?.timeBudgetHit, true, JSON.stringify(r.bound));
  });
});
