// What V8 still has to do in a new generation after its READY=1, during a reload under load: functions it optimises
// only then (TurboFan code created: the warm-up did not run them enough) and deoptimisations (code the warm-up
// optimised, thrown away by the first real requests: that function runs unoptimised until V8 compiles it again).
// Both mean slow requests in the cold phase. Counted by V8 itself (--log-code --log-deopt, a log per process), so the
// figures do not depend on the machine's load, unlike a latency. The workers log; undici keeps `--connections` keep-alive
// connections busy at full speed; `--reloads` reloads through the control API; for each new generation the
// deoptimisations logged in the WINDOW_MS after its READY=1 (the settle period, the hand-over of the old worker's
// connections and the second after it; READY=1 is the holder's spawn → READY time, against the log's time since the
// process started) are counted: deoptimisations by source position and reason, optimisations by function.
//   node bench/deopts.mjs [--warmup N] [--reloads N] [--connections C] [--json]
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SETTLE_MS } from '@holdfast/core';
import { installSignalCleanup, sleep, stopAll } from './lib/proc.mjs';
import { APP_HOLDFAST, startHoldfast } from './lib/systems.mjs';
import { reloadWithProgress } from './lib/reload-phases.mjs';
import { startTimedLoad } from './lib/timed-load.mjs';

const { values: opt } = parseArgs({ options: { warmup: { type: 'string' }, reloads: { type: 'string' }, connections: { type: 'string' }, json: { type: 'boolean' } } });
const warmup = Number(opt.warmup ?? 3000);
const reloads = Number(opt.reloads ?? 2);
const connections = Number(opt.connections ?? 50);
for (const [name, v, min] of [['--warmup', warmup, 0], ['--reloads', reloads, 1], ['--connections', connections, 1]]) {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} is ${JSON.stringify(String(v))}; expected a whole number >= ${min}`);
}
/** Counted after READY=1: the settle period, then the hand-over and one second of serving alone. */
const WINDOW_MS = DEFAULT_SETTLE_MS + 1000;
/** Between reloads (and after the last one): longer than the window, so a generation's own drain is never in it. */
const AFTER_MS = WINDOW_MS + 500;

installSignalCleanup();
const logs = mkdtempSync(join(tmpdir(), 'holdfast-bench-deopts-'));
// %p: one log per process (V8 puts the pid in the name).
const command = [process.execPath, '--log-deopt', '--log-code', `--logfile=${join(logs, '%p.log')}`, '--no-logfile-per-isolate', APP_HOLDFAST];
const sys = await startHoldfast({ command, warmup });
const load = startTimedLoad(sys.url, 'undici', { connections });
const generations = []; // { pid, readyMs }
let requests = 0;
let failed = 0;
try {
  await sleep(1500); // the first generation serves and optimises under load
  for (let i = 0; i < reloads; i++) {
    const w = await reloadWithProgress(sys.control);
    if (!w.ok) throw new Error(`reload ${i + 1} failed: ${w.error}`);
    generations.push({ pid: await sys.workerPid(), readyMs: w.readyMs });
    await sleep(AFTER_MS);
  }
} finally {
  const r = await load.stop();
  requests = r.requests;
  failed = r.failed;
  await sys.stop();
  await stopAll();
}

/**
 * From a V8 log, the events in [readyMs, readyMs + WINDOW_MS) of the process's life: code-deopt lines
 * (code-deopt,<µs>,<size>,<addr>,<inlining id>,<offset>,<kind>,<position>,<reason>) and TurboFan code created
 * (code-creation,JS,<kind>,<µs>,<addr>,<size>,<name position>,<sfi>,* ; `*` marks optimised code).
 */
function eventsAfter(pid, readyMs) {
  const file = readdirSync(logs).find((f) => f === `${pid}.log`);
  if (!file) return null;
  const deopts = [];
  const optimised = [];
  const inWindow = (us) => { const ms = Number(us) / 1000; return ms >= readyMs && ms < readyMs + WINDOW_MS ? Math.round(ms - readyMs) : null; };
  for (const line of readFileSync(join(logs, file), 'utf8').split('\n')) {
    if (line.startsWith('code-deopt,')) {
      const f = line.split(',');
      const ms = inWindow(f[1]);
      if (ms !== null) deopts.push({ ms, kind: f[6], at: f[7], reason: f.slice(8).join(',') });
    } else if (line.startsWith('code-creation,JS,') && line.endsWith(',*')) {
      const f = line.split(',');
      const ms = inWindow(f[3]);
      if (ms !== null) optimised.push({ ms, fn: f.slice(6, -2).join(',') });
    }
  }
  return { deopts, optimised };
}
const per = generations.map((g) => ({ ...g, ...eventsAfter(g.pid, g.readyMs) }));
rmSync(logs, { recursive: true, force: true });
const out = {
  warmup, reloads, connections, requests, failed, windowMs: WINDOW_MS,
  deoptsAfterReady: per.map((g) => g.deopts?.length ?? null), optimisedAfterReady: per.map((g) => g.optimised?.length ?? null), generations: per,
};
if (opt.json) console.log(JSON.stringify(out));
else {
  console.log(`warm-up ${warmup}, ${reloads} reload(s) under ${connections} connections: ${requests} requests, ${failed} failed`);
  for (const g of per) {
    if (!g.deopts) { console.log(`generation pid ${g.pid}: no V8 log`); continue; }
    console.log(`generation pid ${g.pid} (READY=1 after ${g.readyMs} ms), in the ${WINDOW_MS} ms after READY=1: ${g.optimised.length} function(s) optimised, ${g.deopts.length} deoptimisation(s)`);
    for (const d of g.deopts) console.log(`  deopt +${d.ms} ms  ${d.at}  ${d.kind}: ${d.reason}`);
  }
}
