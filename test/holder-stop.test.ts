// The holder's stop path, as a container's main process meets it: once the drain begins new connections are
// refused at once (never queued behind a socket nobody accepts from, then reset), requests in flight finish, and
// every process a worker left behind is ended, its whole escaped tree included.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, HolderProcess, runCli, sleep, until, withMarker } from './helpers/holdfast.js';

const holders: HolderProcess[] = [];
const markers: string[] = [];
afterEach(async () => {
  for (const h of holders.splice(0)) await h.stop();
  // A failing run must not leave its escaped sleeps behind for the next one.
  for (const m of markers.splice(0)) for (const pid of withMarker(m)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
});

const node = process.execPath;
const start = (args: string[]) => { const h = new HolderProcess(args); holders.push(h); return h; };

/** The time (ms since the epoch, from the holder's JSON log) at which the stop's drain began. */
function drainBegan(h: HolderProcess): number | null {
  for (const line of h.output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const l = JSON.parse(line) as { msg?: string; time?: string | number };
      if (l.msg === 'draining' && l.time !== undefined) return typeof l.time === 'number' ? l.time : Date.parse(l.time);
    } catch { /* not JSON */ }
  }
  return null;
}

interface Outcome { n: number; startedAt: number; result: 'ok' | string }

/** One GET on a fresh connection (no agent), bounded by `timeoutMs`; resolves with 'ok' or the error code. */
function getOnce(port: number, path: string, timeoutMs = 8000): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(res.statusCode === 200 ? `ok:${body.trim()}` : `status ${res.statusCode}`));
      res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
    });
    req.on('timeout', () => { req.destroy(); resolve('TIMEOUT'); });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
  });
}


describe('stop: new connections are refused once the drain begins', () => {
  it('under a new-connection load: refused from the moment the worker stops accepting, never reset after it; the slow request answered', async () => {
    const h = start(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '10s', '--', node, fixture('slow-plain.cjs')]);
    await h.waitReady(1);
    const { port } = await h.address('http');
    let slowDone = false;
    const slow = getOnce(port, '/slow').then((r) => { slowDone = true; return r; });
    let running = true;
    const outcomes: Outcome[] = [];
    // Requests are numbered as they start; `started` at the first refusal seen splits those that began after it.
    let started = 0;
    let firstRefused: { started: number; slowInFlight: boolean } | null = null;
    const loops = Array.from({ length: 20 }, async () => {
      while (running) {
        const n = ++started;
        const startedAt = Date.now();
        const result = await getOnce(port, '/');
        outcomes.push({ n, startedAt, result });
        if (result === 'ECONNREFUSED' && !firstRefused) firstRefused = { started, slowInFlight: !slowDone };
        if (result !== 'ok:ok') await sleep(10); // refused: the port is closed, do not spin
      }
    });
    await sleep(400); // the slow request reaches the worker; the loops are served
    h.proc.kill('SIGTERM');
    const exit = await h.exited;
    running = false;
    await Promise.all(loops);
    const began = drainBegan(h);
    expect(began, h.output).not.toBeNull();
    expect(firstRefused, h.output).not.toBeNull();
    const refusedFrom = firstRefused!.started;
    const count = (list: Outcome[], r: string) => list.filter((o) => o.result === r).length;
    const during = outcomes.filter((o) => o.startedAt >= began! && o.n <= refusedFrom);
    const after = outcomes.filter((o) => o.n > refusedFrom);
    const figures = {
      beforeDrain: { ok: count(outcomes.filter((o) => o.startedAt < began!), 'ok:ok'), reset: count(outcomes.filter((o) => o.startedAt < began!), 'ECONNRESET') },
      // Started after the drain began, before a refusal was seen: answered, or in the worker's accept queue when it
      // closed its listener (reset by the kernel, as by any server's close(); see docs/faults.md).
      untilRefused: { ok: count(during, 'ok:ok'), reset: count(during, 'ECONNRESET') },
      afterRefused: { total: after.length, refused: count(after, 'ECONNREFUSED'), reset: count(after, 'ECONNRESET'),
        other: after.filter((o) => !['ECONNREFUSED', 'ECONNRESET'].includes(o.result)).map((o) => o.result) },
    };
    console.log(`stop under a new-connection load (20 loops): ${JSON.stringify(figures)}`);
    expect(await slow).toBe('ok:slow');
    expect(exit.code).toBe(0);
    expect(figures.beforeDrain.ok).toBeGreaterThan(0);
    // Refusals begin while the drain runs (the slow request is still in flight), not when the holder exits...
    expect(firstRefused!.slowInFlight).toBe(true);
    // ...and from then on every new connection is refused at once: nothing queued, hung, reset or answered.
    expect(figures.afterRefused.reset).toBe(0);
    expect(figures.afterRefused.other).toEqual([]);
    expect(figures.afterRefused.refused).toBeGreaterThan(0);
  });

  it('a connect() during the drain is refused while a request in flight is still running', async () => {
    const h = start(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '10s', '--', node, fixture('slow-plain.cjs')]);
    await h.waitReady(1);
    const { port } = await h.address('http');
    let slowDone = false;
    const slow = getOnce(port, '/slow').then((r) => { slowDone = true; return r; });
    await sleep(300);
    h.proc.kill('SIGTERM');
    await until('the drain to begin', () => drainBegan(h) !== null, 5000);
    await sleep(200); // the worker has stopped accepting
    const outcome = await new Promise<string>((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port });
      c.once('connect', () => {
        // Queued behind a socket nobody accepts from: what the old stop did (a reset when the holder closed it).
        c.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        c.once('data', () => { c.destroy(); resolve('answered'); });
      });
      c.once('error', (e: NodeJS.ErrnoException) => resolve(`${e.code}${slowDone ? ' after the slow request' : ''}`));
      c.setTimeout(8000, () => { c.destroy(); resolve('TIMEOUT'); });
    });
    expect(outcome).toBe('ECONNREFUSED');
    expect(await slow).toBe('ok:slow');
    expect((await h.exited).code).toBe(0);
  });
});

describe('stop: every process a worker left behind is ended', () => {
  it.each([
    ['a setsid shell waiting for its sleep', 'plain'],
    ['a setsid shell and its sleep, both ignoring SIGTERM', 'ignores-term'],
  ])('%s: nothing of the tree is left after `holdfast stop`', async (_label, mode) => {
    const marker = String(900_000 + Math.floor(Math.random() * 99_999));
    markers.push(marker);
    const h = start(['-l', 'http=tcp://127.0.0.1:0', '--', node, fixture('escapes-session.cjs'), mode, marker]);
    const s = await h.waitReady(1);
    await until('the escaped sleep to run', () => withMarker(marker).length > 0, 5000);
    const stop = await runCli(['stop', '--control', h.control]);
    expect(stop.code, stop.out).toBe(0);
    expect(stop.out).toMatch(new RegExp(`stopped: holder pid ${s.holderPid} exited, sockets closed`));
    expect((await h.exited).code).toBe(0);
    expect(withMarker(marker)).toEqual([]);
  });
});

it('Ctrl-C twice: the first SIGINT drains (and says how long it may wait), the second kills the workers at once', async () => {
  const h = start(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '30s', '--', node, fixture('ignores-sigterm.mjs')]);
  await h.waitReady(1);
  const pid = (await h.status()).workers[0].pid;
  h.proc.kill('SIGINT');
  await until('the worker to ignore its drain signal', () => h.output.includes('ignores-sigterm: ignoring SIGTERM'), 10_000);
  expect(h.output).toMatch(/SIGINT: stopping: the workers drain for up to 30 s \(--drain-timeout\); SIGINT again \(Ctrl-C\) kills them at once/);
  const t0 = Date.now();
  h.proc.kill('SIGINT');
  const exit = await h.exited;
  expect(Date.now() - t0).toBeLessThan(10_000); // not the 30 s drain deadline
  expect(exit.code).toBe(0);
  expect(h.output).toMatch(/"code":"WARN_HOLDFAST_FORCED_STOP".*"workers":1/);
  expect(() => process.kill(pid, 0)).toThrow();
}, 60_000);
