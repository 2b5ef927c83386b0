// `holdfast reload` progress is made of facts: `drained` only for a worker that finished on its own, the
// connections cut when the drain deadline (the holder's SIGKILL or the worker's own) ended it, and exit 1 then;
// each event as it happens, every pid named; a holder that stops or dies mid-reload is one line, exit 1.
import { spawn } from 'node:child_process';
import { Client } from 'undici';
import { describe, expect, it } from 'vitest';
import { fixture, HOLDFAST_BIN, holdersStoppedAfterEach, ROOT, runCli, sleep, until } from './helpers/holdfast.js';

const holder = holdersStoppedAfterEach();

/** `n` slow requests, each on its own connection; resolves once every one ended (answered or cut). */
function slowRequests(port: number, n: number, ms: number): { done: Promise<PromiseSettledResult<unknown>[]>; clients: Client[] } {
  const clients = Array.from({ length: n }, () => new Client(`http://127.0.0.1:${port}`));
  const done = Promise.allSettled(clients.map((c) => c.request({ path: `/slow?ms=${ms}`, method: 'GET' }).then((r) => r.body.text())));
  return { done, clients };
}

/** `holdfast reload` started in the background, for the mid-reload cases. */
function reloadInBackground(control: string, command: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [HOLDFAST_BIN, 'reload', '--control', control, '--', ...command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.once('exit', (code) => resolve({ code, out }));
  });
}

describe('reload progress', () => {
  it('a worker SIGKILLed at the drain deadline with 3 requests in flight: "killed", 3 connections cut, exit 1', async () => {
    const h = holder(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '1s', '--', 'node', fixture('adapter-app.mjs')], { KIND: 'http' });
    const s = await h.waitReady();
    const old = s.workers[0].pid;
    const { port } = await h.address('http');
    const slow = slowRequests(port, 3, 20_000);
    await sleep(300);
    const r = await h.reloadCli();
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(new RegExp(`generation 1: pid ${old} killed at the drain deadline after \\d+ ms; 3 connections cut`));
    expect(r.out).not.toMatch(/drained after/);
    expect(r.out).toMatch(new RegExp(`reload done, but 3 connections cut at the drain deadline \\(pid ${old}\\)`));
    expect((await slow.done).filter((x) => x.status === 'rejected')).toHaveLength(3);
    await Promise.all(slow.clients.map((c) => c.destroy()));
  });

  it('a worker whose own drain deadline cut 2 requests reports them: "cut 2 connections", exit 1', async () => {
    const h = holder(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '10s', '--', 'node', fixture('adapter-app.mjs')], { KIND: 'http', DRAIN_TIMEOUT: '300' });
    const s = await h.waitReady();
    const { port } = await h.address('http');
    const slow = slowRequests(port, 2, 20_000);
    await sleep(300);
    const r = await h.reloadCli();
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(new RegExp(`generation 1: pid ${s.workers[0].pid} cut 2 connections \\(2 requests in flight\\) at its own drain deadline`));
    await slow.done;
    await Promise.all(slow.clients.map((c) => c.destroy()));
  });

  it('--workers 2: each drained line comes when it happens (before the second batch is ready), both pids named', async () => {
    const h = holder(['-l', 'http=tcp://127.0.0.1:0', '--workers', '2', '--', 'node', fixture('ok-app.mjs')]);
    const s = await h.waitReady();
    const oldPids = s.workers.map((w) => w.pid);
    const r = await h.reloadCli();
    expect(r.code, r.out).toBe(0);
    const lines = r.out.trim().split('\n');
    const spawned = lines.filter((l) => /^generation 2: spawned pid \d+$/.test(l));
    const ready = lines.map((l, i) => [l, i] as const).filter(([l]) => /^generation 2: pid \d+ ready after \d+ ms; draining pid \d+$/.test(l));
    const drained = lines.map((l, i) => [l, i] as const).filter(([l]) => /^generation 1: pid \d+ drained after \d+ ms$/.test(l));
    expect([spawned.length, ready.length, drained.length]).toEqual([2, 2, 2]);
    expect(drained[0][1]).toBeLessThan(ready[1][1]); // the first old worker drained while the second batch started
    expect(drained.map(([l]) => Number(/pid (\d+)/.exec(l)![1])).sort()).toEqual([...oldPids].sort());
    const newPids = spawned.map((l) => /pid (\d+)/.exec(l)![1]);
    expect(lines.at(-1)).toMatch(new RegExp(`^reloaded: generation 2 \\(pid ${newPids.join(', ')}\\) serving`));
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal} to the holder mid-reload: one line saying so, exit 1`, async () => {
      const h = holder(['-l', 'http=tcp://127.0.0.1:0', '--', 'node', fixture('ok-app.mjs')], { READY_DELAY_MS: '20000' });
      await h.waitReady();
      const reload = reloadInBackground(h.control, ['node', fixture('slow-ready.mjs')]);
      await until('generation 2 spawned', async () => (await h.status()).workers.some((w) => w.generation === 2), 15_000);
      const workers = (await h.status()).workers.map((w) => w.pid);
      h.proc.kill(signal);
      const r = await reload;
      expect(r.code, r.out).toBe(1);
      const lines = r.out.trim().split('\n').filter((l) => !l.startsWith('generation 2: spawned'));
      expect(lines, r.out).toHaveLength(1);
      expect(lines[0]).toMatch(signal === 'SIGTERM'
        ? /^reload interrupted: the holder \(pid \d+\) began stopping during the reload/
        : /^reload interrupted: the holder on .* went away mid-reload \((ECONNRESET|connection closed mid-stream)\)/);
      expect(r.out).not.toMatch(/rolled back|keeps serving|SocketError|    at /);
      await h.exited;
      // A not-yet-ready worker may outlive a SIGKILLed holder (reported separately): never leave one behind.
      for (const pid of workers) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    });
  }
});
