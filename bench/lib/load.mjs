// Load generators: autocannon at maximum rate (50 keep-alive connections) and an undici keep-alive Pool (the
// cross-check: autocannon ignores `Connection: close`, see docs/measurements.md), both binned in time for the chart, and a
// fresh-connection prober that counts refused connections.
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { probe, sleep } from './systems.mjs';

export const BIN_MS = 250;

function binner(t0) {
  const bins = [];
  const at = () => {
    const i = Math.floor((performance.now() - t0) / BIN_MS);
    while (bins.length <= i) bins.push({ ok: 0, err: 0 });
    return bins[i];
  };
  return { bins, ok: () => { at().ok++; }, err: () => { at().err++; } };
}

/**
 * autocannon against `url` until stop() (or `maxSeconds`). Resolves the summary:
 * completed, sent, non2xx, errors by code, unanswered (sent − completed − errors − requests in flight at the
 * stop, at most one per connection), latency, per-bin counts.
 */
export function startAutocannon(url, { connections = 50, maxSeconds = 600 } = {}) {
  const t0 = performance.now();
  const b = binner(t0);
  const errorCodes = {};
  const latencies = {}; // phase → response times (ms), so that one run gives a steady and a during-reloads p99
  let phase = 'warmup';
  let inst;
  const done = new Promise((resolve, reject) => {
    inst = autocannon({ url, connections, pipelining: 1, duration: maxSeconds, timeout: 10 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
  inst.on('response', (_c, status, _bytes, ms) => { if (status >= 200 && status < 300) b.ok(); else b.err(); (latencies[phase] ??= []).push(ms); });
  inst.on('reqError', (err) => { b.err(); const c = err?.code ?? err?.message ?? 'error'; errorCodes[c] = (errorCodes[c] ?? 0) + 1; });
  return {
    t0,
    elapsedMs: () => performance.now() - t0,
    /** Label the responses from now on (latency percentiles per phase). */
    setPhase(name) { phase = name; },
    async stop() {
      inst.stop();
      const res = await done;
      const ms = performance.now() - t0;
      const sentMinusCompleted = res.requests.sent - res.requests.total;
      return {
        ms, completed: res.requests.total, sent: res.requests.sent, ok: res['2xx'], non2xx: res.non2xx,
        errors: res.errors, timeouts: res.timeouts, errorCodes, sentMinusCompleted,
        // sent − completed also holds the errored requests and the ones in flight when the run stopped (at most
        // one per connection); what is left was written and never answered (autocannon ignores Connection: close).
        unanswered: Math.max(0, sentMinusCompleted - res.errors - connections),
        rps: res.requests.total / (ms / 1000),
        latency: { p50: res.latency.p50, p99: res.latency.p99, max: res.latency.max },
        p99ByPhase: Object.fromEntries(Object.entries(latencies).map(([k, v]) => [k, percentile(v, 0.99)])),
        bins: b.bins,
      };
    },
  };
}

function percentile(xs, q) {
  if (!xs.length) return null;
  const s = Float64Array.from(xs).sort();
  return +s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(2);
}

/** `connections` request loops on one undici keep-alive Pool until stop(). Every request is accounted for. */
export function startUndici(url, { connections = 50, pauseMs = 0 } = {}) {
  const t0 = performance.now();
  const b = binner(t0);
  const r = { requests: 0, ok: 0, non2xx: 0, errorCodes: {} };
  let running = true;
  const pool = new Pool(url, { connections, pipelining: 1 });
  const loops = Array.from({ length: connections }, async () => {
    while (running) {
      r.requests++;
      try {
        const res = await pool.request({ path: '/', method: 'GET', headersTimeout: 10_000, bodyTimeout: 10_000 });
        await res.body.text();
        if (res.statusCode >= 200 && res.statusCode < 300) { r.ok++; b.ok(); } else { r.non2xx++; b.err(); }
      } catch (err) {
        b.err();
        const c = err?.cause?.code ?? err?.code ?? String(err);
        r.errorCodes[c] = (r.errorCodes[c] ?? 0) + 1;
      }
      if (pauseMs) await sleep(pauseMs);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      await pool.close();
      const errors = Object.values(r.errorCodes).reduce((a, x) => a + x, 0);
      return { ...r, errors, failed: errors + r.non2xx, ms: performance.now() - t0, bins: b.bins };
    },
  };
}

/**
 * `parallel` loops of GET / on fresh connections (every request its own connect) until stop(). Records each
 * outcome with its time, so that refused connections and the first answer from a new pid can be read off.
 */
export function startProber(port, { parallel = 4, pauseMs = 2 } = {}) {
  const t0 = performance.now();
  const outcomes = [];
  let running = true;
  const loops = Array.from({ length: parallel }, async () => {
    while (running) {
      const start = performance.now();
      const r = await probe(port, 5000);
      outcomes.push({ start, end: performance.now(), ...r });
      if (!r.ok) await sleep(pauseMs);
    }
  });
  return {
    t0,
    outcomes,
    async stop() { running = false; await Promise.all(loops); return outcomes; },
  };
}

/** Count failures by code among prober outcomes that started at or after `from` (performance.now()). */
export function countFailures(outcomes, from = 0) {
  const codes = {};
  for (const o of outcomes) if (o.start >= from && !o.ok) codes[o.code] = (codes[o.code] ?? 0) + 1;
  return codes;
}
