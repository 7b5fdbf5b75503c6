// Bundles the CLI, the language server (and its simulation worker), the
// analysis worker and the VS Code client into dist/.
// tree-sitter and tree-sitter-c are native (N-API) modules and stay external;
// `vscode` is provided by the editor at run time.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: true,
  external: ['tree-sitter', 'tree-sitter-c', 'vscode'],
  logLevel: 'warning',
};

const bundles = [
  ['server/src/cli/main.ts', 'dist/cli.js'],
  ['server/src/lsp/main.ts', 'dist/server.js'],
  ['server/src/analysis/worker.ts', 'dist/worker.js'],
  // the language server's simulation worker (the server bundle can serve as its script too: lsp/crossCheckClient.ts)
  ['server/src/lsp/crossCheckWorker.ts', 'dist/crossCheckWorker.js'],
  ['client/src/extension.ts', 'dist/client.js'],
];

await Promise.all(bundles
  .filter(([entry]) => existsSync(entry))
  .map(([entry, outfile]) => esbuild.build({ ...common, entryPoints: [entry], outfile })));
