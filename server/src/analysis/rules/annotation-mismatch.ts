// annotation-mismatch: the body contradicts its context annotations
// (__acquires / __releases / __must_hold) or a lockdep_assert_held*() fails on
// some path. (`lockorder:` directives that do not parse are reported by the
// workspace, which owns declared orders.)
import type { FnRecords } from '../dataflow';
import type { Finding } from '../diagnostic';
import { lineOf, pathPhrase } from '../diagnostic';
import { annotationMatches, finding, trailLines } from './common';
import { N, trailOf } from '../state';

export function checkAnnotationMismatch(rec: FnRecords): Finding[] {
  const out: Finding[] = [];
  const heldAtExit = (inst: string, ex: FnRecords['exits'][number]): boolean => ex.state.held.some((h) => annotationMatches(inst, h.inst));
  const everHeld = (inst: string): boolean =>
    rec.acquires.some((a) => annotationMatches(inst, a.ref.inst)) || rec.releases.some((r) => annotationMatches(inst, r.ref.inst));
  for (const a of rec.fn.annotations) {
    const inst = rec.resolver.annotationInstance(a.arg);
    if (a.kind === '__acquires' || a.kind === '__acquires_shared') {
      if (!everHeld(inst)) continue; // the body names it differently (or through an unknown API): no verdict
      // an error return without the lock is the kernel's usual reading of __acquires (sparse has
      // no conditional form before __cond_acquires): only a non-error return without it contradicts it
      const bad = rec.exits.find((ex) => !heldAtExit(inst, ex) && ex.ret !== N);
      if (bad) {
        out.push(finding(rec, 'annotation-mismatch', bad.pos,
          `${rec.fn.name}() is declared ${a.kind}(${a.arg}) but returns at line ${lineOf(bad.pos)} without holding it (path: lines ${pathPhrase(trailLines(bad.state))}); use __cond_acquires() if it only holds it on success.`,
          [{ file: rec.file, pos: a.pos, message: `${a.kind}(${a.arg}) declared here` }]));
      }
    } else if (a.kind === '__releases' || a.kind === '__releases_shared') {
      // __releases(x) __acquires(x) together: held on entry and on exit, dropped inside
      if (rec.fn.annotations.some((b) => b.kind.startsWith('__acquires') && rec.resolver.annotationInstance(b.arg) === inst)) continue;
      // likewise an error return still holding it (`return -EAGAIN;` before anything was done)
      const bad = rec.exits.find((ex) => ex.ret !== N && ex.state.held.some((h) => h.entry && !h.handedOff && annotationMatches(inst, h.inst)));
      if (bad && everHeld(inst)) {
        out.push(finding(rec, 'annotation-mismatch', bad.pos,
          `${rec.fn.name}() is declared ${a.kind}(${a.arg}) but ${inst} is still held when returning at line ${lineOf(bad.pos)} (path: lines ${pathPhrase(trailLines(bad.state))}).`,
          [{ file: rec.file, pos: a.pos, message: `${a.kind}(${a.arg}) declared here` }]));
      }
    } else if (a.kind === '__must_hold' || a.kind === '__must_hold_shared') {
      const bad = rec.exits.find((ex) => !heldAtExit(inst, ex) && ex.state.notHeld.some((n) => annotationMatches(inst, n)));
      if (bad) {
        const rel = trailOf(bad.state).find((t) => t.what.includes(inst) && / released/.test(t.what));
        out.push(finding(rec, 'annotation-mismatch', bad.pos,
          `${rec.fn.name}() is declared __must_hold(${a.arg}) but returns at line ${lineOf(bad.pos)} having released it${rel ? ` at line ${rel.line + 1}` : ''} (path: lines ${pathPhrase(trailLines(bad.state))}); the caller still believes it holds the lock.`,
          [{ file: rec.file, pos: a.pos, message: `__must_hold(${a.arg}) declared here` }]));
      }
    }
  }
  const seen = new Set<string>();
  for (const as of rec.asserts) {
    const key = `${as.pos.line}:${as.ref.inst}`;
    if (seen.has(key)) continue;
    const held = as.before.held.find((h) => h.inst === as.ref.inst);
    if (!held && as.before.notHeld.includes(as.ref.inst)) {
      seen.add(key);
      const rel = [...trailOf(as.before)].reverse().find((t) => t.what.includes(as.ref.inst));
      out.push(finding(rec, 'annotation-mismatch', as.pos,
        `${as.api}(${as.ref.inst}) fails on the path through lines ${pathPhrase(trailLines(as.before, rel?.line))}: ${as.ref.inst} was ${rel && /failed/.test(rel.what) ? 'not acquired' : 'released'}${rel ? ` at line ${rel.line + 1}` : ''}.`,
        rel ? [{ file: rec.file, pos: { line: rel.line, col: 0, endLine: rel.line, endCol: 0 }, message: 'released here' }] : []));
    } else if (held && as.api.endsWith('_write') && held.mode !== 'W' && held.mode !== 'EX') {
      seen.add(key);
      out.push(finding(rec, 'annotation-mismatch', as.pos,
        `${as.api}(${as.ref.inst}) requires it held for write, but this path holds it shared (taken at line ${lineOf(held.site)} by ${held.via}()).`,
        [{ file: rec.file, pos: held.site, message: 'taken shared here' }]));
    }
  }
  return out;
}
