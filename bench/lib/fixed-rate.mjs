// A fixed-rate HTTP load (undici Pool): `rate` requests per second spread over 10 ms ticks, whatever the answer
// time, so that two systems are compared at the same work per second (CPU per request depends on the rate).
import { Pool } from 'undici';

export function startFixedRate(url, { rate = 1000, connections = 10 } = {}) {
  const pool = new Pool(url, { connections, pipelining: 1 });
  let ok = 0;
  let failed = 0;
  let due = 0;
  const perTick = rate / 100;
  const timer = setInterval(() => {
    due += perTick;
    for (; due >= 1; due--) {
      pool.request({ path: '/', method: 'GET' }).then(async (r) => { await r.body.dump(); if (r.statusCode < 300) ok++; else failed++; }, () => { failed++; });
    }
  }, 10);
  return {
    /** Answers so far. */
    get ok() { return ok; },
    get failed() { return failed; },
    async stop() { clearInterval(timer); await pool.close().catch(() => {}); return { ok, failed }; },
  };
}
