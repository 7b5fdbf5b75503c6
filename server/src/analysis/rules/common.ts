// Helpers shared by the rules: matching annotation arguments to instances,
// the release call that pairs with an acquisition, and finding construction.
import type { FnRecords } from '../dataflow';
import type { Finding, Related, RuleName, Severity } from '../diagnostic';
import type { Pos } from '../ir';
import type { Held, State } from '../state';
import { trailOf } from '../state';

export function finding(rec: FnRecords, rule: RuleName, pos: Pos, message: string, related: Related[] = [], severity: Severity = 'warning'): Finding {
  return { file: rec.file, pos, severity, rule, function: rec.fn.name, message, related, simulation: 'not-run' };
}

/** Does an annotation/assertion argument (already normalised) name this instance? */
export function annotationMatches(ann: string, inst: string): boolean {
  if (ann === inst) return true;
  if (ann.toLowerCase() === inst.toLowerCase()) return true;
  return inst.startsWith(`${ann}->`) || inst.startsWith(`${ann}.`) || inst.startsWith(`${ann}:`);
}

/** Lines of the path that led to a state, for messages. */
export function trailLines(s: State, fromLine?: number): number[] {
  const lines = trailOf(s).map((t) => t.line);
  if (fromLine === undefined) return lines;
  const i = lines.indexOf(fromLine);
  return i >= 0 ? lines.slice(i) : lines;
}

/** The call that releases what `h` holds, as source text: `inode_unlock(inode)`. */
export function releaseCallFor(h: Held): string | undefined {
  const args = h.args ?? [];
  const a0 = args[0] ?? '';
  switch (h.kind) {
    case 'glock': return h.holder ? `gfs2_glock_dq(${h.holder.startsWith('&') || /^[\w]+$/.test(h.holder) && args[3]?.startsWith('&') ? '&' + h.holder : h.holder})` : undefined;
    case 'journal': return undefined;
    default: break;
  }
  const v = h.via;
  let rel: string | undefined;
  if (/^inode_lock_shared/.test(v)) rel = 'inode_unlock_shared';
  else if (/^inode_lock/.test(v) || v === 'inode_trylock') rel = 'inode_unlock';
  else if (/^mutex_(lock|trylock)/.test(v)) rel = 'mutex_unlock';
  else if (/^down_read/.test(v)) rel = 'up_read';
  else if (/^down_write/.test(v)) rel = 'up_write';
  else if (/^(raw_)?spin_(lock|trylock)_irqsave/.test(v)) return `${v.startsWith('raw_') ? 'raw_' : ''}spin_unlock_irqrestore(${a0}, ${args[1] ?? 'flags'})`;
  else if (/^(raw_)?spin_(lock|trylock)(_irq|_bh)?(_nested)?$/.test(v)) rel = v.replace('trylock', 'lock').replace('lock', 'unlock').replace('_nested', '');
  else if (/^(read|write)_(lock|trylock)(_irq|_bh)?$/.test(v)) rel = v.replace('trylock', 'lock').replace('lock', 'unlock');
  else if (/^filemap_invalidate_lock_shared/.test(v)) rel = 'filemap_invalidate_unlock_shared';
  else if (/^filemap_invalidate_lock/.test(v)) rel = 'filemap_invalidate_unlock';
  else if (/^i_mmap_lock_write/.test(v)) rel = 'i_mmap_unlock_write';
  else if (/^i_mmap_lock_read/.test(v)) rel = 'i_mmap_unlock_read';
  else if (/^mmap_read_(lock|trylock)/.test(v)) rel = 'mmap_read_unlock';
  else if (/^mmap_write_lock/.test(v)) rel = 'mmap_write_unlock';
  else if (v === 'xfs_ilock' || v === 'xfs_ilock_nowait') return `xfs_iunlock(${a0}, ${args[1] ?? ''})`;
  else if (/^(folio_lock|__folio_lock)/.test(v)) rel = 'folio_unlock';
  else if (/^lock_page/.test(v)) rel = 'unlock_page';
  else if (v === 'rcu_read_lock') return 'rcu_read_unlock()';
  else if (v === 'preempt_disable') return 'preempt_enable()';
  else if (/^sb_start_(write|pagefault|intwrite)/.test(v)) rel = v.replace('sb_start_', 'sb_end_').replace('_trylock', '');
  else if (/^percpu_down_read/.test(v)) rel = 'percpu_up_read';
  else if (/^percpu_down_write/.test(v)) rel = 'percpu_up_write';
  else if (/^down(_interruptible|_killable)?$/.test(v)) rel = 'up';
  if (!rel) return undefined;
  return `${rel}(${a0})`;
}
