/**
 * Explorer result types and witness construction (replay of a schedule with
 * event recording).
 */
import { CompiledScenario } from './compile';
import { findStuck, OffCpu, Stuck } from './deadlock';
import { SourcePos } from './program';
import { Transition } from './state';
import { initialState, Limits, SimEvent, step, StepStats } from './step';

export interface ExploreOptions {
  /** Max visits of any loop header per activation (default 2). */
  loopBound?: number;
  /** Max nested inline calls; the synthetic fault path does not count (default 3). */
  maxInlineDepth?: number;
  /** Max transitions per execution (default 1000). */
  maxSteps?: number;
  /** Total distinct-state budget (default 200000). */
  maxStates?: number;
  /** Wall-clock budget in ms (default 5000). */
  timeBudgetMs?: number;
}

export interface ResultBound {
  maxSteps: number;
  maxStates: number;
  timeBudgetMs: number;
  loopBound: number;
  maxInlineDepth: number;
  /** Some execution was cut at maxSteps. */
  stepBoundHit: boolean;
  /** Some thread was stopped by the loop bound. */
  loopBoundHit: boolean;
  /** Some call was skipped because of the inline depth. */
  inlineBoundHit: boolean;
  stateBudgetHit: boolean;
  timeBudgetHit: boolean;
}

export interface WitnessStep {
  /** 1-based, consecutive. */
  step: number;
  thread: string;
  /**
   * 'acquire' | 'wait' | 'trylock-fail' | 'release' | 'release-unheld' | 'demoted' |
   * 'allow_demote' | 'disallow_demote' | 'holder_queued' | 'fault' | 'fault-suppressed' |
   * 'fault_in' | 'pagefault_disable' | 'pagefault_enable' | 'nofault_set' | 'nofault_clear' |
   * 'call' | 'call-skipped' | 'branch' | 'exit' | 'cut' |
   * 'sleep' (a spinning-lock holder leaves its CPU) | 'wake' (back on a CPU)
   */
  op: string;
  /** Lock id. */
  lock?: string;
  mode?: string;
  /** Source position: the node's own, else the nearest caller's (e.g. the faulting copy for fault-path steps). */
  pos?: SourcePos;
  text?: string;
  /** Program (function) executing the step; synthetic fault paths are named "<fault FILE>". */
  fn?: string;
  note?: string;
}

export interface CycleEdge {
  thread: string;
  /** Lock id waited for; "CPU" for a thread kept off every CPU (`via: 'cpu'`). */
  waitsFor: string;
  /** Mode requested ("run" for a CPU). */
  mode: string;
  /**
   * The thread in the way: a holder, or a waiter queued ahead (e.g. a writer, for
   * rwsem writer preference), or a thread owning a CPU with preemption off.
   */
  heldBy: string;
  /** Mode held (or requested, when queued); for a CPU owner, "spinning on LOCK" or "atomic". */
  heldMode: string;
  via: 'holder' | 'queued-waiter' | 'cpu';
  /** via 'cpu': the kernel-level story. */
  cpu?: CpuWait;
}

export interface CpuWait {
  /** Number of CPUs in the scenario. */
  cpus: number;
  /** Every thread owning a CPU (all are stuck), with the lock id it spins on, if spinning. */
  occupiedBy: Array<{ thread: string; spinsOn?: string }>;
  /** Why the thread left its CPU: "sleeps in copy_to_user()", "sleeps waiting for LOCK", "is preempted". */
  offCpu: string;
  /** Spinning-lock ids the thread holds while off its CPU. */
  holding: string[];
}

export interface ExploreResult {
  verdict: 'deadlock' | 'no-deadlock' | 'bound-exhausted';
  /** Distinct states visited. */
  states: number;
  /** Transitions executed. */
  transitions: number;
  bound: ResultBound;
  /** Number of scheduling decisions in the witness schedule. */
  steps?: number;
  witness?: WitnessStep[];
  /** The schedule (thread, branch choice) reproducing the witness; feed to `replaySchedule`. */
  schedule?: Array<{ thread: string; choice: number }>;
  /** 'cycle': wait-for cycle; 'leaked-lock': waits on a finished thread's lock (leakedLockIsDeadlock). */
  hang?: 'cycle' | 'leaked-lock';
  cycle?: CycleEdge[];
  timeMs: number;
  reduction: 'persistent-sets' | 'none';
  /** One line, e.g. "deadlock in 4 steps (12 states)" or "no deadlock within bound ... (M states)". */
  summary: string;
}

export function buildWitness(cs: CompiledScenario, lim: Limits, path: Transition[]): { steps: WitnessStep[]; stuck: Stuck } {
  const { steps, stuck } = recordWitness(cs, lim, path);
  if (!stuck) throw new Error('sim: witness replay does not end in a deadlock');
  return { steps, stuck };
}

/** Replay `path` recording events; also reports the stuck set of the final state. */
export function recordWitness(cs: CompiledScenario, lim: Limits, path: Transition[]): { steps: WitnessStep[]; stuck: Stuck | null } {
  const events: SimEvent[] = [];
  const rec = (e: SimEvent): void => {
    events.push(e);
  };
  const stats: StepStats = { inlineSkips: 0 };
  let s = initialState(cs, lim, stats, rec);
  const initialEvents = events.length;
  for (const tr of path) s = step(cs, lim, stats, s, tr, rec);
  const stuck = findStuck(cs, s);
  // Events of the initial settle only for threads that take part in the schedule or the deadlock.
  const involved = new Set<number>(path.map((tr) => tr.t));
  if (stuck) for (const e of stuck.edges) involved.add(e.from).add(e.to);
  const steps = events
    // Branch steps are shown only where the path taken has source text.
    .filter((e, i) => (e.op !== 'branch' || e.text !== undefined) && (i >= initialEvents || involved.has(e.t)))
    .map((e, i): WitnessStep => {
      const w: WitnessStep = { step: i + 1, thread: cs.threads[e.t].name, op: e.op };
      if (e.lock !== undefined) w.lock = cs.locks[e.lock].id;
      if (e.mode !== undefined) w.mode = e.mode;
      if (e.pos) w.pos = e.pos;
      if (e.text !== undefined) w.text = e.text;
      if (e.fn !== undefined) w.fn = e.fn;
      if (e.note !== undefined) w.note = e.note;
      return w;
    });
  return { steps, stuck };
}

/** "copy_to_user" → "copy_to_user()"; labels that are not plain identifiers stay as they are. */
function callName(label: string): string {
  return /^[A-Za-z_]\w*$/.test(label) ? `${label}()` : label;
}

function describeOffCpu(cs: CompiledScenario, o: OffCpu): string {
  switch (o.kind) {
    case 'sleep':
      if (o.op === 'sleep') return o.label ? `sleeps in ${callName(o.label)}` : 'sleeps';
      if (/^[A-Za-z_]\w*$/.test(o.label) || o.label.includes('(')) return `sleeps in ${callName(o.label)}`;
      return `sleeps in a page fault (${o.label})`;
    case 'wait':
      return `sleeps waiting for ${cs.locks[o.lock].id}`;
    default:
      return 'is preempted';
  }
}

export function cycleOf(cs: CompiledScenario, st: Stuck): CycleEdge[] {
  return st.edges.map((e): CycleEdge => {
    if (e.via === 'cpu') {
      const occ = e.occupants.find((o) => o.t === e.to);
      return {
        thread: cs.threads[e.from].name,
        waitsFor: 'CPU',
        mode: 'run',
        heldBy: cs.threads[e.to].name,
        heldMode: occ && occ.spinsOn >= 0 ? `spinning on ${cs.locks[occ.spinsOn].id}` : 'atomic',
        via: 'cpu',
        cpu: {
          cpus: e.cpus,
          occupiedBy: e.occupants.map((o) => (o.spinsOn >= 0 ? { thread: cs.threads[o.t].name, spinsOn: cs.locks[o.spinsOn].id } : { thread: cs.threads[o.t].name })),
          offCpu: describeOffCpu(cs, e.offCpu),
          holding: e.holding.map((L) => cs.locks[L].id),
        },
      };
    }
    return {
      thread: cs.threads[e.from].name,
      waitsFor: cs.locks[e.lock].id,
      mode: e.mode,
      heldBy: cs.threads[e.to].name,
      heldMode: e.toMode,
      via: e.via === 'holder' ? 'holder' : 'queued-waiter',
    };
  });
}

export function describeBound(r: ExploreResult): string {
  const b = r.bound;
  if (r.verdict === 'deadlock') {
    const what = r.hang === 'leaked-lock' ? 'hang (lock held by a finished thread)' : 'deadlock';
    return `${what} in ${r.steps} steps (${r.states} states)`;
  }
  if (r.verdict === 'bound-exhausted') {
    const why = b.timeBudgetHit ? `time budget ${b.timeBudgetMs} ms` : `state budget ${b.maxStates}`;
    return `no deadlock found before the ${why} ran out (${r.states} states, search incomplete)`;
  }
  const limits: string[] = [];
  if (b.stepBoundHit) limits.push(`${b.maxSteps} steps`);
  if (b.loopBoundHit) limits.push(`loop bound ${b.loopBound}`);
  if (b.inlineBoundHit) limits.push(`inline depth ${b.maxInlineDepth}`);
  if (limits.length === 0) return `no deadlock (exhaustive, ${r.states} states)`;
  return `no deadlock within bound ${limits.join(', ')} (${r.states} states)`;
}
