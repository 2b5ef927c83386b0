// `pnpm bench --quick` in CI, so that the bench cannot rot: it must run every section end to end and report
// every figure, and a reload that fails must show up as a failure in its JSON and its exit code.
// Results go to a temp dir: bench/results/ belongs to whoever runs the full bench meanwhile.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bench(args: string[], jsonOut: string, timeoutMs: number): Promise<{ code: number | null; out: string; json: any }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'bench/run.mjs'), ...args, '--json-out', jsonOut, '--out-dir', join(dir, 'results')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    // SIGINT: run.mjs stops everything it started (PM2 daemon included) before exiting.
    const t = setTimeout(() => p.kill('SIGINT'), timeoutMs);
    p.once('exit', (code) => {
      clearTimeout(t);
      let json: any = null;
      try { json = JSON.parse(readFileSync(jsonOut, 'utf8')); } catch { /* none */ }
      resolve({ code, out, json });
    });
  });
}

describe('bench --quick', () => {
  it('runs every section and reports every figure', async () => {
    const r = await bench(['--quick'], join(dir, 'quick.json'), 270_000);
    expect(r.json, r.out).not.toBeNull();
    expect(r.json.problems, r.out).toEqual([]);
    expect(r.code, r.out).toBe(0);
    const f = r.json.figures;
    for (const s of ['holdfast', 'pm2', 'nodemon']) {
      expect(f.failedPer100Reloads[s].reloads).toBeGreaterThan(0);
      expect(f.failedPer100Reloads[s].failedReloads).toBe(0);
      expect(typeof f.failedPer100Reloads[s].per100).toBe('number');
    }
    // The product's claim, under both clients: a reload loses no request.
    expect(f.failedPer100Reloads.holdfast.per100).toBe(0);
    expect(f.undici.holdfast.failed).toBe(0);
    // ... and with the connection hand-over, autocannon (which ignores Connection: close) has nothing unanswered.
    expect(f.failedPer100Reloads.holdfast.unanswered).toBe(0);
    expect(f.handover.holdfast.kept).toBe(f.handover.holdfast.connections);
    expect(f.handover.holdfastNoHandover.kept).toBe(0);
    for (const s of ['holdfast', 'pm2']) {
      expect(f.throughputRatio[s].cpuPerRequest.median).toBeGreaterThan(0);
      expect(f.throughputRatio[s].rps.n).toBe(1);
      expect(f.reloadMs[s].overStartup.median).toBeGreaterThan(0);
      expect(f.p99[s].ratio.median).toBeGreaterThan(0);
      expect(f.sigkill[s].kills).toBe(1);
    }
    expect(f.sigkill.holdfast.refused).toBe(0);
    expect(f.udp.swapsOk).toBe(f.udp.swaps);
    expect(f.udp.sent).toBeGreaterThan(0);
    expect(f.soak.holdfast).toMatchObject({ ok: true, growth: { fds: 0, children: 0 } });
    expect(f.dev.holdfast.saves).toBe(1);
    expect(f.dev.nodemon.saves).toBe(1);
    expect(f.holderRssMiB).toBeGreaterThan(0);
    // p99 during reloads per phase, timed per request, with both clients, holdfast (warm-up on) beside PM2.
    for (const c of ['undici', 'autocannon']) {
      const h = f.phaseP99.holdfastWarm[c];
      expect(h.reloads).toBeGreaterThan(0);
      expect(h.failedReloads).toBe(0);
      expect(h.failed).toBe(0);
      for (const k of ['startup', 'settle', 'cold', 'duringReloads']) expect(h.phases[k].samples, `${c} ${k}`).toBeGreaterThan(0);
      expect(h.phases.duringReloads.overSteady.median).toBeGreaterThan(0);
      expect(f.phaseP99.pm2[c].phases.duringReloads.overSteady.median).toBeGreaterThan(0);
    }
    // Control-API reload to serving over bare start-up; SIGKILL to first answer against bare start-up.
    for (const s of ['holdfast', 'holdfastWarm', 'pm2']) expect(f.serving[s].servingOverBare.median).toBeGreaterThan(0);
    expect(f.serving.holdfast.toServingMs.median).toBeLessThan(f.serving.holdfast.toDoneMs.median);
    for (const s of ['holdfast', 'holdfastStandby', 'pm2']) expect(f.sigkillOverBare[s].n).toBe(1);
    expect(f.sigkill.holdfastStandby.refused).toBe(0);
    // CPU per request at a fixed rate with an interval, PM2 included; the managers' idle memory.
    for (const s of ['holdfast', 'pm2']) expect(f.cpu[s].mean).toBeGreaterThan(0);
    expect(f.cpu.failed).toBe(0);
    for (const s of ['holdfast', 'pm2']) expect(f.idleFootprint[s].rssMiB.median).toBeGreaterThan(0);
    expect(r.out).toContain('| figure | holdfast | PM2');
    expect(r.out).toMatch(/target ≤ 1\.5: \*\*(met|missed)\*\*/);
  }, 300_000);

  it('reports a reload that rolls back as a failure', async () => {
    const r = await bench(['--quick', '--only', 'reload', '--fault', 'reload'], join(dir, 'fault.json'), 170_000);
    expect(r.json, r.out).not.toBeNull();
    expect(r.code).toBe(1);
    expect(r.json.ok).toBe(false);
    expect(r.json.figures.failedPer100Reloads.holdfast.failedReloads).toBeGreaterThan(0);
    expect(r.json.problems.join('\n')).toMatch(/holdfast: \d+ of \d+ reloads failed/);
  }, 200_000);
});
