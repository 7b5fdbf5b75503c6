// The workspace call graph: callees of a function, indirect calls resolved
// through ops-struct initialisers, and its strongly connected components in
// bottom-up order (callees before callers), which is the order summaries are
// computed in (Workspace.analyze, parallel.ts). The CallGraph a run keeps is
// computed on the functions' call stand-ins and reused, or updated at the
// functions whose calls changed, by the next run.
import type { FileIR, FunctionIR, IRNode } from './ir';
import { callSites, forEachCall } from './ir';
import { memoByContent } from './incremental';

/** Every callee name an op (or a condition) mentions. */
const calleesMemo = new WeakMap<FunctionIR, string[]>();
export function calleesOf(fn: FunctionIR): string[] {
  const known = calleesMemo.get(fn);
  if (known) return known;
  const out = new Set<string>();
  // (a guard statement is no call; a guard tried in a condition, scoped_cond_guard's, is named as one)
  forEachCall(fn, (op, tested) => { if (!op.call.indirect && (tested || op.call.guard === undefined)) out.add(op.call.name); });
  const res = [...out];
  calleesMemo.set(fn, res);
  return res;
}

/** Ops-struct types whose members the engine resolves indirect calls through. */
const OPS_TYPES = new Set(['vm_operations_struct', 'file_operations', 'inode_operations', 'address_space_operations', 'iomap_ops', 'super_operations']);

/** member -> the one function registered for it in the workspace (members with several candidates are left out) */
export function opsTargetsOf(irs: readonly FileIR[], byName: Map<string, { fn: FunctionIR; file: string }[]>): Map<string, { fn: FunctionIR; file: string }> {
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

/** Indirect callees of a function (calls through ops members), in first-call order. */
function indirectCallees(fn: FunctionIR): string[] {
  const out = new Set<string>();
  for (const n of callSites(fn)) if (n.op?.k === 'call' && n.op.call.indirect) out.add(n.op.call.name);
  return [...out];
}

/**
 * The functions a function calls, as indices into the functions (`fns`
 * and their `files`; `byName`: indices by name, in order; `opsTargets`: the index registered
 * for an ops member): each direct callee resolved as the summary lookup
 * does (its own file's definition, else the non-static one, else the only
 * one), then the ops members it calls, in the order it first calls them.
 */
export function successors(fns: readonly FunctionIR[], files: readonly string[], byName: ReadonlyMap<string, readonly number[]>, opsTargets: ReadonlyMap<string, number>, i: number): Int32Array {
  const x = { fn: fns[i], file: files[i] };
  const out: number[] = [];
  for (const c of calleesOf(x.fn)) {
    const cands = byName.get(c);
    if (!cands) continue;
    let pick = -1;
    for (const y of cands) if (files[y] === x.file) { pick = y; break; }
    // same resolution as the summary lookup: a static inline helper defined once in a header counts
    if (pick < 0) for (const y of cands) if (!fns[y].isStatic) { pick = y; break; }
    if (pick < 0 && cands.length === 1) pick = cands[0];
    if (pick >= 0) out.push(pick);
  }
  for (const m of indirectCallees(x.fn)) {
    const t = opsTargets.get(m);
    if (t !== undefined) out.push(t);
  }
  return Int32Array.from(out);
}

/**
 * Components of a graph over indices: the members of component c are
 * `members[start[c]] .. members[start[c + 1] - 1]`. And how the search went:
 * when each node was first visited (`visit`: how many were visited before
 * it), each node's component, and how many nodes had been visited when each
 * component was complete (`doneAt`).
 */
export interface Components { members: Int32Array; start: Int32Array; visit: Int32Array; compOf: Int32Array; doneAt: Int32Array }

/** The same components, in the same order, with the same members in the same order? */
export function sameComponents(a: Components, b: Components): boolean {
  if (a === b) return true;
  if (a.start.length !== b.start.length || a.members.length !== b.members.length) return false;
  for (let i = 0; i < a.start.length; i++) if (a.start[i] !== b.start[i]) return false;
  for (let i = 0; i < a.members.length; i++) if (a.members[i] !== b.members[i]) return false;
  return true;
}

/** Strongly connected components of the call graph over `n` functions and their successors, callees before callers (iterative Tarjan, roots in order). */
export function sccOrder(n: number, succ: readonly Int32Array[]): Components {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  const members = new Int32Array(n);
  let nm = 0;
  const starts: number[] = [0];
  const compOf = new Int32Array(n);
  const done: number[] = [];
  let next = 0;
  const workV = new Int32Array(n);
  const workI = new Int32Array(n);
  let wp = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] >= 0) continue;
    index[root] = low[root] = next++;
    stack[sp++] = root; onStack[root] = 1;
    workV[wp] = root; workI[wp] = 0; wp++;
    while (wp > 0) {
      const top = wp - 1;
      const v = workV[top];
      const it = succ[v];
      if (workI[top] < it.length) {
        const w = it[workI[top]++];
        if (index[w] < 0) {
          index[w] = low[w] = next++;
          stack[sp++] = w; onStack[w] = 1;
          workV[wp] = w; workI[wp] = 0; wp++;
        } else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
        continue;
      }
      wp--;
      if (wp > 0) { const parent = workV[wp - 1]; if (low[v] < low[parent]) low[parent] = low[v]; }
      if (low[v] === index[v]) {
        let w: number;
        const c = starts.length - 1;
        do { w = stack[--sp]; onStack[w] = 0; members[nm++] = w; compOf[w] = c; } while (w !== v);
        starts.push(nm);
        done.push(next);
      }
    }
  }
  return { members, start: Int32Array.from(starts), visit: index, compOf, doneAt: Int32Array.from(done) };
}

/**
 * Would sccOrder() search the graph as it did (`c`) with node `u`'s
 * successors `now` instead of `was`? An edge to a node whose component was
 * complete before `u` was first visited changes nothing when it is followed
 * (the node is visited and off the stack); the other edges must be the same,
 * in the same order. When this holds for every changed node, the search, and
 * so the components and their order, are the same.
 */
export function sameSearch(c: Components, u: number, was: Int32Array, now: Int32Array): boolean {
  const live = (w: number): boolean => c.doneAt[c.compOf[w]] > c.visit[u];
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < was.length && !live(was[i])) i++;
    while (j < now.length && !live(now[j])) j++;
    if (i === was.length || j === now.length) return i === was.length && j === now.length;
    if (was[i] !== now[j]) return false;
    i++;
    j++;
  }
}

/** A component is recursive when it has several functions or one that calls itself. */
export function isRecursive(scc: readonly { fn: FunctionIR }[]): boolean {
  return scc.length > 1 || calleesOf(scc[0].fn).includes(scc[0].fn.name);
}

// ------------------------------------------------------------ the workspace's call graph

/** Direct callees (calleesOf) per function content. */
const calleesByContent = new WeakMap<object, string[]>();
/** Ops members called through pointers (indirectCallees) per function content. */
const indirectByContent = new WeakMap<object, string[]>();

/**
 * A function as the call graph sees it: its name, linkage and calls, one per
 * callee (direct callees first, then ops members), in the order the
 * function first makes them. sccOrder()/isRecursive() over these give the
 * components they give over the functions themselves, without reading the
 * CFG of every function on every edit (a function that only moved has its
 * CFG shifted on first read, incremental.ts). Memoised per function content,
 * so calleesOf()'s memo of their callees lasts across edits.
 */
const standInMemo = new WeakMap<object, FunctionIR>();
const NOWHERE = { line: 0, col: 0, endLine: 0, endCol: 0 };
export function callStandIn(fn: FunctionIR): FunctionIR {
  return memoByContent(standInMemo, fn, (f) => {
    const call = (name: string, indirect: boolean): IRNode => ({ op: { k: 'call', call: indirect ? { name, args: [], pos: NOWHERE, indirect } : { name, args: [], pos: NOWHERE } }, succ: [] });
    const nodes = [...memoByContent(calleesByContent, f, calleesOf).map((c) => call(c, false)), ...memoByContent(indirectByContent, f, indirectCallees).map((m) => call(m, true))];
    return { name: f.name, isStatic: f.isStatic, nodes } as unknown as FunctionIR;
  });
}

/** Every name called in a graph's functions, with how many of its functions (stand-ins) call it. */
export interface Calls { set: Set<string>; count: Map<string, number> }

/** Count the names `x` calls `d` more (1) or fewer (-1) times. */
function bump(c: Calls, x: FunctionIR, d: 1 | -1): void {
  for (const n of calleesOf(x)) {
    const k = (c.count.get(n) ?? 0) + d;
    if (k > 0) { c.count.set(n, k); c.set.add(n); } else { c.count.delete(n); c.set.delete(n); }
  }
}

/** A run's call graph: its components in bottom-up order, which are recursive, and every name called. */
export interface CallGraph {
  order: { fn: FunctionIR; file: string }[][];
  recursive: Map<readonly { fn: FunctionIR; file: string }[], boolean>;
  called(): Set<string>;
  /** the names called, with their caller counts, if computed already (the next graph takes them over) */
  knownCalls(): Calls | undefined;
  /** what it was computed from: each function's call stand-in and file, and the ops members resolved */
  standIns: readonly FunctionIR[];
  /** the function objects the stand-ins are of */
  fnObjs: readonly FunctionIR[];
  /** the functions' names */
  names: ReadonlySet<string>;
  /** the same functions as the previous graph's (names, linkage and files, in order) */
  sameFunctions: boolean;
  /** and the same ops members resolved: every call resolves alike */
  sameResolution: boolean;
  files: readonly string[];
  ops: string;
  /** the components as indices into the functions */
  comps: Components;
  /** each function's successors (callgraph.ts's successors()), the functions' indices by name, and the ops members' */
  succ: Int32Array[];
  selfCalls: Uint8Array;
  byName: Map<string, number[]>;
  targets: Map<string, number>;
  compRecursive: boolean[];
  /** functions at these indices were replaced by ones making the same calls (Workspace.deltaRun) */
  replaceStandIns(indices: readonly number[], fns: readonly FunctionIR[]): void;
}

/**
 * Call-graph components in bottom-up order (callgraph.ts's sccOrder), and
 * which are recursive, computed on the functions' call stand-ins. When every
 * function makes the same calls, in the same order, as in the previous run
 * (and the ops members resolve alike), the previous components are reused:
 * sccOrder depends on nothing else.
 */
export function callGraph(fns: readonly { fn: FunctionIR; file: string }[], opsTargets: ReadonlyMap<string, { fn: FunctionIR; file: string }>, prev: CallGraph | undefined, changed?: readonly number[]): CallGraph {
  let targetsMemo = prev?.targets ?? new Map<string, number>();
  let standIns: FunctionIR[];
  let files: string[];
  let fnObjs: FunctionIR[];
  let ops = '';
  // only the functions at `changed` are other functions than the previous graph's (a delta run: the same
  // functions, names and linkage, and ops members): the rest is the previous graph's
  const hinted = !!changed && !!prev && prev.fnObjs.length === fns.length;
  if (hinted) {
    standIns = prev!.standIns.slice();
    fnObjs = prev!.fnObjs.slice();
    files = prev!.files as string[];
    for (const k of changed!) { standIns[k] = callStandIn(fns[k].fn); fnObjs[k] = fns[k].fn; }
    ops = prev!.ops;
  } else {
    standIns = new Array(fns.length);
    files = new Array(fns.length);
    fnObjs = new Array(fns.length);
    const sameLength = prev?.fnObjs.length === fns.length;
    for (let i = 0; i < fns.length; i++) {
      const { fn, file } = fns[i];
      // (the stand-in of the same function object as the previous graph's: no content lookup)
      standIns[i] = sameLength && prev!.fnObjs[i] === fn && prev!.files[i] === file ? prev!.standIns[i] : callStandIn(fn);
      files[i] = file;
      fnObjs[i] = fn;
    }
    for (const [m, t] of opsTargets) ops += `${m}\u0000${t.file}\u0000${t.fn.name}\u0001`;
  }
  /** indices whose stand-in is not the previous graph's (made once, when first asked) */
  let differs: number[] | undefined;
  const differ = (): number[] => (differs ??= hinted ? changed!.filter((k) => prev!.standIns[k] !== standIns[k]) : standIns.map((_, i) => i).filter((i) => prev!.standIns[i] !== standIns[i]));
  let comps: Components | undefined;
  let compRecursive: boolean[] = [];
  const sameFns = hinted || (!!prev && sameFunctions(prev, standIns, files));
  let succ: Int32Array[];
  /** per function: it calls its own name */
  let selfCalls: Uint8Array;
  let byName: Map<string, number[]>;
  if (prev && sameFns && prev.ops === ops && sameCalls(prev, standIns, opsTargets, differ())) {
    comps = prev.comps;
    compRecursive = prev.compRecursive;
    succ = prev.succ;
    selfCalls = prev.selfCalls;
    byName = prev.byName;
  } else {
    let targets: Map<string, number>;
    if (prev && sameFns && prev.ops === ops) {
      // the same functions and ops members: only the functions whose calls changed have other successors
      byName = prev.byName;
      targets = prev.targets;
      succ = prev.succ.slice();
      selfCalls = prev.selfCalls.slice();
      let same = true;
      for (const i of differ()) {
        succ[i] = successors(standIns, files, byName, targets, i);
        selfCalls[i] = calleesOf(standIns[i]).includes(standIns[i].name) ? 1 : 0;
        if (selfCalls[i] !== prev.selfCalls[i] || !sameSearch(prev.comps, i, prev.succ[i], succ[i])) same = false;
      }
      // every changed call is to a function whose component the search had completed before it came
      // to the caller (or the calls it follows are the same): the same search, the same components
      if (same) {
        comps = prev.comps;
        compRecursive = prev.compRecursive;
      }
    } else {
      byName = new Map();
      standIns.forEach((x, i) => { const l = byName.get(x.name); if (l) l.push(i); else byName.set(x.name, [i]); });
      // the same ops members resolve to the same functions' indices
      const index = new Map<FunctionIR, number>();
      fns.forEach((x, i) => index.set(x.fn, i));
      targets = new Map();
      for (const [m, t] of opsTargets) { const i = index.get(t.fn); if (i !== undefined) targets.set(m, i); }
      succ = standIns.map((_, i) => successors(standIns, files, byName, targets, i));
      selfCalls = Uint8Array.from(standIns, (x) => (calleesOf(x).includes(x.name) ? 1 : 0));
    }
    if (!comps) {
      comps = sccOrder(standIns.length, succ);
      // a component is recursive when it has several functions or one that calls itself (isRecursive)
      compRecursive = new Array(comps.start.length - 1);
      for (let c = 0; c + 1 < comps.start.length; c++) compRecursive[c] = comps.start[c + 1] - comps.start[c] > 1 || selfCalls[comps.members[comps.start[c]]] === 1;
    }
    targetsMemo = targets;
  }
  // the components over the functions themselves: made when a run asks (a delta run keeps its own)
  let order: { fn: FunctionIR; file: string }[][] | undefined;
  let recursive: Map<readonly { fn: FunctionIR; file: string }[], boolean> | undefined;
  const components = (): void => {
    order = [];
    recursive = new Map();
    for (let c = 0; c + 1 < comps.start.length; c++) {
      const real: { fn: FunctionIR; file: string }[] = [];
      for (let k = comps.start[c]; k < comps.start[c + 1]; k++) real.push(fns[comps.members[k]]);
      order.push(real);
      recursive.set(real, compRecursive[c]);
    }
  };
  const names = prev && sameFns ? prev.names : new Set(standIns.map((x) => x.name));
  // every name called, with how many functions call it: taken over from the previous graph (which
  // is not used again) and updated for the functions whose calls changed, or, when the functions
  // changed, for the stand-ins gone and those new (a stand-in is shared by every function of the
  // same content, so the names called are a function of the stand-ins as a multiset)
  let calls: Calls | undefined;
  const changedNow = prev && sameFns ? differ() : [];
  const takeCalls = (): Calls => {
    if (!calls) {
      const base = prev?.knownCalls();
      if (base && sameFns) {
        calls = base;
        for (const i of changedNow) { bump(calls, prev!.standIns[i], -1); bump(calls, standIns[i], 1); }
      } else if (base) {
        calls = base;
        const left = new Map<FunctionIR, number>();
        for (const x of prev!.standIns) left.set(x, (left.get(x) ?? 0) + 1);
        for (const x of standIns) {
          const n = left.get(x);
          if (n === undefined) bump(calls, x, 1); else if (n === 1) left.delete(x); else left.set(x, n - 1);
        }
        for (const [x, n] of left) for (let k = 0; k < n; k++) bump(calls, x, -1);
      } else {
        calls = { set: new Set(), count: new Map() };
        for (const x of standIns) bump(calls, x, 1);
      }
    }
    return calls;
  };
  return {
    get order() { if (!order) components(); return order!; },
    get recursive() { if (!recursive) components(); return recursive!; },
    standIns, files, ops, comps, compRecursive, names, sameFunctions: sameFns, sameResolution: sameFns && prev!.ops === ops,
    succ, selfCalls, byName, targets: targetsMemo,
    called: () => takeCalls().set,
    knownCalls: () => calls,
    fnObjs,
    replaceStandIns: (indices, fns) => indices.forEach((k, i) => {
      const x = callStandIn(fns[i]);
      if (calls && x !== standIns[k]) { bump(calls, standIns[k], -1); bump(calls, x, 1); }
      standIns[k] = x;
      fnObjs[k] = fns[i];
    }),
  };
}

/**
 * Would sccOrder give the previous graph's components for these functions?
 * It reads each function's name and linkage, and the calls of it that
 * resolve: to a function of the workspace (by name) or through an ops member
 * with one registered function (the same members as before: the caller
 * compares them).
 */
function sameFunctions(prev: CallGraph, standIns: readonly FunctionIR[], files: readonly string[]): boolean {
  if (prev.standIns.length !== standIns.length) return false;
  for (let i = 0; i < standIns.length; i++) {
    const a = prev.standIns[i];
    const b = standIns[i];
    if (prev.files[i] !== files[i] || (a !== b && (a.name !== b.name || a.isStatic !== b.isStatic))) return false;
  }
  return true;
}

/** The same functions (sameFunctions), making the same resolved calls. */
function sameCalls(prev: CallGraph, standIns: readonly FunctionIR[], opsTargets: ReadonlyMap<string, unknown>, differ: readonly number[]): boolean {
  return differ.every((i) => resolvedCalls(prev.standIns[i], prev.names, opsTargets) === resolvedCalls(standIns[i], prev.names, opsTargets));
}

/** The calls of a function's call stand-in that resolve (to a function named `names`, or through an ops member of `ops`), in order: what sccOrder follows. */
export function resolvedCalls(standIn: FunctionIR, names: { has(name: string): boolean }, ops: { has(member: string): boolean }): string {
  return standIn.nodes.map((n) => {
    const c = (n.op as { call: { name: string; indirect?: boolean } }).call;
    return c.indirect ? (ops.has(c.name) ? `->${c.name}` : '') : (names.has(c.name) ? c.name : '');
  }).filter((x) => x !== '').join(',');
}

/**
 * A function's key, `${file}::${name}`. Memoised: every analysis run looks
 * up each function's key several times, and the same string object (its hash
 * computed once) makes those Map operations cheaper than a new concatenation
 * each time. One entry per function ever seen (a file's are dropped with
 * forgetKeys()).
 */
const keys = new Map<string, Map<string, string>>();
export function keyOf(file: string, name: string): string {
  let m = keys.get(file);
  if (!m) { m = new Map(); keys.set(file, m); }
  let k = m.get(name);
  if (k === undefined) { k = `${file}::${name}`; m.set(name, k); }
  return k;
}
/** Forget the memoised keys of a file (it left the workspace). */
export function forgetKeys(file: string): void { keys.delete(file); }
