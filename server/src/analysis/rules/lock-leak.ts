// lock-leak: a lock taken in this function is still held on some return path
// while other paths release it. Functions that return with the lock held on
// every path are lock-taking helpers (their summary says so), and functions
// that hold it exactly on their success returns (trylock-like wrappers,
// Smatch's "conditional acquire by return value" idiom) are not leaks.
import type { FnRecords } from '../dataflow';
import type { Finding } from '../diagnostic';
import { lineOf, lockPhrase, pathPhrase } from '../diagnostic';
import type { ExitRec } from '../dataflow';
import { N, P, Z, trailOf } from '../state';
import type { Held } from '../state';
import { annotationMatches, finding, releaseCallFor, trailLines } from './common';
import { isParam } from '../ir';

/**
 * Locks a return gives to the caller by kernel convention: the object returned (`return folio;`
 * from a get-locked helper), a fault handler's VM_FAULT_LOCKED folio, a glock held through a
 * holder that outlives the call (`ip->i_iopen_gh`, a holder passed in), a journal handle kept
 * open for the matching end call (->write_begin / ->write_end) on a non-error return.
 */
function handedToCaller(rec: FnRecords, ex: ExitRec, h: Held): boolean {
  if (ex.retVar) {
    const rooted = (v: string): boolean => h.inst === v || [`${v}->`, `${v}:`, `${v}.`, `(${v})`].some((p) => h.inst.startsWith(p));
    if (rooted(ex.retVar) || rooted(rec.resolver.expand(ex.retVar))) return true;
    // `wp = oldest; return wp;`: the lock held through the copy that is returned
    if (h.alias && [`${ex.retVar}->`, `${ex.retVar}.`].some((p) => h.alias!.startsWith(p))) return true;
  }
  if (h.kind === 'folio' && rec.fn.returnsLocked) return true;
  if (h.kind === 'glock' && h.holder && !(/^[A-Za-z_]\w*$/.test(h.holder) && h.holder in rec.fn.locals && !isParam(rec.fn, h.holder))) return true;
  if (h.kind === 'journal' && ex.ret !== N) return true;
  // a semaphore, or a lock taken *_non_owner(), is meant to be released by another task
  if (h.kind === 'semaphore' || /_non_owner$/.test(h.via)) return true;
  return false;
}

function retPhrase(ret: number): string {
  if (ret === N) return 'an error';
  if (ret === Z) return '0';
  if (ret === P) return 'a positive value';
  return '';
}

export function checkLockLeak(rec: FnRecords): Finding[] {
  const out: Finding[] = [];
  const declared = rec.fn.annotations.filter((a) => a.kind.startsWith('__acquires') || a.kind.startsWith('__cond_acquires') || a.kind.startsWith('__must_hold'))
    .map((a) => rec.resolver.annotationInstance(a.arg));
  const insts = new Map<string, Held>();
  // `a[*]->lock`: one instance per array element; how many a loop took is not tracked
  for (const ex of rec.exits) for (const h of ex.state.held) if (!h.entry && !h.inst.includes('@') && !h.inst.includes('[*]') && !insts.has(h.inst)) insts.set(h.inst, h);
  for (const [inst, h0] of insts) {
    if (declared.some((d) => annotationMatches(d, inst))) continue;
    const held: ExitRec[] = [];
    const free: ExitRec[] = [];
    for (const ex of rec.exits) {
      // the caller's lock, dropped and taken again on this path (`__releases` + `__acquires` helpers
      // such as a wait that sleeps without the lock): restored, not leaked
      if (ex.state.entryAssumed.includes(inst)) continue;
      const h = ex.state.held.find((x) => x.inst === inst && !x.entry);
      if (h?.handedOff) continue; // possibly handed over to an object a callee releases through
      if (h && handedToCaller(rec, ex, h)) continue;
      (h ? held : free).push(ex);
    }
    if (held.length === 0) continue;
    if (free.length === 0) continue; // every path returns holding it: a lock-taking helper
    // a leak is a path that forgets the unlock other paths do; returns that never took the lock
    // (an early error return of a lock-taking helper, the other branch of `if (ex) down_write()
    // else down_read()`) say nothing about it
    // (a failed trylock is not a release either)
    const releasedHere = `: ${inst} released`;
    const isRelease = (t: { what: string }): boolean => t.what.endsWith(releasedHere) || t.what.includes(`${releasedHere} `);
    // a return above the place the lock is taken, reached after releasing it, is an early return of a
    // later attempt (`goto again` / `while (1)` retry) that never got to take it: it says nothing either
    const takenAt = Math.min(...held.map((ex) => (ex.state.held.find((x) => x.inst === inst && !x.entry) ?? h0).site.line));
    const retried = (ex: ExitRec): boolean => ex.pos.line < takenAt;
    const released = free.filter((ex) => ex.state.notHeld.includes(inst) && trailOf(ex.state).some(isRelease) && !retried(ex));
    if (released.length === 0) continue;
    const heldSigns = held.reduce((m, e) => m | e.ret, 0);
    const freeSigns = released.reduce((m, e) => m | e.ret, 0);
    if ((heldSigns & N) === 0 && (heldSigns & freeSigns) === 0) continue; // held exactly on success returns
    // a pointer returned non-NULL exactly where the lock is held, NULL where it was released (`vma = vma_lookup(mm, addr);
    // if (!vma) mmap_read_unlock(mm); return vma;`): the lock goes to the caller with the object, as a trylock's success
    if (held.every((e) => e.pointer) && (heldSigns & Z) === 0 && freeSigns === Z) continue;
    // released only on error returns, held where the result is not a known error: the lock goes to the
    // caller with the result (`return dentry;` with the parent locked, `return as;` owning gc_lock)
    if (freeSigns === N && held.every((e) => e.ret !== N)) continue;
    const leak = held.slice().sort((a, b) => a.pos.line - b.pos.line)[0];
    const h = leak.state.held.find((x) => x.inst === inst) ?? h0;
    const lines = trailLines(leak.state, h.site.line);
    const ret = retPhrase(leak.ret);
    const releasedAt = released[0];
    const fix = releaseCallFor(h);
    const msg = `${lockPhrase(h)} taken at line ${lineOf(h.site)} by ${h.via}() is still held when returning${ret ? ` ${ret}` : ''} at line ${lineOf(leak.pos)} ` +
      `(path: lines ${pathPhrase(lines)}); other paths release it. ` +
      (fix ? `Call ${fix} before this return, or jump to the function's unlock label.` : 'Release it before this return.');
    const f = finding(rec, 'lock-leak', leak.pos, msg, [
      { file: rec.file, pos: h.site, message: `${h.inst} taken here by ${h.via}()` },
      { file: rec.file, pos: releasedAt.pos, message: 'this return is reached with it released' },
    ]);
    if (fix) f.fix = { kind: 'insert-unlock', line: leak.pos.line, col: leak.pos.col, text: `${fix};` };
    out.push(f);
  }
  return out;
}
