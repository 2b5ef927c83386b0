// CPU time per request at a fixed rate, in short alternating windows, and ratios over the bare app with a 95%
// confidence interval. CPU = every thread's time on a CPU (/proc/PID/task/TID/schedstat, ns) of the system's
// processes (holder + worker, PM2 daemon + worker, the bare app), over the requests answered in the window.
// The second window of a pair runs on a machine the first has just loaded, so a ratio depends on the order:
// rounds alternate the order (A, B, ... then ..., B, A), each round with the reversed one after it is combined
// (geometric mean), and the interval (Student's t) is over those balanced values.
import { cpuDelta, sleep, treeCpuFine } from './proc.mjs';
import { startFixedRate } from './fixed-rate.mjs';
import { T95 } from './stats.mjs';

/** One window: `rate` req/s for `warmMs` (connections open, rate settled), then `seconds` measured. */
export async function cpuWindow(sys, { rate, seconds, warmMs = 500 }) {
  const root = sys.cpuRoot();
  const load = startFixedRate(sys.url, { rate });
  await sleep(warmMs);
  const ok0 = load.ok; const c0 = treeCpuFine(root);
  await sleep(seconds * 1000);
  const ok1 = load.ok; const c1 = treeCpuFine(root);
  const r = await load.stop();
  return { usPerRequest: (cpuDelta(c0, c1) * 1000) / (ok1 - ok0), requests: ok1 - ok0, failed: r.failed };
}

/**
 * `rounds` rounds over `systems` ({ key: sys }, the first key is the baseline), the order reversed every other
 * round. Returns the rounds: [{ key: cpuWindow() }].
 */
export async function cpuRounds(systems, { rounds, rate, seconds, warmMs, log = () => {} }) {
  const keys = Object.keys(systems);
  const out = [];
  for (let i = 0; i < rounds; i++) {
    const r = {};
    for (const k of i % 2 ? [...keys].reverse() : keys) {
      r[k] = await cpuWindow(systems[k], { rate, seconds, warmMs });
      log(`cpu round ${i + 1} ${k}: ${r[k].usPerRequest.toFixed(1)} µs/request`);
    }
    out.push(r);
  }
  return out;
}

/**
 * Ratio `key` / `base` of CPU per request over `rounds` (cpuRounds()): { mean, ci95: [lo, hi], median, n
 * (balanced values), rounds, ratios (per round) }. Rounds 2k and 2k+1 (opposite orders) give one balanced value;
 * with fewer than 2 such values, the per-round ratios are used (and the interval is wide or null).
 */
export function ratioCi(rounds, key, base) {
  const ratios = rounds.map((r) => r[key].usPerRequest / r[base].usPerRequest);
  const balanced = [];
  for (let i = 0; i + 1 < ratios.length; i += 2) balanced.push(Math.sqrt(ratios[i] * ratios[i + 1]));
  const xs = balanced.length >= 2 ? balanced : ratios;
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  const sorted = [...xs].sort((a, b) => a - b);
  const r3 = (x) => (Number.isFinite(x) ? +x.toFixed(3) : null);
  return {
    mean: r3(mean), ci95: Number.isFinite(half) ? [r3(mean - half), r3(mean + half)] : null, median: r3(sorted[Math.floor(n / 2)]),
    n, balanced: balanced.length >= 2, rounds: ratios.length, ratios: ratios.map(r3),
  };
}

/** Mean µs per request of `key` over the rounds. */
export const meanUs = (rounds, key) => +(rounds.reduce((a, r) => a + r[key].usPerRequest, 0) / rounds.length).toFixed(1);
