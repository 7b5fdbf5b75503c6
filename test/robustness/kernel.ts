// Linux source trees for the robustness tests and the benchmark: the Debian
// linux-source-X.Y tarballs, extracted (fs/, mm/, kernel/locking/ only) into
// bench/.work/ (gitignored) once and reused. Never committed.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const WORK = path.join(ROOT, 'bench', '.work');
export const SUBTREES = ['fs', 'mm', 'kernel/locking'];

export function tarball(version: string): string {
  return `/usr/src/linux-source-${version}.tar.xz`;
}

/** The extracted tree (bench/.work/linux-source-X.Y), or undefined with the reason when the tarball is absent. */
export function kernelTree(version: string): { dir?: string; why?: string } {
  const dir = path.join(WORK, `linux-source-${version}`);
  const stamp = path.join(dir, '.lockorder-extracted');
  if (fs.existsSync(stamp)) return { dir };
  const tar = tarball(version);
  if (!fs.existsSync(tar)) return { why: `${tar} is absent (apt-get install linux-source-${version})` };
  fs.mkdirSync(WORK, { recursive: true });
  const top = `linux-source-${version}`;
  execFileSync('tar', ['-xJf', tar, '-C', WORK, ...SUBTREES.map((s) => `${top}/${s}`)], { stdio: 'inherit' });
  fs.writeFileSync(stamp, `${SUBTREES.join(' ')}\n`);
  return { dir };
}

/** Every .c/.h file under the given subdirectories, sorted. */
export function sourcesUnder(dir: string, subs: readonly string[] = SUBTREES): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(p);
    }
  };
  for (const s of subs) walk(path.join(dir, s));
  return out.sort();
}
