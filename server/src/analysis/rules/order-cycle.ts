// order-cycle: two code paths in the analysed files take two classes in
// opposite orders (ABBA), or a longer cycle of classes. Follows lockdep's
// strong-path rule for readers: a recursive-read acquisition (rcu,
// read_lock) followed by a shared hold does not close a deadlock.
// Edges that violate the declared order are reported by order-violation.
// Classes lockdep keeps per filesystem type (i_rwsem, invalidate_lock,
// sb_writers, ...: model/fsTypes.ts) are nodes per filesystem: btrfs's
// i_rwsem and f2fs's are two classes, and VFS or library code (generic)
// stands for every filesystem's. So are classes whose every instance is one
// mounted filesystem's (a journal's jbd2_handle, a dquot's dq_lock).
import type { Finding } from '../diagnostic';
import type { FnEvents, AcqEvent, HeldLite } from '../events';
import type { Pos } from '../ir';
import { fsClassPhrase } from '../../model/fsTypes';
import { sameBase, WorkspaceFacts, wsFinding } from './facts';
import type { KeptParts } from './index';

export interface ObservedEdge {
  from: string; to: string;
  /** the filesystem type of a per-type class (undefined: generic code, or a class lockdep keeps once) */
  fromFs?: string; toFs?: string;
  heldMode: string; acqMode: string;
  ev: FnEvents; acq: AcqEvent; held: HeldLite;
  /** a generic edge instantiated for one filesystem type (in the cycle search only), and the observed edge it instantiates */
  instantiated?: boolean;
  base?: ObservedEdge;
}

/** The node of a class in the order graph: one per filesystem type for per-type classes. */
export const nodeKey = (cls: string, fs: string | undefined): string => (fs ? `${cls}\u0001${fs}` : cls);

/** The key of the (from, to) node pair of an edge: one example is kept per pair. */
const pairKey = (from: string, fromFs: string | undefined, to: string, toFs: string | undefined): string => `${nodeKey(from, fromFs)}\u0000${nodeKey(to, toFs)}`;

/** Does `e` replace `kept` as its node pair's example? The first one seen, unless a later one is an exclusive acquisition (the strongest edge). */
const preferred = (kept: ObservedEdge | undefined, e: ObservedEdge): boolean => !kept || (kept.acqMode !== 'W' && e.acqMode === 'W');

/** Two per-type classes attributed to two different filesystems: not the same lockdep classes' order. */
export function crossFs(fromFs: string | undefined, toFs: string | undefined): boolean {
  return fromFs !== undefined && toFs !== undefined && fromFs !== toFs;
}

/** One function's blocking edges held-class -> acquired-class, each with its (from, to) node pair key. */
export function edgeCandidates(ev: FnEvents, facts: WorkspaceFacts): [string, ObservedEdge][] {
  const out: [string, ObservedEdge][] = [];
  const types = facts.fsTypes;
  for (const a of ev.acquires) {
    if (a.try) continue;
    const toFs = types.acquired(ev.file, a.cls, a.innerFile, a.inst);
    for (const h of a.held) {
      if (sameBase(h.cls, a.cls) || h.demotable) continue;
      if (h.kind === 'preempt' || h.kind === 'irq' || a.kind === 'rcu' || a.kind === 'preempt' || a.kind === 'irq') continue;
      // glocks are cluster locks ordered by lock number within a level (gfs2-glocks.rst), not by class
      if (h.kind === 'glock' && a.kind === 'glock') continue;
      // folio locks and bit locks are per-object bits lockdep does not track: a class-level cycle means nothing
      if (h.kind === 'folio' || a.kind === 'folio' || h.kind === 'bitlock' || a.kind === 'bitlock') continue;
      const fromFs = types.held(ev.file, h.cls, h.inst);
      out.push([pairKey(h.cls, fromFs, a.cls, toFs), { from: h.cls, to: a.cls, fromFs, toFs, heldMode: h.mode, acqMode: a.mode, ev, acq: a, held: h }]);
    }
  }
  return out;
}

/** The edges of every function's candidates, in order: one example per (from, to) node pair, preferring an exclusive acquisition (the strongest edge). */
function foldEdges(candidates: readonly (readonly (readonly [string, ObservedEdge])[])[]): Map<string, ObservedEdge> {
  const edges = new Map<string, ObservedEdge>();
  for (const list of candidates) {
    for (const [key, e] of list) {
      if (preferred(edges.get(key), e)) edges.set(key, e);
    }
  }
  return edges;
}

/** Blocking edges held-class -> acquired-class observed in the workspace, one example per (from, to) node pair. */
export function observedEdges(facts: WorkspaceFacts): Map<string, ObservedEdge> {
  return foldEdges(facts.events.map((ev) => edgeCandidates(ev, facts)));
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

/**
 * Generic edges over per-type classes, instantiated for each filesystem type
 * among the edges (VFS code holding sb_writers while taking i_rwsem does so
 * on one filesystem's objects, any filesystem's).
 */
function instantiate(facts: WorkspaceFacts, edges: readonly ObservedEdge[]): ObservedEdge[] {
  const types = new Set<string>();
  for (const e of edges) { if (e.fromFs) types.add(e.fromFs); if (e.toFs) types.add(e.toFs); }
  const out: ObservedEdge[] = [];
  if (types.size === 0) return out;
  const sorted = [...types].sort();
  for (const e of edges) {
    const gFrom = !e.fromFs && facts.fsTypes.perFilesystem(e.from);
    const gTo = !e.toFs && facts.fsTypes.perFilesystem(e.to);
    if (!gFrom && !gTo) continue;
    for (const t of sorted) out.push({ ...e, fromFs: gFrom ? t : e.fromFs, toFs: gTo ? t : e.toFs, instantiated: true, base: e });
  }
  return out;
}

/** An edge of the cycle search with its two node keys (computed once). */
interface Arc { e: ObservedEdge; fk: string; tk: string }

/** Strongly connected components of the graph (iterative Tarjan): a cycle stays inside one. */
function components(adj: Map<string, Arc[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const comp = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let next = 0;
  let ncomp = 0;
  for (const root of adj.keys()) {
    if (index.has(root)) continue;
    const work: [string, number][] = [[root, 0]];
    index.set(root, next); low.set(root, next); next++; stack.push(root); onStack.add(root);
    while (work.length) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const out = adj.get(v) ?? [];
      if (i < out.length) {
        top[1]++;
        const w = out[i].tk;
        if (!index.has(w)) {
          index.set(w, next); low.set(w, next); next++; stack.push(w); onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) { const u = work[work.length - 1][0]; low.set(u, Math.min(low.get(u)!, low.get(v)!)); }
      if (low.get(v) === index.get(v)) {
        for (;;) { const w = stack.pop()!; onStack.delete(w); comp.set(w, ncomp); if (w === v) break; }
        ncomp++;
      }
    }
  }
  return comp;
}

/** The component of each node that lies on a cycle (a component of two nodes or more; no class orders against itself). */
function cyclic(adj: Map<string, Arc[]>): Map<string, number> {
  const comp = components(adj);
  const size = new Map<number, number>();
  for (const c of comp.values()) size.set(c, (size.get(c) ?? 0) + 1);
  for (const [k, c] of comp) if ((size.get(c) ?? 0) < 2) comp.delete(k);
  return comp;
}

/** Arcs by their start node. */
function adjacency(arcs: Iterable<Arc>): Map<string, Arc[]> {
  const adj = new Map<string, Arc[]>();
  for (const arc of arcs) {
    const l = adj.get(arc.fk);
    if (l) l.push(arc); else adj.set(arc.fk, [arc]);
  }
  return adj;
}

export function findCycles(facts: WorkspaceFacts, edges: Map<string, ObservedEdge>): ObservedEdge[][] {
  // every cycle over per-filesystem nodes is a cycle over plain classes: edges outside the plain
  // classes' strongly connected components cannot be on one (this keeps the instantiation small)
  const plain = [...edges.values()].map((e) => ({ e, fk: e.from, tk: e.to }));
  const plainComp = cyclic(adjacency(plain));
  const observed = plain.filter((a) => plainComp.has(a.fk) && plainComp.get(a.fk) === plainComp.get(a.tk)).map((a) => a.e);
  const adj = adjacency([...observed, ...instantiate(facts, observed)]
    // a declared-order violation, reported as such (not across two filesystems' classes)
    .filter((e) => crossFs(e.fromFs, e.toFs) || !facts.declared.before(e.to, e.from))
    .map((e) => ({ e, fk: nodeKey(e.from, e.fromFs), tk: nodeKey(e.to, e.toFs) })));
  for (const l of adj.values()) l.sort((a, b) => (a.tk < b.tk ? -1 : a.tk > b.tk ? 1 : 0));
  const comp = cyclic(adj);
  const cycles: ObservedEdge[][] = [];
  const reported = new Set<string>();
  const nodes = [...comp.keys()].sort();
  // shortest cycle through each node (BFS inside its component), deduplicated by its node set
  for (const start of nodes) {
    const c = comp.get(start);
    const prev = new Map<string, Arc>();
    const queue = [start];
    const seen = new Set([start]);
    let closing: Arc | undefined;
    for (let qi = 0; qi < queue.length && !closing; qi++) {
      for (const arc of adj.get(queue[qi]) ?? []) {
        const to = arc.tk;
        if (to === start) { closing = arc; break; }
        if (seen.has(to) || comp.get(to) !== c) continue;
        seen.add(to);
        prev.set(to, arc);
        queue.push(to);
      }
    }
    if (!closing) continue;
    const cyc: Arc[] = [closing];
    let cur = closing.fk;
    while (cur !== start) { const a = prev.get(cur)!; cyc.unshift(a); cur = a.fk; }
    // generic code only, instantiated for one filesystem: the generic cycle reports it
    if (cyc.every((a) => a.e.instantiated)) continue;
    const key = cyc.map((a) => a.fk).sort().join('|');
    const edgesOf = cyc.map((a) => a.e);
    if (reported.has(key) || !strong(edgesOf)) continue;
    reported.add(key);
    cycles.push(edgesOf);
  }
  return cycles;
}

function site(e: ObservedEdge): { file: string; pos: Pos } {
  return { file: e.ev.file, pos: e.acq.pos };
}

/** A cycle's edge as the search found it: its (from, to) node pair key, and the filesystem types of an instantiated one. */
interface EdgeRef { key: string; fromFs?: string; toFs?: string; instantiated?: boolean }

/**
 * What order-cycle keeps from one conclude() to the next (in its parts'
 * memo): the edges as foldEdges() gives them over every part, the
 * components holding a candidate of each node pair (ascending), and the
 * last cycle search with what it read: the edges' node pairs and modes in
 * order (`shape`), the declared order and the classes' filesystem types.
 * The search reads nothing else, so a run whose edges differ only in their
 * examples (an edit moved or re-analysed a function without changing which
 * classes it orders) has the same cycles over its own examples.
 */
interface Fold {
  edges: Map<string, ObservedEdge>;
  comps: Map<string, number[]>;
  shape: string;
  declared: unknown;
  fsTypes: unknown;
  cycles: EdgeRef[][];
}

type Candidates = readonly (readonly [string, ObservedEdge])[];

const FOLD = 'fold';

/** The node pair keys of a part's candidates, each once, in order. */
function keysOf(items: Candidates | undefined): string[] {
  if (!items || items.length === 0) return [];
  const seen = new Set<string>();
  for (const [k] of items) seen.add(k);
  return [...seen];
}

/**
 * Bring `f` up to the parts after the components in `parts.changes` were
 * computed again, where that leaves the shape the same: every node pair
 * first seen in the same component, in the same order, and each example of
 * the same modes. False (and `f` no longer usable) when the shape may differ.
 */
function refold(f: Fold, parts: KeptParts<readonly [string, ObservedEdge]>, changes: ReadonlyMap<number, Candidates | undefined>): boolean {
  const affected = new Set<string>();
  for (const [s, before] of changes) {
    const was = keysOf(before);
    const now = keysOf(parts.items(s));
    const nowSet = new Set(now);
    const wasSet = new Set(was);
    for (const k of was) {
      affected.add(k);
      if (nowSet.has(k)) continue;
      const cs = f.comps.get(k)!;
      if (cs[0] === s) return false; // first seen here before, no longer
      cs.splice(cs.indexOf(s), 1);
    }
    for (const k of now) {
      affected.add(k);
      if (wasSet.has(k)) continue;
      const cs = f.comps.get(k);
      if (!cs || cs[0] > s) return false; // a new node pair, or one first seen here now
      let i = cs.length;
      while (i > 0 && cs[i - 1] > s) i--;
      cs.splice(i, 0, s);
    }
    // the node pairs first seen in this component, in the same order
    const firstHere = (ks: string[]): string => ks.filter((k) => f.comps.get(k)![0] === s).join('\u0000');
    if (firstHere(was) !== firstHere(now)) return false;
  }
  for (const k of affected) {
    let best: ObservedEdge | undefined;
    for (const c of f.comps.get(k)!) {
      for (const [key, e] of parts.items(c)!) {
        if (key === k && preferred(best, e)) best = e;
      }
      if (best?.acqMode === 'W') break;
    }
    const prev = f.edges.get(k)!;
    if (prev.heldMode !== best!.heldMode || prev.acqMode !== best!.acqMode) return false;
    f.edges.set(k, best!);
  }
  return true;
}

/** The cycles over every part's edges: kept from the last search while its inputs are the same (Fold). */
function cyclesOf(facts: WorkspaceFacts, parts: KeptParts<readonly [string, ObservedEdge]>): ObservedEdge[][] {
  let f = parts.memo.get(FOLD) as Fold | undefined;
  const reuse = f !== undefined && f.declared === facts.declared && f.fsTypes === facts.fsTypes;
  if (!(reuse && parts.changes && refold(f!, parts, parts.changes))) {
    const lists = parts.lists();
    const edges = foldEdges(lists);
    const comps = new Map<string, number[]>();
    parts.order.forEach((s, i) => {
      for (const [k] of lists[i]) {
        const cs = comps.get(k);
        if (!cs) comps.set(k, [s]); else if (cs[cs.length - 1] !== s) cs.push(s);
      }
    });
    let shape = '';
    for (const [k, e] of edges) shape += `${k}\u0001${e.heldMode}\u0001${e.acqMode}\u0002`;
    if (!(reuse && f!.shape === shape)) {
      const keyOf = (e: ObservedEdge): string => pairKey(e.from, e.fromFs, e.to, e.toFs);
      const cycles = findCycles(facts, edges);
      f = {
        edges, comps, shape, declared: facts.declared, fsTypes: facts.fsTypes,
        cycles: cycles.map((c) => c.map((e) => (e.instantiated ? { key: keyOf(e.base!), fromFs: e.fromFs, toFs: e.toFs, instantiated: true } : { key: keyOf(e) }))),
      };
      parts.memo.set(FOLD, f);
      return cycles;
    }
    f = { ...f!, edges, comps };
    parts.memo.set(FOLD, f);
  }
  const edges = f!.edges;
  return f!.cycles.map((c) => c.map((r) => {
    const b = edges.get(r.key)!;
    return r.instantiated ? { ...b, fromFs: r.fromFs, toFs: r.toFs, instantiated: true, base: b } : b;
  }));
}

/** Over every function's edge candidates (edgeCandidates()), kept per component. */
export function checkOrderCycle(facts: WorkspaceFacts, parts: KeptParts<readonly [string, ObservedEdge]>): Finding[] {
  const out: Finding[] = [];
  for (const cyc of cyclesOf(facts, parts)) {
    // report at the earliest site (file, line) so the output is deterministic
    const sorted = [...cyc].sort((a, b) => (site(a).file < site(b).file ? -1 : site(a).file > site(b).file ? 1 : site(a).pos.line - site(b).pos.line));
    const here = sorted[0];
    const others = cyc.filter((e) => e !== here);
    const to = (e: ObservedEdge): string => fsClassPhrase(e.to, e.toFs);
    const from = (e: ObservedEdge): string => fsClassPhrase(e.from, e.fromFs);
    const desc = (e: ObservedEdge): string => `${e.ev.fn}() takes ${to(e)}${e.acq.chain.length ? ` (via ${e.acq.chain.join(' → ')})` : ''} while holding ${from(e)} (${e.ev.file}:${e.acq.pos.line + 1})`;
    const ring = [...cyc.map(from), from(cyc[0])].join(' → ');
    const msg = cyc.length === 2
      ? `ABBA deadlock: ${desc(here)}, but ${desc(others[0])}. Two tasks running these paths can each hold one lock and wait for the other. Pick one order (add it with /* lockorder: ${here.from} -> ${here.to} */ or in .lockorder) and fix the other path.`
      : `lock-order cycle ${ring}: ${cyc.map(desc).join('; ')}. Tasks running these paths concurrently can deadlock; pick one order and fix the path that breaks it.`;
    const f = wsFinding(here.ev, 'order-cycle', here.acq.pos, msg, [
      { file: here.ev.file, pos: here.held.site, message: `${from(here)} taken here` },
      ...others.flatMap((e) => [
        { file: e.ev.file, pos: e.acq.pos, message: `${e.ev.fn}() takes ${to(e)} here while holding ${from(e)}` },
        { file: e.ev.file, pos: e.held.site, message: `${from(e)} taken here` },
      ]),
    ]);
    f.simHint = { partners: others.map((e) => ({ fn: e.ev.fn, file: e.ev.file })) };
    out.push(f);
  }
  return out;
}
