// Warm-up before READY=1: the app's own server answers the configured requests, marked with x-holdfast-warmup,
// before the held fd is attached: by default as real HTTP on a private loopback TCP listener (the held socket is
// TCP here; its port is never the one a warm-up connection came in on), or in-process; warm-up requests never reach
// the held socket, and no warm-up connection is open when the first real client is served.
import { afterEach, expect, it } from 'vitest';
import { request } from 'undici';
import { fixture, HolderProcess } from './helpers/holdfast.js';
import { freePort } from './helpers/free-port.js';

let holder: HolderProcess | null = null;
afterEach(async () => { await holder?.stop(); holder = null; });

type Seen = Record<string, number> & { warmupLocalPorts: number[] };
async function get(port: number): Promise<Seen> {
  const r = await request(`http://127.0.0.1:${port}/`, { headersTimeout: 30_000 });
  return (await r.body.json()) as Seen;
}

it('HOLDFAST_WARMUP: every warm-up request runs over a private socket before the fd is attached, a request queued meanwhile comes after', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', process.execPath, fixture('warmup-app.mjs')],
    { env: { HOLDFAST_WARMUP: '/, GET /other', HOLDFAST_WARMUP_COUNT: '150' } });
  // Ask as soon as the socket is held: the request waits in the accept queue until the worker attaches.
  let port = 0;
  for (let i = 0; i < 300 && !port; i++) {
    try { port = (await holder.address('http')).port; } catch { await new Promise((r) => setTimeout(r, 20)); }
  }
  const first = await get(port);
  expect(first).toMatchObject({ warmups: 300, warmupsOnSocket: 300, warmupsOverTcp: 300, warmupsWhileListening: 0, warmupConnectionsOpen: 0, real: 1 });
  expect(first.warmupLocalPorts).toHaveLength(1);
  expect(first.warmupLocalPorts).not.toContain(port);
  const s = await holder.waitReady(1);
  expect(s.workers[0].pid).toBe(first.pid);
  expect(await get(port)).toMatchObject({ warmups: 300, warmupsOverTcp: 300, real: 2 });
  expect(holder.output).toMatch(/warm-up of \\"http\\": 300 requests over a private socket/);
  // Each generation warms up again on a reload.
  const r = await holder.reloadCli();
  expect(r.code).toBe(0);
  const after = await get(port);
  expect(after.pid).not.toBe(first.pid);
  expect(after).toMatchObject({ warmups: 300, warmupsOnSocket: 300, warmupsOverTcp: 300, warmupsWhileListening: 0, warmupConnectionsOpen: 0 });
  expect(after.warmupLocalPorts).not.toContain(port);
}, 90_000);

it('HOLDFAST_WARMUP_VIA=in-process: the handlers run without a socket', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', process.execPath, fixture('warmup-app.mjs')],
    { env: { HOLDFAST_WARMUP: '/', HOLDFAST_WARMUP_COUNT: '30', HOLDFAST_WARMUP_VIA: 'in-process' } });
  await holder.waitReady(1);
  const { port } = await holder.address('http');
  expect(await get(port)).toMatchObject({ warmups: 30, warmupsOnSocket: 0, warmupsWhileListening: 0, real: 1 });
}, 60_000);

it("serve()'s warmup option on a fastify app: GET and POST with a JSON body, count each", async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', process.execPath, fixture('warmup-app.mjs')], { env: { WARMUP_KIND: 'fastify' } });
  await holder.waitReady(1);
  const { port } = await holder.address('http');
  const seen = await get(port);
  expect(seen).toMatchObject({ warmups: 50, warmupsOnSocket: 50, warmupsOverTcp: 50, warmupsWhileListening: 0, warmupConnectionsOpen: 0, real: 1 });
  expect(seen.warmupLocalPorts).not.toContain(port);
  expect(holder.output).not.toMatch(/WARN_HOLDFAST_WARMUP_FAILED/);
}, 60_000);

it('--warmup through the register hook: an unmodified app.listen(PORT) warms up before it takes the held socket', async () => {
  const port = await freePort();
  holder = new HolderProcess(['-l', `http=tcp://127.0.0.1:${port}`, '--warmup', '/', '--warmup-count', '40', '--', process.execPath, fixture('warmup-app.mjs')],
    { env: { WARMUP_KIND: 'hook', PORT: String(port) } });
  await holder.waitReady(1);
  const seen = await get(port);
  expect(seen).toMatchObject({ warmups: 40, warmupsOnSocket: 40, warmupsOverTcp: 40, warmupsWhileListening: 0, warmupConnectionsOpen: 0, real: 1 });
  expect(seen.warmupLocalPorts).not.toContain(port);
}, 60_000);

it('a bad HOLDFAST_WARMUP_COUNT under the register hook: no READY=1, the cause on stderr, even when the app swallows the listen error (no abort)', async () => {
  const port = await freePort();
  holder = new HolderProcess(['-l', `http=tcp://127.0.0.1:${port}`, '--warmup', '/', '--max-restarts', '1', '--', process.execPath, fixture('express-ignores-listen-error.mjs')],
    { env: { PORT: String(port), HOLDFAST_WARMUP_COUNT: 'abc' } });
  await holder.exited;
  expect(holder.output).toMatch(/the held socket "http" could not be attached: HOLDFAST_WARMUP_COUNT is "abc"; expected a whole number >= 1/);
  expect(holder.output).toMatch(/exited with code 0 before READY=1/);
  expect(holder.output).not.toMatch(/SIGABRT|Napi::Error|sent READY=1/);
}, 60_000);

it('a warm-up still running at --ready-timeout is reported as such, not as an app that never listened', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--ready-timeout', '2s', '--max-restarts', '1', '--', process.execPath, fixture('warmup-app.mjs')],
    { env: { HOLDFAST_WARMUP: '/hang', HOLDFAST_WARMUP_COUNT: '1' } });
  await holder.exited;
  expect(holder.output).toMatch(/did not send READY=1 within 2000 ms: its warm-up was still running when the deadline came \(its STATUS=: warming up \\"http\\": 1 requests over a private socket/);
  expect(holder.output).not.toMatch(/never called listen\(\)/);
}, 60_000);
