// What workspace-level rules read: every function's compact events, the
// declared order, and each filesystem's fault path.
import type { Finding, Related, RuleName, Severity } from '../diagnostic';
import type { FnEvents, HeldLite } from '../events';
import type { FaultPath, FaultTake } from '../faultpath';
import type { Pos } from '../ir';
import type { DeclaredOrder } from '../orders';
import { baseClass } from '../../model/classes';
import type { FsTypes } from '../../model/fsTypes';
import { describeMode } from '../state';

export interface WorkspaceFacts {
  events: readonly FnEvents[];
  declared: DeclaredOrder;
  faultPaths: ReadonlyMap<string, FaultPath>;
  /** names of functions called by some analysed function */
  called: ReadonlySet<string>;
  /** function name -> the ops members it is registered as (`file_operations.fallocate`) */
  opsMembers: ReadonlyMap<string, string[]>;
  /** which classes lockdep keeps per filesystem type, and whose code a file is */
  fsTypes: FsTypes;
}

/**
 * What one function's result of a workspace rule consulted besides its own
 * events, the declared order and the knowledge: the workspace rule runner
 * (analysis/ruleRun.ts) keeps a function's result across edits until its
 * events change or what it consulted does.
 */
export interface FactUse {
  /** its filesystem's fault path (facts.faultPaths) */
  faultPath: boolean;
  /** the other functions of its file (sleep-in-atomic: how the file calls a `__must_hold` function) */
  fileContext: boolean;
}

export function wsFinding(ev: FnEvents, rule: RuleName, pos: Pos, message: string, related: Related[] = [], severity: Severity = 'warning'): Finding {
  return { file: ev.file, pos, severity, rule, function: ev.fn, message, related, simulation: 'not-run' };
}

export function heldPhrase(h: HeldLite): string {
  const m = describeMode(h.kind, h.mode);
  return `${h.inst} (${h.cls}${m ? `, ${m}` : ''})`;
}

export function takePhrase(t: FaultTake): string {
  const m = describeMode(t.kind, t.mode);
  return `${t.cls}${m ? ` ${m}` : ''}`;
}

/** Can a holder in mode `held` and a request in mode `want` on the same lock both proceed? */
export function compatible(kind: string, held: string, want: string): 'yes' | 'no' | 'writer-queued' {
  if (kind === 'glock') {
    if (held === want && (held === 'SH' || held === 'DF')) return 'writer-queued'; // grants are FIFO: a queued EX blocks later holders
    return 'no';
  }
  if (held === 'RR' && (want === 'RR')) return 'yes';
  if ((held === 'R' || held === 'RR') && (want === 'R' || want === 'RR')) return want === 'RR' ? 'yes' : 'writer-queued';
  return 'no';
}

export function sameBase(a: string, b: string): boolean {
  return baseClass(a) === baseClass(b);
}
