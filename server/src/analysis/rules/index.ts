// The rule registry: every rule is a file named after it; this table is the
// one place that lists them. Per-function rules read one function's dataflow
// records; workspace rules (order, fault, truncate) read summaries too.
import type { FnRecords } from '../dataflow';
import type { Finding, RuleName } from '../diagnostic';
import { checkLockLeak } from './lock-leak';
import { checkDoubleLock } from './double-lock';
import { checkUnlockUnheld } from './unlock-unheld';
import { checkPagefaultImbalance } from './pagefault-imbalance';
import { checkAnnotationMismatch } from './annotation-mismatch';
import type { FactUse, WorkspaceFacts } from './facts';
import type { FnEvents } from '../events';
import { orderViolations } from './order-violation';
import { checkOrderCycle, edgeCandidates } from './order-cycle';
import { faultsWhileLocked } from './fault-while-locked';
import { contradictedAnnotations, sleepsInAtomic } from './sleep-in-atomic';
import { checkTruncateFaultUnserialized, truncating } from './truncate-fault-unserialized';

export interface FunctionRule {
  name: RuleName;
  /** one-line description, also used by the README and hovers */
  summary: string;
  check(rec: FnRecords): Finding[];
}

export const FUNCTION_RULES: readonly FunctionRule[] = [
  { name: 'lock-leak', summary: 'a lock still held on some return path', check: checkLockLeak },
  { name: 'double-lock', summary: 'acquiring an instance already held (non-recursive)', check: checkDoubleLock },
  { name: 'unlock-unheld', summary: 'releasing what is not held on some path', check: checkUnlockUnheld },
  { name: 'pagefault-imbalance', summary: 'pagefault_disable without matching enable / nofault left set', check: checkPagefaultImbalance },
  { name: 'annotation-mismatch', summary: 'body contradicts __must_hold/__acquires/__releases/lockdep_assert_held', check: checkAnnotationMismatch },
];

/**
 * The items perFunction() gave, kept per call-graph component (ruleRun.ts),
 * as conclude() reads them.
 */
export interface KeptParts<T> {
  /** every item, per component with items, in analysis order */
  lists(): readonly (readonly T[])[];
  /** the components with items, in analysis order */
  readonly order: readonly number[];
  items(s: number): readonly T[] | undefined;
  /**
   * Since the previous conclude(): the components whose items were computed
   * again, each with the items it had before (undefined: none). Undefined
   * when every part was computed afresh (a full run), or the components were
   * renumbered (Workspace.reorder): the memo may then hold old numbers.
   */
  readonly changes?: ReadonlyMap<number, readonly T[] | undefined>;
  /** the rule's own memo, kept from one conclude() to the next, full runs included (dropped when the rule is turned off) */
  readonly memo: Map<string, unknown>;
}

/**
 * A rule over the whole workspace, in two parts: perFunction() reads one
 * function's events (and shared facts, saying which in `use`), conclude()
 * reads every function's items in analysis order. Without conclude() the
 * items are the findings. The runner re-runs perFunction() only where a
 * function's events or what it consulted changed; conclude() runs every time,
 * and may use what changed since its last run (`parts.changes`) to redo
 * only that.
 */
export interface WorkspaceRule<T = unknown, C = unknown> {
  name: RuleName;
  summary: string;
  /** once per run, before perFunction(): what the functions' checks share */
  prepare?(facts: WorkspaceFacts): C;
  perFunction(ev: FnEvents, facts: WorkspaceFacts, ctx: C, use: FactUse): T[];
  conclude?(facts: WorkspaceFacts, parts: KeptParts<T>): Finding[];
}

/** A registry entry, its item and context types checked where it is defined. */
function rule<T, C>(r: WorkspaceRule<T, C>): WorkspaceRule {
  return r as unknown as WorkspaceRule;
}

export const WORKSPACE_RULES: readonly WorkspaceRule[] = [
  rule({ name: 'order-violation', summary: 'acquisition against the declared lock order', perFunction: orderViolations }),
  rule({ name: 'order-cycle', summary: 'two code paths take two classes in opposite order (ABBA)', perFunction: edgeCandidates, conclude: checkOrderCycle }),
  rule({ name: 'fault-while-locked', summary: 'may-fault call while holding a lock the fault path takes', perFunction: faultsWhileLocked }),
  rule({ name: 'sleep-in-atomic', summary: 'may-sleep or may-fault call under a spinlock / rcu / pagefault_disable', prepare: contradictedAnnotations, perFunction: sleepsInAtomic }),
  rule({ name: 'truncate-fault-unserialized', summary: 'truncate/punch-hole without the lock the fault handler takes shared', perFunction: truncating, conclude: checkTruncateFaultUnserialized }),
];
