// `holdfast stop` returns when the holder has exited (a request in flight finishes first), so `stop && run` on the
// same port works at once; `--no-wait` returns while the holder drains.
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, HolderProcess, runCli, sleep } from './helpers/holdfast.js';

const holders: HolderProcess[] = [];
afterEach(async () => { for (const h of holders.splice(0)) await h.stop(); });
const app = ['--', 'node', fixture('adapter-app.mjs')];

/** Has `pid` exited? A zombie (exited, not yet reaped by this test process, its parent) has. */
function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

describe('holdfast stop', () => {
  it('waits for the holder to exit, after a 1.5 s request finished; run on the same port then binds at once', async () => {
    const h = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '10s', ...app], { env: { KIND: 'http' } });
    holders.push(h);
    const s = await h.waitReady();
    const { port } = await h.address('http');
    const slow = request(`http://127.0.0.1:${port}/slow?ms=1500`).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }));
    await sleep(300); // the request reaches the worker

    const stop = await runCli(['stop', '--control', h.control]);
    expect(stop.code, stop.out).toBe(0);
    expect(exited(s.holderPid)).toBe(true); // gone when stop returns, not seconds later
    expect(stop.out).toContain(`holder pid ${s.holderPid}: stopping, draining pid ${s.workers[0].pid}`);
    expect(stop.out).toMatch(new RegExp(`generation 1: pid ${s.workers[0].pid} drained after \\d+ ms`));
    expect(stop.out).toMatch(new RegExp(`stopped: holder pid ${s.holderPid} exited, sockets closed`));
    expect(await slow).toMatchObject({ status: 200, body: expect.stringMatching(/^slow hello from/) });

    const again = new HolderProcess(['-l', `http=tcp://127.0.0.1:${port}`, ...app], { env: { KIND: 'http' } });
    holders.push(again);
    await again.waitReady();
    expect(again.output).not.toContain('address in use'); // the port was free when stop returned
  });

  it('--no-wait returns while the holder is still draining', async () => {
    const h = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '10s', ...app], { env: { KIND: 'http' } });
    holders.push(h);
    const s = await h.waitReady();
    const { port } = await h.address('http');
    const slow = request(`http://127.0.0.1:${port}/slow?ms=3000`).then((r) => r.body.text());
    await sleep(300);
    const stop = await runCli(['stop', '--no-wait', '--control', h.control]);
    expect(stop.code).toBe(0);
    expect(stop.out).toContain('stopping (not waiting)');
    expect(exited(s.holderPid)).toBe(false);
    await slow;
    expect(await h.exited).toEqual({ code: 0, signal: null });
  });
});
