// double-lock: acquiring an instance this path already holds, where the lock
// does not recurse: mutexes, spinlocks, rw_semaphores (a second down_read()
// blocks behind a queued writer), gfs2 glocks (a recursive holder).
import type { FnRecords } from '../dataflow';
import type { Finding } from '../diagnostic';
import { lineOf, lockPhrase, pathPhrase } from '../diagnostic';
import { RECURSIVE_KINDS } from '../../model/lockApi';
import { findHeld } from '../state';
import { finding, trailLines } from './common';

export function checkDoubleLock(rec: FnRecords): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const a of rec.acquires) {
    if (a.try || a.ref.indexed || RECURSIVE_KINDS.has(a.ref.kind)) continue;
    const prev = findHeld(a.before, a.ref.inst);
    if (!prev || prev.inst.includes('@') || prev.handedOff) continue;
    // through a callee: only when the callee itself takes it on every path (a lock wrapper, a helper
    // that locks); deeper or conditional acquisitions (`if (lock) filemap_invalidate_lock()` with the
    // caller passing false, a wait that drops the caller's lock first) are not a verdict
    if (a.chain && a.callee) {
      if (a.chain.length > 1) continue;
      const inner = a.callee.inner.find((x) => x.cls === a.ref.cls && x.chain.length === 0);
      const helper = a.callee.acquires.some((x) => x.cls === a.ref.cls);
      if (!helper && !inner?.must) continue;
    }
    if (prev.mode === 'RR' && a.ref.mode === 'RR') continue; // recursive readers (read_lock, rcu)
    if (prev.kind === 'journal' && a.ref.kind === 'journal') continue; // nested journal starts reuse the running handle
    const key = `${a.pos.line}:${a.pos.col}:${a.ref.inst}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const how = a.chain ? `${a.chain[0]}() takes it again (via ${a.chain.join(' → ')})` : `${a.ref.via}() takes it again`;
    let why: string;
    if (prev.kind === 'rwsem' && prev.mode === 'R' && a.ref.mode === 'R') {
      why = 'rw_semaphore readers do not recurse: a writer that queues between the two down_read()s blocks the second one, and the writer waits for the first: deadlock';
    } else if (prev.kind === 'glock') {
      why = `a second holder on a glock this task already holds (${prev.mode}) is a recursive glock request; gfs2 traps it in add_to_queue()`;
    } else if (prev.kind === 'spinlock' || prev.kind === 'rwlock') {
      why = 'spinlocks do not recurse: the CPU spins forever';
    } else {
      why = `${prev.kind === 'mutex' ? 'mutexes' : prev.kind === 'rwsem' ? 'rw_semaphores' : 'this lock'} do not recurse: the task sleeps waiting for itself`;
    }
    const lines = trailLines(a.before, prev.site.line);
    out.push(finding(rec, 'double-lock', a.pos,
      `${lockPhrase(prev)} is already held here (taken at line ${lineOf(prev.site)} by ${prev.via}(), path: lines ${pathPhrase([...lines, a.pos.line])}) and ${how}: ${why}.`,
      [{ file: rec.file, pos: prev.site, message: `first acquisition of ${prev.inst}` }]));
  }
  return out;
}
