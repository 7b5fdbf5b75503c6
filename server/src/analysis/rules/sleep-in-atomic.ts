// sleep-in-atomic: a call that may sleep or fault (or a sleeping lock) under a
// spinlock, rwlock, rcu_read_lock(), preempt_disable(), irqs off, or inside
// pagefault_disable() ("BUG: sleeping function called from invalid context").
import type { Finding } from '../diagnostic';
import { lineOf } from '../diagnostic';
import { ATOMIC_KINDS, PER_TASK_KINDS, SLEEPING_KINDS } from '../../model/lockApi';
import type { LockKind } from '../../model/lockApi';
import type { FnEvents, HeldLite } from '../events';
import { faultSuppressed } from './fault-while-locked';
import { FactUse, heldPhrase, sameBase, WorkspaceFacts, wsFinding } from './facts';

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
export function contradictedAnnotations(facts: WorkspaceFacts): Contradicted {
  // how a file calls and refers to its functions: made on first need (few functions hold a lock only by
  // annotation), for that file alone until several files asked, then for every file in one pass
  type FileFacts = { calls: Map<string, string[][]>; refs: Set<string> };
  const byFile = new Map<string, FileFacts>();
  let all = false;
  const add = (f: FileFacts, ev: FnEvents): void => {
    for (const c of ev.requireCalls ?? []) {
      const l = f.calls.get(c.name);
      if (l) l.push(c.held); else f.calls.set(c.name, [c.held]);
    }
    for (const r of ev.valueRefs ?? []) f.refs.add(r);
  };
  const fresh = (): FileFacts => ({ calls: new Map(), refs: new Set() });
  const fileFacts = (file: string): FileFacts => {
    let f = byFile.get(file);
    if (f) return f;
    if (all || byFile.size >= 8) {
      if (!all) {
        byFile.clear();
        all = true;
        for (const ev of facts.events) {
          let g = byFile.get(ev.file);
          if (!g) { g = fresh(); byFile.set(ev.file, g); }
          add(g, ev);
        }
      }
      return byFile.get(file) ?? fresh();
    }
    f = fresh();
    byFile.set(file, f);
    for (const ev of facts.events) if (ev.file === file) add(f, ev);
    return f;
  };
  return (ev, h, use) => {
    if (!h.entry || !h.via.startsWith('__must_hold') || !ev.isStatic) return false;
    if (facts.opsMembers.has(ev.fn)) return false;
    use.fileContext = true;
    const { calls, refs } = fileFacts(ev.file);
    if (refs.has(ev.fn)) return false;
    const sites = calls.get(ev.fn);
    if (!sites?.length) return false;
    return sites.every((held) => !held.some((x) => {
      const [kind, cls] = [x.slice(0, x.indexOf(':')), x.slice(x.indexOf(':') + 1)];
      return kind === h.kind && (PER_TASK_KINDS.has(kind as LockKind) || sameBase(cls, h.cls));
    }));
  };
}

/** Does `ev` hold `h` only by an annotation its callers contradict (contradictedAnnotations)? */
type Contradicted = (ev: FnEvents, h: HeldLite, use: FactUse) => boolean;

function context(h: HeldLite | undefined, pf: number): string {
  if (h) {
    const what = h.kind === 'rcu' ? 'inside rcu_read_lock()' : h.kind === 'preempt' ? 'with preemption disabled' : h.kind === 'irq' ? 'with interrupts disabled' : `while ${heldPhrase(h)} is held`;
    return `${what} (since line ${lineOf(h.site)}, ${h.via}())`;
  }
  return `inside pagefault_disable() (depth ${pf})`;
}

// one function's reported sites (kept across functions and emptied per function: most report nothing)
const seen = new Set<string>();

/** One function's sleeping calls in atomic context. */
export function sleepsInAtomic(ev: FnEvents, facts: WorkspaceFacts, contradictedIn: Contradicted, use: FactUse): Finding[] {
  const out: Finding[] = [];
  if (ev.sleeps.length === 0 && ev.faults.length === 0 && ev.acquires.length === 0) return out;
  const contradicted = (h: HeldLite): boolean => contradictedIn(ev, h, use);
  const report = (pos: { line: number; col: number; endLine: number; endCol: number }, what: string, h: HeldLite | undefined, pf: number, advice: string): void => {
    const key = `${pos.line}:${pos.col}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(wsFinding(ev, 'sleep-in-atomic', pos, `${what} ${context(h, pf)}: sleeping in atomic context ("BUG: sleeping function called from invalid context"). ${advice}`,
      h ? [{ file: ev.file, pos: h.site, message: `atomic context entered here by ${h.via}()` }] : []));
  };
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
  return out;
}
