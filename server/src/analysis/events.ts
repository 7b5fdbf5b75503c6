// Compact per-function events kept after a function's dataflow records are
// dropped: what the workspace-level rules (order, fault, sleep, truncate)
// and the lock-order graph need. Plain data.
import type { LockKind, Mode } from '../model/lockApi';
import { TRUNCATE_APIS } from '../model/faultApi';
import type { FnRecords } from './dataflow';
import type { Pos } from './ir';
import { forEachOp, isVarOf } from './ir';
import type { Held, State } from './state';
import type { Released } from './summaryTypes';
import { withoutReleased } from './dataflow';
import { kernelIterator, MAX_INNER_DEPTH } from './summaries';

export interface HeldLite {
  inst: string; cls: string; kind: LockKind; mode: Mode; site: Pos; via: string;
  entry?: boolean; demotable?: boolean;
}

export interface AcqEvent {
  inst: string; cls: string; kind: LockKind; mode: Mode; pos: Pos; via: string; try: boolean;
  /** call chain when taken inside a callee: [callee, ..., lock function] */
  chain: string[];
  /** where the callee takes it */
  innerFile?: string; innerPos?: Pos;
  held: HeldLite[];
}

export interface FaultEvent {
  pos: Pos; api: string; why: string; chain: string[]; gup: boolean; faultIn: boolean;
  held: HeldLite[]; pf: number; nofault: boolean;
  /** direction: the user buffer is written (a read into user memory) or read */
  toUser?: boolean;
}

export interface SleepEvent { pos: Pos; api: string; chain: string[]; held: HeldLite[]; pf: number }

export interface TruncEvent {
  pos: Pos; api: string; held: HeldLite[];
  /** through a callee: the chain, and the classes the callee holds exclusively at the truncate */
  chain: string[]; heldX: string[];
}

export interface FnEvents {
  file: string;
  fn: string;
  fnPos: Pos;
  acquires: AcqEvent[];
  faults: FaultEvent[];
  sleeps: SleepEvent[];
  truncs: TruncEvent[];
  /** the function is static: every direct caller is in its file */
  isStatic?: boolean;
  /**
   * calls to functions whose summary requires a lock (a `__must_hold` annotation, say): the callee and
   * what is held there (`kind:class`), so an annotation every caller contradicts can be told
   */
  requireCalls?: { name: string; held: string[] }[];
  /** names of functions (or other file-scope names) this function uses as values: passed, stored, returned */
  valueRefs?: string[];
}

const lite = (h: Held): HeldLite => ({ inst: h.inst, cls: h.cls, kind: h.kind, mode: h.mode, site: h.site, via: h.via, entry: h.entry, demotable: h.demotable });

const TO_USER = /copy_to_user|__copy_to_user|put_user|__put_user|clear_user|copy_page_to_iter|copy_folio_to_iter|copy_to_iter|_copy_to_iter|copy_to_iter_full|csum_and_copy_to_iter|copy_mc_to_iter|iov_iter_zero|filemap_read|generic_file_read_iter|fault_in_iov_iter_writeable|fault_in_writeable/;

export function extractEvents(rec: FnRecords): FnEvents {
  const ev: FnEvents = { file: rec.file, fn: rec.fn.name, fnPos: rec.fn.namePos, acquires: [], faults: [], sleeps: [], truncs: [] };
  const seen = new Set<string>();
  const heldKey = (s: State): string => s.held.map((h) => `${h.cls}:${h.mode}:${h.demotable ? 'd' : ''}`).join(',');
  for (const a of rec.acquires) {
    const held = a.before.held.filter((h) => !h.inst.includes('@'));
    if (held.length === 0) continue;
    // a journal start inside a running handle only nests (h_ref++): it never waits
    if (a.ref.kind === 'journal' && held.some((h) => h.kind === 'journal')) continue;
    const k = `a${a.pos.line}:${a.pos.col}:${a.ref.cls}:${heldKey(a.before)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const inner = a.callee?.inner.find((x) => x.cls === (a.calleeCls ?? a.ref.cls));
    ev.acquires.push({ inst: a.ref.inst, cls: a.ref.cls, kind: a.ref.kind, mode: a.ref.mode, pos: a.pos, via: a.ref.via, try: a.try, chain: a.chain ?? [], innerFile: inner?.file, innerPos: inner?.pos, held: held.map(lite) });
  }
  for (const c of rec.calls) {
    const heldAll = c.before.held.filter((h) => !h.inst.includes('@'));
    /** held at the callee's sleep/fault: minus what the callee drops first */
    const heldFor = (releasedBefore: readonly Released[] | undefined): HeldLite[] => {
      if (!releasedBefore?.length) return heldAll.map(lite);
      return withoutReleased(heldAll, releasedBefore, (t) => rec.resolver.instance(t, c.call.args)).map(lite);
    };
    const held = heldFor(c.fault ? undefined : c.callee?.fault?.releasedBefore);
    const fault = c.fault ? { api: c.call.name, why: c.fault.why, chain: [] as string[], gup: !!c.fault.gup, faultIn: !!c.fault.faultIn, iterArg: c.fault.iterArg }
      : c.callee?.fault ? { api: c.callee.fault.api, why: `${c.callee.name}() may fault (${[c.callee.name, ...c.callee.fault.chain, c.callee.fault.api].join(' → ')})`, chain: [c.callee.name, ...c.callee.fault.chain], gup: c.callee.fault.gup, faultIn: false, iterArg: undefined }
        : undefined;
    // the iterator the fault goes through, in this function's terms: one over kernel memory cannot fault
    const faultIter = !fault ? undefined : fault.iterArg !== undefined ? rec.resolver.expand(c.call.args[fault.iterArg] ?? '')
      : c.callee?.fault?.iter ? rec.resolver.instance(c.callee.fault.iter, c.call.args) : undefined;
    if (fault && (held.length || c.before.pf) && !(faultIter && kernelIterator(rec, faultIter))) {
      const k = `f${c.call.pos.line}:${c.call.pos.col}:${heldKey(c.before)}:${c.before.pf}:${c.before.nofault.join(',')}`;
      if (!seen.has(k)) {
        seen.add(k);
        const nofault = faultIter !== undefined && c.before.nofault.includes(faultIter);
        // read_iter(iocb, struct iov_iter *to) / write_iter(iocb, struct iov_iter *from): the kernel's naming convention
        const iterText = fault.iterArg !== undefined ? (c.call.args[fault.iterArg] ?? '') : '';
        const toUser = TO_USER.test(fault.api) || /^&?to$/.test(iterText) || (iterText !== '' && !/^&?from$/.test(iterText) && /read/.test(rec.fn.name));
        ev.faults.push({ pos: c.call.pos, api: fault.api, why: fault.why, chain: fault.chain, gup: fault.gup, faultIn: fault.faultIn, held, pf: c.before.pf, nofault, toUser });
      }
    }
    const sleep = c.sleeps ? { api: c.call.name, chain: [] as string[] } : c.callee?.sleep && c.callee.sleep.chain.length === 0 ? { api: c.callee.sleep.api, chain: [c.callee.name] } : undefined;
    const sleepHeld = heldFor(c.sleeps ? undefined : c.callee?.sleep?.releasedBefore);
    if (sleep && (sleepHeld.length || c.before.pf)) {
      const k = `s${c.call.pos.line}:${c.call.pos.col}:${heldKey(c.before)}:${c.before.pf}`;
      if (!seen.has(k)) { seen.add(k); ev.sleeps.push({ pos: c.call.pos, api: sleep.api, chain: sleep.chain, held: sleepHeld, pf: c.before.pf }); }
    }
    const direct = !c.call.indirect && TRUNCATE_APIS.some((t) => t.name === c.call.name);
    const viaCallee = !direct && c.callee?.truncate && c.callee.truncate.chain.length < MAX_INNER_DEPTH ? c.callee.truncate : undefined;
    if (direct || viaCallee) {
      const k = `t${c.call.pos.line}:${c.call.pos.col}:${heldKey(c.before)}`;
      if (!seen.has(k)) {
        seen.add(k);
        ev.truncs.push(viaCallee
          ? { pos: c.call.pos, api: viaCallee.api, held: heldAll.map(lite), chain: [c.callee!.name, ...viaCallee.chain], heldX: viaCallee.heldX }
          : { pos: c.call.pos, api: c.call.name, held: heldAll.map(lite), chain: [], heldX: [] });
      }
    }
  }
  if (rec.fn.isStatic) ev.isStatic = true;
  const refs = new Set<string>();
  const ref = (x: string | undefined): void => {
    const v = x?.replace(/^&/, '');
    if (v && /^[A-Za-z_]\w*$/.test(v) && !isVarOf(rec.fn, v)) refs.add(v);
  };
  forEachOp(rec.fn, (op) => {
    if (op.k === 'assign') ref(op.from);
    else if (op.k === 'return' && op.value.k === 'var') ref(op.value.name);
    else if (op.k === 'call') op.call.args.forEach(ref);
  });
  for (const c of rec.calls) {
    if (c.call.indirect || !c.callee?.requires.length) continue;
    const held = [...new Set(c.before.held.filter((h) => !h.inst.includes('@')).map((h) => `${h.kind}:${h.cls}`))].sort();
    (ev.requireCalls ??= []).push({ name: c.call.name, held });
  }
  if (refs.size) ev.valueRefs = [...refs].sort();
  return ev;
}
