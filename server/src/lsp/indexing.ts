// Background indexing of every .c/.h file under the workspace folders, with
// work-done progress ($/progress begin/report/end). Yields to the event loop
// between files so requests and edits keep being served; a newer indexing run
// (folders or settings changed) cancels an older one.
import * as fs from 'fs';
import * as path from 'path';
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { buildTree, BuiltFile, resolveWorkerScript } from '../analysis/batch';
import type { AnalysisResult } from '../analysis/workspace';
import { collectAll } from './idle';
import { DiskCache } from '../analysis/cache';
import type { Session } from './session';

/** The background analysis's main-thread part yields to the event loop this often (ms): edits and requests wait at most about this long. */
const YIELD_MS = 10;

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'out', 'dist', '.lockorder-cache']);

/** .c/.h files under `root` (sorted, at most `max`), skipping dot- and build-output directories. */
export async function listSources(root: string, max: number, cancelled: () => boolean): Promise<string[]> {
  const out: string[] = [];
  const stack = [root];
  while (stack.length && out.length < max) {
    if (cancelled()) return out;
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try { entries = await fs.promises.readdir(dir, { withFileTypes: true }); } catch { continue; }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) { out.push(p); if (out.length >= max) break; }
    }
  }
  return out.sort();
}

export class Indexer {
  private run = 0;
  /** files indexed / total of the current run, for the status bar */
  done = 0;
  total = 0;
  active = false;
  private readonly cache = new DiskCache();

  constructor(private readonly conn: Connection, private readonly session: Session, private readonly progressSupported: () => boolean,
    private readonly onStatus: () => void) {}

  cancel(): void { this.run++; }

  /**
   * The whole-workspace analysis of the indexed files in worker threads
   * (Session.beginBackground, Workspace.analyzeParallel), adopted when done.
   * True when it ran (adopted, or cancelled meanwhile); false to fall back
   * to the analysis on this thread (it failed, or the engine options changed).
   */
  private async analyseInBackground(built: BuiltFile[], workers: number, script: string, cancelled: () => boolean): Promise<boolean> {
    const s = this.session;
    const t0 = Date.now();
    const bg = s.beginBackground(built);
    let result: AnalysisResult;
    try {
      result = await bg.ws.analyzeParallel({ workers, script, yieldMs: YIELD_MS });
    } catch (e) {
      s.endBackground(bg);
      s.log(`lockorder: the background analysis failed, analysing on the main thread: ${(e as Error).stack ?? e}`);
      return false;
    }
    if (cancelled()) { s.endBackground(bg); return true; }
    return s.adoptBackground(bg, built, result, Date.now() - t0);
  }

  async index(): Promise<void> {
    const my = ++this.run;
    const cancelled = (): boolean => my !== this.run;
    const s = this.session;
    if (!s.settings.indexWorkspace || s.roots.length === 0) return;
    let progress: WorkDoneProgressServerReporter | undefined;
    if (this.progressSupported()) {
      try { progress = await this.conn.window.createWorkDoneProgress(); } catch { progress = undefined; }
    }
    this.active = true;
    this.done = 0;
    this.total = 0;
    progress?.begin('Lock Order: indexing', 0, 'listing C files', false);
    this.onStatus();
    try {
      const files: string[] = [];
      for (const r of s.roots) files.push(...await listSources(r, s.settings.maxIndexedFiles - files.length, cancelled));
      if (cancelled()) return;
      this.total = files.length;
      progress?.report(0, `0/${files.length} files`);
      // parse in worker threads (in-process for small trees) with the on-disk IR cache in front
      const todo = files.filter((f) => !s.isOpen(f));
      let lastReport = 0;
      const built = await buildTree(todo, {
        maxFileBytes: s.settings.maxFileSize,
        cache: this.cache,
        onProgress: (done) => {
          this.done = done + (files.length - todo.length);
          const now = Date.now();
          if (now - lastReport > 100 || done === todo.length) {
            lastReport = now;
            progress?.report(Math.floor((this.done * 100) / Math.max(1, files.length)), `${this.done}/${files.length} files`);
            this.onStatus();
          }
        },
      });
      if (cancelled()) return;
      this.done = files.length;
      progress?.report(100, `analysing ${files.length} files`);
      // a tree big enough for worker threads: its whole-workspace analysis runs in them, in a workspace of its
      // own, while the session's keeps answering for the open documents; it is adopted when done
      const script = resolveWorkerScript();
      const inBackground = built.workers > 1 && !!script && await this.analyseInBackground(built.files, built.workers, script, cancelled);
      if (cancelled()) return;
      if (!inBackground) {
        for (const b of built.files) s.addIR(b.path, b.ir, b.size, b.skipped, b.hash);
        s.flush();
      }
    } finally {
      if (!cancelled()) { this.active = false; this.onStatus(); }
      progress?.done();
    }
    // the whole-workspace analysis is published: compact what it left behind, unless a change is already waiting (idle.ts)
    if (!cancelled()) setImmediate(() => { if (s.generation === s.analyzedGeneration) collectAll(); });
  }
}
