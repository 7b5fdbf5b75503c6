// Canonical text of C expressions: the form lock instances are compared in.
// `&(fi)->i_mmap_sem`, `& fi->i_mmap_sem` and `&((struct fuse_inode *)fi)->i_mmap_sem`
// all become `&fi->i_mmap_sem`.
import type { CNode } from './lite';

/** Nesting beyond this is taken as written (stripped text): pathological input must not overflow the stack. */
const MAX_CANON_DEPTH = 200;

export function canon(node: CNode | null | undefined, depth = 0): string {
  if (!node) return '';
  if (depth > MAX_CANON_DEPTH) return stripText(node.text);
  switch (node.type) {
    case 'parenthesized_expression': {
      const inner = node.namedChildren.find((c) => c.type !== 'comment');
      if (inner && inner.type !== 'compound_statement') return canon(inner, depth + 1);
      break;
    }
    case 'cast_expression':
      return canon(node.childForFieldName('value'), depth + 1);
    case 'pointer_expression': {
      const op = node.child(0)?.text ?? '';
      return op + canon(node.childForFieldName('argument'), depth + 1);
    }
    case 'field_expression': {
      const arg = node.childForFieldName('argument');
      const field = node.childForFieldName('field');
      const op = node.children.find((c) => c.type === '->' || c.type === '.')?.type ?? '->';
      let base = canon(arg, depth + 1);
      if (arg && (arg.type === 'binary_expression' || arg.type === 'conditional_expression' || arg.type === 'unary_expression')) base = `(${base})`;
      return `${base}${op}${field?.text ?? ''}`;
    }
    case 'call_expression': {
      const fn = node.childForFieldName('function');
      const args = node.childForFieldName('arguments');
      const parts = args ? args.namedChildren.filter((c) => c.type !== 'comment').map((c) => canon(c, depth + 1)) : [];
      return `${canon(fn, depth + 1)}(${parts.join(',')})`;
    }
    case 'identifier':
    case 'field_identifier':
    case 'number_literal':
    case 'true':
    case 'false':
    case 'null':
      return node.text;
    default:
      break;
  }
  return stripText(node.text);
}

/** Remove comments and all white space from expression text. */
export function stripText(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '').replace(/\s+/g, '');
}

/** Remove a leading `&` and redundant parentheses: the object a lock expression names. */
export function lockObject(expr: string): string {
  let e = expr.trim();
  for (;;) {
    if (e.startsWith('&')) { e = e.slice(1); continue; }
    if (e.startsWith('(') && matchingParen(e, 0) === e.length - 1) { e = e.slice(1, -1); continue; }
    break;
  }
  return e;
}

function matchingParen(s: string, open: number): number {
  let d = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') d++;
    else if (s[i] === ')') { d--; if (d === 0) return i; }
  }
  return -1;
}

/** Identifiers used as variables in an expression text (not fields after -> or ., not ALL_CAPS constants, not callees). */
export function exprVars(text: string): string[] {
  const out = new Set<string>();
  const re = /(->|\.)?\s*([A-Za-z_]\w*)(\s*\()?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[1]) continue; // field
    if (m[3]) continue; // callee
    const id = m[2];
    if (/^[A-Z0-9_]+$/.test(id)) continue;
    if (id === 'sizeof' || id === 'NULL' || id === 'true' || id === 'false') continue;
    out.add(id);
  }
  return [...out];
}

/** The root variable of an access path: `fi->inode.i_rwsem` -> `fi`. */
export function rootVar(expr: string): string | undefined {
  const m = /^[&*(\s]*([A-Za-z_]\w*)/.exec(expr);
  return m ? m[1] : undefined;
}
