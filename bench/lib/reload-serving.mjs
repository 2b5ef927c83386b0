// Reload trigger to the new generation serving, against the bare start-up of the same app in the same round.
// holdfast: POST /reload?progress=1 on the control API → READY=1 of the new generation (the `spawned` line as
// this process reads it plus the holder's spawn → READY=1 `readyMs`; from READY=1 on it accepts), also → the
// first answer from a new pid on a fresh connection, and → the `result` line (settle and drain over).
// PM2: reload through its programmatic API → the first answer from a new pid (PM2 has no READY=1 unless the app
// opts into --wait-ready; the new worker's first answer is its equivalent), and → the reload callback (the old
// worker stopped). Meanwhile one GET / on a fresh connection every 10 ms watches for the new pid, as the bare
// start-up is watched (waitAnswer), so that both sides carry the same probing load.
import { sleep } from './proc.mjs';
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

/** Probe `port` every 10 ms until stop(); resolves the end time (performance.now()) of the first 2xx from a pid not `oldPid`. */
function watchNewPid(port, oldPid) {
  let running = true;
  const first = (async () => {
    while (running) {
      const r = await probe(port, 1000);
      if (r.ok && r.pid !== oldPid) return performance.now();
      await sleep(10);
    }
    return null;
  })();
  return { first, stop() { running = false; return first; } };
}

/**
 * One reload of `sys` with the watcher running: { ok, toServingMs (holdfast: READY=1), toNewPidMs, toDoneMs,
 * detail }. `pm2`: connectPm2()'s handle when sys is PM2.
 */
export async function reloadToServing(sys, pm2 = null) {
  const oldPid = (await probe(sys.port)).pid;
  const watch = watchNewPid(sys.port, oldPid);
  const r = pm2 ? await pm2.reload() : await reloadWithProgress(sys.control);
  const first = await Promise.race([watch.first, sleep(10_000).then(() => null)]);
  await watch.stop();
  return {
    ok: r.ok,
    toServingMs: pm2 ? null : (r.spawned ?? r.trigger) - r.trigger + (r.readyMs ?? NaN),
    toNewPidMs: first === null ? null : first - r.trigger,
    toDoneMs: (r.result ?? r.done) - r.trigger,
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
