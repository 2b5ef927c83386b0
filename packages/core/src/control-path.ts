import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { HOLDFAST_ENV } from '@holdfast/native/protocol';

const FNV64_OFFSET_BASIS = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const U64 = 0xffffffffffffffffn;

/**
 * FNV-1a, 64-bit (draft-eastlake-fnv), of the UTF-8 bytes of `text`, as 16 lowercase hex digits:
 * fnv1a64Hex('') = 'cbf29ce484222325', fnv1a64Hex('a') = 'af63dc4c8601ec8c'. A stable, short, non-cryptographic
 * name for a directory: nothing secret depends on it (the socket's directory is mode 0700, the socket 0600), and
 * it spares every holder and CLI command the load of node:crypto (OpenSSL, about 1-2 MiB of RSS).
 */
export function fnv1a64Hex(text: string): string {
  let h = FNV64_OFFSET_BASIS;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(byte)) * FNV64_PRIME) & U64;
  return h.toString(16).padStart(16, '0');
}

/**
 * Default control socket path for a working directory, so that `holdfast run` and `holdfast reload` started in
 * the same directory find each other: `$HOLDFAST_CONTROL` if set, else
 * `${XDG_RUNTIME_DIR or /tmp}/holdfast-<uid>/<fnv1a64Hex(resolved cwd)>.sock` (16 hex digits: short enough for
 * sun_path). The client and the holder compute the same name only when they are the same holdfast version (an
 * older one hashed with SHA-256). The directory is created with mode 0700.
 */
export function defaultControlPath(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[HOLDFAST_ENV.CONTROL];
  if (fromEnv) return resolve(cwd, fromEnv);
  const dir = join(env.XDG_RUNTIME_DIR || tmpdir(), `holdfast-${process.getuid?.() ?? 0}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, `${fnv1a64Hex(resolve(cwd))}.sock`);
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
