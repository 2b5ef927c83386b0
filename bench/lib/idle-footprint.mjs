// Manager memory at idle, each started fresh with the smallest node:http app: holdfast's holder after one
// GET /metrics (the metrics endpoint in use; bench/holder-footprint.mjs measures it, run here as a script), and
// PM2's daemon (God) after one `pm2 jlist` (its own status/metrics query), both read after the same idle time.
import { join } from 'node:path';
import { footprint, run, sleep, smapsMiB, treeCpu } from './proc.mjs';
import { BENCH, startPm2 } from './systems.mjs';

const APP_SELF_MINIMAL = join(BENCH, 'apps/http-minimal-self.mjs');

/** holder-footprint.mjs --runs 1 --metrics: { rssMiB, pssMiB, anonMiB, idleCpuPct, controlMs }. Throws with its output. */
export async function holderIdle({ idleMs }) {
  const r = await run(process.execPath, [join(BENCH, 'holder-footprint.mjs'), '--runs', '1', '--metrics', '--idle-ms', String(idleMs), '--json'], { timeoutMs: 120_000, cwd: BENCH });
  const line = r.out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.code !== 0 || !line) throw new Error(`holder-footprint.mjs exited ${r.code}: ${r.out.slice(-1000)}`);
  const s = JSON.parse(line);
  const one = s.each?.[0] ?? s;
  return { rssMiB: one.rssMiB, pssMiB: one.pssMiB ?? null, anonMiB: one.anonMiB ?? null, idleCpuPct: one.idleCpuPct, controlMs: one.controlMs };
}

/**
 * A fresh PM2 daemon (own PM2_HOME) running the same minimal app: `pm2 jlist` once, then 500 ms + `idleMs` of
 * idling; the daemon's RSS, PSS and anonymous memory at the end and its CPU over the idle time. Stops the daemon after.
 */
export async function pm2Idle({ idleMs }) {
  const p = await startPm2({ app: APP_SELF_MINIMAL });
  try {
    await p.pm2(['jlist']);
    await sleep(500);
    const pid = p.daemonPid();
    const a = treeCpu(pid)[pid];
    await sleep(idleMs);
    const b = treeCpu(pid)[pid];
    return { rssMiB: footprint(pid).rssMiB, ...smapsMiB(pid), idleCpuPct: +(((b - a) / idleMs) * 100).toFixed(2) };
  } finally {
    await p.stop();
  }
}

/**
 * `rounds` rounds of holderIdle and pm2Idle, the two side by side (memory at idle does not depend on what else
 * runs, and each idle CPU figure is its own process's): [{ holdfast, pm2 }].
 */
export async function idleFootprintRounds({ rounds, idleMs, log = () => {} }) {
  const out = [];
  for (let i = 0; i < rounds; i++) {
    const [holdfast, pm2] = await Promise.all([holderIdle({ idleMs }), pm2Idle({ idleMs })]);
    log(`idle footprint round ${i + 1}: holder ${holdfast.rssMiB} MiB, PM2 daemon ${pm2.rssMiB} MiB RSS`);
    out.push({ holdfast, pm2 });
  }
  return out;
}
