// What a drain deadline cut, as the 'drained' outcome says it: the worker's own report and the holder's /proc count
// at its SIGKILL see the same shrinking set of connections at about the same moment, so one connection is one.
import pino from 'pino';
import { beforeEach, expect, it } from 'vitest';
import { HOLDFAST_NOTIFY } from '@holdfast/native/protocol';
import { Supervisor, type DrainOutcome, type Worker } from '../src/index.js';
import { FakeProcessHost, flushMicrotasks as flush } from '../src/testing/index.js';

let host: FakeProcessHost;
let workers: Worker[];
let outcomes: DrainOutcome[];
let sup: Supervisor;
const notify = (w: Worker, fields: Record<string, string>) => w.handleNotify(new Map(Object.entries(fields)));
const cutReport = (n: number) => ({ [HOLDFAST_NOTIFY.CUT_CONNECTIONS]: String(n), [HOLDFAST_NOTIFY.CUT_REQUESTS]: String(n) });

beforeEach(async () => {
  host = new FakeProcessHost();
  workers = [];
  outcomes = [];
  sup = new Supervisor({
    command: 'node', args: ['app.js'], cwd: '/', env: {},
    sockets: [{ name: 'http', spec: 'tcp://127.0.0.1:1', kind: 'socket', origin: 'opened', fd: 20, bound: 'tcp://127.0.0.1:1' }],
    readyTimeoutMs: 1000, drainTimeoutMs: 1000, settleMs: 0,
    backoff: { initialMs: 100, maxMs: 1000, resetAfterMs: 10_000 }, maxFailures: 4,
  }, host, { path: '@notify', add: (w) => workers.push(w) }, pino({ level: 'silent' }));
  sup.on('drained', (d: DrainOutcome) => outcomes.push(d));
  const first = sup.start();
  await flush(); notify(workers[0], { READY: '1' }); await first;
});

/** Reload; the old worker (generation 1) starts its drain (STOPPING=1); returns it. */
async function reloadAndDrain(): Promise<Worker> {
  const old = workers[0];
  const reload = sup.reload();
  await flush(); notify(workers[1], { READY: '1' }); await reload;
  notify(old, { STOPPING: '1' });
  return old;
}

/** The drain deadline passes: the holder counts the open connections and SIGKILLs; returns the outcome. */
async function deadline(): Promise<DrainOutcome> {
  await host.advance(1000);
  await new Promise((r) => setImmediate(r));
  await flush();
  expect(outcomes).toHaveLength(1);
  return outcomes[0];
}

it('one slow request seen by both the worker\'s report and /proc at the kill: 1 connection cut, not 2', async () => {
  const old = await reloadAndDrain();
  notify(old, cutReport(1)); // its own deadline fired first and reported; the fd was not closed yet
  host.connections.set(old.pid, 1);
  const d = await deadline();
  expect(d).toMatchObject({ killedAtDeadline: true, connectionsCut: 1 });
});

it('the holder first: /proc saw 5, the worker\'s later report saw 2 of them: 5 cut, not 7', async () => {
  const old = await reloadAndDrain();
  host.connections.set(old.pid, 5);
  notify(old, cutReport(2));
  expect((await deadline()).connectionsCut).toBe(5);
});

it('the worker\'s deadline closed the connection, the SIGKILL lost its report: unknown, not 0', async () => {
  const old = await reloadAndDrain();
  host.connections.set(old.pid, 0);
  expect((await deadline()).connectionsCut).toBeNull();
});

it('a worker that finished its drain but did not exit: killed with 0 cut, and when its drain finished', async () => {
  const old = await reloadAndDrain();
  host.t += 12;
  notify(old, cutReport(0)); // the adapter's drain is over, nothing cut; an app SIGTERM handler keeps it alive
  const d = await deadline();
  expect(d).toMatchObject({ killedAtDeadline: true, connectionsCut: 0, drainReportedMs: 12 });
});

it('a worker without the adapter that ignores SIGTERM and holds no connection: 0 cut (known)', async () => {
  const reload = sup.reload();
  await flush(); notify(workers[1], { READY: '1' }); await reload; // no STOPPING=1: no drain of its own
  const d = await deadline();
  expect(d).toMatchObject({ killedAtDeadline: true, connectionsCut: 0, drainReportedMs: null });
});

/** A worker exited on its own: let the drain's outcome (read one turn after the exit) come out. */
async function exited(): Promise<void> {
  for (let i = 0; i < 3; i++) { await flush(); await new Promise((r) => setImmediate(r)); }
}

it('a draining worker killed by someone else (SIGKILL, not at the deadline) before its drain finished: unknown cut, not "drained"', async () => {
  const old = await reloadAndDrain();
  host.child(old.pid).exit(null, 'SIGKILL');
  await exited();
  expect(outcomes).toHaveLength(1);
  expect(outcomes[0]).toMatchObject({ killedAtDeadline: false, connectionsCut: null, exit: { signal: 'SIGKILL' } });
});

it('a draining worker that reported the end of its drain, then died of a signal: nothing was cut', async () => {
  const old = await reloadAndDrain();
  notify(old, cutReport(0));
  host.child(old.pid).exit(null, 'SIGKILL');
  await exited();
  expect(outcomes[0]).toMatchObject({ connectionsCut: 0 });
});

it('a draining worker ended by the drain signal itself (no adapter: default action): drained, nothing cut', async () => {
  const old = await reloadAndDrain();
  host.child(old.pid).exit(null, 'SIGTERM');
  await exited();
  expect(outcomes[0]).toMatchObject({ connectionsCut: 0 });
});
