// One worker thread, with the lifecycle every worker of lockorder needs (the
// whole-tree pools, batch.ts: one file per message, parallel.ts: batches of
// call-graph components; the language server's simulation worker,
// lsp/crossCheckClient.ts: a cross-check and the simulate commands in flight):
// work in flight is remembered in the order it was sent, a
// timer runs while anything is in flight (restarted by every reply), and a
// crash, an exit, a failed postMessage or a silence longer than the timeout
// all end the worker the same way: it is terminated once and its owner is
// told which work it lost. The owner decides what to do with that work
// (retry elsewhere, run it on the main thread, report it); the slot never
// throws and never calls back after it has failed or been closed.
import { ResourceLimits, Worker } from 'worker_threads';

export interface SlotHandlers<W, R> {
  /** a reply, with the work item it answers (see `take`) */
  reply(work: W, reply: R): void;
  /** the worker is gone (crashed, exited, hung, or could not be messaged); `lost`: the work it had, oldest first */
  failed(lost: W[], reason: string, kind: FailureKind): void;
}

/** How a worker ended: `silent` is the only one that says the work in flight was being worked on for the whole timeout. */
export type FailureKind = 'start' | 'crash' | 'exit' | 'silent' | 'send';

export interface SlotOptions<W, R> {
  script: string;
  workerData?: unknown;
  /** posted first (the analysis pool's tables) */
  init?: unknown;
  /** in-flight work with no reply for this long ends the worker */
  timeoutMs: number;
  /** which in-flight item a reply answers (default: the oldest; workers answer in order); undefined: none (ignored) */
  take?: (inFlight: readonly W[], reply: R) => number | undefined;
  resourceLimits?: ResourceLimits;
  /** a background worker: neither it nor its timer keeps the process alive */
  unref?: boolean;
}

export class WorkerSlot<W, R> {
  private readonly worker: Worker | undefined;
  private readonly pending: W[] = [];
  private timer?: NodeJS.Timeout;
  /** failed or closed: takes no more work */
  private over = false;
  /** closed by the owner: tells it nothing more */
  private closed = false;

  constructor(private readonly opts: SlotOptions<W, R>, private readonly on: SlotHandlers<W, R>) {
    let worker: Worker | undefined;
    try {
      worker = new Worker(opts.script, { workerData: opts.workerData, stdout: false, stderr: false, resourceLimits: opts.resourceLimits });
      if (opts.unref) worker.unref();
      if (opts.init !== undefined) worker.postMessage(opts.init);
    } catch (e) {
      // reported on the next tick, so the owner has its slot in hand when it hears of the failure
      void worker?.terminate().catch(() => undefined);
      worker = undefined;
      this.failSoon(`worker could not start: ${(e as Error).message}`, 'start');
    }
    this.worker = worker;
    if (!worker) return;
    worker.on('message', (m: R) => this.onMessage(m));
    worker.on('error', (e: Error) => this.fail(`worker crashed: ${e.stack ?? e.message}`, 'crash'));
    worker.on('exit', (code) => this.fail(`worker exited with code ${code}`, 'exit'));
  }

  /** Still usable (not failed, not closed). */
  get alive(): boolean { return !this.over; }
  /** Work sent and not answered, oldest first. */
  get inFlight(): readonly W[] { return this.pending; }

  /**
   * Send one piece of work. True: the slot took it, and it will come back
   * through reply() or failed() (also when the worker could not start or the
   * message cannot be posted). False: the slot had already failed or been
   * closed and did not take it.
   */
  send(work: W, message: unknown): boolean {
    if (this.over) return false;
    try {
      this.worker!.postMessage(message);
    } catch (e) {
      // not cloneable (a bug) or the port is closed: this work never reached the worker
      this.pending.push(work);
      this.failSoon(`could not send work to the worker: ${(e as Error).message}`, 'send');
      return true;
    }
    this.pending.push(work);
    this.arm();
    return true;
  }

  /** Terminate without telling the owner (it is done with this worker); in-flight work is dropped. */
  close(): void {
    this.closed = true;
    if (this.over) return;
    this.over = true;
    this.stop();
  }

  private onMessage(m: R): void {
    if (this.over) return;
    const k = this.opts.take ? this.opts.take(this.pending, m) : (this.pending.length ? 0 : undefined);
    if (k === undefined) return; // an answer to work already given up on
    const [work] = this.pending.splice(k, 1);
    this.arm();
    this.on.reply(work, m);
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length && !this.over) {
      this.timer = setTimeout(() => this.fail(`no result after ${Math.round(this.opts.timeoutMs / 1000)} s (worker terminated)`, 'silent'), this.opts.timeoutMs);
      if (this.opts.unref) this.timer.unref();
    }
  }

  /** A failure the worker reported (an event): the owner hears of it now. */
  private fail(reason: string, kind: FailureKind): void {
    if (this.over) return;
    this.over = true;
    this.stop();
    this.on.failed(this.pending.splice(0), reason, kind);
  }

  /** A failure met while the owner is calling in (constructor, send): it hears of it on the next tick, not re-entrantly. */
  private failSoon(reason: string, kind: FailureKind): void {
    this.over = true;
    this.stop();
    setImmediate(() => { if (!this.closed) this.on.failed(this.pending.splice(0), reason, kind); });
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    void this.worker?.terminate().catch(() => undefined);
  }
}
