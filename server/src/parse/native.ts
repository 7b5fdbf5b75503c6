// The native tree reader (native/tree_dump.c): tree-sitter parses a file and
// the whole tree comes back as typed arrays in one call, instead of one
// crossing into native code per node property through node-tree-sitter's
// cursor. The grammar is tree-sitter-c's, the runtime tree-sitter's, so the
// tree is the one parseC() gives; its nodes are LiteNodes (parse/lite.ts).
//
// The addon is built at `npm install` (node-gyp; `npm run build:native`). When
// it is missing or fails to load, or LOCKORDER_NATIVE=0, nativeParse() says
// so with undefined and callers parse with node-tree-sitter as before.
import * as fs from 'fs';
import * as path from 'path';
import { learnGrammar, LiteArrays, LiteNode, liteRoot } from './lite';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const CLanguage = require('tree-sitter-c') as { language: unknown };

interface Addon {
  parse(language: unknown, text: string, leaf: Uint8Array, base?: number): (LiteArrays & { count: number }) | null;
  grammar(language: unknown): { names: string[]; named: boolean[]; fields: (string | undefined)[] };
}

const ADDON = path.join('native', 'build', 'Release', 'lockorder_tree.node');
let loaded: { addon: Addon; leaf: Uint8Array } | null | undefined;
let loadError: string | undefined;

/** The addon's path: native/ at the package root, found upwards from this file (out/…, dist/). */
function addonPath(): string | undefined {
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const p = path.join(dir, ADDON);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

function load(): typeof loaded {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.LOCKORDER_NATIVE === '0') { loadError = 'disabled by LOCKORDER_NATIVE=0'; return loaded; }
  const p = addonPath();
  if (!p) { loadError = `${ADDON} not built (npm run build:native)`; return loaded; }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = require(p) as Addon;
    const leaf = learnGrammar(addon.grammar(CLanguage.language));
    loaded = { addon, leaf };
  } catch (err) {
    loadError = `${p}: ${(err as Error).message}`;
  }
  return loaded;
}

/** Whether the native reader is in use, and if not, why. */
export function nativeStatus(): { active: boolean; reason?: string } {
  return load() ? { active: true } : { active: false, reason: loadError };
}

/**
 * `source` parsed by tree-sitter, as the lite root node of the whole file, or
 * undefined when the native reader is not available (or gave no tree). With
 * `range`, only that part of the source is parsed, as tree-sitter parses it
 * as an included range (node-tree-sitter's `includedRanges`): the tree of the
 * part on its own, with the offsets of the whole source. Only that part is
 * handed to the addon.
 */
export function nativeParse(source: string, range?: { start: number; end: number }): LiteNode | undefined {
  const l = load();
  if (!l) return undefined;
  const arrays = l.addon.parse(CLanguage.language, range ? source.slice(range.start, range.end) : source, l.leaf, range?.start);
  return arrays ? liteRoot(source, arrays) : undefined;
}
