#!/usr/bin/env node
// The package's install script. On Linux: make the prebuilt holdfast-exec helpers executable (`pnpm pack` stores
// every file as 0644), then node-gyp-build, which keeps a matching prebuild (no compiler needed) and otherwise
// builds from source with node-gyp. In a checkout of the repository (a package not under node_modules) it always
// builds from source, so the workspace's tests run the C++ as it is in the tree, never a prebuild left by a pack.
// Elsewhere than Linux: nothing, because the addon is Linux-only and the package's pure part
// (`@holdfast/native/protocol`, which @holdfast/http-adapter imports on any OS) needs no binary.
const { chmodSync, readdirSync, realpathSync } = require('node:fs');
const { join, sep } = require('node:path');

if (process.platform === 'linux') {
  const root = join(__dirname, '..');
  const prebuilds = join(root, 'prebuilds');
  let tuples = [];
  try { tuples = readdirSync(prebuilds); } catch { /* no prebuilds: node-gyp-build builds from source */ }
  for (const tuple of tuples) {
    for (const file of readdirSync(join(prebuilds, tuple))) {
      if (file.startsWith('holdfast-exec')) chmodSync(join(prebuilds, tuple, file), 0o755);
    }
  }
  if (!realpathSync(root).split(sep).includes('node_modules')) process.env.npm_config_build_from_source = 'true';
  require('node-gyp-build/bin.js');
}
