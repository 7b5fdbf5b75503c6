// The on-disk cache is never trusted: garbage, truncated, corrupted, foreign
// and wrong-shape entries are ignored and rebuilt; it can be disabled (flag,
// environment, option); its location follows XDG; an unwritable cache only
// costs speed. And the batch builder gives the same IR in-process and in
// worker threads, with the size limit applied the same way everywhere.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildTree, skipMessage } from '../../server/src/analysis/batch';
import { CACHE_SCHEMA, cacheDisabledByEnv, contentHash, defaultCacheDir, DiskCache, engineFingerprint, makeEntry, parseEntry } from '../../server/src/analysis/cache';
import { buildFileIR } from '../../server/src/analysis/fileir';
import { Workspace } from '../../server/src/analysis/workspace';
import { collectFiles, main } from '../../server/src/cli/main';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test-fixtures');

function tmpdir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lockorder-${tag}-`));
}

/** Run the CLI in-process; stdout, stderr and the exit status. */
async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) { saved[k] = process.env[k]; if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  let out = '';
  let err = '';
  try {
    const code = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
    return { code, out, err };
  } finally {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  }
}

function cacheFiles(dir: string, kind: string): string[] {
  const root = path.join(dir, `v${CACHE_SCHEMA}`, kind);
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((d) => fs.readdirSync(path.join(root, d)).map((f) => path.join(root, d, f)));
}

describe('robustness: the on-disk cache', function () {
  this.timeout(300_000);

  it('follows XDG: LOCKORDER_CACHE_DIR, else $XDG_CACHE_HOME/lockorder, else ~/.cache/lockorder', () => {
    assert.strictEqual(defaultCacheDir({ LOCKORDER_CACHE_DIR: '/a/b' }), '/a/b');
    assert.strictEqual(defaultCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/lockorder');
    assert.strictEqual(defaultCacheDir({ XDG_CACHE_HOME: 'relative' }), path.join(os.homedir(), '.cache', 'lockorder'));
    assert.strictEqual(defaultCacheDir({}), path.join(os.homedir(), '.cache', 'lockorder'));
    assert.ok(cacheDisabledByEnv({ LOCKORDER_NO_CACHE: '1' }));
    assert.ok(cacheDisabledByEnv({ LOCKORDER_NO_CACHE: 'yes' }));
    assert.ok(!cacheDisabledByEnv({ LOCKORDER_NO_CACHE: '0' }));
    assert.ok(!cacheDisabledByEnv({}));
  });

  it('validates every header field and the checksum', () => {
    const fp = engineFingerprint('ir');
    const key = contentHash('int x;');
    const good = makeEntry('ir', key, fp, '{"a":1}');
    assert.strictEqual(parseEntry(good, 'ir', key, fp), '{"a":1}');
    assert.strictEqual(parseEntry(good, 'run', key, fp), undefined, 'other kind');
    assert.strictEqual(parseEntry(good, 'ir', contentHash('int y;'), fp), undefined, 'other key');
    assert.strictEqual(parseEntry(good, 'ir', key, 'feedfacefeedface'), undefined, 'other engine');
    assert.strictEqual(parseEntry(good.subarray(0, good.length - 1), 'ir', key, fp), undefined, 'truncated');
    const flipped = Buffer.from(good);
    flipped[flipped.length - 2] ^= 1;
    assert.strictEqual(parseEntry(flipped, 'ir', key, fp), undefined, 'bit flip');
    assert.strictEqual(parseEntry(Buffer.from(good.toString('latin1').replace(`LOCKORDER-CACHE ${CACHE_SCHEMA}`, 'LOCKORDER-CACHE 999'), 'latin1'), 'ir', key, fp), undefined, 'other schema');
    for (const junk of ['', '\n', 'garbage', '\0\0\0\0', 'LOCKORDER-CACHE', `LOCKORDER-CACHE ${CACHE_SCHEMA} ir ${fp} ${key} 7 x\n{"a":1}`]) {
      assert.strictEqual(parseEntry(Buffer.from(junk), 'ir', key, fp), undefined, JSON.stringify(junk));
    }
  });

  it('garbage, truncated, foreign and wrong-shape entries are ignored and rebuilt (same findings as without a cache)', async () => {
    const dir = tmpdir('cache');
    const files = collectFiles([FIXTURES]);
    const env = { LOCKORDER_CACHE_DIR: dir, LOCKORDER_NO_CACHE: undefined };
    const base = await cli(['check', '--format', 'json', '--no-simulate', '--no-cache', FIXTURES], env);
    const first = await cli(['check', '--format', 'json', '--no-simulate', FIXTURES], env);
    assert.strictEqual(first.out, base.out);
    const irEntries = cacheFiles(dir, 'ir');
    assert.strictEqual(irEntries.length, files.length, 'one IR entry per file');
    assert.ok(cacheFiles(dir, 'run').length >= 1, 'a run entry');
    // vandalise every entry in a different way
    const fp = engineFingerprint('ir');
    irEntries.forEach((f, i) => {
      const bytes = fs.readFileSync(f);
      switch (i % 6) {
        case 0: fs.writeFileSync(f, 'garbage'); break;
        case 1: fs.writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length / 2))); break;
        case 2: { const b = Buffer.from(bytes); b[b.length - 3] ^= 0x20; fs.writeFileSync(f, b); break; }
        case 3: fs.writeFileSync(f, makeEntry('ir', path.basename(f), 'feedfacefeedface', bytes.toString('utf8').slice(bytes.indexOf(10) + 1))); break;
        case 4: fs.writeFileSync(f, makeEntry('ir', path.basename(f), fp, '{"functions":"not an array"}')); break;
        default: fs.writeFileSync(f, makeEntry('ir', path.basename(f), fp, '[1, 2, 3]')); break;
      }
    });
    for (const f of cacheFiles(dir, 'run')) fs.writeFileSync(f, Buffer.alloc(100, 0));
    const again = await cli(['check', '--format', 'json', '--no-simulate', FIXTURES], env);
    assert.strictEqual(again.out, base.out, 'vandalised cache entries changed the result');
    // and rebuilt: every entry valid again
    for (const f of cacheFiles(dir, 'ir')) assert.notStrictEqual(parseEntry(fs.readFileSync(f), 'ir', path.basename(f), fp), undefined, `${f} not rebuilt`);
    // a valid IR entry keyed by another file's content is never used for this one
    const [a, b] = files;
    const ka = contentHash(fs.readFileSync(a));
    const kb = contentHash(fs.readFileSync(b));
    const ea = path.join(dir, `v${CACHE_SCHEMA}`, 'ir', ka.slice(0, 2), ka);
    const eb = path.join(dir, `v${CACHE_SCHEMA}`, 'ir', kb.slice(0, 2), kb);
    fs.copyFileSync(eb, ea);
    const swapped = await cli(['check', '--format', 'json', '--no-simulate', FIXTURES], env);
    assert.strictEqual(swapped.out, base.out);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--no-cache and LOCKORDER_NO_CACHE=1 write nothing; an unwritable cache dir only costs speed', async () => {
    const dir = tmpdir('nocache');
    await cli(['check', '--no-simulate', '--no-cache', FIXTURES], { LOCKORDER_CACHE_DIR: dir, LOCKORDER_NO_CACHE: undefined });
    await cli(['check', '--no-simulate', FIXTURES], { LOCKORDER_CACHE_DIR: dir, LOCKORDER_NO_CACHE: '1' });
    assert.deepStrictEqual(fs.readdirSync(dir), []);
    const file = path.join(dir, 'not-a-directory');
    fs.writeFileSync(file, 'x');
    const r = await cli(['check', '--format', 'json', '--no-simulate', FIXTURES], { LOCKORDER_CACHE_DIR: file, LOCKORDER_NO_CACHE: undefined });
    const base = await cli(['check', '--format', 'json', '--no-simulate', '--no-cache', FIXTURES], {});
    assert.strictEqual(r.out, base.out);
    assert.strictEqual(r.code, base.code);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a warm run replays the cold run exactly (text, JSON and SARIF)', async () => {
    const dir = tmpdir('warm');
    const env = { LOCKORDER_CACHE_DIR: dir, LOCKORDER_NO_CACHE: undefined };
    for (const format of ['text', 'json', 'sarif']) {
      const cold = await cli(['check', '--format', format, FIXTURES], env);
      const warm = await cli(['check', '--format', format, FIXTURES], env);
      assert.strictEqual(warm.out, cold.out, format);
      assert.strictEqual(warm.err, cold.err, format);
      assert.strictEqual(warm.code, cold.code, format);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('robustness: batch IR building and the size limit', function () {
  this.timeout(300_000);

  it('worker threads, in-process and the cache all give the IR a direct build gives', async () => {
    const files = collectFiles([FIXTURES]);
    const direct = files.map((f) => JSON.stringify(buildFileIR(f, fs.readFileSync(f, 'utf8')).ir));
    const pooled = await buildTree(files, { workers: 2, inProcessBelowBytes: 0 });
    assert.strictEqual(pooled.workers, 2, 'ran in worker threads');
    const local = await buildTree(files, { workers: 0 });
    assert.strictEqual(local.workers, 0);
    const dir = tmpdir('batch');
    const cache = new DiskCache({ dir, enabled: true });
    await buildTree(files, { workers: 2, inProcessBelowBytes: 0, cache });
    const cached = await buildTree(files, { workers: 2, inProcessBelowBytes: 0, cache });
    assert.strictEqual(cached.cacheHits, files.length);
    for (const r of [pooled, local, cached]) {
      assert.deepStrictEqual(r.errors, []);
      assert.deepStrictEqual(r.files.map((f) => JSON.stringify(f.ir)), direct);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--max-file-size: over the limit is one information diagnostic, the same from the CLI and the Workspace', async () => {
    const dir = tmpdir('size');
    const small = path.join(dir, 'small.c');
    const big = path.join(dir, 'big.c');
    fs.writeFileSync(small, 'static DEFINE_MUTEX(m);\nint f(int x)\n{\n\tmutex_lock(&m);\n\tif (x)\n\t\treturn -1;\n\tmutex_unlock(&m);\n\treturn 0;\n}\n');
    fs.writeFileSync(big, `${'/* padding */\n'.repeat(200)}void g(void)\n{\n}\n`);
    const r = await cli(['check', '--format', 'json', '--no-simulate', '--no-cache', '--max-file-size', '1000', dir], {});
    const doc = JSON.parse(r.out) as { files: number; diagnostics: { file: string; rule: string; severity: string; message: string }[] };
    const skipped = doc.diagnostics.filter((d) => d.rule === 'file-skipped');
    assert.strictEqual(skipped.length, 1);
    assert.strictEqual(skipped[0].file, big);
    assert.strictEqual(skipped[0].severity, 'information');
    assert.ok(doc.diagnostics.some((d) => d.file === small && d.rule === 'lock-leak'), 'the small file is analysed');
    const ws = new Workspace({ maxFileBytes: 1000 });
    ws.setFile(big, fs.readFileSync(big, 'utf8'));
    const wsMsg = ws.analyze().findings.find((f) => f.rule === 'file-skipped')?.message;
    assert.strictEqual(skipped[0].message, wsMsg);
    assert.ok(wsMsg!.includes(skipMessage(fs.statSync(big).size, 1000)));
    const bad = await cli(['check', '--max-file-size', 'lots', dir], {});
    assert.strictEqual(bad.code, 2);
    const badJobs = await cli(['check', '--jobs', '-1', dir], {});
    assert.strictEqual(badJobs.code, 2);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
