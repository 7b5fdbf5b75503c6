// truncate-fault-unserialized: a path that shrinks the page cache
// (truncate_pagecache*, truncate_inode_pages*, punch hole) without holding
// exclusively the lock that the same filesystem's fault handler takes shared
// to keep truncate out (seed 000: fuse DAX faults vs truncate/punch_hole and
// fuse_inode->i_mmap_sem; xfs MMAPLOCK; ext4 invalidate_lock).
//
// Precision: a guard is an rw_semaphore that (a) this filesystem's own fault
// handler takes shared and (b) this filesystem itself holds exclusively
// around some truncate, so it is demonstrably its truncate-vs-fault lock.
// Truncates reached through helpers are judged at the outermost caller in
// the analysed files (the helper's callers hold the lock for it).
import type { Finding } from '../diagnostic';
import { fsOf } from '../faultpath';
import type { FaultTake } from '../faultpath';
import type { FnEvents, TruncEvent } from '../events';
import { WorkspaceFacts, wsFinding } from './facts';
import { NO_FAULT_CONTEXTS } from '../../model/faultApi';

const SHARED = new Set(['R', 'SH', 'DF']);
const EXCLUSIVE = new Set(['W', 'EX']);
const GUARD_KINDS = new Set(['rwsem', 'percpu_rwsem']);
const IGNORED = new Set(['mm_struct.mmap_lock', 'sb_pagefaults', 'sb_writers', 'sb_internal', 'inode.i_rwsem']);
/** final eviction: the inode is unreachable, nothing can fault on it */
const EVICTION = new Set(['truncate_inode_pages_final']);
/**
 * Where a file is truncated or has holes punched: setattr (truncate), fallocate
 * (punch hole / zero / collapse range), open(O_TRUNC). Truncation elsewhere
 * (error cleanup after a short buffered write, cache coherence after
 * copy_file_range or attribute revalidation) is not what the fault guard is for.
 */
const TRUNCATE_ENTRY_MEMBERS = /\.(setattr|fallocate|open|atomic_open)$/;

const holdsX = (t: TruncEvent, cls: string): boolean =>
  t.heldX.includes(cls) || t.held.some((h) => h.cls === cls && EXCLUSIVE.has(h.mode));

/** A function's part: itself, if it truncates. */
export function truncating(ev: FnEvents): FnEvents[] {
  return ev.truncs.length ? [ev] : [];
}

/** Over the functions that truncate (truncating()), in analysis order. */
export function checkTruncateFaultUnserialized(facts: WorkspaceFacts, truncators: readonly (readonly FnEvents[])[]): Finding[] {
  const out: Finding[] = [];
  const byFs = new Map<string, FnEvents[]>();
  for (const ev of truncators.flat()) {
    const fs = fsOf(ev.file);
    const l = byFs.get(fs);
    if (l) l.push(ev); else byFs.set(fs, [ev]);
  }
  for (const [fs, evs] of byFs) {
    const fp = facts.faultPaths.get(fs);
    if (!fp) continue;
    const candidates = fp.takes.filter((t) => t.own && SHARED.has(t.mode) && GUARD_KINDS.has(t.kind) && !IGNORED.has(t.cls));
    const guards = new Map<string, FaultTake>();
    for (const g of candidates) {
      if (guards.has(g.cls)) continue;
      if (evs.some((ev) => ev.truncs.some((t) => holdsX(t, g.cls)))) guards.set(g.cls, g);
    }
    if (guards.size === 0) continue;
    for (const ev of evs) {
      if (fp.handlers.some((h) => h.name === ev.fn)) continue;
      if (facts.called.has(ev.fn)) continue; // judged where its callers truncate through it
      if (NO_FAULT_CONTEXTS.some((c) => c.pattern.test(ev.fn))) continue; // e.g. mount: nothing is mapped yet
      const members = facts.opsMembers.get(ev.fn);
      if (members && !members.some((m) => TRUNCATE_ENTRY_MEMBERS.test(m))) continue;
      const seen = new Set<string>();
      for (const t of ev.truncs) {
        if (EVICTION.has(t.api)) continue;
        for (const g of guards.values()) {
          // guarded on some path through this call site (e.g. only for DAX inodes, as fuse
          // does with its block_faults flag): the author gates it deliberately
          if (ev.truncs.some((o) => o.pos.line === t.pos.line && o.pos.col === t.pos.col && holdsX(o, g.cls))) continue;
          const key = `${t.pos.line}:${g.cls}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const heldShared = t.held.find((h) => h.cls === g.cls);
          const what = t.chain.length ? `${t.chain[0]}() truncates the page cache (${[...t.chain, t.api].join(' → ')})` : `${t.api}() removes page-cache pages`;
          out.push(wsFinding(ev, 'truncate-fault-unserialized', t.pos,
            `${what} ${heldShared ? `holding ${g.cls} only shared` : `without holding ${g.cls}`}, but this filesystem's fault handler ${g.handler} (.${g.member}) takes ${g.cls} shared to keep truncate and hole punch out (and its other truncate paths hold it exclusively): a fault can race this truncate and map pages (or DAX blocks) that are being removed. Hold ${g.cls} exclusively around the truncate, as the other truncate paths do.`,
            [{ file: g.file, pos: g.pos, message: `${g.handler} takes ${g.cls} shared here` }]));
        }
      }
    }
  }
  return out;
}
