// Engine findings -> LSP diagnostics, published per file. Only files whose
// diagnostics changed are re-sent; files that no longer have any are cleared.
import { Connection, Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node';
import type { Finding } from '../analysis/diagnostic';
import type { ConfigError } from '../model/config';
import type { Settings } from './settings';
import { pathToUri } from './uris';

export const RULE_DOC_BASE = 'https://github.com/lockorder/lockorder#rule-';

const SEV: Record<string, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information, hint: DiagnosticSeverity.Hint,
};

/** Engine positions are 0-based already; an empty range is widened to one character so editors show it. */
export function toRange(p: { line: number; col: number; endLine: number; endCol: number }): Diagnostic['range'] {
  const end = p.endLine > p.line || (p.endLine === p.line && p.endCol > p.col) ? { line: p.endLine, character: p.endCol } : { line: p.line, character: p.col + 1 };
  return { start: { line: p.line, character: p.col }, end };
}

/** One finding as a diagnostic, or undefined when the settings hide its rule. */
export function toDiagnostic(f: Finding, s: Settings, uriOf: (p: string) => string): Diagnostic | undefined {
  if (s.disabledRules.includes(f.rule)) return undefined;
  const sev = s.severity[f.rule] ?? f.severity;
  if (sev === 'off') return undefined;
  const d: Diagnostic = {
    range: toRange(f.pos),
    severity: SEV[sev] ?? DiagnosticSeverity.Warning,
    code: f.rule,
    codeDescription: { href: RULE_DOC_BASE + f.rule },
    source: 'lockorder',
    message: f.simulation === 'confirmed' ? `${f.message} [simulation confirmed: ${f.simulationDetail ?? 'deadlock'}]`
      : f.simulationDetail ? `${f.message} [simulation ${f.simulationDetail}]` : f.message,
    data: { rule: f.rule, function: f.function, line: f.pos.line, col: f.pos.col, simulation: f.simulation },
  };
  if (f.related.length) {
    d.relatedInformation = f.related.map((r) => ({ location: { uri: uriOf(r.file), range: toRange(r.pos) }, message: r.message }));
  }
  return d;
}

export class DiagnosticsPublisher {
  /** uri -> JSON of what was last sent */
  private readonly sent = new Map<string, string>();
  /** documents whose URI the client chose (kept to publish under the same spelling) */
  readonly clientUris = new Map<string, string>();

  constructor(private readonly conn: Connection) {}

  /** file URIs made from paths (pathToFileURL costs microseconds, and a whole indexed fs/ is 2,300 files) */
  private readonly uris = new Map<string, string>();

  uriOf = (p: string): string => {
    const c = this.clientUris.get(p);
    if (c !== undefined) return c;
    let u = this.uris.get(p);
    if (u === undefined) { u = pathToUri(p); this.uris.set(p, u); }
    return u;
  };

  /**
   * Publish the diagnostics of every file with findings, clear those of
   * files that had some and have none now (also files the engine no longer
   * knows), and publish config errors.
   */
  publish(findings: readonly Finding[], s: Settings, configErrors: readonly ConfigError[] = [], configFile?: string): { counts: Record<string, number> } {
    const byUri = new Map<string, Diagnostic[]>();
    const counts: Record<string, number> = { error: 0, warning: 0, information: 0, hint: 0 };
    if (s.enable) {
      for (const f of findings) {
        const d = toDiagnostic(f, s, this.uriOf);
        if (!d) continue;
        const uri = this.uriOf(f.file);
        let l = byUri.get(uri);
        if (!l) { l = []; byUri.set(uri, l); }
        l.push(d);
        const name = d.severity === 1 ? 'error' : d.severity === 2 ? 'warning' : d.severity === 3 ? 'information' : 'hint';
        counts[name]++;
      }
    }
    if (configFile) {
      const uri = this.uriOf(configFile);
      byUri.set(uri, configErrors.map((e) => ({
        range: { start: { line: e.line - 1, character: 0 }, end: { line: e.line - 1, character: 1000 } },
        severity: DiagnosticSeverity.Error, source: 'lockorder', code: 'config', message: `${e.message} (line ignored; built-in knowledge still applies)`,
      })));
    }
    for (const [uri, diags] of byUri) this.send(uri, diags);
    for (const uri of [...this.sent.keys()]) if (!byUri.has(uri)) this.send(uri, []);
    return { counts };
  }

  private send(uri: string, diagnostics: Diagnostic[]): void {
    const key = JSON.stringify(diagnostics);
    const prev = this.sent.get(uri);
    if (prev === key) return;
    if (diagnostics.length === 0 && prev === undefined) return;
    if (diagnostics.length === 0) this.sent.delete(uri); else this.sent.set(uri, key);
    void this.conn.sendDiagnostics({ uri, diagnostics });
  }
}
