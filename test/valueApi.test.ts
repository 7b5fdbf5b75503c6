// Calls that keep the low bit of an integer passed by address (model/valueApi.ts), and `.lockorder`
// keeps-parity, which adds to them. The dataflow's use of it is test-fixtures/balance/fp-seq-parity.c
// (built in) and test-fixtures/value-api (declared in the fixture's .lockorder).
import * as assert from 'assert';
import { parseConfig } from '../server/src/model/config';
import { Knowledge } from '../server/src/model/knowledge';

describe('value APIs (keeps-parity)', () => {
  it('.lockorder keeps-parity adds a call; malformed lines are errors; the built-in ones stay', () => {
    const cfg = parseConfig([
      'keeps-parity toy_seqbegin arg=1',
      'keeps-parity toy_two arg=0 arg=2',
      'keeps-parity toy_none',
      'keeps-parity toy_bad arg=x',
      'keeps-parity 9lives arg=1',
    ].join('\n'), '.lockorder');
    assert.deepStrictEqual(cfg.valueApis, [{ name: 'toy_seqbegin', keepsParity: [1] }, { name: 'toy_two', keepsParity: [0, 2] }]);
    assert.deepStrictEqual(cfg.errors.map((e) => e.line), [3, 4, 5]);
    assert.match(cfg.errors[1].message, /arg=N/);
    const know = new Knowledge(cfg);
    assert.deepStrictEqual(know.keepsParity('toy_seqbegin'), [1]);
    assert.deepStrictEqual(know.keepsParity('toy_two'), [0, 2]);
    assert.deepStrictEqual(know.keepsParity('read_seqbegin_or_lock'), [1]);
    assert.strictEqual(know.keepsParity('toy_none'), undefined);
    assert.strictEqual(new Knowledge().keepsParity('toy_seqbegin'), undefined);
  });
});
