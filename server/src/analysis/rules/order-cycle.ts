// order-cycle: two code paths in the analysed files take two classes in
// opposite orders (ABBA), or a longer cycle of classes. Follows lockdep's
// strong-path rule for readers: a recursive-read acquisition (rcu,
// read_lock) followed by a shared hold does not close a deadlock.
// Edges that violate the declared order are reported by order-violation.
import type { Finding } from '../diagnostic';
import type { FnEvents, AcqEvent, HeldLite } from '../events';
import type { Pos } from '../ir';
import { sameBase, WorkspaceFacts, wsFinding } from './facts';

export interface ObservedEdge {
  from: string; to: string;
  heldMode: string; acqMode: string;
  ev: FnEvents; acq: AcqEvent; held: HeldLite;
}

/** Blocking edges held-class -> acquired-class observed in the workspace, one example per (from, to). */
export function observedEdges(facts: WorkspaceFacts): Map<string, ObservedEdge> {
  const edges = new Map<string, ObservedEdge>();
  for (const ev of facts.events) {
    for (const a of ev.acquires) {
      if (a.try) continue;
      for (const h of a.held) {
        if (sameBase(h.cls, a.cls) || h.demotable) continue;
        if (h.kind === 'preempt' || h.kind === 'irq' || a.kind === 'rcu' || a.kind === 'preempt' || a.kind === 'irq') continue;
        // glocks are cluster locks ordered by lock number within a level (gfs2-glocks.rst), not by class
        if (h.kind === 'glock' && a.kind === 'glock') continue;
        // folio locks and bit locks are per-object bits lockdep does not track: a class-level cycle means nothing
        if (h.kind === 'folio' || a.kind === 'folio' || h.kind === 'bitlock' || a.kind === 'bitlock') continue;
        const key = `${h.cls}\u0000${a.cls}`;
        const prev = edges.get(key);
        // keep one example: prefer exclusive modes (they make the strongest edge)
        if (!prev || (prev.acqMode !== 'W' && a.mode === 'W')) edges.set(key, { from: h.cls, to: a.cls, heldMode: h.mode, acqMode: a.mode, ev, acq: a, held: h });
      }
    }
  }
  return edges;
}

const shared = (m: string): boolean => m === 'R' || m === 'RR' || m === 'SH' || m === 'DF';

/** lockdep: a closed path is a deadlock unless a -(xR)-> edge is followed by an -(Sx)-> edge. */
function strong(cycle: ObservedEdge[]): boolean {
  for (let i = 0; i < cycle.length; i++) {
    const e = cycle[i];
    const next = cycle[(i + 1) % cycle.length];
    if (e.acqMode === 'RR' && shared(next.heldMode)) return false;
  }
  return true;
}

export function findCycles(facts: WorkspaceFacts, edges: Map<string, ObservedEdge>): ObservedEdge[][] {
  const adj = new Map<string, ObservedEdge[]>();
  for (const e of edges.values()) {
    if (facts.declared.before(e.to, e.from)) continue; // a declared-order violation, reported as such
    const l = adj.get(e.from);
    if (l) l.push(e); else adj.set(e.from, [e]);
  }
  for (const l of adj.values()) l.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
  const cycles: ObservedEdge[][] = [];
  const reported = new Set<string>();
  const nodes = [...adj.keys()].sort();
  // shortest cycle through each node (BFS), deduplicated by its class set
  for (const start of nodes) {
    const prev = new Map<string, ObservedEdge>();
    const queue = [start];
    const seen = new Set([start]);
    let closing: ObservedEdge | undefined;
    while (queue.length && !closing) {
      const x = queue.shift()!;
      for (const e of adj.get(x) ?? []) {
        if (e.to === start) { closing = e; break; }
        if (seen.has(e.to)) continue;
        seen.add(e.to);
        prev.set(e.to, e);
        queue.push(e.to);
      }
    }
    if (!closing) continue;
    const cyc: ObservedEdge[] = [closing];
    let cur = closing.from;
    while (cur !== start) { const e = prev.get(cur)!; cyc.unshift(e); cur = e.from; }
    const key = cyc.map((e) => e.from).sort().join('|');
    if (reported.has(key) || !strong(cyc)) continue;
    reported.add(key);
    cycles.push(cyc);
  }
  return cycles;
}

function site(e: ObservedEdge): { file: string; pos: Pos } {
  return { file: e.ev.file, pos: e.acq.pos };
}

export function checkOrderCycle(facts: WorkspaceFacts): Finding[] {
  const out: Finding[] = [];
  for (const cyc of findCycles(facts, observedEdges(facts))) {
    // report at the earliest site (file, line) so the output is deterministic
    const sorted = [...cyc].sort((a, b) => (site(a).file < site(b).file ? -1 : site(a).file > site(b).file ? 1 : site(a).pos.line - site(b).pos.line));
    const here = sorted[0];
    const others = cyc.filter((e) => e !== here);
    const desc = (e: ObservedEdge): string => `${e.ev.fn}() takes ${e.to}${e.acq.chain.length ? ` (via ${e.acq.chain.join(' → ')})` : ''} while holding ${e.from} (${e.ev.file}:${e.acq.pos.line + 1})`;
    const ring = [...cyc.map((e) => e.from), cyc[0].from].join(' → ');
    const msg = cyc.length === 2
      ? `ABBA deadlock: ${desc(here)}, but ${desc(others[0])}. Two tasks running these paths can each hold one lock and wait for the other. Pick one order (add it with /* lockorder: ${here.from} -> ${here.to} */ or in .lockorder) and fix the other path.`
      : `lock-order cycle ${ring}: ${cyc.map(desc).join('; ')}. Tasks running these paths concurrently can deadlock; pick one order and fix the path that breaks it.`;
    const f = wsFinding(here.ev, 'order-cycle', here.acq.pos, msg, [
      { file: here.ev.file, pos: here.held.site, message: `${here.from} taken here` },
      ...others.flatMap((e) => [
        { file: e.ev.file, pos: e.acq.pos, message: `${e.ev.fn}() takes ${e.to} here while holding ${e.from}` },
        { file: e.ev.file, pos: e.held.site, message: `${e.from} taken here` },
      ]),
    ]);
    f.simHint = { partners: others.map((e) => ({ fn: e.ev.fn, file: e.ev.file })) };
    out.push(f);
  }
  return out;
}
