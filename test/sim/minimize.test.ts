// Program minimisation (engine-derived programs are minimised before exploring):
// it must not change what the simulator can find.
import * as assert from 'assert';
import * as fc from 'fast-check';
import { explore, exploreBruteForce } from '../../server/src/sim/explore';
import { lock, prog, scenario } from '../../server/src/sim/builder';
import { minimizeProgram } from '../../server/src/sim/minimize';
import { Scenario, ThreadProgram } from '../../server/src/sim/program';
import { genSpec, Stmt, toScenario } from './gen';

const SEED = Number(process.env.SIM_PROP_SEED ?? 20211102);
const RUNS = Number(process.env.SIM_PROP_RUNS ?? 400);
const OPTS = { loopBound: 2, maxStates: 60_000, maxSteps: 10_000, timeBudgetMs: 60_000 };

function minimized(sc: Scenario): Scenario {
  const programs: Record<string, ThreadProgram> = {};
  for (const [k, p] of Object.entries(sc.programs)) programs[k] = minimizeProgram(p);
  return { ...sc, programs };
}

const hasLoop = (body: Stmt[]): boolean =>
  body.some((s) => {
    switch (s.k) {
      case 'loop':
        return true;
      case 'try':
        return hasLoop(s.then) || hasLoop(s.else);
      case 'if':
      case 'queued':
        return hasLoop(s.a) || hasLoop(s.b);
      case 'nofault':
      case 'demote':
        return hasLoop(s.body);
      default:
        return false;
    }
  });

describe('sim: program minimisation', () => {
  it('bypasses op-less chains and drops choices between equal futures, keeping op positions', () => {
    // if (x) a = 1; else a = 2;  mutex_lock(m) ... twice (two product copies of the same code)
    const p: ThreadProgram = {
      name: 'f',
      entry: 0,
      nodes: [
        { id: 0, succ: [1, 2], pos: { file: 'f.c', line: 3, col: 1 }, text: 'if (x)' },
        { id: 1, succ: [3], pos: { file: 'f.c', line: 4, col: 1 }, text: 'a = 1' },
        { id: 2, succ: [4], pos: { file: 'f.c', line: 5, col: 1 }, text: 'a = 2' },
        { id: 3, succ: [5], op: { kind: 'acquire', lock: 'M', mode: 'W' }, pos: { file: 'f.c', line: 6, col: 1 }, text: 'mutex_lock(&m)' },
        { id: 4, succ: [6], op: { kind: 'acquire', lock: 'M', mode: 'W' }, pos: { file: 'f.c', line: 6, col: 1 }, text: 'mutex_lock(&m)' },
        { id: 5, succ: [7], op: { kind: 'release', lock: 'M' }, pos: { file: 'f.c', line: 7, col: 1 }, text: 'mutex_unlock(&m)' },
        { id: 6, succ: [8], op: { kind: 'release', lock: 'M' }, pos: { file: 'f.c', line: 7, col: 1 }, text: 'mutex_unlock(&m)' },
        { id: 7, succ: [], pos: { file: 'f.c', line: 8, col: 1 } },
        { id: 8, succ: [], pos: { file: 'f.c', line: 8, col: 1 } },
      ],
    };
    const m = minimizeProgram(p);
    assert.deepStrictEqual(m.nodes.map((n) => [n.op?.kind ?? '-', n.pos?.line, n.succ.length]), [
      ['acquire', 6, 1],
      ['release', 7, 1],
      ['-', 8, 0],
    ]);
    assert.strictEqual(minimizeProgram(m).nodes.length, m.nodes.length, 'idempotent');
  });

  it('keeps a real choice, with the source text of each arm for the witness', () => {
    const p = prog('f', 'f.c')
      .branch('a', 'b')
      .label('a').noop({ line: 4, text: 'if (trylock failed)' }).acquire('M', 'W', { line: 5, text: 'mutex_lock(&m)' }).release('M', { line: 6 }).ret()
      .label('b').noop({ line: 8, text: 'else' }).ret()
      .build();
    const m = minimizeProgram(p);
    const root = m.nodes[m.entry];
    assert.strictEqual(root.succ.length, 2);
    assert.deepStrictEqual(root.succ.map((s) => m.nodes[s].text), ['if (trylock failed)', 'else']);
    const r = explore(scenario({ threads: [['T0', 'f']], programs: [m], locks: [lock('M', 'mutex')] }));
    assert.strictEqual(r.verdict, 'no-deadlock');
  });

  it('trylock failure targets and holder_queued targets are followed', () => {
    const p = prog('f').trylock('M', 'W', 'fail').noop().release('M').goto('out').label('fail').noop().noop().label('out').ret().build();
    const m = minimizeProgram(p);
    const t = m.nodes.find((n) => n.op?.kind === 'acquire');
    assert.ok(t && t.op?.kind === 'acquire' && t.op.try && m.nodes[t.op.onFail as number].succ.length === 0, JSON.stringify(m.nodes));
  });

  it(`random loop-free programs: the same verdict before and after (${RUNS} runs, seed ${SEED})`, () => {
    let shrunk = 0;
    let total = 0;
    const out = fc.check(
      fc.property(genSpec(), (g) => {
        fc.pre(!g.threads.some(hasLoop) && !hasLoop(g.handler));
        const sc = toScenario(g);
        const a = explore(sc, OPTS);
        const mz = minimized(sc);
        const b = explore(mz, OPTS);
        fc.pre(a.verdict !== 'bound-exhausted' && b.verdict !== 'bound-exhausted');
        total++;
        const size = (x: Scenario): number => Object.values(x.programs).reduce((n, p) => n + p.nodes.length, 0);
        if (size(mz) < size(sc)) shrunk++;
        assert.ok(size(mz) <= size(sc) + Object.values(sc.programs).reduce((n, p) => n + p.nodes.filter((x) => x.succ.length > 1).length * 2, 0));
        assert.strictEqual(b.verdict, a.verdict, `before: ${a.summary}; after: ${b.summary}`);
        // shortest deadlocks (brute force): bypassed choices only ever shorten them
        if (a.verdict === 'deadlock') {
          const ba = exploreBruteForce(sc, { ...OPTS, maxStates: 20_000 });
          const bb = exploreBruteForce(mz, { ...OPTS, maxStates: 20_000 });
          if (ba.verdict === 'deadlock' && bb.verdict === 'deadlock') assert.ok((bb.steps as number) <= (ba.steps as number), `minimised shortest deadlock longer: ${bb.steps} > ${ba.steps}`);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    if (out.failed) throw new Error(`seed ${SEED}, path ${out.counterexamplePath}: ${JSON.stringify(out.counterexample)}\n${String(out.errorInstance ?? out.error)}`);
    assert.ok(total > RUNS / 4 && shrunk > total / 2, `${shrunk} of ${total} shrunk`);
  });
});
