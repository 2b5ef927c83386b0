#!/usr/bin/env node
// Builds the prebuilt binaries @holdfast/native ships: the N-API addon (with prebuildify) and the holdfast-exec
// helper, for the machine it runs on, into prebuilds/<platform>-<arch>/:
//   holdfast_native.<libc>.node   loaded by node-gyp-build (src/prebuilds.ts)
//   holdfast-exec.<libc>          the exec step the holder spawns workers through
// <libc> is glibc, or musl on Alpine. One N-API build serves every Node version >= the one it was built with.
//
// Run it once per platform, on a host (or in a container) of that platform, in a clone of the repository, and
// gather the prebuilds/<tuple>/ folders into one before packing; prebuilds of other platforms already there are
// kept. See docs/prebuilds.md for the linux-arm64 and musl (node:20-alpine) invocations.
//   pnpm --filter @holdfast/native build:prebuilds      # this machine's platform (here: linux-x64, glibc)
// `pnpm pack` runs it (prepack), so a packed tarball always carries a binary built from its own sources.
//
// It never downloads: node-gyp builds against the headers of the Node that runs this script
// ($npm_config_nodedir, else <prefix>/include/node next to process.execPath; official Node images have them).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const prebuildify = require('prebuildify');

/** The addon's file name stem; node-gyp-build accepts any stem and selects by the tags after it. */
const ADDON_NAME = 'holdfast_native';
const EXEC_HELPER = 'holdfast-exec';

function fail(message) {
  throw new Error(message);
}

function nodeHeaders() {
  const fromEnv = process.env.npm_config_nodedir;
  const candidates = fromEnv ? [fromEnv] : [resolve(dirname(process.execPath), '..')];
  const found = candidates.find((dir) => existsSync(join(dir, 'include/node/node_api.h')));
  if (!found) fail(`no Node headers (include/node/node_api.h) in ${candidates.join(', ')}; expected them next to the running node (official Node images and Debian's nodejs-dev have them) or in $npm_config_nodedir. Nothing is downloaded.`);
  return found;
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** node-gyp: the one npm/pnpm put on PATH for package scripts, else the one bundled with npm. */
function nodeGyp() {
  if (process.env.PREBUILD_NODE_GYP) return process.env.PREBUILD_NODE_GYP;
  const found = onPath('node-gyp') ?? [join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')].find(existsSync);
  if (!found) fail('node-gyp not found; run this through a package manager (pnpm --filter @holdfast/native prebuild) or set PREBUILD_NODE_GYP');
  return found;
}

const libc = process.env.PREBUILD_LIBC || (existsSync('/etc/alpine-release') ? 'musl' : 'glibc');
const tuple = `${platform()}-${process.env.PREBUILD_ARCH || arch()}`;
const outDir = join(pkgDir, 'prebuilds', tuple);
const outputs = [join(outDir, `${ADDON_NAME}.${libc}.node`), join(outDir, `${EXEC_HELPER}.${libc}`)];

/** Newest modification time (ms) of what the binaries are built from. */
function sourcesMtime() {
  const files = ['binding.gyp', 'package.json', ...readdirSync(join(pkgDir, 'csrc')).map((f) => join('csrc', f))];
  return Math.max(...files.map((f) => statSync(join(pkgDir, f)).mtimeMs));
}

// Up to date (both binaries newer than every source): nothing to do, unless --force.
if (!process.argv.includes('--force') && outputs.every(existsSync) && Math.min(...outputs.map((f) => statSync(f).mtimeMs)) > sourcesMtime()) {
  console.log(`prebuild: ${join('prebuilds', tuple)} is newer than csrc/, binding.gyp and package.json; kept (--force rebuilds)`);
  process.exit(0);
}

// Build in a scratch copy, so the workspace's own build/Release (what its tests load) is left as it is.
const stage = mkdtempSync(join(tmpdir(), 'holdfast-prebuild-'));
try {
  for (const entry of ['binding.gyp', 'csrc', 'package.json']) cpSync(join(pkgDir, entry), join(stage, entry), { recursive: true });
  symlinkSync(join(pkgDir, 'node_modules'), join(stage, 'node_modules'));
  const nodedir = nodeHeaders();
  process.env.npm_config_nodedir = nodedir;
  await new Promise((done, reject) => prebuildify({
    cwd: stage,
    out: pkgDir,
    name: ADDON_NAME,
    napi: true,
    targets: [process.versions.node],
    tagLibc: true,
    strip: true,
    nodeGyp: nodeGyp(),
  }, (err) => (err ? reject(err) : done())));

  mkdirSync(outDir, { recursive: true });
  const helper = outputs[1];
  copyFileSync(join(stage, 'build/Release', EXEC_HELPER), helper);
  chmodSync(helper, 0o755);
  execFileSync(process.env.PREBUILD_STRIP_BIN || 'strip', ['--strip-all', helper]);
  if (!existsSync(outputs[0])) fail(`prebuildify did not write ${outputs[0]}`);

  console.log(`prebuild: Node ${process.versions.node} headers from ${nodedir}; wrote ${join('prebuilds', tuple)}:`);
  for (const f of readdirSync(outDir).sort()) console.log(`  ${f}  ${statSync(join(outDir, f)).size} bytes`);
} catch (err) {
  console.error(`prebuild: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  rmSync(stage, { recursive: true, force: true });
}
