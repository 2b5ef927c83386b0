// Supervisor hardening: every fault has a defined outcome, under load, and the old generation keeps serving.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, childrenOf, fixture, HolderProcess, reloadWith, sleep, until } from './helpers/holdfast.js';
import { startLoad, type LoadReport } from './helpers/load.js';

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

const node = process.execPath;
const failedOf = (r: LoadReport) => r.non2xx + Object.values(r.errors).reduce((a, b) => a + b, 0);

async function serving(args: string[] = [], app = 'ok-app.mjs') {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', ...args, '--', node, fixture(app)]);
  const s = await holder.waitReady(1);
  const { port } = await holder.address('http');
  const load = startLoad(`http://127.0.0.1:${port}`, { connections: 10, mode: 'keep-alive' });
  return { s, port, load, h: holder };
}

describe('a bad new generation never takes down the serving one', () => {
  it.each([
    ['crash-on-start.mjs', /exited with code 1 before READY=1/],
    ['crash-after-ready.mjs', /right after READY=1/],
    ['never-ready.mjs', /did not send READY=1 within 4000 ms/],
  ])('%s: reload fails with the reason, old generation keeps serving, 0 failed requests', async (bad, reason) => {
    const { s, load, h } = await serving(['--ready-timeout', '4s']);
    const oldPid = s.workers[0].pid;
    const r = await reloadWith(h, { command: [node, fixture(bad)] });
    expect(r.statusCode, JSON.stringify(r.body)).toBe(409);
    expect(r.body.error?.message).toMatch(reason);
    await sleep(300);
    const after = await h.status();
    expect(after.workers.map((w) => w.pid)).toEqual([oldPid]);
    expect(after.state).toBe('running');
    const good = await reloadWith(h);
    expect(good.body.ok, JSON.stringify(good.body)).toBe(true); // the failed command was not kept: the next reload runs ok-app again
    const report = await load.stop();
    expect(report.ok).toBeGreaterThan(50);
    expect(failedOf(report)).toBe(0);
  });
});

it('crash loop: exponential backoff, never a tight loop, marked failed after --max-restarts', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--max-restarts', '4', '--on-failed', 'stay', '--', node, fixture('crash-on-start.mjs')]);
  await until('state failed', async () => (await holder!.status().catch(() => null))?.state === 'failed', 15_000);
  const delays = [...holder.output.matchAll(/"delayMs":(\d+)/g)].map((m) => Number(m[1]));
  expect(delays).toEqual([100, 200, 400]);
  const spawned = holder.output.match(/"msg":"spawned"/g)!.length;
  await sleep(1000);
  expect(holder.output.match(/"msg":"spawned"/g)!.length).toBe(spawned);
  expect(spawned).toBe(4);
});

it('ignores SIGTERM: SIGKILL to its whole process group at --drain-timeout', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '1s', '--', node, fixture('ignores-sigterm.mjs')]);
  const s = await holder.waitReady(1);
  const old = s.workers[0].pid;
  const r = await reloadWith(holder);
  expect(r.body.ok).toBe(true);
  await until('old worker gone', () => !alive(old), 5000);
  // It outlived SIGTERM and was ended by the SIGKILL the holder sends only at the drain deadline.
  await until('the SIGKILL exit to be logged', () => new RegExp(`"pid":${old},[^}]*"signal":"SIGKILL"`).test(holder!.output), 5000);
  expect(holder.output).toMatch(/ignores-sigterm: ignoring SIGTERM/);
});

it('blocked event loop: the watchdog kills and replaces the worker', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--watchdog', '1s', '--', node, fixture('blocks-event-loop.mjs')]);
  const s = await holder.waitReady(1);
  const { port } = await holder.address('http');
  await sleep(2500); // a healthy worker that pings survives several watchdog periods
  expect((await holder.status()).workers[0].pid).toBe(s.workers[0].pid);
  void fetch(`http://127.0.0.1:${port}/block`).catch(() => {});
  const s2 = await holder.waitReady(2, 10_000);
  expect(s2.workers.map((w) => w.pid)).not.toContain(s.workers[0].pid);
  expect(holder.output).toMatch(/watchdog: no WATCHDOG=1 for 1000 ms/);
  const res = await fetch(`http://127.0.0.1:${port}/`);
  expect(res.status).toBe(200);
});

it("a worker's children neither keep the listening socket nor outlive it", async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', node, fixture('spawns-child.mjs')]);
  await holder.waitReady(1);
  await until('child pid', () => /child=(\d+)/.test(holder!.output), 5000);
  const child = Number(/child=(\d+)/.exec(holder.output)![1]);
  const { port } = await holder.address('http');
  // The child holds no socket bound to the service's port.
  const fds = spawnSync('ls', ['-l', `/proc/${child}/fd`], { encoding: 'utf8' }).stdout;
  const inodes = [...fds.matchAll(/socket:\[(\d+)\]/g)].map((m) => m[1]);
  const listening = spawnSync('ss', ['-ltnpe', `sport = :${port}`], { encoding: 'utf8' }).stdout;
  for (const ino of inodes) expect(listening).not.toContain(`ino:${ino}`);
  expect(await reloadWith(holder).then((r) => r.body.ok)).toBe(true);
  await until('child of the drained worker gone', () => !alive(child), 5000);
});

it('100 SIGHUPs: at most one swap runs and one is queued; never more than 2 worker processes', async () => {
  const { load, h } = await serving();
  let peak = 0;
  let sampling = true;
  const sampler = (async () => { while (sampling) { peak = Math.max(peak, childrenOf(h.proc.pid!).length); await sleep(5); } })();
  for (let i = 0; i < 100; i++) h.proc.kill('SIGHUP');
  await sleep(200);
  await until('swaps to finish', async () => { const s = await h.status(); return !s.swap.running && !s.swap.queued; }, 20_000);
  sampling = false;
  await sampler;
  const s = await h.status();
  expect(s.generation).toBeGreaterThanOrEqual(2);
  expect(s.generation).toBeLessThanOrEqual(3);
  expect(peak).toBeLessThanOrEqual(2);
  const report = await load.stop();
  expect(failedOf(report)).toBe(0);
});

it('--workers 3: N processes share the socket, rolling reload keeps at most 4 alive, 0 failed requests', async () => {
  const { load, h } = await serving(['--workers', '3']);
  const s = await h.status();
  expect(s.workers.filter((w) => w.state === 'ready')).toHaveLength(3);
  let peak = 0;
  let sampling = true;
  const sampler = (async () => { while (sampling) { peak = Math.max(peak, childrenOf(h.proc.pid!).length); await sleep(5); } })();
  const r = await reloadWith(h);
  sampling = false;
  await sampler;
  expect(r.body.ok).toBe(true);
  expect(peak).toBeLessThanOrEqual(4);
  const after = await h.status();
  expect(after.workers.filter((w) => w.generation === after.generation && w.state === 'ready')).toHaveLength(3);
  const report = await load.stop();
  expect(failedOf(report)).toBe(0);
});

it('orphans a worker leaves behind are reaped while running and ended at the final stop', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', node, fixture('spawns-orphan.mjs')]);
  await holder.waitReady(1);
  await until('orphan pids', () => /orphan=(\d+) zombie=(\d+)/.test(holder!.output), 5000);
  const [, orphan, zombie] = /orphan=(\d+) zombie=(\d+)/.exec(holder.output)!.map(Number);
  const ppid = (pid: number) => { try { return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]); } catch { return 0; } };
  // The setsid'd orphan was reparented to the holder (child subreaper), not to init.
  await until('the orphan to be reparented to the holder', () => ppid(orphan) === holder!.proc.pid, 5000);
  // The exited one is reaped: no zombie stays in the process table.
  await until('the zombie to be reaped', () => !existsSync(`/proc/${zombie}`), 5000);
  await holder.stop();
  expect(alive(orphan)).toBe(false);
  expect(existsSync(`/proc/${orphan}`)).toBe(false);
});
