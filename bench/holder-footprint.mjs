// Holder footprint: start `holdfast run` with a minimal worker, wait for READY, then report the holder's RSS
// after `--idle-ms` of idling, its CPU time (user+sys) over that idle period, and the time from spawn to the
// first answer of the control API. With --metrics, GET /metrics once first (the metrics endpoint in use).
// Next to RSS, from /proc/PID/smaps_rollup: PSS (shared pages divided among the processes that map them, e.g. the
// node binary's code shared with the workers) and the anonymous part (heap, stacks: memory only this holder uses;
// the rest of RSS is file pages of the node binary and libraries, which the kernel can drop and re-read).
//   node bench/holder-footprint.mjs [--runs N] [--idle-ms MS] [--metrics] [--json]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({ options: { runs: { type: 'string' }, 'idle-ms': { type: 'string' }, metrics: { type: 'boolean' }, json: { type: 'boolean' } } });
const runs = Number(opt.runs ?? 3);
const idleMs = Number(opt['idle-ms'] ?? 3000);
const TICK = 100; // USER_HZ on Linux
const PAGE = 4096;

function stat(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { cpuMs: ((Number(f[11]) + Number(f[12])) / TICK) * 1000, rssMiB: (Number(f[21]) * PAGE) / 2 ** 20 };
}

/** Rss, Pss and Anonymous of /proc/PID/smaps_rollup, in MiB. */
function rollup(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMiB: kib('Rss') / 1024, pssMiB: kib('Pss') / 1024, anonMiB: kib('Anonymous') / 1024 };
}

function get(path, url) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, path: url, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function once() {
  const dir = mkdtempSync(join(tmpdir(), 'hf-footprint-'));
  const app = join(ROOT, 'bench/apps/http-minimal.mjs');
  const control = join(dir, 'control.sock');
  const t0 = performance.now();
  const holder = spawn(process.execPath, [join(ROOT, 'packages/cli/bin/holdfast.js'), 'run', '--listen', 'http=tcp://127.0.0.1:0', '--control', control, '--', process.execPath, app],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: join(ROOT, 'bench'), env: { ...process.env, HOLDFAST_LOG_LEVEL: 'warn' } });
  let err = '';
  holder.stderr.on('data', (c) => { err += c; });
  try {
    let controlMs = null;
    for (let i = 0; i < 600; i++) {
      try {
        const st = await get(control, '/status');
        controlMs ??= performance.now() - t0;
        if (JSON.parse(st.body).state === 'running') break;
      } catch { /* not yet */ }
      await sleep(20);
    }
    if (opt.metrics) await get(control, '/metrics');
    await sleep(500);
    const a = stat(holder.pid);
    await sleep(idleMs);
    const b = stat(holder.pid);
    const mem = rollup(holder.pid);
    return {
      controlMs: Math.round(controlMs), rssMiB: +b.rssMiB.toFixed(1), pssMiB: +mem.pssMiB.toFixed(1), anonMiB: +mem.anonMiB.toFixed(1),
      idleCpuPct: +(((b.cpuMs - a.cpuMs) / idleMs) * 100).toFixed(2),
    };
  } finally {
    holder.kill('SIGTERM');
    await new Promise((r) => holder.once('exit', r));
    if (err.includes('"level":50')) console.error(err);
  }
}

const out = [];
for (let i = 0; i < runs; i++) out.push(await once());
const sorted = (k) => out.map((o) => o[k]).sort((x, y) => x - y);
const med = (k) => sorted(k)[Math.floor(out.length / 2)];
const range = (k) => [sorted(k)[0], sorted(k).at(-1)];
const summary = {
  runs, idleMs, metrics: !!opt.metrics, controlMs: med('controlMs'), rssMiB: med('rssMiB'), rssRangeMiB: range('rssMiB'),
  pssMiB: med('pssMiB'), anonMiB: med('anonMiB'), idleCpuPct: med('idleCpuPct'), each: out,
};
console.log(opt.json ? JSON.stringify(summary) : summary);
