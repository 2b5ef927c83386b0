import { isAbsolute, relative, sep } from 'node:path';

/** Directories `holdfast dev` never watches: dependencies, VCS data and build output. */
export const DEFAULT_IGNORED_DIRS = ['node_modules', '.git', '.hg', '.svn', 'dist', 'build', 'coverage', '.nyc_output', '.cache', '.turbo', '.next'];

/**
 * A glob as a RegExp: `**` any number of path segments, `*` anything but `/`, `?` one character but `/`.
 * A pattern without `/` matches a file or directory name at any depth (as in .gitignore).
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return glob.includes('/') ? new RegExp(`^${re}(?:/.*)?$`) : new RegExp(`(?:^|/)${re}(?:/.*)?$`);
}

/**
 * The `ignored` function for chokidar: true for anything under a default-ignored directory or matching one of
 * `globs`, with paths taken relative to the watched root that contains them (so `--watch dist` still works).
 */
export function ignoreFilter(roots: string[], globs: string[]): (path: string) => boolean {
  const patterns = globs.map(globToRegExp);
  const sorted = [...roots].sort((a, b) => b.length - a.length);
  return (path: string) => {
    const root = sorted.find((r) => path === r || path.startsWith(r.endsWith(sep) ? r : r + sep));
    if (root === undefined) return false;
    const rel = relative(root, path);
    if (rel === '' || isAbsolute(rel)) return false;
    const posix = rel.split(sep).join('/');
    if (posix.split('/').some((seg) => DEFAULT_IGNORED_DIRS.includes(seg))) return true;
    return patterns.some((p) => p.test(posix));
  };
}
