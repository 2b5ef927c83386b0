// HTTP/2 (h2c and h2) drains with no lost stream, upgraded connections (ws default close 1001, SSE through
// onDrain), udp6 across swaps, and a non-idempotent POST loop across swaps.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeFd, inspectFd, openSocket } from '@holdfast/native';
import { killAll, Notifier, selfSigned, sleep, startApp, type AppWorker } from './fixtures/adapter-helpers.js';
// @ts-expect-error plain .mjs shared with bench/adapter-swaps.mjs
import { agentLoad, h2Load, udpLoad, undiciLoad } from './fixtures/adapter-load.mjs';

const notifier = new Notifier();
const opened: number[] = [];
const tls = selfSigned();
afterAll(() => {
  killAll();
  notifier.close();
  for (const fd of opened) closeFd(fd);
  fs.rmSync(tls.dir, { recursive: true, force: true });
});

function tcp(): { fd: number; port: number } {
  const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0, backlog: 4096 }, 'http');
  opened.push(fd);
  return { fd, port: inspectFd(fd).port! };
}

/** Swap `swaps` times under whatever load runs: start the next, await READY=1, SIGTERM the old one. */
async function swapLoop(start: () => AppWorker, swaps: number, gapMs = 150, first?: AppWorker): Promise<{ last: AppWorker; exits: number[]; pids: number[] }> {
  let current = first ?? start();
  await current.ready;
  const pids = [current.pid];
  const exits: Promise<{ code: number | null }>[] = [];
  await sleep(gapMs);
  for (let i = 0; i < swaps; i++) {
    const next = start();
    await next.ready;
    current.child.kill('SIGTERM');
    exits.push(current.exited);
    current = next;
    pids.push(next.pid);
    await sleep(gapMs);
  }
  return { last: current, exits: (await Promise.all(exits)).map((e) => e.code ?? -1), pids };
}

describe('HTTP/2', () => {
  for (const kind of ['h2c', 'h2'] as const) {
    it(`${kind}: a stream in flight at SIGTERM finishes; a client multiplexing on one session loses no stream across 3 swaps`, async () => {
      const { fd, port } = tcp();
      const env = { KIND: kind, TLS_KEY: tls.key, TLS_CERT: tls.cert, DRAIN_TIMEOUT: '10000' };
      const url = `${kind === 'h2' ? 'https' : 'http'}://127.0.0.1:${port}`;
      const connectOptions = kind === 'h2' ? { rejectUnauthorized: false } : {};

      // the slow stream: opened on a session, then SIGTERM; it must be answered
      const first = startApp(env, { fds: [{ fd, name: 'http' }], notifier });
      await first.ready;
      const session = http2.connect(url, connectOptions);
      const slow = new Promise<string>((resolve, reject) => {
        const req = session.request({ ':path': '/slow?ms=500' });
        let body = '';
        req.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve(body)).on('error', reject);
      });
      const goaway = new Promise<number>((resolve) => session.once('goaway', (code) => resolve(code)));
      await sleep(150);
      first.child.kill('SIGTERM');
      expect(await goaway).toBe(0);
      expect(await slow).toBe(`slow hello from ${first.pid}\n`);
      const exit = await first.exited;
      expect(exit.code).toBe(0);
      session.close();

      const load = h2Load(url, 16, connectOptions);
      const { last, exits } = await swapLoop(() => startApp(env, { fds: [{ fd, name: 'http' }], notifier }), 3);
      const report = await load.stop();
      last.child.kill('SIGTERM');
      console.log(JSON.stringify({ kind, ...report }));
      expect(report.errors).toEqual({});
      expect(report.non2xx).toBe(0);
      expect(report.ok).toBeGreaterThan(300);
      // GOAWAY moved the client to a new session at least once (how many depends on when the last GOAWAY lands
      // relative to load.stop(), so no exact count).
      expect(report.sessions).toBeGreaterThanOrEqual(2);
      expect(exits).toEqual([0, 0, 0]);
      expect((await last.exited).code).toBe(0);
    }, 20_000);
  }
});

describe('upgraded and long-lived connections', () => {
  it('ws: with no onDrain, every WebSocket gets close 1001 "going away" and the worker exits at once', async () => {
    const { fd, port } = tcp();
    const w = startApp({ KIND: 'ws' }, { fds: [{ fd, name: 'http' }], notifier });
    await w.ready;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await new Promise((r) => ws.once('open', r));
    const echo = new Promise((r) => ws.once('message', (m) => r(m.toString())));
    ws.send('ping');
    expect(await echo).toBe('ping');
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    expect(await closed).toEqual({ code: 1001, reason: 'going away' });
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - t0).toBeLessThan(5000); // the drain ended with the socket, not at the 10 s deadline
  });

  it('SSE: onDrain ends the event stream with a reconnect event; the drain resolves when it is gone', async () => {
    const { fd, port } = tcp();
    const w = startApp({ KIND: 'sse' }, { fds: [{ fd, name: 'http' }], notifier });
    await w.ready;
    let text = '';
    const ended = new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/events', agent: false }, (res) => {
        res.setEncoding('utf8').on('data', (d) => (text += d)).on('end', resolve);
      }).on('error', reject);
    });
    await sleep(200);
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    await ended;
    expect(text).toContain(`data: hello ${w.pid}`);
    expect(text).toMatch(/event: reconnect\ndata: draining\n\n$/);
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - t0).toBeLessThan(5000); // the drain ended with the socket, not at the 10 s deadline
  });
});

describe('more swaps', () => {
  it('udp6: 5000/s across 3 swaps, the old worker stops reading, the new one reads what is queued: 0 lost', async () => {
    const fd = openSocket({ family: 'inet6', type: 'dgram', host: '::1', port: 0, receiveBuffer: 2 * 1024 * 1024 }, 'udp');
    opened.push(fd);
    const port = inspectFd(fd).port!;
    const start = (): AppWorker => startApp({ KIND: 'udp6', DRAIN_TIMEOUT: '5000' }, { fds: [{ fd, name: 'udp' }], notifier });
    const first = start();
    await first.ready;
    const load = await udpLoad(port, 5000, 'udp6');
    const { last, exits } = await swapLoop(start, 3, 100, first);
    const r = await load.stop();
    last.child.kill('SIGTERM');
    console.log(JSON.stringify({ udp6: r }));
    expect(r.sent).toBeGreaterThan(2000);
    expect(r.lost).toBe(0);
    expect(exits).toEqual([0, 0, 0]);
    expect((await last.exited).code).toBe(0);
  }, 20_000);

  it('express: non-idempotent POSTs on reused connections plus undici GETs across 3 swaps: 0 errors, 0 non-2xx', async () => {
    const { fd, port } = tcp();
    const post = agentLoad(port, 8, { post: true });
    const get = undiciLoad(port, 16);
    // the load starts before the first worker: requests wait in the accept queue
    const { last, exits, pids } = await swapLoop(() => startApp({ KIND: 'express' }, { fds: [{ fd, name: 'http' }], notifier }), 3);
    const [p, g] = [await post.stop(), await get.stop()];
    last.child.kill('SIGTERM');
    console.log(JSON.stringify({ post: p, get: g, generations: pids.length }));
    expect(p.errors).toEqual({});
    expect(g.errors).toEqual({});
    expect(p.non2xx + g.non2xx).toBe(0);
    expect(p.ok).toBeGreaterThan(100);
    expect(exits).toEqual([0, 0, 0]);
    expect((await last.exited).code).toBe(0);
  }, 20_000);
});
