// CPU time per request, managed / bare, with a confidence interval: the same fastify app alone and under
// `holdfast run` (with --pm2, also under PM2), each at the same fixed rate, in many short alternating windows
// (bare, holdfast, bare, ...), so that a slow minute of a shared machine hits both. The method is in
// lib/cpu-paired.mjs (schedstat ns CPU time, order-balanced rounds, 95% Student's t interval); `pnpm bench`
// runs the same in its `cpu` section.
//   node bench/cpu-per-request.mjs [--pairs N] [--seconds S] [--rate R] [--pm2] [--json]
import { parseArgs } from 'node:util';
import { installSignalCleanup, stopAll } from './lib/proc.mjs';
import { startBare, startHoldfast, startPm2 } from './lib/systems.mjs';
import { cpuRounds, meanUs, ratioCi } from './lib/cpu-paired.mjs';

const { values: opt } = parseArgs({ options: { pairs: { type: 'string' }, seconds: { type: 'string' }, rate: { type: 'string' }, pm2: { type: 'boolean' }, json: { type: 'boolean' } } });
const rounds = Number(opt.pairs ?? 10);
const seconds = Number(opt.seconds ?? 3);
const rate = Number(opt.rate ?? 1000);

installSignalCleanup();
let each;
const systems = {};
try {
  [systems.bare, systems.holdfast, systems.pm2] = await Promise.all([startBare(), startHoldfast(), opt.pm2 ? startPm2() : null]);
  if (!systems.pm2) delete systems.pm2;
  each = await cpuRounds(systems, { rounds, rate, seconds });
} finally {
  await stopAll();
}
const summary = {
  rate, seconds, pairs: each.length, ...ratioCi(each, 'holdfast', 'bare'),
  bareUsPerRequest: meanUs(each, 'bare'), holdfastUsPerRequest: meanUs(each, 'holdfast'),
  ...(systems.pm2 ? { pm2OverBare: ratioCi(each, 'pm2', 'bare'), pm2UsPerRequest: meanUs(each, 'pm2') } : {}),
  failed: each.reduce((a, e) => a + Object.values(e).reduce((b, w) => b + w.failed, 0), 0),
};
console.log(opt.json ? JSON.stringify(summary) : JSON.stringify(summary, null, 1));
