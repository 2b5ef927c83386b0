#!/usr/bin/env node
// Bundles the worker-side packages after `tsc -b` (run by `pnpm run build`, hence by the root postinstall, and by each
// package's prepack). Every worker a holder starts preloads the adapter's register hook; loading ~50 small ES modules
// one by one (resolve, read, link each) cost more than the hook's own code, so the packages' entry points are
// bundled: a few files instead of ~50.
//
// Input is tsc's output in dist/ (the code the tests compile and run), output is dist/bundle/ of each package with
// source maps that chain through tsc's to src/. ESM code splitting: the entries of one package share chunks, so an
// app that imports @holdfast/http-adapter while the register hook is preloaded shares one instance of the adapter's
// state (readiness, drain, the claims) with the hook. Every bare import stays external (another package: @holdfast/native
// from the adapter, node-gyp-build, light-my-request, fastify), so each package's modules load once.
//
//   node scripts/bundle.mjs              # every package below
//   node scripts/bundle.mjs http-adapter # one package (its prepack)
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PACKAGES = fileURLToPath(new URL('../packages/', import.meta.url));

/**
 * The bundled entries of each package, by package directory: the names of tsc's dist/<name>.js files that the
 * package.json "exports" point at (as dist/bundle/<name>.js). `hook-install` is internal: register.js requires
 * it only under a holder.
 */
export const ENTRIES = {
  native: ['index', 'protocol', 'random-id', 'coded-error'],
  'http-adapter': ['index', 'register', 'hook-install'],
};

/** Output directory of the bundles, inside the package's dist/. */
export const BUNDLE_DIR = 'bundle';

async function bundle(dir) {
  const root = join(PACKAGES, dir);
  const outdir = join(root, 'dist', BUNDLE_DIR);
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: ENTRIES[dir].map((name) => join(root, 'dist', `${name}.js`)),
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    // Chunk names say where they come from in a stack trace; the hash keeps them apart.
    chunkNames: 'shared-[hash]',
    logLevel: 'warning',
  });
}

const only = process.argv.slice(2);
for (const name of only) if (!(name in ENTRIES)) throw new Error(`scripts/bundle.mjs: unknown package "${name}"; expected one of ${Object.keys(ENTRIES).join(', ')}`);
for (const dir of only.length > 0 ? only : Object.keys(ENTRIES)) await bundle(dir);
