// The server's state: one engine Workspace fed with the open documents and the
// indexed files, the settings, the .lockorder configuration, and the
// debounced analysis scheduler. Features read `ws` after `ready()`.
import * as fs from 'fs';
import * as path from 'path';
import { Workspace, AnalysisResult } from '../analysis/workspace';
import type { FileIR } from '../analysis/ir';
import { emptyConfig, LockorderConfig, parseConfig } from '../model/config';
import type { EngineOptions, SyncItem } from './crossCheckWorker';
import { DEFAULT_SETTINGS, engineChanged, Settings, workspaceOptions } from './settings';

/** A whole-workspace analysis running in the background (Session.beginBackground). */
export interface Background {
  ws: Workspace;
  /** the open documents' versions it was given */
  versions: Map<string, number>;
  /** paths changed since it started */
  changed: Set<string>;
  configVersion: number;
  engineEpoch: number;
}

export interface AnalysisStats { runs: number; lastMs: number; files: number; functions: number; findings: number }

export class Session {
  ws: Workspace;
  settings: Settings = DEFAULT_SETTINGS;
  config: LockorderConfig = emptyConfig();
  configFile?: string;
  roots: string[] = [];
  /** open documents: path -> text (the editor's version wins over disk) */
  private readonly open = new Map<string, { text: string; version: number }>();
  /** every path fed to the workspace, open or indexed */
  private readonly known = new Set<string>();
  /** paths whose text changed since the last analysis */
  private readonly dirtyPaths = new Set<string>();
  /** paths changed since the simulation worker's last sync (crossCheckClient.ts) */
  private readonly workerDirty = new Set<string>();
  /** files whose IR came from the indexer (not touched since): what the worker needs to load the same IR */
  private readonly indexed = new Map<string, { size: number; skipped?: string; hash?: string }>();
  /** the .lockorder in force, as text, for the worker; the version is bumped on every load */
  private configSource: { file?: string; text?: string } = {};
  private configVersion = 0;
  /** bumped whenever `ws` is replaced (engine options changed) */
  private engineEpoch = 0;
  /** while a background analysis runs (beginBackground): the paths changed since it started */
  private background?: Background;
  private dirty = false;
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private waiters: (() => void)[] = [];
  /** bumped on every change; requests compare it to detect stale results */
  generation = 0;
  analyzedGeneration = -1;
  /** the version of each open document the last analysis saw */
  analyzedVersions: ReadonlyMap<string, number> = new Map();
  stats: AnalysisStats = { runs: 0, lastMs: 0, files: 0, functions: 0, findings: 0 };
  /** called after each analysis (diagnostics, status) */
  onAnalyzed: (r: AnalysisResult) => void = () => undefined;
  log: (s: string) => void = () => undefined;

  constructor() {
    this.ws = new Workspace(this.engineOptions());
  }

  /** The engine's options: the settings', the .lockorder in force, and dataflow records (hovers, inlay hints) for open documents only. */
  private engineOptions(): ConstructorParameters<typeof Workspace>[0] {
    return { ...workspaceOptions(this.settings), config: this.config, recordsFor: (p) => this.open.has(p) };
  }

  // ----------------------------------------------------------------- files
  openDoc(p: string, text: string, version: number): void {
    this.open.set(p, { text, version });
    this.touch(p);
  }
  changeDoc(p: string, text: string, version: number): void {
    this.open.set(p, { text, version });
    this.touch(p);
  }
  /** A document closed: fall back to the file on disk if it is part of the workspace. */
  closeDoc(p: string): void {
    this.open.delete(p);
    if (this.inWorkspace(p) && fs.existsSync(p)) this.touch(p);
    else this.forget(p);
  }
  isOpen(p: string): boolean { return this.open.has(p); }
  docVersion(p: string): number | undefined { return this.open.get(p)?.version; }
  /** The text the engine sees for a path (open document, else disk). */
  textOf(p: string): string | undefined {
    const o = this.open.get(p);
    if (o) return o.text;
    try { return fs.readFileSync(p, 'utf8'); } catch { return undefined; }
  }
  /** A file of the workspace folders changed on disk (ignored while it is open). */
  diskChanged(p: string): void {
    if (this.open.has(p)) return;
    if (fs.existsSync(p)) this.touch(p); else this.forget(p);
  }
  forget(p: string): void {
    if (!this.known.has(p)) return;
    this.background?.changed.add(p);
    this.known.delete(p);
    this.dirtyPaths.delete(p);
    this.workerDirty.add(p);
    this.indexed.delete(p);
    this.ws.removeFile(p);
    this.markDirty();
  }
  /**
   * A workspace for the indexer's whole-workspace analysis, run in the
   * background (Workspace.analyzeParallel) while `ws` keeps answering for
   * the open documents: the engine options and configuration in force, the
   * open documents, the files known from disk, and the indexed files'
   * IR. adoptBackground() makes it `ws`; endBackground() drops it.
   */
  beginBackground(built: readonly { path: string; ir: FileIR; size: number; skipped?: string }[]): Background {
    const ws = new Workspace(this.engineOptions());
    const versions = new Map<string, number>();
    const bg: Background = { ws, versions, changed: new Set(), configVersion: this.configVersion, engineEpoch: this.engineEpoch };
    this.background = bg;
    const fromIndex = new Set<string>();
    for (const b of built) {
      if (this.open.has(b.path)) continue;
      fromIndex.add(b.path);
      ws.setFileIR(b.path, b.ir, b.size, b.skipped);
    }
    for (const p of this.known) {
      if (fromIndex.has(p)) continue;
      const o = this.open.get(p);
      if (o) versions.set(p, o.version);
      // files neither open nor indexed now: the IR `ws` has of them, unless a change to them is pending
      const e = o ? undefined : this.ws.getFile(p);
      if (e && !this.dirtyPaths.has(p)) { ws.setFileIR(p, e.ir, e.size, e.skipped); continue; }
      const t = this.textOf(p);
      if (t !== undefined) ws.setFile(p, t);
    }
    return bg;
  }

  /** The background analysis `bg` is over (adopted, given up): changes are no longer collected for it. */
  endBackground(bg: Background): void { if (this.background === bg) this.background = undefined; }

  /**
   * The background analysis of beginBackground()'s workspace is done: it
   * becomes `ws`, with the changes made meanwhile (edits, files changed on
   * disk, a new .lockorder) applied to it and analysed by a delta or full
   * run; without any, `result` is the analysis, published as it is. False
   * (nothing adopted) when the engine options changed meanwhile.
   */
  adoptBackground(bg: Background, built: readonly { path: string; size: number; skipped?: string; hash?: string }[], result: AnalysisResult, ms: number): boolean {
    if (this.background !== bg) return false;
    this.background = undefined;
    if (bg.engineEpoch !== this.engineEpoch) return false;
    const next = bg.ws;
    for (const b of built) if (!this.open.has(b.path) && !bg.changed.has(b.path)) this.noteIndexed(b.path, b.size, b.skipped, b.hash);
    if (bg.configVersion !== this.configVersion) next.setConfig(this.config);
    for (const p of bg.changed) {
      const t = this.known.has(p) ? this.textOf(p) : undefined;
      if (t !== undefined) next.setFile(p, t); else next.removeFile(p);
    }
    this.ws = next;
    this.dirtyPaths.clear();
    if (bg.changed.size > 0 || bg.configVersion !== this.configVersion) {
      this.markDirty();
      this.flush();
      return true;
    }
    this.dirty = false;
    this.analysed(this.generation, bg.versions, result, ms);
    return true;
  }

  /** Add a file whose IR was built elsewhere (worker thread, IR cache). */
  addIR(p: string, ir: FileIR, size: number, skipped?: string, hash?: string): void {
    if (this.open.has(p)) return;
    this.noteIndexed(p, size, skipped, hash);
    this.ws.setFileIR(p, ir, size, skipped);
    this.markDirty();
  }
  /** `p` is known by its indexed IR (what the simulation worker loads: takeWorkerSync). */
  private noteIndexed(p: string, size: number, skipped?: string, hash?: string): void {
    this.known.add(p);
    this.dirtyPaths.delete(p);
    this.workerDirty.add(p);
    this.indexed.set(p, { size, skipped, hash: hash || undefined });
  }
  knownFiles(): string[] { return [...this.known]; }
  inWorkspace(p: string): boolean {
    return this.roots.some((r) => p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  }

  private touch(p: string): void {
    this.background?.changed.add(p);
    this.known.add(p);
    this.dirtyPaths.add(p);
    this.workerDirty.add(p);
    this.indexed.delete(p);
    this.markDirty();
  }

  /**
   * What the simulation worker needs to reproduce the current analysis:
   * the paths changed since the previous call (every path when `full`, for
   * a new worker; order does not matter, both Workspaces analyse in path
   * order), the engine options and the
   * .lockorder text. Call only when the last analysis covers every change
   * (generation == analyzedGeneration): then the texts here are the texts it
   * analysed.
   */
  takeWorkerSync(full: boolean): { files: SyncItem[]; engine: EngineOptions; config: { file?: string; text?: string }; configVersion: number } {
    const paths = full ? [...new Set([...this.ws.fileList(), ...this.known])] : [...this.workerDirty];
    this.workerDirty.clear();
    const files = paths.map((p): SyncItem => {
      if (!this.known.has(p)) return { kind: 'remove', path: p };
      const o = this.open.get(p);
      if (o) return { kind: 'text', path: p, text: o.text };
      const ix = this.indexed.get(p);
      return ix ? { kind: 'ir', path: p, ...ix } : { kind: 'disk', path: p };
    });
    const o = workspaceOptions(this.settings);
    const engine: EngineOptions = { budget: { steps: o.budget!.steps, statesPerNode: o.budget!.statesPerNode }, maxFileBytes: o.maxFileBytes!, disabledRules: [...o.disabledRules ?? []] };
    return { files, engine, config: this.configSource, configVersion: this.configVersion };
  }
  private markDirty(): void {
    this.dirty = true;
    this.generation++;
  }

  // ------------------------------------------------------------ scheduling
  /**
   * Re-analyse after the debounce delay (restarted by each change). Without
   * a delay, right after the pending I/O (changes that arrived together are
   * analysed together) rather than after a timer's minimum of 1 ms.
   */
  schedule(delay = this.settings.debounceMs): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (delay <= 0) this.immediate = setImmediate(() => { this.immediate = undefined; this.flush(); });
    else this.timer = setTimeout(() => { this.timer = undefined; this.flush(); }, delay);
  }

  /** Analyse now if anything changed. */
  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    if (this.immediate) { clearImmediate(this.immediate); this.immediate = undefined; }
    if (!this.dirty) { this.release(); return; }
    const t0 = Date.now();
    const versions = new Map<string, number>();
    for (const [p, o] of this.open) versions.set(p, o.version);
    for (const p of this.dirtyPaths) {
      const text = this.textOf(p);
      if (text === undefined) { this.ws.removeFile(p); this.known.delete(p); } else this.ws.setFile(p, text);
    }
    this.dirtyPaths.clear();
    this.dirty = false;
    const gen = this.generation;
    let result: AnalysisResult;
    try {
      result = this.ws.analyze();
    } catch (e) {
      this.log(`lockorder: analysis failed: ${(e as Error).stack ?? e}`);
      this.analyzedGeneration = gen;
      this.release();
      return;
    }
    this.analysed(gen, versions, result, Date.now() - t0);
  }

  /** An analysis covering generation `gen` and the open documents at `versions` is done: publish it. */
  private analysed(gen: number, versions: ReadonlyMap<string, number>, result: AnalysisResult, ms: number): void {
    this.analyzedGeneration = gen;
    this.analyzedVersions = versions;
    this.stats = { runs: this.stats.runs + 1, lastMs: ms, files: result.files, functions: result.functions, findings: result.findings.length };
    try { this.onAnalyzed(result); } catch (e) { this.log(`lockorder: publishing failed: ${(e as Error).stack ?? e}`); }
    this.release();
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves once the analysis covers every change made so far (flushes a pending debounce). */
  async ready(): Promise<void> {
    // let queued notifications ($/cancelRequest, didChange) be processed first
    await new Promise<void>((r) => setImmediate(r));
    if (this.dirty || this.analyzedGeneration < 0) this.flush();
  }

  // --------------------------------------------------------- configuration
  /** The .lockorder path in force: the setting, else `<first root>/.lockorder`. */
  configPath(): string | undefined {
    const s = this.settings.configPath;
    if (s) return path.isAbsolute(s) ? s : path.resolve(this.roots[0] ?? process.cwd(), s);
    return this.roots.length ? path.join(this.roots[0], '.lockorder') : undefined;
  }

  private configDoc?: { path: string; text: string };
  /** The .lockorder file is open in the editor: its buffer wins over the disk. */
  setConfigDoc(p: string, text: string | undefined): void {
    this.configDoc = text === undefined ? undefined : { path: p, text };
  }
  configOpen(): boolean { return this.configDoc !== undefined && this.configDoc.path === this.configFile; }

  /** Read .lockorder (the open editor buffer wins) and rebuild knowledge. */
  loadConfig(): void {
    const file = this.configPath();
    this.configFile = file;
    let cfg = emptyConfig();
    if (file) {
      const text = this.configDoc?.path === file ? this.configDoc.text : (fs.existsSync(file) ? safeRead(file) : undefined);
      if (text !== undefined) cfg = parseConfig(text, file);
      this.configSource = { file, text };
    } else {
      this.configSource = {};
    }
    this.configVersion++;
    this.config = cfg;
    this.ws.setConfig(cfg);
    this.markDirty();
  }

  /** New settings; rebuilds the engine if its options changed. Returns true if re-analysis is needed. */
  applySettings(next: Settings): boolean {
    const prev = this.settings;
    this.settings = next;
    if (engineChanged(prev, next)) {
      const old = this.ws;
      this.ws = new Workspace(this.engineOptions());
      this.engineEpoch++;
      // parsed IR does not depend on the engine options: carry it over, unless the size limit moved
      for (const p of this.known) {
        const e = old.getFile(p);
        if (e && prev.maxFileSize === next.maxFileSize && !this.dirtyPaths.has(p)) this.ws.setFileIR(p, e.ir, e.size, e.skipped);
        else { this.dirtyPaths.add(p); this.workerDirty.add(p); this.indexed.delete(p); }
      }
      if (prev.configPath !== next.configPath) this.loadConfig();
      this.markDirty();
      return true;
    }
    return JSON.stringify(prev) !== JSON.stringify(next);
  }
}

function safeRead(p: string): string | undefined {
  try { return fs.readFileSync(p, 'utf8'); } catch { return undefined; }
}
