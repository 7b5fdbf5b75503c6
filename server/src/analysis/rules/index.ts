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
