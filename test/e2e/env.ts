// Shared helpers of the end-to-end tests: paths, artifacts, processes that
// are always killed (whole process groups), bounded waits.
import { ChildProcess, spawn, SpawnOptions } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
export const CACHE = process.env.LOCKORDER_E2E_CACHE ?? path.join(process.env.HOME ?? '/tmp', '.cache', 'lockorder-e2e');

export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, cmd);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

const timings: Record<string, number> = {};
export function timing(name: string, ms: number): void {
  timings[name] = ms;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, 'e2e-timings.json'), JSON.stringify(timings, null, 2));
}

const live = new Set<ChildProcess>();
/** Spawn in its own process group; killed (group-wide) by killGroup or at exit. */
export function spawnGroup(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const p = spawn(cmd, args, { ...opts, detached: true });
  live.add(p);
  p.on('exit', () => live.delete(p));
  return p;
}
export function killGroup(p: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (!p || p.pid === undefined) return;
  try { process.kill(-p.pid, signal); } catch { /* gone */ }
}
process.on('exit', () => { for (const p of live) killGroup(p, 'SIGKILL'); });

/** Run a command to completion (own process group, killed at the timeout); resolves with its output. */
export function run(cmd: string, args: string[], opts: SpawnOptions & { timeoutMs: number }): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawnGroup(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const t = setTimeout(() => { err += `\n[killed after ${opts.timeoutMs} ms]`; killGroup(p, 'SIGKILL'); }, opts.timeoutMs);
    p.on('close', (code) => { clearTimeout(t); resolve({ code, out, err }); });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A workspace made of fixture directories copied under a fresh temp dir (so editors can write .vscode etc.). */
export function fixtureWorkspace(name: string, dirs: string[]): string {
  const ws = path.join(CACHE, 'workspaces', `${name}-${process.pid}`);
  fs.rmSync(ws, { recursive: true, force: true });
  for (const d of dirs) fs.cpSync(path.join(ROOT, 'test-fixtures', d), path.join(ws, d), { recursive: true });
  return ws;
}
