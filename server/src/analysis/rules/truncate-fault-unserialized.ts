// truncate-fault-unserialized: a path that shrinks the page cache
// (truncate_pagecache*, truncate_inode_pages*, punch hole) without holding
// exclusively the lock that the same filesystem's fault handler takes shared
// to keep truncate out (seed 000: fuse DAX faults vs truncate/punch_hole and
// fuse_inode->i_mmap_sem; xfs MMAPLOCK; ext4/VFS invalidate_lock).
// Only locks taken by the filesystem's own handlers count: a filesystem that
// uses plain filemap_fault() relies on the folio lock and i_size checks.
import type { Finding } from '../diagnostic';
import { fsOf } from '../faultpath';
import { WorkspaceFacts, wsFinding } from './facts';

const SHARED = new Set(['R', 'SH', 'DF']);
const EXCLUSIVE = new Set(['W', 'EX']);
const IGNORED = new Set(['mm_struct.mmap_lock', 'folio_lock', 'sb_pagefaults', 'rcu_read_lock']);
/** final eviction: the inode is unreachable, nothing can fault on it */
const EVICTION = new Set(['truncate_inode_pages_final']);

export function checkTruncateFaultUnserialized(facts: WorkspaceFacts): Finding[] {
  const out: Finding[] = [];
  for (const ev of facts.events) {
    if (ev.truncs.length === 0) continue;
    const fp = facts.faultPaths.get(fsOf(ev.file));
    if (!fp) continue;
    if (fp.handlers.some((h) => h.name === ev.fn)) continue;
    const guards = fp.takes.filter((t) => t.own && SHARED.has(t.mode) && !IGNORED.has(t.cls) && t.kind !== 'spinlock');
    if (guards.length === 0) continue;
    const seen = new Set<string>();
    for (const t of ev.truncs) {
      if (EVICTION.has(t.api)) continue;
      for (const g of guards) {
        if (t.held.some((h) => h.cls === g.cls && EXCLUSIVE.has(h.mode))) continue;
        const key = `${t.pos.line}:${g.cls}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const heldShared = t.held.find((h) => h.cls === g.cls);
        out.push(wsFinding(ev, 'truncate-fault-unserialized', t.pos,
          `${t.api}() removes page-cache pages ${heldShared ? `holding ${g.cls} only shared` : `without holding ${g.cls}`}, but this filesystem's fault handler ${g.handler} (.${g.member}) takes ${g.cls} shared precisely to keep truncate and hole punch out: a fault can race this truncate and map pages (or DAX blocks) that are being removed. Hold ${g.cls} exclusively around the truncate (e.g. down_write() / filemap_invalidate_lock()), as the fault handler expects.`,
          [{ file: g.file, pos: g.pos, message: `${g.handler} takes ${g.cls} shared here` }]));
      }
    }
  }
  return out;
}
