// pagefault-imbalance: pagefault_disable() not matched by pagefault_enable()
// on some return path, pagefault_enable() without a matching disable, or an
// iov_iter's ->nofault left set when returning (seed 001's pattern: set
// nofault around the copy, clear it right after).
import type { FnRecords } from '../dataflow';
import type { Finding } from '../diagnostic';
import { lineOf, pathPhrase } from '../diagnostic';
import { rootVar } from '../../parse/exprs';
import { finding, trailLines } from './common';
import { trailOf } from '../state';
import { isParam } from '../ir';

export function checkPagefaultImbalance(rec: FnRecords): Finding[] {
  const out: Finding[] = [];
  const done = new Set<string>();
  for (const ex of rec.exits) {
    if (ex.state.pf > 0 && !done.has(`pf:${ex.pos.line}`)) {
      done.add(`pf:${ex.pos.line}`);
      const t = trailOf(ex.state).filter((x) => x.what === 'pagefault_disable()');
      const at = t[t.length - 1];
      out.push(finding(rec, 'pagefault-imbalance', ex.pos,
        `returns at line ${lineOf(ex.pos)} with page faults still disabled${at ? ` (pagefault_disable() at line ${at.line + 1})` : ''} (path: lines ${pathPhrase(trailLines(ex.state, at?.line))}); call pagefault_enable() on this path too.`,
        at ? [{ file: rec.file, pos: { line: at.line, col: 0, endLine: at.line, endCol: 0 }, message: 'page faults disabled here' }] : []));
    }
    for (const it of ex.state.nofault) {
      const root = rootVar(it);
      if (!root || !isParam(rec.fn, root)) continue; // a local iterator dies with the function
      if (done.has(`nf:${it}:${ex.pos.line}`)) continue;
      done.add(`nf:${it}:${ex.pos.line}`);
      const set = [...trailOf(ex.state)].reverse().find((x) => x.what === `${it}->nofault = true`);
      out.push(finding(rec, 'pagefault-imbalance', ex.pos,
        `${it}->nofault is still true when returning at line ${lineOf(ex.pos)}${set ? ` (set at line ${set.line + 1})` : ''}: the caller's later copies through ${it} return short instead of faulting; clear it (${it}->nofault = false) on this path.`,
        set ? [{ file: rec.file, pos: { line: set.line, col: 0, endLine: set.line, endCol: 0 }, message: 'nofault set here' }] : []));
    }
  }
  for (const p of rec.pf) {
    out.push(finding(rec, 'pagefault-imbalance', p.pos, 'pagefault_enable() without a matching pagefault_disable() on this path: the preempt/pagefault count underflows.'));
  }
  return out;
}
