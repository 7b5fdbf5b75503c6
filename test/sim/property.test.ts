import * as assert from 'assert';
import * as fc from 'fast-check';
import { explore, exploreBruteForce, replaySchedule } from '../../server/src/sim/explore';
import { genCpuSpec, genSpec, toScenario } from './gen';

/** Fixed seed: reproducible; override with SIM_PROP_SEED / SIM_PROP_RUNS to hunt further. */
const SEED = Number(process.env.SIM_PROP_SEED ?? 20211102);
const RUNS = Number(process.env.SIM_PROP_RUNS ?? 400);
const OPTS = { loopBound: 2, maxStates: 60_000, maxSteps: 10_000, timeBudgetMs: 60_000 };

type Spec = ReturnType<typeof genSpec> extends fc.Arbitrary<infer T> ? T : never;

function check(prop: fc.IPropertyWithHooks<[Spec]>, numRuns = RUNS): void {
  const out = fc.check(prop, { seed: SEED, numRuns });
  if (out.failed) {
    throw new Error(
      `property failed (seed ${SEED}, path ${out.counterexamplePath}, after ${out.numRuns} runs)\n` +
        `counterexample: ${JSON.stringify(out.counterexample)}\n${String(out.errorInstance ?? out.error)}`,
    );
  }
}

describe('sim: partial-order reduction is sound for deadlocks (fast-check)', function () {
  this.timeout(300_000);

  it(`reduced explorer finds a deadlock exactly when brute force does (${RUNS} runs, seed ${SEED})`, () => {
    let deadlocks = 0;
    let total = 0;
    let cpuRuns = 0;
    let cpuDeadlocks = 0;
    let statesReduced = 0;
    let statesBrute = 0;
    check(
      fc.property(genSpec(), (g) => {
        const sc = toScenario(g);
        const b = exploreBruteForce(sc, OPTS);
        const r = explore(sc, OPTS);
        fc.pre(b.verdict !== 'bound-exhausted' && r.verdict !== 'bound-exhausted');
        assert.ok(!b.bound.stepBoundHit && !r.bound.stepBoundHit, 'step bound must not interfere');
        total++;
        assert.strictEqual(r.verdict, b.verdict, `reduced: ${r.summary}; brute: ${b.summary}`);
        // CPUs matter only with more threads than CPUs (see compile.ts).
        if (g.cpus !== undefined && g.threads.length > g.cpus) cpuRuns++;
        if (b.verdict === 'deadlock') {
          deadlocks++;
          if (b.cycle?.some((e) => e.via === 'cpu')) cpuDeadlocks++;
          // Brute-force BFS gives a globally shortest schedule; the reduced one is a real schedule, so not shorter.
          assert.ok((r.steps as number) >= (b.steps as number), `reduced ${r.steps} < brute ${b.steps}`);
          for (const res of [r, b]) {
            const again = replaySchedule(sc, res.schedule ?? [], OPTS);
            assert.ok(again.cycle && again.cycle.length > 0, 'schedule replays to a deadlock');
            assert.deepStrictEqual(again.witness, res.witness);
          }
        } else {
          // Without early exit the reduced graph is a subgraph of the full one.
          assert.ok(r.states <= b.states, `reduced ${r.states} > brute ${b.states}`);
          statesReduced += r.states;
          statesBrute += b.states;
        }
      }),
    );
    // Keep the generator honest: both outcomes must be well represented.
    assert.ok(deadlocks > total / 10 && deadlocks < total - total / 10, `deadlocks ${deadlocks} of ${total}`);
    // ... and the CPU model must be exercised: limited-CPU runs, some of them hanging through a CPU.
    assert.ok(cpuRuns > total / 4, `limited-CPU runs ${cpuRuns} of ${total}`);
    assert.ok(cpuDeadlocks > total / 50, `deadlocks through a CPU ${cpuDeadlocks} of ${total}`);
    if (process.env.SIM_PROP_STATS) console.log(`      ${total} runs, ${deadlocks} deadlocks, ${cpuRuns} with limited CPUs, ${cpuDeadlocks} CPU deadlocks; states ${statesReduced} reduced vs ${statesBrute} brute`);
    assert.ok(statesReduced <= statesBrute);
  });

  it(`the same on CPU-heavy programs: spinlocks, sleeps, 3–4 threads on 1–2 CPUs (${Math.ceil(RUNS / 2)} runs)`, () => {
    let total = 0;
    let cpuDeadlocks = 0;
    let deadlocks = 0;
    check(
      fc.property(genCpuSpec(), (g) => {
        const sc = toScenario(g);
        const b = exploreBruteForce(sc, OPTS);
        fc.pre(b.verdict !== 'bound-exhausted');
        const r = explore(sc, OPTS);
        fc.pre(r.verdict !== 'bound-exhausted');
        total++;
        assert.strictEqual(r.verdict, b.verdict, `reduced: ${r.summary}; brute: ${b.summary}`);
        if (b.verdict === 'deadlock') {
          deadlocks++;
          if (b.cycle?.some((e) => e.via === 'cpu')) cpuDeadlocks++;
          assert.ok((r.steps as number) >= (b.steps as number), `reduced ${r.steps} < brute ${b.steps}`);
          const again = replaySchedule(sc, r.schedule ?? [], OPTS);
          assert.deepStrictEqual(again.witness, r.witness);
        } else {
          assert.ok(r.states <= b.states, `reduced ${r.states} > brute ${b.states}`);
        }
      }),
      Math.ceil(RUNS / 2),
    );
    if (process.env.SIM_PROP_STATS) console.log(`      ${total} runs, ${deadlocks} deadlocks, ${cpuDeadlocks} CPU deadlocks`);
    assert.ok(cpuDeadlocks > total / 20, `deadlocks through a CPU ${cpuDeadlocks} of ${total}`);
  });

  it('explore is deterministic on random programs', () => {
    check(
      fc.property(genSpec(), (g) => {
        const sc = toScenario(g);
        const a = explore(sc, OPTS);
        const b = explore(sc, OPTS);
        assert.deepStrictEqual([a.verdict, a.witness, a.schedule, a.cycle, a.states], [b.verdict, b.witness, b.schedule, b.cycle, b.states]);
      }),
      Math.ceil(RUNS / 4),
    );
  });
});
