import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { HOLDFAST_ENV } from '@holdfast/native/protocol';

/**
 * Default control socket path for a working directory, so that `holdfast run` and `holdfast reload` started in
 * the same directory find each other: `$HOLDFAST_CONTROL` if set, else
 * `${XDG_RUNTIME_DIR or /tmp}/holdfast-<uid>/<sha256(cwd) first 16 hex>.sock` (short enough for sun_path).
 * The directory is created with mode 0700.
 */
export function defaultControlPath(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[HOLDFAST_ENV.CONTROL];
  if (fromEnv) return resolve(cwd, fromEnv);
  const dir = join(env.XDG_RUNTIME_DIR || tmpdir(), `holdfast-${process.getuid?.() ?? 0}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = createHash('sha256').update(resolve(cwd)).digest('hex').slice(0, 16);
  return join(dir, `${key}.sock`);
}

/**
 * The control socket of the holder that serves `cwd` or one of its parent directories: walks up from `cwd` and
 * returns the first directory's default path (see {@link defaultControlPath}) on which a socket file exists, so
 * `holdfast status` in `src/` finds the holder started in the project root. `$HOLDFAST_CONTROL` wins; with no
 * socket anywhere up the tree, the default path for `cwd` itself (the error then names it).
 */
export function findControlPath(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  const own = defaultControlPath(cwd, env);
  if (env[HOLDFAST_ENV.CONTROL] || isSocket(own)) return own;
  for (let dir = resolve(cwd); dir !== dirname(dir);) {
    dir = dirname(dir);
    const path = defaultControlPath(dir, env);
    if (isSocket(path)) return path;
  }
  return own;
}

function isSocket(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isSocket() ?? false;
}
