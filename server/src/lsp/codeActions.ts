// Code actions: the lock-leak fixes and __must_hold annotations computed and
// validated by analysis/query.ts, as workspace edits.
import { CodeAction, CodeActionKind, CodeActionParams, Diagnostic, TextEdit } from 'vscode-languageserver/node';
import { annotationFixes, leakFixes, SourceFix } from '../analysis/query';
import type { Session } from './session';

function toEdit(e: SourceFix['edits'][number]): TextEdit {
  return { range: { start: { line: e.line, character: e.col }, end: { line: e.endLine, character: e.endCol } }, newText: e.newText };
}

function toAction(uri: string, fix: SourceFix, diags: Diagnostic[]): CodeAction {
  return {
    title: fix.title,
    kind: fix.kind === 'quickfix' ? CodeActionKind.QuickFix : CodeActionKind.Refactor,
    diagnostics: diags.length ? diags : undefined,
    isPreferred: fix.preferred,
    edit: { changes: { [uri]: fix.edits.map(toEdit) } },
  };
}

export function codeActions(session: Session, file: string, text: string, params: CodeActionParams): CodeAction[] {
  const out: CodeAction[] = [];
  const findings = session.ws.lastResult?.findings ?? [];
  const only = params.context.only;
  if (only && !only.some((k) => k === CodeActionKind.QuickFix || k.startsWith(CodeActionKind.QuickFix) || k === CodeActionKind.Empty)) return out;
  for (const d of params.context.diagnostics) {
    if (d.source !== 'lockorder' || d.code !== 'lock-leak') continue;
    const f = findings.find((x) => x.file === file && x.rule === 'lock-leak' && x.pos.line === d.range.start.line && x.pos.col === d.range.start.character);
    if (!f) continue;
    for (const fix of leakFixes(session.ws, file, text, f)) out.push(toAction(params.textDocument.uri, fix, [d]));
  }
  // leak findings under the cursor even when the client sent no diagnostics (Neovim without context)
  if (params.context.diagnostics.length === 0) {
    const r = params.range;
    for (const f of findings) {
      if (f.file !== file || f.rule !== 'lock-leak' || f.pos.line < r.start.line || f.pos.line > r.end.line) continue;
      for (const fix of leakFixes(session.ws, file, text, f)) out.push(toAction(params.textDocument.uri, fix, []));
    }
  }
  for (const fix of annotationFixes(session.ws, file, text, params.range.start.line, params.range.start.character)) {
    out.push(toAction(params.textDocument.uri, fix, []));
  }
  return out;
}
