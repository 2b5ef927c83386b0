// Instructions per request of the worker process, the same app bare and under `holdfast run`, counted by
// valgrind's callgrind (lib/callgrind.mjs): a count that the other work of a shared machine does not change, so
// that a ratio can resolve about 1% where CPU time (cpu-per-request.mjs) cannot.
//
//   node bench/cpu-instructions.mjs [--app fastify|http] [--windows K] [--requests M] [--warmup W] [--settle S] [--turbofan] [--json]
//
// Both workers run at once, each under its own valgrind, with the instrumentation off while W requests warm them
// up (V8 compiles the hot paths; uninstrumented valgrind is ~10x faster than callgrind), then on. S windows per
// system settle and are not counted; then K pairs of windows of M sequential requests on one keep-alive connection,
// bare and holdfast in turn (order flipped every pair), only one loaded at a time: zero the counters, M requests,
// dump. A pair gives one ratio holdfast / bare; the figure is their median with its distribution-free 95% interval
// (sign test), as a window that holds one of the worker's rare major GCs is an outlier; the mean with a t interval
// is beside it. Both workers run `node --no-opt` (no TurboFan; the interpreter and the baseline compiler, whose
// code depends only on what ran): with TurboFan, when V8 optimizes and deoptimizes under valgrind's slow-down
// differed between the two processes of one run and moved their counts by up to 3x (--turbofan keeps it, to see).
// A run's window sequence is printed to check that the counts are flat after the warm-up. The
// holder does not touch request traffic (the worker accepts on the inherited listen fd): its own CPU time over
// the same windows (schedstat ns) is reported beside the ratio.
// --app fastify: bare apps/fastify-self.mjs (fastify listening itself), under holdfast apps/fastify-holdfast.mjs
// (the same route served by the adapter's serve() on the listen fd), as in cpu-per-request.mjs.
// --app http: apps/http-minimal-self.mjs both ways, an unmodified node:http app; under holdfast the register hook
// (the preload) makes its listen() use the listen fd.
// Without valgrind it prints { skipped } and exits 0.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { installSignalCleanup, start, stop, stopAll, threadsCpuMs } from './lib/proc.mjs';
import { APP_HOLDFAST, APP_SELF, BENCH, freePort, startHoldfast, tempDir, waitAnswer } from './lib/systems.mjs';
import { callgrindPrefix, control, instructionWindow, sequentialRequests, valgrindMissing } from './lib/callgrind.mjs';
import { meanCi, medianCi } from './lib/stats.mjs';

const HTTP_SELF = join(BENCH, 'apps/http-minimal-self.mjs');
const APPS = { fastify: { bare: APP_SELF, holdfast: APP_HOLDFAST }, http: { bare: HTTP_SELF, holdfast: HTTP_SELF } };
const START_TIMEOUT_MS = 240_000; // node under valgrind starts in 10-40 s on a loaded 2-core machine
const { values: opt } = parseArgs({ options: {
  app: { type: 'string', default: 'fastify' }, windows: { type: 'string' }, requests: { type: 'string' },
  warmup: { type: 'string' }, settle: { type: 'string' }, turbofan: { type: 'boolean' }, json: { type: 'boolean' },
} });
const app = APPS[opt.app];
if (!app) { console.error(`--app is ${JSON.stringify(opt.app)}; expected ${Object.keys(APPS).join(' or ')}`); process.exit(2); }
const cfg = { app: opt.app, windows: Number(opt.windows ?? 12), requests: Number(opt.requests ?? 500), warmup: Number(opt.warmup ?? 3000), settle: Number(opt.settle ?? 1) };
const NODE = [process.execPath, ...(opt.turbofan ? [] : ['--no-opt'])];
for (const [k, v] of Object.entries(cfg)) if (k !== 'app' && !(Number.isInteger(v) && v >= (k === 'settle' ? 0 : 1))) { console.error(`--${k} is ${v}; expected a positive integer`); process.exit(2); }
const log = (m) => { if (!opt.json) process.stderr.write(`[instructions ${(performance.now() / 1000).toFixed(0)}s] ${m}\n`); };

const missing = valgrindMissing();
if (missing) {
  console.log(JSON.stringify({ skipped: missing }));
  process.exit(0);
}

async function startBareUnder() {
  const dir = tempDir('callgrind-bare');
  const port = await freePort();
  const proc = start(callgrindPrefix(dir)[0], [...callgrindPrefix(dir).slice(1), ...NODE, app.bare], { env: { ...process.env, PORT: String(port) } });
  await waitAnswer(port, { timeoutMs: START_TIMEOUT_MS }).catch((err) => { throw new Error(`${err.message}\n${proc.output}`); });
  return { name: 'bare', pid: proc.pid, dir, url: `http://127.0.0.1:${port}`, stop: () => stop(proc) };
}

async function startHoldfastUnder() {
  const dir = tempDir('callgrind-holdfast');
  const sys = await startHoldfast({ app: app.holdfast, command: [...callgrindPrefix(dir), ...NODE, app.holdfast], holderArgs: ['--ready-timeout', `${START_TIMEOUT_MS / 1000}s`], readyTimeoutMs: START_TIMEOUT_MS });
  return { name: 'holdfast', pid: await sys.workerPid(), holderPid: sys.holder.pid, dir, url: sys.url, stop: () => sys.stop() };
}

installSignalCleanup();
const t0 = performance.now();
const seq = { bare: [], holdfast: [] }; // every window, settle ones included: { total, main, requests, ms, counted }
const pairs = [];
let holderMs = 0; let holderWindowMs = 0; let holdfastRequests = 0;
let failed = 0;
try {
  log(`starting ${opt.app} bare and under holdfast, each under valgrind`);
  const [bare, holdfast] = await Promise.all([startBareUnder(), startHoldfastUnder()]);
  const systems = { bare, holdfast };
  log(`warm-up: ${cfg.warmup} requests each, instrumentation off`);
  // 4 connections each: the warm-up only has to run the code, and uninstrumented valgrind still costs ~10x.
  const warm = (await Promise.all([bare, holdfast].flatMap((s) => [0, 1, 2, 3].map((i) => sequentialRequests(s.url, Math.floor(cfg.warmup / 4) + (i < cfg.warmup % 4 ? 1 : 0)))))).flat();
  failed += warm.reduce((a, w) => a + w.failed, 0);
  await Promise.all([bare, holdfast].map((s) => control(s.pid, '-i', 'on')));
  const holder0 = threadsCpuMs(holdfast.holderPid);
  const window = async (key, counted) => {
    const h0 = threadsCpuMs(holdfast.holderPid);
    const w = await instructionWindow(systems[key], cfg.requests);
    const h = threadsCpuMs(holdfast.holderPid) - h0;
    if (key === 'holdfast' && counted) { holderWindowMs += h; holdfastRequests += w.requests; }
    failed += w.failed;
    seq[key].push({ ...w, counted, perRequest: Math.round(w.total / w.requests) });
    log(`${counted ? 'window' : 'settle'} ${key}: ${(w.total / w.requests / 1000).toFixed(1)} k instructions/request (main thread ${(w.main / w.requests / 1000).toFixed(1)} k), ${w.ms} ms`);
    return w;
  };
  for (let i = 0; i < cfg.settle; i++) for (const k of ['bare', 'holdfast']) await window(k, false);
  for (let i = 0; i < cfg.windows; i++) {
    const p = {};
    for (const k of i % 2 ? ['holdfast', 'bare'] : ['bare', 'holdfast']) p[k] = await window(k, true);
    pairs.push(p);
  }
  holderMs = threadsCpuMs(holdfast.holderPid) - holder0;
} finally {
  await stopAll();
}

const per = (w) => w.total / w.requests;
const perMain = (w) => w.main / w.requests;
const r = (x, d = 4) => (Number.isFinite(x) ? +x.toFixed(d) : null);
const ci = (c, d = 4) => ({ ...('median' in c ? { median: r(c.median, d) } : { mean: r(c.mean, d) }), ci95: c.ci95?.map((x) => r(x, d)) ?? null, n: c.n, halfWidthPct: half(c) });
const ratios = pairs.map((p) => per(p.holdfast) / per(p.bare));
const ratio = medianCi(ratios);
const ratioMean = meanCi(ratios);
const ratioMain = medianCi(pairs.map((p) => perMain(p.holdfast) / perMain(p.bare)));
const half = (c) => (c.ci95 ? r(((c.ci95[1] - c.ci95[0]) / 2) * 100, 2) : null);
const sysFig = (k) => {
  const c = meanCi(pairs.map((p) => per(p[k])));
  return { instructionsPerRequest: Math.round(c.mean), medianPerRequest: Math.round(medianCi(pairs.map((p) => per(p[k]))).median), cv: r(c.cv), mainThreadPerRequest: Math.round(meanCi(pairs.map((p) => perMain(p[k]))).mean), sequence: seq[k].map((w) => w.perRequest), settleWindows: cfg.settle };
};
const measuredMs = pairs.reduce((a, p) => a + p.bare.ms + p.holdfast.ms, 0);
const summary = {
  ...cfg, nodeFlags: NODE.slice(1), pairs: pairs.length,
  // The figure: median of the paired ratios, distribution-free 95% interval. Beside it the mean with a t interval,
  // which a window holding a major GC (~70 M instructions for the fastify app) widens.
  ratio: ci(ratio), ratioMean: ci(ratioMean), ratios: ratios.map((x) => r(x)), ratioMainThread: ci(ratioMain),
  bare: sysFig('bare'), holdfast: sysFig('holdfast'),
  // The holder over all counted windows (its own threads): bare windows included, when it only waits.
  holder: { cpuMs: r(holderMs, 2), cpuMsPerSecond: r((holderMs * 1000) / measuredMs, 3), nsPerHoldfastRequest: Math.round((holderWindowMs * 1e6) / holdfastRequests) },
  failed, seconds: Math.round((performance.now() - t0) / 1000),
};
console.log(opt.json ? JSON.stringify(summary) : JSON.stringify(summary, null, 1));
process.exitCode = failed ? 1 : 0;
