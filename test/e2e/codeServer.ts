// code-server (VS Code 1.100.3 in the browser, npm package code-server@4.100.3)
// for the real-VS-Code test: installed at run time into a cache outside the
// repository by scripts/e2e/install-code-server.sh, a throwaway profile per
// run (settings, extensions dir with our VSIX installed), started on a free
// localhost port in its own process group.
import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CACHE, ROOT, freePort, killGroup, run, sleep, spawnGroup } from './env';

export const CS_VERSION = '4.100.3';

const SETTINGS = {
  'security.workspace.trust.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'npm.fetchOnlinePackageInfo': false,
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'window.commandCenter': false,
  'editor.hover.delay': 200,
  'editor.inlayHints.enabled': 'on',
  'files.autoSave': 'off',
  'workbench.colorTheme': 'Default Dark Modern',
};

/** Install (or reuse) code-server; returns the package directory. */
export async function installCodeServer(log: (s: string) => void): Promise<string> {
  const script = path.join(ROOT, 'scripts', 'e2e', 'install-code-server.sh');
  const r = await run('bash', [script], { timeoutMs: 15 * 60 * 1000, env: { ...process.env, CS_VERSION, LOCKORDER_E2E_CACHE: CACHE } });
  if (r.code !== 0) throw new Error(`installing code-server@${CS_VERSION} failed (exit ${r.code}):\n${r.err.slice(-3000)}`);
  const dir = r.out.trim().split('\n').pop()!;
  log(`code-server at ${dir}`);
  return dir;
}

export interface Profile { dir: string; env: NodeJS.ProcessEnv; args: string[] }

/** A fresh profile with the VSIX installed. */
export async function makeProfile(cs: string, vsix: string): Promise<Profile> {
  const dir = path.join(CACHE, 'runs', `run-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const d of ['user-data/User', 'extensions', 'xdg-config', 'xdg-data']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, 'user-data', 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  fs.writeFileSync(path.join(dir, 'config.yaml'), 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  // keep ~/.config and ~/.local untouched; no gallery queries
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_DATA_HOME: path.join(dir, 'xdg-data'), EXTENSIONS_GALLERY: '{"serviceUrl":""}' };
  const args = ['--config', path.join(dir, 'config.yaml'), '--user-data-dir', path.join(dir, 'user-data'), '--extensions-dir', path.join(dir, 'extensions')];
  const r = await run(process.execPath, [path.join(cs, 'out', 'node', 'entry.js'), ...args, '--install-extension', vsix, '--force'], { env, timeoutMs: 120000 });
  if (r.code !== 0 || !/successfully installed/i.test(r.out + r.err)) throw new Error(`installing the VSIX into code-server failed:\n${r.out}\n${r.err}`);
  return { dir, env, args };
}

export interface Running { proc: ChildProcess; port: number; url: string; log: string }

export async function startCodeServer(cs: string, profile: Profile, workspace: string): Promise<Running> {
  const port = await freePort();
  const log = path.join(profile.dir, 'code-server.log');
  const fd = fs.openSync(log, 'w');
  const proc = spawnGroup(process.execPath, [path.join(cs, 'out', 'node', 'entry.js'), ...profile.args,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened', workspace], { env: profile.env, stdio: ['ignore', fd, fd] });
  const end = Date.now() + 60000;
  for (;;) {
    try { const r = await fetch(`http://127.0.0.1:${port}/healthz`); if (r.ok) break; } catch { /* not yet */ }
    if (proc.exitCode !== null || Date.now() > end) {
      killGroup(proc, 'SIGKILL');
      throw new Error(`code-server did not come up on port ${port}:\n${fs.readFileSync(log, 'utf8').slice(-3000)}`);
    }
    await sleep(200);
  }
  return { proc, port, url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, log };
}

export async function stopCodeServer(r: Running | undefined): Promise<void> {
  if (!r) return;
  killGroup(r.proc, 'SIGTERM');
  const t = Date.now();
  while (r.proc.exitCode === null && r.proc.signalCode === null && Date.now() - t < 5000) await sleep(100);
  killGroup(r.proc, 'SIGKILL');
}
