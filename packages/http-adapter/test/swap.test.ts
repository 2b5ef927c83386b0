// Holder-like loop: the socket is opened once; workers are swapped under load (new one READY, then SIGTERM
// to the old one). The promise: 0 errors, 0 non-2xx, for pooled keep-alive clients (undici and http.Agent).
import * as http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { closeFd, inspectFd, openSocket } from '@holdfast/native';
import { fixture, Notifier, sleep, startWorker, type Worker } from './helpers.js';

const notifier = new Notifier();
const opened: number[] = [];
afterAll(() => {
  notifier.close();
  for (const fd of opened) closeFd(fd);
});

interface Tally { ok: number; non2xx: number; errors: number; errorCodes: Record<string, number>; pids: Set<string> }

function agentGet(agent: http.Agent, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

describe('zero errors across swaps', () => {
  for (const app of ['fastify-hello.mjs', 'http-hello.mjs']) {
    it(`${app}: 5 swaps under keep-alive load (undici Pool 32 connections + http.Agent 16)`, async () => {
      const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0, backlog: 4096 }, 'http');
      opened.push(fd);
      const port = inspectFd(fd).port!;
      const spawnWorker = (): Worker => startWorker(fixture(app), { fds: [{ fd, name: 'http' }], notifier, env: { DRAIN_TIMEOUT: '10000' } });

      const tally: Tally = { ok: 0, non2xx: 0, errors: 0, errorCodes: {}, pids: new Set() };
      const count = (status: number, body: string): void => {
        if (status >= 200 && status < 300) tally.ok++;
        else tally.non2xx++;
        tally.pids.add(body.trim().split(' ').pop()!);
      };
      const fail = (e: Error & { code?: string }): void => {
        tally.errors++;
        const code = e.code ?? e.message;
        tally.errorCodes[code] = (tally.errorCodes[code] ?? 0) + 1;
      };

      let current = spawnWorker();
      await current.ready;
      const exits: Promise<{ code: number | null; at: number; drainMs: number }>[] = [];

      let running = true;
      const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 32, pipelining: 1 });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      const loops: Promise<void>[] = [];
      for (let i = 0; i < 32; i++) {
        loops.push((async () => {
          while (running) {
            try {
              const r = await pool.request({ path: '/', method: 'GET' });
              count(r.statusCode, await r.body.text());
            } catch (e) { fail(e as Error); }
          }
        })());
      }
      for (let i = 0; i < 16; i++) {
        loops.push((async () => {
          while (running) {
            try {
              const r = await agentGet(agent, port);
              count(r.status, r.body);
            } catch (e) { fail(e as Error); }
          }
        })());
      }

      const started = Date.now();
      const swapMs: number[] = [];
      await sleep(300);
      for (let swap = 0; swap < 5; swap++) {
        const t = Date.now();
        const next = spawnWorker();
        await next.ready; // invariant 4: the old one is drained only after the new one is ready
        swapMs.push(Date.now() - t);
        const killedAt = Date.now();
        current.child.kill('SIGTERM');
        exits.push(current.exited.then((e) => ({ ...e, drainMs: e.at - killedAt })));
        current = next;
        await sleep(400);
      }
      running = false;
      await Promise.all(loops);
      const elapsed = Date.now() - started;
      const oldExits = await Promise.all(exits);
      // Clients gone first: the last worker has no connection left and exits at once.
      await pool.close();
      agent.destroy();
      const killedAt = Date.now();
      current.child.kill('SIGTERM');
      const lastExit = await current.exited;

      console.log(JSON.stringify({ app, requests: tally.ok + tally.non2xx + tally.errors, ...tally, pids: tally.pids.size, elapsedMs: elapsed, readyMs: swapMs, oldDrainMs: oldExits.map((e) => e.drainMs), lastDrainMs: lastExit.at - killedAt }));
      expect(tally.errors).toBe(0);
      expect(tally.errorCodes).toEqual({});
      expect(tally.non2xx).toBe(0);
      expect(tally.ok).toBeGreaterThan(1000);
      expect(tally.pids.size).toBe(6); // every generation served
      expect(oldExits.map((e) => e.code)).toEqual([0, 0, 0, 0, 0]);
      expect(lastExit.code).toBe(0);
      expect(lastExit.at - killedAt).toBeLessThan(1000);
      for (const e of oldExits) expect(e.drainMs).toBeLessThan(10_000); // ended by the last connection, not the 10 s deadline
    }, 30_000);
  }
});
