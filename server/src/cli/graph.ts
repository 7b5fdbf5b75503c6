// `lockorder graph PATH... --format dot|json`
import * as fs from 'fs';
import { Workspace } from '../analysis/workspace';
import { buildGraph, graphToDot } from '../analysis/graph';
import type { Io } from './main';
import { collectFiles, loadConfig, UsageError } from './main';

export async function runGraph(argv: string[], io: Io): Promise<number> {
  let format: 'dot' | 'json' = 'dot';
  let config: string | undefined;
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => { const eq = a.indexOf('='); if (eq >= 0) return a.slice(eq + 1); const v = argv[++i]; if (v === undefined) throw new UsageError(`${a} needs a value`); return v; };
    if (a === '--format' || a.startsWith('--format=')) {
      const v = value();
      if (v !== 'dot' && v !== 'json') throw new UsageError(`unknown graph format "${v}" (dot or json)`);
      format = v;
    } else if (a === '--config' || a.startsWith('--config=')) config = value();
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else paths.push(a);
  }
  if (paths.length === 0) throw new UsageError('no PATH given');
  const ws = new Workspace({ config: loadConfig(config, io.err) });
  for (const f of collectFiles(paths)) ws.setFile(f, fs.readFileSync(f, 'utf8'));
  const g = buildGraph(ws.analyze());
  io.out(format === 'json' ? JSON.stringify(g, null, 2) + '\n' : graphToDot(g));
  return 0;
}
