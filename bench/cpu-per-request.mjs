// CPU time per request, managed / bare, with a confidence interval: the same fastify app alone and under
// `holdfast run`, each at the same fixed rate, in many short alternating windows (bare, holdfast, bare, ...), so
// that a slow minute of a shared machine hits both. CPU = user+sys of every process of the system (holder and
// worker; the bare app) from /proc/PID/task/*/schedstat (ns), over the requests answered in the window. Each pair gives one ratio;
// the figure is the mean of order-balanced pairs of pairs with a 95% confidence interval (Student's t), and the median.
//   node bench/cpu-per-request.mjs [--pairs N] [--seconds S] [--rate R] [--json]
import { parseArgs } from 'node:util';
import { cpuDelta, installSignalCleanup, sleep, stopAll, treeCpuFine } from './lib/proc.mjs';
import { startBare, startHoldfast } from './lib/systems.mjs';
import { startFixedRate } from './lib/fixed-rate.mjs';

const { values: opt } = parseArgs({ options: { pairs: { type: 'string' }, seconds: { type: 'string' }, rate: { type: 'string' }, json: { type: 'boolean' } } });
const pairs = Number(opt.pairs ?? 10);
const seconds = Number(opt.seconds ?? 3);
const rate = Number(opt.rate ?? 1000);
// Two-sided 95% t quantiles by degrees of freedom (n - 1), then the normal value.
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

installSignalCleanup();
const [bare, hf] = await Promise.all([startBare(), startHoldfast()]);

async function window(sys) {
  const root = sys.cpuRoot();
  const load = startFixedRate(sys.url, { rate });
  await sleep(500); // connections open, rate settled
  const ok0 = load.ok; const c0 = treeCpuFine(root);
  await sleep(seconds * 1000);
  const ok1 = load.ok; const c1 = treeCpuFine(root);
  const r = await load.stop();
  return { usPerRequest: (cpuDelta(c0, c1) * 1000) / (ok1 - ok0), requests: ok1 - ok0, failed: r.failed };
}

const ratios = [];
const each = [];
try {
  for (let i = 0; i < pairs; i++) {
    // Alternate which goes first, so that a trend over time does not favour one side.
    const first = i % 2 === 0 ? [bare, hf] : [hf, bare];
    const out = {};
    for (const s of first) out[s === bare ? 'bare' : 'holdfast'] = await window(s);
    ratios.push(out.holdfast.usPerRequest / out.bare.usPerRequest);
    each.push(out);
  }
} finally {
  await Promise.allSettled([bare.stop(), hf.stop()]);
  await stopAll();
}
// The second window of a pair runs on a machine the first one has just loaded: ratios alternate with the order
// (measured here: 1.1-1.5 with bare first, 0.7-1.0 with holdfast first). Each bare-first pair is combined with the
// holdfast-first pair after it (geometric mean), which cancels the order; the interval is over those.
const balanced = [];
for (let i = 0; i + 1 < ratios.length; i += 2) balanced.push(Math.sqrt(ratios[i] * ratios[i + 1]));
const xs = balanced.length >= 2 ? balanced : ratios;
const n = xs.length;
const mean = xs.reduce((a, b) => a + b, 0) / n;
const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
const sorted = [...xs].sort((a, b) => a - b);
const r3 = (x) => +x.toFixed(3);
const summary = {
  rate, seconds, pairs: ratios.length, balancedPairs: balanced.length, mean: r3(mean), ci95: [r3(mean - half), r3(mean + half)], median: r3(sorted[Math.floor(n / 2)]),
  bareUsPerRequest: r3(each.reduce((a, e) => a + e.bare.usPerRequest, 0) / each.length), holdfastUsPerRequest: r3(each.reduce((a, e) => a + e.holdfast.usPerRequest, 0) / each.length),
  failed: each.reduce((a, e) => a + e.bare.failed + e.holdfast.failed, 0), ratios: ratios.map(r3),
};
console.log(opt.json ? JSON.stringify(summary) : JSON.stringify(summary, null, 1));
