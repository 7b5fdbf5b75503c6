/**
 * Simulator benchmark, two tables.
 *
 * 1. Hand-built seed scenarios (server/src/sim/examples.ts, and a few
 *    scaled-up variants with more threads): states explored and time with
 *    partial-order reduction, states without, and the ratio.
 * 2. Engine-derived scenarios: every scenario the cross-check explores for a
 *    simulated finding of the seed fixtures (test-fixtures/{gfs2-dio, atomic,
 *    abba-two-files, ext4-jbd2, fuse-dax}), built from the dataflow's product
 *    graph exactly as `lockorder check` does, plus the same scenarios for the
 *    fixed twins (toy_direct_read_fixed, ...), with the cross-check's options.
 *
 * Deadlock scenarios stop at the first (shortest) deadlock, so their state
 * counts are "states until found". Times are medians of several runs in this
 * process (JIT warmed up); the aim is every seed scenario decided in < 100 ms.
 *
 *   npx tsc -p . && npm run bench:sim        (or: node out/bench/sim.js [--json])
 */
import * as fs from 'fs';
import * as path from 'path';
import { Workspace } from '../server/src/analysis/workspace';
import type { Finding } from '../server/src/analysis/diagnostic';
import { parseConfig } from '../server/src/model/config';
import { CROSS_CHECKED_RULES, requestFor } from '../server/src/sim/crosscheck';
import { explore, exploreBruteForce } from '../server/src/sim/explore';
import { seedExamples } from '../server/src/sim/examples';
import { Scenario } from '../server/src/sim/program';
import { ExploreOptions, ExploreResult } from '../server/src/sim/result';
import { buildScenarios, SIM_DEFAULT_OPTIONS, SimRequest } from '../server/src/sim/scenarios';

/** One scenario explored with partial-order reduction and by brute force (both row kinds below). */
interface Measured {
  threads: number;
  verdict: string;
  steps: number | null;
  states: number;
  ms: number;
  statesBrute: number;
  msBrute: number;
  ratio: number;
}

/** A seed example's scenario. */
interface Row extends Measured {
  id: string;
  seed: string;
  expect: string;
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

function table(head: string[], body: string[][], left: number[]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (left.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

function seedRows(): Row[] {
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
  return rows;
}

// ---------------------------------------------------------------- engine-derived

const FIXTURES = ['gfs2-dio', 'atomic', 'abba-two-files', 'ext4-jbd2', 'fuse-dax'];

/** The fixed twin of a simulated buggy function: the same request on the fixed code. */
function twinOf(req: SimRequest, ws: Workspace): SimRequest | undefined {
  const swap: Record<string, string> = { toy_dax_fault_inode_lock: 'toy_dax_fault' };
  const fn = swap[req.fn] ?? (req.fn.endsWith('_buggy') ? req.fn.replace(/_buggy$/, '_fixed') : undefined);
  if (fn && ws.findFunction(fn, req.file)) return { ...req, fn };
  // an order cycle against a partner: the partner's trylock variant
  const partners = req.partners?.map((p) => ({ ...p, fn: `${p.fn}_try` })).filter((p) => ws.findFunction(p.fn, p.file));
  if (partners && partners.length > 0) return { ...req, partners };
  return undefined;
}

/** A scenario the engine builds from a fixture's analysed function. */
interface EngineRow extends Measured {
  fixture: string;
  what: string;
  fn: string;
  kind: string;
  title: string;
  nodes: number;
  bruteVerdict: string;
  buildMs: number;
}

function fixtureWorkspace(name: string): Workspace {
  const dir = path.join(__dirname, '..', '..', 'test-fixtures', name);
  const cfgFile = path.join(dir, '.lockorder');
  const config = fs.existsSync(cfgFile) ? parseConfig(fs.readFileSync(cfgFile, 'utf8'), cfgFile) : undefined;
  const ws = new Workspace({ config });
  for (const f of fs.readdirSync(dir).filter((x) => /\.[ch]$/.test(x)).sort()) ws.setFile(path.join(dir, f), fs.readFileSync(path.join(dir, f), 'utf8'));
  return ws;
}

function engineRows(): EngineRow[] {
  const rows: EngineRow[] = [];
  for (const fixture of FIXTURES) {
    const ws = fixtureWorkspace(fixture);
    const res = ws.analyze();
    const requests: Array<{ what: string; req: SimRequest }> = [];
    const seen = new Set<string>();
    const push = (what: string, req: SimRequest): void => {
      const key = JSON.stringify({ ...req, options: undefined });
      if (seen.has(key)) return;
      seen.add(key);
      requests.push({ what, req });
    };
    for (const f of res.findings as Finding[]) {
      if (!CROSS_CHECKED_RULES.has(f.rule) || !f.function) continue;
      const req = requestFor(f);
      push(`${f.rule} ${path.basename(f.file)}:${f.pos.line + 1}`, req);
      const twin = twinOf(req, ws);
      if (twin) push(`fixed twin of ${req.fn}`, twin);
    }
    for (const { what, req } of requests) {
      const t0 = process.hrtime.bigint();
      const { built, fatal } = buildScenarios(ws, req);
      const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (fatal) throw new Error(`${fixture} ${req.fn}: ${fatal}`);
      const opts: ExploreOptions = { ...SIM_DEFAULT_OPTIONS, ...req.options };
      const bruteOpts: ExploreOptions = { ...opts, maxStates: 2_000_000, timeBudgetMs: 60_000 };
      for (const b of built) {
        if (!b.scenario) continue;
        const sc = b.scenario;
        explore(sc, opts); // warm-up
        const red = timed(() => explore(sc, opts), 5);
        const brute = timed(() => exploreBruteForce(sc, bruteOpts), 3);
        if (brute.r.verdict !== 'bound-exhausted' && red.r.verdict !== 'bound-exhausted' && red.r.verdict !== brute.r.verdict) {
          throw new Error(`${fixture} ${req.fn} ${b.kind}: reduced ${red.r.summary} vs brute ${brute.r.summary}`);
        }
        rows.push({
          fixture,
          what,
          fn: req.fn,
          kind: b.kind,
          title: sc.title ?? b.title,
          threads: sc.threads.length,
          nodes: Object.values(sc.programs).reduce((n, p) => n + p.nodes.length, 0),
          verdict: red.r.verdict,
          steps: red.r.steps ?? null,
          states: red.r.states,
          ms: red.ms,
          statesBrute: brute.r.states,
          msBrute: brute.ms,
          bruteVerdict: brute.r.verdict,
          ratio: brute.r.states / red.r.states,
          buildMs,
        });
      }
    }
  }
  return rows;
}

function main(): void {
  const json = process.argv.includes('--json');
  const rows = seedRows();
  const eng = engineRows();

  if (json) {
    process.stdout.write(JSON.stringify({ seeds: rows, engine: eng }, null, 2) + '\n');
    return;
  }
  console.log('Hand-built seed scenarios (server/src/sim/examples.ts)\n');
  table(
    ['scenario', 'seed', 'thr', 'verdict', 'steps', 'states(POR)', 'ms(POR)', 'states(none)', 'ms(none)', 'ratio'],
    rows.map((r) => [
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
    ]),
    [0, 3],
  );
  const seedOnly = rows.filter((r) => !r.id.includes('+'));
  console.log(`\nslowest hand-built seed scenario with reduction: ${Math.max(...seedOnly.map((r) => r.ms)).toFixed(1)} ms (target < 100 ms)`);

  console.log('\nEngine-derived scenarios: what the cross-check explores for the fixtures\' findings, and their fixed twins\n');
  table(
    ['fixture', 'finding / twin', 'scenario', 'thr', 'nodes', 'verdict', 'steps', 'states(POR)', 'ms(POR)', 'states(none)', 'ms(none)', 'ratio', 'build ms'],
    eng.map((r) => [
      r.fixture,
      r.what,
      `${r.kind}: ${r.title}`,
      String(r.threads),
      String(r.nodes),
      r.verdict,
      r.steps === null ? '-' : String(r.steps),
      String(r.states),
      r.ms.toFixed(1),
      `${r.statesBrute}${r.bruteVerdict === 'bound-exhausted' ? '+' : ''}`,
      r.msBrute.toFixed(1),
      r.ratio.toFixed(2),
      r.buildMs.toFixed(1),
    ]),
    [0, 1, 2, 5],
  );
  const slow = eng.reduce((a, b) => (b.ms > a.ms ? b : a), eng[0]);
  if (slow) console.log(`\nslowest engine-derived scenario with reduction: ${slow.ms.toFixed(1)} ms (${slow.fn}, ${slow.kind}; target < 100 ms)`);
  console.log('build ms: building every scenario of the request from the product graph (once per request)');

  const mismatched = rows.filter((r) => r.verdict !== r.expect);
  if (mismatched.length > 0) {
    console.log(`UNEXPECTED verdicts: ${mismatched.map((r) => r.id).join(', ')}`);
    process.exitCode = 1;
  }
}

main();
