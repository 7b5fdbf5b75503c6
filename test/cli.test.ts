// The CLI contract of DESIGN.md: JSON shape and exit codes, gcc-style text,
// SARIF 2.1.0 shape, a broken .lockorder reported with file:line while the
// built-ins still apply, and clear errors for bad input.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../server/src/cli/main';
import { TOOL_VERSION } from '../server/src/cli/formats';

const ROOT = path.join(__dirname, '..', '..');
const FIX = path.join(ROOT, 'test-fixtures');

async function run(args: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const prev = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
    return { code, out, err };
  } finally {
    process.chdir(prev);
  }
}

function tmpdir(): string { return fs.mkdtempSync(path.join(os.tmpdir(), 'lockorder-cli-')); }

describe('cli: lockorder check', () => {
  it('--version says the version and whether the native tree reader is in use (and why not)', async () => {
    const r = await run(['--version']);
    assert.strictEqual(r.code, 0);
    assert.strictEqual(r.out, `lockorder ${TOOL_VERSION}\nnative tree reader: on\n`);
    const off = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'lockorder.js'), '--version'], { env: { ...process.env, LOCKORDER_NATIVE: '0' }, encoding: 'utf8' });
    assert.strictEqual(off.stdout, `lockorder ${TOOL_VERSION}\nnative tree reader: off (disabled by LOCKORDER_NATIVE=0)\n`);
  });

  it('JSON matches the contract exactly (keys, 1-based positions, file as given)', async () => {
    const file = path.join(FIX, 'balance', 'dax-eio-leak.c');
    const r = await run(['check', '--format', 'json', '--no-simulate', file]);
    assert.strictEqual(r.code, 1);
    const j = JSON.parse(r.out);
    assert.deepStrictEqual(Object.keys(j), ['version', 'files', 'functions', 'diagnostics']);
    assert.strictEqual(j.version, 1);
    assert.strictEqual(j.files, 1);
    assert.strictEqual(j.functions, 2);
    const d = j.diagnostics[0];
    assert.deepStrictEqual(Object.keys(d), ['file', 'line', 'column', 'endLine', 'endColumn', 'severity', 'rule', 'function', 'message', 'related', 'simulation']);
    assert.strictEqual(d.file, file);
    assert.strictEqual(d.line, 28);
    assert.strictEqual(d.column, 2);
    assert.strictEqual(d.rule, 'lock-leak');
    assert.strictEqual(d.function, 'toy_insert_mapping_buggy');
    assert.strictEqual(d.simulation, 'not-run');
    assert.deepStrictEqual(Object.keys(d.related[0]), ['file', 'line', 'message']);
    assert.strictEqual(d.related[0].line, 19);
  });

  it('simulation field is filled for deadlock findings', async () => {
    const r = await run(['check', '--format', 'json', path.join(FIX, 'abba-two-files')]);
    const j = JSON.parse(r.out);
    assert.deepStrictEqual(j.diagnostics.map((d: { rule: string; simulation: string }) => `${d.rule}:${d.simulation}`), ['order-cycle:confirmed']);
  });

  it('text is gcc-style with notes, and says what the simulator found', async () => {
    const r = await run(['check', path.join(FIX, 'gfs2-dio')]);
    assert.strictEqual(r.code, 1);
    const lines = r.out.trim().split('\n');
    assert.match(lines[0], /^.*toyfs_file\.c:83:8: warning: .*\[confirmed by simulation: deadlock in \d+ steps .*\] \[fault-while-locked\]$/);
    assert.match(lines[1], /^.*toyfs_file\.c:\d+:\d+: note: /);
  });

  it('exit 0 when clean', async () => {
    const d = tmpdir();
    fs.writeFileSync(path.join(d, 'ok.c'), 'void f(struct mutex *m) { mutex_lock(m); g(); mutex_unlock(m); }\n');
    const r = await run(['check', d]);
    assert.strictEqual(r.code, 0, r.out);
    assert.strictEqual(r.out, '');
  });

  it('exit 2 with a one-line reason: no path, missing file, unknown option, unknown format', async () => {
    for (const args of [['check'], ['check', '/nonexistent/file.c'], ['check', '--frobnicate', FIX], ['check', '--format', 'xml', FIX], ['bogus']]) {
      const r = await run(args);
      assert.strictEqual(r.code, 2, args.join(' '));
      assert.match(r.err.split('\n')[0], /^lockorder: /);
    }
  });

  it('a file that is not C or does not parse still gets a result', async () => {
    const d = tmpdir();
    fs.writeFileSync(path.join(d, 'binary.c'), Buffer.from([0, 1, 2, 255, 254, 0, 10]));
    fs.writeFileSync(path.join(d, 'prose.h'), 'This is not C at all, just words.\n');
    fs.writeFileSync(path.join(d, 'broken.c'), 'int f( { if (x { mutex_lock(&a); return; }\n}}}\n');
    const r = await run(['check', '--format', 'json', d]);
    assert.ok(r.code === 0 || r.code === 1);
    assert.strictEqual(JSON.parse(r.out).files, 3);
  });

  it('a broken .lockorder is reported with file:line and the built-ins still apply', async () => {
    const d = tmpdir();
    fs.writeFileSync(path.join(d, '.lockorder'), 'order a -> b\nlock frob bogus-op\nwhatever\n');
    fs.copyFileSync(path.join(FIX, 'balance', 'dax-eio-leak.c'), path.join(d, 'x.c'));
    const r = await run(['check', 'x.c'], d);
    assert.strictEqual(r.code, 1);
    assert.match(r.err, /^\.lockorder:2: error: lock frob: operation must be one of/m);
    assert.match(r.err, /^\.lockorder:3: error: unknown directive "whatever"/m);
    assert.match(r.out, /\[lock-leak\]/);
  });

  it('SARIF 2.1.0: schema shape GitHub code scanning needs', async () => {
    const r = await run(['check', '--format', 'sarif', '--no-simulate', FIX]);
    const s = JSON.parse(r.out);
    assert.strictEqual(s.version, '2.1.0');
    assert.match(s.$schema, /sarif-2\.1\.0/);
    assert.strictEqual(s.runs.length, 1);
    const driver = s.runs[0].tool.driver;
    assert.strictEqual(driver.name, 'lockorder');
    const ids = driver.rules.map((x: { id: string }) => x.id);
    for (const rule of ['lock-leak', 'order-cycle', 'fault-while-locked', 'truncate-fault-unserialized']) assert.ok(ids.includes(rule), rule);
    assert.ok(s.runs[0].results.length > 5);
    for (const res of s.runs[0].results) {
      assert.ok(ids.includes(res.ruleId));
      assert.strictEqual(driver.rules[res.ruleIndex].id, res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      assert.strictEqual(typeof res.message.text, 'string');
      const loc = res.locations[0].physicalLocation;
      assert.match(loc.artifactLocation.uri, /test-fixtures\/[\w-]+\/(?:[\w-]+\/)*[\w-]+\.[ch]$/);
      assert.ok(Number.isInteger(loc.region.startLine) && loc.region.startLine >= 1);
      assert.ok(Number.isInteger(loc.region.startColumn) && loc.region.startColumn >= 1);
      assert.ok(typeof res.partialFingerprints.primaryLocationLineHash === 'string');
    }
  });

  it('npx-style entry point: bin/lockorder.js runs the bundled CLI', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'lockorder.js'), 'check', '--no-simulate', path.join(FIX, 'balance')], { encoding: 'utf8' });
    assert.strictEqual(r.status, 1, r.stderr);
    assert.match(r.stdout, /\[lock-leak\]/);
  });
});
