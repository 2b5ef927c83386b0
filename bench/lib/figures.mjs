// The figures of a bench run, from the per-run samples run.mjs collected: medians with their spread
// (stats.mjs), sums of failures, and a problem() for everything that must not happen (a failed reload, a
// holdfast request lost, a target the issue sets is not a problem: the table shows it met or missed).
import { spread, sum } from './stats.mjs';
import { latencyFigures } from './latency-figures.mjs';

/**
 * { rounds, tput, extra, cfg, want, problem } → F (the `figures` object of bench.json). Every figure a section
 * did not run is absent.
 */
export function figures({ rounds, tput, extra, cfg, want, problem }) {
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
  if (want('instructions') && extra.instructions) {
    F.instructions = extra.instructions;
    if (extra.instructions.error) problem(`instructions: ${extra.instructions.error.split('\n').filter(Boolean).slice(-1)[0]}`);
    else if (extra.instructions.failed) problem(`instructions: ${extra.instructions.failed} failed requests`);
  }
  F.holderRssMiB = extra.holderSteady?.rssMiB ?? null;
  F.pm2DaemonRssMiB = extra.pm2DaemonSteady?.rssMiB ?? null;
  Object.assign(F, latencyFigures({ rounds, extra, cfg, want, problem }));
  return F;
}
