/**
 * Deadlock detection on a single state.
 *
 * A waiting thread is *permanently stuck* when one of the things it waits for
 * can never go away: a holder or queued waiter that is itself permanently
 * stuck, or (with `leakedLockIsDeadlock`) a holder that has finished. The
 * stuck set is the greatest fixpoint of that rule, so wait-for cycles
 * (including a thread waiting on itself) are stuck, while a thread waiting on
 * a running, finished-helper or bound-cut thread is not. A stuck set, once
 * present, persists in every successor state, so reporting it at the first
 * state where it appears is the same verdict as reporting it at a final state.
 */
import { CompiledScenario } from './compile';
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

export interface Stuck {
  kind: 'cycle' | 'leaked-lock';
  /** The wait-for cycle (last edge returns to the first thread), or the chain ending at a finished holder. */
  edges: WaitEdge[];
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

export function findStuck(cs: CompiledScenario, s: SimState): Stuck | null {
  const n = s.threads.length;
  if (!s.threads.some((th) => th.status === 'wait')) return null;
  const edges: WaitEdge[][] = [];
  for (let t = 0; t < n; t++) edges.push(waitEdges(cs, s, t));
  const permanentDone = (t: number): boolean => cs.leakHangs && s.threads[t].status === 'done';
  const inS = s.threads.map((th) => th.status === 'wait');
  for (let changed = true; changed; ) {
    changed = false;
    for (let t = 0; t < n; t++) {
      if (inS[t] && !edges[t].some((e) => inS[e.to] || permanentDone(e.to))) {
        inS[t] = false;
        changed = true;
      }
    }
  }
  const stuck: number[] = [];
  for (let t = 0; t < n; t++) if (inS[t]) stuck.push(t);
  if (stuck.length === 0) return null;

  // Prefer a cycle: DFS over edges inside the stuck set, threads in index order.
  for (const start of stuck) {
    const cyc = cycleFrom(start, edges, inS);
    if (cyc) return { kind: 'cycle', edges: cyc, threads: stuck };
  }
  // Otherwise a chain to a finished holder.
  const chain: WaitEdge[] = [];
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

function cycleFrom(start: number, edges: WaitEdge[][], inS: boolean[]): WaitEdge[] | null {
  const path: WaitEdge[] = [];
  const onPath = new Map<number, number>(); // thread → index in path where it departs
  const visited = new Set<number>();
  const dfs = (t: number): WaitEdge[] | null => {
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
