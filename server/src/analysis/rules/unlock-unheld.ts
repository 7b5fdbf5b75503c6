// unlock-unheld: releasing what this path does not hold: a second release, a
// release after a failed trylock / interruptible lock, or a release in the
// wrong mode (up_read() of a lock taken with down_write()).
// Releasing a lock the function never took is NOT flagged: that is the
// caller's lock (the function's summary records the precondition).
import type { FnRecords } from '../dataflow';
import type { Finding } from '../diagnostic';
import { lineOf, lockPhrase, pathPhrase } from '../diagnostic';
import { finding, trailLines } from './common';
import { trailOf } from '../state';

export function checkUnlockUnheld(rec: FnRecords): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const r of rec.releases) {
    if (!r.problem) continue;
    const key = `${r.pos.line}:${r.pos.col}:${r.ref.inst}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const trail = trailOf(r.before);
    if (r.problem === 'mode') {
      const h = r.before.held.find((x) => x.inst === r.ref.inst);
      out.push(finding(rec, 'unlock-unheld', r.pos,
        `${r.ref.via}() releases ${r.ref.inst} ${r.ref.mode === 'R' ? 'shared' : 'exclusive'}, but it is held ${r.heldMode === 'W' ? 'exclusive' : 'shared'} (taken at line ${h ? lineOf(h.site) : '?'} by ${h?.via ?? '?'}()); use the matching ${r.heldMode === 'W' ? 'write' : 'read'} unlock.`,
        h ? [{ file: rec.file, pos: h.site, message: `${r.ref.inst} taken here` }] : []));
      continue;
    }
    // find where this path gave it up
    let at: { line: number; what: string } | undefined;
    for (let i = trail.length - 1; i >= 0; i--) {
      const t = trail[i];
      if (t.what.includes(r.ref.inst) && / released/.test(t.what)) { at = t; break; }
      if (/failed$/.test(t.what)) { at = t; break; }
    }
    const failed = at && /failed$/.test(at.what);
    const lines = trailLines(r.before, at?.line);
    const msg = failed
      ? `${r.ref.via}() releases ${lockPhrase(r.ref)}, which is not held on the path where ${at!.what.replace(/ failed$/, '')} failed at line ${at!.line + 1} (path: lines ${pathPhrase([...lines, r.pos.line])}); check the return value before unlocking.`
      : `${r.ref.via}() releases ${lockPhrase(r.ref)}, which this path already released${at ? ` at line ${at.line + 1}` : ''} (path: lines ${pathPhrase([...lines, r.pos.line])}): a double unlock corrupts the lock.`;
    const related = at ? [{ file: rec.file, pos: { line: at.line, col: 0, endLine: at.line, endCol: 0 }, message: failed ? 'the lock attempt failed here' : 'already released here' }] : [];
    out.push(finding(rec, 'unlock-unheld', r.pos, msg, related));
  }
  return out;
}
