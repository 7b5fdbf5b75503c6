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
import type { WorkspaceFacts } from './facts';
import { checkOrderViolation } from './order-violation';
import { checkOrderCycle } from './order-cycle';
import { checkFaultWhileLocked } from './fault-while-locked';
import { checkSleepInAtomic } from './sleep-in-atomic';
import { checkTruncateFaultUnserialized } from './truncate-fault-unserialized';

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

export interface WorkspaceRule {
  name: RuleName;
  summary: string;
  check(facts: WorkspaceFacts): Finding[];
}

export const WORKSPACE_RULES: readonly WorkspaceRule[] = [
  { name: 'order-violation', summary: 'acquisition against the declared lock order', check: checkOrderViolation },
  { name: 'order-cycle', summary: 'two code paths take two classes in opposite order (ABBA)', check: checkOrderCycle },
  { name: 'fault-while-locked', summary: 'may-fault call while holding a lock the fault path takes', check: checkFaultWhileLocked },
  { name: 'sleep-in-atomic', summary: 'may-sleep or may-fault call under a spinlock / rcu / pagefault_disable', check: checkSleepInAtomic },
  { name: 'truncate-fault-unserialized', summary: 'truncate/punch-hole without the lock the fault handler takes shared', check: checkTruncateFaultUnserialized },
];
