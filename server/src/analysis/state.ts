// The abstract state carried along each path: held locks (per instance, with
// mode and acquisition site), page-fault disable depth, iov_iter nofault flags,
// sign facts about variables, truth of correlated condition atoms, gfs2
// holders, and what this path knows is NOT held. States are immutable values;
// `key()` identifies equal states so the worklist merges them.
import type { LockKind, Mode } from '../model/lockApi';
import type { Pos } from './ir';

/** Sign bit-set of an integer or pointer value: N negative / ERR_PTR, Z zero / NULL, P positive / valid pointer. */
export const N = 1;
export const Z = 2;
export const P = 4;
export const ANY = N | Z | P;

export interface Held {
  inst: string;
  cls: string;
  kind: LockKind;
  mode: Mode;
  /** where it was acquired (or the function start for entry-held locks) */
  site: Pos;
  /** the API that took it, for messages */
  via: string;
  /** nesting count for recursive kinds and indexed instances */
  count: number;
  /** assumed held at function entry (annotation, assertion, or released without being taken) */
  entry?: boolean;
  /** gfs2 holder variable, when taken through a holder */
  holder?: string;
  /** gfs2_holder_allow_demote() in effect: the glock may be dropped while we fault */
  demotable?: boolean;
  /** arguments of the acquiring call, as written (for fix-its) */
  args?: readonly string[];
  /**
   * a callee that may release a lock of this class was called since it was taken: the lock
   * may have been handed over (to a transaction, an object that records it); the balance
   * rules no longer speak about it
   */
  handedOff?: boolean;
  /** the variable holding the value the acquisition returned (srcu_read_lock()'s index) */
  token?: string;
}

export interface HolderInfo { gl: string; cls: string; mode: Mode; tryFlag: boolean }

export interface TrailStep { line: number; what: string }

export interface State {
  readonly held: readonly Held[];
  readonly pf: number;
  /** pagefault_disable() seen on this path (for pagefault-imbalance on enable) */
  readonly pfSeen: boolean;
  readonly nofault: readonly string[];
  readonly vars: Readonly<Record<string, number>>;
  readonly atoms: Readonly<Record<string, boolean>>;
  readonly holders: Readonly<Record<string, HolderInfo>>;
  /** instances known not held on this path (released, or a failed trylock) */
  readonly notHeld: readonly string[];
  /** instances this function releases without taking: its precondition */
  readonly entryAssumed: readonly string[];
  /**
   * instances in notHeld that were released only by a callee (inferred from its
   * summary, weaker evidence): a later unlock of them is not a double unlock
   */
  readonly softReleased?: readonly string[];
  /** path description for messages; not part of the key */
  readonly trail: readonly TrailStep[];
  /** stateKey()'s memo (see there); carried along by spread copies, checked before use */
  readonly keyMemo?: KeyMemo;
}

export function initialState(): State {
  return { held: [], pf: 0, pfSeen: false, nofault: [], vars: {}, atoms: {}, holders: {}, notHeld: [], entryAssumed: [], trail: [] };
}

/**
 * States are immutable values built by spreading (`{ ...s, held }`), so a
 * state's key is remembered with the component references it was computed
 * from; a spread copy inherits the memo and reuses it while those components
 * are the same objects (a copy that only extends the trail, a node that passes
 * its state on). Computing the key is most of the worklist's cost otherwise.
 */
interface KeyMemo {
  readonly held: State['held']; readonly pf: number; readonly pfSeen: boolean; readonly nofault: State['nofault'];
  readonly vars: State['vars']; readonly atoms: State['atoms']; readonly holders: State['holders'];
  readonly notHeld: State['notHeld']; readonly entryAssumed: State['entryAssumed']; readonly softReleased: State['softReleased'];
  readonly key: string;
  /** the held-lock part only (dataflow's uniformity test), computed on first use */
  lock?: string;
}

function memoOf(s: State): KeyMemo {
  const m = s.keyMemo;
  if (m && m.held === s.held && m.vars === s.vars && m.atoms === s.atoms && m.notHeld === s.notHeld && m.pf === s.pf &&
      m.pfSeen === s.pfSeen && m.nofault === s.nofault && m.holders === s.holders && m.entryAssumed === s.entryAssumed &&
      m.softReleased === s.softReleased) return m;
  const memo: KeyMemo = {
    held: s.held, pf: s.pf, pfSeen: s.pfSeen, nofault: s.nofault, vars: s.vars, atoms: s.atoms, holders: s.holders,
    notHeld: s.notHeld, entryAssumed: s.entryAssumed, softReleased: s.softReleased, key: computeKey(s),
  };
  (s as { keyMemo?: KeyMemo }).keyMemo = memo;
  return memo;
}

export function stateKey(s: State): string {
  return memoOf(s).key;
}

/**
 * The held-lock part of a state, without acquisition sites, variable signs or
 * atoms: what must agree across paths for the lock state to be path-independent.
 */
export function lockStateKey(s: State): string {
  const m = memoOf(s);
  if (m.lock === undefined) {
    const held = s.held.map((h) => `${h.inst}|${h.mode}|${h.count}|${h.entry ? 1 : 0}|${h.demotable ? 1 : 0}`).join(';');
    const holders = Object.keys(s.holders).sort().map((k) => `${k}=${s.holders[k].gl}/${s.holders[k].mode}`).join(',');
    m.lock = `${held}#${s.pf}#${s.nofault.join(',')}#${holders}#${s.notHeld.join(',')}#${s.entryAssumed.join(',')}`;
  }
  return m.lock;
}

function computeKey(s: State): string {
  const held = s.held.map((h) => `${h.inst}|${h.mode}|${h.count}|${h.entry ? 1 : 0}|${h.demotable ? 1 : 0}|${h.site.line}${h.handedOff ? '|h' : ''}`).join(';');
  const vars = Object.keys(s.vars).sort().map((k) => `${k}=${s.vars[k]}`).join(',');
  const atoms = Object.keys(s.atoms).sort().map((k) => `${k}=${s.atoms[k] ? 1 : 0}`).join(',');
  const holders = Object.keys(s.holders).sort().map((k) => `${k}=${s.holders[k].gl}/${s.holders[k].mode}`).join(',');
  return `${held}#${s.pf}${s.pfSeen ? '+' : ''}#${s.nofault.join(',')}#${vars}#${atoms}#${holders}#${s.notHeld.join(',')}#${s.entryAssumed.join(',')}${s.softReleased?.length ? `#~${s.softReleased.join(',')}` : ''}`;
}

export function withTrail(s: State, step: TrailStep): State {
  const trail = s.trail.length >= 40 ? [...s.trail.slice(0, 8), ...s.trail.slice(-31), step] : [...s.trail, step];
  return { ...s, trail };
}

export function findHeld(s: State, inst: string): Held | undefined {
  return s.held.find((h) => h.inst === inst);
}

export function addHeld(s: State, h: Held): State {
  const held = [...s.held.filter((x) => x.inst !== h.inst), h].sort((a, b) => (a.inst < b.inst ? -1 : a.inst > b.inst ? 1 : 0));
  const out: State = { ...s, held, notHeld: s.notHeld.filter((x) => x !== h.inst) };
  return s.softReleased?.includes(h.inst) ? { ...out, softReleased: s.softReleased.filter((x) => x !== h.inst) } : out;
}

export function removeHeld(s: State, inst: string, markNotHeld = true): State {
  const held = s.held.filter((x) => x.inst !== inst);
  const notHeld = markNotHeld && !s.notHeld.includes(inst) ? [...s.notHeld, inst].sort() : s.notHeld;
  return { ...s, held, notHeld };
}

export function setVar(s: State, name: string, sign: number): State {
  const vars = { ...s.vars };
  if (sign === ANY) delete vars[name]; else vars[name] = sign;
  return dropAtomsOf({ ...s, vars }, name);
}

export function varSign(s: State, name: string): number {
  return s.vars[name] ?? ANY;
}

/** Forget facts mentioning `name`: atoms over it and, for a plain variable, locks named through it. */
export function dropAtomsOf(s: State, name: string): State {
  let changed = false;
  const atoms: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(s.atoms)) {
    // `sizeof(i_blocks) > sizeof(long)` does not change when i_blocks is assigned
    if (mentions(k.includes('sizeof') ? k.replace(/sizeof\([^()]*\)/g, '') : k, name)) { changed = true; continue; }
    atoms[k] = v;
  }
  return changed ? { ...s, atoms } : s;
}

export function mentions(text: string, name: string): boolean {
  if (!text.includes(name)) return false;
  const re = new RegExp(`(^|[^\\w>.])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w])`);
  return re.test(text);
}

/** Sign of a constant. */
export function signOf(v: number): number {
  return v < 0 ? N : v === 0 ? Z : P;
}

export function describeMode(kind: LockKind, mode: Mode): string {
  switch (mode) {
    case 'W': return kind === 'mutex' || kind === 'spinlock' || kind === 'semaphore' || kind === 'folio' || kind === 'bitlock' ? '' : 'exclusive';
    case 'R': return kind === 'journal' ? '' : 'shared';
    case 'RR': return kind === 'rwlock' ? 'shared (recursive reader)' : '';
    default: return mode;
  }
}
