// Cross-check: run the simulator on the static findings that claim a deadlock
// (order-*, fault-while-locked, sleep-in-atomic) and record its verdict on
// each: "confirmed" with the witness, or "not-reproduced" (kept, but marked,
// so the disagreement is visible). Bounded per finding and per run.
import type { Finding } from '../analysis/diagnostic';
import type { Workspace } from '../analysis/workspace';
import { simulate, ScenarioKind, SimRequest } from './scenarios';

export const CROSS_CHECKED_RULES: ReadonlySet<string> = new Set(['order-violation', 'order-cycle', 'fault-while-locked', 'sleep-in-atomic']);

export interface CrossCheckOptions {
  /** at most this many findings are simulated per run; the rest stay "not-run" */
  maxFindings?: number;
  /** wall-clock budget for the whole cross-check of one run; later findings stay "not-run" and say so */
  totalBudgetMs?: number;
  /** per scenario */
  timeBudgetMs?: number;
  maxStates?: number;
}

function scenarioFor(f: Finding): ScenarioKind {
  if (f.rule === 'order-cycle') return 'partner';
  if (f.rule === 'order-violation') return 'declared';
  // sleeping in atomic context hangs when a spinner takes the CPU the sleeper needs back
  if (f.rule === 'sleep-in-atomic') return 'cpu';
  return 'auto';
}

/** The simulation request the cross-check makes for a finding (the benchmark replays them). */
export function requestFor(f: Finding, opts: CrossCheckOptions = {}): SimRequest {
  return {
    file: f.file, fn: f.function as string, scenario: scenarioFor(f),
    partners: f.simHint?.partners, declared: f.simHint?.declared,
    options: { timeBudgetMs: opts.timeBudgetMs ?? 1500, maxStates: opts.maxStates ?? 60_000 },
  };
}

export function crossCheck(ws: Workspace, findings: Finding[], opts: CrossCheckOptions = {}): { simulated: number; confirmed: number } {
  const max = opts.maxFindings ?? 200;
  const deadline = Date.now() + (opts.totalBudgetMs ?? 60_000);
  let simulated = 0;
  let confirmed = 0;
  const memo = new Map<string, ReturnType<typeof simulate>>();
  for (const f of findings) {
    if (!CROSS_CHECKED_RULES.has(f.rule) || !f.function) continue;
    if (simulated >= max) { f.simulationDetail = `not simulated: over the per-run limit of ${max} simulations`; continue; }
    if (Date.now() > deadline) { f.simulationDetail = `not simulated: the run's simulation time budget (${Math.round((opts.totalBudgetMs ?? 60_000) / 1000)} s) is used up`; continue; }
    const req = requestFor(f, opts);
    const key = JSON.stringify(req);
    req.deadline = deadline;
    let out = memo.get(key);
    if (!out) {
      try { out = simulate(ws, req); } catch (e) { f.simulationDetail = `not simulated: ${(e as Error).message}`; continue; }
      memo.set(key, out);
      simulated++;
    }
    if (out.verdict === 'deadlock' && out.result) {
      f.simulation = 'confirmed';
      f.simulationDetail = `deadlock in ${out.result.steps ?? out.result.witness?.length ?? '?'} steps (${out.title})`;
      f.witness = out.timeline;
      confirmed++;
    } else if (out.verdict === 'not-run') {
      f.simulation = 'not-run';
      f.simulationDetail = `not simulated: ${out.reason ?? 'no scenario'}`;
    } else {
      f.simulation = 'not-reproduced';
      const states = out.tried.reduce((n, t) => n + t.states, 0);
      f.simulationDetail = out.verdict === 'bound-exhausted'
        ? `not reproduced: search bound hit (${states} states over ${out.tried.length} scenarios)`
        : `not reproduced: no deadlock in ${out.tried.length} scenario${out.tried.length === 1 ? '' : 's'} (${states} states)`;
    }
  }
  return { simulated, confirmed };
}
