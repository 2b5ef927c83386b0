// An unready generation takes no traffic: with serve(…, { autoReady: false }) the inherited fd is attached only when
// the app calls ready(), and under the register hook a server is only announced until every held socket is
// claimed. A new generation that never gets ready is rolled back without having answered a single request.
import { request } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { dropin, freePort, sleep } from './helpers/dropin.js';
import { fixture, HolderProcess, reloadWith } from './helpers/holdfast.js';

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

/** New-connection requests in 4 loops until stop(); counts answers by the pid in the body. */
function answersByPid(url: string) {
  const byPid = new Map<number, number>();
  let errors = 0;
  let running = true;
  const loops = Array.from({ length: 4 }, async () => {
    while (running) {
      try {
        const res = await request(url, { reset: true });
        const body = await res.body.json() as { pid: number };
        byPid.set(body.pid, (byPid.get(body.pid) ?? 0) + 1);
      } catch {
        errors++;
      }
    }
  });
  return { async stop() { running = false; await Promise.all(loops); return { byPid, errors }; } };
}

it.each([
  ['serve(app, { autoReady: false }) that never calls ready()', (port: number, _admin: number) => ({
    holderArgs: ['-l', `http=tcp://127.0.0.1:${port}`], first: [process.execPath, dropin('http-esm.mjs')], next: [process.execPath, fixture('never-ready.mjs')],
  })],
  ['an unmodified app that never listens on the second held socket', (port: number, admin: number) => ({
    holderArgs: ['-l', `http=tcp://127.0.0.1:${port}`, '-l', `admin=tcp://127.0.0.1:${admin}`], first: [process.execPath, dropin('two-ports.mjs')], next: [process.execPath, dropin('http-esm.mjs')],
  })],
])('%s: rolled back at the ready timeout, 0 requests answered by it', async (_label, setup) => {
  const [port, admin] = [await freePort(), await freePort()];
  const s = setup(port, admin);
  holder = new HolderProcess(['--ready-timeout', '4s', ...s.holderArgs, '--', ...s.first], { env: { PORT: String(port), ADMIN_PORT: String(admin) } });
  const first = await holder.waitReady(1, 30_000);
  const oldPid = first.workers[0]!.pid;
  const load = answersByPid(`http://127.0.0.1:${port}/`);
  await sleep(200);
  const r = await reloadWith(holder, { command: s.next });
  await sleep(200);
  const { byPid, errors } = await load.stop();
  expect(r.statusCode).toBe(409);
  expect(r.body.error?.code).toBe('ERR_HOLDFAST_READY_TIMEOUT');
  expect(errors).toBe(0);
  // Every answer came from the generation that was ready.
  expect([...byPid.keys()]).toEqual([oldPid]);
  expect(byPid.get(oldPid)).toBeGreaterThan(20);
  console.log(`${_label}: ${byPid.get(oldPid)} requests during the 4 s ready timeout, all answered by the ready generation`);
});

it('the register hook names a held socket the app has not claimed after a few seconds', async () => {
  const port = await freePort();
  holder = new HolderProcess(['--ready-timeout', '10s', '-l', `http=tcp://127.0.0.1:${port}`, '-l', 'admin=tcp://127.0.0.1:0', '--', process.execPath, dropin('http-esm.mjs')],
    { env: { PORT: String(port) } });
  const t0 = Date.now();
  // The warning is a JSON line on the worker's stderr: its quotes come escaped.
  const warning = /held socket \\?"admin\\?" \(tcp:\/\/127\.0\.0\.1:\d+\) is still unclaimed 3000 ms after the first listen/;
  while (!warning.test(holder.output) && Date.now() - t0 < 15_000) await sleep(100);
  expect(holder.output).toMatch(warning);
  expect((await holder.status()).generation).toBe(0);
});
