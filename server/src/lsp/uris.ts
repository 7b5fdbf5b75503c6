// URI <-> engine path. The engine keys files by file-system path; documents
// that are not files (untitled:, etc.) are keyed by their URI string.
import { fileURLToPath, pathToFileURL } from 'url';

export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) {
    try { return fileURLToPath(uri); } catch { return uri; }
  }
  return uri;
}

export function pathToUri(p: string): string {
  if (/^[a-z][\w+.-]*:/i.test(p) && !p.startsWith('/')) return p;
  return pathToFileURL(p).href;
}

export function isCFile(p: string): boolean {
  return /\.[ch]$/.test(p);
}
