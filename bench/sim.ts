/**
 * Simulator benchmark: for every seed scenario (and a few scaled-up variants
 * with more threads), states explored and time with partial-order reduction,
 * states without, and the ratio. Deadlock scenarios stop at the first
 * (shortest) deadlock, so their state counts are "states until found".
 *
 *   npx tsc -p . && npm run bench:sim        (or: node out/bench/sim.js [--json])
 */
import { explore, exploreBruteForce } from '../server/src/sim/explore';
import { seedExamples } from '../server/src/sim/examples';
import { Scenario } from '../server/src/sim/program';
import { ExploreResult } from '../server/src/sim/result';

interface Row {
  id: string;
  seed: string;
  threads: number;
  expect: string;
  verdict: string;
  steps: number | null;
  states: number;
  ms: number;
  statesBrute: number;
  msBrute: number;
  ratio: number;
}

/** Add copies of existing threads (same program) to grow a scenario. */
function withExtraThreads(sc: Scenario, copies: Array<[string, string]>): Scenario {
  const extra = copies.map(([name, like]) => {
    const base = sc.threads.find((t) => t.name === like);
    if (!base) throw new Error(`no thread ${like}`);
    return { ...base, name };
  });
  return { ...sc, title: `${sc.title ?? ''} (+${copies.length} threads)`, threads: [...sc.threads, ...extra] };
}

/** Median wall time of `reps` runs (the result of the last run is returned). */
function timed(run: () => ExploreResult, reps: number): { r: ExploreResult; ms: number } {
  const times: number[] = [];
  let r: ExploreResult | null = null;
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    r = run();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { r: r as ExploreResult, ms: times[Math.floor(times.length / 2)] };
}

function main(): void {
  const json = process.argv.includes('--json');
  const cases = seedExamples().map((e) => ({ id: e.id, seed: e.seed, expect: e.expect, scenario: e.scenario }));
  const byId = new Map(cases.map((c) => [c.id, c]));
  const grow = (id: string, copies: Array<[string, string]>): void => {
    const c = byId.get(id);
    if (c) cases.push({ ...c, id: `${id}+${copies.length}`, scenario: withExtraThreads(c.scenario, copies) });
  };
  grow('gfs2-dio-read-fixed-vs-fault', [['T2', 'T0']]);
  grow('gfs2-dio-read-fixed-vs-fault', [['T2', 'T0'], ['T3', 'T1']]);
  grow('fuse-truncate-vs-fault', [['T3', 'T0']]);
  grow('fuse-truncate-vs-fault', [['T3', 'T0'], ['T4', 'T2']]);
  grow('abba-trylock', [['T2', 'T1']]);

  const opts = { maxStates: 2_000_000, timeBudgetMs: 120_000 };
  const rows: Row[] = [];
  for (const c of cases) {
    explore(c.scenario, opts); // warm-up (JIT)
    const red = timed(() => explore(c.scenario, opts), 5);
    const brute = timed(() => exploreBruteForce(c.scenario, opts), 3);
    if (red.r.verdict !== brute.r.verdict) throw new Error(`${c.id}: reduced ${red.r.summary} vs brute ${brute.r.summary}`);
    rows.push({
      id: c.id,
      seed: c.seed,
      threads: c.scenario.threads.length,
      expect: c.expect,
      verdict: red.r.verdict,
      steps: red.r.steps ?? null,
      states: red.r.states,
      ms: red.ms,
      statesBrute: brute.r.states,
      msBrute: brute.ms,
      ratio: brute.r.states / red.r.states,
    });
  }

  if (json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  const head = ['scenario', 'seed', 'thr', 'verdict', 'steps', 'states(POR)', 'ms(POR)', 'states(none)', 'ms(none)', 'ratio'];
  const body = rows.map((r) => [
    r.id,
    r.seed,
    String(r.threads),
    r.verdict === r.expect ? r.verdict : `${r.verdict} (expected ${r.expect})`,
    r.steps === null ? '-' : String(r.steps),
    String(r.states),
    r.ms.toFixed(1),
    String(r.statesBrute),
    r.msBrute.toFixed(1),
    r.ratio.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  const seedRows = rows.filter((r) => !r.id.includes('+'));
  const slowest = Math.max(...seedRows.map((r) => r.ms));
  console.log(`\nslowest seed scenario with reduction: ${slowest.toFixed(1)} ms (target < 100 ms)`);
  const mismatched = rows.filter((r) => r.verdict !== r.expect);
  if (mismatched.length > 0) {
    console.log(`UNEXPECTED verdicts: ${mismatched.map((r) => r.id).join(', ')}`);
    process.exitCode = 1;
  }
}

main();
