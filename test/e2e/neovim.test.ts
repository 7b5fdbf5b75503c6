// Second client: Neovim's built-in LSP client (Debian neovim 0.7) against
// `node bin/lockorder.js lsp --stdio`, headless: diagnostics and a hover.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ARTIFACTS, ROOT, run, timing, which } from './env';

describe('e2e: Neovim built-in LSP client', function () {
  this.timeout(120000);
  const nvim = which('nvim');

  before(function () {
    if (!nvim) {
      // eslint-disable-next-line no-console
      console.log('      SKIPPED: nvim is not installed (apt-get install neovim; listed in .ci/apt-e2e)');
      this.skip();
    }
  });

  it('shows the lock-leak diagnostic and a hover naming the lock (lockorder lsp --stdio)', async () => {
    const ws = path.join(ROOT, 'test-fixtures', 'balance');
    const file = path.join(ws, 'dax-eio-leak.c');
    const t0 = Date.now();
    const r = await run(nvim!, ['--headless', '--clean', '-n', '-c', `luafile ${path.join(ROOT, 'test', 'e2e', 'nvim-lsp.lua')}`], {
      cwd: ws,
      timeoutMs: 60000,
      env: {
        ...process.env,
        E2E_FILE: file, E2E_ROOT: ws,
        E2E_CMD: `${process.execPath} ${path.join(ROOT, 'bin', 'lockorder.js')} lsp --stdio`,
        E2E_HOVER_LINE: '19', E2E_HOVER_COL: '3', E2E_EXPECT_HOVER: 'takes `inode->i_mapping->i_mmap_mutex`',
      },
    });
    timing('neovim: run', Date.now() - t0);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'nvim-lsp.log'), `${r.out}\n--- stderr ---\n${r.err}`);
    assert.strictEqual(r.code, 0, `nvim failed:\n${r.out}\n${r.err}`);
    assert.match(r.out, /^DIAG 28:2 severity=2 source=lockorder code=lock-leak message=inode->i_mapping->i_mmap_mutex .*still held/m);
    assert.match(r.out, /^HOVER \*\*lockorder\*\* · `mutex_lock\(\)` takes `inode->i_mapping->i_mmap_mutex`/m);
    assert.match(r.out, /^HOVER-FLOAT .*i_mmap_mutex/m);
    assert.match(r.out, /^RESULT ok/m);
  });
});
