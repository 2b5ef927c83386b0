#!/usr/bin/env node
// The package's install script. On Linux: make the prebuilt holdfast-exec helpers executable (`pnpm pack` stores
// every file as 0644), then node-gyp-build, which keeps a matching prebuild (no compiler needed) and otherwise
// builds from source with node-gyp. Elsewhere: nothing, because the addon is Linux-only and the package's pure
// part (`@holdfast/native/protocol`, which @holdfast/http-adapter imports on any OS) needs no binary.
const { chmodSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

if (process.platform === 'linux') {
  const prebuilds = join(__dirname, '..', 'prebuilds');
  let tuples = [];
  try { tuples = readdirSync(prebuilds); } catch { /* no prebuilds: node-gyp-build builds from source */ }
  for (const tuple of tuples) {
    for (const file of readdirSync(join(prebuilds, tuple))) {
      if (file.startsWith('holdfast-exec')) chmodSync(join(prebuilds, tuple, file), 0o755);
    }
  }
  require('node-gyp-build/bin.js');
}
