// Unmodified apps started through a wrapper that runs the real server as a child: the tsx CLI and `npm start`.
// LISTEN_PID names the wrapper; the hook in the server adopts the fds because the holder marked the command as a
// wrapper (HOLDFAST_WRAPPER=1) and LISTEN_PID names one of its ancestors, then reports itself with MAINPID=.
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, expect, it, vi } from 'vitest';
import { describeFigures, dropin, expectZeroLoss, freePort, reloadsUnderLoad, SCENARIO_TIMEOUT_MS } from './helpers/dropin.js';
import { HolderProcess, ROOT } from './helpers/holdfast.js';

vi.setConfig({ testTimeout: SCENARIO_TIMEOUT_MS });

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

it('a TypeScript app through the tsx CLI (`tsx ts-app.ts`): 0 failed requests across reloads', async () => {
  const port = await freePort();
  const run = await reloadsUnderLoad({
    holderArgs: ['-l', `http=tcp://127.0.0.1:${port}`],
    command: [join(ROOT, 'test/node_modules/.bin/tsx'), dropin('ts-app.ts')],
    env: { PORT: String(port) },
  });
  holder = run.holder;
  console.log(describeFigures('TypeScript through the tsx CLI', run.figures));
  expectZeroLoss(run.figures);
  const s = await holder.status();
  const w = s.workers.find((x) => x.generation === s.generation)!;
  // The worker the holder started is tsx; the server is its child and said so.
  expect(w.mainPid).not.toBeNull();
  expect(w.mainPid).not.toBe(w.pid);
  expect(holder.output).not.toMatch(/EADDRINUSE|holds no socket/);
});

it('an app started with `npm start`: 0 failed requests across reloads', async () => {
  const port = await freePort();
  const run = await reloadsUnderLoad({
    holderArgs: ['-l', `http=tcp://127.0.0.1:${port}`],
    command: ['npm', 'start', '--silent'],
    cwd: dropin('npm-app'),
  });
  holder = run.holder;
  console.log(describeFigures('npm start', run.figures));
  expectZeroLoss(run.figures);
  expect(holder.output).not.toMatch(/EADDRINUSE|holds no socket/);
});

it("`sh -c 'echo …; node app.mjs'` (a shell that forks): the server adopts the fds, reports MAINPID and is the one drained", async () => {
  const port = await freePort();
  holder = new HolderProcess(['-l', `http=tcp://127.0.0.1:${port}`, '--', 'sh', '-c', `echo starting; ${process.execPath} ${dropin('http-esm.mjs')}`],
    { env: { PORT: String(port) } });
  const first = await holder.waitReady(1, 30_000);
  const ask = async () => (await (await request(`http://127.0.0.1:${port}/`, { reset: true })).body.json()) as { pid: number };
  const w1 = first.workers[0]!;
  expect(w1.mainPid).toBe((await ask()).pid);
  expect(w1.mainPid).not.toBe(w1.pid);
  const r = await holder.reloadCli();
  expect(r.code, r.out).toBe(0);
  const s = await holder.status();
  const w2 = s.workers.find((w) => w.generation === 2)!;
  expect((await ask()).pid).toBe(w2.mainPid);
  // The old server drained and exited on its own (code 0), not killed at the deadline.
  expect(holder.output).toMatch(new RegExp(`"pid":${w1.pid},[^\\n]*"drainMs":\\d+,"code":0`));
});
