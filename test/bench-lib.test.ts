// The bench's pure parts, so that a figure cannot quietly change meaning: which phase a request falls in, the
// order-balanced CPU ratio and its interval, the target cell, and the README table replacement (prose kept).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// bench/ is plain ESM without types: load it by path.
const lib = async (name: string): Promise<any> => import(join(ROOT, 'bench/lib', name));

describe('reload phases', () => {
  it('puts each answered request in the phases its start falls in (holdfast)', async () => {
    const { byPhase, holdfastWindows, COLD_MS } = await lib('reload-phases.mjs');
    // trigger at 1000, READY=1 400 ms later, settle 300 ms, drain 50 ms, result line at 1800.
    const w = { trigger: 1000, readyMs: 400, drainMs: 50, result: 1800 };
    const samples = [[500, 5, true], [900, 6, true], [950, 99, false], [1100, 7, true], [1500, 8, true], [1720, 9, true], [1760, 10, true], [1705 + COLD_MS, 11, true]];
    const p = byPhase(samples, 600, [w], (x: unknown) => holdfastWindows(x, 300));
    expect(p.steady).toEqual([6]); // 500 is before the steady window, 950 failed
    expect(p.startup).toEqual([7]);
    expect(p.settle).toEqual([8]);
    expect(p.drain).toEqual([9]); // 1700..1750
    expect(p.cold).toEqual([9, 10]); // 1700..2200 overlaps drain
    expect(p.duringReloads).toEqual([7, 8, 9, 10]); // trigger .. the later of drain end and cold end
  });

  it('gives PM2 its reload and after phases, and p99 over steady', async () => {
    const { byPhase, pm2Windows, p99Summary } = await lib('reload-phases.mjs');
    const samples = [[0, 10, true], [10, 10, true], [100, 40, true], [650, 20, true]];
    const s = p99Summary(byPhase(samples, 0, [{ trigger: 50, done: 300 }], pm2Windows));
    expect(s.p99).toMatchObject({ steady: 10, reload: 40, after: 20, duringReloads: 40 });
    expect(s.overSteady).toMatchObject({ reload: 4, after: 2, duringReloads: 4 });
  });
});

describe('CPU ratio with its interval', () => {
  it('combines each round with the reversed one after it, and the interval contains the mean', async () => {
    const { ratioCi } = await lib('cpu-paired.mjs');
    const round = (bare: number, hf: number) => ({ bare: { usPerRequest: bare }, holdfast: { usPerRequest: hf } });
    // bare-first rounds read 1.2, holdfast-first 0.8: balanced values sqrt(0.96) each, whatever the order bias.
    const r = ratioCi([round(100, 120), round(100, 80), round(50, 60), round(50, 40)], 'holdfast', 'bare');
    expect(r.balanced).toBe(true);
    expect(r.n).toBe(2);
    expect(r.mean).toBeCloseTo(Math.sqrt(0.96), 3);
    expect(r.ci95[0]).toBeCloseTo(r.mean, 3); // identical values: a zero-width interval
    expect(r.ratios).toEqual([1.2, 0.8, 1.2, 0.8]);
  });
});

describe('table', () => {
  it('shows a target met or missed on the median, and says when it was not measured', async () => {
    const { target } = await lib('latency-rows.mjs');
    expect(target({ median: 1.5 }, 1.5)).toBe('target ≤ 1.5: **met**');
    expect(target({ median: 61.2 }, 55, ' MiB')).toBe('target ≤ 55 MiB: **missed**');
    expect(target({ median: null }, 50, ' ms')).toBe('target ≤ 50 ms: not measured');
  });

  it('replaces only the generated table inside the README bench block', async () => {
    const { readmeWithTable } = await lib('write-results.mjs');
    const readme = ['# x', '<!-- bench:start -->', 'intro', '', 'Measured old', 'Mode old', '', '| a |', '| --- |', '| 1 |', '', '**Problems:** old', '', 'after', '<!-- bench:end -->', 'tail'].join('\n');
    const out = readmeWithTable(readme, 'Measured new\n\n| b |\n| --- |\n| 2 |');
    expect(out).toBe(['# x', '<!-- bench:start -->', 'intro', '', 'Measured new', '', '| b |', '| --- |', '| 2 |', '', 'after', '<!-- bench:end -->', 'tail'].join('\n'));
    expect(readmeWithTable('no block', 'x')).toBeNull();
  });
});
