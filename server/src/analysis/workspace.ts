// The engine's front door: a set of files, the user's configuration, and one
// analysis over all of them (per-function dataflow in call-graph order so
// callees are summarised before their callers, then the rules). The CLI and
// the language server both drive this class; neither re-implements analysis.
import { Knowledge } from '../model/knowledge';
import { StructTable } from '../model/classes';
import { emptyConfig, LockorderConfig } from '../model/config';
import { analyzeFunction, Budget, DEFAULT_BUDGET, FnRecords } from './dataflow';
import type { Finding } from './diagnostic';
import type { FileIR, FunctionIR, Op, Cond, StructDef } from './ir';
import { WORKSPACE_RULES } from './rules';
import type { FnEvents } from './events';
import { buildFaultPaths, faultHandlers, FaultPath } from './faultpath';
import { DeclaredOrder } from './orders';
import { EXTERNAL_EFFECTS } from '../model/externals';
import type { ClassKey } from './locks';
import { splitLast } from '../model/classes';
import { lockObject } from '../parse/exprs';
import type { Summary, SummaryLookup } from './summaryTypes';
import { AnalysisReuse, FnProduct, IncrementalFiles } from './incremental';
import { calleesOf, isRecursive, keyOf, opsTargetsOf, sccOrder } from './callgraph';
import { entryHeldOf, FnJobEnv, productOf, runDataflow } from './fnjob';
import { ParallelOptions, runParallel } from './parallel';

export interface WorkspaceOptions {
  config?: LockorderConfig;
  budget?: Budget;
  /** files larger than this are skipped with one information diagnostic */
  maxFileBytes?: number;
  /** keep per-node states for hovers / inlay hints */
  keepStates?: boolean;
  /** rules turned off */
  disabledRules?: ReadonlySet<string>;
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

export class Workspace {
  private readonly files = new Map<string, FileEntry>();
  private know: Knowledge;
  private readonly opts: WorkspaceOptions;
  /** records of the last analysis, kept only with keepStates (editor) */
  readonly records = new Map<string, FnRecords>();
  lastResult?: AnalysisResult;
  /** incremental re-parsing of edited files, and per-function products reused across analyze() calls (incremental.ts) */
  private readonly incr = new IncrementalFiles();
  readonly reuse = new AnalysisReuse();
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
    this.files.set(path, entry);
    return entry;
  }

  /** Add a file whose IR was built elsewhere (worker thread, cache). */
  setFileIR(path: string, ir: FileIR, size: number, skipped?: string): void {
    this.files.set(path, { path, ir, size, skipped });
  }

  removeFile(path: string): void { this.files.delete(path); this.incr.forget(path); }

  /** Functions named `name` in the last analysis (file given first when it has one). */
  findFunction(name: string, file?: string): { fn: FunctionIR; file: string } | undefined {
    const cands = this.lastCtx?.byName.get(name) ?? [];
    return cands.find((c) => c.file === file) ?? cands.find((c) => !c.fn.isStatic) ?? cands[0];
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
  getFile(path: string): FileEntry | undefined { return this.files.get(path); }
  fileList(): string[] { return [...this.files.keys()]; }

  /** One analysis over every file, on this thread. */
  analyze(): AnalysisResult {
    const run = this.beginRun();
    for (const scc of run.order) this.applyProducts(run, scc, this.sccProducts(run, scc));
    return this.finishRun(run);
  }

  /**
   * The same analysis with the per-function dataflow spread over worker
   * threads (parallel.ts): each call-graph component runs once every
   * component it calls has its summary. Results equal analyze()'s. Used by
   * whole-tree CLI runs (no per-node states, no incremental reuse).
   */
  async analyzeParallel(opts: ParallelOptions): Promise<AnalysisResult> {
    if (this.opts.keepStates) return this.analyze();
    const run = this.beginRun();
    const products = await runParallel(run, opts);
    run.order.forEach((scc, i) => this.applyProducts(run, scc, products[i]));
    this.reuse.clear();
    return this.finishRun(run);
  }

  /** Everything before the per-function loop: tables, call graph, order, lookups. */
  private beginRun(): WorkspaceRun {
    const findings: Finding[] = [];
    const structs = new StructTable();
    const structDefs: StructDef[] = [];
    const globals = new Map<string, string>();
    const protoAnns = new Map<string, FunctionIR['annotations']>();
    const fns: { fn: FunctionIR; file: string }[] = [];
    for (const f of this.files.values()) {
      structs.add(f.ir.structs);
      structDefs.push(...f.ir.structs);
      for (const g of f.ir.globals) globals.set(g.name, g.type);
      for (const p of f.ir.prototypes) protoAnns.set(p.name, [...(protoAnns.get(p.name) ?? []), ...p.annotations]);
      for (const fn of f.ir.functions) fns.push({ fn, file: f.path });
      if (f.skipped) {
        findings.push({ file: f.path, pos: { line: 0, col: 0, endLine: 0, endCol: 0 }, severity: 'information', rule: 'file-skipped', function: '', message: `lockorder skipped this file: ${f.skipped}.`, related: [], simulation: 'not-run' });
      }
    }
    // annotations on a prototype (header) apply to the definition
    for (const { fn } of fns) {
      const extra = protoAnns.get(fn.name);
      if (extra && fn.annotations.length === 0) fn.annotations = extra.map((a) => ({ ...a }));
    }
    // call graph and bottom-up order (Tarjan's SCCs come out callees first)
    const byName = new Map<string, { fn: FunctionIR; file: string }[]>();
    for (const x of fns) { const l = byName.get(x.fn.name); if (l) l.push(x); else byName.set(x.fn.name, [x]); }
    const irs = [...this.files.values()].map((f) => f.ir);
    const opsTargets = opsTargetsOf(irs, byName);
    const classKeys = classKeysOf(fns, this.know);
    const order = sccOrder(fns, byName, opsTargets);
    const summaries = new Map<string, Summary>();
    const externals = externalSummaries();
    for (const [name, sum] of externals) if (!byName.has(name)) summaries.set(keyOf(BUILTIN_FILE, name), sum);
    const declared = new DeclaredOrder(this.know.orders, irs);
    for (const e of declared.errors) {
      findings.push({ file: e.file, pos: e.pos, severity: 'warning', rule: 'annotation-mismatch', function: '', message: e.message, related: [], simulation: 'not-run' });
    }
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
    const lookupFor = (file: string): SummaryLookup => ({
      get: (name: string) => { const k = resolve(file, name); return k === undefined ? undefined : summaries.get(k); },
      indirect: (member: string) => { const k = resolveIndirect(member); return k === undefined ? undefined : summaries.get(k); },
    });
    this.records.clear();
    // every workspace-wide input of analyzeFunction() besides files and summaries goes here (incremental.ts)
    this.reuse.begin(irs, { classKeys });
    const env: FnJobEnv = { know: this.know, structs, globals, classKeys, budget: this.opts.budget ?? DEFAULT_BUDGET, keepStates: this.opts.keepStates, disabledRules: this.opts.disabledRules };
    return {
      findings, fns, byName, irs, order, summaries, declared, handlers, handlerNames, lookupFor, resolve, resolveIndirect, env, structDefs,
      events: [], budgetHits: 0,
    };
  }

  /**
   * Analyse one call-graph component on this thread (callees' summaries are
   * in run.summaries); each function's summary is visible to the next one.
   */
  private sccProducts(run: WorkspaceRun, scc: readonly { fn: FunctionIR; file: string }[]): FnProduct[] {
    const recursive = isRecursive(scc);
    return scc.map(({ fn, file }) => {
      const lookup = run.lookupFor(file);
      const isHandler = run.handlerNames.has(fn.name);
      // unchanged function, tables and callee summaries: the previous product (incremental.ts)
      const reuse = this.reuse.check(keyOf(file, fn.name), fn, lookup, `${isHandler ? 'h' : ''}${recursive ? 'r' : ''}`, !!this.opts.keepStates);
      let product = reuse.hit;
      if (!product) {
        const rec = reuse.relocated ?? runDataflow(fn, file, lookup, run.env, isHandler);
        product = productOf(rec, run.env, recursive);
        if (this.opts.keepStates) product.rec = rec;
        reuse.store({ ...product, findings: product.findings.map((f) => ({ ...f })) });
      }
      run.summaries.set(keyOf(file, fn.name), product.summary);
      return product;
    });
  }

  /** Record a component's products in the run, in order. */
  private applyProducts(run: WorkspaceRun, scc: readonly { fn: FunctionIR; file: string }[], products: readonly FnProduct[]): void {
    scc.forEach(({ fn, file }, i) => {
      const p = products[i];
      run.summaries.set(keyOf(file, fn.name), p.summary);
      if (p.rec) this.records.set(keyOf(file, fn.name), p.rec);
      if (p.budgetHit) run.budgetHits++;
      for (const f of p.findings) run.findings.push({ ...f });
      if (p.events) run.events.push(p.events);
    });
  }

  /** Everything after the per-function loop: fault paths and the workspace rules. */
  private finishRun(run: WorkspaceRun): AnalysisResult {
    const { findings, summaries, fns, irs, byName, handlerNames, lookupFor, declared, events } = run;
    this.reuse.end();
    this.lastCtx = { structs: run.env.structs, globals: run.env.globals as Map<string, string>, handlerNames, byName, lookupFor, classKeys: [...run.env.classKeys] };
    const summaryOfHandler = (h: { name: string; opsFile: string }): Summary | undefined =>
      summaries.get(keyOf(h.opsFile, h.name)) ?? [...summaries.values()].find((x) => x.name === h.name);
    const faultPaths = buildFaultPaths(run.handlers, summaryOfHandler);
    const called = new Set<string>();
    for (const { fn } of fns) for (const c of calleesOf(fn)) called.add(c);
    const opsMembers = new Map<string, string[]>();
    for (const ir of irs) for (const o of ir.ops) for (const [m, f] of Object.entries(o.members)) {
      const l = opsMembers.get(f);
      if (l) l.push(`${o.structType}.${m}`); else opsMembers.set(f, [`${o.structType}.${m}`]);
    }
    const facts = { events, declared, faultPaths, called, opsMembers };
    for (const rule of WORKSPACE_RULES) {
      if (this.opts.disabledRules?.has(rule.name)) continue;
      findings.push(...rule.check(facts));
    }
    findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.pos.line - b.pos.line || a.pos.col - b.pos.col));
    const result: AnalysisResult = { findings, files: this.files.size, functions: fns.length, summaries, budgetHits: run.budgetHits, events, faultPaths, declared };
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
}



/** `lockdep_set_class(&a->via->lock, &key)` calls anywhere in the workspace. */
function classKeysOf(fns: readonly { fn: FunctionIR; file: string }[], know: Knowledge): ClassKey[] {
  const out: ClassKey[] = [];
  for (const { fn, file } of fns) {
    for (const n of fn.nodes) {
      if (n.op?.k !== 'call' || n.op.call.indirect || know.lockApi(n.op.call.name)?.op !== 'set_class') continue;
      const target = lockObject(n.op.call.args[0] ?? '');
      const key = lockObject(n.op.call.args[1] ?? '');
      const sp = splitLast(target);
      const via = sp ? splitLast(sp.base) : undefined;
      if (!sp || !via || !/^\w+$/.test(via.field) || !key) continue;
      out.push({ viaField: via.field, lockField: sp.field, cls: key, file });
    }
  }
  return out;
}

