// Inlay hints: the held set after each lock-changing statement, at the end of its line.
import { InlayHint, InlayHintKind } from 'vscode-languageserver/node';
import { heldHints } from '../analysis/query';
import type { Session } from './session';

export function inlayHints(session: Session, file: string, fromLine: number, toLine: number, text: string | undefined): InlayHint[] {
  if (!session.settings.inlayHints.enabled || !session.settings.enable) return [];
  const lines = text?.split('\n');
  const out: InlayHint[] = [];
  let lastLine = -1;
  for (const h of heldHints(session.ws, file, fromLine, toLine)) {
    // several lock calls on one line: one hint, the state after the last
    const lineLen = lines?.[h.line]?.replace(/\r$/, '').length;
    const col = lineLen !== undefined ? Math.max(lineLen, h.col) : h.col;
    const hint: InlayHint = { position: { line: h.line, character: col }, label: h.label, kind: InlayHintKind.Type, paddingLeft: true, tooltip: `lockorder: locks held after this statement in ${h.fn}()` };
    if (h.line === lastLine) out[out.length - 1] = hint; else out.push(hint);
    lastLine = h.line;
  }
  return out;
}
