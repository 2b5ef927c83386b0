// Unmodified HTTP apps (node:http ESM and CommonJS, express, koa, fastify) under `holdfast run`: the holder preloads
// the register hook, the app's own listen() takes the held socket, and reloads under load lose nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeFigures, dropin, expectZeroLoss, freePort, reloadsUnderLoad, SCENARIO_TIMEOUT_MS } from './helpers/dropin.js';
import type { HolderProcess } from './helpers/holdfast.js';

vi.setConfig({ testTimeout: SCENARIO_TIMEOUT_MS });

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

describe('an app that never mentions holdfast', () => {
  it.each([
    ['node:http (ESM), listen(port, host, cb)', 'http-esm.mjs'],
    ['express 5, app.listen(port, cb)', 'express-app.mjs'],
    ['koa 3, app.listen(port)', 'koa-app.mjs'],
    ['fastify 5, await app.listen({ port }) (host localhost)', 'fastify-app.mjs'],
  ])('%s: 0 failed requests across reloads, nothing refused after a SIGKILL', async (label, app) => {
    const port = await freePort();
    const run = await reloadsUnderLoad({
      holderArgs: ['-l', `http=tcp://127.0.0.1:${port}`],
      command: [process.execPath, dropin(app)],
      env: { PORT: String(port) },
    });
    holder = run.holder;
    console.log(describeFigures(label, run.figures));
    expectZeroLoss(run.figures);
    // The app never bound the port itself: no EADDRINUSE, no warning about an unheld port.
    expect(holder.output).not.toMatch(/EADDRINUSE|holds no socket/);
  });

  it('node:http (CommonJS) listening on 3000 takes the only held TCP socket, whatever its port', async () => {
    const run = await reloadsUnderLoad({
      holderArgs: ['-l', 'http=tcp://127.0.0.1:0'],
      command: [process.execPath, dropin('http-cjs.cjs')],
    });
    holder = run.holder;
    console.log(describeFigures('node:http (CommonJS), listen(3000)', run.figures));
    expectZeroLoss(run.figures);
    const { port } = await holder.address('http');
    // server.address() describes the held socket, not the port the app asked for.
    expect(holder.output).toContain(`port: ${port}`);
  });
});
