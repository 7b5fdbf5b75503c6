// worker_threads entry of the whole-tree pools, bundled to dist/worker.js for
// the CLI and the language server and compiled to
// out/server/src/analysis/worker.js for the tests. Two roles, chosen by
// workerData:
//   - IR builder (batch.ts): one file's FileIR per message, posted back as
//     JSON text;
//   - analysis (parallel.ts, workerData.analysis): an `init` message with the
//     workspace tables, then batches of call-graph components, answered
//     with their per-function products.
import { parentPort, workerData } from 'worker_threads';
import { buildOneFile, FileJobSettings } from './batch';
import { DiskCache } from './cache';
import { AnalysisBatch, AnalysisInit, handleAnalysisMessage } from './parallel';

if ((workerData as { analysis?: boolean } | undefined)?.analysis) {
  parentPort?.on('message', (m: AnalysisInit | AnalysisBatch) => {
    const reply = handleAnalysisMessage(m);
    if (reply) parentPort!.postMessage(reply);
  });
} else {
  const settings = workerData as FileJobSettings;
  const cache = settings.cacheEnabled ? new DiskCache({ dir: settings.cacheDir, enabled: true }) : undefined;
  // Each file is built in its own setImmediate turn: tree-sitter frees a
  // parsed tree's native memory from a finalizer that Node runs on the event
  // loop, and a worker that goes straight from one message to the next never
  // gets there (fs/ of Linux 6.12: 2.8 GB peak RSS without it, 0.7 GB with).
  parentPort?.on('message', (m: { i: number; path: string }) => setImmediate(() => {
    const r = buildOneFile(m.path, settings, cache, true);
    delete r.ir;
    parentPort!.postMessage({ i: m.i, ...r });
  }));
}
