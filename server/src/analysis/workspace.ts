// The engine's front door: a set of files, the user's configuration, and one
// analysis over all of them (per-function dataflow in call-graph order so
// callees are summarised before their callers, then the rules). The CLI and
// the language server both drive this class; neither re-implements analysis.
import { Knowledge } from '../model/knowledge';
import { StructTable } from '../model/classes';
import { emptyConfig, LockorderConfig } from '../model/config';
import { analyzeFunction, Budget, DEFAULT_BUDGET, FnRecords } from './dataflow';
import type { Finding } from './diagnostic';
import { buildFileIR } from './fileir';
import type { FileIR, FunctionIR, Op, Cond } from './ir';
import { FUNCTION_RULES, WORKSPACE_RULES } from './rules';
import { extractEvents, FnEvents } from './events';
import { buildFaultPaths, faultHandlers, FaultPath } from './faultpath';
import { DeclaredOrder } from './orders';
import { EXTERNAL_EFFECTS } from '../model/externals';
import type { Held } from './state';
import type { ClassKey } from './locks';
import { splitLast } from '../model/classes';
import { lockObject } from '../parse/exprs';
import { summarize } from './summaries';
import type { Summary, SummaryLookup } from './summaryTypes';
import { finding } from './rules/common';
import { AnalysisReuse, IncrementalFiles } from './incremental';

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

/** Fault handlers run with the faulting task's mmap_lock held shared. */
const MMAP_ENTRY: Held = {
  inst: 'vmf->vma->vm_mm->mmap_lock', cls: 'mm_struct.mmap_lock', kind: 'rwsem', mode: 'R',
  site: { line: 0, col: 0, endLine: 0, endCol: 0 }, via: 'page fault', count: 1, entry: true,
};

export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024;

/** Every callee name an op (or a condition) mentions. */
const calleesMemo = new WeakMap<FunctionIR, string[]>();
export function calleesOf(fn: FunctionIR): string[] {
  const known = calleesMemo.get(fn);
  if (known) return known;
  const out = new Set<string>();
  const fromOp = (op: Op): void => {
    if (op.k === 'call' && !op.call.indirect && op.call.guard === undefined) out.add(op.call.name);
    if (op.k === 'branch') fromCond(op.cond);
  };
  const fromCond = (c: Cond): void => {
    switch (c.k) {
      case 'not': fromCond(c.e); break;
      case 'and': case 'or': fromCond(c.a); fromCond(c.b); break;
      case 'seq': c.pre.forEach(fromOp); fromCond(c.c); break;
      case 'test': if (c.s.k === 'call' && !c.s.call.indirect) out.add(c.s.call.name); break;
      default: break;
    }
  };
  for (const n of fn.nodes) if (n.op) fromOp(n.op);
  const res = [...out];
  calleesMemo.set(fn, res);
  return res;
}

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
    const entryHeld = c.handlerNames.has(fn.name) ? [{ ...MMAP_ENTRY, site: fn.namePos }] : undefined;
    return analyzeFunction(fn, { file, know: this.know, structs: c.structs, globals: c.globals, summaries: c.lookupFor(file), budget: this.opts.budget ?? DEFAULT_BUDGET, entryHeld, classKeys: c.classKeys, ...extra });
  }
  getFile(path: string): FileEntry | undefined { return this.files.get(path); }
  fileList(): string[] { return [...this.files.keys()]; }

  analyze(): AnalysisResult {
    const findings: Finding[] = [];
    const structs = new StructTable();
    const globals = new Map<string, string>();
    const protoAnns = new Map<string, FunctionIR['annotations']>();
    const fns: { fn: FunctionIR; file: string }[] = [];
    for (const f of this.files.values()) {
      structs.add(f.ir.structs);
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
    const keyOf = (file: string, name: string): string => `${file}::${name}`;
    const externals = externalSummaries();
    for (const [name, sum] of externals) if (!byName.has(name)) summaries.set(keyOf(BUILTIN_FILE, name), sum);
    const declared = new DeclaredOrder(this.know.orders, irs);
    for (const e of declared.errors) {
      findings.push({ file: e.file, pos: e.pos, severity: 'warning', rule: 'annotation-mismatch', function: '', message: e.message, related: [], simulation: 'not-run' });
    }
    const handlers = faultHandlers(irs);
    const handlerNames = new Set(handlers.map((h) => h.name));
    const events: FnEvents[] = [];
    /** callee summaries seen from `file`: its own static functions first, then the unique/non-static definition, then built-in knowledge */
    const lookupFor = (file: string): SummaryLookup => ({
      get: (name: string) => {
        const local = summaries.get(keyOf(file, name));
        if (local) return local;
        const cands = byName.get(name);
        if (!cands) return summaries.get(keyOf(BUILTIN_FILE, name));
        const nonStatic = cands.find((c) => !c.fn.isStatic) ?? (cands.length === 1 ? cands[0] : undefined);
        return nonStatic ? summaries.get(keyOf(nonStatic.file, name)) : undefined;
      },
      indirect: (member: string) => {
        const t = opsTargets.get(member);
        return t ? summaries.get(keyOf(t.file, t.fn.name)) : undefined;
      },
    });
    let budgetHits = 0;
    this.records.clear();
    // every workspace-wide input of analyzeFunction() besides files and summaries goes here (incremental.ts)
    this.reuse.begin(irs, { classKeys });
    for (const scc of order) {
      const recursive = scc.length > 1 || calleesOf(scc[0].fn).includes(scc[0].fn.name);
      for (const { fn, file } of scc) {
        const lookup = lookupFor(file);
        const entryHeld = handlerNames.has(fn.name) ? [{ ...MMAP_ENTRY, site: fn.namePos }] : undefined;
        // unchanged function, tables and callee summaries: the previous product (incremental.ts)
        const reuse = this.reuse.check(keyOf(file, fn.name), fn, lookup, `${entryHeld ? 'h' : ''}${recursive ? 'r' : ''}`, !!this.opts.keepStates);
        if (reuse.hit) {
          const h = reuse.hit;
          summaries.set(keyOf(file, fn.name), h.summary);
          if (h.rec) this.records.set(keyOf(file, fn.name), h.rec);
          if (h.budgetHit) budgetHits++;
          for (const f of h.findings) findings.push({ ...f });
          if (h.events) events.push(h.events);
          continue;
        }
        const mark = findings.length;
        const rec = reuse.relocated ?? analyzeFunction(fn, { file, know: this.know, structs, globals, summaries: lookup, budget: this.opts.budget ?? DEFAULT_BUDGET, keepStates: this.opts.keepStates, entryHeld, classKeys });
        const sum = summarize(rec, globals);
        if (recursive && !sum.incomplete) sum.incomplete = 'recursive: callers see only what it does before recursing';
        summaries.set(keyOf(file, fn.name), sum);
        if (this.opts.keepStates) this.records.set(keyOf(file, fn.name), rec);
        if (rec.budgetHit) {
          budgetHits++;
          findings.push(finding(rec, 'analysis-budget', fn.namePos,
            `lockorder stopped analysing ${fn.name}() after reaching its budget (${rec.budgetHit}); no lock findings are reported for this function.`, [], 'information'));
          reuse.store({ summary: sum, findings: findings.slice(mark).map((f) => ({ ...f })), budgetHit: rec.budgetHit, rec: this.opts.keepStates ? rec : undefined });
          continue;
        }
        for (const rule of FUNCTION_RULES) {
          if (this.opts.disabledRules?.has(rule.name)) continue;
          findings.push(...rule.check(rec));
        }
        const ev = extractEvents(rec);
        events.push(ev);
        reuse.store({ summary: sum, findings: findings.slice(mark).map((f) => ({ ...f })), events: ev, rec: this.opts.keepStates ? rec : undefined });
      }
    }
    this.reuse.end();
    this.lastCtx = { structs, globals, handlerNames, byName, lookupFor, classKeys };
    const summaryOfHandler = (h: { name: string; opsFile: string }): Summary | undefined =>
      summaries.get(keyOf(h.opsFile, h.name)) ?? [...summaries.values()].find((x) => x.name === h.name);
    const faultPaths = buildFaultPaths(handlers, summaryOfHandler);
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
    const result: AnalysisResult = { findings, files: this.files.size, functions: fns.length, summaries, budgetHits, events, faultPaths, declared };
    this.lastResult = result;
    return result;
  }
}

/** Strongly connected components of the call graph, callees before callers (iterative Tarjan). */
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

/** Ops-struct types whose members the engine resolves indirect calls through. */
const OPS_TYPES = new Set(['vm_operations_struct', 'file_operations', 'inode_operations', 'address_space_operations', 'iomap_ops', 'super_operations']);

/** member -> the one function registered for it in the workspace (members with several candidates are left out) */
function opsTargetsOf(irs: readonly FileIR[], byName: Map<string, { fn: FunctionIR; file: string }[]>): Map<string, { fn: FunctionIR; file: string }> {
  const cands = new Map<string, Set<string>>();
  for (const ir of irs) for (const o of ir.ops) {
    if (!OPS_TYPES.has(o.structType)) continue;
    for (const [m, f] of Object.entries(o.members)) {
      const s = cands.get(m);
      if (s) s.add(f); else cands.set(m, new Set([f]));
    }
  }
  const out = new Map<string, { fn: FunctionIR; file: string }>();
  for (const [m, s] of cands) {
    if (s.size !== 1) continue;
    const name = [...s][0];
    const defs = byName.get(name);
    if (defs && defs.length === 1) out.set(m, defs[0]);
  }
  return out;
}

/** Indirect callees of a function (calls through ops members). */
function indirectCallees(fn: FunctionIR): string[] {
  const out = new Set<string>();
  for (const n of fn.nodes) if (n.op?.k === 'call' && n.op.call.indirect) out.add(n.op.call.name);
  return [...out];
}

function sccOrder(fns: { fn: FunctionIR; file: string }[], byName: Map<string, { fn: FunctionIR; file: string }[]>, opsTargets: Map<string, { fn: FunctionIR; file: string }>): { fn: FunctionIR; file: string }[][] {
  const index = new Map<object, number>();
  const low = new Map<object, number>();
  const onStack = new Set<object>();
  const stack: { fn: FunctionIR; file: string }[] = [];
  const out: { fn: FunctionIR; file: string }[][] = [];
  let next = 0;
  const succ = (x: { fn: FunctionIR; file: string }): { fn: FunctionIR; file: string }[] => {
    const res: { fn: FunctionIR; file: string }[] = [];
    for (const c of calleesOf(x.fn)) {
      const cands = byName.get(c);
      if (!cands) continue;
      const same = cands.find((y) => y.file === x.file);
      // same resolution as the summary lookup: a static inline helper defined once in a header counts
      const pick = same ?? cands.find((y) => !y.fn.isStatic) ?? (cands.length === 1 ? cands[0] : undefined);
      if (pick) res.push(pick);
    }
    for (const m of indirectCallees(x.fn)) {
      const t = opsTargets.get(m);
      if (t) res.push(t);
    }
    return res;
  };
  for (const root of fns) {
    if (index.has(root.fn)) continue;
    const work: { v: { fn: FunctionIR; file: string }; it: { fn: FunctionIR; file: string }[]; i: number }[] = [];
    const visit = (v: { fn: FunctionIR; file: string }): void => {
      index.set(v.fn, next); low.set(v.fn, next); next++;
      stack.push(v); onStack.add(v.fn);
      work.push({ v, it: succ(v), i: 0 });
    };
    visit(root);
    while (work.length) {
      const top = work[work.length - 1];
      if (top.i < top.it.length) {
        const w = top.it[top.i++];
        if (!index.has(w.fn)) visit(w);
        else if (onStack.has(w.fn)) low.set(top.v.fn, Math.min(low.get(top.v.fn)!, index.get(w.fn)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].v;
        low.set(parent.fn, Math.min(low.get(parent.fn)!, low.get(top.v.fn)!));
      }
      if (low.get(top.v.fn) === index.get(top.v.fn)) {
        const comp: { fn: FunctionIR; file: string }[] = [];
        let w: { fn: FunctionIR; file: string };
        do { w = stack.pop()!; onStack.delete(w.fn); comp.push(w); } while (w.fn !== top.v.fn);
        out.push(comp);
      }
    }
  }
  return out;
}
