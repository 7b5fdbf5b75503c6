// The fault path of each filesystem: the `.fault` / `.huge_fault` /
// `.page_mkwrite` / `.pfn_mkwrite` members of the vm_operations_struct
// initialisers found in the workspace, entered with mmap_lock held shared,
// and the lock classes their summaries say they take.
import * as path from 'path';
import type { LockKind, Mode } from '../model/lockApi';
import { FAULT_MEMBERS } from '../model/externals';
import type { FileIR, Pos } from './ir';
import type { Summary } from './summaryTypes';
import { filesystemDir } from '../model/fsTypes';

export interface FaultHandler { fs: string; member: string; name: string; opsVar: string; opsFile: string; opsPos: Pos }

export interface FaultTake {
  cls: string; kind: LockKind; mode: Mode;
  handler: string; member: string;
  /** where it is taken (the handler's file, or the callee's) */
  file: string; pos: Pos;
  chain: string[];
  /** taken by a function defined in the workspace (not only by built-in knowledge of mm/) */
  own: boolean;
}

export interface FaultPath { fs: string; handlers: FaultHandler[]; takes: FaultTake[] }

/**
 * A filesystem is fs/<name>/ with its subdirectories (fs/xfs/scrub is xfs:
 * model/fsTypes.ts); outside a kernel tree's fs/ (a fixture, a module
 * built out of tree), the directory its files live in.
 */
export function fsOf(file: string): string {
  return filesystemDir(file) ?? path.dirname(file);
}

export function faultHandlers(files: readonly FileIR[]): FaultHandler[] {
  const out: FaultHandler[] = [];
  for (const f of files) {
    for (const o of f.ops) {
      if (o.structType !== 'vm_operations_struct') continue;
      for (const m of FAULT_MEMBERS) {
        const name = o.members[m];
        if (name) out.push({ fs: fsOf(f.path), member: m, name, opsVar: o.varName, opsFile: f.path, opsPos: o.pos });
      }
    }
  }
  return out;
}

export function buildFaultPaths(handlers: readonly FaultHandler[], summaryOf: (h: FaultHandler) => Summary | undefined): Map<string, FaultPath> {
  const out = new Map<string, FaultPath>();
  for (const h of handlers) {
    let fp = out.get(h.fs);
    if (!fp) { fp = { fs: h.fs, handlers: [], takes: [] }; out.set(h.fs, fp); }
    fp.handlers.push(h);
    const sum = summaryOf(h);
    if (!sum) continue;
    for (const inner of sum.inner) {
      if (inner.cls === 'mm_struct.mmap_lock') continue;
      const own = !sum.file.startsWith('<built-in');
      fp.takes.push({ cls: inner.cls, kind: inner.kind, mode: inner.mode, handler: h.name, member: h.member, file: inner.file, pos: inner.pos, chain: inner.chain, own: own && !(inner.chain.length > 0 && inner.file.startsWith('<built-in')) });
    }
  }
  return out;
}
