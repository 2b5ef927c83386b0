// Phases of a reload, and requests sorted into them by their start time (requests timed per request, see
// timed-load.mjs). For holdfast, from the control API's progress lines (POST /reload?progress=1):
//   steady   before the first reload
//   startup  trigger → the new generation's READY=1 (trigger + the `ready` line's readyMs: spawn follows the
//            trigger within a few ms)
//   settle   READY=1 → READY=1 + the settle period (both generations accept)
//   drain    settle over → the old generation's exit (the `drained` line's drainMs)
//   cold     the first 500 ms after the settle period (the old one's connections move to the new worker)
// The client reads progress lines late when its event loop is busy with the load, so phases are anchored on the
// trigger and the holder's own durations. PM2 reports no phases: reload = trigger → its reload callback (new
// worker listening, old one stopped), after = the 500 ms after it. duringReloads = trigger → the end of the drain
// or of the cold phase, whichever is later (as bench/reload-p99.mjs counts it) / PM2: trigger → done + 500 ms.
import { Agent, request } from 'undici';
import { DEFAULT_SETTLE_MS } from '@holdfast/core';

export const COLD_MS = 500;
export const HOLDFAST_PHASES = ['startup', 'settle', 'drain', 'cold'];
export const PM2_PHASES = ['reload', 'after'];

/**
 * POST /reload?progress=1 on the control socket at `controlPath`. Resolves { ok, trigger, spawned, readyMs,
 * drainMs, result, error } (performance.now() clock for trigger/spawned/result; readyMs = spawn → READY=1 and
 * drainMs = the old worker's drain, both as the holder measured them). Never rejects: a failure is ok: false.
 */
export function reloadWithProgress(controlPath) {
  const dispatcher = new Agent({ connect: { socketPath: controlPath }, headersTimeout: 0, bodyTimeout: 0 });
  const at = { ok: false, trigger: performance.now() };
  return (async () => {
    const res = await request('http://holdfast/reload?progress=1', { method: 'POST', dispatcher });
    let buf = '';
    for await (const chunk of res.body) {
      buf += chunk;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const e = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (e.event === 'spawned') at.spawned ??= performance.now();
        if (e.event === 'ready') at.readyMs ??= e.readyMs;
        if (e.event === 'drained' || e.event === 'cut') at.drainMs ??= e.drainMs;
        if (e.event === 'result') { at.result = performance.now(); at.ok = e.ok === true; if (!e.ok) at.error = e.error?.code ?? JSON.stringify(e.error); }
      }
    }
    return at;
  })().catch((err) => ({ ...at, result: performance.now(), error: String(err?.message ?? err) })).finally(() => dispatcher.close());
}

/** Phase windows of one holdfast reload: { startup: [from, to), settle, drain, cold, duringReloads }. */
export function holdfastWindows(w, settleMs = DEFAULT_SETTLE_MS) {
  const ready = w.trigger + (w.readyMs ?? 0);
  const settleEnd = ready + settleMs;
  const drainEnd = settleEnd + (w.drainMs ?? 0);
  return {
    startup: [w.trigger, ready], settle: [ready, settleEnd], drain: [settleEnd, drainEnd], cold: [settleEnd, settleEnd + COLD_MS],
    duringReloads: [w.trigger, Math.max(drainEnd, settleEnd + COLD_MS)],
  };
}

/** Phase windows of one PM2 reload ({ trigger, done }). */
export function pm2Windows(w) {
  return { reload: [w.trigger, w.done], after: [w.done, w.done + COLD_MS], duringReloads: [w.trigger, w.done + COLD_MS] };
}

/**
 * Latencies by phase: samples [startMs, latencyMs, ok] (only ok ones count) whose start is in [steadyFrom, first
 * trigger) go to steady; then each to every phase window (from `windowsOf(reload)`) its start falls in (cold
 * overlaps drain). Returns { phase: latencies[] }.
 */
export function byPhase(samples, steadyFrom, reloads, windowsOf) {
  const wins = reloads.map(windowsOf);
  const out = { steady: [] };
  for (const k of Object.keys(wins[0] ?? {})) out[k] = [];
  const firstTrigger = wins[0]?.duringReloads[0] ?? Infinity;
  for (const [t, ms, ok] of samples) {
    if (!ok) continue;
    if (t >= steadyFrom && t < firstTrigger) { out.steady.push(ms); continue; }
    for (const w of wins) for (const [k, [from, to]] of Object.entries(w)) if (t >= from && t < to) out[k].push(ms);
  }
  return out;
}

/** The q-quantile (nearest rank) of `xs`, or null when empty. */
export function percentile(xs, q = 0.99) {
  if (!xs.length) return null;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** { p99: {phase: ms}, overSteady: {phase: ratio}, samples: {phase: n} } of byPhase()'s result. */
export function p99Summary(phases) {
  const out = { p99: {}, overSteady: {}, samples: {} };
  for (const [k, xs] of Object.entries(phases)) { out.p99[k] = percentile(xs); out.samples[k] = xs.length; }
  for (const k of Object.keys(phases)) if (k !== 'steady') out.overSteady[k] = out.p99[k] !== null && out.p99.steady ? out.p99[k] / out.p99.steady : null;
  return out;
}
