#!/usr/bin/env node
// The package's install script. On Linux: node-gyp-build, which keeps a matching prebuild (no compiler needed)
// and otherwise builds from source with node-gyp. Elsewhere: nothing, because the addon is Linux-only and the
// package's pure part (`@holdfast/native/protocol`, which @holdfast/http-adapter imports on any OS) needs no binary.
if (process.platform === 'linux') require('node-gyp-build/bin.js');
