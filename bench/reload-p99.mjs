// p99 latency during reloads, per phase, timed per request with undici (each request from its own start: no
// client-side mis-timing after reconnects). A keep-alive Pool at full speed runs through `--reloads` reloads
// (POST /reload?progress=1); each request is put in the phase its start falls in:
//   steady   before the first reload
//   startup  trigger → the new generation's READY=1 (`ready` line)
//   settle   READY=1 → READY=1 + settle period (both generations accept)
//   drain    settle over → old generation exited (`drained` line)
//   cold     the first 500 ms after the settle period (the old one's connections move to the new worker)
//   duringReloads  every request from a trigger to the end of its drain or cold phase, whichever is later
// and reports p99 per phase and over steady. Run with and without warm-up: --warmup N (runs of GET / before
// READY=1). --client autocannon runs the same load with autocannon, each request timed from its own write (its
// client's 'request' event, pipelining 1) to its response: not autocannon's own latency, which mis-times the
// requests after a reconnect (docs/measurements.md).
//   node bench/reload-p99.mjs [--reloads N] [--warmup N] [--warmup-via socket|in-process] [--handover-ramp MS]
//                             [--connections C] [--client undici|autocannon] [--idle-start DUR] [--json]
import autocannon from 'autocannon';
import { Agent, Pool, request } from 'undici';
import { parseArgs } from 'node:util';
import { installSignalCleanup, sleep, stopAll } from './lib/proc.mjs';
import { startHoldfast } from './lib/systems.mjs';

const { values: opt } = parseArgs({ options: { reloads: { type: 'string' }, warmup: { type: 'string' }, connections: { type: 'string' }, client: { type: 'string' }, 'warmup-via': { type: 'string' }, 'handover-ramp': { type: 'string' }, 'idle-start': { type: 'string' }, json: { type: 'boolean' } } });
const reloads = Number(opt.reloads ?? 5);
const warmup = Number(opt.warmup ?? 0);
const connections = Number(opt.connections ?? 50);
const client = opt.client ?? 'undici';
const warmupVia = opt['warmup-via'] ?? 'socket'; // HOLDFAST_WARMUP_VIA: socket (real HTTP on a private socket) or in-process
const handoverRamp = opt['handover-ramp']; // HOLDFAST_HANDOVER_RAMP_MS: ms between doublings of the hand-over; 0 = all at once
if (client !== 'undici' && client !== 'autocannon') throw new Error(`--client is ${JSON.stringify(client)}; expected undici or autocannon`);
const SETTLE_MS = 300; // the holder's default --settle
const COLD_MS = 500;

installSignalCleanup();
const sys = await startHoldfast({ warmup, holderArgs: opt['idle-start'] === undefined ? [] : ['--idle-start', opt['idle-start']], env: { HOLDFAST_WARMUP_VIA: warmupVia, ...(handoverRamp === undefined ? {} : { HOLDFAST_HANDOVER_RAMP_MS: handoverRamp }) } });
const samples = []; // [startMs, latencyMs, ok]
let running = true;
let stopLoad;
const moved = []; // autocannon only: latency of each request answered by another worker than its connection's previous one
if (client === 'undici') {
  const pool = new Pool(sys.url, { connections, pipelining: 1 });
  const loops = Array.from({ length: connections }, async () => {
    while (running) {
      const t = performance.now();
      let ok = false;
      try {
        const res = await pool.request({ path: '/', method: 'GET', headersTimeout: 10_000, bodyTimeout: 10_000 });
        await res.body.text();
        ok = res.statusCode < 300;
      } catch { /* counted as not ok */ }
      samples.push([t, performance.now() - t, ok]);
    }
  });
  stopLoad = async () => { running = false; await Promise.all(loops); await pool.close(); };
} else {
  // pipelining 1: one request in flight per client, so its start is the last 'request' event (a request lost
  // with a closed connection is replaced by the one written on the new connection, never answered late).
  const inst = autocannon({
    url: sys.url, connections, pipelining: 1, duration: 600, timeout: 10,
    setupClient(c) {
      // One client is one connection: a response from another pid than the last one on this client is the request
      // that was waiting while its connection moved to the new generation (its latency includes the hand-over trip).
      let start = 0;
      let pid;
      let lastPid;
      c.on('request', () => { start = performance.now(); });
      c.on('body', (body) => { pid = /"pid":(\d+)/.exec(String(body))?.[1]; });
      c.on('response', (status) => {
        const now = performance.now();
        samples.push([start, now - start, status < 300]);
        if (lastPid !== undefined && pid !== undefined && pid !== lastPid) moved.push(now - start);
        if (pid !== undefined) lastPid = pid;
      });
    },
  });
  inst.on('reqError', () => { samples.push([performance.now(), 0, false]); });
  const done = new Promise((resolve) => inst.once('done', resolve));
  stopLoad = async () => { inst.stop(); await done; };
}

function reload() {
  return new Promise((resolve, reject) => {
    const dispatcher = new Agent({ connect: { socketPath: sys.control }, headersTimeout: 0, bodyTimeout: 0 });
    const at = { trigger: performance.now() };
    request('http://holdfast/reload?progress=1', { method: 'POST', dispatcher }).then(async (res) => {
      let buf = '';
      for await (const chunk of res.body) {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const e = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1);
          at[e.event] ??= performance.now();
          // The client's own clock reads these lines late when its event loop is busy with the load: anchor the
          // phases on the trigger (sent before the load's next turn) and the holder's own durations instead.
          if (e.event === 'ready') at.readyMs = e.readyMs;
          if (e.event === 'drained') at.drainMs ??= e.drainMs;
          if (e.event === 'result' && !e.ok) reject(new Error(JSON.stringify(e.error)));
        }
      }
      await dispatcher.close();
      resolve(at);
    }, reject);
  });
}

const windows = [];
let t0;
try {
  await sleep(1500);
  t0 = performance.now();
  await sleep(1500);
  for (let i = 0; i < reloads; i++) { windows.push(await reload()); await sleep(700); }
} finally {
  await stopLoad();
  await sys.stop();
  await stopAll();
}

const p99 = (xs) => { if (!xs.length) return null; const s = Float64Array.from(xs).sort(); return +s[Math.min(s.length - 1, Math.floor(0.99 * s.length))].toFixed(1); };
const phases = { steady: [], startup: [], settle: [], drain: [], cold: [], duringReloads: [] };
let failed = 0;
for (const [t, ms, ok] of samples) {
  if (!ok) failed++;
  if (t >= t0 && t < windows[0].trigger) { phases.steady.push(ms); continue; }
  for (const w of windows) {
    const ready = w.trigger + w.readyMs; // spawn follows the trigger within a few ms
    const settleEnd = ready + SETTLE_MS;
    if (t >= w.trigger && t < ready) phases.startup.push(ms);
    else if (t >= ready && t < settleEnd) phases.settle.push(ms);
    else if (t >= settleEnd && t < settleEnd + (w.drainMs ?? 0)) phases.drain.push(ms);
    if (t >= settleEnd && t < settleEnd + COLD_MS) phases.cold.push(ms);
    // duringReloads: every request from the trigger to the end of the drain or of the cold phase, whichever is later.
    if (t >= w.trigger && t < settleEnd + Math.max(COLD_MS, w.drainMs ?? 0)) phases.duringReloads.push(ms);
  }
}
const out = { client, warmup, warmupVia: warmup > 0 ? warmupVia : null, handoverRampMs: handoverRamp === undefined ? null : Number(handoverRamp), reloads, connections, requests: samples.length, failed, p99: {}, overSteady: {}, samplesPerPhase: {} };
for (const [k, v] of Object.entries(phases)) { out.p99[k] = p99(v); out.samplesPerPhase[k] = v.length; }
for (const k of ['startup', 'settle', 'drain', 'cold', 'duringReloads']) out.overSteady[k] = out.p99[k] && out.p99.steady ? +(out.p99[k] / out.p99.steady).toFixed(2) : null;
if (client === 'autocannon') {
  const s = Float64Array.from(moved).sort();
  const q = (f) => (s.length ? +s[Math.min(s.length - 1, Math.floor(f * s.length))].toFixed(1) : null);
  out.movedRequests = { count: s.length, p50: q(0.5), p99: q(0.99), max: q(1) };
}
out.reloadMs = { toReady: windows.map((w) => Math.round(w.ready - w.trigger)), toResult: windows.map((w) => Math.round(w.result - w.trigger)) };
console.log(opt.json ? JSON.stringify(out) : JSON.stringify(out, null, 1));
