// What a delta run (Workspace.deltaRun) needs to re-check only what an edit
// reaches, kept from the full run it follows: which call-graph component
// each function and each summary key belongs to, which components read a
// key, and the keys defined twice (#ifdef twins: a reader sees the twin
// analysed before it). With it, a delta run visits components in order from
// a queue instead of replaying every product: the summaries map holds the
// last run's final values, and a component re-checked sees it as a full run
// would at that point of the order (DeltaIndex.atPoint).
import type { FunctionIR } from './ir';
import type { Summary } from './summaryTypes';
import type { FnProduct } from './reuse';
import type { FnEvents } from './events';
import { keyOf } from './callgraph';

type Entry = { fn: FunctionIR; file: string };

export class DeltaIndex {
  /** each function's component */
  readonly compOf = new Map<Entry, number>();
  /** the component defining each workspace key (the first one, for twins) */
  private readonly keyComp = new Map<string, number>();
  /** keys defined more than once: every definition (component, place in it), in order */
  private readonly twins = new Map<string, { s: number; i: number }[]>();
  /** components whose functions read each workspace key */
  private readonly readers = new Map<string, number[]>();
  /** each component's first function in the run's order of functions */
  private readonly start: Int32Array;
  /** per function in that order, where its events are in the run's events (-1: it has none) */
  private evAt = new Int32Array(0);
  /** components with per-function findings (or a budget note) */
  private readonly findingComps = new Set<number>();
  private findingOrder?: number[];

  constructor(order: readonly (readonly Entry[])[], depKeys: (x: Entry) => readonly (string | null)[], products: readonly (readonly FnProduct[])[]) {
    this.start = new Int32Array(order.length + 1);
    this.startsOf(order);
    order.forEach((scc, s) => scc.forEach((x, i) => {
      this.compOf.set(x, s);
      const k = keyOf(x.file, x.fn.name);
      const first = this.keyComp.get(k);
      if (first === undefined) { this.keyComp.set(k, s); return; }
      let defs = this.twins.get(k);
      if (!defs) {
        const j = order[first].findIndex((y) => keyOf(y.file, y.fn.name) === k);
        defs = [{ s: first, i: j }];
        this.twins.set(k, defs);
      }
      defs.push({ s, i });
    }));
    // (components come in order: a reader already listed for a key is the last one listed)
    order.forEach((scc, s) => {
      for (const x of scc) {
        for (const k of depKeys(x)) {
          if (k === null || !this.keyComp.has(k)) continue;
          const l = this.readers.get(k);
          if (!l) this.readers.set(k, [s]);
          else if (l[l.length - 1] !== s) l.push(s);
        }
      }
    });
    this.indexProducts(products);
  }

  /** Where each product's events are in the run's events, and which components have findings. */
  indexProducts(products: readonly (readonly FnProduct[])[]): void {
    this.evAt = new Int32Array(this.start[products.length]);
    this.findingComps.clear();
    this.findingOrder = undefined;
    let n = 0;
    products.forEach((ps, s) => ps.forEach((p, i) => {
      this.evAt[this.start[s] + i] = p.events ? n++ : -1;
      if (p.findings.length) this.findingComps.add(s);
    }));
  }

  /**
   * Component `s`'s products changed to `products[s]`: put their events in
   * place in `events.list`, which is copied first (once) unless `events.own`
   * (the last result holds the list it was given); false when one gained or
   * lost its events (the events are to be assembled again, and
   * indexProducts() run).
   */
  patch(s: number, products: readonly (readonly FnProduct[])[], events: { list: FnEvents[]; own: boolean }): boolean {
    const has = products[s].some((p) => p.findings.length > 0);
    if (has !== this.findingComps.has(s)) {
      if (has) this.findingComps.add(s); else this.findingComps.delete(s);
      this.findingOrder = undefined;
    }
    let ok = true;
    products[s].forEach((p, i) => {
      const at = this.evAt[this.start[s] + i];
      if ((at >= 0) !== !!p.events) ok = false;
      else if (p.events && events.list[at] !== p.events) {
        if (!events.own) { events.list = events.list.slice(); events.own = true; }
        events.list[at] = p.events;
      }
    });
    return ok;
  }

  /** The components with per-function findings, in order. */
  withFindings(): readonly number[] {
    return (this.findingOrder ??= [...this.findingComps].sort((a, b) => a - b));
  }

  /** Component `s` reads key `k` (kept for the keys of the workspace's functions only). */
  addReader(k: string, s: number): void {
    if (!this.keyComp.has(k)) return;
    const l = this.readers.get(k);
    if (!l) this.readers.set(k, [s]);
    else if (!l.includes(s)) l.push(s);
  }

  /** Components reading `k` after component `s` (those before it read it before it was set). */
  readersAfter(k: string, s: number): number[] {
    return (this.readers.get(k) ?? []).filter((r) => r > s);
  }

  isTwin(k: string): boolean { return this.twins.has(k); }

  /** The components defining `k`, in order (one, or every twin's). */
  private defsOf(k: string): number[] {
    const t = this.twins.get(k);
    if (t) return t.map((d) => d.s);
    const c = this.keyComp.get(k);
    return c === undefined ? [] : [c];
  }

  /**
   * With the components renumbered (component `s` becoming `to[s]`, which
   * moves only components `lo`..`hi`), would every component read each key
   * at the same point, after the same definitions of it (so that valueAt()
   * gives each the same summaries)? The definitions of a twin key must also
   * keep their order. Only readers inside the window can see a definition on
   * the other side of them now: a component outside it keeps its place, and
   * so does its order against every definition (those in the window stay in
   * it). Components in `skip` (analysed again anyway) are not asked; the keys
   * a component reads are its functions' `depKeys`.
   */
  sameReads(to: Int32Array, lo: number, hi: number, order: readonly (readonly Entry[])[], depKeys: (x: Entry) => readonly (string | null)[], skip: ReadonlySet<number>, wide = this.wide(lo, hi)): boolean {
    for (const [k, defs] of this.twins) {
      if (!this.readers.has(k)) continue;
      for (let j = 1; j < defs.length; j++) if (to[defs[j].s] < to[defs[j - 1].s]) return false;
    }
    const same = (k: string, r: number): boolean => {
      let here = 0;
      let there = 0;
      for (const d of this.defsOf(k)) {
        if (d < r) here++;
        if (to[d] < to[r]) there++;
      }
      return here === there;
    };
    if (wide) {
      // (every readers list: cheaper than asking each function of a window this wide for its keys)
      for (const [k, rs] of this.readers) for (const r of rs) if (r >= lo && r <= hi && !skip.has(r) && !same(k, r)) return false;
      return true;
    }
    for (let r = lo; r <= hi; r++) {
      if (skip.has(r)) continue;
      for (const x of order[r]) {
        for (const k of depKeys(x)) if (k !== null && this.keyComp.has(k) && !same(k, r)) return false;
      }
    }
    return true;
  }

  /** Is the window `lo`..`hi` a quarter of the components or more? Then sameReads() and renumber() go over every key rather than the window's. */
  private wide(lo: number, hi: number): boolean {
    return (hi - lo + 1) * 4 >= this.start.length - 1;
  }

  /**
   * Renumber the components `lo`..`hi` (`to[s]` is component s's new place,
   * `to[s] === s` outside the window; `order` and `products` are in the new
   * order): what the constructor would make of them, touching only what
   * names a component of the window (the keys its functions define and read,
   * its functions' places and events). `events` (the run's, in component
   * order) has the window's events put in the new order in place.
   */
  renumber(to: Int32Array, lo: number, hi: number, order: readonly (readonly Entry[])[], depKeys: (x: Entry) => readonly (string | null)[], products: readonly (readonly FnProduct[])[], events: FnEvents[], wide = this.wide(lo, hi)): void {
    const moved = (s: number): boolean => s >= lo && s <= hi;
    for (let c = lo; c <= hi; c++) for (const x of order[c]) this.compOf.set(x, c);
    const remap = (l: number[]): void => {
      let any = false;
      for (let j = 0; j < l.length; j++) if (moved(l[j])) { l[j] = to[l[j]]; any = true; }
      if (any) l.sort((a, b) => a - b);
    };
    if (wide) {
      for (const [k, s] of this.keyComp) if (moved(s)) this.keyComp.set(k, to[s]);
      for (const l of this.readers.values()) remap(l);
    } else {
      // the keys the window's functions define and read
      const defined = new Set<string>();
      const read = new Set<string>();
      for (let c = lo; c <= hi; c++) {
        for (const x of order[c]) {
          defined.add(keyOf(x.file, x.fn.name));
          for (const k of depKeys(x)) if (k !== null && this.readers.has(k)) read.add(k);
        }
      }
      for (const k of defined) {
        const s = this.keyComp.get(k);
        if (s !== undefined && moved(s)) this.keyComp.set(k, to[s]);
      }
      // (a list may also hold a component that read the key before an edit and no longer does: it
      // keeps a number that now names another component, whose visit finds nothing to re-check)
      for (const k of read) remap(this.readers.get(k)!);
    }
    for (const defs of this.twins.values()) for (const d of defs) if (moved(d.s)) d.s = to[d.s];
    // the window's events: the same ones, between the same neighbours, in the new order
    let first = -1;
    for (let i = this.start[lo]; i < this.start[hi + 1] && first < 0; i++) first = this.evAt[i];
    for (let c = lo; c <= hi; c++) {
      this.start[c + 1] = this.start[c] + order[c].length;
      this.findingComps.delete(c);
    }
    let n = first;
    for (let c = lo; c <= hi; c++) {
      products[c].forEach((p, i) => {
        if (p.events) events[n] = p.events;
        this.evAt[this.start[c] + i] = p.events ? n++ : -1;
      });
      if (products[c].some((p) => p.findings.length > 0)) this.findingComps.add(c);
    }
    this.findingOrder = undefined;
  }

  /** Each component's first function in the order of functions. */
  private startsOf(order: readonly (readonly Entry[])[]): void {
    order.forEach((scc, s) => { this.start[s + 1] = this.start[s] + scc.length; });
  }

  /**
   * The summary under `k` that a full run's component `s` reads on entry:
   * set by an earlier component, or not yet. `now` is the summaries map
   * holding the final values; `products` the current products by component.
   */
  valueAt(k: string, s: number, now: ReadonlyMap<string, Summary>, products: readonly (readonly FnProduct[])[]): Summary | undefined {
    const defs = this.twins.get(k);
    if (defs) {
      let v: Summary | undefined;
      for (const d of defs) if (d.s < s) v = products[d.s][d.i].summary;
      return v;
    }
    const c = this.keyComp.get(k);
    return c !== undefined && c >= s ? undefined : now.get(k);
  }

  /** The last definition of a twin key: its product's summary and records are the ones the key ends the run with. */
  lastDef(k: string, products: readonly (readonly FnProduct[])[]): FnProduct {
    const defs = this.twins.get(k)!;
    const d = defs[defs.length - 1];
    return products[d.s][d.i];
  }

  /**
   * Make `map` (the final values) read as a full run's does on entry to
   * component `s` for the keys its functions define and read; returns what
   * undoes it for the keys it only reads (the keys it defines are set by the
   * component's analysis: a twin's is then set back to lastDef()'s).
   */
  atPoint(s: number, scc: readonly Entry[], depKeys: (x: Entry) => readonly (string | null)[], map: Map<string, Summary>, products: readonly (readonly FnProduct[])[]): () => void {
    const own = new Set<string>();
    for (const x of scc) {
      const k = keyOf(x.file, x.fn.name);
      own.add(k);
      setOrDelete(map, k, this.valueAt(k, s, map, products));
    }
    const saved: [string, Summary | undefined, boolean][] = [];
    for (const x of scc) {
      for (const k of depKeys(x)) {
        if (k === null || own.has(k)) continue;
        const c = this.keyComp.get(k);
        if (c === undefined || (c < s && !this.twins.has(k))) continue;
        saved.push([k, map.get(k), map.has(k)]);
        setOrDelete(map, k, this.valueAt(k, s, map, products));
      }
    }
    return () => {
      for (let i = saved.length - 1; i >= 0; i--) {
        const [k, v, had] = saved[i];
        if (had) map.set(k, v!); else map.delete(k);
      }
    };
  }
}

/** Set `k` to `v`, or to nothing; a key the map holds keeps its place in the map's order. */
function setOrDelete(map: Map<string, Summary>, k: string, v: Summary | undefined): void {
  if (v !== undefined) map.set(k, v);
  else if (map.has(k)) map.set(k, undefined as unknown as Summary);
}

/** Component indices to visit, smallest first, each once while queued. */
export class CompQueue {
  private readonly heap: number[] = [];
  private readonly queued = new Set<number>();

  push(s: number): void {
    if (this.queued.has(s)) return;
    this.queued.add(s);
    const h = this.heap;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p] <= h[i]) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  pop(): number | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l] < h[m]) m = l;
        if (r < h.length && h[r] < h[m]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    this.queued.delete(top);
    return top;
  }
}
