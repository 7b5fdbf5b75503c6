// The engine's front door: a set of files, the user's configuration, and one
// analysis over all of them (per-function dataflow in call-graph order so
// callees are summarised before their callers, then the rules). The CLI and
// the language server both drive this class; neither re-implements analysis.
import { Knowledge } from '../model/knowledge';
import { StructTable } from '../model/classes';
import { emptyConfig, LockorderConfig } from '../model/config';
import type { FsTypes } from '../model/fsTypes';
import { analyzeFunction, Budget, DEFAULT_BUDGET, FnRecords } from './dataflow';
import type { Finding } from './diagnostic';
import type { FileIR, FunctionIR, StructDef } from './ir';
import { callSites } from './ir';
import { RuleChanges, WorkspaceRuleRun } from './ruleRun';
import { CompQueue, DeltaIndex } from './delta';
import type { FnEvents } from './events';
import { buildFaultPaths, faultHandlers, FaultPath } from './faultpath';
import { DeclaredOrder } from './orders';
import { EXTERNAL_EFFECTS } from '../model/externals';
import type { ClassKey } from './locks';
import { splitLast } from '../model/classes';
import { lockObject } from '../parse/exprs';
import type { Summary, SummaryLookup } from './summaryTypes';
import { contentOf, IncrementalFiles, memoByContent } from './incremental';
import { AnalysisReuse, FnProduct, GlobalLookup, LazyRecords, markForeign, ownedProduct, quotesCallees, recordsOf, samePositionFree, StructLookup, summaryDeps } from './reuse';
import { callGraph, CallGraph, callStandIn, forgetKeys, isRecursive, keyOf, opsTargetsOf, resolvedCalls, sameComponents } from './callgraph';
import { entryHeldOf, FnJobEnv, productOf, runDataflow } from './fnjob';
import { dropText } from './irText';
import { JobLookups, ParallelOptions, runParallel } from './parallel';
import { GlobalView, StructView } from './lookups';

export interface WorkspaceOptions {
  config?: LockorderConfig;
  budget?: Budget;
  /** files larger than this are skipped with one information diagnostic */
  maxFileBytes?: number;
  /** keep per-node states for hovers / inlay hints */
  keepStates?: boolean;
  /**
   * With keepStates: the files whose functions keep their dataflow records
   * (the editor's open documents; all files when absent). The others are
   * analysed without per-node states and keep only their products: a
   * function of such a file that stops being a plain hit is relocated at
   * product level or analysed again, and its records are made when its file
   * is next accepted (opened) and it is checked. With all of Linux 6.12 fs/
   * indexed the records were about 540 MB of the 1.37 GB live heap.
   */
  recordsFor?: (file: string) => boolean;
  /** rules turned off */
  disabledRules?: ReadonlySet<string>;
  /**
   * Tests: called with every product relocated without re-running anything
   * (incremental.ts) and the product computed from its relocated records,
   * which it must equal.
   */
  verifyRelocation?: (id: string, relocated: FnProduct, fromRecords: FnProduct) => void;
}

export interface FileEntry {
  path: string;
  ir: FileIR;
  size: number;
  skipped?: string;
}

export interface AnalysisResult {
  findings: Finding[];
  files: number;
  functions: number;
  /** keyed `${file}::${name}`; built-in knowledge of external functions under `<built-in>::${name}` */
  summaries: Map<string, Summary>;
  budgetHits: number;
  /** compact per-function events (order edges, faults, sleeps, truncates) */
  events: FnEvents[];
  faultPaths: Map<string, FaultPath>;
  declared: DeclaredOrder;
  /** per-filesystem-type lock classes (model/fsTypes.ts) */
  fsTypes: FsTypes;
}

const BUILTIN_FILE = '<built-in: kernel knowledge>';

/** Summaries of well-known kernel functions whose bodies are not analysed. */
function externalSummaries(): Map<string, Summary> {
  const out = new Map<string, Summary>();
  const pos = { line: 0, col: 0, endLine: 0, endCol: 0 };
  for (const [name, e] of Object.entries(EXTERNAL_EFFECTS)) {
    out.set(name, {
      name, file: `<built-in: ${e.where}>`, pos, acquires: [], releases: [], requires: [],
      inner: e.inner.map((i) => ({ template: `?${i.cls}`, cls: i.cls, kind: i.kind, mode: i.mode, file: `<built-in: ${e.where}>`, pos, chain: [] })),
      sleep: e.sleeps ? { file: `<built-in: ${e.where}>`, pos, api: name, chain: [] } : undefined,
    });
  }
  return out;
}

export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024;

/** Path order: by components, each compared as a string (`a/b.c` before `a-b.c`, as a sorted directory walk meets them). */
export function comparePaths(a: string, b: string): number {
  const x = a.split(/[\\/]/);
  const y = b.split(/[\\/]/);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

export class Workspace {
  private readonly files = new Map<string, FileEntry>();
  /** the files' paths in analysis order (ordered()), until a file is added or removed */
  private paths?: string[];
  private know: Knowledge;
  private readonly opts: WorkspaceOptions;
  /** records of the last analysis, kept only with keepStates (editor); relocated ones are relocated when read */
  readonly records = new RecordsMap((k) => this.recordsOnDemand(k));
  lastResult?: AnalysisResult;
  /** incremental re-parsing of edited files, and per-function products reused across analyze() calls (incremental.ts) */
  private readonly incr = new IncrementalFiles();
  readonly reuse = new AnalysisReuse();
  /** the call graph of the last analysis (reused while no function's calls changed) */
  private graph?: CallGraph;
  /** the current run's struct table, as the struct views of analysed functions see it */
  private readonly structsNow: { current: StructTable } = { current: new StructTable() };
  /** the same for the global lock map */
  private readonly globalsNow: { current: ReadonlyMap<string, string> } = { current: new Map() };
  /** each function's id in the product cache, by its index in the run (kept while the set of functions is the same) */
  private ids?: string[];
  /** the index of each id in `ids` (made by keepForDelta(), anew with `ids`) */
  private idIndex?: Map<string, number>;
  /** bumped when every name may resolve differently (other ops members, no last run, many names changed: namesMayResolveAnew) */
  private epoch = 0;
  /**
   * Within an epoch: bumped when some names' definitions changed (a function
   * added, removed, renamed or made static), each such name remembering the
   * version it changed at; a function's summary keys are resolved again only
   * if it calls one of them (depKeysOf).
   */
  private version = 0;
  private readonly nameChanged = new Map<string, number>();
  /** the last run's functions by name (their files and linkage decide how a name resolves) */
  private lastByName?: Map<string, { fn: FunctionIR; file: string }[]>;
  /** per file: the summary key each called name resolves to (null: none), kept while the set of functions is the same */
  private readonly resolved = new Map<string, Map<string, string | null>>();
  /** what the last run leaves for the next to start from when only one file changed (deltaRun; editor only) */
  private last?: LastRun;
  /** files given since the last analysis; `structural`: a file was added or removed, or the knowledge changed */
  private readonly changed = new Set<string>();
  /** recordsFor: files whose functions have kept their records since they were accepted, and files accepted since the last run */
  private readonly recorded = new Set<string>();
  private readonly wantRecords = new Set<string>();
  private structural = true;
  /** analyses run in full / as delta runs (deltaRun), and of those how many rebuilt the call graph (its components unchanged) */
  readonly runs = { full: 0, delta: 0, deltaCalls: 0, deltaReordered: 0 };
  /** the workspace rules' parts, kept between runs (ruleRun.ts) */
  private readonly ruleRun = new WorkspaceRuleRun();
  /** what the last analysis used, to re-run single functions (simulator, hovers) */
  private lastCtx?: {
    structs: StructTable; globals: Map<string, string>; lookupFor: (file: string) => SummaryLookup;
    handlerNames: Set<string>; byName: Map<string, { fn: FunctionIR; file: string }[]>;
    classKeys: ClassKey[];
  };

  constructor(opts: WorkspaceOptions = {}) {
    this.opts = opts;
    this.know = new Knowledge(opts.config ?? emptyConfig());
  }

  get knowledge(): Knowledge { return this.know; }

  setConfig(config: LockorderConfig): void {
    this.know = new Knowledge(config);
    this.reuse.clear();
    this.structural = true;
  }

  setFile(path: string, text: string): FileEntry {
    const max = this.opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    let entry: FileEntry;
    if (text.length > max) {
      entry = { path, size: text.length, skipped: `file is ${(text.length / 1048576).toFixed(1)} MB, over the ${(max / 1048576).toFixed(1)} MB limit (lockorder.maxFileSize)`,
        ir: { path, functions: [], prototypes: [], structs: [], globals: [], ops: [], directives: [], errorFunctions: 0, lines: 0 } };
    } else {
      entry = { path, size: text.length, ir: this.incr.build(path, text) };
    }
    if (entry.skipped) this.incr.forget(path);
    this.put(path, entry);
    this.noteRecords(path);
    return entry;
  }

  /** Add a file whose IR was built elsewhere (worker thread, cache). */
  setFileIR(path: string, ir: FileIR, size: number, skipped?: string): void {
    this.put(path, { path, ir, size, skipped });
    this.noteRecords(path);
  }

  /** recordsFor: a file given again is to get records if it is now accepted (and had none), or stops counting as recorded. */
  private noteRecords(path: string): void {
    const accept = this.opts.recordsFor;
    if (!this.opts.keepStates || !accept) return;
    if (!accept(path)) this.recorded.delete(path);
    else if (!this.recorded.has(path)) this.wantRecords.add(path);
  }

  /** The run that follows has checked every function of the files that wanted records (a delta run: deltaRun() made them edited). */
  private recordsMade(): void {
    for (const p of this.wantRecords) this.recorded.add(p);
    this.wantRecords.clear();
  }

  removeFile(path: string): void {
    if (this.files.delete(path)) { this.paths = undefined; this.structural = true; }
    forgetKeys(path);
    this.incr.forget(path);
  }

  private put(path: string, entry: FileEntry): void {
    if (!this.files.has(path)) { this.paths = undefined; this.structural = true; }
    this.files.set(path, entry);
    this.changed.add(path);
  }

  /**
   * The files in path order (component by component, as `lockorder check`
   * walks a directory), whatever order they were added in: what the
   * analysis reads first wins ties (which definition of a twice-defined
   * function callers see, which site of a cycle reports it), so the
   * language server, whose files arrive as they are opened and indexed,
   * gives what the CLI gives.
   */
  private ordered(): FileEntry[] {
    return this.orderedPaths().map((p) => this.files.get(p)!);
  }
  private orderedPaths(): readonly string[] {
    return (this.paths ??= [...this.files.keys()].sort(comparePaths));
  }

  /** Functions named `name` in the last analysis (file given first when it has one). */
  findFunction(name: string, file?: string): { fn: FunctionIR; file: string } | undefined {
    const cands = this.lastCtx?.byName.get(name) ?? [];
    return cands.find((c) => c.file === file) ?? cands.find((c) => !c.fn.isStatic) ?? cands[0];
  }

  /**
   * The summary a call to `name` from `file` read in the last analysis (the
   * caller's own static function first, then the one non-static or only
   * definition, else built-in knowledge: WorkspaceRun.resolve); undefined
   * when no definition resolves (static ones in other files only).
   */
  calleeSummary(file: string, name: string): Summary | undefined {
    return this.lastCtx?.lookupFor(file).get(name);
  }

  /** Is `name` a page-fault handler (.fault/.page_mkwrite/...) in the analysed files? */
  isFaultHandler(name: string): boolean { return this.lastCtx?.handlerNames.has(name) ?? false; }

  /** Re-run one function of the last analysis, with extra recording (the simulator's product graph). */
  reanalyze(file: string, fn: FunctionIR, extra: { product?: boolean; keepStates?: boolean } = {}): FnRecords | undefined {
    const c = this.lastCtx;
    if (!c) return undefined;
    const entryHeld = entryHeldOf(fn, c.handlerNames.has(fn.name));
    return analyzeFunction(fn, { file, know: this.know, structs: c.structs, globals: c.globals, summaries: c.lookupFor(file), budget: this.opts.budget ?? DEFAULT_BUDGET, entryHeld, classKeys: c.classKeys, ...extra });
  }
  /**
   * The records of a function that kept none (recordsFor: not an open
   * document), made by running it again on the last analysis's summaries;
   * for queries (a hover in a file that was never opened), kept until its
   * product next changes or a full run.
   */
  private recordsOnDemand(key: string): FnRecords | undefined {
    if (!this.opts.keepStates || !this.last) return undefined;
    const i = key.lastIndexOf('::');
    const file = key.slice(0, i);
    const name = key.slice(i + 2);
    // (of #ifdef twins, the last: the one whose records the key holds after a run)
    const x = this.last.run.byName.get(name)?.filter((c) => c.file === file).pop();
    return x && this.reanalyze(file, x.fn, { keepStates: true });
  }
  getFile(path: string): FileEntry | undefined { return this.files.get(path); }
  /** The files, in analysis order (path order). */
  fileList(): string[] { return [...this.orderedPaths()]; }

  /** One analysis over every file, on this thread. */
  analyze(): AnalysisResult {
    let delta: AnalysisResult | undefined;
    try {
      delta = this.deltaRun();
    } catch (e) {
      // a delta run changes the kept run in place: after a failure, only a full run may follow
      this.last = undefined;
      this.structural = true;
      throw e;
    }
    this.recordsMade();
    if (delta) { this.runs.delta++; return delta; }
    this.runs.full++;
    const run = this.beginRun();
    const products: FnProduct[][] = [];
    for (const scc of run.order) {
      const p = this.sccProducts(run, scc);
      products.push(p);
      this.applyProducts(run, scc, p);
    }
    this.keepForDelta(run, products);
    return this.finishRun(run, products);
  }

  /**
   * A full run with the per-function dataflow spread over worker threads
   * (parallel.ts): each call-graph component runs once every component it
   * calls has its summary. Results equal analyze()'s. Used by whole-tree
   * CLI runs (no per-node states, no incremental reuse) and by the editor's
   * background indexing (keepStates): there the products go into the reuse
   * as the sequential loop's do (keptProducts), so that the delta runs that
   * follow start from them, and the loop that puts them there yields to the
   * event loop every `yieldMs` (the caller's Workspace must not be used
   * until the promise settles).
   */
  async analyzeParallel(opts: ParallelOptions & { yieldMs?: number }): Promise<AnalysisResult> {
    this.last = undefined;
    this.structural = true;
    const run = this.beginRun();
    if (!this.opts.keepStates) {
      const { products } = await runParallel(run, opts);
      run.order.forEach((scc, i) => this.applyProducts(run, scc, products[i]));
      this.reuse.clear();
      return this.finishRun(run, products);
    }
    const par = await runParallel(run, { ...opts, lookups: true });
    const products: FnProduct[][] = [];
    let slice = performance.now();
    for (let i = 0; i < run.order.length; i++) {
      const scc = run.order[i];
      const p = this.keptProducts(run, scc, par.products[i], par.lookups![i]);
      products.push(p);
      this.applyProducts(run, scc, p);
      if (opts.yieldMs !== undefined && performance.now() - slice > opts.yieldMs) {
        await new Promise<void>((r) => setImmediate(r));
        slice = performance.now();
      }
    }
    this.recordsMade();
    this.runs.full++;
    this.keepForDelta(run, products);
    return this.finishRun(run, products);
  }

  /**
   * One component's products in the editor's parallel run, in the
   * sequential order (its callees' summaries are in run.summaries): each
   * function is looked up in the reuse as sccProducts() does and, unless its
   * previous product still holds, stored with the worker's product and the
   * lookups the worker recorded (marked as a worker's: reused, never
   * relocated). A component with a function whose file keeps records (an
   * open document) is analysed here instead, for its records.
   */
  private keptProducts(run: WorkspaceRun, scc: readonly { fn: FunctionIR; file: string }[], made: readonly FnProduct[], lookups: readonly JobLookups[]): FnProduct[] {
    if (scc.some(({ file }) => this.opts.recordsFor?.(file) ?? true)) return this.sccProducts(run, scc);
    const recursive = run.recursive.get(scc) ?? isRecursive(scc);
    return scc.map((x, i) => {
      const { fn, file } = x;
      const { reuse } = this.checkReuse(run, x, recursive, false);
      let product = reuse.hit;
      if (!product) {
        product = made[i];
        markForeign(product);
        reuse.store({ ...product, findings: product.findings.map((f) => ({ ...f })) }, lookups[i]);
      }
      run.summaries.set(keyOf(file, fn.name), product.summary);
      return product;
    });
  }

  /** Keep a full run for deltaRun() (the editor only: its products are reused across runs). */
  private keepForDelta(run: WorkspaceRun, products: FnProduct[][]): void {
    this.changed.clear();
    this.structural = false;
    if (!this.opts.keepStates) { this.last = undefined; return; }
    const irs: LastRun['irs'] = new Map();
    run.irs.forEach((ir, index) => irs.set(ir.path, { ir, index, fns: [], skipped: !!this.files.get(ir.path)?.skipped }));
    run.fns.forEach((x, i) => irs.get(x.file)?.fns.push(i));
    // what delta runs look up (made now: the first delta run after a full one would otherwise pay for it)
    const index = new DeltaIndex(run.order, (x) => this.entryKeys(run, x), products);
    this.last = { run, products, irs, index };
    this.idIndex ??= new Map(this.ids!.map((id, i) => [id, i]));
  }

  /**
   * The editor's analysis after an edit to one file that left its shape
   * alone: the same functions (names and linkage, in order), the same
   * struct, global, ops and directive facts (their positions aside), the same
   * prototypes; calls that resolve differently only when the call graph over
   * the new functions has the same components in the same order. The last
   * run's tables, order and final summaries are kept, and the run visits, in
   * order (delta.ts), the components holding a function of that file whose
   * IR object changed (edited or moved), then the readers of every key whose
   * summary changed or moved in place; a visited component is re-checked
   * (AnalysisReuse.check, as a full run would, on the summaries as a full run
   * has them at that point: DeltaIndex.atPoint) when check() would not find
   * one of its functions a plain hit: edited, or a callee summary it reads
   * changed and is neither the object it read nor of the same content, or
   * moved in place while its findings may quote lines (quotesCallees: not a
   * budget note). When the file's structs or
   * global locks were edited, the struct table or global map is made anew and
   * the functions that looked up an edited one are visited too (their
   * recorded lookups decide, as in a full run). Declared orders and fault
   * handlers are rebuilt when the file's directives or vm_operations moved,
   * fault paths when a handler's summary changed or moved; the workspace
   * rules re-check the parts of the components whose events changed
   * (ruleRun.ts). Undefined when the edit is not of that kind (a full run
   * follows). Exactness: test/robustness/incremental*.test.ts and
   * ruleParts.test.ts compare every product and finding with a from-scratch
   * analysis.
   */
  private deltaRun(): AnalysisResult | undefined {
    const last = this.last;
    if (!last || this.structural || this.changed.size !== 1) return undefined;
    const path = this.changed.values().next().value as string;
    const entry = this.files.get(path);
    const was = last.irs.get(path);
    if (!entry || !was || was.skipped || entry.skipped) return undefined;
    const shape = this.sameShape(last.run, was.ir, entry.ir);
    if (!shape) return undefined;
    const run = last.run;
    const ir = entry.ir;
    /** the call graph's components were renumbered (reorder(): the run's events are a copy) */
    let reordered = false;
    if (shape === 'calls') {
      // calls that resolve changed: the call graph again, kept only when its components come out the same
      // (or the same in another order that changes what no component reads)
      const now = run.fns.slice();
      was.fns.forEach((k, i) => { now[k] = { fn: ir.functions[i], file: path }; });
      const graph = callGraph(now, run.opsTargets, this.graph, was.fns);
      const prev = this.graph!;
      if (!sameComponents(graph.comps, prev.comps) || graph.compRecursive.some((r, i) => r !== prev.compRecursive[i])) {
        if (!this.reorder(last, prev, graph, was.fns.filter((k, i) => run.fns[k].fn !== ir.functions[i]))) return undefined;
        this.runs.deltaReordered++;
        reordered = true;
      }
      this.graph = run.graph = graph;
      this.runs.deltaCalls++;
    }
    // the file's functions, one for one: new IR objects take the old ones' places in the run
    const edited = new Set<{ fn: FunctionIR; file: string }>();
    /** of those, the ones whose content changed (the others only moved: the same summary keys, read by the same components) */
    const rewritten: { fn: FunctionIR; file: string }[] = [];
    const prevIr = was.ir;
    if (ir !== was.ir) {
      const replaced = shape === 'same';
      was.fns.forEach((k, i) => {
        const x = run.fns[k];
        const fn = ir.functions[i];
        if (x.fn === fn) return;
        const extra = run.protoAnns.get(fn.name);
        if (extra && fn.annotations.length === 0) { fn.annotations = extra.map((a) => ({ ...a })); dropText(fn); }
        const id = run.reuseIds.get(x.fn)!;
        run.reuseIds.delete(x.fn);
        run.reuseIds.set(fn, id);
        if (contentOf(fn) !== contentOf(x.fn)) { run.deps.delete(x); rewritten.push(x); }
        x.fn = fn;
        edited.add(x);
      });
      run.irs[was.index] = ir;
      was.ir = ir;
      if (replaced) this.graph?.replaceStandIns(was.fns, ir.functions);
    }
    // a file just accepted by recordsFor (opened): its functions are checked again, to make their records
    if (this.wantRecords.has(path)) for (const k of was.fns) edited.add(run.fns[k]);
    // structs or globals edited in the file: the run's tables anew, and every function that looked one of them up checked again
    const structsEdited = editedByName(prevIr.structs, ir.structs);
    const globalsEdited = editedByName(prevIr.globals, ir.globals);
    if (structsEdited.size) {
      const { structs, structDefs } = structTableOf(this.ordered());
      run.env = { ...run.env, structs };
      run.structDefs = structDefs;
      this.structsNow.current = structs;
      this.reuse.setTables(run.irs, { structs });
    }
    if (globalsEdited.size) {
      const globals = globalMapOf(this.ordered());
      run.env = { ...run.env, globals };
      this.globalsNow.current = globals;
      this.reuse.setTables(run.irs, { globals });
    }
    if (structsEdited.size || globalsEdited.size) {
      const readers = this.reuse.readingTables(structsEdited, globalsEdited);
      // (run.fns[i] has id this.ids[i], in delta runs too: an entry given a new fn keeps the old one's id)
      for (const id of readers) { const i = this.idIndex!.get(id); if (i !== undefined) edited.add(run.fns[i]); }
    }
    this.changed.clear();
    // what carries the file's positions: rebuilt when they moved
    const directivesMoved = JSON.stringify(prevIr.directives) !== JSON.stringify(ir.directives);
    if (directivesMoved) run.declared = new DeclaredOrder(this.know.orders, run.irs);
    // (fault handlers come from vm_operations_struct initialisers only)
    const vmOps = (x: FileIR): string => JSON.stringify(x.ops.filter((o) => o.structType === 'vm_operations_struct'));
    const opsMoved = vmOps(prevIr) !== vmOps(ir);
    if (opsMoved) run.handlers = faultHandlers(run.irs);
    run.findings = [...run.skippedFindings, ...declaredErrors(run.declared)];
    this.reuse.beginDelta();
    const depKeys = (x: { fn: FunctionIR; file: string }): readonly (string | null)[] => this.entryKeys(run, x);
    const ix = last.index;
    // components to visit, in order: those of the edited functions, then the readers of what changed
    const queue = new CompQueue();
    for (const x of edited) queue.push(ix.compOf.get(x)!);
    for (const x of rewritten) {
      const s = ix.compOf.get(x)!;
      for (const k of depKeys(x)) if (k !== null) ix.addReader(k, s);
    }
    /** keys whose summary is not the object the last run had (at the points after their component) */
    const changedKeys = new Set<string>();
    /** keys whose summary was moved in place in this run */
    const movedKeys = new Set<string>();
    const moved = this.reuse.movedInPlace();
    /** Would AnalysisReuse.check() not find `x` (last product `p`, component `s`) a plain hit? */
    const stale = (x: { fn: FunctionIR; file: string }, p: FnProduct, s: number): boolean => {
      if (edited.has(x)) return true;
      if (changedKeys.size === 0 && movedKeys.size === 0) return false;
      const deps = depKeys(x);
      let seen: readonly (Summary | undefined)[] | undefined;
      for (let j = 0; j < deps.length; j++) {
        const k = deps[j];
        if (k === null || (!changedKeys.has(k) && !movedKeys.has(k))) continue;
        // what check() asks: the summary read then and the one now are the same (or of the same content),
        // and no findings (which quote lines) read a callee that moved in place
        if (movedKeys.has(k) && quotesCallees(p)) return true;
        seen ??= this.reuse.summariesSeen(run.reuseIds.get(x.fn) ?? keyOf(x.file, x.fn.name));
        const now = ix.valueAt(k, s, run.summaries, last.products);
        if (!seen || (seen[j] !== now && !this.reuse.sameSummary(now, seen[j]))) return true;
      }
      return false;
    };
    /** components whose events changed (for the workspace rules), and the files of their functions */
    const dirty = new Set<number>();
    const dirtyFiles = new Set<string>();
    /** of those, components whose products are the same objects, only moved in place (events with the same content) */
    const movedOnly = new Set<number>();
    /** keys whose summary changed or moved in this run */
    const touched = new Set<string>();
    /** components re-checked; the run's events, to be updated in place */
    const rechecked: number[] = [];
    for (let s = queue.pop(); s !== undefined; s = queue.pop()) {
      const scc = run.order[s];
      const before = last.products[s];
      const at = s;
      if (!scc.some((x, i) => stale(x, before[i], at))) continue;
      const undo = ix.atPoint(s, scc, depKeys, run.summaries, last.products);
      const now = this.sccProducts(run, scc);
      undo();
      last.products[s] = now;
      rechecked.push(s);
      for (let i = 0; i < now.length; i++) run.budgetHits += (now[i].budgetHit ? 1 : 0) - (before[i].budgetHit ? 1 : 0);
      let same = true;
      scc.forEach(({ fn, file }, i) => {
        const key = keyOf(file, fn.name);
        const changed = now[i].summary !== before[i].summary;
        const movedNow = moved.has(now[i].summary);
        if (changed) changedKeys.add(key); else changedKeys.delete(key);
        if (movedNow) movedKeys.add(key); else movedKeys.delete(key);
        if (changed || movedNow) {
          touched.add(key);
          for (const r of ix.readersAfter(key, s)) queue.push(r);
        }
        if (now[i] !== before[i]) { dirty.add(s); dirtyFiles.add(file); same = false; } else if (movedNow) dirty.add(s);
        this.recordProduct(run, key, now[i]);
        // an #ifdef twin's key ends the run holding the last twin's summary and records
        if (ix.isTwin(key)) this.recordProduct(run, key, ix.lastDef(key, last.products));
      });
      if (same && dirty.has(s)) movedOnly.add(s);
    }
    // the run's events (in place where every re-checked function still has events or still has none) and per-function findings, in order
    // (the last result keeps its list: one changed is a copy, made by the first change, or by reorder())
    const events = { list: run.events, own: reordered };
    if (rechecked.every((s) => ix.patch(s, last.products, events))) run.events = events.list;
    else {
      run.events = eventsOf(last.products);
      ix.indexProducts(last.products);
    }
    for (const s of ix.withFindings()) for (const p of last.products[s]) for (const f of p.findings) run.findings.push({ ...f });
    // the fault paths again if a handler's summary changed or moved, or the handlers moved
    const faultFs = new Set<string>();
    if (opsMoved || run.handlers.some((h) => { const k = this.handlerKey(run, h); return k !== undefined && touched.has(k); })) {
      const before = run.faultPaths!;
      run.faultPaths = this.faultPathsOf(run);
      for (const fs of new Set([...before.keys(), ...run.faultPaths.keys()])) {
        if (JSON.stringify(before.get(fs)) !== JSON.stringify(run.faultPaths.get(fs))) faultFs.add(fs);
      }
    }
    return this.finishRun(run, last.products, directivesMoved ? undefined : { comps: dirty, movedOnly, files: dirtyFiles, faultFs });
  }

  /**
   * The rebuilt call graph has the last run's components, each with the same
   * functions in the same order and recursion, but Tarjan's search put them
   * in another order (a call that no longer resolves changed where it
   * started from). A full run would analyse them in the new order; its
   * products equal the kept ones as long as every component reads each key
   * after the same definitions of it as before (DeltaIndex.sameReads; the
   * components of `edited`, indices of functions whose IR object changed, are
   * analysed again anyway). Then the kept run takes the new order (its
   * components, products, index, the workspace rules' parts and events, as a
   * full run makes them) and this is a delta run; else a full run (what it
   * always was before: 0.7-1 s with fs/ indexed, for a keystroke in a called
   * name). Only the components between the first and the last one that
   * changed places are touched (with fs/ indexed, typically a few hundred of
   * 40,000).
   */
  private reorder(last: LastRun, prev: CallGraph, graph: CallGraph, edited: readonly number[]): boolean {
    const run = last.run;
    const a = prev.comps;
    const b = graph.comps;
    const n = a.start.length - 1;
    if (b.start.length - 1 !== n) return false;
    /** new component -> old, old -> new */
    const from = new Int32Array(n);
    const to = new Int32Array(n);
    let lo = -1;
    let hi = -1;
    for (let c = 0; c < n; c++) {
      const o = a.compOf[b.members[b.start[c]]];
      const len = b.start[c + 1] - b.start[c];
      if (a.start[o + 1] - a.start[o] !== len || prev.compRecursive[o] !== graph.compRecursive[c]) return false;
      for (let k = 0; k < len; k++) if (a.members[a.start[o] + k] !== b.members[b.start[c] + k]) return false;
      from[c] = o;
      to[o] = c;
      if (o !== c) { if (lo < 0) lo = c; hi = c; }
    }
    if (lo < 0) return true;
    const depKeys = (x: { fn: FunctionIR; file: string }): readonly (string | null)[] => this.entryKeys(run, x);
    if (!last.index.sameReads(to, lo, hi, run.order, depKeys, new Set(edited.map((k) => a.compOf[k])))) return false;
    // (run.recursive is keyed by the components themselves, which are the same arrays)
    const order = run.order.slice(lo, hi + 1);
    const products = last.products.slice(lo, hi + 1);
    for (let c = lo; c <= hi; c++) {
      run.order[c] = order[from[c] - lo];
      last.products[c] = products[from[c] - lo];
    }
    // (the last result keeps its events: this run's are a copy, which deltaRun() then changes in place)
    run.events = run.events.slice();
    last.index.renumber(to, lo, hi, run.order, depKeys, last.products, run.events);
    this.ruleRun.renumber(to, lo, hi);
    return true;
  }

  /**
   * Is `b` (the new IR of a file) of the same shape as `a` for deltaRun():
   * the same functions in order, each new one setting the lockdep classes its
   * old one did; the same ops members and directives up to positions (struct
   * and global tables may differ: deltaRun makes them anew);
   * the same prototypes. 'same' when every function also makes the calls that
   * resolve (to a function of the workspace, or through an ops member: what
   * the call graph follows) as before, 'calls' when some do not.
   */
  private sameShape(run: WorkspaceRun, a: FileIR, b: FileIR): 'same' | 'calls' | false {
    if (a === b) return 'same';
    if (a.functions.length !== b.functions.length || !!a.notC !== !!b.notC) return false;
    let calls = false;
    for (let i = 0; i < a.functions.length; i++) {
      const f = a.functions[i];
      const g = b.functions[i];
      if (f === g || contentOf(f) === contentOf(g)) continue;
      if (f.name !== g.name || f.isStatic !== g.isStatic) return false;
      if (!calls && resolvedCalls(callStandIn(f), run.byName, run.opsTargets) !== resolvedCalls(callStandIn(g), run.byName, run.opsTargets)) calls = true;
      if (JSON.stringify(classKeyCallsOf(f, this.know)) !== JSON.stringify(classKeyCallsOf(g, this.know))) return false;
    }
    const same = JSON.stringify(a.prototypes) === JSON.stringify(b.prototypes) &&
      samePositionFree(a.ops, b.ops) && samePositionFree(a.directives, b.directives);
    return same ? (calls ? 'calls' : 'same') : false;
  }

  /** Everything before the per-function loop: tables, call graph, order, lookups. */
  private beginRun(): WorkspaceRun {
    const findings: Finding[] = [];
    const protoAnns = new Map<string, FunctionIR['annotations']>();
    const fns: { fn: FunctionIR; file: string }[] = [];
    const files = this.ordered();
    const { structs, structDefs } = structTableOf(files);
    const globals = globalMapOf(files);
    for (const f of files) {
      for (const p of f.ir.prototypes) protoAnns.set(p.name, [...(protoAnns.get(p.name) ?? []), ...p.annotations]);
      for (const fn of f.ir.functions) fns.push({ fn, file: f.path });
      if (f.skipped) {
        findings.push({ file: f.path, pos: { line: 0, col: 0, endLine: 0, endCol: 0 }, severity: 'information', rule: 'file-skipped', function: '', message: `lockorder skipped this file: ${f.skipped}.`, related: [], simulation: 'not-run' });
      }
    }
    // annotations on a prototype (header) apply to the definition
    for (const { fn } of fns) {
      const extra = protoAnns.get(fn.name);
      if (extra && fn.annotations.length === 0) { fn.annotations = extra.map((a) => ({ ...a })); dropText(fn); }
    }
    // call graph and bottom-up order (Tarjan's SCCs come out callees first)
    const byName = new Map<string, { fn: FunctionIR; file: string }[]>();
    for (const x of fns) { const l = byName.get(x.fn.name); if (l) l.push(x); else byName.set(x.fn.name, [x]); }
    const irs = files.map((f) => f.ir);
    const opsTargets = opsTargetsOf(irs, byName);
    const classKeys = classKeysOf(fns, this.know);
    const prevOps = this.graph?.ops;
    const graph = this.graph = callGraph(fns, opsTargets, this.graph);
    const { order, recursive } = graph;
    // products are reused per function; #ifdef twins (same file and name) are told apart by their rank
    if (!graph.sameFunctions || !this.ids) {
      this.idIndex = undefined;
      const seenIds = new Map<string, number>();
      this.ids = fns.map(({ fn, file }) => {
        const k = keyOf(file, fn.name);
        const n = seenIds.get(k) ?? 0;
        seenIds.set(k, n + 1);
        return n === 0 ? k : `${k}#${n}`;
      });
    }
    const reuseIds = new Map<FunctionIR, string>();
    fns.forEach(({ fn }, i) => reuseIds.set(fn, this.ids![i]));
    const summaries = new Map<string, Summary>();
    const externals = externalSummaries();
    for (const [name, sum] of externals) if (!byName.has(name)) summaries.set(keyOf(BUILTIN_FILE, name), sum);
    const declared = new DeclaredOrder(this.know.orders, irs);
    findings.push(...declaredErrors(declared));
    const handlers = faultHandlers(irs);
    const handlerNames = new Set(handlers.map((h) => h.name));
    /** the summary key a call to `name` from `file` reads: its own static function first, then the unique/non-static definition, then built-in knowledge */
    const resolve = (file: string, name: string): string | undefined => {
      const cands = byName.get(name);
      if (!cands) return keyOf(BUILTIN_FILE, name);
      if (cands.some((c) => c.file === file)) return keyOf(file, name);
      const nonStatic = cands.find((c) => !c.fn.isStatic) ?? (cands.length === 1 ? cands[0] : undefined);
      return nonStatic ? keyOf(nonStatic.file, name) : undefined;
    };
    const resolveIndirect = (member: string): string | undefined => {
      const t = opsTargets.get(member);
      return t ? keyOf(t.file, t.fn.name) : undefined;
    };
    // one lookup per file, resolving each name once (and again only when the set of functions changes)
    if (!graph.sameResolution) this.namesMayResolveAnew(byName, prevOps === graph.ops);
    this.lastByName = byName;
    const lookups = new Map<string, SummaryLookup>();
    const lookupFor = (file: string): SummaryLookup => {
      let l = lookups.get(file);
      if (!l) {
        let keys = this.resolved.get(file);
        if (!keys) { keys = new Map(); this.resolved.set(file, keys); }
        const known = keys;
        const keyFor = (name: string): string | undefined => {
          let k = known.get(name);
          if (k === undefined) { k = resolve(file, name) ?? null; known.set(name, k); }
          return k ?? undefined;
        };
        l = {
          get: (name: string) => { const k = keyFor(name); return k === undefined ? undefined : summaries.get(k); },
          indirect: (member: string) => { const k = resolveIndirect(member); return k === undefined ? undefined : summaries.get(k); },
        };
        lookups.set(file, l);
      }
      return l;
    };
    this.records.clear();
    // every workspace-wide input of analyzeFunction() besides files and summaries goes here (incremental.ts)
    this.structsNow.current = structs;
    this.globalsNow.current = globals;
    this.reuse.begin(irs, { classKeys }, { structs, globals });
    const env: FnJobEnv = { know: this.know, structs, globals, classKeys, budget: this.opts.budget ?? DEFAULT_BUDGET, keepStates: this.opts.keepStates, disabledRules: this.opts.disabledRules };
    return {
      findings, fns, byName, irs, order, recursive, graph, reuseIds, summaries, declared, handlers, handlerNames, lookupFor, resolve, resolveIndirect, env, structDefs,
      events: [], budgetHits: 0, protoAnns, skippedFindings: findings.filter((f) => f.rule === 'file-skipped'), opsTargets, deps: new Map(),
    };
  }

  /**
   * Analyse one call-graph component on this thread (callees' summaries are
   * in run.summaries); each function's summary is visible to the next one.
   */
  private sccProducts(run: WorkspaceRun, scc: readonly { fn: FunctionIR; file: string }[]): FnProduct[] {
    const recursive = run.recursive.get(scc) ?? isRecursive(scc);
    return scc.map((x) => {
      const { fn, file } = x;
      const lookup = run.lookupFor(file);
      const isHandler = run.handlerNames.has(fn.name);
      // unchanged function, tables and callee summaries: the previous product, or it relocated (incremental.ts)
      const keep = !!this.opts.keepStates && (this.opts.recordsFor?.(file) ?? true);
      const { reuse, sums, id } = this.checkReuse(run, x, recursive, keep);
      let product = reuse.hit;
      if (product && reuse.moved && this.opts.verifyRelocation) {
        const rec = recordsOf(product);
        if (rec) this.opts.verifyRelocation(id, product, productOf(rec, run.env, recursive));
      }
      if (!product) {
        // a fresh analysis records the struct fields and globals it looks up (its dependence on those tables)
        const view = reuse.relocated ? undefined : new StructView(this.structsNow);
        const gview = reuse.relocated ? undefined : new GlobalView(this.globalsNow);
        const rec = reuse.relocated ?? runDataflow(fn, file, lookup, { ...run.env, structs: view as unknown as StructTable, globals: gview!, keepStates: keep }, isHandler);
        product = productOf(rec, gview ? { ...run.env, globals: gview } : run.env, recursive);
        if (this.opts.keepStates) {
          if (keep) product.rec = rec;
          // a function's first analysis in the editor (opening a file): its product owns its positions, so that
          // no edit above it has to copy it (its later re-analyses are copied on their first move instead)
          if (reuse.first) product = ownedProduct(product, sums) ?? product;
        }
        reuse.store({ ...product, findings: product.findings.map((f) => ({ ...f })) }, view && { structs: view.done(), globals: gview!.done() });
      }
      run.summaries.set(keyOf(file, fn.name), product.summary);
      return product;
    });
  }

  /**
   * What the reuse has for run.fns entry `x`, a function of a component
   * (`recursive`), with the callee summaries it reads now
   * (AnalysisReuse.check; `keep`: its records are wanted).
   */
  private checkReuse(run: WorkspaceRun, x: { fn: FunctionIR; file: string }, recursive: boolean, keep: boolean): { reuse: ReturnType<AnalysisReuse['check']>; sums: (Summary | undefined)[]; id: string } {
    const { fn, file } = x;
    const id = run.reuseIds.get(fn) ?? keyOf(file, fn.name);
    const sums = this.depSummaries(run, this.entryKeys(run, x));
    const flags = `${run.handlerNames.has(fn.name) ? 'h' : ''}${recursive ? 'r' : ''}`;
    return { reuse: this.reuse.check(id, fn, sums, flags, keep), sums, id };
  }

  /**
   * The summary keys of run.fns entry `x` (depKeysOf); the editor keeps them
   * per entry (run.deps) for its delta runs, which drop an edited function's.
   */
  private entryKeys(run: WorkspaceRun, x: { fn: FunctionIR; file: string }): readonly (string | null)[] {
    let d = run.deps.get(x);
    if (!d) {
      d = this.depKeysOf(run, x.fn, x.file);
      if (this.opts.keepStates) run.deps.set(x, d);
    }
    return d;
  }

  /** The summaries under `keys` (entryKeys: what the dataflow can look up, summaryDeps), as it will see them now. */
  private depSummaries(run: WorkspaceRun, keys: readonly (string | null)[]): (Summary | undefined)[] {
    const out: (Summary | undefined)[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) { const k = keys[i]; out[i] = k === null ? undefined : run.summaries.get(k); }
    return out;
  }

  /**
   * The set of functions changed (not their ops members): the names whose
   * definitions (files and linkage, in order) differ from the last run's
   * resolve anew, the others keep their keys (`version`, `nameChanged`).
   * Everything resolves anew when the ops members changed, when there is no
   * last run, or when more than a thousand names changed.
   */
  private namesMayResolveAnew(byName: ReadonlyMap<string, readonly { fn: FunctionIR; file: string }[]>, sameOps: boolean): void {
    const prev = this.lastByName;
    const changed: string[] = [];
    if (sameOps && prev) {
      const same = (a: readonly { fn: FunctionIR; file: string }[], b: readonly { fn: FunctionIR; file: string }[]): boolean =>
        a.length === b.length && a.every((x, i) => x.file === b[i].file && x.fn.isStatic === b[i].fn.isStatic);
      for (const [n, l] of byName) { const p = prev.get(n); if (!p || !same(l, p)) changed.push(n); }
      for (const n of prev.keys()) if (!byName.has(n)) changed.push(n);
    }
    if (!sameOps || !prev || changed.length > 1000) {
      this.resolved.clear();
      this.nameChanged.clear();
      this.epoch++;
      return;
    }
    this.version++;
    for (const n of changed) {
      this.nameChanged.set(n, this.version);
      for (const m of this.resolved.values()) m.delete(n);
    }
  }

  /** The summary keys of summaryDeps(fn) (null: none), memoised per function content while the names it calls resolve alike (the same definitions, the same ops members). */
  private depKeysOf(run: WorkspaceRun, fn: FunctionIR, file: string): readonly (string | null)[] {
    let m = memoByContent(depKeys, fn, () => ({ epoch: -1, version: -1, file: '', keys: [] as (string | null)[] }));
    const deps = summaryDeps(fn);
    if (m.epoch !== this.epoch || m.file !== file || (m.version !== this.version && deps.some((d) => !d.indirect && (this.nameChanged.get(d.name) ?? -1) > m.version))) {
      const keys = deps.map((d) => (d.indirect ? run.resolveIndirect(d.name) : run.resolve(file, d.name)) ?? null);
      m = { epoch: this.epoch, version: this.version, file, keys };
      depKeys.set(contentOf(fn), m);
    } else m.version = this.version;
    return m.keys;
  }

  /** Record a component's products in the run, in order. */
  private applyProducts(run: WorkspaceRun, scc: readonly { fn: FunctionIR; file: string }[], products: readonly FnProduct[]): void {
    scc.forEach(({ fn, file }, i) => {
      this.recordProduct(run, keyOf(file, fn.name), products[i]);
      this.collectProduct(run, products[i]);
    });
  }

  /** A function's summary and records, under its key. */
  private recordProduct(run: WorkspaceRun, key: string, p: FnProduct): void {
    run.summaries.set(key, p.summary);
    if (p.rec) this.records.set(key, p.rec);
    else if (p.lazyRec) this.records.setLazy(key, p.lazyRec);
    else this.records.delete(key);
  }

  /** A function's findings, events and budget note, added to the run's. */
  private collectProduct(run: WorkspaceRun, p: FnProduct): void {
    if (p.budgetHit) run.budgetHits++;
    for (const f of p.findings) run.findings.push({ ...f });
    if (p.events) run.events.push(p.events);
  }

  /**
   * The summary key of a fault handler: the function its ops initialiser
   * names, resolved as a call from the ops file would be (its own static
   * function, else the one non-static or only definition, else built-in
   * knowledge: mm/'s filemap_fault). Memoised per run: a delta run keeps the
   * functions, and so the keys.
   */
  private handlerKey(run: WorkspaceRun, h: { name: string; opsFile: string }): string | undefined {
    const memo = (run.handlerKeys ??= new Map());
    const id = `${h.opsFile}\u0000${h.name}`;
    if (memo.has(id)) return memo.get(id) ?? undefined;
    let k = run.resolve(h.opsFile, h.name);
    if (k !== undefined && run.summaries.get(k) === undefined) k = undefined;
    memo.set(id, k ?? null);
    return k;
  }

  /** Each filesystem's fault path, from its handlers' summaries. */
  private faultPathsOf(run: WorkspaceRun): Map<string, FaultPath> {
    return buildFaultPaths(run.handlers, (h) => { const k = this.handlerKey(run, h); return k === undefined ? undefined : run.summaries.get(k); });
  }

  /**
   * Everything after the per-function loop: fault paths and the workspace
   * rules. `products`: the run's, by component; `changes`: what a delta run
   * changed (the rules keep the rest of their last run), undefined for a
   * full run of the rules.
   */
  private finishRun(run: WorkspaceRun, products: readonly (readonly FnProduct[])[], changes?: RuleChanges): AnalysisResult {
    const { findings, summaries, fns, irs, byName, handlerNames, lookupFor, declared, events } = run;
    this.reuse.end();
    // what delta runs for an edited struct or global look up (made now, as keepForDelta() does)
    if (this.last) this.reuse.indexReaders();
    this.lastCtx = { structs: run.env.structs, globals: run.env.globals as Map<string, string>, handlerNames, byName, lookupFor, classKeys: [...run.env.classKeys] };
    const faultPaths = (run.faultPaths ??= this.faultPathsOf(run));
    const called = run.graph.called();
    const opsMembers = (run.opsMembers ??= opsMembersOf(irs));
    const fsTypes = this.know.fsTypes;
    const facts = { events, declared, faultPaths, called, opsMembers, fsTypes };
    findings.push(...this.ruleRun.run(facts, products.length, (s) => eventsOf([products[s]]), this.opts.disabledRules, changes));
    findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.pos.line - b.pos.line || a.pos.col - b.pos.col));
    const result: AnalysisResult = { findings, files: this.files.size, functions: fns.length, summaries, budgetHits: run.budgetHits, events, faultPaths, declared, fsTypes };
    this.lastResult = result;
    return result;
  }
}

/** What one analysis run carries from its start to its end. */
export interface WorkspaceRun {
  findings: Finding[];
  fns: { fn: FunctionIR; file: string }[];
  byName: Map<string, { fn: FunctionIR; file: string }[]>;
  irs: FileIR[];
  /** call-graph components, callees first */
  order: { fn: FunctionIR; file: string }[][];
  /** which of them are recursive */
  recursive: Map<readonly { fn: FunctionIR; file: string }[], boolean>;
  graph: CallGraph;
  /** each function's id in the product cache */
  reuseIds: Map<FunctionIR, string>;
  summaries: Map<string, Summary>;
  declared: DeclaredOrder;
  handlers: ReturnType<typeof faultHandlers>;
  handlerNames: Set<string>;
  lookupFor: (file: string) => SummaryLookup;
  /** summary key a direct call reads from a file / an ops-member call reads */
  resolve: (file: string, name: string) => string | undefined;
  resolveIndirect: (member: string) => string | undefined;
  env: FnJobEnv;
  /** every struct definition, in file order (the workers rebuild the struct table from it) */
  structDefs: StructDef[];
  events: FnEvents[];
  budgetHits: number;
  /** annotations of prototypes, by function name (applied to definitions without their own) */
  protoAnns: Map<string, FunctionIR['annotations']>;
  /** the file-skipped notes, which come first */
  skippedFindings: Finding[];
  /** ops member -> the one function registered for it */
  opsTargets: Map<string, { fn: FunctionIR; file: string }>;
  /** each function's summary keys (entryKeys), by its entry in fns: kept in the editor only */
  deps: Map<{ fn: FunctionIR; file: string }, readonly (string | null)[]>;
  /** each filesystem's fault path (made by finishRun(); a delta run makes it again when a handler changed) */
  faultPaths?: Map<string, FaultPath>;
  /** function name -> the ops members it is registered as (a delta run's ops are the same up to positions) */
  opsMembers?: Map<string, string[]>;
  /** fault handlers' summary keys (Workspace.handlerKey), by ops file and name; null: none */
  handlerKeys?: Map<string, string | null>;
}

/**
 * A full run kept for the next analysis (deltaRun): the run itself and each
 * function's product in the run's order, and per file the IR it analysed and
 * the indices of its functions in run.fns.
 */
interface LastRun {
  run: WorkspaceRun;
  products: FnProduct[][];
  irs: Map<string, { ir: FileIR; index: number; fns: number[]; skipped: boolean }>;
  /** components, keys and readers */
  index: DeltaIndex;
}

/** The events of the products, in order (a run's events; a component's, given its products alone). */
function eventsOf(products: readonly (readonly FnProduct[])[]): FnEvents[] {
  const out: FnEvents[] = [];
  for (const ps of products) for (const p of ps) if (p.events) out.push(p.events);
  return out;
}

/** Function name -> the ops members (`file_operations.fallocate`) it is registered as. */
function opsMembersOf(irs: readonly FileIR[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const ir of irs) for (const o of ir.ops) for (const [m, f] of Object.entries(o.members)) {
    const l = out.get(f);
    if (l) l.push(`${o.structType}.${m}`); else out.set(f, [`${o.structType}.${m}`]);
  }
  return out;
}

/** The directives that do not parse, as findings. */
function declaredErrors(declared: DeclaredOrder): Finding[] {
  return declared.errors.map((e) => ({ file: e.file, pos: e.pos, severity: 'warning', rule: 'annotation-mismatch', function: '', message: e.message, related: [], simulation: 'not-run' }));
}

/** `lockdep_set_class(&a->via->lock, &key)` calls anywhere in the workspace. */
function classKeysOf(fns: readonly { fn: FunctionIR; file: string }[], know: Knowledge): ClassKey[] {
  const out: ClassKey[] = [];
  for (const { fn, file } of fns) {
    for (const k of classKeyCallsOf(fn, know)) out.push({ ...k, file });
  }
  return out;
}

/** A function's lockdep_set_class() calls: the knowledge decides which calls set a class (memoised per knowledge and function content). */
function classKeyCallsOf(fn: FunctionIR, know: Knowledge): Omit<ClassKey, 'file'>[] {
  let memo = classKeyMemo.get(know);
  if (!memo) { memo = new WeakMap(); classKeyMemo.set(know, memo); }
  return memoByContent(memo, fn, (f) => classKeyCalls(f, know));
}

const classKeyMemo = new WeakMap<Knowledge, WeakMap<object, Omit<ClassKey, 'file'>[]>>();

function classKeyCalls(fn: FunctionIR, know: Knowledge): Omit<ClassKey, 'file'>[] {
  const out: Omit<ClassKey, 'file'>[] = [];
  for (const n of callSites(fn)) {
    if (n.op?.k !== 'call' || n.op.call.indirect || know.lockApi(n.op.call.name)?.op !== 'set_class') continue;
    const target = lockObject(n.op.call.args[0] ?? '');
    const key = lockObject(n.op.call.args[1] ?? '');
    const sp = splitLast(target);
    const via = sp ? splitLast(sp.base) : undefined;
    if (!sp || !via || !/^\w+$/.test(via.field) || !key) continue;
    out.push({ viaField: via.field, lockField: sp.field, cls: key });
  }
  return out;
}

/** Per function content: the summary keys its summaryDeps resolve to (null: none), for one resolution epoch and file. */
const depKeys = new WeakMap<object, { epoch: number; version: number; file: string; keys: (string | null)[] }>();

/**
 * Per-function dataflow records of the last analysis, by `${file}::${name}`.
 * Records of a function that only moved are relocated when first read.
 */
export class RecordsMap {
  private readonly m = new Map<string, FnRecords | LazyRecords>();
  /** `fill`: the records of a key that has none, made on demand (kept) */
  constructor(private readonly fill?: (k: string) => FnRecords | undefined) {}
  get size(): number { return this.m.size; }
  has(k: string): boolean { return this.m.has(k); }
  get(k: string): FnRecords | undefined {
    const v = this.m.get(k);
    if (v === undefined && this.fill) {
      const r = this.fill(k);
      if (r) this.m.set(k, r);
      return r;
    }
    return v instanceof LazyRecords ? v.get() : v;
  }
  set(k: string, v: FnRecords): this { this.m.set(k, v); return this; }
  setLazy(k: string, v: LazyRecords): this { this.m.set(k, v); return this; }
  delete(k: string): boolean { return this.m.delete(k); }
  clear(): void { this.m.clear(); }
  keys(): IterableIterator<string> { return this.m.keys(); }
  *values(): IterableIterator<FnRecords> { for (const k of this.m.keys()) yield this.get(k)!; }
  *entries(): IterableIterator<[string, FnRecords]> { for (const k of this.m.keys()) yield [k, this.get(k)!]; }
  [Symbol.iterator](): IterableIterator<[string, FnRecords]> { return this.entries(); }
}

/** The workspace's struct table: the files' struct definitions merged in analysis order (each field's first definition wins). */
function structTableOf(files: readonly FileEntry[]): { structs: StructTable; structDefs: StructDef[] } {
  const structs = new StructTable();
  const structDefs: StructDef[] = [];
  for (const f of files) { structs.add(f.ir.structs); structDefs.push(...f.ir.structs); }
  return { structs, structDefs };
}

/** The workspace's global locks by name (a later file's definition wins). */
function globalMapOf(files: readonly FileEntry[]): Map<string, string> {
  const globals = new Map<string, string>();
  for (const f of files) for (const g of f.ir.globals) globals.set(g.name, g.type);
  return globals;
}

/**
 * A file's definitions (structs, or globals) by name, in order; memoised per
 * list (every delta run compares the new version's with the previous one's,
 * made by the run before).
 */
const defsMemo = new WeakMap<readonly { name: string }[], Map<string, { name: string }[]>>();
function defsByName(l: readonly { name: string }[]): Map<string, { name: string }[]> {
  let m = defsMemo.get(l);
  if (!m) {
    m = new Map();
    for (const d of l) { const x = m.get(d.name); if (x) x.push(d); else m.set(d.name, [d]); }
    defsMemo.set(l, m);
  }
  return m;
}

/** The names whose definitions (structs, globals) differ between two versions of a file, positions aside (added and removed ones included). */
function editedByName(a: readonly { name: string }[], b: readonly { name: string }[]): Set<string> {
  const out = new Set<string>();
  if (a === b) return out;
  const x = defsByName(a);
  const y = defsByName(b);
  for (const [n, v] of x) { const w = y.get(n); if (!w || !samePositionFree(v, w)) out.add(n); }
  for (const n of y.keys()) if (!x.has(n)) out.add(n);
  return out;
}
