/**
 * Where the compiled addon and `holdfast-exec` live, found the way node-gyp-build finds a native module:
 * a build from source first (`build/Release/`, made by node-gyp on install when no prebuild matched, and in the
 * repository's own workspace), then a prebuild shipped in the package (`prebuilds/<platform>-<arch>/`, made by
 * `scripts/prebuild.mjs` with prebuildify, N-API, tagged with the C library: `holdfast_native.glibc.node`,
 * `holdfast_native.musl.node`). `holdfast-exec` is always taken from the same build as the addon that loaded:
 * `holdfast-exec` beside a source build, `holdfast-exec.<libc>` beside a prebuild.
 *
 * Nothing here downloads or compiles: a missing or unloadable binary is an error that says what is missing and
 * how to get it (code ERR_HOLDFAST_NATIVE_MISSING).
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodedError } from './coded-error.js';
import { HoldfastNativeError } from './errors.js';

const require = createRequire(import.meta.url);

/**
 * The package's root directory: the nearest directory above this file that holds binding.gyp (shipped in the
 * package). This file runs from src/ (tests), dist/ (tsc's output) or dist/bundle/ (the bundle the package's exports
 * point at), so the root is found, not assumed one level up.
 */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    if (dirname(dir) === dir) return dirname(from); // not found: the layout of src/ and dist/, as before bundling
  }
}

/** File name of the exec helper of a source build; a prebuild adds `.<libc>`. */
export const EXEC_HELPER_NAME = 'holdfast-exec';

/** The prebuilds this copy of the package carries, as 'linux-x64 (glibc, musl)', or 'none'. */
export function prebuiltFor(): string {
  const dir = join(packageRoot, 'prebuilds');
  const list = readdir(dir).map((tuple) => {
    const libcs = readdir(join(dir, tuple)).filter((f) => f.endsWith('.node')).flatMap((f) => f.split('.').filter((t) => t === 'glibc' || t === 'musl'));
    return `${tuple}${libcs.length > 0 ? ` (${libcs.join(', ')})` : ''}`;
  });
  return list.join(', ') || 'none';
}

function readdir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** How to get a binary when none matches this machine. */
function fix(): string {
  if (process.platform !== 'linux') return `the addon runs on Linux only; off Linux import only @holdfast/native/protocol (this package carries prebuilt binaries for ${prebuiltFor()})`;
  return 'install a C++ compiler, make and python3 (Debian: apt-get install build-essential python3; Alpine: apk add build-base python3), ' +
    `then run \`npm rebuild @holdfast/native\` (node-gyp-build builds it from source); this package carries prebuilt binaries for ${prebuiltFor()}`;
}

/** The ERR_HOLDFAST_NATIVE_MISSING error. */
export type NativeMissingError = CodedError<'ERR_HOLDFAST_NATIVE_MISSING'>;

/** Builds the ERR_HOLDFAST_NATIVE_MISSING error. `what` names the missing file ('the addon', 'holdfast-exec'). */
export function nativeMissing(what: string, detail: string, cause?: unknown): NativeMissingError {
  const where = `${process.platform}-${process.arch} (${libc()}), Node ${process.versions.node}`;
  const hint = fix();
  return new HoldfastNativeError('ERR_HOLDFAST_NATIVE_MISSING', `@holdfast/native: ${what} is missing or cannot be loaded on ${where}: ${detail}; fix: ${hint}`,
    { ...(cause === undefined ? {} : { cause }), hint }) as NativeMissingError;
}

/** The C library node-gyp-build selects prebuilds for: $LIBC, else musl on Alpine, else glibc. */
export function libc(): string {
  return process.env.LIBC || (existsSync('/etc/alpine-release') ? 'musl' : 'glibc');
}

/**
 * Absolute path of the addon node-gyp-build picks for this machine.
 * @throws ERR_HOLDFAST_NATIVE_MISSING when neither a source build nor a matching prebuild exists.
 */
export function locateAddon(): string {
  const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
  try {
    return nodeGypBuild.resolve(packageRoot);
  } catch (cause) {
    throw nativeMissing('the addon (holdfast_native.node)', `no build in ${join(packageRoot, 'build/Release')} and no matching prebuild in ${join(packageRoot, 'prebuilds')}`, cause);
  }
}

/**
 * The exec helper that belongs to the addon at `addonPath`: `holdfast-exec` in the same build/Release directory,
 * or `holdfast-exec.<libc>` beside a prebuild tagged with that libc.
 */
export function execHelperFor(addonPath: string): string {
  const tag = basename(addonPath).split('.').find((t) => t === 'glibc' || t === 'musl');
  return join(dirname(addonPath), tag ? `${EXEC_HELPER_NAME}.${tag}` : EXEC_HELPER_NAME);
}
