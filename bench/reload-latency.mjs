// Reload latency through the control API, per phase: POST /reload?progress=1 -> the new generation serves (its
// READY=1: the `spawned` line plus the `ready` line's readyMs) -> `result` line (settle + drain over), against the bare start-up of the same
// app (spawn to first answer, no holder), alternating. With --kill, also SIGKILL -> first answer of the replacement
// (with the holder's current --standby setting).
//   node bench/reload-latency.mjs [--runs N] [--app FILE] [--settle DUR] [--standby N] [--kill N] [--json]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from 'node:net';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({ options: {
  runs: { type: 'string' }, app: { type: 'string' }, settle: { type: 'string' }, standby: { type: 'string' }, kill: { type: 'string' },
  warmup: { type: 'string' }, json: { type: 'boolean' },
} });
const runs = Number(opt.runs ?? 5);
const app = opt.app ?? join(ROOT, 'bench/apps/fastify-holdfast.mjs');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : null; };

function control(path, method, url, onLine) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, method, path: url }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { buf += c; let i; while ((i = buf.indexOf('\n')) >= 0) { onLine?.(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); } });
      res.on('end', () => resolve(buf));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One GET / on a fresh connection; resolves with true on a 2xx answer. */
function answer(port) {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let got = '';
    s.on('data', (c) => { got += c; });
    s.on('close', () => resolve(/^HTTP\/1\.1 2/.test(got)));
    s.on('error', () => resolve(false));
  });
}

async function bareStartup() {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const t0 = performance.now();
  const child = spawn(process.execPath, [app], { stdio: 'ignore', cwd: join(ROOT, 'bench'), env: { ...process.env, PORT: String(port), HOLDFAST_FALLBACK: String(port) } });
  try {
    for (;;) { if (await answer(port)) return performance.now() - t0; await sleep(5); }
  } finally { child.kill('SIGKILL'); }
}

const dir = mkdtempSync(join(tmpdir(), 'hf-reload-'));
const ctl = join(dir, 'control.sock');
const args = [join(ROOT, 'packages/cli/bin/holdfast.js'), 'run', '-l', 'http=tcp://127.0.0.1:0', '--control', ctl];
if (opt.settle) args.push('--settle', opt.settle);
if (opt.standby) args.push('--standby', opt.standby);
if (opt.warmup) args.push('--warmup', '/', '--warmup-count', opt.warmup); // runs of GET / before READY=1
args.push('--', process.execPath, app);
const holder = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: join(ROOT, 'bench'), env: { ...process.env, HOLDFAST_LOG_LEVEL: 'warn', HOLDFAST_LOG_FORMAT: 'json' } });
let errOut = '';
holder.stderr.on('data', (c) => { errOut += c; });
const out = { runs, settle: opt.settle ?? 'default', standby: Number(opt.standby ?? 0), toReadyMs: [], toResultMs: [], bareStartupMs: [], killToAnswerMs: [] };
try {
  let st;
  for (let i = 0; i < 1500; i++) {
    try { st = JSON.parse(await control(ctl, 'GET', '/status')); if (st.state === 'running') break; } catch { /* starting */ }
    await sleep(20);
  }
  const port = Number(/:(\d+)$/.exec(st.sockets[0].bound)[1]);
  for (let i = 0; i < runs; i++) {
    out.bareStartupMs.push(Math.round(await bareStartup()));
    await sleep(300);
    const t0 = performance.now();
    let ready = null;
    let result = null;
    let spawned = null;
    await control(ctl, 'POST', '/reload?progress=1', (e) => {
      // Serving from READY=1: the spawn (a few ms after the trigger) plus the holder's own spawn-to-READY time. The
      // `ready` line itself comes once the settle period is over.
      if (e.event === 'spawned') spawned ??= performance.now() - t0;
      if (e.event === 'ready') ready ??= spawned + e.readyMs;
      if (e.event === 'result') { result = performance.now() - t0; if (!e.ok) throw new Error(`reload failed: ${JSON.stringify(e.error)}`); }
    });
    out.toReadyMs.push(Math.round(ready));
    out.toResultMs.push(Math.round(result));
    await sleep(300);
  }
  for (let i = 0; i < Number(opt.kill ?? 0); i++) {
    const s = JSON.parse(await control(ctl, 'GET', '/status'));
    if (out.standby) {
      for (let j = 0; j < 1000 && !s.workers.some((w) => w.standby && w.state === 'ready'); j++) {
        await sleep(20);
        Object.assign(s, JSON.parse(await control(ctl, 'GET', '/status')));
      }
    }
    const victim = s.workers.find((w) => !w.standby && w.state === 'ready');
    const t0 = performance.now();
    process.kill(victim.pid, 'SIGKILL');
    await answer(port); // waits in the accept queue until someone accepts
    out.killToAnswerMs.push(Math.round(performance.now() - t0));
    await sleep(1500);
  }
} finally {
  holder.kill('SIGTERM');
  await new Promise((r) => holder.once('exit', r));
}
const summary = { ...out, median: { toReadyMs: median(out.toReadyMs), toResultMs: median(out.toResultMs), bareStartupMs: median(out.bareStartupMs), killToAnswerMs: median(out.killToAnswerMs) } };
summary.median.readyOverBare = summary.median.toReadyMs && +(summary.median.toReadyMs / summary.median.bareStartupMs).toFixed(2);
console.log(opt.json ? JSON.stringify(summary) : JSON.stringify(summary, null, 1));
if (/"level":50/.test(errOut)) console.error(errOut.split('\n').filter((l) => l.includes('"level":50')).slice(0, 5).join('\n'));
