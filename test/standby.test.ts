// Warm standby (--standby 1): a ready standby accepts nothing until a crash promotes it, and then it answers at once
// (no backoff, no start-up) while connections wait in the held accept queue: nothing is refused.
import * as http from 'node:http';
import { request } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { fixture, HolderProcess, sleep, type StatusBody } from './helpers/holdfast.js';
import { startLoad } from './helpers/load.js';

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

type W = StatusBody['workers'][number] & { standby?: true; status?: string | null };

async function withReadyStandby(h: HolderProcess): Promise<{ serving: W; standby: W }> {
  for (let i = 0; i < 600; i++) {
    const s = await h.status();
    const ws = s.workers as W[];
    const standby = ws.find((w) => w.standby && w.state === 'ready');
    const serving = ws.find((w) => !w.standby && w.state === 'ready');
    if (standby && serving) return { serving, standby };
    await sleep(50);
  }
  throw new Error(`no ready standby: ${JSON.stringify(await h.status())}\n${h.output}`);
}

async function pidOf(port: number): Promise<number> {
  const r = await request(`http://127.0.0.1:${port}/`, { reset: true, headersTimeout: 30_000 });
  return ((await r.body.json()) as { pid: number }).pid;
}

it('a ready standby (HOLDFAST_STANDBY=1) never accepts: every request on a new connection is answered by the serving worker', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--standby', '1', '--', process.execPath, fixture('ok-app.mjs')]);
  await holder.waitReady(1);
  const { serving, standby } = await withReadyStandby(holder);
  expect(standby.pid).not.toBe(serving.pid);
  const { port } = await holder.address('http');
  const pids = new Set<number>();
  for (let i = 0; i < 200; i++) pids.add(await pidOf(port));
  // Two processes accepting on one socket share the connections; a standby that accepted would show up here.
  expect([...pids]).toEqual([serving.pid]);
}, 120_000);

it('SIGKILL of the serving worker under load: the standby is promoted, answers, and nothing is refused', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--standby', '1', '--', process.execPath, fixture('ok-app.mjs')]);
  await holder.waitReady(1);
  const { serving, standby } = await withReadyStandby(holder);
  const { port } = await holder.address('http');
  const connections = 20;
  const load = startLoad(`http://127.0.0.1:${port}`, { connections, mode: 'new-connection' });
  await sleep(500);
  const spawnedBefore = holder.output.match(/"msg":"spawned"/g)!.length;
  process.kill(serving.pid, 'SIGKILL');
  // The next answer comes from the standby, promoted without a new spawn for the slot.
  let answeredBy = 0;
  for (let i = 0; i < 100 && answeredBy !== standby.pid; i++) answeredBy = await pidOf(port).catch(() => 0);
  expect(answeredBy).toBe(standby.pid);
  await sleep(1000);
  const report = await load.stop();
  expect(report.errors.ECONNREFUSED ?? 0).toBe(0);
  // Only requests in flight inside the killed process can be cut (SIGKILL): at most one per client connection.
  const cut = Object.values(report.errors).reduce((a, b) => a + b, 0);
  expect(cut).toBeLessThanOrEqual(connections);
  expect(report.ok).toBeGreaterThan(100);
  expect(holder.output).toMatch(new RegExp(`promoted standby pid ${standby.pid} in place of pid ${serving.pid}`));
  expect(holder.output).not.toMatch(/restarting in \d+ ms/);
  const s = await holder.status();
  expect((s.workers as W[]).filter((w) => !w.standby).map((w) => w.pid)).toEqual([standby.pid]);
  // A new standby started behind it (the only spawn since the kill).
  await withReadyStandby(holder);
  expect(holder.output.match(/"msg":"spawned"/g)!.length).toBe(spawnedBefore + 1);
}, 120_000);

it("a standby warms node's HTTP code on a private server before READY=1, and its first request after a promotion is the app's first", async () => {
  // Unmodified node:http app (register hook), no --warmup: only the node warm-up runs, and never the app's handler.
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--standby', '1', '--', process.execPath, fixture('warmup-app.mjs')], { env: { WARMUP_KIND: 'hook', PORT: '3000' } });
  await holder.waitReady(1);
  const { serving, standby } = await withReadyStandby(holder);
  expect(standby.status).toMatch(/^standby: node's HTTP code warmed \((\d+) of \1 requests, \d+ ms\); not accepting until promoted$/);
  expect(serving.status ?? '').not.toMatch(/warmed/);
  const { port } = await holder.address('http');
  process.kill(serving.pid, 'SIGKILL');
  const r = await request(`http://127.0.0.1:${port}/`, { reset: true, headersTimeout: 30_000 });
  const seen = (await r.body.json()) as { pid: number; warmups: number; real: number };
  expect(seen).toMatchObject({ pid: standby.pid, warmups: 0, real: 1 });
}, 120_000);

it("a promotion never runs the app's own SIGUSR2 handler (nodemon's restart convention): the standby keeps serving", async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--standby', '1', '--', process.execPath, fixture('usr2-restart.cjs')], { env: { PORT: '3000' } });
  await holder.waitReady(1);
  const { serving, standby } = await withReadyStandby(holder);
  const { port } = await holder.address('http');
  process.kill(serving.pid, 'SIGKILL');
  expect(await pidOf(port)).toBe(standby.pid);
  await sleep(500);
  for (let i = 0; i < 20; i++) expect(await pidOf(port)).toBe(standby.pid);
  expect(holder.output).not.toMatch(/SIGUSR2 handler ran/);
  expect(holder.output).not.toMatch(new RegExp(`"pid":${standby.pid}[^\n]*crashed`));
  const s = await holder.status();
  expect((s.workers as W[]).filter((w) => !w.standby).map((w) => w.pid)).toEqual([standby.pid]);
}, 120_000);

it('a reload with --standby 1 hands idle keep-alive connections to the new serving worker, never to its standby', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--standby', '1', '--', process.execPath, fixture('adapter-app.mjs')], { env: { DRAIN_TIMEOUT: '20000' } });
  await holder.waitReady(1);
  const before = await withReadyStandby(holder);
  const { port } = await holder.address('http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const get = (): Promise<{ pid: number; localPort: number }> => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent }, (res) => {
      const localPort = res.socket.localPort!;
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ pid: Number(/\d+/.exec(body)![0]), localPort }));
    }).on('error', reject);
  });
  const first = await Promise.all(Array.from({ length: 8 }, get));
  expect(new Set(first.map((r) => r.pid))).toEqual(new Set([before.serving.pid]));
  const r = await holder.reloadCli();
  expect(r.code, r.out).toBe(0);
  const after = await withReadyStandby(holder);
  expect(after.serving.generation).toBe(2);
  const second = await Promise.all(Array.from({ length: 8 }, get));
  agent.destroy();
  // The same connections (local ports), now answered by the new serving worker: moved, not closed, not to the standby.
  expect(new Set(second.map((x) => x.localPort))).toEqual(new Set(first.map((x) => x.localPort)));
  expect(new Set(second.map((x) => x.pid))).toEqual(new Set([after.serving.pid]));
}, 120_000);
