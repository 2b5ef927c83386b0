#!/usr/bin/env node
// pnpm bench: holdfast against bare node, PM2 (cluster mode, `pm2 reload`) and nodemon, on the same fastify
// app and the same load (autocannon, 50 keep-alive connections, maximum rate), in one run on one machine.
//
//   node bench/run.mjs [--quick] [--runs N] [--reloads N] [--only LIST] [--fault reload] [--json-out FILE] [--out-dir DIR] [--docs] [--warmup N]
//
// The machine is shared and noisy, so every figure that compares two systems is a ratio taken within one
// round, rounds alternate the order of the systems, and the table gives the median with the spread (min–max)
// and the number of rounds. Throughput overhead is CPU time per request (user+sys of the system's processes,
// /proc/PID/stat), with req/s alongside. Everything started is stopped at the end, also on failure or ^C.
//
// Prints the markdown table, then one JSON line; writes bench/results/{bench.json,bench.md,bench.svg}; with
// --docs (default for a full run) also docs/bench.svg and docs/bench.md. Exit 1 when something failed
// that must not: a reload that failed or rolled back, a phase that threw, a holdfast request lost.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installSignalCleanup, run, sleep, stopAll, until } from './lib/proc.mjs';
import { BENCH, ROOT, startBare, startHoldfast, startNodemon, startPm2 } from './lib/systems.mjs';
import { devSave, idleClientsDrain, idleReloads, managerFootprint, reloadsUnderAutocannon, reloadsUnderUndici, sigkill, startHoldfastDev, startup, steady, udpSwaps } from './lib/phases.mjs';
import { BIN_MS } from './lib/load.mjs';
import { cliLatency } from './lib/cli-latency.mjs';
import { fmt, spread, sum } from './lib/stats.mjs';
import { chart } from './lib/svg.mjs';
import { outputCost } from './lib/output.mjs';

const { values: opt } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'), // `pnpm bench -- --quick` passes the `--` through
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    reloads: { type: 'string' },
    only: { type: 'string' },
    fault: { type: 'string' },
    'json-out': { type: 'string' },
    'out-dir': { type: 'string' },
    docs: { type: 'boolean' },
    warmup: { type: 'string' }, // holdfast: runs of GET / in-process before READY=1 (--warmup / --warmup-count N); 0 = off
  },
});
const SECTIONS = ['throughput', 'reload', 'undici', 'handover', 'sigkill', 'dev', 'udp', 'output', 'soak', 'cli'];
const only = opt.only ? opt.only.split(',') : SECTIONS;
for (const s of only) if (!SECTIONS.includes(s)) { console.error(`--only: unknown section ${JSON.stringify(s)}; expected some of ${SECTIONS.join(',')}`); process.exit(2); }
if (opt.fault && opt.fault !== 'reload') { console.error(`--fault is ${JSON.stringify(opt.fault)}; expected reload`); process.exit(2); }
const want = (s) => only.includes(s);

const Q = opt.quick;
const cfg = {
  mode: Q ? 'quick' : 'full',
  runs: Number(opt.runs ?? (Q ? 1 : 3)), // alternating runs of the reload, kill and dev figures
  throughputRuns: Number(opt.runs ?? (Q ? 1 : 5)), // alternating runs of the steady-load figures (the noisiest)
  steadySeconds: Q ? 1 : 6,
  idleReloadsPerRun: Q ? 1 : 3, // holdfast and PM2 with no load, for reload duration / start-up time
  reloadsPerRun: Q ? 1 : 8, // holdfast and PM2, under autocannon
  nodemonRestartsPerRun: Q ? 1 : 4,
  undiciReloadsPerRun: Q ? 1 : 4,
  undiciSystems: Q ? ['holdfast'] : ['holdfast', 'pm2', 'nodemon'],
  handoverReloadsPerRun: Q ? 1 : 3, // old-generation exit with idle keep-alive clients, hand-over on and off
  idleClients: 20,
  gapMs: Q ? 200 : 700,
  steadyMsBeforeReloads: Q ? 500 : 2000,
  devSavesPerRun: Q ? 1 : 3,
  udpSwaps: Q ? 2 : 100,
  udpRate: 5000,
  outputLines: Q ? 20_000 : 200_000, // of outputLineBytes each: 2.4 MiB quick, 24 MiB full
  outputLineBytes: 128,
  soakReloads: Number(opt.reloads ?? (Q ? 2 : 1000)),
  soakReloadsPm2: Q ? 0 : Math.min(100, Number(opt.reloads ?? 100)), // pm2 reloads are slower; its daemon's growth shows in 100
  connections: 50,
  cliRuns: Q ? 2 : 20, // alternating rounds of node -e 0, status, status --json, reload
};
const log = (m) => process.stderr.write(`[bench ${((performance.now()) / 1000).toFixed(0)}s] ${m}\n`);
const problems = [];
const problem = (m) => { problems.push(m); log(`PROBLEM: ${m}`); };

const versionOf = (p) => { try { return JSON.parse(readFileSync(join(BENCH, 'node_modules', p, 'package.json'), 'utf8')).version; } catch { return null; } };
const meta = {
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model?.trim(), cores: os.cpus().length, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), kernel: `${os.type()} ${os.release()}`, loadavgAtStart: os.loadavg().map((x) => +x.toFixed(2)) },
  versions: {
    node: process.versions.node,
    holdfast: JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')).version,
    holdfastCommit: (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, timeoutMs: 5000 }).catch(() => ({ out: '' }))).out.trim() || null,
    pm2: versionOf('pm2'), nodemon: versionOf('nodemon'), autocannon: versionOf('autocannon'), fastify: versionOf('fastify'), undici: versionOf('undici'),
  },
};

installSignalCleanup();
const t0 = Date.now();
const rounds = [];
const tput = [];
const extra = {};

async function guarded(name, fn) {
  try { return await fn(); } catch (err) { problem(`${name}: ${String(err?.message ?? err).split('\n')[0]}`); return undefined; }
}

try {
  const needBare = want('throughput');
  const needPm2 = ['throughput', 'reload', 'undici', 'sigkill'].some(want);
  const needHf = ['throughput', 'reload', 'undici', 'sigkill', 'handover', 'cli'].some(want);
  const needNodemon = ['reload', 'dev'].some(want) || (want('undici') && cfg.undiciSystems.includes('nodemon'));
  log(`mode ${cfg.mode}: ${cfg.runs} run(s); sections ${only.join(',')}`);
  const sys = {};
  // Started together (start-up is not measured here; the bare app's is, alone, in each run).
  const starting = [
    needBare && startBare().then((x) => { sys.bare = x; }),
    needHf && startHoldfast({ fault: opt.fault, warmup: Number(opt.warmup ?? 0) }).then((x) => { sys.holdfast = x; }),
    // The same app and holder with the connection hand-over off (the drain closes idle connections itself).
    // The same holder with a warm standby: SIGKILL promotes it instead of starting a worker.
    want('sigkill') && startHoldfast({ standby: 1 }).then((x) => { sys.holdfastStandby = { ...x, name: 'holdfast --standby 1' }; }),
    want('handover') && startHoldfast({ env: { HOLDFAST_HANDOVER: '0' } }).then((x) => { sys.holdfastNoHandover = { ...x, name: 'holdfast (hand-over off)' }; }),
    needPm2 && startPm2().then((x) => { sys.pm2 = x; }),
    needNodemon && startNodemon().then((x) => { sys.nodemon = x; }),
  ].filter(Boolean);
  const started = await Promise.allSettled(starting);
  const failedStart = started.find((x) => x.status === 'rejected');
  if (failedStart) throw failedStart.reason;
  if (want('throughput') && !Q) { log('warm-up'); for (const s of ['bare', 'holdfast', 'pm2']) await steady(sys[s], 2); }
  if (sys.holdfast) extra.holderSteady = managerFootprint(sys.holdfast.holder.pid);
  if (sys.pm2) extra.pm2DaemonSteady = managerFootprint(sys.pm2.daemonPid());

  let dev;
  if (want('dev')) dev = await guarded('holdfast dev start', () => startHoldfastDev());

  if (want('throughput')) {
    for (let i = 0; i < cfg.throughputRuns; i++) {
      const T = { run: i + 1, steady: {} };
      tput.push(T);
      for (const s of (i % 2 ? ['pm2', 'holdfast', 'bare'] : ['bare', 'holdfast', 'pm2'])) {
        log(`throughput run ${i + 1}: steady ${s}`);
        T.steady[s] = await guarded(`steady ${s}`, () => steady(sys[s], cfg.steadySeconds));
      }
    }
  }
  for (let i = 0; i < cfg.runs; i++) {
    const order = (xs) => (i % 2 ? [...xs].reverse() : xs); // alternate who goes first
    const R = { run: i + 1 };
    rounds.push(R);
    if (want('reload')) {
      log(`run ${i + 1}: start-up time and idle reloads`);
      R.startupMs = await guarded('startup', () => startup());
      R.idle = {};
      for (const s of order(['holdfast', 'pm2'])) R.idle[s] = await guarded(`idle reloads ${s}`, () => idleReloads(sys[s], cfg.idleReloadsPerRun));
      R.reload = {};
      for (const s of order(['holdfast', 'pm2', 'nodemon'])) {
        log(`run ${i + 1}: reloads under autocannon: ${s}`);
        const n = s === 'nodemon' ? cfg.nodemonRestartsPerRun : cfg.reloadsPerRun;
        R.reload[s] = await guarded(`reload ${s}`, () => reloadsUnderAutocannon(sys[s], n, cfg.gapMs, cfg.steadyMsBeforeReloads));
      }
    }
    if (want('undici')) {
      R.undici = {};
      for (const s of order(cfg.undiciSystems)) {
        log(`run ${i + 1}: reloads under undici: ${s}`);
        R.undici[s] = await guarded(`undici ${s}`, () => reloadsUnderUndici(sys[s], cfg.undiciReloadsPerRun, cfg.gapMs));
      }
    }
    if (want('handover')) {
      R.handover = {};
      for (const s of order(['holdfast', 'holdfastNoHandover'])) {
        log(`run ${i + 1}: old-generation exit with ${cfg.idleClients} idle keep-alive clients: ${s}`);
        R.handover[s] = await guarded(`handover ${s}`, () => idleClientsDrain(sys[s], cfg.idleClients, cfg.handoverReloadsPerRun));
      }
    }
    if (want('sigkill')) {
      R.sigkill = {};
      for (const s of order(['holdfast', 'holdfastStandby', 'pm2'])) {
        log(`run ${i + 1}: SIGKILL ${s}`);
        // A standby replaces the killed worker only once the next one is ready: wait for it (each kill uses one).
        if (s === 'holdfastStandby') await until(async () => (await sys[s].status()).workers.some((w) => w.standby && w.state === 'ready'), { timeoutMs: 20_000, what: 'a ready standby' }).catch(() => {});
        R.sigkill[s] = await guarded(`sigkill ${s}`, () => sigkill(sys[s]));
        await sleep(Q ? 200 : 1000);
      }
    }
    if (want('dev')) {
      R.dev = { holdfast: [], nodemon: [] };
      for (let k = 0; k < cfg.devSavesPerRun; k++) {
        for (const s of order(['holdfast', 'nodemon'])) {
          log(`run ${i + 1}: dev save ${k + 1}: ${s}`);
          const r = s === 'holdfast'
            ? (dev ? await guarded('dev holdfast', () => devSave(dev, () => dev.save())) : undefined)
            : await guarded('dev nodemon', () => devSave({ sys: sys.nodemon }, async () => { await sys.nodemon.reload(); return String(Number(readFileSync(sys.nodemon.file, 'utf8'))); }));
          if (r) R.dev[s].push(r);
        }
      }
    }
  }
  // Before the systems stop: the CLI talks to the running holder (no load meanwhile).
  if (want('cli')) { log(`CLI latency: ${cfg.cliRuns} rounds`); extra.cli = await guarded('cli latency', () => cliLatency(sys.holdfast.control, cfg.cliRuns)); }
  if (dev) { extra.devMode = dev.mode; await dev.stop(); }
  for (const s of ['nodemon', 'pm2', 'holdfast', 'holdfastNoHandover', 'bare']) if (sys[s]) await sys[s].stop();

  if (want('udp')) { log(`UDP: ${cfg.udpSwaps} swaps at ${cfg.udpRate}/s`); extra.udp = await guarded('udp', () => udpSwaps(cfg.udpSwaps, cfg.udpRate)); }
  if (want('output')) {
    log(`output: ${cfg.outputLines} lines of ${cfg.outputLineBytes} bytes, direct vs through the holder`);
    extra.output = await guarded('output', () => outputCost({ runs: cfg.runs, lines: cfg.outputLines, bytes: cfg.outputLineBytes, log }));
  }
  if (want('soak')) {
    extra.soak = {};
    for (const [target, n] of [['holdfast', cfg.soakReloads], ['pm2', cfg.soakReloadsPm2]]) {
      if (!n) continue;
      log(`soak ${target}: ${n} reloads`);
      const r = await run(process.execPath, [join(BENCH, 'soak.mjs'), '--target', target, '--reloads', String(n), '--json', '--max-seconds', Q ? '60' : '1200'], { timeoutMs: 1_500_000 });
      const line = r.out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      extra.soak[target] = line ? JSON.parse(line) : { ok: false, error: r.out.slice(-2000) };
    }
  }
} catch (err) {
  problem(`bench aborted: ${String(err?.stack ?? err)}`);
} finally {
  await stopAll();
}

// ---- figures ----
const per = (pick) => rounds.map(pick).filter((x) => x !== undefined && x !== null);
const F = {};
const ratio = (a, b) => (a && b ? a / b : NaN);
const perT = (pick) => tput.map(pick).filter((x) => x !== undefined && x !== null);
if (want('throughput')) {
  F.throughputRatio = {};
  for (const s of ['holdfast', 'pm2']) {
    F.throughputRatio[s] = {
      rps: spread(perT((T) => ratio(T.steady?.[s]?.rps, T.steady?.bare?.rps))),
      cpuPerRequest: spread(perT((T) => ratio(T.steady?.[s]?.cpuUsPerRequest, T.steady?.bare?.cpuUsPerRequest))),
    };
  }
  F.cpuUsPerRequest = Object.fromEntries(['bare', 'holdfast', 'pm2'].map((s) => [s, spread(perT((T) => T.steady?.[s]?.cpuUsPerRequest), 1)]));
  F.rps = Object.fromEntries(['bare', 'holdfast', 'pm2'].map((s) => [s, spread(perT((T) => T.steady?.[s]?.rps), 0)]));
}
if (want('reload')) {
  F.startupMs = spread(per((R) => R.startupMs), 0);
  F.failedPer100Reloads = {};
  F.reloadMs = {};
  F.p99 = {};
  for (const s of ['holdfast', 'pm2', 'nodemon']) {
    const rs = per((R) => R.reload?.[s]);
    const reloads = sum(rs.map((r) => r.reloads.length));
    const failedReloads = reloads - sum(rs.map((r) => r.reloadsOk));
    if (failedReloads) problem(`${s}: ${failedReloads} of ${reloads} reloads failed`);
    const errs = sum(rs.map((r) => r.load.errors)); const non2xx = sum(rs.map((r) => r.load.non2xx)); const unanswered = sum(rs.map((r) => r.load.unanswered));
    F.failedPer100Reloads[s] = {
      reloads, failedReloads, requests: sum(rs.map((r) => r.load.completed)), errors: errs, non2xx, unanswered,
      per100: reloads ? +(((errs + non2xx) / reloads) * 100).toFixed(1) : null,
      unansweredPer100: reloads ? +((unanswered / reloads) * 100).toFixed(1) : null,
      perRun: spread(rs.map((r) => ((r.load.errors + r.load.non2xx) / r.reloads.length) * 100), 1),
      errorCodes: rs.reduce((a, r) => { for (const [k, n] of Object.entries(r.load.errorCodes)) a[k] = (a[k] ?? 0) + n; return a; }, {}),
    };
    F.reloadMs[s] = { underLoad: spread(rs.flatMap((r) => r.reloads.map((x) => x.ms)), 0) };
    if (s !== 'nodemon') {
      const idle = per((R) => R.idle?.[s]);
      F.reloadMs[s].idle = spread(idle.flat().map((x) => x.ms), 0);
      if (s === 'holdfast') F.reloadMs[s].idleReadyMs = spread(idle.flat().map((x) => x.readyMs), 0);
      if (idle.flat().some((x) => !x.ok)) problem(`${s}: an idle reload failed`);
      F.reloadMs[s].overStartup = spread(per((R) => ratio(spread((R.idle?.[s] ?? []).map((x) => x.ms)).median, R.startupMs)));
      F.p99[s] = {
        duringReloads: spread(rs.map((r) => r.load.p99ByPhase.reloads), 0), steady: spread(rs.map((r) => r.load.p99ByPhase.steady), 0),
        ratio: spread(rs.map((r) => ratio(r.load.p99ByPhase.reloads, r.load.p99ByPhase.steady))),
      };
    }
  }
  if (F.failedPer100Reloads.holdfast.errors + F.failedPer100Reloads.holdfast.non2xx > 0) problem(`holdfast: ${F.failedPer100Reloads.holdfast.errors} errors and ${F.failedPer100Reloads.holdfast.non2xx} non-2xx under autocannon during reloads`);
}
if (want('undici')) {
  F.undici = {};
  for (const s of cfg.undiciSystems) {
    const rs = per((R) => R.undici?.[s]);
    const reloads = sum(rs.map((r) => r.reloads));
    const failedReloads = reloads - sum(rs.map((r) => r.reloadsOk));
    if (failedReloads) problem(`${s}: ${failedReloads} of ${reloads} reloads failed (undici phase): ${rs.flatMap((r) => r.failedReloads ?? []).map((x) => x.detail.split('\n').slice(-2).join(' ')).join(' | ').slice(0, 500)}`);
    const failed = sum(rs.map((r) => r.failed));
    F.undici[s] = { reloads, failedReloads, requests: sum(rs.map((r) => r.requests)), failed, per100: reloads ? +((failed / reloads) * 100).toFixed(1) : null,
      errorCodes: rs.reduce((a, r) => { for (const [k, v] of Object.entries(r.errorCodes)) a[k] = (a[k] ?? 0) + v; if (r.non2xx) a.non2xx = (a.non2xx ?? 0) + r.non2xx; return a; }, {}) };
  }
  if (F.undici.holdfast.failed > 0) problem(`holdfast: ${F.undici.holdfast.failed} failed requests (undici keep-alive pool) during reloads`);
}
if (want('handover')) {
  F.handover = {};
  for (const s of ['holdfast', 'holdfastNoHandover']) {
    const rs = per((R) => R.handover?.[s]).flat();
    if (rs.some((r) => !r.ok)) problem(`${s}: a reload failed (hand-over phase)`);
    F.handover[s] = { reloads: rs.length, oldExitMs: spread(rs.map((r) => r.drainMs).filter((x) => x !== null), 0), kept: sum(rs.map((r) => r.kept)), connections: sum(rs.map((r) => r.clients)) };
  }
  if (F.handover.holdfast.kept !== F.handover.holdfast.connections) problem(`holdfast: ${F.handover.holdfast.connections - F.handover.holdfast.kept} idle connections were not handed over`);
}
if (want('sigkill')) {
  F.sigkill = {};
  for (const s of ['holdfast', 'holdfastStandby', 'pm2']) {
    const rs = per((R) => R.sigkill?.[s]);
    if (rs.some((r) => !r.recovered)) problem(`${s}: no new worker answered within 20 s of a SIGKILL`);
    F.sigkill[s] = { kills: rs.length, refused: sum(rs.map((r) => r.refused)), otherFailures: sum(rs.map((r) => r.otherFailures)), refusedPerKill: spread(rs.map((r) => r.refused), 1), recoveryMs: spread(rs.map((r) => r.recoveryMs), 0) };
  }
}
if (want('dev')) {
  F.dev = { holdfastMode: extra.devMode ?? 'not run' };
  for (const s of ['holdfast', 'nodemon']) {
    const rs = rounds.flatMap((R) => R.dev?.[s] ?? []);
    if (rs.some((r) => !r.ok)) problem(`dev ${s}: a save did not reach the new code within 20 s`);
    F.dev[s] = { saves: rs.length, saveToAnswerMs: spread(rs.map((r) => r.saveToAnswerMs), 0), refused: sum(rs.map((r) => r.refused)), refusedPerSave: spread(rs.map((r) => r.refused), 1) };
  }
}
if (want('cli') && extra.cli) F.cli = extra.cli;
if (want('udp') && extra.udp) {
  F.udp = extra.udp;
  if (extra.udp.swapsOk !== extra.udp.swaps) problem(`udp: ${extra.udp.swaps - extra.udp.swapsOk} swaps failed`);
}
if (want('output') && extra.output) {
  const rs = extra.output;
  F.output = {
    lines: cfg.outputLines, lineBytes: cfg.outputLineBytes,
    directLinesPerSec: spread(rs.map((r) => r.direct.linesPerSec), 0),
    holderLinesPerSec: spread(rs.map((r) => r.holder.linesPerSec), 0),
    prefixLinesPerSec: spread(rs.map((r) => r.prefix.linesPerSec), 0),
    holderOverDirect: spread(rs.map((r) => r.holder.linesPerSec / r.direct.linesPerSec), 2),
    holderCpuMsPerMiB: spread(rs.map((r) => r.holder.holderCpuMsPerMiB), 1),
    prefixCpuMsPerMiB: spread(rs.map((r) => r.prefix.holderCpuMsPerMiB), 1),
    dropped: sum(rs.flatMap((r) => [r.holder.dropped, r.prefix.dropped])),
  };
}
if (want('soak') && extra.soak) {
  F.soak = extra.soak;
  if (extra.soak.holdfast && !extra.soak.holdfast.ok) problem(`soak holdfast: ${extra.soak.holdfast.error ?? `${extra.soak.holdfast.failedReloads} reloads failed, ${extra.soak.holdfast.failedRequests} requests failed`}`);
  if (extra.soak.pm2?.error) problem(`soak pm2: ${extra.soak.pm2.error.split('\n')[0]}`);
}
F.holderRssMiB = extra.holderSteady?.rssMiB ?? null;
F.pm2DaemonRssMiB = extra.pm2DaemonSteady?.rssMiB ?? null;

const seconds = Math.round((Date.now() - t0) / 1000);
const result = { ok: problems.length === 0, problems, mode: cfg.mode, fault: opt.fault ?? null, seconds, ...meta, config: cfg, figures: F, throughputRuns: tput, rounds };

// ---- table ----
const md = [];
const v = (x, unit = '', d = 2) => fmt(x, unit, d);
const row = (...cells) => md.push(`| ${cells.join(' | ')} |`);
md.push(`Measured ${meta.date.slice(0, 16).replace('T', ' ')} UTC on ${meta.machine.cpu}, ${meta.machine.cores} cores (shared with other work; load average ${meta.machine.loadavgAtStart.join(' ')} at start), ${meta.machine.kernel}; Node ${meta.versions.node}, holdfast ${meta.versions.holdfast} (${meta.versions.holdfastCommit}), PM2 ${meta.versions.pm2}, nodemon ${meta.versions.nodemon}, autocannon ${meta.versions.autocannon}, fastify ${meta.versions.fastify}, undici ${meta.versions.undici}.`);
md.push(`Mode ${cfg.mode}, ${seconds} s: ${cfg.throughputRuns} alternating run(s) of the steady-load figures, ${cfg.runs} of the others. Comparisons are ratios within a run; a cell gives the median (min–max, n = runs or samples).`);
md.push('');
row('figure', 'holdfast', 'PM2 (cluster, 1 instance)', 'nodemon', 'how');
row('---', '---', '---', '---', '---');
const codes = (o) => Object.entries(o ?? {}).map(([k, n]) => `${k} ${n}`).join(', ');
if (F.failedPer100Reloads) {
  const c = (s) => { const f = F.failedPer100Reloads[s]; return `**${f.per100}** (${f.errors + f.non2xx} of ${f.requests + f.errors} in ${f.reloads} ${s === 'nodemon' ? 'restarts' : 'reloads'}${f.non2xx ? `; non-2xx ${f.non2xx}` : ''}${f.errors ? `; ${codes(f.errorCodes)}` : ''}); unanswered ${f.unanswered}`; };
  row(`failed requests per 100 reloads, autocannon, ${cfg.connections} keep-alive connections, max rate`, c('holdfast'), c('pm2'), c('nodemon'), `\`holdfast reload\` / \`pm2 reload\` / write the watched file, ${cfg.gapMs} ms apart; failed = errors + non-2xx. Unanswered = sent − completed − errors − ${cfg.connections} in flight at the end: requests autocannon wrote on a connection the server had closed with \`Connection: close\` (docs/measurements.md), see the next row`);
}
if (F.undici) {
  const c = (s) => { const f = F.undici[s]; return f ? `**${f.per100}** (${f.failed} of ${f.requests} in ${f.reloads} reloads${f.failed ? `: ${codes(f.errorCodes)}` : ''})` : 'not run'; };
  row(`same, cross-checked with an undici keep-alive Pool (${cfg.connections} connections)`, c('holdfast'), c('pm2'), c('nodemon'), 'every request accounted for: error or response');
}
if (F.handover) {
  const c = (s) => { const f = F.handover[s]; return `**${v(f.oldExitMs, ' ms', 0)}**; ${f.kept} of ${f.connections} connections kept their local port`; };
  row(`old generation's exit after SIGTERM, ${cfg.idleClients} idle keep-alive clients (node http.Agent keepAlive)`, `hand-over on: ${c('holdfast')}; off: ${c('holdfastNoHandover')}`, '—', '—', 'one request on each connection, `holdfast reload`, SIGTERM to exit as the holder logs it; then one more request on each: same local port = the connection moved to the new generation (off: the old one closes it after the Keep-Alive hint + 1 s)');
}
if (F.throughputRatio) {
  row('CPU time per request / bare node (lower is better)', v(F.throughputRatio.holdfast.cpuPerRequest), v(F.throughputRatio.pm2.cpuPerRequest), '—', `user+sys (/proc/PID/stat) of holder+worker / PM2 daemon+worker / the bare app, per completed request, ${cfg.steadySeconds} s at max rate; bare ${v(F.cpuUsPerRequest.bare, ' µs', 0)}, holdfast ${v(F.cpuUsPerRequest.holdfast, ' µs', 0)}, PM2 ${v(F.cpuUsPerRequest.pm2, ' µs', 0)}`);
  row('throughput (req/s) / bare node', v(F.throughputRatio.holdfast.rps), v(F.throughputRatio.pm2.rps), '—', `same runs; bare ${v(F.rps.bare, ' req/s', 0)}. req/s swings 0.5–1.3× between identical runs on a shared machine (docs/measurements.md): trust the CPU row`);
}
if (F.reloadMs?.holdfast && F.startupMs) {
  row('reload duration / worker start-up time', `**${v(F.reloadMs.holdfast.overStartup)}**; \`holdfast reload\` ${v(F.reloadMs.holdfast.idle, ' ms', 0)} (new generation ready after ${v(F.reloadMs.holdfast.idleReadyMs, ' ms', 0)}); under load ${v(F.reloadMs.holdfast.underLoad, ' ms', 0)}`, `**${v(F.reloadMs.pm2.overStartup)}**; \`pm2 reload\` ${v(F.reloadMs.pm2.idle, ' ms', 0)}; under load ${v(F.reloadMs.pm2.underLoad, ' ms', 0)}`, `restart under load, save → new code answering: ${v(F.reloadMs.nodemon.underLoad, ' ms', 0)}`, `wall time of the reload command (a CLI process each) with no load, over the start-up time of the bare app (spawn to first answer, ${v(F.startupMs, ' ms', 0)}) in the same run`);
}
if (F.p99?.holdfast) {
  row('p99 latency during reloads / steady p99', `**${v(F.p99.holdfast.ratio)}** (${v(F.p99.holdfast.duringReloads, ' ms', 0)} vs ${v(F.p99.holdfast.steady, ' ms', 0)})`, `**${v(F.p99.pm2.ratio)}** (${v(F.p99.pm2.duringReloads, ' ms', 0)} vs ${v(F.p99.pm2.steady, ' ms', 0)})`, '—', `same autocannon run: responses from the first reload to the end of the last, over the ${cfg.steadyMsBeforeReloads / 1000} s before the first reload`);
}
if (F.sigkill) {
  const c = (s) => `**${F.sigkill[s].refused}** refused, ${F.sigkill[s].otherFailures} other failures in ${F.sigkill[s].kills} kill(s); recovery ${v(F.sigkill[s].recoveryMs, ' ms', 0)}`;
  row('refused connections and recovery time after SIGKILL of the worker', c('holdfast'), c('pm2'), '—', '4 loops of fresh connections; recovery = kill to first answer from a new pid');
  row('the same with `--standby 1`', c('holdfastStandby'), '—', '—', 'a warm standby (ready, not accepting) is promoted at once: no backoff, no start-up; its memory is one more worker');
}
if (F.cli) {
  const c = (k) => `**${v(F.cli[k].overWallMs, ' ms', 0)}** wall, ${v(F.cli[k].overCpuMs, ' ms', 0)} CPU`;
  row('CLI latency over `node -e 0`: `holdfast status` / `status --json` / `reload`', `status ${c('status')}; status --json ${c('statusJson')}; reload ${c('reload')} (reload in all ${v(F.cli.reload.wallMs, ' ms', 0)}, the swap alone ${v(F.cli.api.wallMs, ' ms', 0)})`, '—', '—',
    `${F.cli.node.wallMs.n} alternating rounds against a running holder; per round, the command's wall time (spawn to exit) and CPU time (user+sys) minus those of \`node -e 0\` (${v(F.cli.node.wallMs, ' ms', 0)} wall) in the same round; for reload also minus the swap (POST /reload from the bench process) of the same round`);
}
if (F.udp) row(`UDP datagrams lost across ${F.udp.swaps} swaps at ${F.udp.rate}/s`, `**${F.udp.lost}** of ${F.udp.sent}`, '—', '—', 'UDP echo worker; sequence numbers counted back at the sender');
if (F.output) {
  const o = F.output;
  row('worker output through the holder: holder CPU per MiB; max lines/s vs the worker writing to its own stdout', `**${v(o.holderCpuMsPerMiB, ' ms', 1)}** CPU/MiB untagged, ${v(o.prefixCpuMsPerMiB, ' ms', 1)} tagged; ${v(o.holderLinesPerSec, '', 0)} lines/s = **${v(o.holderOverDirect)}** × direct (${v(o.directLinesPerSec, '', 0)}); tagged ${v(o.prefixLinesPerSec, '', 0)}; ${o.dropped} lines dropped when the reader fell 256 KiB behind`, '—', '—', `${o.lines} lines of ${o.lineBytes} bytes, one write() each, read by the bench through a pipe; holder user+sys (/proc/PID/stat) while it copies (\`--output pipe\`, tags off / \`--output-tag prefix\`); \`--output inherit\` costs nothing`);
}
if (F.holderRssMiB !== null || F.soak) {
  const sk = (x) => (x ? (x.error ? 'failed' : `after ${x.reloads} reloads: fds ${x.growth.fds >= 0 ? '+' : ''}${x.growth.fds}, RSS ${x.growth.rssMiB >= 0 ? '+' : ''}${x.growth.rssMiB} MiB, children ${x.growth.children >= 0 ? '+' : ''}${x.growth.children} (${x.first.fds}→${x.end.fds} fds, ${x.first.rssMiB}→${x.end.rssMiB} MiB); ${x.failedRequests} failed requests`) : 'not run');
  row('manager RSS, and fd/RSS/child-process growth from the first reload to the end', `holder ${F.holderRssMiB ?? '?'} MiB; ${sk(F.soak?.holdfast)}`, `daemon ${F.pm2DaemonRssMiB ?? '?'} MiB; ${sk(F.soak?.pm2)}`, '—', '`bench/soak.mjs`: reloads in a row (control API / pm2 API) under a light 4-connection load');
}
if (F.dev) {
  const c = (s) => `${v(F.dev[s].saveToAnswerMs, ' ms', 0)}; **${F.dev[s].refused}** refused in ${F.dev[s].saves} saves`;
  row('dev loop: save to new code answering; refused connections meanwhile', `${c('holdfast')} (${F.dev.holdfastMode})`, '—', c('nodemon'), 'write the watched file; 2 loops of fresh connections until the new version answers');
}
if (problems.length) { md.push(''); md.push(`**Problems:** ${problems.join('; ')}`); }
const table = md.join('\n');

// ---- chart ----
const last = rounds.at(-1);
let svg = null;
if (last?.reload?.holdfast && last?.reload?.pm2) {
  const panel = (s, title) => {
    const r = last.reload[s];
    return { title, binMs: BIN_MS, bins: r.load.bins, reloads: r.reloads.map((x) => ({ startMs: x.startMs, endMs: x.endMs, ok: x.ok })), note: `${r.reloads.length} reloads, ${r.failed} failed requests` };
  };
  svg = chart({ title: 'Requests during reloads: autocannon, 50 keep-alive connections, maximum rate', subtitle: `run ${last.run} of ${cfg.runs}, ${meta.date.slice(0, 10)}, ${meta.machine.cores}-core ${meta.machine.cpu} (shared); ${BIN_MS} ms bins`, panels: [panel('holdfast', 'holdfast reload'), panel('pm2', `PM2 ${meta.versions.pm2} reload`)] });
}

const outDir = opt['out-dir'] ?? join(BENCH, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(outDir, 'bench.md'), `${table}\n`);
if (svg) writeFileSync(join(outDir, 'bench.svg'), svg);
if (opt['json-out']) writeFileSync(opt['json-out'], `${JSON.stringify(result)}\n`);
if ((opt.docs ?? !Q) && !opt.only && !opt.fault) {
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  if (svg) writeFileSync(join(ROOT, 'docs/bench.svg'), svg);
  writeFileSync(join(ROOT, 'docs/bench.md'), `# Benchmark results\n\nWritten by \`pnpm bench\` (bench/run.mjs); the raw JSON is in bench/results/bench.json of the run.\n\n${table}\n\n![requests during reloads](bench.svg)\n`);
}
process.stdout.write(`${table}\n\n${JSON.stringify(result)}\n`);
process.exitCode = result.ok ? 0 : 1;
