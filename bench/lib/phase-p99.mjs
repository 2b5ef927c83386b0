// p99 latency during reloads over the steady p99 of the same run, per phase, each request timed from its own
// start (timed-load.mjs): undici and autocannon side by side at maximum rate (half the connections each), so
// that both clients see the same reloads; holdfast reloads through the control API with progress lines, PM2
// through its programmatic API (reload-phases.mjs has the phases).
import { sleep } from './proc.mjs';
import { CLIENTS, startTimedLoad } from './timed-load.mjs';
import { byPhase, holdfastWindows, p99Summary, pm2Windows, reloadWithProgress } from './reload-phases.mjs';
import { APP_HOLDFAST, startBare } from './systems.mjs';

/** After a bare start's first answer, the part of its window still counted (the reload's settle period). */
const FLOOR_TAIL_MS = 300;

/**
 * CLIENTS side by side on `sys` (`connections` split between them): `warmMs` of load not counted, `steadyMs` of
 * steady load, then `disturb()` under the same load. Resolves { per, steadyFrom, results: { client: stop() result } }.
 */
async function underLoad(sys, { warmMs, steadyMs, connections }, disturb) {
  const per = Math.floor(connections / CLIENTS.length);
  const loads = Object.fromEntries(CLIENTS.map((c) => [c, startTimedLoad(sys.url, c, { connections: per })]));
  const results = {};
  let steadyFrom;
  try {
    await sleep(warmMs);
    steadyFrom = performance.now();
    await sleep(steadyMs);
    await disturb();
  } finally {
    await Promise.all(CLIENTS.map(async (c) => { results[c] = await loads[c].stop(); }));
  }
  return { per, steadyFrom, results };
}

/**
 * `reloads` reloads of `sys` (`gapMs` apart) under load after `warmMs` of load not counted (connections open,
 * the serving worker warmed by real traffic, whatever it did before) and `steadyMs` of steady load; `connections` split
 * between the clients. `pm2` is connectPm2()'s handle when sys is PM2 (else holdfast: sys.control). Resolves
 * { client: { system, client, connections, reloads, reloadsOk, requests, failed, errorCodes, p99, overSteady,
 * samples, errors, reloadMs } } for each client of CLIENTS.
 */
export async function phaseP99(sys, { reloads, gapMs, warmMs, steadyMs, connections = 50, pm2 = null }) {
  const done = [];
  const { per, steadyFrom, results } = await underLoad(sys, { warmMs, steadyMs, connections }, async () => {
    for (let i = 0; i < reloads; i++) {
      done.push(pm2 ? await pm2.reload() : await reloadWithProgress(sys.control));
      await sleep(gapMs);
    }
    await sleep(300);
  });
  const ok = done.filter((w) => w.ok);
  const out = {};
  for (const c of CLIENTS) {
    const r = results[c];
    const phases = byPhase(r.samples, steadyFrom, ok, pm2 ? pm2Windows : (w) => holdfastWindows(w));
    out[c] = {
      system: sys.name, client: c, connections: per, reloads: done.length, reloadsOk: ok.length, requests: r.requests, failed: r.failed, errorCodes: r.errorCodes,
      ...p99Summary(phases), errors: done.filter((w) => !w.ok).map((w) => w.error ?? w.detail),
      reloadMs: ok.map((w) => Math.round((w.result ?? w.done) - w.trigger)),
    };
  }
  return out;
}

/**
 * The floor under the p99 ratio on this machine, with no manager in the way: the same load on `sys` (no reload),
 * while a bare process of the same app (`app`, its own port, no holder) starts beside it `starts` times `gapMs` apart.
 * Any tool that starts a new process for a reload pays this; on 2 cores shared with the load generator it is not 1.
 * Window per start: spawn → its first answer (phase `startup`), and duringReloads = spawn → first answer + 300 ms.
 * Resolves { client: { system, client, connections, starts, requests, failed, errorCodes, p99, overSteady, samples,
 * startupMs } } for each client of CLIENTS (the same shape as phaseP99's, phases startup and duringReloads).
 */
export async function startFloorP99(sys, { starts, gapMs, warmMs, steadyMs, connections = 50, app = APP_HOLDFAST }) {
  const windows = [];
  const { per, steadyFrom, results } = await underLoad(sys, { warmMs, steadyMs, connections }, async () => {
    for (let i = 0; i < starts; i++) {
      const trigger = performance.now();
      const bare = await startBare({ app });
      windows.push({ trigger, answered: trigger + bare.startupMs });
      await sleep(FLOOR_TAIL_MS);
      await bare.stop();
      await sleep(gapMs);
    }
  });
  const windowsOf = (w) => ({ startup: [w.trigger, w.answered], duringReloads: [w.trigger, w.answered + FLOOR_TAIL_MS] });
  const out = {};
  for (const c of CLIENTS) {
    const r = results[c];
    out[c] = {
      system: `${sys.name}, bare starts beside it`, client: c, connections: per, starts: windows.length, requests: r.requests, failed: r.failed, errorCodes: r.errorCodes,
      ...p99Summary(byPhase(r.samples, steadyFrom, windows, windowsOf)), startupMs: windows.map((w) => Math.round(w.answered - w.trigger)),
    };
  }
  return out;
}
