/**
 * Deadlock detection on a single state.
 *
 * A blocked thread is *permanently stuck* when what it waits for can never
 * come:
 * - a lock waiter: one of the things it waits for can never go away — a
 *   holder or queued waiter that is itself permanently stuck, or (with
 *   `leakedLockIsDeadlock`) a holder that has finished;
 * - a thread kept off a CPU (finite CPUs, every CPU owned by a spinner or a
 *   spinning-lock holder, see cpu.ts): *every* CPU owner is permanently stuck
 *   (any one of them moving on would free a CPU).
 * The stuck set is the greatest fixpoint of these rules, so wait-for cycles
 * (including a thread waiting on itself, and "T1 spins on S held by T0, T0
 * sleeps and cannot get a CPU back") are stuck, while a thread waiting on a
 * running, finished-helper or bound-cut thread is not. A stuck set, once
 * present, persists in every successor state, so reporting it at the first
 * state where it appears is the same verdict as reporting it at a final state.
 */
import { CompiledScenario } from './compile';
import { cpuBlocked, cpuView, CpuView } from './cpu';
import { LockMode } from './program';
import { blockersOf } from './semantics';
import { SimState } from './state';

export interface WaitEdge {
  from: number;
  lock: number;
  mode: LockMode;
  to: number;
  toMode: LockMode;
  via: 'holder' | 'queued';
}

/** Why a thread is off its CPU. */
export type OffCpu =
  | { kind: 'sleep'; op: 'sleep' | 'fault' | 'fault_in'; label: string }
  | { kind: 'wait'; lock: number }
  | { kind: 'run' };

/** `from` needs a CPU; every CPU is owned by `occupants` (among them `to`). */
export interface CpuEdge {
  from: number;
  to: number;
  via: 'cpu';
  offCpu: OffCpu;
  /** Spinning locks `from` holds while off its CPU. */
  holding: number[];
  /** Every CPU owner, with the lock it spins on (-1: running with a spinning lock held). */
  occupants: Array<{ t: number; spinsOn: number }>;
  cpus: number;
}

export type StuckEdge = WaitEdge | CpuEdge;

export interface Stuck {
  kind: 'cycle' | 'leaked-lock';
  /** The wait-for cycle (last edge returns to the first thread), or the chain ending at a finished holder. */
  edges: StuckEdge[];
  /** All permanently stuck threads, ascending. */
  threads: number[];
}

export function waitEdges(cs: CompiledScenario, s: SimState, t: number): WaitEdge[] {
  const th = s.threads[t];
  if (th.status !== 'wait') return [];
  const L = th.waitLock;
  const ls = s.locks[L];
  const mode = th.waitMode as LockMode;
  const pos = ls.queue.findIndex((w) => w.t === t);
  return blockersOf(cs.locks[L], ls, t, mode, pos).map((b) => ({ from: t, lock: L, mode, to: b.t, toMode: b.mode, via: b.via }));
}

function offCpuOf(cs: CompiledScenario, s: SimState, t: number): OffCpu {
  const th = s.threads[t];
  if (th.status === 'wait') return { kind: 'wait', lock: th.waitLock };
  if (th.status === 'sleep') {
    const f = th.frames[th.frames.length - 1];
    const op = cs.programs[f.prog].nodes[f.node].op;
    if (op && (op.k === 'sleep' || op.k === 'fault' || op.k === 'fault_in')) return { kind: 'sleep', op: op.k, label: op.label };
  }
  return { kind: 'run' };
}

function cpuEdges(cs: CompiledScenario, s: SimState, v: CpuView, t: number): CpuEdge[] {
  const occupants: CpuEdge['occupants'] = [];
  v.pinned.forEach((p, o) => {
    if (p) occupants.push({ t: o, spinsOn: s.threads[o].status === 'wait' ? s.threads[o].waitLock : -1 });
  });
  const holding = cs.spinLocks.filter((L) => s.locks[L].holders.some((h) => h.t === t));
  const offCpu = offCpuOf(cs, s, t);
  return occupants.map((o) => ({ from: t, to: o.t, via: 'cpu' as const, offCpu, holding, occupants, cpus: cs.cpus }));
}

export function findStuck(cs: CompiledScenario, s: SimState): Stuck | null {
  const n = s.threads.length;
  const v = cs.cpuLimited ? cpuView(cs, s) : null;
  const offCpu = (t: number): boolean => v !== null && cpuBlocked(cs, s, v, t);
  const inS = s.threads.map((th, t) => th.status === 'wait' || offCpu(t));
  if (!inS.some((x) => x)) return null;
  const edges: StuckEdge[][] = [];
  for (let t = 0; t < n; t++) edges.push(waitEdges(cs, s, t));
  const permanentDone = (t: number): boolean => cs.leakHangs && s.threads[t].status === 'done';
  const lockStuck = (t: number): boolean => edges[t].some((e) => inS[e.to] || permanentDone(e.to));
  const cpuStuck = (t: number): boolean => offCpu(t) && (v as CpuView).pinned.every((p, o) => !p || inS[o]);
  for (let changed = true; changed; ) {
    changed = false;
    for (let t = 0; t < n; t++) {
      if (inS[t] && !lockStuck(t) && !cpuStuck(t)) {
        inS[t] = false;
        changed = true;
      }
    }
  }
  const stuck: number[] = [];
  for (let t = 0; t < n; t++) if (inS[t]) stuck.push(t);
  if (stuck.length === 0) return null;
  // CPU edges count only where the CPU is a reason the thread is stuck (all owners stuck).
  if (v) for (const t of stuck) if (cpuStuck(t)) edges[t].push(...cpuEdges(cs, s, v, t));

  // Prefer a cycle: DFS over edges inside the stuck set, threads in index order.
  for (const start of stuck) {
    const cyc = cycleFrom(start, edges, inS);
    if (cyc) return { kind: 'cycle', edges: cyc, threads: stuck };
  }
  // Otherwise a chain to a finished holder.
  const chain: StuckEdge[] = [];
  const seen = new Set<number>();
  let cur = stuck[0];
  while (!seen.has(cur)) {
    seen.add(cur);
    const e = edges[cur].find((x) => permanentDone(x.to)) ?? edges[cur].find((x) => inS[x.to]);
    if (!e) break;
    chain.push(e);
    if (permanentDone(e.to)) break;
    cur = e.to;
  }
  return { kind: 'leaked-lock', edges: chain, threads: stuck };
}

function cycleFrom(start: number, edges: StuckEdge[][], inS: boolean[]): StuckEdge[] | null {
  const path: StuckEdge[] = [];
  const onPath = new Map<number, number>(); // thread → index in path where it departs
  const visited = new Set<number>();
  const dfs = (t: number): StuckEdge[] | null => {
    onPath.set(t, path.length);
    visited.add(t);
    for (const e of edges[t]) {
      if (!inS[e.to]) continue;
      path.push(e);
      if (onPath.has(e.to)) return path.slice(onPath.get(e.to));
      if (!visited.has(e.to)) {
        const r = dfs(e.to);
        if (r) return r;
      }
      path.pop();
    }
    onPath.delete(t);
    return null;
  };
  return dfs(start);
}
