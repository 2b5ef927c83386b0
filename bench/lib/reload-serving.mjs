// Reload trigger to the new generation serving, against the bare start-up of the same app in the same round.
// holdfast: POST /reload?progress=1 on the control API → READY=1 of the new generation (the `spawned` line as
// this process reads it plus the holder's spawn → READY=1 `readyMs`; from READY=1 on it accepts), also → the
// first answer from a new pid on a fresh connection, and → the `result` line (settle and drain over).
// PM2: reload through its programmatic API → the first answer from a new pid (PM2 has no READY=1 unless the app
// opts into --wait-ready; the new worker's first answer is its equivalent), and → the reload callback (the old
// worker stopped). Two loops of fresh connections (startProber) watch for the new pid meanwhile.
import { sleep, until } from './proc.mjs';
import { startProber } from './load.mjs';
import { reloadWithProgress } from './reload-phases.mjs';
import { APP_HOLDFAST, APP_SELF, probe, startBare } from './systems.mjs';

/** Spawn → first answer of the app alone: { holdfastApp, selfApp } in ms (`first` decides which runs first). */
export async function bareStartups(first = 'selfApp') {
  const out = {};
  for (const k of first === 'selfApp' ? ['selfApp', 'holdfastApp'] : ['holdfastApp', 'selfApp']) {
    const b = await startBare({ app: k === 'selfApp' ? APP_SELF : APP_HOLDFAST });
    out[k] = b.startupMs;
    await b.stop();
  }
  return out;
}

/**
 * One reload of `sys` with the prober running: { ok, toServingMs (holdfast: READY=1), toNewPidMs, toDoneMs,
 * detail }. `pm2`: connectPm2()'s handle when sys is PM2.
 */
export async function reloadToServing(sys, pm2 = null) {
  const oldPid = (await probe(sys.port)).pid;
  const prober = startProber(sys.port, { parallel: 2 });
  await sleep(100);
  const r = pm2 ? await pm2.reload() : await reloadWithProgress(sys.control);
  const newPidAt = await until(() => prober.outcomes.find((o) => o.ok && o.pid !== oldPid && o.end >= r.trigger)?.end, { timeoutMs: 10_000, everyMs: 5, what: `an answer from a new ${sys.name} worker` }).catch(() => null);
  const outcomes = await prober.stop();
  const first = outcomes.filter((o) => o.ok && o.pid !== oldPid && o.end >= r.trigger).reduce((a, o) => Math.min(a, o.end), newPidAt ?? Infinity);
  return {
    ok: r.ok,
    toServingMs: pm2 ? null : (r.spawned ?? r.trigger) - r.trigger + (r.readyMs ?? NaN),
    toNewPidMs: Number.isFinite(first) ? first - r.trigger : null,
    toDoneMs: (r.result ?? r.done) - r.trigger,
    failedProbes: outcomes.filter((o) => !o.ok).length,
    detail: r.error ?? r.detail ?? 'ok',
  };
}

/**
 * One round: bare start-ups of both apps, then `reloads` reloads of each of `systems` ({ key: sys }) in order,
 * 300 ms apart. `pm2Key`/`pm2` say which system reloads through PM2's API. Returns { bare, reloads: {key: [...]} }.
 */
export async function reloadServingRound(systems, { reloads, pm2Key = 'pm2', pm2 = null, reverse = false }) {
  const bare = await bareStartups(reverse ? 'holdfastApp' : 'selfApp');
  const out = { bare, reloads: {} };
  const keys = Object.keys(systems);
  for (const k of reverse ? keys.reverse() : keys) {
    out.reloads[k] = [];
    for (let i = 0; i < reloads; i++) {
      out.reloads[k].push(await reloadToServing(systems[k], k === pm2Key ? pm2 : null));
      await sleep(300);
    }
  }
  return out;
}
