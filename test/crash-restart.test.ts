// A SIGKILLed worker is replaced while the held socket queues connections: nothing is refused.
import { request } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { example, HolderProcess, sleep } from './helpers/holdfast.js';
import { startLoad } from './helpers/load.js';

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

it('after SIGKILL of the worker: 0 refused connections, at most one reset per in-flight connection', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', process.execPath, example('hello-fastify')]);
  const s1 = await holder.waitReady(1);
  const { port } = await holder.address('http');
  const connections = 20;
  const load = startLoad(`http://127.0.0.1:${port}`, { connections, mode: 'new-connection' });
  await sleep(500);
  const victim = s1.workers[0].pid;
  process.kill(victim, 'SIGKILL');
  const s2 = await holder.waitReady(2);
  await sleep(500);
  const report = await load.stop();
  expect(s2.workers.map((w) => w.pid)).not.toContain(victim);
  expect(report.errors.ECONNREFUSED ?? 0).toBe(0);
  // Only requests in flight inside the killed process can be cut: at most one per client connection.
  const cut = Object.values(report.errors).reduce((a, b) => a + b, 0);
  expect(cut).toBeLessThanOrEqual(connections);
  expect(report.ok).toBeGreaterThan(100);
  const res = await request(`http://127.0.0.1:${port}/`, { reset: true });
  expect(res.statusCode).toBe(200);
  expect((await res.body.json() as { generation: number }).generation).toBe(2);
});
