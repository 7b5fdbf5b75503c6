// The struct table and the global map as one function's analysis sees them:
// the lookups it makes are recorded, so that the editor can keep its product
// across edits to structs and globals it never looked at (reuse.ts,
// AnalysisReuse.tablesHold). Used on the main thread (Workspace) and in the
// analysis workers (parallel.ts), which send the lookups back with products.
import type { StructTable } from '../model/classes';
import type { GlobalLookup, StructLookup } from './reuse';

/**
 * What a table view (StructView, GlobalView) saw while one function was
 * analysed: each lookup once, by key, or that the whole table was read.
 * Nothing is recorded after done() (later lookups: hovers).
 */
class Recorder<L> {
  private readonly seen = new Map<string, L>();
  private recording = true;
  private whole = false;
  /** Is `key` still to be recorded (add() it)? */
  wants(key: string): boolean { return this.recording && !this.seen.has(key); }
  add(key: string, lookup: L): void { this.seen.set(key, lookup); }
  noteAll(): void { if (this.recording) this.whole = true; }
  /** Stop recording; the lookups made (undefined: it read the whole table). */
  done(): L[] | undefined {
    this.recording = false;
    return this.whole ? undefined : [...this.seen.values()];
  }
}

/**
 * The struct table as one function's analysis sees it: lookups go to the
 * workspace's current table; those made while the function is analysed
 * (dataflow and per-function rules, through its lock resolver) are recorded,
 * so that its product stays valid across edits to structs it never looked
 * at (incremental.ts). Later lookups (hovers) are not recorded.
 */
export class StructView {
  private readonly rec = new Recorder<StructLookup>();
  constructor(private readonly table: { current: StructTable }) {}
  fieldType(struct: string, field: string): string | undefined {
    const r = this.table.current.fieldType(struct, field);
    const k = `${struct}\u0000${field}`;
    if (this.rec.wants(k)) this.rec.add(k, [struct, field, r]);
    return r;
  }
  lockFields(): { cls: string; type: string }[] {
    this.rec.noteAll();
    return this.table.current.lockFields();
  }
  done(): StructLookup[] | undefined { return this.rec.done(); }
}

/**
 * The global map as one function's analysis sees it (StructView's
 * counterpart): `get` and `has` go to the workspace's current map and are
 * recorded while the function is analysed and summarised; anything that
 * walks the whole map counts as reading all of it.
 */
export class GlobalView implements ReadonlyMap<string, string> {
  private readonly rec = new Recorder<GlobalLookup>();
  constructor(private readonly map: { current: ReadonlyMap<string, string> }) {}
  get(name: string): string | undefined {
    const r = this.map.current.get(name);
    if (this.rec.wants(name)) this.rec.add(name, [name, r]);
    return r;
  }
  has(name: string): boolean { return this.get(name) !== undefined; }
  private all(): ReadonlyMap<string, string> {
    this.rec.noteAll();
    return this.map.current;
  }
  get size(): number { return this.all().size; }
  forEach(f: (v: string, k: string, m: ReadonlyMap<string, string>) => void): void { this.all().forEach((v, k) => f(v, k, this)); }
  entries(): IterableIterator<[string, string]> { return this.all().entries(); }
  keys(): IterableIterator<string> { return this.all().keys(); }
  values(): IterableIterator<string> { return this.all().values(); }
  [Symbol.iterator](): IterableIterator<[string, string]> { return this.all()[Symbol.iterator](); }
  done(): GlobalLookup[] | undefined { return this.rec.done(); }
}
