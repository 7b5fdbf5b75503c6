// order-violation: an acquisition against the declared lock order. The
// message carries the declared chain and where it is documented.
import type { Finding } from '../diagnostic';
import type { FnEvents } from '../events';
import { lineOf } from '../diagnostic';
import { heldPhrase, sameBase, WorkspaceFacts, wsFinding } from './facts';
import { crossFs } from './order-cycle';

const MMAP = 'mm_struct.mmap_lock';

// one function's reported sites (kept across functions and emptied per function: most report nothing)
const seen = new Set<string>();

/** One function's acquisitions against the declared order. */
export function orderViolations(ev: FnEvents, facts: WorkspaceFacts): Finding[] {
  const out: Finding[] = [];
  if (seen.size) seen.clear();
  for (const a of ev.acquires) {
    if (a.try) continue; // a trylock never waits
    // a callee's lock on an object it found itself (a system inode from the superblock),
    // not one derived from this function's arguments: not the documented relationship
    if (a.chain.length > 0 && a.inst.startsWith('?')) continue;
    const acqFs = facts.fsTypes.acquired(ev.file, a.cls, a.innerFile, a.inst);
    for (const h of a.held) {
      if (sameBase(h.cls, a.cls) || h.demotable) continue;
      // per-filesystem-type classes of two filesystems (stacking code: its own inode, the real file's
      // sb_writers): the declared order is within one filesystem
      if (crossFs(facts.fsTypes.held(ev.file, h.cls, h.inst), acqFs)) continue;
      const reason = facts.declared.before(a.cls, h.cls);
      if (!reason) continue;
      const key = `${a.pos.line}:${a.pos.col}:${a.cls}:${h.cls}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const how = a.chain.length ? `${a.chain[0]}() takes ${a.cls} (${a.chain.join(' → ')})` : `${a.via}() takes ${a.inst} (${a.cls})`;
      const heldWhere = h.entry && h.cls === MMAP ? 'held on entry: page-fault handlers run with mmap_lock held shared' : `taken at line ${lineOf(h.site)} by ${h.via}()`;
      let advice = `Take ${a.cls} before ${h.cls}, or drop ${h.cls} first.`;
      if (h.cls === MMAP && a.cls === 'inode.i_rwsem') {
        advice = 'Writers hold i_rwsem while faulting on their user buffer (generic_perform_write), so a fault path that takes i_rwsem deadlocks against them; serialise faults with a lock ordered after mmap_lock instead (mapping->invalidate_lock, or a per-inode rw_semaphore such as fuse\'s i_mmap_sem).';
      } else if (h.cls === MMAP) {
        advice = `Code that holds ${a.cls} and then faults (takes mmap_lock) is the documented direction; take ${a.cls} without mmap_lock held, or use a lock ordered after mmap_lock.`;
      }
      const f = wsFinding(ev, 'order-violation', a.pos,
        `${how} while holding ${heldPhrase(h)} (${heldWhere}), but the declared order is ${reason.path.join(' → ')} (${reason.sources.join('; ')}). ${advice}`,
        [
          ...(a.innerFile && a.innerPos ? [{ file: a.innerFile, pos: a.innerPos, message: `${a.cls} taken here` }] : []),
          ...(h.entry ? [] : [{ file: ev.file, pos: h.site, message: `${h.inst} taken here` }]),
        ]);
      f.simHint = { declared: { first: a.cls, firstKind: a.kind, then: h.cls, thenKind: h.kind } };
      out.push(f);
    }
  }
  return out;
}
