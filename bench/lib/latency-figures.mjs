// Figures of the latency, reload-time, CPU and footprint sections (issue "invisible swaps"): p99 during reloads
// per phase, reload trigger → serving over bare start-up, CPU per request with its confidence interval, and
// the managers' idle memory. Each is the median of per-run values with its spread; targets are checked in
// table.mjs. Failures that must not happen (a holdfast request lost, a reload failed) are problem()s.
import { median, spread, sum } from './stats.mjs';
import { meanUs, ratioCi } from './cpu-paired.mjs';
import { HOLDFAST_PHASES, PM2_PHASES } from './reload-phases.mjs';
import { CLIENTS } from './timed-load.mjs';

/** p99 per phase: { system: { client: { runs, reloads, failed, steadyMs, phases: { phase: { p99Ms, overSteady } } } } }. */
function phaseP99Figures(rounds, problem) {
  const out = {};
  for (const s of ['holdfastWarm', 'pm2']) {
    out[s] = {};
    for (const c of CLIENTS) {
      const rs = rounds.map((R) => R.phaseP99?.[s]?.[c]).filter(Boolean);
      const failedReloads = sum(rs.map((r) => r.reloads - r.reloadsOk));
      if (failedReloads) problem(`${s}: ${failedReloads} reloads failed (p99 phase, ${c}): ${rs.flatMap((r) => r.errors).join(' | ').slice(0, 300)}`);
      const phases = {};
      for (const k of [...(s === 'pm2' ? PM2_PHASES : HOLDFAST_PHASES), 'duringReloads']) {
        phases[k] = { p99Ms: spread(rs.map((r) => r.p99[k]), 1), overSteady: spread(rs.map((r) => r.overSteady[k]), 2), samples: sum(rs.map((r) => r.samples[k])) };
      }
      const failed = sum(rs.map((r) => r.failed));
      out[s][c] = {
        connections: rs[0]?.connections ?? null, runs: rs.length, reloads: sum(rs.map((r) => r.reloads)), failedReloads, requests: sum(rs.map((r) => r.requests)), failed,
        errorCodes: rs.reduce((a, r) => { for (const [k, n] of Object.entries(r.errorCodes)) a[k] = (a[k] ?? 0) + n; return a; }, {}),
        steadyMs: spread(rs.map((r) => r.p99.steady), 1), phases,
      };
      if (s !== 'pm2' && failed) problem(`holdfast --warmup: ${failed} failed requests (${c}) during reloads`);
    }
  }
  return out;
}

/** The floor runs (startFloorP99): p99 while a bare process of the app starts beside the load, over steady, per client. */
function startFloorFigures(rounds) {
  const out = {};
  for (const c of CLIENTS) {
    const rs = rounds.map((R) => R.startFloor?.[c]).filter(Boolean);
    if (!rs.length) continue;
    out[c] = {
      runs: rs.length, starts: sum(rs.map((r) => r.starts)), failed: sum(rs.map((r) => r.failed)), steadyMs: spread(rs.map((r) => r.p99.steady), 1),
      startup: spread(rs.map((r) => r.overSteady.startup), 2), duringStart: spread(rs.map((r) => r.overSteady.duringReloads), 2),
      startupMs: spread(rs.flatMap((r) => r.startupMs), 0),
    };
  }
  return out;
}

/** Reload trigger → serving over the bare start-up of the same app, per round (median of the round's reloads). */
function servingFigures(rounds, problem) {
  const rs = rounds.map((R) => R.serving).filter(Boolean);
  const bare = { holdfastApp: spread(rs.map((r) => r.bare.holdfastApp), 0), selfApp: spread(rs.map((r) => r.bare.selfApp), 0) };
  const out = { bareMs: bare };
  for (const s of ['holdfast', 'holdfastWarm', 'pm2']) {
    const all = rs.flatMap((r) => r.reloads[s] ?? []);
    if (all.some((x) => !x.ok)) problem(`${s}: a control-API reload failed (serving section): ${all.filter((x) => !x.ok).map((x) => x.detail).join(' | ').slice(0, 300)}`);
    const app = s === 'pm2' ? 'selfApp' : 'holdfastApp';
    const over = (k) => spread(rs.map((r) => median((r.reloads[s] ?? []).map((x) => x[k])) / r.bare[app]), 2);
    out[s] = {
      reloads: all.length, toServingMs: spread(all.map((x) => x.toServingMs), 0), toNewPidMs: spread(all.map((x) => x.toNewPidMs), 0), toDoneMs: spread(all.map((x) => x.toDoneMs), 0),
      servingOverBare: s === 'pm2' ? over('toNewPidMs') : over('toServingMs'), newPidOverBare: over('toNewPidMs'), doneOverBare: over('toDoneMs'),
    };
  }
  return out;
}

/** SIGKILL → first answer minus the bare start-up of the same app, in the same round. */
function sigkillOverBare(rounds) {
  const out = { bareMs: { holdfastApp: spread(rounds.map((R) => R.sigkillBare?.holdfastApp), 0), selfApp: spread(rounds.map((R) => R.sigkillBare?.selfApp), 0) } };
  for (const s of ['holdfast', 'holdfastStandby', 'pm2']) {
    const app = s === 'pm2' ? 'selfApp' : 'holdfastApp';
    out[s] = spread(rounds.map((R) => (R.sigkill?.[s]?.recoveryMs ?? NaN) - (R.sigkillBare?.[app] ?? NaN)), 0);
  }
  return out;
}

function cpuFigures(cpu, cfg) {
  return {
    rate: cfg.cpuRate, seconds: cfg.cpuSeconds, rounds: cpu.length,
    holdfast: ratioCi(cpu, 'holdfast', 'bare'), pm2: ratioCi(cpu, 'pm2', 'bare'),
    usPerRequest: { bare: meanUs(cpu, 'bare'), holdfast: meanUs(cpu, 'holdfast'), pm2: meanUs(cpu, 'pm2') },
    failed: sum(cpu.flatMap((r) => Object.values(r).map((w) => w.failed))),
  };
}

function footprintFigures(fp, cfg) {
  const of = (s, k, d = 1) => spread(fp.map((r) => r[s]?.[k]).filter((x) => x !== null && x !== undefined), d);
  const out = { rounds: fp.length, idleMs: cfg.footprintIdleMs };
  for (const s of ['holdfast', 'pm2']) out[s] = { rssMiB: of(s, 'rssMiB'), pssMiB: of(s, 'pssMiB'), anonMiB: of(s, 'anonMiB'), idleCpuPct: of(s, 'idleCpuPct', 2) };
  return out;
}

/** The figures of the sections that ran: phaseP99, serving, sigkillOverBare, cpu, idleFootprint. */
export function latencyFigures({ rounds, extra, cfg, want, problem }) {
  const F = {};
  if (want('p99')) F.phaseP99 = { warmupCount: cfg.warmupCount, reloadsPerRun: cfg.p99Reloads, ...phaseP99Figures(rounds, problem), floor: startFloorFigures(rounds) };
  if (want('serving')) F.serving = servingFigures(rounds, problem);
  if (want('sigkill')) F.sigkillOverBare = sigkillOverBare(rounds);
  if (want('cpu') && extra.cpu?.length) {
    F.cpu = cpuFigures(extra.cpu, cfg);
    if (F.cpu.failed) problem(`cpu: ${F.cpu.failed} failed requests at ${cfg.cpuRate} req/s`);
  }
  if (want('footprint') && extra.idleFootprint?.length) F.idleFootprint = footprintFigures(extra.idleFootprint, cfg);
  return F;
}
