// A FunctionIR with only what the Resolver reads (parameters, locals, aliases): for unit tests of
// lock naming and classing without parsing C.
import type { FunctionIR } from '../server/src/analysis/ir';

export const pos = { line: 0, col: 0, endLine: 0, endCol: 0 };

export function fnWith(params: { name: string; type: string }[], locals: Record<string, string> = {}, aliases: Record<string, string> = {}): FunctionIR {
  return { name: 'f', pos, namePos: pos, bodyPos: pos, isStatic: false, params: params.map((p) => ({ ...p, pointer: true })), locals, aliases, annotations: [], nodes: [], entry: 0, exit: 0 } as unknown as FunctionIR;
}
