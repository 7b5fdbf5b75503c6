// Function summaries from dataflow records, expressed over parameters so a
// caller can substitute its own arguments: `inode_lock(inode)` inside
// `foo(struct inode *inode)` becomes `$0->i_rwsem`.
import { rootVar } from '../parse/exprs';
import type { FnRecords } from './dataflow';
import type { FunctionIR } from './ir';
import type { InnerAcquire, LockEffect, Summary } from './summaryTypes';

/** Rewrite an instance over the function's parameters; undefined if it names a local object. */
export function toTemplate(inst: string, fn: FunctionIR, globals: ReadonlyMap<string, string>): string | undefined {
  if (inst.includes('@')) return undefined;
  const root = rootVar(inst);
  if (!root) return inst; // per-task pseudo-locks: rcu, jbd2_handle
  const idx = fn.params.findIndex((p) => p.name === root);
  if (idx >= 0) {
    const re = new RegExp(`\\b${root}\\b`, 'g');
    return inst.replace(re, `$${idx}`);
  }
  if (globals.has(root) || inst === 'rcu' || inst === 'jbd2_handle' || inst === 'preempt' || inst === 'irq' || inst === 'bh' || inst.startsWith('rcu')) return inst;
  // an accessor over a parameter: get_fuse_inode(inode)->i_mmap_sem
  for (let i = 0; i < fn.params.length; i++) {
    const p = fn.params[i].name;
    if (p && new RegExp(`\\(${p}\\)`).test(inst)) return inst.replace(new RegExp(`\\b${p}\\b`, 'g'), `$${i}`);
  }
  return undefined;
}

export function summarize(rec: FnRecords, globals: ReadonlyMap<string, string>): Summary {
  const fn = rec.fn;
  const sum: Summary = { name: fn.name, file: rec.file, pos: fn.namePos, acquires: [], releases: [], requires: [], inner: [] };
  if (rec.budgetHit) { sum.incomplete = `analysis budget hit (${rec.budgetHit})`; return sum; }
  const exits = rec.exits;
  const effect = (h: { inst: string; cls: string; kind: LockEffect['kind']; mode: LockEffect['mode'] }): LockEffect | undefined => {
    const template = toTemplate(h.inst, fn, globals);
    return template ? { template, cls: h.cls, kind: h.kind, mode: h.mode } : undefined;
  };
  if (exits.length > 0) {
    // held at every exit, taken here
    const first = exits[0].state.held.filter((h) => !h.entry);
    for (const h of first) {
      if (exits.every((ex) => ex.state.held.some((x) => x.inst === h.inst && !x.entry))) {
        const e = effect(h);
        if (e) sum.acquires.push(e);
      } else if (exits.some((ex) => !ex.state.held.some((x) => x.inst === h.inst))) {
        sum.conditional = true;
      }
    }
    // released without being taken (caller's lock), not re-taken at exit
    const assumed = new Set<string>();
    for (const ex of exits) for (const a of ex.state.entryAssumed) assumed.add(a);
    for (const inst of assumed) {
      const rel = rec.releases.find((r) => r.ref.inst === inst) ?? rec.asserts.find((r) => r.ref.inst === inst);
      if (!rel) continue;
      const e = effect(rel.ref);
      if (!e) continue;
      sum.requires.push(e);
      if (exits.every((ex) => !ex.state.held.some((x) => x.inst === inst))) sum.releases.push(e);
    }
  }
  for (const a of fn.annotations) {
    if (a.kind.startsWith('__must_hold')) {
      const inst = rec.resolver.annotationInstance(a.arg);
      const t = toTemplate(inst, fn, globals);
      if (t && !sum.requires.some((r) => r.template === t)) sum.requires.push({ template: t, cls: rec.resolver.classFor(undefined, inst, a.arg), kind: 'mutex', mode: a.kind.endsWith('_shared') ? 'R' : 'W' });
    }
  }
  // everything acquired inside, directly or through callees, for order edges
  const seen = new Set<string>();
  for (const a of rec.acquires) {
    const key = `${a.ref.cls}|${a.ref.mode}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const t = toTemplate(a.ref.inst, fn, globals) ?? `?${a.ref.inst}`;
    const inner: InnerAcquire = { template: t, cls: a.ref.cls, kind: a.ref.kind, mode: a.ref.mode, file: rec.file, pos: a.pos, chain: a.chain ? a.chain : [] };
    if (a.chain && a.callee) {
      const deep = a.callee.inner.find((x) => x.cls === a.ref.cls);
      if (deep) { inner.file = deep.file; inner.pos = deep.pos; }
    }
    sum.inner.push(inner);
  }
  // may fault with page faults enabled / may sleep
  for (const c of rec.calls) {
    if (!sum.fault && c.before.pf === 0) {
      if (c.fault && !c.fault.faultIn) {
        const iterArg = c.fault.iterArg;
        const iterInst = iterArg !== undefined ? rec.resolver.expand(c.call.args[iterArg] ?? '') : undefined;
        if (!(iterInst && c.before.nofault.includes(iterInst))) {
          sum.fault = { file: rec.file, pos: c.call.pos, api: c.call.name, chain: [], gup: !!c.fault.gup, iter: iterInst ? toTemplate(iterInst, fn, globals) : undefined };
        }
      } else if (c.callee?.fault) {
        const f = c.callee.fault;
        sum.fault = { file: f.file, pos: f.pos, api: f.api, chain: [c.callee.name, ...f.chain], gup: f.gup };
      }
    }
    if (!sum.sleep) {
      if (c.sleeps) sum.sleep = { file: rec.file, pos: c.call.pos, api: c.call.name, chain: [] };
      else if (c.callee?.sleep) sum.sleep = { ...c.callee.sleep, chain: [c.callee.name, ...c.callee.sleep.chain] };
    }
  }
  if (!sum.sleep) {
    const sl = rec.acquires.find((a) => ['mutex', 'rwsem', 'percpu_rwsem', 'semaphore', 'glock', 'folio'].includes(a.ref.kind) && !a.try);
    if (sl) sum.sleep = { file: rec.file, pos: sl.pos, api: sl.ref.via, chain: sl.chain ?? [] };
  }
  return sum;
}
