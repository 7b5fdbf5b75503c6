// Real VS Code: the packaged VSIX installed into code-server 4.100.3 (VS Code
// 1.100.3), driven with Debian's chromium through playwright-core. Opens a
// fixture workspace, reads the diagnostic count, hovers a lock call, runs
// "Simulate Function at Cursor" and "Show Lock Order Graph". Screenshots of
// every step go to test-artifacts/.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Frame, Page } from 'playwright-core';
import { installCodeServer, makeProfile, Running, startCodeServer, stopCodeServer } from './codeServer';
import { ARTIFACTS, ROOT, fixtureWorkspace, run, sleep, timing } from './env';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FIXTURE = fs.readFileSync(path.join(ROOT, 'test-fixtures', 'gfs2-dio', 'toyfs_file.c'), 'utf8').split('\n');
/** 1-based line of the n-th (0-based) line containing `needle`, after the line containing `after`. */
const lineOf = (needle: string, after = ''): number => {
  const from = after ? FIXTURE.findIndex((l) => l.includes(after)) : 0;
  const i = FIXTURE.findIndex((l, k) => k >= from && l.includes(needle));
  if (i < 0) throw new Error(`fixture line with ${needle} not found`);
  return i + 1;
};
const READ_BUGGY_NQ = lineOf('ret = gfs2_glock_nq(gh);', 'toy_direct_read_buggy(');
const READ_BUGGY_DIO = lineOf('ret = iomap_dio_rw(', 'toy_direct_read_buggy(');
const FAULT_NQ = lineOf('gfs2_glock_nq(&gh);', 'toy_fault(struct vm_fault');

describe('e2e: real VS Code (code-server + chromium)', function () {
  this.timeout(20 * 60 * 1000);
  let browser: Browser | undefined;
  let page: Page;
  let cs: Running | undefined;
  let ws: string;
  let expectedWarnings = 0;
  const t0 = Date.now();
  const log = (s: string): void => { console.log(`      [${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`); }; // eslint-disable-line no-console
  const shot = async (name: string): Promise<void> => { await page.screenshot({ path: path.join(ARTIFACTS, `vscode-${name}.png`) }); };
  let failed = false;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`      SKIPPED: ${CHROMIUM} not found (apt-get install chromium; listed in .ci/apt-e2e)`); // eslint-disable-line no-console
      this.skip();
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of fs.readdirSync(ARTIFACTS)) if (/^vscode-.*\.png$/.test(f)) fs.unlinkSync(path.join(ARTIFACTS, f));
    // 1. the VSIX, as `npm run package` builds it
    let t = Date.now();
    const vsix = path.join(ARTIFACTS, 'lockorder-linux-x64.vsix');
    const pk = await run(process.execPath, [path.join(ROOT, 'scripts', 'e2e', 'package-vsix.js'), '--target', 'linux-x64', '--out', vsix], { cwd: ROOT, timeoutMs: 180000 });
    assert.strictEqual(pk.code, 0, `packaging failed:\n${pk.out}\n${pk.err}`);
    timing('vscode: package VSIX', Date.now() - t);
    log(`VSIX packaged (${(fs.statSync(vsix).size / 1024).toFixed(0)} KB)`);
    // 2. code-server (cached after the first run)
    t = Date.now();
    const csDir = await installCodeServer(log);
    timing('vscode: install code-server', Date.now() - t);
    t = Date.now();
    const profile = await makeProfile(csDir, vsix);
    timing('vscode: install VSIX into profile', Date.now() - t);
    // 3. the workspace and the count the CLI finds in it
    ws = fixtureWorkspace('vscode', ['gfs2-dio', 'abba-two-files']);
    const cli = await run(process.execPath, [path.join(ROOT, 'bin', 'lockorder.js'), 'check', '--format', 'json', '.'], { cwd: ws, timeoutMs: 60000 });
    const json = JSON.parse(cli.out) as { diagnostics: { severity: string }[] };
    expectedWarnings = json.diagnostics.filter((d) => d.severity === 'warning').length;
    log(`workspace ${ws}: the CLI reports ${expectedWarnings} warnings`);
    t = Date.now();
    cs = await startCodeServer(csDir, profile, ws);
    timing('vscode: code-server http ready', Date.now() - t);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true, timeout: 60000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    page.setDefaultTimeout(60000);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      failed = true;
      await page.screenshot({ path: path.join(ARTIFACTS, `vscode-fail-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 40)}.png`) }).catch(() => undefined);
    }
  });

  after(async () => {
    if (browser) await browser.close().catch(() => undefined);
    await stopCodeServer(cs);
    if (cs && failed) fs.copyFileSync(cs.log, path.join(ARTIFACTS, 'code-server.log'));
    if (ws && !failed) fs.rmSync(ws, { recursive: true, force: true });
  });

  const palette = async (command: string): Promise<void> => {
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').waitFor();
    await page.keyboard.type(command);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first().waitFor();
    await page.keyboard.press('Enter');
  };

  /** Webview content lives in nested iframes: poll every frame for a selector. */
  const inWebview = async (selector: string, ms = 30000): Promise<Frame> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      for (const f of page.frames()) {
        if (await f.locator(selector).count().catch(() => 0)) return f;
      }
      await sleep(200);
    }
    throw new Error(`no webview frame shows ${selector}`);
  };

  const goTo = async (line: number, col: number): Promise<void> => {
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').waitFor();
    await page.keyboard.type(`${line}:${col}`);
    await page.keyboard.press('Enter');
    await sleep(300);
  };

  it('opens the fixture workspace and activates the extension', async () => {
    const t = Date.now();
    await page.goto(cs!.url);
    await page.locator('.monaco-workbench').waitFor();
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'gfs2-dio' }).first().waitFor();
    timing('vscode: workbench ready', Date.now() - t);
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'gfs2-dio' }).first().click();
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'toyfs_file.c' }).first().waitFor();
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').waitFor();
    await page.keyboard.type('toyfs_file.c');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'toyfs_file.c' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'page_mkwrite' }).first().waitFor();
    // the status bar item of the extension
    await page.locator('#lockorder\\.lockorder\\.status, [id$="lockorder.status"]').first().waitFor();
    log('editor open, status bar item present');
    await shot('01-workspace');
  });

  it('shows the diagnostic count in the Problems view', async () => {
    const t = Date.now();
    const status = page.locator('#status\\.problems');
    let label = '';
    const end = Date.now() + 60000;
    while (Date.now() < end) {
      label = (await status.getAttribute('aria-label').catch(() => '')) ?? '';
      const m = /Warnings?: (\d+)/i.exec(label);
      if (m && Number(m[1]) === expectedWarnings) break;
      await sleep(250);
    }
    timing('vscode: diagnostics in status bar after open', Date.now() - t);
    assert.match(label, new RegExp(`Warnings?: ${expectedWarnings}\\b`), `status bar says "${label}"`);
    await page.keyboard.press('Control+Shift+M');
    const rows = page.locator('.markers-panel .monaco-list-row');
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'fault-while-locked' }).first().waitFor();
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'order-cycle' }).first().waitFor();
    const texts = await rows.allInnerTexts();
    // marker rows carry the source and the rule; related-information rows under them do not
    const markers = texts.filter((x) => /\[Ln \d+, Col \d+\]/.test(x) && /\blockorder\b/.test(x));
    log(`Problems view: ${markers.length} markers, status "${label}"`);
    assert.strictEqual(markers.length, expectedWarnings, texts.join('\n'));
    // the badge of the Problems view title
    await shot('02-problems');
  });

  it('hovers a lock call and reads the explanation', async () => {
    await page.locator('.editor-instance .monaco-editor').first().click({ position: { x: 300, y: 200 } });
    await page.keyboard.press('Escape');
    await goTo(READ_BUGGY_NQ, 12); // `ret = gfs2_glock_nq(gh);` in toy_direct_read_buggy
    const cursor = page.locator('.editor-instance .monaco-editor .cursor').first();
    const box = (await cursor.boundingBox())!;
    const t = Date.now();
    await page.mouse.move(box.x + 3, box.y + box.height / 2, { steps: 5 });
    const hover = page.locator('.monaco-hover', { hasText: 'gfs2_glock_nq()' }).first();
    await hover.waitFor({ state: 'visible' });
    timing('vscode: hover shown', Date.now() - t);
    const text = (await hover.innerText()).replace(/\s+/g, ' ');
    log(`hover: ${text.slice(0, 300)}`);
    assert.match(text, /gfs2_glock_nq\(\) takes \S*->i_gl/);
    assert.match(text, /class: gfs2_glock\.i_gl · glock · mode DF/);
    assert.match(text, /declared order/);
    await shot('03-hover');
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });

  it('runs "Simulate Function at Cursor" and finds the deadlock witness in the webview', async () => {
    await page.keyboard.press('Control+J'); // hide the Problems panel: room for the lanes
    await page.locator('.editor-instance .monaco-editor').first().click({ position: { x: 300, y: 200 } });
    await goTo(READ_BUGGY_DIO, 10); // the iomap_dio_rw() call in toy_direct_read_buggy
    const t = Date.now();
    await palette('Lock Order: Simulate Function at Cursor');
    const frame = await inWebview('#sim-verdict, #sim-error');
    timing('vscode: simulation webview', Date.now() - t);
    if (await frame.locator('#sim-error').count()) assert.fail(`simulation error: ${await frame.locator('#sim-error').innerText()}`);
    const verdict = await frame.locator('#sim-verdict').innerText();
    const scenario = await frame.locator('#sim-scenario').innerText();
    log(`simulation: ${verdict} — ${scenario}`);
    assert.match(verdict, /DEADLOCK: deadlock in \d+ steps/);
    assert.match(await frame.locator('h1').innerText(), /toy_direct_read_buggy\(\)/);
    const cycle = await frame.locator('#sim-cycle').innerText();
    log(`wait-for cycle: ${cycle.replace(/\s+/g, ' ')}`);
    assert.match(cycle, /waits for \S*->i_gl/);
    const waits = frame.locator('.step.cycle');
    assert.ok(await waits.count() >= 1, 'the waiting step of the cycle is highlighted');
    await sleep(300);
    await shot('04-simulate');
    // clicking the highlighted step reveals and highlights its source line (toy_fault's gfs2_glock_nq)
    const tc = Date.now();
    await waits.first().click();
    await page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${FAULT_NQ}, Col`) }).first().waitFor();
    timing('vscode: step click -> source line revealed', Date.now() - tc);
    await sleep(500);
    await shot('05-simulate-reveal');
    // another scenario from the webview: the function against a page fault from another thread (two lanes)
    await frame.locator('button[data-scenario="fault"]').click();
    const end = Date.now() + 30000;
    let lanes = 0;
    let f2: Frame | undefined;
    while (Date.now() < end && lanes < 3) {
      f2 = await inWebview('#sim-verdict');
      lanes = await f2.locator('.hdr').count().catch(() => 0);
      if (lanes < 3) await sleep(200);
    }
    assert.ok(f2 && lanes >= 3, `two thread lanes (got ${lanes - 1})`);
    log(`scenario fault: ${await f2!.locator('#sim-verdict').innerText()} — ${await f2!.locator('#sim-scenario').innerText()}`);
    assert.match(await f2!.locator('#sim-verdict').innerText(), /DEADLOCK/);
    await sleep(300);
    await shot('06-simulate-two-threads');
  });

  it('shows the lock order graph with the ABBA cycle in red', async () => {
    await palette('View: Close All Editors');
    await sleep(300);
    const t = Date.now();
    await palette('Lock Order: Show Lock Order Graph');
    const frame = await inWebview('#graph-svg');
    timing('vscode: graph webview', Date.now() - t);
    const summary = await frame.locator('#graph-summary').innerText();
    log(`graph: ${summary}`);
    assert.match(summary, /1 cycle/);
    assert.ok(await frame.locator('.edge.cyc').count() >= 2, 'two red edges');
    await sleep(300);
    await shot('07-graph');
  });
});
