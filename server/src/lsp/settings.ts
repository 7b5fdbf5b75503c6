// `lockorder.*` settings: defaults, validation of whatever the client sends
// (VS Code sends the whole section; Neovim may send null), and the Workspace
// options they map to.
import type { WorkspaceOptions } from '../analysis/workspace';
import { DEFAULT_BUDGET } from '../analysis/dataflow';
import { DEFAULT_MAX_FILE_BYTES } from '../analysis/workspace';

export type SeveritySetting = 'error' | 'warning' | 'information' | 'hint' | 'off';

export interface Settings {
  enable: boolean;
  /** rules turned off */
  disabledRules: string[];
  /** per-rule severity override ("off" hides the rule) */
  severity: Record<string, SeveritySetting>;
  /** path of the .lockorder file; relative paths are against the first workspace folder */
  configPath: string;
  budget: { steps: number; statesPerNode: number };
  inlayHints: { enabled: boolean };
  /** files larger than this are not analysed */
  maxFileSize: number;
  /** delay between the last edit and re-analysis */
  debounceMs: number;
  /** index every .c/.h file of the workspace folders in the background */
  indexWorkspace: boolean;
  /** upper bound on files indexed */
  maxIndexedFiles: number;
}

export const DEFAULT_SETTINGS: Settings = {
  enable: true,
  disabledRules: [],
  severity: {},
  configPath: '',
  budget: { steps: DEFAULT_BUDGET.steps, statesPerNode: DEFAULT_BUDGET.statesPerNode },
  inlayHints: { enabled: true },
  maxFileSize: DEFAULT_MAX_FILE_BYTES,
  debounceMs: 300,
  indexWorkspace: true,
  maxIndexedFiles: 50_000,
};

const SEVERITIES = new Set(['error', 'warning', 'information', 'hint', 'off']);

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function num(v: unknown, dflt: number, min: number, max: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.floor(v))) : dflt;
}

/** Settings from an untrusted `lockorder` section (dotted keys and nested objects both accepted). */
export function parseSettings(raw: unknown): Settings {
  const r = obj(raw);
  // accept flat dotted keys too: {"inlayHints.enabled": false}
  const get = (path: string): unknown => {
    if (path in r) return r[path];
    let cur: unknown = r;
    for (const part of path.split('.')) cur = obj(cur)[part];
    return cur;
  };
  const bool = (path: string, d: boolean): boolean => { const v = get(path); return typeof v === 'boolean' ? v : d; };
  const disabled = get('disabledRules');
  const severity: Record<string, SeveritySetting> = {};
  for (const [k, v] of Object.entries(obj(get('severity')))) if (typeof v === 'string' && SEVERITIES.has(v)) severity[k] = v as SeveritySetting;
  const d = DEFAULT_SETTINGS;
  return {
    enable: bool('enable', d.enable),
    disabledRules: Array.isArray(disabled) ? disabled.filter((x): x is string => typeof x === 'string') : [],
    severity,
    configPath: typeof get('configPath') === 'string' ? (get('configPath') as string) : '',
    budget: {
      steps: num(get('budget.steps'), d.budget.steps, 1_000, 100_000_000),
      statesPerNode: num(get('budget.statesPerNode'), d.budget.statesPerNode, 8, 1_000_000),
    },
    inlayHints: { enabled: bool('inlayHints.enabled', d.inlayHints.enabled) },
    maxFileSize: num(get('maxFileSize'), d.maxFileSize, 1024, 1 << 30),
    debounceMs: num(get('debounceMs'), d.debounceMs, 0, 60_000),
    indexWorkspace: bool('indexWorkspace', d.indexWorkspace),
    maxIndexedFiles: num(get('maxIndexedFiles'), d.maxIndexedFiles, 0, 10_000_000),
  };
}

/** Do two settings need a new Workspace (engine options) rather than just re-publishing? */
export function engineChanged(a: Settings, b: Settings): boolean {
  return a.budget.steps !== b.budget.steps || a.budget.statesPerNode !== b.budget.statesPerNode ||
    a.maxFileSize !== b.maxFileSize || a.disabledRules.join() !== b.disabledRules.join() || a.configPath !== b.configPath;
}

export function workspaceOptions(s: Settings): WorkspaceOptions {
  return {
    keepStates: true,
    budget: { steps: s.budget.steps, statesPerNode: s.budget.statesPerNode },
    maxFileBytes: s.maxFileSize,
    disabledRules: new Set(s.disabledRules),
  };
}
