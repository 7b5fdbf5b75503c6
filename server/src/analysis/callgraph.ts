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

/** Strongly connected components of the call graph, callees before callers (iterative Tarjan). */
export function sccOrder(fns: { fn: FunctionIR; file: string }[], byName: Map<string, { fn: FunctionIR; file: string }[]>, opsTargets: Map<string, { fn: FunctionIR; file: string }>): { fn: FunctionIR; file: string }[][] {
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
