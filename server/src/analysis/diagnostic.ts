// What the engine reports. Front ends (CLI text/JSON/SARIF, LSP) only format these.
import type { Pos } from './ir';
import type { Held } from './state';
import { describeMode } from './state';
import type { LockRef } from './locks';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export type RuleName =
  | 'lock-leak' | 'double-lock' | 'unlock-unheld' | 'pagefault-imbalance' | 'annotation-mismatch'
  | 'order-violation' | 'order-cycle' | 'fault-while-locked' | 'sleep-in-atomic' | 'truncate-fault-unserialized'
  | 'analysis-budget' | 'parse-error' | 'file-skipped';

export interface Related { file: string; pos: Pos; message: string }

export type SimulationVerdict = 'confirmed' | 'not-reproduced' | 'not-run';

export interface Finding {
  file: string;
  pos: Pos;
  severity: Severity;
  rule: RuleName;
  function: string;
  message: string;
  related: Related[];
  simulation: SimulationVerdict;
  /** simulator detail: "deadlock in 7 steps" / "no deadlock within bound 200 (1234 states)" */
  simulationDetail?: string;
  /** what the simulator needs to reproduce it: the other functions of a cycle, or the documented order edge */
  simHint?: {
    partners?: { fn: string; file: string }[];
    declared?: { first: string; firstKind: string; then: string; thenKind: string };
  };
  /** the simulator's witness timeline, when it confirmed the finding */
  witness?: string;
  /** data for code actions (lock-leak fix, __must_hold insertion) */
  fix?: { kind: 'insert-unlock'; line: number; col: number; text: string; label?: string } | { kind: 'redirect-goto'; line: number; col: number; endCol: number; text: string };
}

/** `inode->i_rwsem (inode.i_rwsem, exclusive)` */
export function lockPhrase(h: Pick<Held, 'inst' | 'cls' | 'kind' | 'mode'> | LockRef): string {
  const mode = describeMode(h.kind, h.mode);
  const cls = h.cls && h.cls !== h.inst ? h.cls : '';
  const inner = [cls, mode].filter(Boolean).join(', ');
  return inner ? `${h.inst} (${inner})` : h.inst;
}

/** 1-based line for messages. */
export function lineOf(p: Pos): number {
  return p.line + 1;
}

/** "lines 12 → 15 → 20" from a trail. */
export function pathPhrase(lines: number[]): string {
  const uniq: number[] = [];
  for (const l of lines) if (uniq[uniq.length - 1] !== l) uniq.push(l);
  return uniq.map((l) => String(l + 1)).join(' → ');
}
