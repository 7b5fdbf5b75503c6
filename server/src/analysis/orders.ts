// Declared lock order as a relation over classes: the built-in chains, the
// user's `.lockorder` `order` lines and `/* lockorder: a -> b */` comments,
// transitively closed. `before(a, b)` answers "is a declared to be taken
// before b?" with the chain that says so, for messages.
import type { OrderChain } from '../model/order';
import { parseChain } from '../model/order';
import type { FileIR, Pos } from './ir';
import { baseClass } from '../model/classes';

export interface OrderReason {
  /** the chain of classes from a to b, as declared */
  path: string[];
  /** where the declarations came from */
  sources: string[];
}

export interface DirectiveError { file: string; pos: Pos; message: string }

/** Class names as users write them map onto engine class names (`i_rwsem` -> `inode.i_rwsem`). */
const ALIASES: Record<string, string> = {
  i_rwsem: 'inode.i_rwsem', i_mutex: 'inode.i_rwsem', mmap_lock: 'mm_struct.mmap_lock', mmap_sem: 'mm_struct.mmap_lock',
  invalidate_lock: 'address_space.invalidate_lock', i_mmap_rwsem: 'address_space.i_mmap_rwsem', i_mmap_lock: 'address_space.i_mmap_rwsem',
  'folio lock': 'folio_lock', page_lock: 'folio_lock', lock_page: 'folio_lock', anon_vma: 'anon_vma.rwsem', i_pages: 'address_space.i_pages',
  jbd2: 'jbd2_handle', jbd2_handle: 'jbd2_handle', ILOCK: 'xfs_inode.i_lock', MMAPLOCK: 'address_space.invalidate_lock', IOLOCK: 'inode.i_rwsem',
};

export function canonicalClass(c: string): string {
  return ALIASES[c] ?? c;
}

export class DeclaredOrder {
  /** direct edges a -> b with their source */
  private readonly edges = new Map<string, Map<string, string>>();
  readonly errors: DirectiveError[] = [];

  constructor(chains: readonly OrderChain[], files: readonly FileIR[]) {
    for (const c of chains) this.addChain(c.classes, c.source);
    for (const f of files) {
      for (const d of f.directives) {
        const parsed = parseChain(d.text);
        if (parsed.error) this.errors.push({ file: f.path, pos: d.pos, message: `lockorder directive does not parse: ${parsed.error}` });
        else this.addChain(parsed.classes, `${f.path}:${d.pos.line + 1}`);
      }
    }
  }

  private addChain(classes: readonly string[], source: string): void {
    const cs = classes.map(canonicalClass);
    for (let i = 0; i + 1 < cs.length; i++) {
      let m = this.edges.get(cs[i]);
      if (!m) { m = new Map(); this.edges.set(cs[i], m); }
      if (!m.has(cs[i + 1])) m.set(cs[i + 1], source);
    }
  }

  private readonly memo = new Map<string, OrderReason | null>();

  /** Is `a` declared to be acquired before `b` (directly or transitively)? */
  before(a: string, b: string): OrderReason | undefined {
    // lockdep treats a _nested() subclass as a class of its own: the documented
    // order is about the plain class (an xattr inode's I_MUTEX_XATTR i_rwsem is not the file's)
    if (a.includes('/') || b.includes('/')) return undefined;
    const A = a;
    const B = b;
    if (A === B) return undefined;
    const key = `${A}\u0000${B}`;
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached ?? undefined;
    // BFS for the shortest declared path
    const prev = new Map<string, { from: string; source: string }>();
    const queue = [A];
    const seen = new Set([A]);
    let found = false;
    while (queue.length && !found) {
      const x = queue.shift()!;
      for (const [y, source] of this.edges.get(x) ?? []) {
        if (seen.has(y)) continue;
        seen.add(y);
        prev.set(y, { from: x, source });
        if (y === B) { found = true; break; }
        queue.push(y);
      }
    }
    let res: OrderReason | null = null;
    if (found) {
      const path = [B];
      const sources: string[] = [];
      let cur = B;
      while (cur !== A) {
        const p = prev.get(cur)!;
        if (!sources.includes(p.source)) sources.unshift(p.source);
        path.unshift(p.from);
        cur = p.from;
      }
      res = { path, sources };
    }
    this.memo.set(key, res);
    return res ?? undefined;
  }

  /** Declared neighbours of a class (for hovers): classes before it and after it. */
  around(cls: string): { before: string[]; after: string[] } {
    const c = baseClass(cls);
    const before: string[] = [];
    const after = [...(this.edges.get(c)?.keys() ?? [])];
    for (const [a, m] of this.edges) if (m.has(c)) before.push(a);
    return { before, after };
  }
}


