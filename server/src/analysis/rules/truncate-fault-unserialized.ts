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
import type { KeptParts } from './index';
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

/**
 * Over the functions that truncate (truncating()), in analysis order, one
 * filesystem at a time. A delta run (parts.changes) judges again only the
 * filesystems of the components whose truncating functions changed; the
 * others keep their findings from the last conclude() (parts.memo), unless
 * the fault paths, the names called or the ops members are not the ones it
 * judged them with.
 */
export function checkTruncateFaultUnserialized(facts: WorkspaceFacts, parts: KeptParts<FnEvents>): Finding[] {
  const inputs = [facts.faultPaths, facts.called, facts.opsMembers];
  let m = parts.memo.get('byFs') as TruncMemo | undefined;
  const dirty = new Set<string>();
  const add = (byFs: TruncMemo['byFs'], s: number, evs: readonly FnEvents[] | undefined): void => {
    for (const ev of evs ?? []) {
      const fs = fsOf(ev.file);
      dirty.add(fs);
      let comps = byFs.get(fs);
      if (!comps) { comps = new Map(); byFs.set(fs, comps); }
      const l = comps.get(s);
      if (l) l.push(ev); else comps.set(s, [ev]);
    }
  };
  if (!m || !parts.changes || inputs.some((x, i) => x !== m!.inputs[i])) {
    m = { inputs, byFs: new Map(), out: new Map() };
    parts.memo.set('byFs', m);
    for (const s of parts.order) add(m.byFs, s, parts.items(s));
  } else {
    for (const [s, before] of parts.changes) {
      for (const ev of before ?? []) { const fs = fsOf(ev.file); dirty.add(fs); m.byFs.get(fs)?.delete(s); }
      add(m.byFs, s, parts.items(s));
    }
  }
  for (const fs of dirty) {
    const comps = m.byFs.get(fs);
    if (!comps?.size) { m.byFs.delete(fs); m.out.delete(fs); continue; }
    const evs = [...comps].sort((a, b) => a[0] - b[0]).flatMap(([, l]) => l);
    m.out.set(fs, judgeFilesystem(facts, fs, evs));
  }
  // (handed out as copies: the cross-check annotates what it is given)
  const out: Finding[] = [];
  for (const fs of m.byFs.keys()) for (const f of m.out.get(fs) ?? []) out.push({ ...f });
  return out;
}

/** What checkTruncateFaultUnserialized() keeps between runs: per filesystem, its truncating functions by component and its findings. */
interface TruncMemo {
  inputs: unknown[];
  byFs: Map<string, Map<number, FnEvents[]>>;
  out: Map<string, Finding[]>;
}

/** The findings of one filesystem's truncating functions `evs` (in analysis order). */
function judgeFilesystem(facts: WorkspaceFacts, fs: string, evs: readonly FnEvents[]): Finding[] {
  const fp = facts.faultPaths.get(fs);
  if (!fp) return [];
  const candidates = fp.takes.filter((t) => t.own && SHARED.has(t.mode) && GUARD_KINDS.has(t.kind) && !IGNORED.has(t.cls));
  const guards = new Map<string, FaultTake>();
  for (const g of candidates) {
    if (guards.has(g.cls)) continue;
    if (evs.some((ev) => ev.truncs.some((t) => holdsX(t, g.cls)))) guards.set(g.cls, g);
  }
  if (guards.size === 0) return [];
  const out: Finding[] = [];
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
  return out;
}
