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

/**
 * Root of an extracted tree containing `paths` (e.g. ["fs/gfs2", "mm/filemap.c"]),
 * or undefined when the tarball is absent.
 */
export function kernelTree(version: string, paths: string[]): string | undefined {
  if (missingKernel(version)) return undefined;
  const root = path.join(WORK_DIR, `linux-source-${version}`);
  const missing = paths.filter((p) => !fs.existsSync(path.join(root, p)));
  if (missing.length > 0) {
    fs.mkdirSync(WORK_DIR, { recursive: true });
    const patterns = missing.map((p) => `linux-source-${version}/${p}${/\.[ch]$/.test(p) ? '' : '/*'}`);
    execFileSync('tar', ['-xJf', tarballOf(version), '-C', WORK_DIR, '--wildcards', ...patterns], { stdio: 'ignore', timeout: 600_000 });
  }
  return root;
}
