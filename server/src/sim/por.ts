/**
 * Partial-order reduction: static persistent sets (Godefroid, "Partial-Order
 * Methods for the Verification of Concurrent Systems", ch. 4, the
 * conflicting-transitions construction at thread granularity).
 *
 * Independence: a transition reads/writes its own thread's state and at most
 * one lock (see state.ts), so transitions of different threads touching
 * different locks (or none: branch choices) commute and cannot enable or
 * disable each other.
 *
 * Construction from a seed thread p: S = {p}; for every q in S whose next
 * transition touches lock L (enabled, or disabled because it waits on L), add
 * every other thread whose *future footprint* (locks reachable from any frame
 * of its stack, through calls and fault paths) contains L. Then no sequence of
 * transitions of threads outside S can touch a lock an S-transition touches,
 * nor enable a waiting S-thread, so the enabled transitions of S form a
 * persistent set. Persistent sets preserve every reachable deadlock (terminal)
 * state, and — because the deadlock's path can be permuted so that the
 * persistent transition moves to the front — with the same path length; a
 * visited-state cache is safe for deadlock detection (no ignoring problem).
 *
 * Among seeds we take the set with the fewest enabled transitions, ties to the
 * lowest seed index (deterministic).
 */
import { CompiledScenario, footprintHas } from './compile';
import { SimState, Transition } from './state';
import { nextLock } from './step';

function mayTouch(cs: CompiledScenario, s: SimState, r: number, lock: number): boolean {
  const th = s.threads[r];
  if (th.status === 'done' || th.status === 'cut') return false;
  for (const f of th.frames) if (footprintHas(cs, f.prog, f.node, lock)) return true;
  return false;
}

export function persistentSet(cs: CompiledScenario, s: SimState, enabled: Transition[][]): Transition[] {
  const n = s.threads.length;
  let total = 0;
  for (const e of enabled) total += e.length;
  let best: boolean[] | null = null;
  let bestCost = Infinity;
  for (let p = 0; p < n; p++) {
    if (enabled[p].length === 0) continue;
    const inS = new Array<boolean>(n).fill(false);
    inS[p] = true;
    const work = [p];
    let cost = enabled[p].length;
    while (work.length > 0 && cost < bestCost) {
      const q = work.pop() as number;
      const L = nextLock(cs, s, q);
      if (L < 0) continue;
      for (let r = 0; r < n; r++) {
        if (!inS[r] && mayTouch(cs, s, r, L)) {
          inS[r] = true;
          work.push(r);
          cost += enabled[r].length;
        }
      }
    }
    if (cost < bestCost) {
      bestCost = cost;
      best = inS;
      if (cost <= 1) break;
    }
  }
  if (!best || bestCost >= total) return enabled.flat();
  const out: Transition[] = [];
  for (let t = 0; t < n; t++) if (best[t]) out.push(...enabled[t]);
  return out;
}
