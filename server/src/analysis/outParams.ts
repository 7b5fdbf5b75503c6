// Out-parameters of calls: the `&v` a call writes through. The held-lock out-parameter of a
// may-release call (heldOutVar: `&locked` given to a GUP call), and the `clobber` ops right after
// such calls, or after calls that keep the low bit of what `&v` points to, which must not undo what
// the call itself decided about v (outParamClobbers, parityClobbers).
import type { Knowledge } from '../model/knowledge';
import type { LockApi } from '../model/lockApi';
import type { Call, Cond, FunctionIR, Op } from './ir';

/**
 * The out-parameter of a may-release call (`heldOut`): the local `v` of `&v`; null when the call is
 * given NULL (it keeps the lock); undefined for anything else (a pointer passed on: not followed).
 */
export function heldOutVar(api: LockApi, call: Call): string | null | undefined {
  if (api.heldOut === undefined) return undefined;
  const a = call.args[api.heldOut < 0 ? call.args.length + api.heldOut : api.heldOut];
  if (a === undefined) return undefined;
  if (a === 'NULL' || a === '0') return null;
  return addressedVar(a);
}

/** The variable v of an argument `&v`, or undefined. */
function addressedVar(a: string): string | undefined {
  return /^&([A-Za-z_]\w*)$/.exec(a)?.[1];
}

/**
 * The `clobber` ops (`&v` passed to a call) right after a may-release call whose out-parameter is
 * `&v`, with that v: the call sets or forgets v itself, the clobber must not undo it.
 */
export function outParamClobbers(fn: FunctionIR, know: Knowledge): Map<Op, Set<string>> {
  return clobbersAfter(fn, (call) => {
    const api = know.lockApi(call.name);
    const v = api ? heldOutVar(api, call) : undefined;
    return v ? [v] : [];
  });
}

/**
 * The `clobber` ops right after a call that keeps the low bit of what its `&v` arguments point to
 * (valueApi.ts: read_seqbegin_or_lock(lock, &seq)), with those v: their `v & 1` atoms survive it.
 */
export function parityClobbers(fn: FunctionIR, know: Knowledge): Map<Op, Set<string>> {
  return clobbersAfter(fn, (call) => {
    const out: string[] = [];
    for (const i of know.keepsParity(call.name) ?? []) {
      const v = addressedVar(call.args[i] ?? '');
      if (v) out.push(v);
    }
    return out;
  });
}

/**
 * The `clobber` op that follows each direct call (as the next CFG node, or the next op in a
 * condition's `seq`), with the variables of it `varsOf` names for that call.
 */
function clobbersAfter(fn: FunctionIR, varsOf: (call: Call) => readonly string[]): Map<Op, Set<string>> {
  const out = new Map<Op, Set<string>>();
  const callVars = (op: Op | undefined): readonly string[] => (!op || op.k !== 'call' || op.call.indirect ? [] : varsOf(op.call));
  const mark = (clob: Op | undefined, vs: readonly string[]): void => {
    for (const v of vs) if (clob?.k === 'clobber' && clob.vars.includes(v)) out.set(clob, new Set([...(out.get(clob) ?? []), v]));
  };
  const inOps = (ops: readonly Op[]): void => {
    ops.forEach((op, i) => {
      const vs = callVars(op);
      if (vs.length) mark(ops[i + 1], vs);
      if (op.k === 'branch') inCond(op.cond);
    });
  };
  const inCond = (c: Cond): void => {
    if (c.k === 'not') inCond(c.e);
    else if (c.k === 'and' || c.k === 'or') { inCond(c.a); inCond(c.b); } else if (c.k === 'seq') { inOps(c.pre); inCond(c.c); }
  };
  for (const n of fn.nodes) {
    if (!n.op) continue;
    if (n.op.k === 'branch') inCond(n.op.cond);
    const vs = callVars(n.op);
    if (vs.length) for (const t of n.succ) mark(fn.nodes[t]?.op, vs);
  }
  return out;
}
