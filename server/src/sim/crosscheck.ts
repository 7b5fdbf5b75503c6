// Cross-check: run the simulator on the static findings that claim a deadlock
// (order-*, fault-while-locked, sleep-in-atomic) and record its verdict on
// each: "confirmed" with the witness, or "not-reproduced" (kept, but marked,
// so the disagreement is visible). Bounded per finding and per run: one
// wall-clock deadline for the run reaches every loop of the simulation
// (program building and minimisation, scenario building, exploring); once it
// has passed, the remaining findings stay "not-run" and say why, and
// crossCheckNote() says how many. The static findings are never dropped.
import type { Finding } from '../analysis/diagnostic';
import type { Workspace } from '../analysis/workspace';
import { SIM_TIME_UP } from './fromEngine';
import { ProgramCache, simulate, ScenarioKind, SimRequest } from './scenarios';
import { aborted } from './clock';

export const CROSS_CHECKED_RULES: ReadonlySet<string> = new Set(['order-violation', 'order-cycle', 'fault-while-locked', 'sleep-in-atomic']);

/** Defaults of crossCheck(): per-run limits. */
export const CROSS_CHECK_MAX_FINDINGS = 200;
export const CROSS_CHECK_BUDGET_MS = 60_000;

/** simulationDetail of a finding left unsimulated because the run's time budget was used up (prefix). */
export const OUT_OF_TIME = "not simulated: the run's simulation time budget";
/** simulationDetail of a finding left unsimulated because of the per-run limit on simulations (prefix). */
export const OVER_LIMIT = 'not simulated: over the per-run limit';

export interface CrossCheckOptions {
  /** at most this many findings are simulated per run; the rest stay "not-run" */
  maxFindings?: number;
  /** wall-clock budget for the whole cross-check of one run; later findings stay "not-run" and say so (0: none is simulated) */
  totalBudgetMs?: number;
  /** per scenario */
  timeBudgetMs?: number;
  maxStates?: number;
}

export interface CrossCheckResult {
  /** findings the cross-check applies to */
  candidates: number;
  /** distinct simulations run (findings asking the same question share one) */
  simulated: number;
  confirmed: number;
  /** candidates left "not-run" because the run's time budget was used up before their turn */
  outOfTime: number;
  /** candidates left "not-run" because of the per-run limit on simulations */
  overLimit: number;
  /** the time budget ran out (some finding was not simulated, or not completely) */
  budgetExhausted: boolean;
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

function isCandidate(f: Finding): boolean {
  return CROSS_CHECKED_RULES.has(f.rule) && !!f.function;
}

export function crossCheck(ws: Workspace, findings: Finding[], opts: CrossCheckOptions = {}): CrossCheckResult {
  const max = opts.maxFindings ?? CROSS_CHECK_MAX_FINDINGS;
  const budgetMs = opts.totalBudgetMs ?? CROSS_CHECK_BUDGET_MS;
  const deadline = Date.now() + budgetMs;
  const late = (): boolean => aborted() || Date.now() >= deadline;
  const res: CrossCheckResult = { candidates: 0, simulated: 0, confirmed: 0, outOfTime: 0, overLimit: 0, budgetExhausted: false };
  const memo = new Map<string, ReturnType<typeof simulate>>();
  // programs (fault handlers, partners) are shared by the findings of one run
  const programs: ProgramCache = new Map();
  for (const f of findings) {
    if (!isCandidate(f)) continue;
    res.candidates++;
    const req = requestFor(f, opts);
    const key = JSON.stringify(req);
    let out = memo.get(key);
    if (!out) {
      if (late()) {
        f.simulation = 'not-run';
        f.simulationDetail = `${OUT_OF_TIME} (${Math.round(budgetMs / 1000)} s) is used up`;
        res.outOfTime++;
        res.budgetExhausted = true;
        continue;
      }
      if (res.simulated >= max) {
        f.simulation = 'not-run';
        f.simulationDetail = `${OVER_LIMIT} of ${max} simulations`;
        res.overLimit++;
        continue;
      }
      req.deadline = deadline;
      try { out = simulate(ws, req, programs); } catch (e) { f.simulationDetail = `not simulated: ${(e as Error).message}`; continue; }
      memo.set(key, out);
      res.simulated++;
    }
    // the run's deadline passed while this request was simulated: some scenario was left out or cut short
    const cut = out.tried.some((t) => t.verdict === 'not-built' && t.summary.includes(SIM_TIME_UP)) || (out.verdict === 'bound-exhausted' && late());
    if (out.verdict === 'deadlock' && out.result) {
      f.simulation = 'confirmed';
      f.simulationDetail = `deadlock in ${out.result.steps ?? out.result.witness?.length ?? '?'} steps (${out.title})`;
      f.witness = out.timeline;
      res.confirmed++;
    } else if (out.verdict === 'not-run') {
      f.simulation = 'not-run';
      if (out.reason?.includes(SIM_TIME_UP)) {
        f.simulationDetail = `${OUT_OF_TIME} (${Math.round(budgetMs / 1000)} s) is used up`;
        res.outOfTime++;
        res.budgetExhausted = true;
      } else {
        f.simulationDetail = `not simulated: ${out.reason ?? 'no scenario'}`;
      }
    } else {
      f.simulation = 'not-reproduced';
      const states = out.tried.reduce((n, t) => n + t.states, 0);
      if (cut) res.budgetExhausted = true;
      f.simulationDetail = out.verdict === 'bound-exhausted'
        ? `not reproduced: search bound hit (${states} states over ${out.tried.length} scenarios${cut ? "; the run's simulation time budget ran out during the search" : ''})`
        : `not reproduced: no deadlock in ${out.tried.length} scenario${out.tried.length === 1 ? '' : 's'} (${states} states)`;
    }
  }
  return res;
}

/**
 * One line for the user when the cross-check did not simulate every finding
 * it applies to (time budget or per-run limit), computed from the findings'
 * verdicts so that a run replayed from the cache says it too; undefined when
 * nothing was left out.
 */
export function crossCheckNote(findings: readonly Finding[]): string | undefined {
  let candidates = 0;
  let confirmed = 0;
  let reproducedNot = 0;
  let outOfTime = 0;
  let overLimit = 0;
  let budget: string | undefined;
  for (const f of findings) {
    if (!isCandidate(f)) continue;
    candidates++;
    if (f.simulation === 'confirmed') confirmed++;
    else if (f.simulation === 'not-reproduced') reproducedNot++;
    else if (f.simulationDetail?.startsWith(OUT_OF_TIME)) {
      outOfTime++;
      budget ??= /\((\d+ s)\)/.exec(f.simulationDetail)?.[1];
    } else if (f.simulationDetail?.startsWith(OVER_LIMIT)) overLimit++;
  }
  if (outOfTime === 0 && overLimit === 0) return undefined;
  const why = [
    outOfTime > 0 ? `${outOfTime} not simulated because the cross-check's time budget${budget ? ` (${budget})` : ''} was used up` : '',
    overLimit > 0 ? `${overLimit} over the per-run limit of simulations` : '',
  ].filter((s) => s.length > 0).join(', ');
  return `simulator cross-check incomplete: of ${candidates} finding${candidates === 1 ? '' : 's'} it applies to, ${confirmed} confirmed, ${reproducedNot} not reproduced, ${why}; those are reported unchanged with simulation "not-run"`;
}
