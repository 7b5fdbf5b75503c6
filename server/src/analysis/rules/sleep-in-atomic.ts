// sleep-in-atomic: a call that may sleep or fault (or a sleeping lock) under a
// spinlock, rwlock, rcu_read_lock(), preempt_disable(), irqs off, or inside
// pagefault_disable() ("BUG: sleeping function called from invalid context").
import type { Finding } from '../diagnostic';
import { lineOf } from '../diagnostic';
import { ATOMIC_KINDS, SLEEPING_KINDS } from '../../model/lockApi';
import type { HeldLite } from '../events';
import { faultSuppressed } from './fault-while-locked';
import { heldPhrase, WorkspaceFacts, wsFinding } from './facts';

function atomicHolder(held: readonly HeldLite[]): HeldLite | undefined {
  return held.find((h) => ATOMIC_KINDS.has(h.kind));
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
  for (const ev of facts.events) {
    const seen = new Set<string>();
    const report = (pos: { line: number; col: number; endLine: number; endCol: number }, what: string, h: HeldLite | undefined, pf: number, advice: string): void => {
      const key = `${pos.line}:${pos.col}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push(wsFinding(ev, 'sleep-in-atomic', pos, `${what} ${context(h, pf)}: sleeping in atomic context ("BUG: sleeping function called from invalid context"). ${advice}`,
        h ? [{ file: ev.file, pos: h.site, message: `atomic context entered here by ${h.via}()` }] : []));
    };
    for (const s of ev.sleeps) {
      const h = atomicHolder(s.held);
      if (!h && s.pf === 0) continue;
      report(s.pos, `${s.chain.length ? `${s.chain[0]}() calls ${s.api}(), which` : `${s.api}()`} may sleep`, h, s.pf, h ? `Move the call after the unlock, or use a non-sleeping variant (GFP_ATOMIC / GFP_NOWAIT).` : 'Call it after pagefault_enable().');
    }
    for (const f of ev.faults) {
      const h = atomicHolder(f.held);
      if (!h || faultSuppressed(f)) continue;
      report(f.pos, `${f.api}() may fault on the user buffer, and a page fault sleeps,`, h, f.pf, `Copy to or from a kernel buffer under the lock and do the user copy after ${h.kind === 'rcu' ? 'rcu_read_unlock()' : 'the unlock'}, or use the _inatomic/_nofault variant and handle a short copy.`);
    }
    for (const a of ev.acquires) {
      if (a.try || !SLEEPING_KINDS.has(a.kind)) continue;
      const h = atomicHolder(a.held);
      if (!h) continue;
      report(a.pos, `${a.chain.length ? `${a.chain[0]}() takes` : `${a.via}() takes`} ${a.inst} (${a.cls}), a sleeping lock,`, h, 0, 'Take the sleeping lock first, or restructure so the spinlock is dropped before.');
    }
  }
  return out;
}
