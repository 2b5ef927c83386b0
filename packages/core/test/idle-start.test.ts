// The idle-priority start (--idle-start) against fake processes: which workers start at SCHED_IDLE, and when each
// is moved back to normal priority (READY=1, a standby's promotion, the limit), or not at all.
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { Supervisor, type SupervisorOptions, type Worker } from '../src/index.js';
import { FakeProcessHost, flushMicrotasks as flush } from '../src/testing/index.js';
import { STANDBY_REFILL_DELAY_MS } from '../src/standby-pool.js';

let host: FakeProcessHost;
let workers: Worker[];
let lines: { msg: string; code?: string }[];
const READY = new Map([['READY', '1']]);
const ready = async (n = 1) => { await flush(); for (const w of workers.slice(-n)) w.handleNotify(READY); await flush(); };

function make(extra: Partial<SupervisorOptions> = {}): Supervisor {
  const log = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s)); } });
  return new Supervisor({
    command: 'node', args: ['app.js'], cwd: '/', env: {},
    sockets: [{ name: 'http', spec: 'tcp://127.0.0.1:1', kind: 'socket', origin: 'opened', fd: 20, bound: 'tcp://127.0.0.1:1' }],
    readyTimeoutMs: 30_000, drainTimeoutMs: 5000, settleMs: 0, idleStartMs: 5000,
    backoff: { initialMs: 100, maxMs: 1000, resetAfterMs: 10_000 }, maxFailures: 4, ...extra,
  }, host, { path: '@notify', add: (w) => workers.push(w) }, log);
}

beforeEach(() => {
  host = new FakeProcessHost();
  workers = [];
  lines = [];
});

describe('idle-priority start', () => {
  it('starts a reload\'s worker at idle priority beside the serving one and moves it back at READY=1, before it counts as ready', async () => {
    const sup = make();
    const first = sup.start(); await ready(); await first;
    expect(host.children[0].req.idle).toBe(false); // nothing served yet: the fastest start
    const reload = sup.reload();
    await flush();
    const fresh = host.children[1];
    expect(fresh.req.idle).toBe(true);
    expect(sup.status().workers.find((w) => w.pid === fresh.pid)).toMatchObject({ state: 'starting', idlePriority: true });
    let readyAt: number[] = [];
    sup.on('ready', () => { readyAt = [...host.idleEnded]; });
    await ready();
    expect(await reload).toMatchObject({ ok: true, generation: 2 });
    expect(readyAt).toEqual([fresh.pid]);
    expect(sup.status().workers.find((w) => w.pid === fresh.pid)!.idlePriority).toBeUndefined();
  });

  it('moves a worker still starting at the limit back to normal priority (capped at half the ready timeout), once', async () => {
    const sup = make({ readyTimeoutMs: 6000 });
    const first = sup.start(); await ready(); await first;
    void sup.reload();
    await flush();
    const fresh = host.children[1];
    await host.advance(2999);
    expect(host.idleEnded).toEqual([]);
    await host.advance(1);
    expect(host.idleEnded).toEqual([fresh.pid]);
    expect(lines.some((l) => /still starting after 3000 ms at idle CPU priority/.test(l.msg))).toBe(true);
    await ready();
    expect(host.idleEnded).toEqual([fresh.pid]);
  });

  it('restarts a crashed only worker at normal priority; a crash beside another serving worker restarts at idle priority', async () => {
    const sup = make({ workers: 2 });
    const first = sup.start(); await ready(2); await first;
    expect(host.children.map((c) => c.req.idle)).toEqual([false, false]);
    host.children[0].exit(1);
    await host.advance(100);
    expect(host.children[2].req.idle).toBe(true);
    host = new FakeProcessHost(); workers = [];
    const s2 = make();
    const f2 = s2.start(); await ready(); await f2;
    host.children[0].exit(1);
    await host.advance(100);
    expect(host.children[1].req.idle).toBe(false);
  });

  it('keeps a standby at idle priority after its READY=1 and moves it back when it is promoted', async () => {
    const sup = make({ standby: 1 });
    const first = sup.start(); await ready(); await first;
    await flush();
    const [serving, standby] = host.children;
    expect(standby.req.idle).toBe(true);
    await ready();
    await host.advance(60_000); // past the limit: a ready standby is not starting any more
    expect(host.idleEnded).toEqual([]);
    expect(lines.some((l) => /still starting/.test(l.msg))).toBe(false);
    serving.exit(null, 'SIGKILL');
    await flush();
    expect(host.idleEnded).toEqual([standby.pid]);
    expect(standby.signals).toEqual(['SIGUSR2']);
    await host.advance(STANDBY_REFILL_DELAY_MS);
    expect(host.children[2].req.idle).toBe(true); // the next standby, beside the promoted one
  });

  it('with --watchdog a standby is moved back at its READY=1: its WATCHDOG=1 must not wait for idle CPU', async () => {
    const sup = make({ standby: 1, watchdogMs: 2000 });
    const first = sup.start(); await ready(); await first;
    await flush();
    const standby = host.children[1];
    expect(standby.req.idle).toBe(true);
    await ready();
    expect(host.idleEnded).toEqual([standby.pid]);
  });

  it('a worker that cannot be moved back is a warning, and later workers start at normal priority', async () => {
    const sup = make();
    const first = sup.start(); await ready(); await first;
    host.idleStartError = Object.assign(new Error('sched_setscheduler EPERM pid 101'), { code: 'EPERM' });
    const reload = sup.reload(); await ready(); expect(await reload).toMatchObject({ ok: true });
    expect(lines.filter((l) => l.code === 'WARN_HOLDFAST_IDLE_START_FAILED')).toHaveLength(1);
    host.children[0].exit(0); // generation 1 drained
    const again = sup.reload(); await flush();
    expect(host.children).toHaveLength(3);
    expect(host.children[2].req.idle).toBe(false);
    await ready(); await again;
  });

  it('--idle-start 0 starts every worker at normal priority', async () => {
    const sup = make({ idleStartMs: 0 });
    const first = sup.start(); await ready(); await first;
    const reload = sup.reload(); await ready(); await reload;
    expect(host.children.map((c) => c.req.idle)).toEqual([false, false]);
    expect(host.idleEnded).toEqual([]);
  });
});
