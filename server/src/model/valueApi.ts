// What kernel calls do to the integers their pointer arguments point to, where
// a caller's later branch depends on it. Data, like the lock table: the
// dataflow reads it through Knowledge and compares no callee names itself.
// Users add their own calls in `.lockorder`: `keeps-parity NAME arg=N`.

export interface ValueApi {
  name: string;
  /**
   * indexes of arguments, passed as `&x`, whose low bit (`x & 1`) the call leaves as it was: the
   * caller's `x & 1` tests decide the same way before and after the call
   */
  keepsParity: readonly number[];
}

export const BUILTIN_VALUE_APIS: readonly ValueApi[] = [
  // include/linux/seqlock.h: an even *seq is replaced by the sequence count read_seqbegin() returns, which is
  // even (it waits while a writer holds it odd); an odd *seq takes the lock and is left alone. Callers
  // correlate `!(seq & 1)` with what they did before the call (fs/d_path.c prepend_path's rcu_read_unlock())
  { name: 'read_seqbegin_or_lock', keepsParity: [1] },
  { name: 'read_seqbegin_or_lock_irqsave', keepsParity: [1] },
];
