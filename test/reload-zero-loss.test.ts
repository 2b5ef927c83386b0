// The main job: 5 blue-green reloads under load lose no request, for pooled keep-alive clients and for clients
// that open a new connection per request.
import { afterEach, describe, expect, it } from 'vitest';
import { example, HolderProcess, sleep } from './helpers/holdfast.js';
import { startLoad } from './helpers/load.js';

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

describe.each(['keep-alive', 'new-connection'] as const)('5 reloads under load, %s clients', (mode) => {
  it('0 failed requests and every reload reaches a new generation', async () => {
    holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', process.execPath, example('hello-fastify')]);
    await holder.waitReady(1);
    const { port } = await holder.address('http');
    const load = startLoad(`http://127.0.0.1:${port}`, { connections: mode === 'keep-alive' ? 50 : 20, mode });
    const pids = new Set<number>();
    for (let i = 0; i < 5; i++) {
      await sleep(300);
      const r = await holder.reloadCli();
      expect(r.code, r.out).toBe(0);
      const s = await holder.status();
      pids.add(s.workers.find((w) => w.generation === s.generation)!.pid);
    }
    await sleep(300);
    const report = await load.stop();
    expect(pids.size).toBe(5);
    expect((await holder.status()).generation).toBe(6);
    expect(report.requests).toBeGreaterThan(500);
    expect(report.errors).toEqual({});
    expect(report.non2xx).toBe(0);
    expect(report.ok).toBe(report.requests);
  });
});
