/**
 * `@holdfast/http-adapter/register`: run an unmodified Node server under a holder.
 *
 *   node --import @holdfast/http-adapter/register app.js
 *   node --require @holdfast/http-adapter/register app.cjs
 *   NODE_OPTIONS="--import @holdfast/http-adapter/register" npm start     (reaches CommonJS apps too)
 *
 * The holder adds it to NODE_OPTIONS by itself for Node commands (holdfast run --no-preload turns that off).
 * Without a holder (no LISTEN_FDS, no NOTIFY_SOCKET) it changes nothing and loads nothing but hook-env.ts (no native code). Under one, a
 * listen()/bind() on an address the holder holds takes the inherited fd; see hook-install.ts and docs/adapters.md
 * ("Running an unmodified app"). No top-level await, so `--require` works too (require() of an ES module).
 */
import { createRequire } from 'node:module';
import { hookWanted } from './hook-env.js';

// Synchronous and conditional: without a holder nothing but hook-env.ts loads; under one the hook is installed before
// this module's evaluation ends, so before the app's first line and its first listen(). require() of an ES module
// (Node >= 20.19) shares the module map with import, so the hook and an app importing @holdfast/http-adapter get
// one instance of its state. The bundle (scripts/bundle.mjs) keeps hook-install.js an entry of its own for this.
if (hookWanted(process.env)) {
  const { install } = createRequire(import.meta.url)('./hook-install.js') as typeof import('./hook-install.js');
  install();
}
