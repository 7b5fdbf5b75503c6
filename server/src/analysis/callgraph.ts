// The workspace call graph: callees of a function, indirect calls resolved
// through ops-struct initialisers, and its strongly connected components in
// bottom-up order (callees before callers), which is the order summaries are
// computed in (Workspace.analyze, parallel.ts).
import type { FileIR, FunctionIR } from './ir';
import { forEachOp } from './ir';

/** Every callee name an op (or a condition) mentions. */
const calleesMemo = new WeakMap<FunctionIR, string[]>();
export function calleesOf(fn: FunctionIR): string[] {
  const known = calleesMemo.get(fn);
  if (known) return known;
  const out = new Set<string>();
  // (a guard statement is no call; a guard tried in a condition, scoped_cond_guard's, is named as one)
  forEachOp(fn, (op, _, tested) => { if (op.k === 'call' && !op.call.indirect && (tested || op.call.guard === undefined)) out.add(op.call.name); });
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

/** Indirect callees of a function (calls through ops members). */
function indirectCallees(fn: FunctionIR): string[] {
  const out = new Set<string>();
  for (const n of fn.nodes) if (n.op?.k === 'call' && n.op.call.indirect) out.add(n.op.call.name);
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

/** A function's key in the summary table (and in per-function records): `${file}::${name}`. */
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
