import { readlinkSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, sep } from 'node:path';
import picomatch from 'picomatch';

/**
 * What `holdfast dev` watches, the way nodemon users expect: source files by extension, never dependencies, VCS
 * data, logs, build output or the files its own output goes to.
 */

/** File extensions a change of which reloads (nodemon's js,mjs,cjs,json plus TypeScript and JSX). */
export const DEFAULT_EXTENSIONS = ['js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'json'];

/** Directories `holdfast dev` never watches below a watched path: dependencies, VCS data, logs, build output. */
export const DEFAULT_IGNORED_DIRS = ['node_modules', '.git', '.hg', '.svn', 'logs', 'dist', 'build', 'coverage', '.nyc_output', '.cache', '.turbo', '.next'];

/** Files never watched, whatever the extensions say. */
export const DEFAULT_IGNORED_GLOBS = ['*.log'];

/**
 * Parse `--ext js,mjs,ts` (or `.js .ts`): lower-case extensions without dots; `*` means every file.
 * @throws nothing: an empty list falls back to {@link DEFAULT_EXTENSIONS}.
 */
export function parseExtensions(list: string | string[] | undefined): string[] {
  if (list === undefined) return DEFAULT_EXTENSIONS;
  const items = (Array.isArray(list) ? list : [list]).flatMap((s) => s.split(/[\s,]+/)).map((e) => e.replace(/^\*?\./, '').toLowerCase()).filter(Boolean);
  return items.length > 0 ? [...new Set(items)] : DEFAULT_EXTENSIONS;
}

/** The regular files this process's stdout and stderr are redirected to (`holdfast dev > dev.log`), if any. */
export function ownOutputFiles(): string[] {
  const out: string[] = [];
  for (const fd of [1, 2]) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (isAbsolute(target) && statSync(target).isFile() && !out.includes(target)) out.push(target);
    } catch { /* not a file, or no /proc */ }
  }
  return out;
}

/**
 * The `ignored` function for chokidar: true for `exclude` (absolute paths), anything under a default-ignored
 * directory, `*.log`, and anything matching one of `globs` (picomatch; a glob without `/` matches a name at any
 * depth, as in .gitignore), with paths taken relative to the watched root that contains them (so `--watch dist`
 * still works). A directory that matches prunes everything below it.
 */
export function ignoreFilter(roots: string[], globs: string[], exclude: string[] = []): (path: string) => boolean {
  const all = [...DEFAULT_IGNORED_GLOBS, ...globs];
  const byName = picomatch(all.filter((g) => !g.includes('/')), { dot: true, basename: true });
  const byPath = picomatch(all.filter((g) => g.includes('/')).map((g) => g.replace(/^\.\//, '')), { dot: true });
  const sorted = [...roots].sort((a, b) => b.length - a.length);
  const excluded = new Set(exclude);
  return (path: string) => {
    if (excluded.has(path)) return true;
    const root = sorted.find((r) => path === r || path.startsWith(r.endsWith(sep) ? r : r + sep));
    if (root === undefined) return false;
    const rel = relative(root, path);
    if (rel === '' || isAbsolute(rel)) return false;
    const segments = rel.split(sep);
    if (segments.some((seg) => DEFAULT_IGNORED_DIRS.includes(seg))) return true;
    // The path or any directory above it (below the root) may match.
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join('/');
      if (byName(prefix) || byPath(prefix)) return true;
    }
    return false;
  };
}

/** Does a change of this file reload? Its extension is one of `extensions` (`*`: any file). */
export function extensionFilter(extensions: string[]): (path: string) => boolean {
  if (extensions.includes('*')) return () => true;
  const set = new Set(extensions);
  return (path: string) => set.has(extname(path).slice(1).toLowerCase());
}
