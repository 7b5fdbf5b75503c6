// worker_threads entry of the batch IR builder (batch.ts): builds one file's
// FileIR per message and posts it back as JSON text. Bundled to
// dist/worker.js for the CLI and the language server; compiled to
// out/server/src/analysis/worker.js for the tests.
import { parentPort, workerData } from 'worker_threads';
import { buildOneFile, FileJobSettings } from './batch';
import { DiskCache } from './cache';

const settings = workerData as FileJobSettings;
const cache = settings.cacheEnabled ? new DiskCache({ dir: settings.cacheDir, enabled: true }) : undefined;

parentPort?.on('message', (m: { i: number; path: string }) => {
  const r = buildOneFile(m.path, settings, cache, true);
  delete r.ir;
  parentPort!.postMessage({ i: m.i, ...r });
});
