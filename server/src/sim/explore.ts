/**
 * The interleaving explorer: breadth-first search over the (reduced) state
 * graph with a visited-state set. BFS makes the first deadlock found a
 * shortest one in the graph searched; expansion order is threads by index,
 * then branch choices by successor index, so the result is deterministic.
 *
 * `explore` uses persistent-set reduction (por.ts) and then shortens the
 * witness to its causal core (the stuck threads' steps and everything they
 * depend on), re-validated by replay. `exploreBruteForce` expands every
 * enabled transition and returns a globally shortest witness; tests compare
 * the two.
 */
import { compileScenario, CompiledScenario } from './compile';
import { cpuView } from './cpu';
import { findStuck, Stuck } from './deadlock';
import { persistentSet } from './por';
import { Scenario } from './program';
import { SimState, stateKey, Transition } from './state';
import { enabledOf, initialState, Limits, nextLock, step, StepStats } from './step';
import { buildWitness, CycleEdge, cycleOf, describeBound, ExploreOptions, ExploreResult, recordWitness, ResultBound, WitnessStep } from './result';
import { aborted } from './clock';

export type { CycleEdge, ExploreOptions, ExploreResult, ResultBound, WitnessStep } from './result';

const DEFAULTS = {
  loopBound: 2,
  maxInlineDepth: 3,
  maxSteps: 1000,
  maxStates: 200_000,
  timeBudgetMs: 5_000,
};

interface Found {
  path: Transition[];
  stuck: Stuck;
}

export function explore(scenario: Scenario, opts: ExploreOptions = {}): ExploreResult {
  return run(scenario, opts, true);
}

export function exploreBruteForce(scenario: Scenario, opts: ExploreOptions = {}): ExploreResult {
  return run(scenario, opts, false);
}

function limitsOf(opts: ExploreOptions): Limits {
  return { loopBound: opts.loopBound ?? DEFAULTS.loopBound, maxInlineDepth: opts.maxInlineDepth ?? DEFAULTS.maxInlineDepth };
}

function enabledAll(cs: CompiledScenario, lim: Limits, s: SimState): Transition[][] {
  const cpu = cs.cpuLimited ? cpuView(cs, s) : undefined;
  return s.threads.map((_, t) => enabledOf(cs, lim, s, t, cpu));
}

function run(scenario: Scenario, opts: ExploreOptions, reduce: boolean): ExploreResult {
  const t0 = Date.now();
  const cs = compileScenario(scenario);
  const lim = limitsOf(opts);
  const maxSteps = opts.maxSteps ?? DEFAULTS.maxSteps;
  const maxStates = opts.maxStates ?? DEFAULTS.maxStates;
  const timeBudgetMs = opts.timeBudgetMs ?? DEFAULTS.timeBudgetMs;
  const stats: StepStats = { inlineSkips: 0 };
  const bound: ResultBound = {
    maxSteps,
    maxStates,
    timeBudgetMs,
    loopBound: lim.loopBound,
    maxInlineDepth: lim.maxInlineDepth,
    stepBoundHit: false,
    loopBoundHit: false,
    inlineBoundHit: false,
    stateBudgetHit: false,
    timeBudgetHit: false,
  };

  // BFS arrays: the frontier keeps states; expanded states are dropped, the path is rebuilt from parents.
  const states: Array<SimState | undefined> = [];
  const parent: number[] = [];
  const via: Transition[] = [];
  const depth: number[] = [];
  const visited = new Set<string>();
  let transitions = 0;
  let found: Found | null = null;

  const pathTo = (i: number): Transition[] => {
    const p: Transition[] = [];
    for (let j = i; j > 0; j = parent[j]) p.push(via[j]);
    return p.reverse();
  };
  const add = (s: SimState, par: number, tr: Transition | null, d: number): boolean => {
    const k = stateKey(s);
    if (visited.has(k)) return false;
    visited.add(k);
    const i = states.length;
    states.push(s);
    parent.push(par);
    via.push(tr ?? { t: -1, choice: -1 });
    depth.push(d);
    if (s.threads.some((th) => th.status === 'cut')) bound.loopBoundHit = true;
    const stuck = findStuck(cs, s);
    if (stuck) found = { path: pathTo(i), stuck };
    return true;
  };

  add(initialState(cs, lim, stats), -1, null, 0);
  for (let head = 0; !found && head < states.length; head++) {
    if (visited.size >= maxStates) {
      bound.stateBudgetHit = true;
      break;
    }
    if ((head & 255) === 0 && (Date.now() - t0 > timeBudgetMs || aborted())) {
      bound.timeBudgetHit = true;
      break;
    }
    const s = states[head] as SimState;
    states[head] = undefined;
    const en = enabledAll(cs, lim, s);
    if (en.every((e) => e.length === 0)) continue;
    if (depth[head] >= maxSteps) {
      bound.stepBoundHit = true;
      continue;
    }
    const trs = reduce ? persistentSet(cs, s, en) : en.flat();
    for (const tr of trs) {
      transitions++;
      add(step(cs, lim, stats, s, tr), head, tr, depth[head] + 1);
      if (found) break;
    }
  }
  bound.inlineBoundHit = stats.inlineSkips > 0;

  const res: ExploreResult = {
    verdict: 'no-deadlock',
    states: visited.size,
    transitions,
    bound,
    timeMs: 0,
    reduction: reduce ? 'persistent-sets' : 'none',
    summary: '',
  };
  const f = found as Found | null;
  if (f) {
    const path = reduce ? shortenToCausalCore(cs, lim, f.path, f.stuck) : f.path;
    const w = buildWitness(cs, lim, path);
    res.verdict = 'deadlock';
    res.witness = w.steps;
    res.schedule = path.map((tr) => ({ thread: cs.threads[tr.t].name, choice: tr.choice }));
    res.hang = w.stuck.kind;
    res.cycle = cycleOf(cs, w.stuck);
    res.steps = path.length;
  } else if (bound.stateBudgetHit || bound.timeBudgetHit) {
    res.verdict = 'bound-exhausted';
  }
  res.timeMs = Date.now() - t0;
  res.summary = describeBound(res);
  return res;
}

/** Replay a schedule; null if some step is not enabled. */
export function replayPath(cs: CompiledScenario, lim: Limits, path: Transition[]): SimState | null {
  const stats: StepStats = { inlineSkips: 0 };
  let s = initialState(cs, lim, stats);
  for (const tr of path) {
    if (!enabledOf(cs, lim, s, tr.t).some((e) => e.choice === tr.choice)) return null;
    s = step(cs, lim, stats, s, tr);
  }
  return s;
}

/**
 * Keep only the steps the stuck threads causally depend on: scanning
 * backwards, a step is kept if it belongs to a stuck thread, or to a thread,
 * or touches a lock, of a later kept step. Independent steps commute, so the
 * kept subsequence is still a schedule; it is re-validated by replay and used
 * only if it still ends in a deadlock.
 */
function shortenToCausalCore(cs: CompiledScenario, lim: Limits, path: Transition[], stuck: Stuck): Transition[] {
  const stats: StepStats = { inlineSkips: 0 };
  const locks: number[] = [];
  let s = initialState(cs, lim, stats);
  for (const tr of path) {
    locks.push(nextLock(cs, s, tr.t));
    s = step(cs, lim, stats, s, tr);
  }
  const threads = new Set<number>(stuck.threads);
  for (const e of stuck.edges) threads.add(e.to);
  const lockSet = new Set<number>();
  const keep = new Array<boolean>(path.length).fill(false);
  for (let i = path.length - 1; i >= 0; i--) {
    if (threads.has(path[i].t) || (locks[i] >= 0 && lockSet.has(locks[i]))) {
      keep[i] = true;
      threads.add(path[i].t);
      if (locks[i] >= 0) lockSet.add(locks[i]);
    }
  }
  const core = path.filter((_, i) => keep[i]);
  if (core.length === path.length) return path;
  const end = replayPath(cs, lim, core);
  return end && findStuck(cs, end) ? core : path;
}

/**
 * Re-run a schedule (e.g. `ExploreResult.schedule`, possibly a prefix of it)
 * and return its witness steps plus the deadlock cycle it ends in, if any.
 */
export function replaySchedule(
  scenario: Scenario,
  schedule: Array<{ thread: string; choice: number }>,
  opts: ExploreOptions = {},
): { witness: WitnessStep[]; cycle?: CycleEdge[]; hang?: 'cycle' | 'leaked-lock' } {
  const cs = compileScenario(scenario);
  const lim = limitsOf(opts);
  const path: Transition[] = schedule.map((s) => {
    const t = cs.threads.findIndex((th) => th.name === s.thread);
    if (t < 0) throw new Error(`sim: unknown thread ${s.thread} in schedule`);
    return { t, choice: s.choice };
  });
  if (!replayPath(cs, lim, path)) throw new Error('sim: schedule is not executable');
  const { steps, stuck } = recordWitness(cs, lim, path);
  return stuck ? { witness: steps, cycle: cycleOf(cs, stuck), hang: stuck.kind } : { witness: steps };
}
