// What holdfast says is what happened: a connection cut at the drain deadline is counted once (the worker's own
// deadline and the holder's fire together), a worker that outlived its drain with nothing cut is no failure, hints
// claim no serving generation that is not there, and a reload refused before it started says so.
import { Client } from 'undici';
import { describe, expect, it } from 'vitest';
import { fixture, holdersStoppedAfterEach, runCli, sleep, until } from './helpers/holdfast.js';

const holder = holdersStoppedAfterEach();

describe('the drain deadline', () => {
  it('one slow request in flight at the deadline: exactly "1 connection cut", every time (was 0, 1 or 2)', async () => {
    const h = holder(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '1s', '--', 'node', fixture('slow-request.mjs')]);
    await h.waitReady();
    const { port } = await h.address('http');
    for (let round = 0; round < 3; round++) {
      const old = (await h.status()).workers[0].pid;
      const client = new Client(`http://127.0.0.1:${port}`);
      // Settled at once (a rejection is the expected outcome: the deadline cuts it).
      const slow = client.request({ path: '/?ms=20000', method: 'GET' }).then((r) => r.body.text(), (e: Error) => e);
      await sleep(300);
      const r = await h.reloadCli();
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(new RegExp(`generation \\d+: pid ${old} (killed at the drain deadline after \\d+ ms; 1 connection cut|cut 1 connection)`));
      expect(r.out).toContain(`reload done, but 1 connection cut at the drain deadline (pid ${old})`);
      expect(await slow).toBeInstanceOf(Error);
      await client.destroy();
    }
  });

  it('a worker that finished its drain but did not exit: exit 0, "did not exit", why the reload waited, the fix', async () => {
    const h = holder(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '1s', '--', 'node', fixture('lingers-after-drain.mjs')]);
    const s = await h.waitReady();
    const old = s.workers[0].pid;
    const r = await h.reloadCli();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(new RegExp(`generation 1: pid ${old} finished its drain after \\d+ ms but did not exit; killed at the drain deadline after \\d+ ms; 0 connections cut`));
    expect(r.out).toMatch(new RegExp(`nothing was cut, but pid ${old} finished its drain and did not exit, so it was killed at the drain deadline: the reload waited the whole --drain-timeout`));
    expect(r.out).toMatch(/SIGTERM handler that does not exit/);
    expect(r.out).not.toMatch(/reload done, but|give the old generation more time/);
    expect(h.output).toContain('got SIGTERM'); // the app's own handler ran, after the drain
    const stop = await runCli(['stop', '--control', h.control]);
    expect(stop.code, stop.out).toBe(0);
    expect(stop.out).toMatch(/the stop waited the whole --drain-timeout/);
    expect(stop.out).not.toMatch(/stop cut|stopped, but/);
  });
  it('a draining worker killed with SIGKILL by someone else mid-request: the reload says so and exits 1 (was "drained", exit 0)', async () => {
    const h = holder(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '20s', '--', 'node', fixture('slow-request.mjs')]);
    await h.waitReady();
    const { port } = await h.address('http');
    const old = (await h.status()).workers[0].pid;
    const client = new Client(`http://127.0.0.1:${port}`);
    const slow = client.request({ path: '/?ms=20000', method: 'GET' }).then((r) => r.body.text(), (e: Error) => e);
    await sleep(300);
    const reload = h.reloadCli();
    await until('the old worker draining', async () => (await h.status()).workers.some((w) => w.pid === old && w.state === 'draining'));
    process.kill(old, 'SIGKILL');
    const r = await reload;
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(new RegExp(`generation 1: pid ${old} killed by SIGKILL after \\d+ ms, before its drain finished; connections cut: unknown`));
    expect(r.out).toContain(`reload done, but connections cut, how many is unknown (pid ${old} killed by SIGKILL before its drain finished)`);
    expect(h.output).toContain('WARN_HOLDFAST_DRAIN_INTERRUPTED');
    expect(await slow).toBeInstanceOf(Error);
    await client.destroy();
  });
});

describe('failure messages', () => {
  it('the first start fails with a syntax error: no hint claims a serving generation', async () => {
    const r = await runCli(['run', '--control', `/tmp/holdfast-truth-${process.pid}.sock`, '--max-restarts', '2', '--', 'node', fixture('syntax-error.mjs')]);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/node --check \S+syntax-error\.mjs/);
    expect(r.out).not.toMatch(/generation that is serving|keeps serving/);
  });

  it('never ready under the register hook: "never called listen()" and --ready-timeout, not serve()/listenFds()', async () => {
    const h = holder(['-l', 'http=tcp://127.0.0.1:0', '--ready-timeout', '1s', '--max-restarts', '1', '--on-failed', 'stay', '--', 'node', fixture('waits-for-database.mjs')]);
    await until('the start failed', async () => (await h.status().catch(() => null))?.state === 'failed', 20_000);
    expect(h.output).toMatch(/it never called listen\(\) on the held address \\"http\\" \(tcp:\/\/127\.0\.0\.1:\d+\)/);
    expect(h.output).toContain('--ready-timeout');
    expect(h.output).not.toMatch(/serve\(\) or listenFds\(\)/);
  });

  it('a reload while the holder stops (--shutdown-delay): "reload refused: the holder is stopping", not "interrupted"', async () => {
    const h = holder(['-l', 'http=tcp://127.0.0.1:0', '--shutdown-delay', '5s', '--', 'node', fixture('slow-request.mjs')]);
    await h.waitReady();
    h.proc.kill('SIGTERM');
    await until('not ready', async () => (await runCli(['status', '--check', '--control', h.control])).code === 9, 5000);
    const r = await h.reloadCli();
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/^reload refused: the holder is stopping \(SIGTERM, within --shutdown-delay\); nothing changed/);
    expect(r.out).not.toContain('interrupted');
  });
});
