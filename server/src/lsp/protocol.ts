// lockorder's own LSP notifications, as types: the one definition the server
// sends and the VS Code client (client/src/status.ts, type-only import, no
// run-time code crosses) reads. Other editors see them as documented here.

/** `lockorder/status`: sent after each analysis and while indexing. */
export interface StatusParams {
  state: 'starting' | 'indexing' | 'idle';
  indexed: number;
  total: number;
  files: number;
  functions: number;
  counts: Record<string, number>;
  lastAnalysisMs: number;
  /** the version of each open document (by URI) the analysis these counts come from saw */
  versions?: Record<string, number>;
}
