// Real Linux source for tests and benchmarks, extracted at run time from the
// Debian linux-source-<version> tarball (never committed). Extraction is
// cached under bench/.work/ (gitignored) and reused.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const WORK_DIR = path.resolve(__dirname, '..', '..', 'bench', '.work');

export function tarballOf(version: string): string {
  return `/usr/src/linux-source-${version}.tar.xz`;
}

/** Why a kernel-source test is skipped, or undefined when the tarball is there. */
export function missingKernel(version: string): string | undefined {
  return fs.existsSync(tarballOf(version)) ? undefined
    : `${tarballOf(version)} is absent: apt-get install linux-source-${version} to run this`;
}

/** Paths extracted completely (a directory can exist because only part of it was extracted). */
function extractedPaths(root: string): string[] {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(path.join(root, MARKER), 'utf8'));
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

const MARKER = '.lockorder-extracted.json';

/**
 * Root of an extracted tree containing `paths` (e.g. ["fs/gfs2", "mm/filemap.c"]),
 * or undefined when the tarball is absent. A path counts as present only
 * when it or a directory above it was extracted completely by this function
 * (recorded in a marker file): `fs/gfs2` extracted for one test does not make
 * `fs` look extracted to another.
 */
export function kernelTree(version: string, paths: string[]): string | undefined {
  if (missingKernel(version)) return undefined;
  const root = path.join(WORK_DIR, `linux-source-${version}`);
  const done = extractedPaths(root);
  const norm = (p: string): string => p.replace(/\/+$/, '');
  const missing = paths.map(norm).filter((p) => !done.some((q) => p === q || p.startsWith(`${q}/`)));
  if (missing.length > 0) {
    fs.mkdirSync(WORK_DIR, { recursive: true });
    const patterns = missing.map((p) => `linux-source-${version}/${p}${/\.[ch]$/.test(p) ? '' : '/*'}`);
    execFileSync('tar', ['-xJf', tarballOf(version), '-C', WORK_DIR, '--wildcards', ...patterns], { stdio: 'ignore', timeout: 600_000 });
    fs.writeFileSync(path.join(root, MARKER), JSON.stringify([...extractedPaths(root), ...missing]));
  }
  return root;
}
