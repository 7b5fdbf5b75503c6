// The abstract state carried along each path: held locks (per instance, with
// mode and acquisition site), page-fault disable depth, iov_iter nofault flags,
// sign facts about variables, truth of correlated condition atoms, gfs2
// holders, and what this path knows is NOT held. States are immutable values;
// `key()` identifies equal states so the worklist merges them.
import type { LockKind, Mode, Sign } from '../model/lockApi';
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
  /**
   * the same lock named through a local copy of its object's pointer (`cur = op;` with
   * `op->lock` held: `cur->lock`), until either variable is assigned again
   */
  alias?: string;
  /**
   * the alias came from a pointer stored in a field (`open->tlink = tlink;`, here or by a callee): that
   * field path (`open->tlink`), whose object a store to it, or a call given its root, may change
   */
  aliasPath?: string;
  /**
   * the alias came from a test that found two pointers equal (`if (to != from)`, false: `from->sem` is
   * `to->sem`), until either pointer is assigned, its address passed on, or the path under it stored to
   */
  aliasEq?: boolean;
}

export interface HolderInfo { gl: string; cls: string; mode: Mode; tryFlag: boolean }

export interface TrailStep { line: number; what: string }

/** A path's steps as a shared list, newest first: extending a trail is one allocation, not a copy. */
export interface Trail { readonly step: TrailStep; readonly prev: Trail | undefined }

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
  /** path description for messages (read it with trailOf()); not part of the key */
  readonly trail: Trail | undefined;
  /** stateKey()'s memo (see there); carried along by spread copies, checked before use */
  readonly keyMemo?: KeyMemo;
}

export function initialState(): State {
  return { held: [], pf: 0, pfSeen: false, nofault: [], vars: {}, atoms: {}, holders: {}, notHeld: [], entryAssumed: [], softReleased: undefined, trail: undefined, keyMemo: undefined };
}

/**
 * States are immutable values built by spreading (`{ ...s, held }`), so a
 * state's key is remembered with the component references it was computed
 * from; a spread copy inherits the memo and reuses it while those components
 * are the same objects (a copy that only extends the trail, a node that passes
 * its state on).
 *
 * The key itself is short: each component (the held list, the variable signs,
 * the atoms, ...) is interned to a number within the current key space, once
 * per component object, so a state that changed one component costs one
 * component's text, and the worklist's sets hash a few digits instead of the
 * whole state. Keys are comparable only within one key space: the dataflow
 * opens one per pass (`newKeySpace`).
 */
interface KeyMemo {
  readonly space: number;
  readonly held: State['held']; readonly pf: number; readonly pfSeen: boolean; readonly nofault: State['nofault'];
  readonly vars: State['vars']; readonly atoms: State['atoms']; readonly holders: State['holders'];
  readonly notHeld: State['notHeld']; readonly entryAssumed: State['entryAssumed']; readonly softReleased: State['softReleased'];
  readonly key: string;
  /** the held-lock part only (dataflow's uniformity test), computed on first use */
  lock?: string;
}

let keySpace = 0;
let objIds = new Map<object, number>();
let partIds = new Map<string, number>();

/** Start a new key space: keys from earlier spaces are recomputed, never compared with new ones. */
export function newKeySpace(): void {
  keySpace++;
  objIds = new Map();
  partIds = new Map();
}

function idOf<T extends object>(obj: T, text: (o: T) => string): number {
  let id = objIds.get(obj);
  if (id === undefined) {
    const t = text(obj);
    id = partIds.get(t);
    if (id === undefined) { id = partIds.size; partIds.set(t, id); }
    objIds.set(obj, id);
  }
  return id;
}

const heldText = (held: State['held']): string =>
  held.map((h) => `${h.inst}|${h.mode}|${h.count}|${h.entry ? 1 : 0}|${h.demotable ? 1 : 0}|${h.site.line}${h.handedOff ? '|h' : ''}${h.alias ? `|=${h.alias}` : ''}${h.aliasPath ? `|:${h.aliasPath}` : ''}${h.aliasEq ? '|~' : ''}`).join(';');
const listText = (l: readonly string[]): string => l.join(',');
const varsText = (vars: State['vars']): string => Object.keys(vars).sort().map((k) => `${k}=${vars[k]}`).join(',');
const atomsText = (atoms: State['atoms']): string => Object.keys(atoms).sort().map((k) => `${k}=${atoms[k] ? 1 : 0}`).join(',');
const holdersText = (holders: State['holders']): string => Object.keys(holders).sort().map((k) => `${k}=${holders[k].gl}/${holders[k].mode}`).join(',');

function memoOf(s: State): KeyMemo {
  const m = s.keyMemo;
  if (m && m.space === keySpace && m.held === s.held && m.vars === s.vars && m.atoms === s.atoms && m.notHeld === s.notHeld &&
      m.pf === s.pf && m.pfSeen === s.pfSeen && m.nofault === s.nofault && m.holders === s.holders &&
      m.entryAssumed === s.entryAssumed && m.softReleased === s.softReleased) return m;
  const soft = s.softReleased?.length ? idOf(s.softReleased, listText) : -1;
  const key = `${idOf(s.held, heldText)}#${s.pf}${s.pfSeen ? '+' : ''}#${idOf(s.nofault, listText)}#${idOf(s.vars, varsText)}#${idOf(s.atoms, atomsText)}` +
    `#${idOf(s.holders, holdersText)}#${idOf(s.notHeld, listText)}#${idOf(s.entryAssumed, listText)}#${soft}`;
  const memo: KeyMemo = {
    space: keySpace, held: s.held, pf: s.pf, pfSeen: s.pfSeen, nofault: s.nofault, vars: s.vars, atoms: s.atoms, holders: s.holders,
    notHeld: s.notHeld, entryAssumed: s.entryAssumed, softReleased: s.softReleased, key,
  };
  (s as { keyMemo?: KeyMemo }).keyMemo = memo;
  return memo;
}

/** Identifies equal states (the trail aside) within the current key space. */
export function stateKey(s: State): string {
  return memoOf(s).key;
}

/**
 * Everything in a state's key but the variable signs and atoms: held locks with their sites, the
 * pagefault depth, nofault iterators, holders, what is known released or assumed held by the caller.
 */
export function lockPartKey(s: State): string {
  const k = stateKey(s).split('#');
  k[3] = '';
  k[4] = '';
  return k.join('#');
}

/**
 * The held-lock part of a state, without acquisition sites, variable signs or
 * atoms: what must agree across paths for the lock state to be path-independent.
 */
export function lockStateKey(s: State): string {
  const m = memoOf(s);
  if (m.lock === undefined) {
    const held = s.held.map((h) => `${h.inst}|${h.mode}|${h.count}|${h.entry ? 1 : 0}|${h.demotable ? 1 : 0}`).join(';');
    m.lock = `${held}#${s.pf}#${listText(s.nofault)}#${holdersText(s.holders)}#${listText(s.notHeld)}#${listText(s.entryAssumed)}`;
  }
  return m.lock;
}

export function withTrail(s: State, step: TrailStep): State {
  // spelled out, not spread: the dataflow's hottest copy, and one literal gives every copy one hidden class
  // (a spread copies whichever of the states' many hidden classes it is given, and its inline cache goes megamorphic)
  return {
    held: s.held, pf: s.pf, pfSeen: s.pfSeen, nofault: s.nofault, vars: s.vars, atoms: s.atoms, holders: s.holders,
    notHeld: s.notHeld, entryAssumed: s.entryAssumed, softReleased: s.softReleased, trail: { step, prev: s.trail }, keyMemo: s.keyMemo,
  };
}

/** Steps kept for messages: all of a path up to 40 steps, else its first 8 and its last 32. */
const TRAIL_HEAD = 8;
const TRAIL_MAX = 40;

/** The path's steps, oldest first (the first TRAIL_HEAD and the last TRAIL_MAX - TRAIL_HEAD of a long path). */
export function trailOf(s: State): readonly TrailStep[] {
  const all: TrailStep[] = [];
  for (let t = s.trail; t; t = t.prev) all.push(t.step);
  all.reverse();
  return all.length <= TRAIL_MAX ? all : [...all.slice(0, TRAIL_HEAD), ...all.slice(all.length - (TRAIL_MAX - TRAIL_HEAD))];
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
  const cur = s.vars[name];
  if (sign === ANY ? cur === undefined : cur === sign) return dropAtomsOf(s, name); // same sign: keep the vars object
  const vars = { ...s.vars };
  if (sign === ANY) delete vars[name]; else vars[name] = sign;
  return dropAtomsOf({ ...s, vars }, name);
}

export function varSign(s: State, name: string): number {
  return s.vars[name] ?? ANY;
}

/** Forget facts mentioning `name`: atoms over it and, for a plain variable, locks named through it. */
export function dropAtomsOf(s: State, name: string): State {
  // usually no atom mentions the name: find out before copying (a step per assignment pays this)
  let dropped: Set<string> | undefined;
  for (const k in s.atoms) {
    // `sizeof(i_blocks) > sizeof(long)` does not change when i_blocks is assigned
    if (mentions(k.includes('sizeof') ? k.replace(/sizeof\([^()]*\)/g, '') : k, name)) (dropped ??= new Set()).add(k);
  }
  if (!dropped) return s;
  const atoms: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(s.atoms)) if (!dropped.has(k)) atoms[k] = v;
  return { ...s, atoms };
}

const MENTION_RES = new Map<string, RegExp>();

export function mentions(text: string, name: string): boolean {
  if (!text.includes(name)) return false;
  let re = MENTION_RES.get(name);
  if (!re) {
    if (MENTION_RES.size > 10_000) MENTION_RES.clear();
    re = new RegExp(`(^|[^\\w>.])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w])`);
    MENTION_RES.set(name, re);
  }
  return re.test(text);
}

/** Sign of a constant. */
export function signOf(v: number): number {
  return v < 0 ? N : v === 0 ? Z : P;
}

/** The lock table's return signs (`success: 'Z'`) as sign bits, and a single sign bit back as its letter. */
export const SIGN_BITS: Readonly<Record<Sign, number>> = { N, Z, P };
export function signLetter(bits: number): Sign | undefined {
  return bits === N ? 'N' : bits === Z ? 'Z' : bits === P ? 'P' : undefined;
}

export function describeMode(kind: LockKind, mode: Mode): string {
  switch (mode) {
    case 'W': return kind === 'mutex' || kind === 'spinlock' || kind === 'semaphore' || kind === 'folio' || kind === 'bitlock' ? '' : 'exclusive';
    case 'R': return kind === 'journal' ? '' : 'shared';
    case 'RR': return kind === 'rwlock' ? 'shared (recursive reader)' : '';
    default: return mode;
  }
}
