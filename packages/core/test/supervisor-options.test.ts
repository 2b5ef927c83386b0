// The supervisor's edges: options checked before anything runs, the service state table, the restart policy.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay, canTransition, RestartPolicy, resolveSupervisorOptions, SERVICE_STATES, SERVICE_TRANSITIONS, Supervisor,
  type SupervisorOptions,
} from '../src/index.js';
import { FakeProcessHost } from '../src/testing/index.js';

const base: SupervisorOptions = { command: 'node', args: [], cwd: '/', env: {}, sockets: [], readyTimeoutMs: 1000, drainTimeoutMs: 1000 };

describe('resolveSupervisorOptions', () => {
  it.each([
    [{ workers: 0 }, 'option "workers" is 0; expected a whole number from 1 to 1024'],
    [{ workers: 1.5 }, 'option "workers" is 1.5'],
    [{ maxExtra: 0 }, 'option "maxExtra" is 0'],
    [{ readyTimeoutMs: 0 }, 'option "readyTimeoutMs" is 0'],
    [{ drainTimeoutMs: -1 }, 'option "drainTimeoutMs" is -1'],
    [{ reloadStrategy: 'blue-green' as never }, 'option "reloadStrategy" is "blue-green"; expected "rolling" or "all-at-once"'],
    [{ backoff: { initialMs: 100, maxMs: Number.NaN, resetAfterMs: 0 } }, 'option "backoff.maxMs" is null'],
  ])('%j is refused, naming the option, the value and what was expected', (bad, message) => {
    expect(() => resolveSupervisorOptions({ ...base, ...bad })).toThrow(expect.objectContaining({ code: 'ERR_HOLDFAST_INVALID_OPTION', message: expect.stringContaining(message) }));
  });

  it('a Supervisor with workers: 0 is refused before anything is spawned', () => {
    const host = new FakeProcessHost();
    expect(() => new Supervisor({ ...base, workers: 0 }, host, { path: '@n', add: () => {} }, pino({ level: 'silent' }))).toThrow(/option "workers" is 0/);
    expect(host.children).toHaveLength(0);
  });

  it('applies the defaults', () => {
    expect(resolveSupervisorOptions(base)).toMatchObject({ workers: 1, reloadStrategy: 'rolling', maxExtra: 1, settleMs: 300, watchdogMs: 0, maxFailures: 10 });
    expect(resolveSupervisorOptions({ ...base, workers: 4, reloadStrategy: 'all-at-once' }).maxExtra).toBe(4);
  });
});

describe('service states', () => {
  it('every state has a row, and only stopping leads to stopped', () => {
    expect(Object.keys(SERVICE_TRANSITIONS).sort()).toEqual([...SERVICE_STATES].sort());
    for (const s of SERVICE_STATES) expect(canTransition(s, 'stopped'), s).toBe(s === 'stopping' || s === 'stopped');
  });

  it('nothing leaves stopping except to stopped, and nothing leaves stopped', () => {
    expect(canTransition('stopping', 'running')).toBe(false);
    expect(SERVICE_STATES.filter((s) => s !== 'stopped' && canTransition('stopped', s))).toEqual([]);
  });
});

describe('RestartPolicy', () => {
  it('backs off exponentially up to the cap and gives up after maxFailures', () => {
    const p = new RestartPolicy({ initialMs: 100, maxMs: 300, resetAfterMs: 10_000 }, 3);
    p.crashed(50);
    expect(p.nextDelay()).toBe(100);
    p.startFailed();
    expect(p.nextDelay()).toBe(200);
    p.startFailed();
    expect(p.nextDelay()).toBe(300);
    expect(p.exhausted).toBe(true);
  });

  it('a worker that stayed up resetAfterMs starts the count again', () => {
    const p = new RestartPolicy({ initialMs: 100, maxMs: 30_000, resetAfterMs: 10_000 }, 10);
    p.crashed(1); p.crashed(1); p.crashed(1);
    expect(p.count).toBe(3);
    p.crashed(10_000);
    expect(p.count).toBe(1);
    expect(backoffDelay(0, p.backoff)).toBe(100);
  });

  it('resetAfterMs without a failure ends the streak too: a later crash of a young worker (a reload started it) restarts at once', () => {
    const p = new RestartPolicy({ initialMs: 100, maxMs: 30_000, resetAfterMs: 10_000 }, 10);
    p.crashed(60_000, 59_000, 400, 1_000); // a healthy worker crashes: at once
    expect(p.nextDelay()).toBe(0);
    // Its replacement served; reloads replaced it; minutes later a worker 5 s old (served 4.6 s) crashes.
    p.crashed(5_000, 4_600, 400, 300_000);
    expect(p.count).toBe(1);
    expect(p.nextDelay()).toBe(0);
    // Within resetAfterMs of that one: the streak goes on, backoff applies.
    p.crashed(5_000, 4_600, 400, 305_000);
    expect(p.count).toBe(2);
    expect(p.nextDelay()).toBe(100);
    p.startFailed(305_200);
    expect(p.nextDelay()).toBe(200);
  });
});
