// --health, --shutdown-delay, --on-failed and `status --check` against real holders: /readyz is 200 while serving
// and while a reload runs, 503 during the shutdown delay and when failed; every documented --check code; a
// SIGTERM with --shutdown-delay under fresh-connection load refuses nothing.
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { example, fixture, HolderProcess, runCli, sleep, until, holdersStoppedAfterEach } from './helpers/holdfast.js';
import { startLoad } from './helpers/load.js';

const node = process.execPath;
const start = holdersStoppedAfterEach();

async function probe(base: string, path: string): Promise<{ code: number; body: Record<string, unknown>; ms: number }> {
  const t0 = performance.now();
  const res = await request(base + path, { reset: true });
  const body = await res.body.json() as Record<string, unknown>;
  return { code: res.statusCode, body, ms: performance.now() - t0 };
}
const healthUrl = async (h: HolderProcess) => (await h.status()).health!.replace('tcp://', 'http://');
const check = (h: HolderProcess) => runCli(['status', '--check', '--control', h.control]);

describe('--health and --shutdown-delay', () => {
  it('/readyz: 200 while serving and throughout a reload, 503 during the delay; 0 refused and 0 failed from SIGTERM to exit', async () => {
    const h = start(['-l', 'http=tcp://127.0.0.1:0', '--health', 'tcp://127.0.0.1:0', '--shutdown-delay', '2s', '--', node, example('hello-fastify')]);
    await h.waitReady(1);
    const base = await healthUrl(h);
    expect(await probe(base, '/livez')).toMatchObject({ code: 200, body: { alive: true, pid: (await h.status()).holderPid } });
    expect(await probe(base, '/readyz')).toMatchObject({ code: 200, body: { ready: true, state: 'running', generation: 1 } });
    const metrics = await request(`${base}/metrics`);
    expect(await metrics.body.text()).toMatch(/^holdfast_generation 1$/m);
    expect((await probe(base, '/nope')).code).toBe(404);

    // A probe every 20 ms while a reload runs.
    let probing = true;
    const during: { code: number; ms: number }[] = [];
    const prober = (async () => { while (probing) { during.push(await probe(base, '/readyz')); await sleep(20); } })();
    const r = await h.reloadCli();
    probing = false;
    await prober;
    expect(r.code, r.out).toBe(0);
    expect(during.length).toBeGreaterThan(5);
    expect(during.filter((p) => p.code !== 200)).toEqual([]);
    const sorted = during.map((p) => p.ms).sort((a, b) => a - b);
    const max = sorted[sorted.length - 1];
    console.log(`/readyz during a reload: ${during.length} probes, median ${sorted[sorted.length >> 1].toFixed(1)} ms, max ${max.toFixed(1)} ms`);
    expect(max).toBeLessThan(1000); // generous: only catches a probe that waits for the swap

    // A load balancer: fresh connections until it has seen 503 on /readyz, plus 300 ms to propagate.
    const { port } = await h.address('http');
    const load = startLoad(`http://127.0.0.1:${port}`, { connections: 10, mode: 'new-connection' });
    await sleep(300);
    const sigterm = Date.now();
    h.proc.kill('SIGTERM');
    let notReady: { code: number; body: Record<string, unknown> } | undefined;
    await until('/readyz 503 after SIGTERM', async () => { const p = await probe(base, '/readyz'); if (p.code === 503) notReady = p; return p.code === 503; }, 5000);
    const seen503 = Date.now();
    const beforeDrop = load.report.ok;
    await sleep(300);
    const servedAfter503 = load.report.ok - beforeDrop;
    const report = await load.stop();
    const exit = await h.exited;
    console.log(`--shutdown-delay 2s: 503 after ${seen503 - sigterm} ms, exit after ${Date.now() - sigterm} ms; ${report.requests} requests, ${servedAfter503} answered after the 503`);
    expect(notReady).toMatchObject({ code: 503, body: { ready: false, state: 'stopping', generation: 2 } });
    expect(servedAfter503).toBeGreaterThan(0); // still serving while not ready
    expect(report.errors).toEqual({});
    expect(report.non2xx).toBe(0);
    expect(exit.code).toBe(0);
    expect(h.output).toMatch(/not ready; serving 2000 ms more before draining/);
  });
});

describe('status --check and --on-failed', () => {
  it('returns 0 serving, 7 starting, 8 restarting, 1 failed (and /readyz 503), 9 stopping, 5 without a holder', async () => {
    // Started one after the other: four holders starting at once on a loaded 2-core machine take long.
    const serving = start(['-l', 'http=tcp://127.0.0.1:0', '--shutdown-delay', '30s', '--', node, fixture('ok-app.mjs')]);
    await serving.waitReady(1, 45_000);
    const starting = start(['-l', 'http=tcp://127.0.0.1:0', '--ready-timeout', '120s', '--', node, fixture('slow-ready.mjs')], { READY_DELAY_MS: '120000' });
    await until('a starting worker', async () => (await starting.status().catch(() => null))?.workers.length === 1, 45_000);
    const failed = start(['-l', 'http=tcp://127.0.0.1:0', '--health', 'tcp://127.0.0.1:0', '--max-restarts', '2', '--on-failed', 'stay', '--', node, fixture('crash-on-start.mjs')]);
    await until('state failed', async () => (await failed.status().catch(() => null))?.state === 'failed', 45_000);
    const restarting = start(['-l', 'http=tcp://127.0.0.1:0', '--max-restarts', '1000', '--', node, fixture('crash-on-start.mjs')]);
    await until('state restarting', async () => (await restarting.status().catch(() => null))?.state === 'restarting', 45_000);

    const [ok, st, re, fa, none] = await Promise.all([check(serving), check(starting), check(restarting), check(failed),
      runCli(['status', '--check', '--control', `${serving.dir}/nobody.sock`])]);
    expect([ok.code, st.code, re.code, fa.code, none.code], [ok.out, st.out, re.out, fa.out, none.out].join('\n')).toEqual([0, 7, 8, 1, 5]);
    expect(ok.out).toMatch(/running, generation 1 serving/);
    expect(fa.out).toMatch(/failed, not ready/);
    expect(await probe(await healthUrl(failed), '/readyz')).toMatchObject({ code: 503, body: { ready: false, state: 'failed', generation: 0 } });

    serving.proc.kill('SIGTERM'); // 30 s of --shutdown-delay: stopping, still serving
    await until('the shutdown delay', () => /not ready; serving/.test(serving.output), 10_000);
    const stopping = await check(serving);
    expect(stopping.code, stopping.out).toBe(9);
    expect(stopping.out).toMatch(/stopping, not ready/);
    serving.proc.kill('SIGINT'); // ends the delay at once
    expect((await serving.exited).code).toBe(0);
  }, 180_000);

  it('--on-failed exit (run\'s default) drains and ends the holder with exit 1 once the crash loop gives up', async () => {
    const h = start(['-l', 'http=tcp://127.0.0.1:0', '--max-restarts', '2', '--', node, fixture('crash-on-start.mjs')]);
    const exit = await Promise.race([h.exited, sleep(30_000).then(() => null)]);
    expect(exit, h.output).toEqual({ code: 1, signal: null });
    expect(h.output).toMatch(/service failed and --on-failed is exit/);
    expect(h.output).toMatch(/"msg":"stopped"/);
  });
});
