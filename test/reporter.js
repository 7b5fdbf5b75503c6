// Mocha's spec reporter, plus the runner's own counts appended to the file
// named by $LOCKORDER_TEST_STATS (one JSON line per run) so .ci/run can print
// the plain closing line "N passed, N failed".
'use strict';
const Mocha = require('mocha');
const fs = require('fs');

class CountingSpec extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.LOCKORDER_TEST_STATS;
      if (!file) return;
      const s = runner.stats || {};
      fs.appendFileSync(file, JSON.stringify({ passes: s.passes || 0, failures: s.failures || 0, pending: s.pending || 0 }) + '\n');
    });
  }
}
module.exports = CountingSpec;
