/**
 * `@holdfast/http-adapter/register`: run an unmodified Node server under a holder.
 *
 *   node --import @holdfast/http-adapter/register app.js
 *   node --require @holdfast/http-adapter/register app.cjs
 *   NODE_OPTIONS="--import @holdfast/http-adapter/register" npm start     (reaches CommonJS apps too)
 *
 * The holder adds it to NODE_OPTIONS by itself for Node commands (holdfast run --no-preload turns that off).
 * Without a holder (no LISTEN_FDS, no NOTIFY_SOCKET) it changes nothing and loads no native code. Under one, a
 * listen()/bind() on an address the holder holds takes the inherited fd; see hook-install.ts and docs/adapters.md
 * ("Running an unmodified app"). No top-level await, so `--require` works too (require() of an ES module).
 */
import { hookWanted } from './hook-env.js';
import { install } from './hook-install.js';

if (hookWanted(process.env)) install();
