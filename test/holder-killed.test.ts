// The holder itself is SIGKILLed, even mid-swap: every worker notices (PR_SET_PDEATHSIG), drains and exits;
// a holder started again on the same sockets and control path starts cleanly.
import { createServer } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { request } from 'undici';
import { alive, childrenOf, fixture, HolderProcess, reloadWith, until } from './helpers/holdfast.js';
import { dropin, freePort } from './helpers/dropin.js';

const holders: HolderProcess[] = [];
/** Workers a failing case may leave behind (reparented to init): never leak them past the test. */
const workersSeen: number[] = [];
afterEach(async () => {
  for (const h of holders.splice(0)) await h.stop();
  for (const pid of workersSeen.splice(0)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
});

it('SIGKILL of the holder mid-swap leaves no worker behind, and a new holder takes over the same address', async () => {
  const modeEnv = { READY_DELAY_MS: '3000' };
  const first = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '-l', 'sock=unix:/tmp/holdfast-killed-test.sock', '--', process.execPath, fixture('ok-app.mjs')], { env: modeEnv });
  holders.push(first);
  await first.waitReady(1);
  const { port } = await first.address('http');
  // Start a swap to a slow-starting generation, then kill the holder while it is in progress.
  const reload = reloadWith(first, { command: [process.execPath, fixture('slow-ready.mjs')] }).catch(() => null);
  await until('second worker spawned', () => childrenOf(first.proc.pid!).length === 2, 5000);
  const workers = childrenOf(first.proc.pid!);
  first.proc.kill('SIGKILL');
  await first.exited;
  await reload;
  await until('all workers gone after the holder died', () => workers.every((p) => !alive(p)), 10_000);

  const second = new HolderProcess(['-l', `http=tcp://127.0.0.1:${port}`, '-l', 'sock=unix:/tmp/holdfast-killed-test.sock', '--', process.execPath, fixture('ok-app.mjs')], { control: first.control });
  holders.push(second);
  await second.waitReady(1);
  const res = await fetch(`http://127.0.0.1:${port}/`);
  expect(res.status).toBe(200);
  const body = await res.json() as { generation: number };
  expect(body.generation).toBe(1);
});

it('a worker whose event loop is blocked still dies at the drain deadline after the holder is SIGKILLed, with its process group', async () => {
  const h = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '1500ms', '--', process.execPath, fixture('blocks-event-loop.mjs')]);
  holders.push(h);
  const s = await h.waitReady(1);
  const worker = s.workers[0].pid;
  const { port } = await h.address('http');
  void fetch(`http://127.0.0.1:${port}/block`).catch(() => {});
  await new Promise((r) => setTimeout(r, 300));
  h.proc.kill('SIGKILL');
  await h.exited;
  // PR_SET_PDEATHSIG's SIGTERM cannot run in a blocked loop; the native guard thread ends it at the deadline.
  await until('the blocked worker to die', () => !alive(worker), 8000);
  const again = new HolderProcess(['-l', `http=tcp://127.0.0.1:${port}`, '--', process.execPath, fixture('ok-app.mjs')]);
  holders.push(again);
  await again.waitReady(1);
});

/** Whether `port` on 127.0.0.1 can be bound again (nobody holds the listening socket any more). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

// Invariant 5 in every worker state: a worker must end within the drain deadline after its holder dies, whatever
// it was doing. The holder's --drain-timeout is short; the bounds below are generous.
it('a worker that has not sent READY=1 yet dies after the holder is SIGKILLed, and the port is free', async () => {
  const h = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '1500ms', '--', process.execPath, fixture('slow-ready.mjs')], { env: { READY_DELAY_MS: '600000' } });
  holders.push(h);
  await until('worker spawned', () => childrenOf(h.proc.pid!).length === 1, 10_000);
  const [worker] = childrenOf(h.proc.pid!);
  workersSeen.push(worker!);
  const { port } = await h.address('http');
  await until('worker starting', async () => (await h.status()).workers.some((w) => w.pid === worker && w.state !== 'ready'), 5000);
  h.proc.kill('SIGKILL');
  await h.exited;
  await until('the unready worker to die', () => !alive(worker!), 15_000);
  expect(await portFree(port)).toBe(true);
});

/**
 * Start a holder on `command`, wait for the worker to print `marker` (its pid in group 1), SIGKILL the holder: the
 * worker must die within its drain deadline (1500 ms; generous bound) and leave the port free.
 */
async function workerDiesWithItsHolder(command: string[], env: Record<string, string>, marker: RegExp): Promise<void> {
  const h = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--drain-timeout', '1500ms', '--', ...command], { env });
  holders.push(h);
  await until('the worker started', () => marker.test(h.output), 10_000);
  const worker = Number(marker.exec(h.output)![1]);
  workersSeen.push(worker);
  const { port } = await h.address('http');
  h.proc.kill('SIGKILL');
  await h.exited;
  await until('the worker to die', () => !alive(worker), 20_000);
  expect(await portFree(port)).toBe(true);
}

it('a worker killed with its holder while its start-up blocks the event loop (its own SIGTERM handler) dies, and the port is free', async () => {
  // The SIGTERM (PR_SET_PDEATHSIG) reaches a handler that does not exit, before serve() ran: only the guard armed
  // at the adapter's first import ends it.
  await workerDiesWithItsHolder([process.execPath, fixture('slow-start.mjs')], { START_BLOCK_MS: '4000', READY_DELAY_MS: '600000' },
    /slow-start (\d+): blocking/);
});

it('a worker whose holder died before the worker loaded the adapter (a shell that ignores SIGTERM and execs node) drains at once and dies', async () => {
  // PR_SET_PDEATHSIG's SIGTERM was ignored; node (the same pid, exec'd) finds its holder already dead.
  await workerDiesWithItsHolder(['sh', '-c', `trap '' TERM; echo "wrapper $$: waiting" >&2; sleep 2; exec ${process.execPath} ${fixture('slow-ready.mjs')}`],
    { READY_DELAY_MS: '600000' }, /wrapper (\d+): waiting/);
});

it.each(['pipe', 'inherit'])('--output %s: requests in flight when the holder is SIGKILLed are answered by the draining worker (its output pipe broke, and a dying holder sends SIGTERM more than once)', async (output) => {
  const port = await freePort();
  const h = new HolderProcess(['-l', `http=tcp://127.0.0.1:${port}`, '--output', output, '--', process.execPath, dropin('slow-logging.mjs')], { env: { PORT: String(port) } });
  holders.push(h);
  const s = await h.waitReady(1);
  const worker = s.workers[0]!.pid;
  workersSeen.push(worker);
  const inFlight = Array.from({ length: 3 }, () => request(`http://127.0.0.1:${port}/slow?ms=1500`, { reset: true })
    .then(async (r) => ({ status: r.statusCode, body: await r.body.text() }), (err: Error) => ({ status: 0, body: err.message })));
  await until('3 requests in the worker', () => (h.output.match(/request \/slow in/g) ?? []).length === 3 || output === 'inherit', 5000);
  await new Promise((r) => setTimeout(r, 300));
  h.proc.kill('SIGKILL');
  await h.exited;
  // Only after the kill: the worker logs each answer on stderr (a broken pipe under --output pipe).
  expect(await Promise.all(inFlight)).toEqual(Array.from({ length: 3 }, () => ({ status: 200, body: `done ${worker}\n` })));
  await until('the worker gone after its drain', () => !alive(worker), 10_000);
}, 60_000);
