// fault-while-locked: a call that may fault on a user buffer while holding a
// lock the fault path takes: mmap_lock itself, a lock this filesystem's
// ->fault / ->page_mkwrite handler takes in a conflicting mode (seed 001:
// gfs2 direct I/O holds the inode glock DF across iomap_dio_rw(), whose fault
// runs gfs2_page_mkwrite wanting the same glock EX), or a lock declared after
// mmap_lock (not for get_user_pages() and the other GUP calls made with
// mmap_lock held by contract). pagefault_disable() stops manual faults; only iter->nofault
// (FOLL_NOFAULT) stops get_user_pages(); a glock holder with
// gfs2_holder_allow_demote() in effect is given up instead of deadlocking.
import type { Finding, Related } from '../diagnostic';
import { lineOf } from '../diagnostic';
import type { FaultEvent, FnEvents, HeldLite } from '../events';
import { fsOf } from '../faultpath';
import type { FaultTake } from '../faultpath';
import { compatible, FactUse, heldPhrase, takePhrase, WorkspaceFacts, wsFinding } from './facts';
import { GUP_UNDER_MMAP_LOCK } from '../../model/faultApi';

const MMAP = 'mm_struct.mmap_lock';

export function faultSuppressed(f: FaultEvent): boolean {
  if (f.nofault) return true;
  return f.pf > 0 && !f.gup && !f.faultIn;
}

function remedy(f: FaultEvent, h: HeldLite): string {
  if (h.cls === MMAP && f.gup) {
    return `${f.api}() takes mmap_lock itself when it has to fault pages in: call it after dropping ${h.inst}, or keep the lock and use the variant that expects it held (get_user_pages_remote() / pin_user_pages_remote()).`;
  }
  const faultIn = f.toUser ? 'fault_in_iov_iter_writeable()' : 'fault_in_iov_iter_readable()';
  if (h.kind === 'glock') {
    return `Disable page faults around the call (pagefault_disable(); iter->nofault = true; ... ; iter->nofault = false; pagefault_enable()), and on a short copy let the glock go with gfs2_holder_allow_demote() and fault in with ${faultIn} before retrying, as gfs2_file_direct_read does.`;
  }
  return `Copy with page faults disabled (pagefault_disable() / iter->nofault = true) and on a short copy drop ${h.inst}, fault the pages in with ${faultIn} and retry; or move the copy outside the lock.`;
}

// one function's reported sites (kept across functions and emptied per function: most report nothing)
const seen = new Set<string>();

/** One function's may-fault calls under a lock the fault path takes. */
export function faultsWhileLocked(ev: FnEvents, facts: WorkspaceFacts, _ctx: unknown, use: FactUse): Finding[] {
  const out: Finding[] = [];
  if (ev.faults.length === 0) return out;
  const fp = facts.faultPaths.get(fsOf(ev.file));
  if (seen.size) seen.clear();
  for (const f of ev.faults) {
    if (faultSuppressed(f)) continue;
    for (const h of f.held) {
      if (h.demotable) continue;
      const key = `${f.pos.line}:${f.pos.col}:${h.inst}`;
      if (seen.has(key)) continue;
      let why: string | undefined;
      let related: Related[] = [{ file: ev.file, pos: h.site, message: h.entry ? `${h.inst} held on entry` : `${h.inst} taken here by ${h.via}()` }];
      const via = f.chain.length ? `${f.chain[0]}() may fault (${[...f.chain, f.api].join(' → ')})` : `${f.api}() ${f.faultIn ? 'faults the user pages in' : 'may fault on the user buffer'}`;
      if (h.cls === MMAP) {
        // get_user_pages() and friends are called with mmap_lock held: their faults run under it
        if (f.gup && GUP_UNDER_MMAP_LOCK.has(f.api)) continue;
        if (h.mode === 'W') why = 'the page fault takes mmap_lock shared: with mmap_lock held for write this deadlocks at once';
        else why = 'the page fault takes mmap_lock shared again; if another thread queues for mmap_lock (mmap_write_lock, e.g. mmap/munmap) between your read lock and the fault, rw_semaphore writer preference blocks the fault behind the writer, which waits for you: deadlock';
      } else {
        use.faultPath = true;
        const takes: FaultTake[] = (fp?.takes ?? []).filter((t) => t.cls === h.cls);
        // the most telling conflict first: an exclusive taker (->page_mkwrite EX) over a shared one
        const rank = (m: string): number => (m === 'W' || m === 'EX' ? 0 : 1);
        const conflict = takes.filter((t) => compatible(h.kind, h.mode, t.mode) !== 'yes').sort((x, y) => rank(x.mode) - rank(y.mode))[0];
        if (conflict) {
          const c = compatible(h.kind, h.mode, conflict.mode);
          why = `if the user buffer is mmapped from this file, the fault runs ${conflict.handler} (.${conflict.member}), which takes ${takePhrase(conflict)}${conflict.chain.length ? ` via ${conflict.chain.join(' → ')}` : ''}; you hold it ${h.mode === 'W' ? 'exclusive' : h.mode === 'R' ? 'shared' : h.mode}: ${c === 'no' ? 'the fault waits for you while you wait for the fault: self-deadlock' : 'the two shared holds deadlock as soon as an exclusive waiter queues between them'}`;
          related = [...related, { file: conflict.file, pos: conflict.pos, message: `${conflict.handler} takes ${conflict.cls} ${conflict.mode} here` }];
        } else {
          const reason = facts.declared.before(MMAP, h.cls);
          if (reason) why = `the fault takes mmap_lock, which is declared before ${h.cls} (${reason.path.join(' → ')}; ${reason.sources.join('; ')}): holding ${h.cls} across a fault inverts that order`;
        }
      }
      if (!why) continue;
      seen.add(key);
      out.push(wsFinding(ev, 'fault-while-locked', f.pos,
        `${via} while ${heldPhrase(h)} is held (${h.entry ? 'on entry' : `taken at line ${lineOf(h.site)} by ${h.via}()`}): ${why}. ${remedy(f, h)}`,
        related));
    }
  }
  return out;
}
