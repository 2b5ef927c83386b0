// Load at maximum rate with every request timed from its own start, so that latency can be split by phase of a
// reload: an undici keep-alive Pool (one loop per connection) or autocannon (pipelining 1), both with
// `connections` connections. autocannon's own latency figures are not used: after a reconnect it times each
// response from the request written one earlier (docs/measurements.md). Here a request starts at its client's
// 'request' event (with pipelining 1 the request the next response answers) and ends at the 'response' event.
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { sleep } from './proc.mjs';

export const CLIENTS = ['undici', 'autocannon'];
const STOP_GRACE_MS = 2000;

/**
 * Start `client` ('undici' | 'autocannon') against `url`. Every answered request is pushed to `samples` as
 * [startMs, latencyMs, ok] (performance.now() clock; ok = 2xx); errors are counted by code. stop() resolves
 * { samples, requests (answered + errors), failed (errors + non-2xx), errorCodes }.
 */
export function startTimedLoad(url, client, { connections = 50 } = {}) {
  if (!CLIENTS.includes(client)) throw new Error(`client is ${JSON.stringify(client)}; expected one of ${CLIENTS.join(', ')}`);
  const samples = [];
  const errorCodes = {};
  const error = (err) => { const c = err?.cause?.code ?? err?.code ?? err?.message ?? 'error'; errorCodes[c] = (errorCodes[c] ?? 0) + 1; };
  let stopLoad;
  if (client === 'undici') {
    let running = true;
    // A request still unanswered STOP_GRACE_MS after the stop (a hung one: the server lost it) is cut there
    // and counted as failed, rather than waited for until its 10 s timeout.
    let cut = false;
    const pool = new Pool(url, { connections, pipelining: 1 });
    const loops = Array.from({ length: connections }, async () => {
      while (running) {
        const t = performance.now();
        try {
          const res = await pool.request({ path: '/', method: 'GET', headersTimeout: 10_000, bodyTimeout: 10_000 });
          await res.body.text();
          samples.push([t, performance.now() - t, res.statusCode >= 200 && res.statusCode < 300]);
        } catch (err) { error(cut ? { code: 'UNANSWERED_AT_STOP' } : err); }
      }
    });
    stopLoad = async () => {
      running = false;
      const all = Promise.all(loops);
      if (await Promise.race([all.then(() => true), sleep(STOP_GRACE_MS).then(() => false)])) { await pool.close(); return; }
      cut = true;
      await pool.destroy();
      await all;
    };
  } else {
    let done;
    const finished = new Promise((resolve) => { done = resolve; });
    const inst = autocannon({
      url, connections, pipelining: 1, duration: 600, timeout: 10,
      setupClient(c) {
        let start = 0;
        c.on('request', () => { start = performance.now(); });
        c.on('response', (status) => { const now = performance.now(); samples.push([start, now - start, status >= 200 && status < 300]); });
      },
    }, () => done());
    inst.on('reqError', error);
    stopLoad = async () => { inst.stop(); await finished; };
  }
  return {
    samples,
    async stop() {
      await stopLoad();
      const errors = Object.values(errorCodes).reduce((a, n) => a + n, 0);
      return { samples, requests: samples.length + errors, failed: errors + samples.filter((s) => !s[2]).length, errorCodes };
    },
  };
}
