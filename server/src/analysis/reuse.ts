// Reuse of analysis products between editor runs: what one function
// contributes (FnProduct), when it can be kept, and how a function that only
// moved has its product and records relocated instead of re-analysed. See the
// exactness rules at the top of incremental.ts.
import { createHash } from 'crypto';
import type { FnRecords } from './dataflow';
import type { State } from './state';
import type { Finding } from './diagnostic';
import type { FnEvents } from './events';
import type { FileIR, FunctionIR } from './ir';
import { forEachCall } from './ir';
import type { Summary, SummaryLookup } from './summaryTypes';
import type { StructTable } from '../model/classes';
import { contentOf, memoByContent } from './incremental';


// ------------------------------------------------------------ analysis products

/** What one function contributes to a workspace analysis; reused while its inputs are unchanged. */
export interface FnProduct {
  summary: Summary;
  /** per-function findings (rules and the budget note), as produced */
  findings: Finding[];
  /** events for the workspace rules (absent when the budget was hit) */
  events?: FnEvents;
  budgetHit?: string;
  /** dataflow records, kept for hovers when the workspace keeps states */
  rec?: FnRecords;
  /** the same, for a relocated product: relocated when first read (recordsOf) */
  lazyRec?: LazyRecords;
}

/**
 * May a product's findings quote lines of its callees (so that a callee
 * moved in place makes them stale)? Not a budget note, the only finding of a
 * function that hit its budget: it names the function itself.
 */
export function quotesCallees(p: FnProduct): boolean {
  return p.findings.length > 0 && !p.budgetHit;
}

/** A product's dataflow records, if it keeps them (relocating them now if they were relocated lazily). */
export function recordsOf(p: FnProduct): FnRecords | undefined {
  return p.rec ?? p.lazyRec?.get();
}

/**
 * Dataflow records of an earlier run to be moved by `d` lines with some of
 * the objects they reference replaced (relocate()), done on first get().
 * Moving records that were never read composes the two moves, so a function
 * that moves on every edit is relocated once, when someone reads it.
 */
export class LazyRecords {
  private rec?: FnRecords;
  private base?: FnRecords;
  private d = 0;
  /** objects the base references (its run's callee summaries and function IR) and what replaces each */
  private from: object[] = [];
  private to: (object | undefined)[] = [];

  static of(rec: FnRecords): LazyRecords {
    const l = new LazyRecords();
    l.rec = rec;
    return l;
  }

  get(): FnRecords {
    if (!this.rec) {
      const swap = new Map<object, object | undefined>();
      this.from.forEach((k, i) => swap.set(k, this.to[i]));
      this.rec = relocate(this.base!, this.d, swap);
      this.base = undefined;
      this.from = [];
      this.to = [];
    }
    return this.rec;
  }

  /** These records moved again: by `d` lines, `from[i]` (what the previous run saw) replaced by `to[i]`. */
  moved(d: number, from: object[], to: (object | undefined)[]): LazyRecords {
    const l = new LazyRecords();
    if (this.rec) {
      l.base = this.rec;
      l.d = d;
      l.from = from;
      l.to = to;
      return l;
    }
    // each object the base references was replaced by what the previous run saw, which is now replaced again
    l.base = this.base;
    l.d = this.d + d;
    l.from = this.from;
    l.to = this.to.map((v) => {
      const j = v === undefined ? -1 : from.indexOf(v);
      return j >= 0 ? to[j] : v;
    });
    return l;
  }
}

/** A struct field lookup an analysis made, and its answer. */
export type StructLookup = [struct: string, field: string, type: string | undefined];
/** A global looked up by name, and the type it had (undefined: none). */
export type GlobalLookup = [name: string, type: string | undefined];

/**
 * What one function's analysis read of the workspace's struct and global
 * tables (undefined: the whole table, or not recorded), and the table
 * versions those lookups were last found to hold in.
 */
export interface TableLookups {
  structsV: string;
  structs?: StructLookup[];
  globalsV: string;
  globals?: GlobalLookup[];
}

interface ReuseEntry {
  fn: FunctionIR;
  annotations: string;
  env: string;
  flags: string;
  /** its analysis's struct and global lookups */
  lookups: TableLookups;
  /** callee summaries as the dataflow saw them */
  sums: (Summary | undefined)[];
  product: FnProduct;
}

/**
 * Which entries' analyses looked up which struct and global names, or read
 * a whole table (TableLookups without the list): AnalysisReuse.readingTables()
 * answers from it instead of reading every entry's lookups, which took 20 ms
 * of an edit to a struct with all of fs/ indexed.
 */
class TableReaders {
  private readonly byStruct = new Map<string, Set<string>>();
  private readonly byGlobal = new Map<string, Set<string>>();
  private readonly allStructs = new Set<string>();
  private readonly allGlobals = new Set<string>();
  private readonly lookups = new Map<string, TableLookups>();

  constructor(entries: ReadonlyMap<string, ReuseEntry>) {
    for (const [id, e] of entries) this.set(id, e.lookups);
  }

  /** Entry `id` now holds these lookups. */
  set(id: string, l: TableLookups): void {
    const old = this.lookups.get(id);
    if (old === l) return;
    if (old) this.index(id, old, false);
    this.lookups.set(id, l);
    this.index(id, l, true);
  }

  private index(id: string, l: TableLookups, add: boolean): void {
    const mark = (all: Set<string>, by: Map<string, Set<string>>, list: readonly (readonly [string, ...unknown[]])[] | undefined): void => {
      if (!list) { if (add) all.add(id); else all.delete(id); return; }
      for (const [name] of list) {
        let ids = by.get(name);
        if (add) { if (!ids) by.set(name, ids = new Set()); ids.add(id); } else if (ids) { ids.delete(id); if (!ids.size) by.delete(name); }
      }
    };
    mark(this.allStructs, this.byStruct, l.structs);
    mark(this.allGlobals, this.byGlobal, l.globals);
  }

  /** Forget the entries not in `entries` (those a full run dropped). */
  keepOnly(entries: ReadonlyMap<string, unknown>): void {
    for (const [id, l] of this.lookups) {
      if (entries.has(id)) continue;
      this.index(id, l, false);
      this.lookups.delete(id);
    }
  }

  /** The ids whose lookups name one of `structs` or `globals`, or read a whole table of a kind asked for. */
  of(structs: ReadonlySet<string>, globals: ReadonlySet<string>): Set<string> {
    const out = new Set<string>();
    const collect = (names: ReadonlySet<string>, all: Set<string>, by: Map<string, Set<string>>): void => {
      if (!names.size) return;
      for (const id of all) out.add(id);
      for (const n of names) for (const id of by.get(n) ?? []) out.add(id);
    };
    collect(structs, this.allStructs, this.byStruct);
    collect(globals, this.allGlobals, this.byGlobal);
    return out;
  }
}

/** Every summary the dataflow of `fn` may look up: direct callees (get) and ops members of indirect calls (indirect). */
const depsMemo = new WeakMap<object, { name: string; indirect: boolean }[]>();
export function summaryDeps(fn: FunctionIR): { name: string; indirect: boolean }[] {
  return memoByContent(depsMemo, fn, depsOf);
}
function depsOf(fn: FunctionIR): { name: string; indirect: boolean }[] {
  const seen = new Set<string>();
  const out: { name: string; indirect: boolean }[] = [];
  const call = (name: string, indirect: boolean): void => {
    const k = `${indirect ? '>' : ''}${name}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ name, indirect });
  };
  forEachCall(fn, (op) => call(op.call.name, !!op.call.indirect));
  return out;
}

interface SummaryInfo { version?: string; versionAt?: string; shape?: string; atFree?: boolean; from?: Summary; d?: number }

/**
 * reused: products kept as they were; relocated: products of functions that
 * moved (or whose callees' summaries moved), `productLevel` of them without
 * re-running anything, `inPlace` of those by shifting the positions the
 * product owns (no copy); analysed: dataflow runs.
 */
export interface ReuseStats { reused: number; relocated: number; productLevel: number; inPlace: number; analysed: number }

/**
 * The per-function product cache of Workspace.analyze(). Keyed by an id
 * (`${file}::${name}`, numbered for #ifdef twins); an entry is valid while the
 * function's IR object, the workspace tables, its flags and the content of
 * its callees' summaries are what they were when it was computed.
 *
 * A function that only moved (same content, see contentOf) and whose callee
 * summaries only moved is relocated: positions shifted, renamed instances
 * renumbered. Without findings, its product is relocated directly (summary
 * and events; its records lazily); with findings (whose messages quote line
 * numbers), its records are relocated and the per-function rules re-run.
 * check() says which products it relocated at product level (`moved`), so
 * a caller can verify them against the product of the relocated records.
 */
export class AnalysisReuse {
  private prev = new Map<string, ReuseEntry>();
  private next = new Map<string, ReuseEntry>();
  private env = '';
  /** per summary object: content versions (memoised), and for a relocated one, what it was relocated from */
  private readonly info = new WeakMap<Summary, SummaryInfo>();
  /** summaries relocated in this run / in the last one (entries of the next run compare against the latter) */
  private movedNow = new Map<Summary, SummaryInfo>();
  private movedPrev = new Map<Summary, SummaryInfo>();
  /** summaries whose positions were shifted in place in this run (their callers' findings may quote them) */
  private shiftedNow = new Set<Summary>();
  /** the run started with beginDelta() */
  private delta = false;
  private readonly tableVersions = new WeakMap<FileIR, { structs: string; globals: string }>();
  /** the run's struct and global tables, and their content versions: entries record the lookups they made in them instead of depending on all of them */
  private structs?: StructTable;
  private structsVersion = '';
  private globals?: ReadonlyMap<string, string>;
  private globalsVersion = '';
  stats: ReuseStats = noStats();
  /** ids of the functions whose dataflow ran in the last run */
  analysedIds: string[] = [];
  /** which entries of `prev` looked up which struct and global names (indexReaders(), then kept up to date through every run) */
  private readers?: TableReaders;

  /**
   * Start a run over these files. `inputs`: every other workspace-wide
   * input of the dataflow (plain data, e.g. lockdep class keys); a change to
   * any of them invalidates every product. `tables`: the run's struct table
   * and global map, when the caller records each analysis's lookups in them
   * (check()'s store); without them the files' struct and global tables are
   * workspace-wide inputs too.
   */
  begin(files: readonly FileIR[], inputs?: unknown, tables?: { structs: StructTable; globals: ReadonlyMap<string, string> }): void {
    const h = createHash('sha1');
    if (inputs !== undefined) h.update(JSON.stringify(inputs, positionFree) ?? '');
    this.env = h.digest('hex');
    this.structs = tables?.structs;
    this.globals = tables?.globals;
    this.structsVersion = this.tablesVersion(files, 'structs');
    this.globalsVersion = this.tablesVersion(files, 'globals');
    if (!tables) {
      this.env += this.structsVersion + this.globalsVersion;
      this.structsVersion = this.globalsVersion = '';
    }
    this.next = new Map();
    this.startRun();
  }

  /**
   * Start a run that checks only some functions (Workspace.deltaRun): the
   * entries of the others stay as they are (the run writes into the previous
   * run's entries).
   */
  beginDelta(): void {
    this.next = this.prev;
    this.delta = true;
    this.startRun();
  }

  /** What every run starts without: counts, the ids it analysed, the summaries it moved in place. */
  private startRun(): void {
    this.stats = noStats();
    this.analysedIds = [];
    this.shiftedNow = new Set();
  }

  /** A summary kept (reused, or moved in place) keeps what is known of its relocation (its shape) into the next run. */
  private keepKnown(summary: Summary): void {
    const known = this.movedPrev.get(summary);
    if (known) this.movedNow.set(summary, known);
  }

  /** The callee summaries the function with this id read when it was last checked (summaryDeps order). */
  summariesSeen(id: string): readonly (Summary | undefined)[] | undefined { return this.prev.get(id)?.sums; }

  /** The kept entries' function IR and products (what the next run checks against): tests look at their layout. */
  *kept(): IterableIterator<{ id: string; fn: FunctionIR; product: FnProduct }> {
    for (const [id, e] of this.prev) yield { id, fn: e.fn, product: e.product };
  }

  /** The summaries moved in place (by a non-zero distance) so far in this run. */
  movedInPlace(): ReadonlySet<Summary> { return this.shiftedNow; }

  /**
   * A delta run's struct table or global map changed (Workspace.deltaRun: a
   * struct or global lock edited in the edited file): the new ones, of
   * `files` (in order). Entries are checked against them as a full run's are
   * (tablesHold).
   */
  setTables(files: readonly FileIR[], tables: { structs?: StructTable; globals?: ReadonlyMap<string, string> }): void {
    if (tables.structs) { this.structs = tables.structs; this.structsVersion = this.tablesVersion(files, 'structs'); }
    if (tables.globals) { this.globals = tables.globals; this.globalsVersion = this.tablesVersion(files, 'globals'); }
  }

  /** The content version of the files' struct or global tables, positions aside. */
  private tablesVersion(files: readonly FileIR[], which: 'structs' | 'globals'): string {
    const h = createHash('sha1');
    for (const ir of files) h.update(this.tables(ir)[which]);
    return h.digest('hex');
  }

  /**
   * The ids of the entries whose analysis looked up a field of a struct
   * named in `structs` or a global named in `globals`, or read the whole of
   * a table that changed (StructView.lockFields): the functions a change to
   * those structs and globals may reach.
   */
  readingTables(structs: ReadonlySet<string>, globals: ReadonlySet<string>): Set<string> {
    this.indexReaders();
    return this.readers!.of(structs, globals);
  }

  /**
   * Index the entries by the struct and global names they looked up, if not
   * yet done (then kept up to date by every run). The editor does it after
   * a full run, so that no edit pays for it (50 ms with fs/ indexed).
   */
  indexReaders(): void {
    this.readers ??= new TableReaders(this.prev);
  }

  /** Write an entry of this run (a delta run writes into `prev`: the index of table readers follows it; see end() for a full run). */
  private put(id: string, e: ReuseEntry): void {
    this.next.set(id, e);
    if (this.next === this.prev) this.readers?.set(id, e.lookups);
  }

  /** Finish a run: entries not used by it are dropped (by a delta run: kept). */
  end(): void {
    if (this.delta) {
      this.delta = false;
      this.next = new Map();
      // what is known of relocated summaries: this run's added to what the functions it did not check still hold
      for (const [k, v] of this.movedNow) this.movedPrev.set(k, v);
      this.movedNow = new Map();
      if (this.movedPrev.size > 2 * this.prev.size + 64) {
        const live = new Set<Summary>();
        for (const e of this.prev.values()) live.add(e.product.summary);
        for (const k of [...this.movedPrev.keys()]) if (!live.has(k)) this.movedPrev.delete(k);
      }
      return;
    }
    this.prev = this.next;
    this.next = new Map();
    if (this.readers) {
      // the index follows `prev`: a full run's entries join it when they become `prev` (not if the run threw)
      for (const [id, e] of this.prev) this.readers.set(id, e.lookups);
      this.readers.keepOnly(this.prev);
    }
    this.movedPrev = this.movedNow;
    this.movedNow = new Map();
  }

  /** Forget everything (the lock knowledge changed). */
  clear(): void {
    this.prev = new Map();
    this.next = new Map();
    this.readers = undefined;
  }

  /**
   * Content version of a summary, positions included: memoised per object
   * with the positions it was computed at, since positions are the one part
   * of a summary that changes in place (a callee's owned positions, which
   * its callers' summaries share, move with the callee: reuse.ts OWNED).
   */
  version(s: Summary | undefined): string {
    if (!s) return '-';
    const i = this.infoOf(s);
    const at = positionsNow(s);
    if (i.version === undefined || i.versionAt !== at) {
      i.version = createHash('sha1').update(JSON.stringify(s)).digest('base64');
      i.versionAt = at;
    }
    return i.version;
  }

  private infoOf(s: Summary): SummaryInfo {
    let i = this.info.get(s);
    if (!i) {
      // a summary relocated in this run or the last: its shape is known, and it is new in every run
      // (kept in plain per-run maps, much cheaper than weak entries)
      i = this.movedNow.get(s) ?? this.movedPrev.get(s);
      if (i) return i;
      i = {};
      this.info.set(s, i);
    }
    return i;
  }

  /** Content version of a summary without its positions (what a relocated caller depends on). */
  shape(s: Summary | undefined): string {
    if (!s) return '-';
    const i = this.infoOf(s);
    return (i.shape ??= createHash('sha1').update(JSON.stringify(s, positionFree)).digest('base64'));
  }

  /**
   * Does a summary name no renamed instance (`inode@123`)? Those numbers are
   * the callee's lines: records or products of a caller relocated by its own
   * distance would renumber them wrongly, so such callers are re-analysed.
   */
  private atFree(s: Summary | undefined): boolean {
    if (!s) return true;
    const i = this.infoOf(s);
    return (i.atFree ??= !JSON.stringify(s).includes('@'));
  }

  /** Are the callee summaries a function saw then and sees now the same (same(), pairwise)? */
  private allSame(now: readonly (Summary | undefined)[], then: readonly (Summary | undefined)[]): boolean {
    for (let i = 0; i < now.length; i++) if (now[i] !== then[i] && !this.same(now[i], then[i])) return false;
    return true;
  }

  /** Does a function that read summary `b` and now reads `a` see the same (the same object, or the same content and positions)? */
  sameSummary(a: Summary | undefined, b: Summary | undefined): boolean { return this.same(a, b); }

  private same(a: Summary | undefined, b: Summary | undefined): boolean {
    if (a === b) return true;
    if (!a || !b) return false;
    const ia = this.movedNow.get(a) ?? this.movedPrev.get(a);
    if (ia?.from === b && ia.d !== 0) return false; // moved: its position differs
    return this.version(a) === this.version(b);
  }

  private tables(ir: FileIR): { structs: string; globals: string } {
    let v = this.tableVersions.get(ir);
    if (v === undefined) {
      // positions of struct and global definitions do not reach the dataflow
      v = {
        structs: createHash('sha1').update(JSON.stringify(ir.structs, positionFree)).digest('base64'),
        globals: createHash('sha1').update(JSON.stringify(ir.globals, positionFree)).digest('base64'),
      };
      this.tableVersions.set(ir, v);
    }
    return v;
  }

  /**
   * Are the struct and global lookups an entry's analysis made still
   * answered alike? (Only looked at for a table that changed since the
   * entry was checked.)
   */
  private tablesHold(e: ReuseEntry): boolean {
    const l = e.lookups;
    if (l.structsV !== this.structsVersion) {
      const t = this.structs;
      if (!t || !l.structs) return false;
      for (const [st, f, r] of l.structs) if (t.fieldType(st, f) !== r) return false;
      l.structsV = this.structsVersion;
    }
    if (l.globalsV !== this.globalsVersion) {
      const g = this.globals;
      if (!g || !l.globals) return false;
      for (const [n, r] of l.globals) if (g.get(n) !== r) return false;
      l.globalsV = this.globalsVersion;
    }
    return true;
  }

  /**
   * Look a function up before analysing it: `hit` is the previous product if
   * all its inputs are unchanged (or that product relocated); `relocated`
   * the previous records relocated (compute the product from them);
   * otherwise analyse. Either way, `store` the product computed. Callee
   * summaries are taken now, as the dataflow will see them (a recursive
   * function does not see its own new summary).
   */
  check(id: string, fn: FunctionIR, lookup: SummaryLookup | readonly (Summary | undefined)[], flags: string, needRecords: boolean):
    { hit?: FnProduct; moved?: boolean; relocated?: FnRecords; first?: boolean; store: (p: FnProduct, lookups?: { structs?: StructLookup[]; globals?: GlobalLookup[] }) => void } {
    // the summaries of summaryDeps(fn), as the dataflow will look them up (or already looked up by the caller)
    const sums = Array.isArray(lookup) ? lookup as (Summary | undefined)[]
      : summaryDeps(fn).map((d) => (d.indirect ? (lookup as SummaryLookup).indirect?.(d.name) : (lookup as SummaryLookup).get(d.name)));
    const annotations = annotationKey(fn);
    const e = this.prev.get(id);
    // (made only where the caller will store a product: most functions of an editor run are hits)
    const storer = (): ((p: FnProduct, lookups?: { structs?: StructLookup[]; globals?: GlobalLookup[] }) => void) => (product, lookups) => {
      this.put(id, { fn, annotations, env: this.env, flags, sums, product, lookups: { structsV: this.structsVersion, structs: lookups?.structs, globalsV: this.globalsVersion, globals: lookups?.globals } });
      this.stats.analysed++;
      this.analysedIds.push(id);
    };
    if (!e) return { store: storer(), first: true };
    if (e.env !== this.env || e.flags !== flags || e.sums.length !== sums.length || !this.tablesHold(e)) return { store: storer() };
    if (needRecords && !e.product.lazyRec && !e.product.rec) return { store: storer() };
    const foreign = FOREIGN.has(e.product.summary);
    if (e.fn === fn && e.annotations === annotations && this.allSame(sums, e.sums) &&
        // a callee moved in place: the positions this product shares with it moved with it, but findings quote lines (re-run the rules);
        // a worker's product holds copies of them, which did not move
        !((foreign || quotesCallees(e.product)) && this.shiftedNow.size > 0 && sums.some((x) => x !== undefined && this.shiftedNow.has(x)))) {
      this.put(id, e);
      // a summary relocated in an earlier run keeps what is known of it (its shape) while it is reused
      if (this.movedPrev.size) this.keepKnown(e.product.summary);
      this.stats.reused++;
      return { hit: e.product, store: NO_STORE };
    }
    // the same function moved, or its callees' summaries moved: relocate instead of re-running the dataflow
    // (not a worker's product: relocation tells the positions it shares with its callees by identity)
    if (foreign || contentOf(fn) !== contentOf(e.fn)) return { store: storer() };
    const d = fn.pos.line - e.fn.pos.line;
    const fromHeader = d !== 0 && fn.annotations.some((a) => a.pos.line < fn.pos.line || a.pos.line > fn.pos.endLine); // from a header prototype
    if (fromHeader || !samePositionFree(fn.annotations, e.fn.annotations) ||
        !sums.every((x, i) => this.atFree(x) && this.shape(x) === this.shape(e.sums[i]))) return { store: storer() };
    const prevRec = e.product.lazyRec ?? (e.product.rec ? LazyRecords.of(e.product.rec) : undefined);
    // what the records reference that this run replaces: the callee summaries seen then, and the function IR
    const from: object[] = [];
    const to: (object | undefined)[] = [];
    e.sums.forEach((old, i) => { if (old) { from.push(old); to.push(sums[i]); } });
    from.push(e.fn);
    to.push(fn);
    const own = OWNED.get(e.product.summary);
    if (own && !flags.includes('r') && sums.every((x, i) => x === e.sums[i])) {
      // positions only this product holds (a relocation copied them): shift them where they are
      for (const o of own) {
        const p = o as { line: number; endLine?: number };
        p.line += d;
        if (typeof p.endLine === 'number') p.endLine += d;
      }
      const summary = e.product.summary;
      this.infoOf(summary).version = undefined;
      this.keepKnown(summary);
      if (d !== 0) this.shiftedNow.add(summary);
      if (prevRec) {
        // (not `delete`: V8 makes an object a dictionary when a property is deleted, and every later read of it slow)
        e.product.rec = undefined;
        e.product.lazyRec = prevRec.moved(d, from, to);
      }
      this.put(id, { fn, annotations, env: this.env, flags, sums, product: e.product, lookups: e.lookups });
      this.stats.relocated++;
      this.stats.productLevel++;
      this.stats.inPlace++;
      return { hit: e.product, moved: true, store: NO_STORE };
    }
    if (e.product.findings.length === 0 && !e.product.budgetHit) {
      const moved = relocateProduct(e.product, d, e.sums, sums);
      if (moved) {
        if (prevRec) moved.lazyRec = prevRec.moved(d, from, to);
        // relocated by d lines, with no renamed instance: the same shape
        this.movedNow.set(moved.summary, { from: e.product.summary, d, shape: this.shape(e.product.summary), atFree: true });
        this.put(id, { fn, annotations, env: this.env, flags, sums, product: moved, lookups: e.lookups });
        this.stats.relocated++;
        this.stats.productLevel++;
        return { hit: moved, moved: true, store: NO_STORE };
      }
    }
    if (!prevRec) return { store: storer() };
    this.stats.relocated++;
    this.stats.analysed--;
    // the product is computed from the relocated records: the same lookups as their analysis made
    const lookups = e.lookups;
    const store = storer();
    return { relocated: prevRec.moved(d, from, to).get(), store: (p: FnProduct) => store(p, lookups) };
  }
}

/**
 * Products made in an analysis worker (parallel.ts), by summary. Structured
 * cloning gave each its own copies of the callee positions it quotes, where
 * a product made on this thread shares the callee's objects: relocation,
 * which tells the two apart by identity, would move the copies with the
 * caller, and a callee moved in place would leave them behind. check()
 * reuses such a product while nothing moved and re-analyses it otherwise.
 */
const FOREIGN = new WeakSet<Summary>();

/** Mark a product made in an analysis worker (FOREIGN): reused as is, never relocated. */
export function markForeign(p: FnProduct): void { FOREIGN.add(p.summary); }

/** Counts of a run that has checked nothing yet. */
function noStats(): ReuseStats {
  return { reused: 0, relocated: 0, productLevel: 0, inPlace: 0, analysed: 0 };
}

/** The store of a product check() returned as is. */
const NO_STORE = (): void => undefined;

/** Parts of products that hold no position, no renamed instance and no callee object: shared by every relocation. */
const STATIC = new WeakSet<object>();

/**
 * A product of a function's first analysis in the editor, as its own
 * (OWNED): its positions copied, so that even its first move shifts them in
 * place. Its records are kept. Undefined when the product cannot be
 * relocated at product level (findings, a budget note, a renamed instance).
 */
export function ownedProduct(p: FnProduct, sums: readonly (Summary | undefined)[]): FnProduct | undefined {
  if (p.findings.length || p.budgetHit) return undefined;
  const out = relocateProduct(p, 0, sums, sums, true);
  if (out && p.rec) out.rec = p.rec;
  return out;
}

/**
 * Per product relocated by a non-zero distance (or made by ownedProduct()),
 * by its summary (which the product's shallow copies share): the position
 * objects that relocation made for it. No other product, no records and no function IR
 * hold them (a callee's positions, which callers share, are the callee's),
 * so the product's next move shifts them in place (AnalysisReuse.check)
 * instead of copying the product; its summary stays the same object, and
 * callers that did not move keep their products as they are.
 */
const OWNED = new WeakMap<Summary, object[]>();

const isPosition = (v: object): boolean => {
  const o = v as { line?: unknown; endLine?: unknown };
  return typeof o.line === 'number' && typeof o.endLine === 'number';
};

/** The lines of every position in a summary, in a fixed order: what version() was computed at. */
function positionsNow(s: Summary): string {
  let out = '';
  for (const o of positionedOf(s)) {
    const p = o as { line: unknown; endLine: unknown };
    if (typeof p.line === 'number' && typeof p.endLine === 'number') out += `${p.line},${p.endLine};`;
  }
  return out;
}

/** Every object of a summary that holds a position (itself or inside), in a fixed order (memoised per summary object). */
const positionedMemo = new WeakMap<Summary, object[]>();
function positionedOf(s: Summary): object[] {
  let l = positionedMemo.get(s);
  if (!l) {
    const out: object[] = [];
    const walk = (v: unknown): boolean => {
      if (v === null || typeof v !== 'object') return false;
      let has = isPosition(v);
      for (const x of Array.isArray(v) ? v : Object.values(v as object)) if (walk(x)) has = true;
      if (has) out.push(v);
      return has;
    };
    walk(s);
    l = out;
    positionedMemo.set(s, l);
  }
  return l;
}

/**
 * A product without findings moved by `d` lines, its callee summaries
 * `before` replaced by `after` (same shapes): positions shifted, except
 * those it shares with a callee's summary (`inner.pos = deep.pos`), which
 * become the new callee's. Exactly what summarising and extracting events
 * from relocate()d records gives, as long as no string names a renamed
 * instance (`x@123`): undefined then, and when the callee summaries do not
 * pair up object for object. `own`: copy every position even when `d` is 0,
 * so that the product owns them (OWNED).
 */
export function relocateProduct(p: FnProduct, d: number, before: readonly (Summary | undefined)[], after: readonly (Summary | undefined)[], own = d !== 0): FnProduct | undefined {
  const memo = new Map<object, unknown>();
  // the callees' objects that hold positions, old to new (an object reached through two callees must map to one thing)
  for (let i = 0; i < before.length; i++) {
    const a = before[i];
    const b = after[i];
    if (!a || !b) { if (a !== b) return undefined; continue; }
    const pa = positionedOf(a);
    const pb = a === b ? pa : positionedOf(b);
    if (pa.length !== pb.length) return undefined;
    for (let k = 0; k < pa.length; k++) {
      const x = pa[k];
      const y = pb[k];
      if (isPosition(x) !== isPosition(y) || Array.isArray(x) !== Array.isArray(y)) return undefined;
      const m = memo.get(x);
      if (m === undefined) memo.set(x, y); else if (m !== y) return undefined;
    }
  }
  let ok = true;
  const owned: object[] = [];
  // objects met that relocation may change: positions, renamed instances, callee objects (and copies made)
  let touched = 0;
  // copy-on-write: what holds no position and no callee object is shared with the previous product (products are never
  // modified, except the positions a product owns, which only its own moves shift: OWNED)
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v.indexOf('@') >= 0) { ok = false; touched++; }
      return v;
    }
    if (v === null || typeof v !== 'object') return v;
    if (STATIC.has(v)) return v;
    if (memo.has(v)) { touched++; return memo.get(v); }
    const before = touched;
    let res: unknown = v;
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const y = copy(v[i]);
        if (y !== v[i] && !out) out = v.slice(0, i);
        if (out) out.push(y);
      }
      if (out) res = out;
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) { ok = false; return v; }
      const o = v as Record<string, unknown>;
      const moves = own && typeof o.line === 'number';
      let out: Record<string, unknown> | undefined;
      for (const k of Object.keys(o)) {
        const y = copy(o[k]);
        if (!out && (y !== o[k] || moves)) {
          out = {};
          for (const j of Object.keys(o)) { if (j === k) break; out[j] = o[j]; }
        }
        if (out) out[k] = y;
      }
      if (typeof o.line === 'number') touched++;
      if (out && moves) {
        out.line = (o.line as number) + d;
        if (typeof o.endLine === 'number') out.endLine = o.endLine + d;
        owned.push(out);
      }
      if (out) res = out;
    }
    // nothing in it can ever change: later relocations skip it
    if (touched === before) STATIC.add(v);
    else touched++;
    memo.set(v, res);
    return res;
  };
  // (a copy without rec and lazyRec, rather than deleting them: a deleted property other than the last makes the object a dictionary)
  const { rec: _rec, lazyRec: _lazy, ...rest } = p;
  const out: FnProduct = { ...rest, summary: copy(p.summary) as Summary, findings: [] };
  if (p.events) out.events = copy(p.events) as FnEvents;
  if (!ok) return undefined;
  if (own) OWNED.set(out.summary, owned);
  return out;
}

/** A Map filled from `fill` on first use. */
class LazyMap<K, V> extends Map<K, V> {
  private pending?: () => Map<K, V>;
  constructor(fill: () => Map<K, V>) { super(); this.pending = fill; }
  private ready(): void {
    const f = this.pending;
    if (!f) return;
    this.pending = undefined;
    for (const [k, v] of f()) super.set(k, v);
  }
  override get(k: K): V | undefined { this.ready(); return super.get(k); }
  override has(k: K): boolean { this.ready(); return super.has(k); }
  override set(k: K, v: V): this { this.ready(); return super.set(k, v); }
  override delete(k: K): boolean { this.ready(); return super.delete(k); }
  override clear(): void { this.pending = undefined; super.clear(); }
  override get size(): number { this.ready(); return super.size; }
  override forEach(cb: (v: V, k: K, m: Map<K, V>) => void, thisArg?: unknown): void { this.ready(); super.forEach(cb, thisArg); }
  override entries(): MapIterator<[K, V]> { this.ready(); return super.entries(); }
  override keys(): MapIterator<K> { this.ready(); return super.keys(); }
  override values(): MapIterator<V> { this.ready(); return super.values(); }
  override [Symbol.iterator](): MapIterator<[K, V]> { this.ready(); return super[Symbol.iterator](); }
}

/** JSON.stringify replacer dropping positions. */
export function positionFree(this: unknown, key: string, v: unknown): unknown {
  return droppedAsPosition(v) ? undefined : v;
}

/** What positionFree() drops. */
function droppedAsPosition(v: unknown): boolean {
  return v !== null && typeof v === 'object' && typeof (v as { line?: unknown }).line === 'number' && 'endLine' in (v as object);
}

/**
 * Are `a` and `b` the same data, positions aside? Walks both instead of
 * writing their JSON: true only where `JSON.stringify(a, positionFree) ===
 * JSON.stringify(b, positionFree)` (the same keys in the same order, equal
 * primitives, a position opposite a position), without building the two
 * strings (a large file's ops tables on every keystroke). It may say false
 * where the JSON is equal after all (a position opposite a missing key):
 * callers take that as "changed".
 */
export function samePositionFree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const pa = droppedAsPosition(a);
  if (pa || droppedAsPosition(b)) return pa && droppedAsPosition(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!samePositionFree(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || !samePositionFree((a as Record<string, unknown>)[ka[i]], (b as Record<string, unknown>)[kb[i]])) return false;
  }
  return true;
}

/**
 * A copy of a function's dataflow records moved by `d` lines: positions and
 * trail lines shifted, renamed instances (`inode@123`) renumbered, and
 * references to the previous run's function IR and callee summaries swapped
 * for the current ones. Class instances (the resolver) are shared: they hold
 * no positions. Shared sub-objects stay shared.
 */
export function relocate(rec: FnRecords, d: number, swap: Map<object, object | undefined>): FnRecords {
  const memo = new Map<object, unknown>(swap);
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (d === 0 || v.indexOf('@') < 0) return v;
      const m = /^([^\s"'@]*[\w)\]])@(\d+)$/.exec(v);
      return m ? `${m[1]}@${Number(m[2]) + d}` : v;
    }
    if (v === null || typeof v !== 'object') return v;
    if (memo.has(v)) return memo.get(v);
    if (v === rec.heldAt && v instanceof Map) {
      // per-node states (hovers): the biggest part of the records and rarely read; relocated on first use
      const out = new LazyMap<number, State[]>(() => { const m = new Map<number, State[]>(); for (const [k, x] of rec.heldAt) m.set(k, copy(x) as State[]); return m; });
      memo.set(v, out);
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      memo.set(v, out);
      for (const [k, x] of v) out.set(k, copy(x));
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      memo.set(v, out);
      for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    memo.set(v, out);
    for (const k of Object.keys(o)) out[k] = copy(o[k]);
    if (d !== 0 && typeof o.line === 'number') {
      // a position, or a trail step {line, what}
      out.line = o.line + d;
      if (typeof o.endLine === 'number') out.endLine = o.endLine + d;
    }
    return out;
  };
  return copy(rec) as FnRecords;
}

function annotationKey(fn: FunctionIR): string {
  return fn.annotations.length ? JSON.stringify(fn.annotations) : '';
}
