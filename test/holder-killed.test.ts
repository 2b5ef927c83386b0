// The holder itself is SIGKILLed, even mid-swap: every worker notices (PR_SET_PDEATHSIG), drains and exits;
// a holder started again on the same sockets and control path starts cleanly.
import { afterEach, expect, it } from 'vitest';
import { alive, childrenOf, fixture, HolderProcess, reloadWith, until } from './helpers/holdfast.js';

const holders: HolderProcess[] = [];
afterEach(async () => { for (const h of holders.splice(0)) await h.stop(); });

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
