#!/usr/bin/env node
// Soak: N reloads in a row under a light keep-alive load, then compare the manager's footprint (open fds, RSS,
// live child processes) after the first reload with the footprint at the end. A leak of one fd or one
// process per reload shows up as N-1 here.
//
//   node bench/soak.mjs [--target holdfast|pm2] [--reloads N] [--max-seconds S] [--json]
//
// holdfast: the holder process, reloads by POST /reload on the control API (no CLI process per reload).
// pm2: the PM2 daemon (God), reloads through pm2's programmatic API against a daemon in a temp PM2_HOME.
// Prints a short report, or with --json one JSON line. Exit 1 if a reload failed or a request failed.
import { parseArgs } from 'node:util';
import { footprint, installSignalCleanup, sleep, stopAll, until } from './lib/proc.mjs';
import { startHoldfast, startPm2 } from './lib/systems.mjs';
import { startUndici } from './lib/load.mjs';

const { values: opt } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { target: { type: 'string', default: 'holdfast' }, reloads: { type: 'string', default: '1000' }, 'max-seconds': { type: 'string', default: '1800' }, json: { type: 'boolean', default: false } },
});
const N = Math.max(2, Number(opt.reloads));
const maxMs = Number(opt['max-seconds']) * 1000;
const log = (m) => { if (!opt.json) process.stderr.write(`${m}\n`); };

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };

async function soak() {
  installSignalCleanup();
  let sys; let reload; let managerPid; let settle; let disconnect = async () => {};
  if (opt.target === 'holdfast') {
    sys = await startHoldfast();
    reload = () => sys.reloadApi();
    managerPid = () => sys.holder.pid;
    // Settled: only the current generation is alive (the old one has drained and been reaped).
    settle = () => until(async () => (await sys.status()).workers.length === 1, { timeoutMs: 15_000, what: 'old generations reaped' });
  } else if (opt.target === 'pm2') {
    sys = await startPm2();
    process.env.PM2_HOME = sys.home; // read by pm2 when it is imported
    const { default: pm2 } = await import('pm2');
    await new Promise((res, rej) => pm2.connect((err) => (err ? rej(err) : res())));
    disconnect = async () => pm2.disconnect();
    reload = () => new Promise((res) => {
      const t0 = performance.now();
      pm2.reload('bench', (err) => res({ ok: !err, ms: performance.now() - t0, detail: err ? String(err.message ?? err) : 'ok' }));
    });
    managerPid = () => sys.daemonPid();
    settle = () => until(() => footprint(managerPid()).children === 1, { timeoutMs: 15_000, what: 'old pm2 workers gone' });
  } else {
    throw new Error(`--target is ${JSON.stringify(opt.target)}; expected holdfast or pm2`);
  }

  const load = startUndici(sys.url, { connections: 4, pauseMs: 10 }); // light: about 4 × 100 req/s
  const t0 = performance.now();
  const results = [];
  try {
    results.push(await reload());
    await settle();
    await sleep(200);
    const first = footprint(managerPid());
    log(`${opt.target}: after reload 1: ${JSON.stringify(first)}`);
    for (let i = 2; i <= N && performance.now() - t0 < maxMs; i++) {
      results.push(await reload());
      if (i % 100 === 0) log(`${opt.target}: ${i} reloads, ${JSON.stringify(footprint(managerPid()))}`);
    }
    await settle();
    await sleep(200);
    const end = footprint(managerPid());
    const req = await load.stop();
    const failedReloads = results.filter((r) => !r.ok).length;
    return {
      target: opt.target, manager: opt.target === 'holdfast' ? 'holder' : 'PM2 daemon',
      reloads: results.length, requested: N, failedReloads, reloadMsMedian: Math.round(median(results.map((r) => r.ms))),
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
      first, end, growth: { fds: end.fds - first.fds, rssMiB: +(end.rssMiB - first.rssMiB).toFixed(1), children: end.children - first.children },
      requests: req.requests, failedRequests: req.failed, errorCodes: req.errorCodes,
      ok: failedReloads === 0 && req.failed === 0,
    };
  } finally {
    await load.stop().catch(() => {});
    await disconnect();
  }
}

let report;
try {
  report = await soak();
} catch (err) {
  report = { target: opt.target, ok: false, error: String(err?.stack ?? err) };
} finally {
  await stopAll();
}
if (opt.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exitCode = report.ok ? 0 : 1;
