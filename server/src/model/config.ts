// `.lockorder`: the user's extension of the built-in tables. Line based:
//
//   # comment
//   lock  NAME OP [arg=N] [kind=K] [mode=M] [instance=TEMPLATE] [class=CLASS] [success=P|Z|N] [failure=P|Z|N] [held-out=N]
//         OP: acquire | release | try | assert
//         held-out (release only): the `int *` argument saying whether the lock is still held (GUP's &locked)
//   order A -> B [-> C ...]
//   may-fault NAME [iter=N]
//   may-sleep NAME
//   no-fault NAME
//   per-fs-class CLASS
//   lock-wrapper TYPE FIELD   (a struct holding one lock, keyed per init site: classed by the field holding it)
//   glock-origin STRUCT FIELD [holds=inode|glock] [class=CLASS]
//         (a gfs2 glock reached through STRUCT.FIELD, an inode's i_gl or the glock pointer itself, is its own
//          class, gfs2_glock.FIELD unless given: a system inode's glock apart from user inodes')
//   keeps-parity NAME arg=N [arg=M ...]
//         (NAME leaves the low bit of the integer its argument N points to as it was, like
//          read_seqbegin_or_lock(lock, &seq): valueApi.ts)
//
// A malformed line is reported with file:line and skipped; everything else
// (and every built-in) still applies.
import type { ApiOp, LockApi, LockKind, Mode, Sign } from './lockApi';
import type { FaultApi } from './faultApi';
import type { GlockOrigin } from './glocks';
import type { ValueApi } from './valueApi';
import { OrderChain, parseChain } from './order';

export interface ConfigError { file: string; line: number; message: string }

export interface LockorderConfig {
  locks: LockApi[];
  orders: OrderChain[];
  mayFault: FaultApi[];
  maySleep: string[];
  noFault: string[];
  /** classes lockdep keeps per filesystem type, beyond the built-in ones (fsTypes.ts) */
  perFsClasses: string[];
  /** wrapper lock types beyond the built-in ones (classes.ts BUILTIN_LOCK_WRAPPERS): type -> lock field */
  lockWrappers: { type: string; field: string }[];
  /** gfs2 glocks classed by the field they are reached through, beyond the built-in ones (glocks.ts) */
  glockOrigins: GlockOrigin[];
  /** calls keeping the low bit of integers passed by address, beyond the built-in ones (valueApi.ts) */
  valueApis: ValueApi[];
  errors: ConfigError[];
}

export function emptyConfig(): LockorderConfig {
  return { locks: [], orders: [], mayFault: [], maySleep: [], noFault: [], perFsClasses: [], lockWrappers: [], glockOrigins: [], valueApis: [], errors: [] };
}

const KINDS: ReadonlySet<string> = new Set<LockKind>(['mutex', 'spinlock', 'rwlock', 'rwsem', 'percpu_rwsem', 'semaphore', 'seqlock', 'glock', 'journal', 'folio', 'rcu', 'srcu', 'preempt', 'irq', 'bitlock']);
const MODES: ReadonlySet<string> = new Set<Mode>(['W', 'R', 'RR', 'EX', 'SH', 'DF']);
const OPS: ReadonlySet<string> = new Set<ApiOp>(['acquire', 'release', 'try', 'assert']);
const SIGNS: ReadonlySet<string> = new Set<Sign>(['P', 'Z', 'N']);
const IDENT = /^[A-Za-z_]\w*$/;

export function parseConfig(text: string, file: string): LockorderConfig {
  const cfg = emptyConfig();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const err = (message: string): void => { cfg.errors.push({ file, line: lineNo, message }); };
    const [word, ...rest] = line.split(/\s+/);
    switch (word) {
      case 'order': {
        const chain = parseChain(rest.join(' '));
        if (chain.error) return err(chain.error);
        cfg.orders.push({ classes: chain.classes, source: `${file}:${lineNo}` });
        return;
      }
      case 'may-fault': case 'may-sleep': case 'no-fault': {
        const name = rest[0];
        if (!name || !IDENT.test(name)) return err(`${word} needs a function name`);
        if (word === 'may-sleep') cfg.maySleep.push(name);
        else if (word === 'no-fault') cfg.noFault.push(name);
        else {
          const fa: FaultApi = { name, why: `declared may-fault in ${file}:${lineNo}`, origin: `${file}:${lineNo}` };
          for (const kv of rest.slice(1)) {
            const m = /^iter=(\d+)$/.exec(kv);
            if (!m) return err(`unknown may-fault option "${kv}" (expected iter=N)`);
            fa.iterArg = Number(m[1]);
          }
          cfg.mayFault.push(fa);
        }
        return;
      }
      case 'per-fs-class': {
        const cls = rest[0];
        if (!cls || rest.length > 1 || !/^[A-Za-z_][\w.]*$/.test(cls)) return err('per-fs-class needs one lock class (struct.field or a global name)');
        cfg.perFsClasses.push(cls);
        return;
      }
      case 'lock-wrapper': {
        const [type, field] = rest;
        if (!type || !field || rest.length > 2 || !IDENT.test(type) || !IDENT.test(field)) return err('lock-wrapper needs a struct type and the lock field inside it');
        cfg.lockWrappers.push({ type, field });
        return;
      }
      case 'glock-origin': {
        const [struct, field, ...opts] = rest;
        const usage = 'glock-origin needs a struct type and a field, then optionally holds=inode|glock and class=CLASS';
        if (!struct || !field || !IDENT.test(struct) || !IDENT.test(field)) return err(usage);
        const o: GlockOrigin = { struct, field, holds: 'inode', cls: `gfs2_glock.${field}` };
        for (const kv of opts) {
          const m = /^(holds|class)=(.+)$/.exec(kv);
          if (!m) return err(`${usage} (got "${kv}")`);
          if (m[1] === 'holds') {
            if (m[2] !== 'inode' && m[2] !== 'glock') return err(`glock-origin: holds must be inode or glock (got "${m[2]}")`);
            o.holds = m[2];
          } else {
            if (!/^[A-Za-z_][\w.]*$/.test(m[2])) return err(`glock-origin: class must be a class name (got "${m[2]}")`);
            o.cls = m[2];
          }
        }
        cfg.glockOrigins.push(o);
        return;
      }
      case 'keeps-parity': {
        const [name, ...opts] = rest;
        const usage = 'keeps-parity needs a function name and the arguments (arg=N, one or more) passed as &x whose low bit it keeps';
        if (!name || !IDENT.test(name) || opts.length === 0) return err(usage);
        const args: number[] = [];
        for (const kv of opts) {
          const m = /^arg=(\d+)$/.exec(kv);
          if (!m) return err(`${usage} (got "${kv}")`);
          args.push(Number(m[1]));
        }
        cfg.valueApis.push({ name, keepsParity: args });
        return;
      }
      case 'lock': {
        const [name, op, ...opts] = rest;
        if (!name || !IDENT.test(name)) return err('lock needs a function name');
        if (!op || !OPS.has(op)) return err(`lock ${name}: operation must be one of acquire, release, try, assert (got "${op ?? ''}")`);
        const api: LockApi = { name, op: op as ApiOp, arg: 0, kind: 'mutex', mode: 'W', origin: `${file}:${lineNo}` };
        for (const kv of opts) {
          const eq = kv.indexOf('=');
          if (eq < 0) return err(`lock ${name}: expected key=value, got "${kv}"`);
          const k = kv.slice(0, eq);
          const v = kv.slice(eq + 1);
          switch (k) {
            case 'arg': if (!/^-?\d+$/.test(v)) return err(`lock ${name}: arg must be a number`); api.arg = Number(v); break;
            case 'kind': if (!KINDS.has(v)) return err(`lock ${name}: unknown kind "${v}" (one of ${[...KINDS].join(', ')})`); api.kind = v as LockKind; break;
            case 'mode': if (!MODES.has(v)) return err(`lock ${name}: unknown mode "${v}" (W, R, RR, EX, SH, DF)`); api.mode = v as Mode; break;
            case 'instance': api.instance = v; break;
            case 'class': api.cls = v; break;
            case 'success': if (!SIGNS.has(v)) return err(`lock ${name}: success must be P, Z or N`); api.success = v as Sign; break;
            case 'failure': if (!SIGNS.has(v)) return err(`lock ${name}: failure must be P, Z or N`); api.failure = v as Sign; break;
            case 'held-out':
              if (!/^-?\d+$/.test(v)) return err(`lock ${name}: held-out must be an argument index (negative counts from the end: -1 is the last), got "${v}"`);
              api.heldOut = Number(v);
              break;
            default: return err(`lock ${name}: unknown option "${k}"`);
          }
        }
        if (api.heldOut !== undefined && api.op !== 'release') return err(`lock ${name}: held-out applies to release only (a call that may drop the lock and says so through an int * argument)`);
        if (api.op === 'try' && (!api.success || !api.failure)) {
          api.success = api.success ?? 'P';
          api.failure = api.failure ?? 'Z';
        }
        if (api.mode === 'R' || api.mode === 'RR') api.shared = true;
        cfg.locks.push(api);
        return;
      }
      default:
        err(`unknown directive "${word}" (expected lock, order, may-fault, may-sleep, no-fault, per-fs-class, lock-wrapper, glock-origin or keeps-parity)`);
    }
  });
  return cfg;
}
