// PM2's programmatic API against the bench's PM2 daemon (its own PM2_HOME): a reload without a CLI process
// per call, so that trigger → done is the daemon's own reload, comparable with holdfast's POST /reload.
// `pm2 reload` of a cluster-mode app starts a new worker, waits for its 'listening' (the app listens on the
// cluster primary's socket), then stops the old one; the callback comes once the old one is gone.
import { createRequire } from 'node:module';
import { BENCH } from './systems.mjs';
import { withTimeout } from './proc.mjs';

const require = createRequire(`${BENCH}/package.json`);

/**
 * Connect to the daemon of `pm2Sys` (startPm2() of systems.mjs). Returns { reload(), disconnect() };
 * reload() resolves { ok, trigger, done, ms, detail } (performance.now() clock: trigger before the call, done in
 * its callback). Bounded: 60 s per reload. Throws if the daemon cannot be reached.
 */
export async function connectPm2(pm2Sys, name = 'bench') {
  const PM2 = require('pm2');
  const api = new PM2.custom({ pm2_home: pm2Sys.home });
  await withTimeout(new Promise((res, rej) => api.connect((err) => (err ? rej(err) : res()))), 20_000, 'pm2 connect');
  return {
    reload() {
      const trigger = performance.now();
      return withTimeout(new Promise((res) => {
        api.reload(name, (err) => { const done = performance.now(); res({ ok: !err, trigger, done, ms: done - trigger, detail: err ? String(err.message ?? err) : 'ok' }); });
      }), 60_000, 'pm2 reload').catch((err) => ({ ok: false, trigger, done: performance.now(), ms: performance.now() - trigger, detail: err.message }));
    },
    async disconnect() { await new Promise((res) => { try { api.disconnect(res); } catch { res(); } }); },
  };
}
