// sleep-in-atomic: a call that may sleep or fault (or a sleeping lock) under a
// spinlock, rwlock, rcu_read_lock(), preempt_disable(), irqs off, or inside
// pagefault_disable() ("BUG: sleeping function called from invalid context").
import type { Finding } from '../diagnostic';
import { lineOf } from '../diagnostic';
import { ATOMIC_KINDS, PER_TASK_KINDS, SLEEPING_KINDS } from '../../model/lockApi';
import type { LockKind } from '../../model/lockApi';
import type { FnEvents, HeldLite } from '../events';
import { faultSuppressed } from './fault-while-locked';
import { heldPhrase, sameBase, WorkspaceFacts, wsFinding } from './facts';

function atomicHolder(held: readonly HeldLite[], contradicted: (h: HeldLite) => boolean): HeldLite | undefined {
  return held.find((h) => ATOMIC_KINDS.has(h.kind) && !contradicted(h));
}

/**
 * Locks a function holds only because its annotation says so (`__must_hold(RCU)`) while no caller holds
 * them: a static function that is never used as a value (so its callers are the direct calls in its
 * file), called at least once, and at every call without a lock of that kind and class
 * (nfs_layout_find_inode_by_stateid(), declared __must_hold(RCU), takes rcu_read_lock() itself and is
 * called outside RCU). The annotation is wrong there, not the code after its own rcu_read_unlock().
 */
function contradictedAnnotations(facts: WorkspaceFacts): (ev: FnEvents, h: HeldLite) => boolean {
  const calls = new Map<string, string[][]>();
  const refs = new Map<string, Set<string>>();
  for (const ev of facts.events) {
    for (const c of ev.requireCalls ?? []) {
      const k = `${ev.file}\0${c.name}`;
      const l = calls.get(k);
      if (l) l.push(c.held); else calls.set(k, [c.held]);
    }
    if (ev.valueRefs?.length) {
      const set = refs.get(ev.file) ?? new Set<string>();
      for (const r of ev.valueRefs) set.add(r);
      refs.set(ev.file, set);
    }
  }
  return (ev, h) => {
    if (!h.entry || !h.via.startsWith('__must_hold') || !ev.isStatic) return false;
    if (facts.opsMembers.has(ev.fn) || refs.get(ev.file)?.has(ev.fn)) return false;
    const sites = calls.get(`${ev.file}\0${ev.fn}`);
    if (!sites?.length) return false;
    return sites.every((held) => !held.some((x) => {
      const [kind, cls] = [x.slice(0, x.indexOf(':')), x.slice(x.indexOf(':') + 1)];
      return kind === h.kind && (PER_TASK_KINDS.has(kind as LockKind) || sameBase(cls, h.cls));
    }));
  };
}

function context(h: HeldLite | undefined, pf: number): string {
  if (h) {
    const what = h.kind === 'rcu' ? 'inside rcu_read_lock()' : h.kind === 'preempt' ? 'with preemption disabled' : h.kind === 'irq' ? 'with interrupts disabled' : `while ${heldPhrase(h)} is held`;
    return `${what} (since line ${lineOf(h.site)}, ${h.via}())`;
  }
  return `inside pagefault_disable() (depth ${pf})`;
}

export function checkSleepInAtomic(facts: WorkspaceFacts): Finding[] {
  const out: Finding[] = [];
  const contradictedIn = contradictedAnnotations(facts);
  // the function being checked, and its reported sites (kept across functions and emptied per function: most report nothing)
  let ev: FnEvents;
  const seen = new Set<string>();
  const contradicted = (h: HeldLite): boolean => contradictedIn(ev, h);
  const report = (pos: { line: number; col: number; endLine: number; endCol: number }, what: string, h: HeldLite | undefined, pf: number, advice: string): void => {
    const key = `${pos.line}:${pos.col}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(wsFinding(ev, 'sleep-in-atomic', pos, `${what} ${context(h, pf)}: sleeping in atomic context ("BUG: sleeping function called from invalid context"). ${advice}`,
      h ? [{ file: ev.file, pos: h.site, message: `atomic context entered here by ${h.via}()` }] : []));
  };
  for (ev of facts.events) {
    if (seen.size) seen.clear();
    for (const s of ev.sleeps) {
      const h = atomicHolder(s.held, contradicted);
      if (!h && s.pf === 0) continue;
      report(s.pos, `${s.chain.length ? `${s.chain[0]}() calls ${s.api}(), which` : `${s.api}()`} may sleep`, h, s.pf, h ? `Move the call after the unlock, or use a non-sleeping variant (GFP_ATOMIC / GFP_NOWAIT).` : 'Call it after pagefault_enable().');
    }
    for (const f of ev.faults) {
      const h = atomicHolder(f.held, contradicted);
      if (!h || faultSuppressed(f)) continue;
      report(f.pos, `${f.api}() may fault on the user buffer, and a page fault sleeps,`, h, f.pf, `Copy to or from a kernel buffer under the lock and do the user copy after ${h.kind === 'rcu' ? 'rcu_read_unlock()' : 'the unlock'}, or use the _inatomic/_nofault variant and handle a short copy.`);
    }
    for (const a of ev.acquires) {
      if (a.try || !SLEEPING_KINDS.has(a.kind)) continue;
      const h = atomicHolder(a.held, contradicted);
      if (!h) continue;
      report(a.pos, `${a.chain.length ? `${a.chain[0]}() takes` : `${a.via}() takes`} ${a.inst} (${a.cls}), a sleeping lock,`, h, 0, 'Take the sleeping lock first, or restructure so the spinlock is dropped before.');
    }
  }
  return out;
}
