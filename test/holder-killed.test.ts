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
  await until(() => childrenOf(first.proc.pid!).length === 2, 5000, 'second worker spawned');
  const workers = childrenOf(first.proc.pid!);
  first.proc.kill('SIGKILL');
  await first.exited;
  await reload;
  await until(() => workers.every((p) => !alive(p)), 10_000, 'all workers gone after the holder died');

  const second = new HolderProcess(['-l', `http=tcp://127.0.0.1:${port}`, '-l', 'sock=unix:/tmp/holdfast-killed-test.sock', '--', process.execPath, fixture('ok-app.mjs')], { control: first.control });
  holders.push(second);
  await second.waitReady(1);
  const res = await fetch(`http://127.0.0.1:${port}/`);
  expect(res.status).toBe(200);
  const body = await res.json() as { generation: number };
  expect(body.generation).toBe(1);
});
