// The swap state machine against fake processes and a fake clock (the ProcessHost facade).
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { Supervisor, type SupervisorOptions, type Worker } from '../src/index.js';
import { FakeProcessHost, flushMicrotasks as flush } from '../src/testing/index.js';
import { STANDBY_REFILL_DELAY_MS } from '../src/standby-pool.js';
import { HANDOVER_ADDRESS_PREFIX, HANDOVER_ANNOUNCE } from '@holdfast/native';

let host: FakeProcessHost;
let workers: Worker[];
const READY = new Map([['READY', '1']]);
const latest = () => workers[workers.length - 1];
/** Let pending promises run, then send READY=1 from the newest worker(s). */
const ready = async (n = 1) => { await flush(); for (const w of workers.slice(-n)) w.handleNotify(READY); await flush(); };

function make(extra: Partial<SupervisorOptions> = {}): Supervisor {
  return new Supervisor({
    command: 'node', args: ['app.js'], cwd: '/', env: { LISTEN_FDS: '9', KEEP: 'x' },
    sockets: [{ name: 'http', spec: 'tcp://127.0.0.1:1', kind: 'socket', origin: 'opened', fd: 20, bound: 'tcp://127.0.0.1:1' }, { name: 'dns', spec: 'udp://127.0.0.1:2', kind: 'socket', origin: 'opened', fd: 21, bound: '' }],
    readyTimeoutMs: 1000, drainTimeoutMs: 5000, settleMs: 0,
    backoff: { initialMs: 100, maxMs: 1000, resetAfterMs: 10_000 }, maxFailures: 4, ...extra,
  }, host, { path: '@notify', add: (w) => workers.push(w) }, pino({ level: 'silent' }));
}

let sup: Supervisor;
beforeEach(() => {
  host = new FakeProcessHost();
  workers = [];
  sup = make();
});

describe('Supervisor', () => {
  it('hands the sockets over with LISTEN_FDS, LISTEN_FDNAMES and NOTIFY_SOCKET and no stale LISTEN_PID', async () => {
    void sup.start();
    await flush();
    const req = host.children[0].req;
    expect(req.fds).toEqual([20, 21]);
    expect(req.env).toMatchObject({ LISTEN_FDS: '2', LISTEN_FDNAMES: 'http:dns', NOTIFY_SOCKET: '@notify', KEEP: 'x', HOLDFAST_GENERATION: '1' });
    expect(req.env.LISTEN_PID).toBeUndefined();
    expect(req.env.WATCHDOG_USEC).toBeUndefined();
  });

  it('drains the old generation only after the new one is ready', async () => {
    const first = sup.start();
    await ready();
    expect(await first).toMatchObject({ ok: true, generation: 1 });
    const old = host.children[0];
    const reload = sup.reload();
    await flush();
    expect(old.signals).toEqual([]);
    host.t += 250;
    await ready();
    expect(await reload).toMatchObject({ ok: true, generation: 2, readyMs: 250, replaced: old.pid });
    expect(old.signals).toEqual(['SIGTERM']);
    await host.advance(5000);
    expect(old.signals).toEqual(['SIGTERM', 'group:SIGKILL']);
  });

  it('rolls back when the new generation misses the deadline: a timeout is never ready', async () => {
    const first = sup.start(); await ready(); await first;
    const reload = sup.reload();
    await flush();
    await host.advance(1000);
    const r = await reload;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('ERR_HOLDFAST_READY_TIMEOUT');
    expect(host.children[1].signals).toContain('group:SIGKILL');
    expect(host.children[0].signals).toEqual([]);
    expect(sup.status()).toMatchObject({ state: 'running', generation: 1 });
  });

  it('rolls back when the new generation exits before READY=1', async () => {
    const first = sup.start(); await ready(); await first;
    const reload = sup.reload();
    await flush();
    host.children[1].exit(3);
    const r = await reload;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/exited with code 3 before READY=1/);
    expect(sup.status().generation).toBe(1);
  });

  it('a crash right after READY=1 is a failed start, not a success', async () => {
    sup = make({ settleMs: 300 });
    const first = sup.start(); await ready(); await host.advance(300); await first;
    const reload = sup.reload();
    await ready();
    host.children[1].exit(1);
    const r = await reload;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/right after READY=1/);
    expect(host.children[0].signals).toEqual([]);
    expect(sup.status().generation).toBe(1);
  });

  it('the new generation counts as serving at READY=1; the old one accepts through the settle period, then drains', async () => {
    sup = make({ settleMs: 300 });
    const first = sup.start(); await ready(); await host.advance(300); await first;
    const serving: { generation: number; pids: number[]; replacedPids: number[] }[] = [];
    sup.on('serving', (e) => serving.push(e));
    let done = false;
    const reload = sup.reload().then((r) => { done = true; return r; });
    await ready();
    expect(serving).toEqual([{ generation: 2, pids: [host.children[1].pid], readyMs: 0, replacedPids: [host.children[0].pid] }]);
    expect(host.children[0].signals).toEqual([]); // not yet draining: a crash now can still roll back
    await host.advance(299);
    expect(done).toBe(false);
    expect(host.children[0].signals).toEqual([]);
    await host.advance(1);
    expect(await reload).toMatchObject({ ok: true, generation: 2 });
    expect(host.children[0].signals).toEqual(['SIGTERM']);
  });

  it('coalesces triggers during a swap into one follow-up', async () => {
    const first = sup.start(); await ready(); await first;
    const a = sup.reload();
    const others = Array.from({ length: 100 }, () => sup.reload());
    await flush();
    expect(host.children).toHaveLength(2);
    await ready();
    await a;
    await flush();
    // The follow-up waits for the drained generation-1 process (max 2 processes with one worker).
    expect(host.children).toHaveLength(2);
    host.children[0].exit(0);
    await flush();
    expect(host.children).toHaveLength(3);
    await ready();
    const results = await Promise.all(others);
    expect(new Set(results.map((r) => r.generation))).toEqual(new Set([3]));
    expect(host.children).toHaveLength(3);
  });

  it('restarts a crashed worker with exponential backoff and marks the service failed after maxFailures', async () => {
    const first = sup.start(); await ready(); await first;
    host.children[0].exit(1);
    await flush();
    expect(sup.status().state).toBe('restarting');
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = host.children.length;
      const t0 = host.t;
      while (host.children.length === before) await host.advance(10);
      delays.push(host.t - t0);
      host.children[host.children.length - 1].exit(1);
      await flush();
    }
    expect(delays).toEqual([100, 200, 400]);
    expect(sup.status().state).toBe('failed');
    const n = host.children.length;
    await host.advance(60_000);
    expect(host.children).toHaveLength(n);
    const r = sup.reload(); await ready();
    expect(await r).toMatchObject({ ok: true });
    expect(sup.status().state).toBe('running');
  });

  it('the first crash of a worker that served longer than its start-up restarts at once; repeats back off', async () => {
    const first = sup.start();
    await flush();
    host.t += 300; // start-up 300 ms
    await ready(); await first;
    host.t += 301; // served 301 ms > start-up
    host.children[0].exit(1);
    await host.advance(0);
    expect(host.children).toHaveLength(2); // no backoff
    await flush(); host.t += 200; await ready(); // the replacement: start-up 200 ms
    const delays: number[] = [];
    for (let i = 0; i < 2; i++) {
      host.t += 5_000; // serving far longer than its start-up, but the streak goes on (uptime < resetAfterMs)
      const before = host.children.length;
      host.children[host.children.length - 1].exit(1);
      const t0 = host.t;
      while (host.children.length === before) await host.advance(10);
      delays.push(host.t - t0);
      await ready();
    }
    expect(delays).toEqual([100, 200]);
    host.t += 10_000; // a worker up longer than resetAfterMs ends the streak: its crash is a first one again
    host.children[host.children.length - 1].exit(1);
    await host.advance(0);
    expect(host.children).toHaveLength(5);
  });

  it('a crash before the worker served as long as its start-up keeps the backoff', async () => {
    const first = sup.start();
    await flush();
    host.t += 300;
    await ready(); await first;
    host.t += 299;
    host.children[0].exit(1);
    await host.advance(99);
    expect(host.children).toHaveLength(1);
    await host.advance(1);
    expect(host.children).toHaveLength(2);
  });

  it('stop drains every worker and refuses later reloads', async () => {
    const first = sup.start(); await ready(); await first;
    const stopped = sup.stop();
    expect(host.children[0].signals).toEqual(['SIGTERM']);
    host.children[0].exit(0);
    await stopped;
    await expect(sup.reload()).rejects.toMatchObject({ code: 'ERR_HOLDFAST_STOPPING' });
  });

  it('N workers: rolling reload replaces one at a time and never exceeds workers + maxExtra processes', async () => {
    sup = make({ workers: 3 });
    const first = sup.start(); await ready(3); await first;
    expect(host.children.map((c) => c.req.env.HOLDFAST_WORKER)).toEqual(['0', '1', '2']);
    const alive = () => host.children.filter((c) => c.alive).length;
    const reload = sup.reload();
    let peak = 0;
    for (let i = 0; i < 3; i++) {
      await flush();
      peak = Math.max(peak, alive());
      await ready();
      peak = Math.max(peak, alive());
      // The replaced worker drains; let it exit so the next batch fits.
      const draining = host.children.find((c) => c.alive && c.signals.includes('SIGTERM'));
      draining?.exit(0);
    }
    const r = await reload;
    expect(r).toMatchObject({ ok: true, generation: 2 });
    if (r.ok) expect(r.pids).toHaveLength(3);
    expect(peak).toBe(4);
    expect(sup.status().workers.map((w) => w.generation)).toEqual([2, 2, 2]);
  });

  it('N workers, rolling: a failure midway puts the previous release back in the changed slots', async () => {
    sup = make({ workers: 2 });
    const first = sup.start(); await ready(2); await first;
    const reload = sup.reload({ cwd: '/release-2' });
    await ready();
    host.children.find((c) => c.alive && c.signals.includes('SIGTERM'))!.exit(0);
    await flush();
    host.children[host.children.length - 1].exit(1); // slot 1's new worker crashes
    await flush();
    await ready(); // the rollback worker for slot 0
    const r = await reload;
    expect(r.ok).toBe(false);
    expect(host.children[host.children.length - 1].req.cwd).toBe('/');
    expect(sup.launchSpec.cwd).toBe('/');
    expect(sup.status().workers.filter((w) => w.state === 'ready')).toHaveLength(2);
  });

  it('N workers, all-at-once: N new ready before any old drains', async () => {
    sup = make({ workers: 2, reloadStrategy: 'all-at-once' });
    const first = sup.start(); await ready(2); await first;
    const reload = sup.reload();
    await flush();
    expect(host.children).toHaveLength(4);
    workers[2].handleNotify(READY);
    await flush();
    expect(host.children[0].signals).toEqual([]);
    workers[3].handleNotify(READY);
    const r = await reload;
    expect(r.ok).toBe(true);
    expect(host.children[0].signals).toEqual(['SIGTERM']);
    expect(host.children[1].signals).toEqual(['SIGTERM']);
  });

  it('a crashed slot is restarted alone; the others keep serving', async () => {
    sup = make({ workers: 2 });
    const first = sup.start(); await ready(2); await first;
    host.children[1].exit(1);
    await host.advance(100);
    expect(host.children).toHaveLength(3);
    expect(host.children[2].req.env.HOLDFAST_WORKER).toBe('1');
    await ready();
    expect(sup.status()).toMatchObject({ state: 'running', restarts: 1 });
    expect(sup.status().workers.find((w) => w.slot === 1)!.restarts).toBe(1);
    expect(host.children[0].signals).toEqual([]);
  });

  it('watchdog: WATCHDOG_USEC is handed over and a silent worker is killed and replaced', async () => {
    sup = make({ watchdogMs: 1000 });
    const first = sup.start(); await ready(); await first;
    expect(host.children[0].req.env.WATCHDOG_USEC).toBe('1000000');
    for (let i = 0; i < 5; i++) { await host.advance(600); workers[0].handleNotify(new Map([['WATCHDOG', '1']])); }
    expect(host.children[0].alive).toBe(true);
    await host.advance(1000);
    expect(host.children[0].signals).toContain('group:SIGKILL');
    await host.advance(100);
    expect(host.children).toHaveLength(2);
  });
});

describe('Supervisor: operations hooks (--max-memory, --kill-signal, env files)', () => {
  it('recycle(slot) replaces that slot alone, new worker ready before the old one drains', async () => {
    sup = make({ workers: 2 });
    const first = sup.start(); await ready(2); await first;
    const recycled = sup.recycle(1);
    await flush();
    expect(host.children).toHaveLength(3);
    expect(host.children[2].req.env.HOLDFAST_WORKER).toBe('1');
    expect(host.children[1].signals).toEqual([]);
    await ready();
    expect(await recycled).toMatchObject({ ok: true, generation: 2, replaced: host.children[1].pid });
    expect(host.children[1].signals).toEqual(['SIGTERM']);
    expect(host.children[0].signals).toEqual([]);
  });

  it('a recycle whose new worker fails keeps the old one serving and is not counted as a crash', async () => {
    const first = sup.start(); await ready(); await first;
    const recycled = sup.recycle(0);
    await flush();
    host.children[1].exit(1);
    expect(await recycled).toMatchObject({ ok: false });
    expect(host.children[0].signals).toEqual([]);
    expect(sup.status()).toMatchObject({ state: 'running', generation: 1 });
  });

  it('killSignal: the drain asks with it and the worker learns it from HOLDFAST_KILL_SIGNAL', async () => {
    sup = make({ killSignal: 'SIGINT' });
    const first = sup.start(); await ready(); await first;
    expect(host.children[0].req.env.HOLDFAST_KILL_SIGNAL).toBe('SIGINT');
    const reload = sup.reload(); await ready(); await reload;
    expect(host.children[0].signals).toEqual(['SIGINT']);
    const plain = make();
    void plain.start(); await flush();
    expect(host.children.at(-1)!.req.env.HOLDFAST_KILL_SIGNAL).toBeUndefined();
  });

  it('envFor: each generation gets its own environment; one that throws rolls the reload back', async () => {
    let value = 'blue';
    sup = make({ envFor: (generation, launch) => {
      if (value === 'bad') throw new Error('env file /x cannot be read (ENOENT)');
      return { COLOR: value, GEN_SEEN: String(generation), DEPLOY: launch.envVars?.DEPLOY ?? '' };
    } });
    const first = sup.start(); await ready(); await first;
    value = 'green';
    const reload = sup.reload({ envVars: { DEPLOY: '42' } }); await ready(); await reload;
    expect(host.children[0].req.env).toMatchObject({ COLOR: 'blue', GEN_SEEN: '1', DEPLOY: '' });
    expect(host.children[1].req.env).toMatchObject({ COLOR: 'green', GEN_SEEN: '2', DEPLOY: '42', HOLDFAST_GENERATION: '2' });
    host.children[0].exit(0); // drained: room for the next swap
    value = 'bad';
    const r = await sup.reload();
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.error.message).toMatch(/ENOENT/);
    expect(sup.status()).toMatchObject({ state: 'running', generation: 2 });
  });
});

describe('warm standby', () => {
  it('starts a standby with HOLDFAST_STANDBY=1 behind the serving worker; a crash promotes it at once (no backoff, no start-up) and a new standby starts', async () => {
    sup = make({ standby: 1 });
    const promoted: number[] = [];
    sup.on('promoted', (w) => promoted.push(w.pid));
    const first = sup.start(); await ready(); await first;
    await flush();
    expect(host.children).toHaveLength(2);
    const [serving, standby] = host.children;
    expect(standby.req.env.HOLDFAST_STANDBY).toBe('1');
    expect(serving.req.env.HOLDFAST_STANDBY).toBeUndefined();
    expect(standby.req.env.HOLDFAST_WORKER).toBe('1');
    await ready(); // the standby says READY=1 (without attaching anything)
    expect(sup.status().workers.find((w) => w.pid === standby.pid)).toMatchObject({ state: 'ready', standby: true });
    expect(sup.status().generation).toBe(1);
    serving.exit(null, 'SIGKILL');
    await flush();
    expect(standby.signals).toEqual(['SIGUSR2']);
    expect(promoted).toEqual([standby.pid]);
    expect(sup.status()).toMatchObject({ state: 'running', restarts: 1 });
    const s = sup.status().workers.find((w) => w.pid === standby.pid)!;
    expect(s.slot).toBe(0);
    expect(s.standby).toBeUndefined();
    // The next standby starts STANDBY_REFILL_DELAY_MS later, not beside the promoted worker's first answers.
    expect(host.children).toHaveLength(2);
    await host.advance(STANDBY_REFILL_DELAY_MS - 1);
    expect(host.children).toHaveLength(2);
    await host.advance(1);
    expect(host.children).toHaveLength(3);
    expect(host.children[2].req.env.HOLDFAST_STANDBY).toBe('1');
    await host.advance(60_000);
    // No restart of the slot: the standby took it (standbys that never get ready are replaced, after the backoff).
    expect(host.children.slice(2).every((c) => c.req.env.HOLDFAST_STANDBY === '1')).toBe(true);
    expect(sup.status().workers.filter((w) => !w.standby).map((w) => w.pid)).toEqual([standby.pid]);
  });

  it('a crash while the standby is still starting restarts the slot as usual; a reload replaces the standbys', async () => {
    sup = make({ standby: 1 });
    const first = sup.start(); await ready(); await first;
    await flush();
    const [serving, standby] = host.children;
    serving.exit(1); // standby not ready yet
    await flush();
    expect(standby.signals).toEqual([]);
    expect(sup.status().state).toBe('restarting');
    await host.advance(100);
    expect(host.children).toHaveLength(3);
    await ready(); // the restarted slot
    await ready(2); // and the standby
    const reload = sup.reload(); await ready(); expect(await reload).toMatchObject({ ok: true });
    await flush();
    expect(standby.signals).toEqual(['SIGTERM']); // the old release's standby drains
    expect(host.children.at(-1)!.req.env.HOLDFAST_STANDBY).toBe('1');
    expect(host.children.at(-1)!.req.env.HOLDFAST_GENERATION).toBe(String(sup.status().generation));
  });

  it('a standby that announced a hand-over receiver is promoted with X_HOLDFAST_PROMOTE=1 on it, never SIGUSR2 (the app may own that signal)', async () => {
    sup = make({ standby: 1 });
    const first = sup.start(); await ready(); await first;
    await flush();
    const [serving, standby] = host.children;
    const address = `${HANDOVER_ADDRESS_PREFIX}${standby.pid}/abc`;
    workers.find((w) => w.pid === standby.pid)!.handleNotify(new Map([[HANDOVER_ANNOUNCE, address]]));
    await ready();
    serving.exit(null, 'SIGKILL');
    await flush();
    expect(standby.signals).toEqual([]);
    expect(host.messages).toContainEqual({ address, payload: 'X_HOLDFAST_PROMOTE=1' });
    expect(sup.status().workers.find((w) => w.pid === standby.pid)).toMatchObject({ slot: 0, state: 'ready' });
  });

  it('a crash during a reload promotes the ready standby at once; the reload then replaces it like the worker it replaced', async () => {
    sup = make({ standby: 1 });
    const first = sup.start(); await ready(); await first;
    await flush();
    const [serving, standby] = host.children;
    await ready(); // the standby
    const reload = sup.reload();
    await flush();
    expect(host.children).toHaveLength(3); // generation 2 starting
    serving.exit(null, 'SIGKILL');
    await flush();
    expect(standby.signals).toEqual(['SIGUSR2']); // promoted while the reload runs
    expect(sup.status().workers.filter((w) => !w.standby && w.state === 'ready').map((w) => w.pid)).toEqual([standby.pid]);
    workers.find((w) => w.pid === host.children[2].pid)!.handleNotify(READY);
    expect(await reload).toMatchObject({ ok: true, generation: 2, replaced: standby.pid });
    await flush();
    expect(standby.signals).toEqual(['SIGUSR2', 'SIGTERM']); // drained as the replaced worker
  });

  it('a standby that keeps exiting is replaced after the backoff, never in a tight loop', async () => {
    sup = make({ standby: 1 });
    const first = sup.start(); await ready(); await first;
    await flush();
    host.children[1].exit(1);
    await flush();
    expect(host.children).toHaveLength(2);
    await host.advance(100);
    expect(host.children).toHaveLength(3);
    host.children[2].exit(1);
    await host.advance(199);
    expect(host.children).toHaveLength(3);
    await host.advance(1);
    expect(host.children).toHaveLength(4);
  });
});
