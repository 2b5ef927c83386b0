#!/usr/bin/env node
// pnpm bench: holdfast against bare node, PM2 (cluster mode, `pm2 reload`) and nodemon, on the same fastify
// app and the same load (autocannon, 50 keep-alive connections, maximum rate), in one run on one machine.
//
//   node bench/run.mjs [--quick] [--runs N] [--reloads N] [--only LIST] [--fault reload] [--json-out FILE] [--out-dir DIR] [--docs] [--warmup N]
//
// Sections (--only, comma-separated): throughput (max rate), cpu (fixed rate, CPU per request with a 95%
// interval), reload (autocannon), undici, p99 (p99 during reloads per phase, timed per request, holdfast with
// warm-up), serving (control-API reload → new generation serving, over bare start-up), handover, sigkill (with and
// without --standby 1, against bare start-up), dev, udp, output, soak, cli, footprint (managers' idle memory), and
// instructions (opt-in, not in the default run: worker instructions per request under valgrind's callgrind,
// bench/cpu-instructions.mjs, 2-3 minutes; `node bench/run.mjs --only instructions`).
//
// The machine is shared and noisy, so every figure that compares two systems is a ratio taken within one
// round, rounds alternate the order of the systems, and the table gives the median with the spread (min–max)
// and the number of rounds. Throughput overhead is CPU time per request (schedstat / stat CPU time of the
// system's processes), with req/s alongside. Everything started is stopped at the end, also on failure or ^C.
// Figures are computed in lib/figures.mjs (+ latency-figures.mjs), rendered in lib/table.mjs (+ latency-rows.mjs).
//
// Prints the markdown table, then one JSON line; writes bench/results/{bench.json,bench.md,bench.svg}; with
// --docs (default for a full run) also docs/bench.svg, docs/bench.md and README.md's table (with --out-dir: copies
// in that directory instead). Exit 1 when something failed that must not: a reload that failed or rolled back, a
// phase that threw, a holdfast request lost. A target the issue sets that is missed is shown, not a failure.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installSignalCleanup, run, sleep, stopAll, until } from './lib/proc.mjs';
import { BENCH, ROOT, startBare, startHoldfast, startNodemon, startPm2 } from './lib/systems.mjs';
import { devSave, idleClientsDrain, idleReloads, managerFootprint, reloadsUnderAutocannon, reloadsUnderUndici, sigkill, startHoldfastDev, startup, steady, udpSwaps } from './lib/phases.mjs';
import { BIN_MS } from './lib/load.mjs';
import { cliLatency } from './lib/cli-latency.mjs';
import { figures } from './lib/figures.mjs';
import { renderTable } from './lib/table.mjs';
import { connectPm2 } from './lib/pm2-api.mjs';
import { phaseP99, startFloorP99 } from './lib/phase-p99.mjs';
import { CLIENTS } from './lib/timed-load.mjs';
import { bareStartups, reloadServingRound } from './lib/reload-serving.mjs';
import { cpuRounds } from './lib/cpu-paired.mjs';
import { idleFootprintRounds } from './lib/idle-footprint.mjs';
import { writeResults } from './lib/write-results.mjs';
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
const SECTIONS = ['throughput', 'cpu', 'reload', 'undici', 'p99', 'serving', 'handover', 'sigkill', 'dev', 'udp', 'output', 'soak', 'cli', 'footprint', 'instructions'];
const OPT_IN = ['instructions']; // run only when named in --only
const only = opt.only ? opt.only.split(',') : SECTIONS.filter((s) => !OPT_IN.includes(s));
for (const s of only) if (!SECTIONS.includes(s)) { console.error(`--only: unknown section ${JSON.stringify(s)}; expected some of ${SECTIONS.join(',')}`); process.exit(2); }
if (opt.fault && opt.fault !== 'reload') { console.error(`--fault is ${JSON.stringify(opt.fault)}; expected reload`); process.exit(2); }
const want = (s) => only.includes(s);

const Q = opt.quick;
// Counts per figure: a full run must stay within ~20 minutes on a shared 2-core machine; every row states its n.
const cfg = {
  mode: Q ? 'quick' : 'full',
  runs: Number(opt.runs ?? (Q ? 1 : 3)), // alternating runs of the reload, kill and dev figures
  throughputRuns: Number(opt.runs ?? (Q ? 1 : 3)), // alternating runs of the steady-load figures (the noisiest)
  steadySeconds: Q ? 1 : 6,
  idleReloadsPerRun: Q ? 1 : 3, // holdfast and PM2 with no load, for reload duration / start-up time
  reloadsPerRun: Q ? 1 : 4, // holdfast and PM2, under autocannon
  nodemonRestartsPerRun: Q ? 1 : 2,
  undiciReloadsPerRun: Q ? 1 : 3,
  undiciSystems: Q ? ['holdfast'] : ['holdfast', 'pm2', 'nodemon'],
  handoverReloadsPerRun: Q ? 1 : 2, // old-generation exit with idle keep-alive clients, hand-over on and off
  idleClients: 20,
  gapMs: Q ? 200 : 700,
  steadyMsBeforeReloads: Q ? 500 : 2000,
  devSavesPerRun: Q ? 1 : 2,
  udpSwaps: Q ? 2 : 50,
  udpRate: 5000,
  outputLines: Q ? 20_000 : 200_000, // of outputLineBytes each: 2.4 MiB quick, 24 MiB full
  outputLineBytes: 128,
  soakReloads: Number(opt.reloads ?? (Q ? 2 : 150)), // ~1 s each under the light load; `node bench/soak.mjs --reloads 1000` for a long soak
  soakReloadsPm2: Q ? 0 : Math.min(50, Number(opt.reloads ?? 50)), // its daemon's fd growth (about one per reload) shows in 50
  connections: 50,
  cliRuns: Q ? 2 : 10, // alternating rounds of node -e 0, status, status --json, reload
  // The p99 and serving sections' second holder: --warmup / --warmup-count N. 3000: V8 optimises the request path's
  // functions after some thousand runs; 300 warm up the paths (cold phase ~5x steady p99), 3000 leave it ~1.7x, for
  // ~1 s more start-up (docs/measurements.md, "What V8 still does after READY=1").
  warmupCount: Q ? 50 : 3000,
  p99Reloads: Q ? 1 : 3, // per run, per system (holdfast --warmup, PM2); undici and autocannon side by side
  p99WarmMs: Q ? 300 : 1500, // load before the steady window, not counted
  p99SteadyMs: Q ? 300 : 2000,
  servingReloadsPerRun: Q ? 1 : 2, // idle control-API reloads per system per run
  cpuRounds: Q ? 2 : 10, // fixed-rate rounds of bare, holdfast, PM2 (order reversed every other round)
  cpuSeconds: Q ? 0.3 : 3,
  cpuWarmMs: Q ? 200 : 500, // per window, before the measurement: connections open, rate settled
  cpuRate: 1000,
  footprintRounds: Q ? 1 : 3,
  footprintIdleMs: Q ? 300 : 3000,
  // bench/cpu-instructions.mjs; quick: the plumbing only (6 pairs is the least a median interval needs; 2,000
  // warm-up requests leave the JIT unsettled, so the ratio is not the figure)
  instructionsArgs: Q ? ['--windows', '6', '--requests', '200', '--warmup', '2000', '--settle', '0'] : [],
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
  const needBare = ['throughput', 'cpu'].some(want);
  const needPm2 = ['throughput', 'cpu', 'reload', 'undici', 'p99', 'serving', 'sigkill'].some(want);
  const needHf = ['throughput', 'cpu', 'reload', 'undici', 'serving', 'sigkill', 'handover', 'cli'].some(want);
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
    // The same holder with warm-up before READY=1 (p99 during reloads; reload time with the warm-up's cost).
    ['p99', 'serving'].some(want) && startHoldfast({ warmup: cfg.warmupCount }).then((x) => { sys.holdfastWarm = { ...x, name: `holdfast --warmup-count ${cfg.warmupCount}` }; }),
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
  // PM2's programmatic API (no CLI process per reload) for the sections that time a reload's phases.
  let pm2Api = null;
  if (['p99', 'serving'].some(want)) pm2Api = await connectPm2(sys.pm2);

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
  if (want('cpu')) {
    log(`cpu: ${cfg.cpuRounds} rounds of ${cfg.cpuSeconds} s at ${cfg.cpuRate} req/s: bare, holdfast, pm2`);
    extra.cpu = await guarded('cpu', () => cpuRounds({ bare: sys.bare, holdfast: sys.holdfast, pm2: sys.pm2 }, { rounds: cfg.cpuRounds, rate: cfg.cpuRate, seconds: cfg.cpuSeconds, warmMs: cfg.cpuWarmMs, log }));
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
    if (want('p99')) {
      R.phaseP99 = {};
      for (const s of order(['holdfastWarm', 'pm2'])) {
        log(`run ${i + 1}: p99 per phase, ${CLIENTS.join(' + ')}: ${s}`);
        R.phaseP99[s] = await guarded(`p99 ${s}`, () => phaseP99(sys[s], { reloads: cfg.p99Reloads, gapMs: cfg.gapMs, warmMs: cfg.p99WarmMs, steadyMs: cfg.p99SteadyMs, connections: cfg.connections, pm2: s === 'pm2' ? pm2Api : null }));
      }
      // The floor: the same load and no reload, while a bare process of the same app starts beside it.
      log(`run ${i + 1}: p99 while a bare process of the app starts beside the load (no reload)`);
      R.startFloor = await guarded('p99 floor', () => startFloorP99(sys.holdfastWarm, { starts: cfg.p99Reloads, gapMs: cfg.gapMs, warmMs: cfg.p99WarmMs, steadyMs: cfg.p99SteadyMs, connections: cfg.connections }));
    }
    if (want('serving')) {
      log(`run ${i + 1}: control-API reload to serving vs bare start-up`);
      R.serving = await guarded('serving', () => reloadServingRound({ holdfast: sys.holdfast, holdfastWarm: sys.holdfastWarm, pm2: sys.pm2 }, { reloads: cfg.servingReloadsPerRun, pm2: pm2Api, reverse: i % 2 === 1 }));
    }
    if (want('handover')) {
      R.handover = {};
      for (const s of order(['holdfast', 'holdfastNoHandover'])) {
        log(`run ${i + 1}: old-generation exit with ${cfg.idleClients} idle keep-alive clients: ${s}`);
        R.handover[s] = await guarded(`handover ${s}`, () => idleClientsDrain(sys[s], cfg.idleClients, cfg.handoverReloadsPerRun));
      }
    }
    if (want('sigkill')) {
      // Against the bare start-up of the same round (the serving section's when it ran).
      if (!R.serving?.bare) log(`run ${i + 1}: bare start-up (SIGKILL comparison)`);
      R.sigkillBare = R.serving?.bare ?? await guarded('bare start-up', () => bareStartups(i % 2 ? 'holdfastApp' : 'selfApp'));
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
  if (pm2Api) await pm2Api.disconnect();
  await Promise.all(['nodemon', 'pm2', 'holdfast', 'holdfastStandby', 'holdfastWarm', 'holdfastNoHandover', 'bare'].map((s) => sys[s]?.stop()));

  if (want('footprint')) {
    log(`footprint: ${cfg.footprintRounds} round(s) of holder and PM2 daemon at idle`);
    extra.idleFootprint = await guarded('footprint', () => idleFootprintRounds({ rounds: cfg.footprintRounds, idleMs: cfg.footprintIdleMs, log }));
  }

  if (want('instructions')) {
    log(`instructions: bench/cpu-instructions.mjs ${cfg.instructionsArgs.join(' ')} (each worker under valgrind's callgrind)`);
    const r = await run(process.execPath, [join(BENCH, 'cpu-instructions.mjs'), '--json', ...cfg.instructionsArgs], { timeoutMs: 1_800_000 });
    const line = r.out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
    extra.instructions = line ? JSON.parse(line) : { error: r.out.slice(-2000) };
  }
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

// ---- figures, table ----
const F = figures({ rounds, tput, extra, cfg, want, problem });
const seconds = Math.round((Date.now() - t0) / 1000);
const result = { ok: problems.length === 0, problems, mode: cfg.mode, fault: opt.fault ?? null, seconds, ...meta, config: cfg, figures: F, throughputRuns: tput, rounds };
const table = renderTable({ F, cfg, meta, seconds, problems });

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

// --docs (default for a full run): the repo's README table and docs/bench.md; with --out-dir, copies in that
// directory instead (to check the rendering). A partial run (--only) never writes the repo's docs.
const docs = (opt.docs ?? !Q) && !opt.fault && (!opt.only || opt['out-dir']);
writeResults({ result, table, svg, outDir: opt['out-dir'] ?? join(BENCH, 'results'), jsonOut: opt['json-out'],
  docsRoot: docs ? (opt['out-dir'] ?? ROOT) : null, readmeFrom: ROOT });
process.stdout.write(`${table}\n\n${JSON.stringify(result)}\n`);
process.exitCode = result.ok ? 0 : 1;
