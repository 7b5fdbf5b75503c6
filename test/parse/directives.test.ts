// `lockorder:` comments (declared orders written in the source): the file IR
// finds them from the occurrences of `lockorder:`, and must find exactly what
// the documented pattern matches, including the corner cases of a multiline
// `$` (\r, U+2028), `//*`, comments that run into each other and directives
// inside another directive's text.
import * as assert from 'assert';
import fc from 'fast-check';
import { buildFileIR } from '../../server/src/analysis/fileir';
import { LineIndex } from '../../server/src/parse/parser';

function byPattern(text: string): unknown[] {
  const lines = new LineIndex(text);
  const out: unknown[] = [];
  const re = /(?:\/\*|\/\/)\s*lockorder:([^\n]*?)(?:\*\/|$)/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const s = lines.position(m.index + m[0].indexOf('lockorder:'));
    const e = lines.position(m.index + m[0].length);
    out.push({ text: m[1].trim(), pos: { line: s.line, col: s.col, endLine: e.line, endCol: e.col } });
  }
  return out;
}

describe('lockorder: directives in comments', () => {
  it('a file\'s directives are what the pattern matches', () => {
    const pieces = ['/*', '*/', '//', ' ', '\n', '\r', '\t', 'lockorder:', 'A -> B', 'x;', '\u2028', '/', '*', 'lockorder', ':'];
    fc.assert(fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 16 }), (parts) => {
      const text = `${parts.join('')}\n;`;
      assert.deepStrictEqual(buildFileIR('d.c', text).ir.directives, byPattern(text));
    }), { numRuns: 3000, seed: 3 });
  });

  it('finds both forms with their positions', () => {
    const text = 'int a;\n/* lockorder: inode.i_rwsem -> mm_struct.mmap_lock */\nint b; // lockorder: a -> b\n';
    assert.deepStrictEqual(buildFileIR('d.c', text).ir.directives.map((d) => [d.text, d.pos.line, d.pos.col]),
      [['inode.i_rwsem -> mm_struct.mmap_lock', 1, 3], ['a -> b', 2, 10]]);
  });
});
