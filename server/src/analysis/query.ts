// Engine-side queries for editor features: what is held at a position, what a
// lock call or a may-fault call means there, a function's summary, the held
// set after each lock-changing statement, the lock-order graph, and exact
// source edits for fixes (validated by re-analysing the edited function).
// Everything here reads a Workspace analysed with `keepStates` (its
// `records` and `lastResult`); the LSP front end only formats the answers.
import type { Workspace } from './workspace';
import type { FnRecords } from './dataflow';
import { analyzeFunction } from './dataflow';
import type { Finding } from './diagnostic';
import type { Call, FunctionIR, Pos } from './ir';
import { forEachOp } from './ir';
import type { Held, State } from './state';
import type { Summary, SummaryLookup } from './summaryTypes';
import type { LockApi } from '../model/lockApi';
import type { FaultApi } from '../model/faultApi';
import { baseClass, StructTable } from '../model/classes';
import { fileIR } from './fileir';
import { FUNCTION_RULES } from './rules';
import { buildGraph } from './graph';
import { keyOf } from './callgraph';
import { parseC, ParsedFile, SyntaxNode } from '../parse/parser';
import { crossFs } from './rules/order-cycle';

// ------------------------------------------------------------------ positions

export function contains(p: Pos, line: number, col: number): boolean {
  if (line < p.line || line > p.endLine) return false;
  if (line === p.line && col < p.col) return false;
  if (line === p.endLine && col > p.endCol) return false;
  return true;
}

function samePos(a: Pos, b: Pos): boolean {
  return a.line === b.line && a.col === b.col;
}

/** The records of the function whose definition contains the position. */
export function functionAt(ws: Workspace, file: string, line: number, col: number): FnRecords | undefined {
  const entry = ws.getFile(file);
  if (!entry) return undefined;
  for (const fn of entry.ir.functions) {
    if (contains(fn.pos, line, col)) return ws.records.get(keyOf(file, fn.name));
  }
  return undefined;
}

/** Every call written in a function (statement calls and calls inside conditions). */
export function callsOf(fn: FunctionIR): Call[] {
  const out: Call[] = [];
  forEachOp(fn, (op) => { if (op.k === 'call') out.push(op.call); });
  return out;
}

/** The call whose callee name is under the cursor (or, failing that, the innermost call containing it). */
export function callAt(fn: FunctionIR, line: number, col: number): Call | undefined {
  let best: Call | undefined;
  for (const c of callsOf(fn)) {
    if (c.guard !== undefined && c.name === 'guard_release') continue;
    if (!contains(c.pos, line, col)) continue;
    const onName = c.pos.line === line && col >= c.pos.col && col <= c.pos.col + (c.guard ?? c.name).length + (c.guard ? 6 : 0);
    if (onName) return c;
    if (!best || (c.pos.line > best.pos.line || (c.pos.line === best.pos.line && c.pos.col >= best.pos.col))) best = c;
  }
  return best;
}

// ------------------------------------------------------------ held-set texts

export interface HeldDesc { inst: string; cls: string; kind: string; mode: string; site: Pos; via: string; entry: boolean }

function desc(h: Held): HeldDesc {
  return { inst: h.inst, cls: h.cls, kind: h.kind, mode: h.mode, site: h.site, via: h.via, entry: !!h.entry };
}

/** `inode->i_rwsem(W)` */
export function heldShort(h: { inst: string; mode: string }): string {
  return `${h.inst}(${h.mode})`;
}

/** Distinct held sets among states (by instance and mode), at most `max`. */
export function distinctHeld(states: readonly State[], max = 6): HeldDesc[][] {
  const out: HeldDesc[][] = [];
  const seen = new Set<string>();
  for (const s of states) {
    const k = s.held.map(heldShort).join(',');
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(s.held.map(desc));
    if (out.length >= max) break;
  }
  return out;
}

/** `held: a(W), b(R)` / `held: none`, path variants joined by ` | `. */
export function heldLabel(sets: readonly HeldDesc[][]): string {
  if (sets.length === 0) return 'held: none';
  const parts = sets.map((s) => (s.length === 0 ? 'none' : s.map(heldShort).join(', ')));
  return `held: ${[...new Set(parts)].join(' | ')}`;
}

// ------------------------------------------------------------------ ordering


export interface OrderChainInfo { classes: string[]; source: string }

export interface OrderVerdict {
  /** a class held at this point */
  held: string;
  heldInst: string;
  /** 'respects': held is declared before this class; 'violates': declared after */
  verdict: 'respects' | 'violates';
  chain: string[];
  source: string;
}

export interface OppositeSite { file: string; fn: string; pos: Pos; first: string; then: string; chain?: string[] }

/** Chains mentioning a class. */
export function chainsAround(ws: Workspace, cls: string): OrderChainInfo[] {
  const c = baseClass(cls);
  return ws.knowledge.orders.filter((o) => o.classes.includes(c)).map((o) => ({ classes: [...o.classes], source: o.source }));
}

/** Declared neighbours of a class: what must be taken before it and after it. */
export function orderNeighbours(ws: Workspace, cls: string): { before: string[]; after: string[] } {
  const d = ws.lastResult?.declared;
  return d ? d.around(cls) : { before: [], after: [] };
}

/** For each held class, does taking `cls` now respect or violate the declared order (transitively)? */
export function orderVerdicts(ws: Workspace, cls: string, held: readonly HeldDesc[]): OrderVerdict[] {
  const c = baseClass(cls);
  const out: OrderVerdict[] = [];
  const seen = new Set<string>();
  const declared = ws.lastResult?.declared;
  for (const h of held) {
    const hc = baseClass(h.cls);
    if (hc === c || seen.has(hc)) continue;
    seen.add(hc);
    if (declared) {
      const ok = declared.before(hc, c);
      const bad = ok ? undefined : declared.before(c, hc);
      if (ok) out.push({ held: hc, heldInst: h.inst, verdict: 'respects', chain: ok.path, source: ok.sources.join('; ') });
      else if (bad) out.push({ held: hc, heldInst: h.inst, verdict: 'violates', chain: bad.path, source: bad.sources.join('; ') });
      continue;
    }
    for (const o of ws.knowledge.orders) {
      const i = o.classes.indexOf(hc);
      const j = o.classes.indexOf(c);
      if (i < 0 || j < 0) continue;
      out.push({ held: hc, heldInst: h.inst, verdict: i < j ? 'respects' : 'violates', chain: [...o.classes], source: o.source });
      break;
    }
  }
  return out;
}

/**
 * Where, in the analysed workspace, `second` is taken while `first` is held
 * (directly or inside a callee). Seen from `fromFile`: a class lockdep keeps
 * per filesystem type (model/fsTypes.ts) held or taken in another
 * filesystem's code is another class, so those sites are left out.
 */
export function sitesTaking(ws: Workspace, first: string, second: string, max = 5, fromFile?: string): OppositeSite[] {
  const out: OppositeSite[] = [];
  const a = baseClass(first);
  const b = baseClass(second);
  const types = ws.knowledge.fsTypes;
  const hereA = fromFile === undefined ? undefined : types.held(fromFile, a);
  const hereB = fromFile === undefined ? undefined : types.held(fromFile, b);
  // every function's events (what the order rules read), not its records: only open documents keep those
  for (const ev of ws.lastResult?.events ?? []) {
    if (crossFs(hereA, types.held(ev.file, a)) || crossFs(hereB, types.held(ev.file, b))) continue;
    for (const acq of ev.acquires) {
      if (baseClass(acq.cls) !== b) continue;
      if (!acq.held.some((h) => baseClass(h.cls) === a && h.inst !== acq.inst)) continue;
      if (out.some((o) => o.file === ev.file && o.pos.line === acq.pos.line)) continue;
      out.push({ file: ev.file, fn: ev.fn, pos: acq.pos, first: a, then: b, chain: acq.chain });
      if (out.length >= max) return out;
    }
  }
  return out;
}

// --------------------------------------------------------------------- hover

export interface LockHoverLock {
  inst: string;
  cls: string;
  kind: string;
  mode: string;
  /** held sets just before the call, one per distinct path */
  before: HeldDesc[][];
  chains: OrderChainInfo[];
  /** declared neighbours (transitive closure of built-in, .lockorder and source directives) */
  neighbours: { before: string[]; after: string[] };
  verdicts: OrderVerdict[];
  /** where the opposite order (this class first, a held class second) is taken */
  opposite: OppositeSite[];
  /** for releases: where it was taken */
  takenAt?: Pos[];
  problem?: string;
}

export interface LockHover {
  kind: 'lock';
  range: Pos;
  call: string;
  op: LockApi['op'];
  api: LockApi;
  fn: string;
  locks: LockHoverLock[];
  /** the call was never reached by the analysis (dead code, or after a budget stop) */
  unreached: boolean;
}

export interface FaultHandlerInfo { member: string; name: string; opsVar: string; file: string; takes: { cls: string; mode: string; chain: string[] }[] }

export interface FaultHover {
  kind: 'fault';
  range: Pos;
  call: string;
  fn: string;
  /** from the built-in table / .lockorder, or through a callee's summary */
  why: string;
  via?: string[];
  gup: boolean;
  faultIn: boolean;
  iter?: string;
  /** per distinct path: held set and what suppresses the fault there */
  paths: { held: HeldDesc[]; pagefaultDisabled: boolean; nofault: boolean; faults: boolean }[];
  handlers: FaultHandlerInfo[];
  /** held locks (class) that a fault handler also takes: the deadlock risk */
  conflicts: { held: string; heldMode: string; handler: string; takesMode: string }[];
  unreached: boolean;
}

export interface FunctionHover {
  kind: 'function';
  range: Pos;
  name: string;
  file: string;
  summary: Summary;
  annotations: { kind: string; arg: string }[];
  /** findings reported in this function */
  findings: number;
}

export type HoverInfo = LockHover | FaultHover | FunctionHover;

/** Fault handlers of the workspace (vm_operations_struct initialisers) with the classes they take; those of `file`'s filesystem first. */
export function faultHandlers(ws: Workspace, file?: string): FaultHandlerInfo[] {
  const out: FaultHandlerInfo[] = [];
  const paths = ws.lastResult?.faultPaths;
  if (!paths) return out;
  const fsDir = file ? file.replace(/[\\/][^\\/]*$/, '') : undefined;
  const ordered = [...paths.values()].sort((a, b) => (a.fs === fsDir ? -1 : b.fs === fsDir ? 1 : 0));
  for (const fp of ordered) {
    for (const h of fp.handlers) {
      const takes = [{ cls: 'mm_struct.mmap_lock', mode: 'R', chain: ['(page fault entry)'] }];
      for (const t of fp.takes) if (t.handler === h.name && t.member === h.member) takes.push({ cls: baseClass(t.cls), mode: t.mode, chain: [h.name, ...t.chain] });
      out.push({ member: h.member, name: h.name, opsVar: h.opsVar, file: h.opsFile, takes });
    }
  }
  return out;
}

export function hoverAt(ws: Workspace, file: string, line: number, col: number): HoverInfo | undefined {
  const entry = ws.getFile(file);
  if (!entry) return undefined;
  // on a function name (definition)
  for (const fn of entry.ir.functions) {
    if (contains(fn.namePos, line, col)) {
      const summary = ws.calleeSummary(file, fn.name);
      if (!summary) return undefined;
      const findings = (ws.lastResult?.findings ?? []).filter((f) => f.file === file && f.function === fn.name && f.severity !== 'information').length;
      return { kind: 'function', range: fn.namePos, name: fn.name, file, summary, annotations: fn.annotations.map((a) => ({ kind: a.kind, arg: a.arg })), findings };
    }
  }
  const rec = functionAt(ws, file, line, col);
  if (!rec) return undefined;
  const call = callAt(rec.fn, line, col);
  if (!call) return undefined;
  const name = call.guard !== undefined ? (ws.knowledge.guard(call.guard)?.acquire ?? call.name) : call.name;
  const range: Pos = { line: call.pos.line, col: call.pos.col, endLine: call.pos.line, endCol: call.pos.col + (call.guard ?? call.name).length };
  const api = call.indirect ? undefined : ws.knowledge.lockApi(name);
  const fault = call.indirect ? undefined : ws.knowledge.faultApi(name);
  // a call that may fault and may drop its lock on the way (GUP with `&locked`): what matters there is the fault
  if (api && !(fault && api.heldOut !== undefined)) return lockHover(ws, rec, call, api, name, range);
  const calleeSum = !call.indirect ? ws.calleeSummary(file, call.name) : undefined;
  if (fault || calleeSum?.fault) return faultHover(ws, rec, call, fault, calleeSum, range);
  if (calleeSum) {
    const findings = (ws.lastResult?.findings ?? []).filter((f) => f.file === calleeSum.file && f.function === calleeSum.name && f.severity !== 'information').length;
    return { kind: 'function', range, name: calleeSum.name, file: calleeSum.file, summary: calleeSum, annotations: [], findings };
  }
  return undefined;
}

function lockHover(ws: Workspace, rec: FnRecords, call: Call, api: LockApi, name: string, range: Pos): LockHover {
  const acqs = rec.acquires.filter((a) => samePos(a.pos, call.pos) && !a.chain);
  const rels = rec.releases.filter((r) => samePos(r.pos, call.pos));
  const asserts = rec.asserts.filter((r) => samePos(r.pos, call.pos));
  const byInst = new Map<string, LockHoverLock>();
  const add = (ref: { inst: string; cls: string; kind: string; mode: string }, before: State): LockHoverLock => {
    let l = byInst.get(ref.inst);
    if (!l) {
      l = { inst: ref.inst, cls: ref.cls, kind: ref.kind, mode: ref.mode, before: [], chains: chainsAround(ws, ref.cls), neighbours: orderNeighbours(ws, ref.cls), verdicts: [], opposite: [] };
      byInst.set(ref.inst, l);
    }
    const k = before.held.map(heldShort).join(',');
    if (!l.before.some((s) => s.map(heldShort).join(',') === k) && l.before.length < 6) l.before.push(before.held.map(desc));
    return l;
  };
  for (const a of acqs) add(a.ref, a.before);
  for (const r of rels) {
    const l = add(r.ref, r.before);
    const h = r.before.held.find((x) => x.inst === r.ref.inst);
    if (h) { l.takenAt = l.takenAt ?? []; if (!l.takenAt.some((p) => samePos(p, h.site))) l.takenAt.push(h.site); }
    if (r.problem && !l.problem) l.problem = r.problem === 'double-release' ? 'released twice on some path' : r.problem === 'failed-try' ? 'released after a failed trylock' : 'released in a different mode than it was taken';
  }
  for (const a of asserts) add(a.ref, a.before);
  for (const l of byInst.values()) {
    if (api.op === 'acquire' || api.op === 'try' || api.op === 'holder_nq' || api.op === 'holder_nq_init' || api.op === 'might') {
      const heldAll = uniqueHeld(l.before).filter((h) => h.inst !== l.inst);
      l.verdicts = orderVerdicts(ws, l.cls, heldAll);
      const seen = new Set<string>();
      for (const h of heldAll) {
        const hc = baseClass(h.cls);
        if (seen.has(hc) || hc === baseClass(l.cls)) continue;
        seen.add(hc);
        l.opposite.push(...sitesTaking(ws, l.cls, hc, 3, rec.file));
      }
    }
  }
  const unreached = acqs.length + rels.length + asserts.length === 0;
  if (unreached) {
    // describe the call from the table alone
    for (const ref of rec.resolver.refs(api, call)) byInst.set(ref.inst, { inst: ref.inst, cls: ref.cls, kind: ref.kind, mode: ref.mode, before: [], chains: chainsAround(ws, ref.cls), neighbours: orderNeighbours(ws, ref.cls), verdicts: [], opposite: [] });
  }
  return { kind: 'lock', range, call: name, op: api.op, api, fn: rec.fn.name, locks: [...byInst.values()], unreached };
}

function uniqueHeld(sets: readonly HeldDesc[][]): HeldDesc[] {
  const out: HeldDesc[] = [];
  for (const s of sets) for (const h of s) if (!out.some((x) => x.inst === h.inst)) out.push(h);
  return out;
}

function faultHover(ws: Workspace, rec: FnRecords, call: Call, fault: FaultApi | undefined, callee: Summary | undefined, range: Pos): FaultHover {
  const calls = rec.calls.filter((c) => samePos(c.call.pos, call.pos));
  const iterArg = fault?.iterArg;
  const iter = iterArg !== undefined ? rec.resolver.expand(call.args[iterArg] ?? '') : undefined;
  const gup = !!(fault?.gup ?? callee?.fault?.gup);
  const paths: FaultHover['paths'] = [];
  const seen = new Set<string>();
  for (const c of calls) {
    const pagefaultDisabled = c.before.pf > 0;
    const nofault = iter !== undefined && c.before.nofault.includes(iter);
    const faults = !(fault?.faultIn) && !nofault && (!pagefaultDisabled || gup);
    const k = `${c.before.held.map(heldShort).join(',')}|${pagefaultDisabled}|${nofault}`;
    if (seen.has(k)) continue;
    seen.add(k);
    paths.push({ held: c.before.held.map(desc), pagefaultDisabled, nofault, faults });
  }
  const handlers = faultHandlers(ws, rec.file);
  const conflicts: FaultHover['conflicts'] = [];
  for (const p of paths) {
    if (!p.faults) continue;
    for (const h of p.held) {
      for (const fh of handlers) {
        for (const t of fh.takes) {
          if (t.cls !== baseClass(h.cls)) continue;
          if (conflicts.some((c) => c.held === h.inst && c.handler === fh.name)) continue;
          conflicts.push({ held: h.inst, heldMode: h.mode, handler: fh.name, takesMode: t.mode });
        }
      }
    }
  }
  const why = fault?.why ?? (callee?.fault ? `${callee.name}() may fault: it reaches ${callee.fault.api}() (${[callee.name, ...callee.fault.chain, callee.fault.api].join(' → ')})` : '');
  return {
    kind: 'fault', range, call: call.name, fn: rec.fn.name, why, via: callee?.fault ? [callee.name, ...callee.fault.chain, callee.fault.api] : undefined,
    gup, faultIn: !!fault?.faultIn, iter, paths, handlers, conflicts, unreached: calls.length === 0,
  };
}

// --------------------------------------------------------------- inlay hints

export interface HeldHint { line: number; col: number; label: string; fn: string }

/** After each lock-changing call: the held set on the paths leaving it. */
export function heldHints(ws: Workspace, file: string, fromLine = 0, toLine = Number.MAX_SAFE_INTEGER): HeldHint[] {
  const out: HeldHint[] = [];
  const entry = ws.getFile(file);
  if (!entry) return out;
  for (const fn of entry.ir.functions) {
    if (fn.pos.endLine < fromLine || fn.pos.line > toLine) continue;
    const rec = ws.records.get(keyOf(file, fn.name));
    if (!rec) continue;
    const at = new Map<string, { pos: Pos; after: State[] }>();
    const note = (pos: Pos, s: State): void => {
      if (pos.line < fromLine || pos.line > toLine) return;
      const k = `${pos.line}:${pos.col}`;
      const e = at.get(k);
      if (e) e.after.push(s); else at.set(k, { pos, after: [s] });
    };
    for (const a of rec.acquires) {
      if (a.chain) continue; // inside a callee, not held after
      const api = ws.knowledge.lockApi(a.ref.via);
      if (api?.op === 'might' || api?.op === 'assert') continue;
      const h: Held = { inst: a.ref.inst, cls: a.ref.cls, kind: a.ref.kind, mode: a.ref.mode, site: a.pos, via: a.ref.via, count: 1 };
      note(a.pos, { ...a.before, held: [...a.before.held.filter((x) => x.inst !== h.inst), h].sort((x, y) => (x.inst < y.inst ? -1 : x.inst > y.inst ? 1 : 0)) });
    }
    for (const r of rec.releases) {
      const cur = r.before.held.find((x) => x.inst === r.ref.inst);
      const held = cur && cur.count > 1 ? r.before.held : r.before.held.filter((x) => x.inst !== r.ref.inst);
      note(r.pos, { ...r.before, held });
    }
    for (const { pos, after } of at.values()) {
      out.push({ line: pos.endLine, col: pos.endCol, label: heldLabel(distinctHeld(after)), fn: fn.name });
    }
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

// ---------------------------------------------------------------- lock graph

export interface GraphEdge {
  from: string; to: string; file: string; fn: string; pos: Pos; via: string;
  kind: 'order' | 'fault'; inCycle: boolean; declared?: 'respects' | 'violates'; violation?: string;
}
export interface LockGraph { nodes: { id: string; kind: string; inCycle: boolean }[]; edges: GraphEdge[]; cycles: string[][] }

/** The engine's observed lock-order graph (analysis/graph.ts) with positions for the editor. */
export function lockGraph(ws: Workspace): LockGraph {
  const r = ws.lastResult;
  if (!r) return { nodes: [], edges: [], cycles: [] };
  const g = buildGraph(r);
  const inCycle = new Set(g.cycles.flat());
  const edges: GraphEdge[] = g.edges.map((e) => ({
    from: e.from, to: e.to, file: e.example.file, fn: e.example.function, via: e.example.via,
    pos: { line: e.example.line - 1, col: 0, endLine: e.example.line - 1, endCol: 0 },
    kind: e.kind, inCycle: e.cycle, violation: e.violation,
    declared: e.violation ? 'violates' : r.declared.before(e.from, e.to) ? 'respects' : undefined,
  }));
  return { nodes: g.classes.map((c) => ({ id: c.name, kind: c.kind, inCycle: inCycle.has(c.name) })), edges, cycles: g.cycles };
}

// ---------------------------------------------------------- re-check and fixes

/** A text edit over 0-based positions of the original text. */
export interface SourceEdit { line: number; col: number; endLine: number; endCol: number; newText: string }
export interface SourceFix { title: string; edits: SourceEdit[]; preferred?: boolean; kind: 'quickfix' | 'refactor' }

/** Apply edits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: readonly SourceEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const off = (l: number, c: number): number => (l >= starts.length ? text.length : Math.min(starts[l] + c, text.length));
  const sorted = [...edits].sort((a, b) => off(b.line, b.col) - off(a.line, a.col));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.line, e.col)) + e.newText + out.slice(off(e.endLine, e.endCol));
  return out;
}

/** Findings of one function in an edited text, with the rest of the workspace as last analysed. */
export function recheckFunction(ws: Workspace, file: string, text: string, fnName: string): { findings: Finding[]; rec?: FnRecords } {
  const ir = fileIR(file, text);
  const fn = ir.functions.find((f) => f.name === fnName);
  if (!fn) return { findings: [] };
  const structs = new StructTable();
  const globals = new Map<string, string>();
  for (const p of ws.fileList()) {
    if (p === file) continue;
    const e = ws.getFile(p);
    if (!e) continue;
    structs.add(e.ir.structs);
    for (const g of e.ir.globals) globals.set(g.name, g.type);
    if (fn.annotations.length === 0) {
      const proto = e.ir.prototypes.find((x) => x.name === fn.name);
      if (proto) fn.annotations = proto.annotations.map((a) => ({ ...a }));
    }
  }
  structs.add(ir.structs);
  for (const g of ir.globals) globals.set(g.name, g.type);
  const lookup: SummaryLookup = { get: (name: string) => ws.calleeSummary(file, name) };
  const rec = analyzeFunction(fn, { file, know: ws.knowledge, structs, globals, summaries: lookup });
  if (rec.budgetHit) return { findings: [], rec };
  return { findings: FUNCTION_RULES.flatMap((r) => r.check(rec)), rec };
}

function ruleCounts(fs: readonly Finding[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of fs) m.set(f.rule, (m.get(f.rule) ?? 0) + 1);
  return m;
}

/** No rule reports more findings after than before, and `rule` strictly fewer (when given). */
function improves(before: readonly Finding[], after: readonly Finding[], fewer?: string): boolean {
  const b = ruleCounts(before);
  const a = ruleCounts(after);
  for (const [r, n] of a) if (n > (b.get(r) ?? 0)) return false;
  if (fewer !== undefined && (a.get(fewer) ?? 0) >= (b.get(fewer) ?? 0)) return false;
  return true;
}

function leakingExits(rec: FnRecords | undefined, inst: string): number {
  if (!rec) return 0;
  return rec.exits.filter((e) => e.state.held.some((h) => h.inst === inst && !h.entry)).length;
}

// -- syntax helpers over tree-sitter

function nodesOfType(root: SyntaxNode, type: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const walk = (n: SyntaxNode): void => {
    if (n.type === type) out.push(n);
    for (const c of n.namedChildren) walk(c);
  };
  walk(root);
  return out;
}

function functionNode(parsed: ParsedFile, fn: FunctionIR): SyntaxNode | undefined {
  const start = parsed.lines.offsetAt(fn.pos.line, fn.pos.col);
  let best: SyntaxNode | undefined;
  for (const n of parsed.tree.rootNode.namedChildren) {
    if (n.startIndex <= start && n.endIndex > start && (n.type === 'function_definition' || n.type === 'ERROR')) best = n;
  }
  if (best?.type === 'function_definition') return best;
  // nested inside a preprocessor block
  let found: SyntaxNode | undefined;
  const walk = (n: SyntaxNode): void => {
    if (found) return;
    if (n.type === 'function_definition' && n.startIndex <= start && n.endIndex > start) { found = n; return; }
    for (const c of n.namedChildren) if (c.startIndex <= start + 1 && c.endIndex > start) walk(c);
  };
  walk(parsed.tree.rootNode);
  return found;
}

function lineText(text: string, line: number): string {
  let start = 0;
  for (let l = 0; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return '';
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

const indentOf = (s: string): string => /^[ \t]*/.exec(s)![0];

/** Edits inserting `stmt` (a full statement with `;`) just before statement node `s`, adding braces when `s` is an unbraced body. */
function insertBefore(parsed: ParsedFile, s: SyntaxNode, stmt: string): SourceEdit[] {
  const text = parsed.text;
  const pos = parsed.lines.position(s.startIndex);
  const end = parsed.lines.position(s.endIndex);
  const lt = lineText(text, pos.line);
  const startsLine = lt.slice(0, pos.col).trim() === '';
  const parent = s.parent;
  const braced = !parent || parent.type === 'compound_statement' || parent.type === 'labeled_statement' || parent.type === 'case_statement' || parent.type === 'translation_unit' || parent.type.startsWith('preproc');
  if (braced) {
    if (startsLine) {
      return [{ line: pos.line, col: 0, endLine: pos.line, endCol: 0, newText: `${indentOf(lt)}${stmt}\n` }];
    }
    return [{ line: pos.line, col: pos.col, endLine: pos.line, endCol: pos.col, newText: `${stmt} ` }];
  }
  // unbraced body of if / else / for / while / do
  const prev = s.previousSibling;
  if (!startsLine || !prev) {
    return [{ line: pos.line, col: pos.col, endLine: end.line, endCol: end.col, newText: `{ ${stmt} ${s.text} }` }];
  }
  const prevEnd = parsed.lines.position(prev.endIndex);
  const ownerLine = parent!.type === 'else_clause' ? parsed.lines.position(parent!.startIndex).line : parsed.lines.position(parent!.startIndex).line;
  const outer = indentOf(lineText(text, ownerLine));
  return [
    { line: prevEnd.line, col: prevEnd.col, endLine: prevEnd.line, endCol: prevEnd.col, newText: ' {' },
    { line: pos.line, col: 0, endLine: pos.line, endCol: 0, newText: `${indentOf(lt)}${stmt}\n` },
    { line: end.line, col: end.col, endLine: end.line, endCol: end.col, newText: `\n${outer}}` },
  ];
}

/**
 * Fixes for a lock-leak finding: insert the unlock on the leaking path (before
 * the leaking return, or before the gotos that reach a shared exit with the
 * lock held), or redirect those gotos to an existing unlock label. Every fix
 * offered has been applied to a copy of the text and re-analysed: the leak is
 * gone and no rule reports more than before.
 */
export function leakFixes(ws: Workspace, file: string, text: string, f: Finding): SourceFix[] {
  if (f.rule !== 'lock-leak' || !f.fix) return [];
  const rec = ws.records.get(keyOf(file, f.function));
  if (!rec) return [];
  const fix = f.fix;
  const out: SourceFix[] = [];
  const base = recheckFunction(ws, file, text, f.function);
  // the leaking instance: held at the reported exit, and taken here
  const leakExit = rec.exits.find((e) => e.pos.line === f.pos.line && e.pos.col === f.pos.col && e.state.held.some((h) => !h.entry));
  const inst = leakExit?.state.held.find((h) => !h.entry && !h.inst.includes('@') && f.message.startsWith(h.inst))?.inst
    ?? leakExit?.state.held.find((h) => !h.entry)?.inst;
  if (!inst || !base.rec) return [];
  const before = leakingExits(base.rec, inst);
  const parsed = parseC(text);
  const fnNode = functionNode(parsed, rec.fn);
  if (!fnNode) return [];
  const ok = (edits: SourceEdit[]): { clean: boolean; better: boolean } => {
    const after = recheckFunction(ws, file, applyEdits(text, edits), f.function);
    const stillLeaks = leakingExits(after.rec, inst);
    return { clean: stillLeaks === 0 && improves(base.findings, after.findings, 'lock-leak'), better: stillLeaks < before && improves(base.findings, after.findings) };
  };

  if (fix.kind === 'redirect-goto') {
    const edits = [{ line: fix.line, col: fix.col, endLine: fix.line, endCol: fix.endCol, newText: fix.text }];
    if (ok(edits).clean) out.push({ title: `Jump to ${fix.text} instead (it releases ${inst})`, edits, preferred: true, kind: 'quickfix' });
    return out;
  }
  const unlock = fix.text;
  // 1. the leaking return itself
  const retOffset = parsed.lines.offsetAt(f.pos.line, f.pos.col);
  const ret = nodesOfType(fnNode, 'return_statement').find((r) => r.startIndex <= retOffset && r.endIndex > retOffset);
  if (ret) {
    const edits = insertBefore(parsed, ret, unlock);
    if (ok(edits).clean) out.push({ title: `Insert ${unlock} before this return`, edits, preferred: true, kind: 'quickfix' });
  }
  // 2. the gotos that reach a shared exit holding the lock
  if (out.length === 0) {
    const gotos = nodesOfType(fnNode, 'goto_statement').slice(0, 40);
    const leaking: SyntaxNode[] = [];
    let merged: SourceEdit[] = [];
    for (const g of gotos) {
      const edits = insertBefore(parsed, g, unlock);
      if (ok(edits).better) { leaking.push(g); merged = merged.concat(edits); }
    }
    if (leaking.length > 0 && ok(merged).clean) {
      const where = leaking.length === 1 ? `before goto ${labelOf(leaking[0])} (line ${parsed.lines.position(leaking[0].startIndex).line + 1})` : `before the ${leaking.length} leaking gotos`;
      out.push({ title: `Insert ${unlock} ${where}`, edits: merged, preferred: true, kind: 'quickfix' });
    }
    // 3. redirect the leaking gotos (or none found: the return's own gotos) to an existing unlock label
    if (leaking.length > 0) {
      const labels = nodesOfType(fnNode, 'labeled_statement').map((l) => l.childForFieldName('label')?.text ?? '').filter(Boolean);
      for (const label of labels) {
        if (leaking.every((g) => labelOf(g) === label)) continue;
        const edits: SourceEdit[] = leaking.map((g) => {
          const ln = g.childForFieldName('label')!;
          const s = parsed.lines.position(ln.startIndex);
          const e = parsed.lines.position(ln.endIndex);
          return { line: s.line, col: s.col, endLine: e.line, endCol: e.col, newText: label };
        });
        if (ok(edits).clean) out.push({ title: `Redirect goto ${labelOf(leaking[0])} to the unlock label "${label}"`, edits, kind: 'quickfix' });
      }
    }
  }
  return out;
}

function labelOf(g: SyntaxNode): string {
  return g.childForFieldName('label')?.text ?? '';
}

/** The annotation argument for a summary template: `$0->i_rwsem` -> `&inode->i_rwsem`. */
function annotationArg(template: string, fn: FunctionIR, globals: ReadonlySet<string>): string | undefined {
  if (template.startsWith('?')) return undefined;
  const expr = template.replace(/\$(\d)/g, (_, d: string) => fn.params[Number(d)]?.name ?? `$${d}`);
  if (expr.includes('$')) return undefined;
  if (/->|\./.test(expr)) return `&${expr}`;
  if (globals.has(expr)) return `&${expr}`;
  return undefined;
}

/**
 * `__must_hold(...)` (or `__releases(...)` when the function drops it) after
 * the parameter list of a function whose summary requires a lock at entry
 * and which carries no annotation for it.
 */
export function annotationFixes(ws: Workspace, file: string, text: string, line: number, col: number): SourceFix[] {
  const entry = ws.getFile(file);
  if (!entry) return [];
  const fn = entry.ir.functions.find((x) => contains(x.pos, line, col) && (line < x.bodyPos.line || (line === x.bodyPos.line && col <= x.bodyPos.col) || contains(x.namePos, line, col)));
  if (!fn) return [];
  const sum = ws.calleeSummary(file, fn.name);
  const rec = ws.records.get(keyOf(file, fn.name));
  if (!sum || !rec || sum.requires.length === 0) return [];
  const globals = new Set<string>();
  for (const p of ws.fileList()) for (const g of ws.getFile(p)?.ir.globals ?? []) globals.add(g.name);
  const annotated = fn.annotations.map((a) => rec.resolver.annotationInstance(a.arg));
  const parts: string[] = [];
  for (const r of sum.requires) {
    const arg = annotationArg(r.template, fn, globals);
    if (!arg) continue;
    const inst = rec.resolver.annotationInstance(arg);
    if (annotated.includes(inst)) continue;
    const releases = sum.releases.some((x) => x.template === r.template);
    const kw = releases ? '__releases' : '__must_hold';
    const part = `${kw}(${arg})`;
    if (!parts.includes(part)) parts.push(part);
  }
  if (parts.length === 0) return [];
  const parsed = parseC(text);
  const node = functionNode(parsed, fn);
  if (!node) return [];
  let decl: SyntaxNode | null = node.childForFieldName('declarator');
  while (decl && decl.type !== 'function_declarator') decl = decl.childForFieldName('declarator');
  const params = decl?.childForFieldName('parameters');
  if (!params) return [];
  const at = parsed.lines.position(params.endIndex);
  const edits: SourceEdit[] = [{ line: at.line, col: at.col, endLine: at.line, endCol: at.col, newText: ` ${parts.join(' ')}` }];
  const base = recheckFunction(ws, file, text, fn.name);
  const after = recheckFunction(ws, file, applyEdits(text, edits), fn.name);
  if (!improves(base.findings, after.findings)) return [];
  return [{ title: `Annotate ${fn.name}() with ${parts.join(' ')}`, edits, kind: 'quickfix', preferred: false }];
}

/** Functions whose summary requires a lock and that carry no annotation saying so (for code-action discovery). */
export function needsAnnotation(ws: Workspace, file: string): { fn: string; namePos: Pos }[] {
  const entry = ws.getFile(file);
  if (!entry) return [];
  const out: { fn: string; namePos: Pos }[] = [];
  for (const fn of entry.ir.functions) {
    const sum = ws.calleeSummary(file, fn.name);
    if (sum && sum.requires.length > 0 && !fn.annotations.some((a) => /^__(must_hold|releases)/.test(a.kind))) out.push({ fn: fn.name, namePos: fn.namePos });
  }
  return out;
}
