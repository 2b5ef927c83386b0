// Unmodified apps with the habits that break naive restarts: a SIGTERM handler that exits at once, one that calls
// server.close(), two servers, a UDP socket, PM2's process.send('ready'); and what strict mode says.
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeFigures, dropin, expectZeroLoss, freePort, reloadsUnderLoad, sleep, SCENARIO_TIMEOUT_MS } from './helpers/dropin.js';
import { HolderProcess, until } from './helpers/holdfast.js';

vi.setConfig({ testTimeout: SCENARIO_TIMEOUT_MS });

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

describe('apps with their own shutdown code', () => {
  it.each([
    ['SIGTERM handler calls process.exit(0)', 'exits-on-sigterm.mjs'],
    ['SIGTERM handler calls server.close(cb) and exits 1 on an error', 'closes-on-sigterm.mjs'],
  ])('%s: the drain runs first, 0 failed requests (answers take 20 ms)', async (label, app) => {
    const port = await freePort();
    const run = await reloadsUnderLoad({ holderArgs: ['-l', `http=tcp://127.0.0.1:${port}`], command: [process.execPath, dropin(app)], env: { PORT: String(port) } });
    holder = run.holder;
    console.log(describeFigures(label, run.figures));
    expectZeroLoss(run.figures);
    // Each old generation ended with the app's own exit, after the drain: code 0, never killed at the deadline.
    expect(holder.output).not.toMatch(/drain-cut|"code":1,/);
  });
});

it('two servers on two held ports (the second listens in the first one\'s callback): both served by each generation', async () => {
  const [port, adminPort] = [await freePort(), await freePort()];
  const run = await reloadsUnderLoad({
    holderArgs: ['-l', `http=tcp://127.0.0.1:${port}`, '-l', `admin=tcp://127.0.0.1:${adminPort}`],
    command: [process.execPath, dropin('two-ports.mjs')],
    env: { PORT: String(port), ADMIN_PORT: String(adminPort) },
  });
  holder = run.holder;
  console.log(describeFigures('two held ports', run.figures));
  expectZeroLoss(run.figures);
  const s = await holder.status();
  const pid = s.workers.find((w) => w.generation === s.generation)!.pid;
  for (const [p, server] of [[port, 'api'], [adminPort, 'admin']] as const) {
    const res = await request(`http://127.0.0.1:${p}/`, { reset: true });
    expect(await res.body.json()).toEqual({ pid, server });
  }
});

it('PM2-style app with --wait-ready: READY=1 on process.send(\'ready\'), and no request reaches it before (no 503)', async () => {
  const port = await freePort();
  const run = await reloadsUnderLoad({
    holderArgs: ['--wait-ready', '-l', `http=tcp://127.0.0.1:${port}`],
    command: [process.execPath, dropin('wait-ready.mjs')],
    env: { PORT: String(port), WARMUP_MS: '400' },
  });
  holder = run.holder;
  console.log(describeFigures('wait-ready (PM2 process.send(\'ready\'))', run.figures));
  // The app answers 503 until its warm-up is over: a generation that accepted before READY=1 would show them.
  expectZeroLoss(run.figures);
  expect(run.figures.afterKill.non2xx).toBe(0);
});

it('a UDP app using dgram bind(port): every datagram answered across 3 reloads, then a SIGKILL', async () => {
  const port = await freePort();
  holder = new HolderProcess(['-l', `dns=udp://127.0.0.1:${port}`, '--', process.execPath, dropin('udp-echo.mjs')], { env: { PORT: String(port) } });
  await holder.waitReady(1, 30_000);
  const client = createSocket('udp4');
  const answered = new Set<number>();
  const pids = new Set<string>();
  client.on('message', (msg) => {
    const [seq, pid] = msg.toString().split(' ');
    answered.add(Number(seq));
    pids.add(pid!);
  });
  let sent = 0;
  const timer = setInterval(() => { for (let i = 0; i < 5; i++) client.send(String(sent++), port, '127.0.0.1'); }, 10);
  for (let i = 0; i < 3; i++) {
    await sleep(300);
    const r = await holder.reloadCli();
    expect(r.code, r.out).toBe(0);
  }
  await sleep(300);
  const sentInReloads = sent;
  await until('every datagram answered', () => [...Array(sentInReloads).keys()].every((i) => answered.has(i)), 3000).catch(() => {});
  const lostInReloads = [...Array(sentInReloads).keys()].filter((i) => !answered.has(i)).length;
  // One SIGKILL: datagrams wait in the held socket's receive buffer until the replacement reads them; what the
  // killed process had already read (libuv reads them in batches) and not answered yet is lost with it.
  const before = await holder.status();
  process.kill(before.workers.find((w) => w.generation === before.generation)!.pid, 'SIGKILL');
  await holder.waitReady(before.generation + 1, 30_000);
  const recoveredAt = sent;
  await sleep(300);
  clearInterval(timer);
  await until('every datagram answered', () => answered.size === sent, 3000).catch(() => {});
  client.close();
  const lostAtKill = sent - answered.size - lostInReloads;
  console.log(`UDP dgram.bind(port): ${sentInReloads} datagrams across 3 reloads, ${lostInReloads} unanswered; SIGKILL: ${sent - sentInReloads} more, ${lostAtKill} unanswered; ${pids.size} pids answered`);
  expect(sentInReloads).toBeGreaterThan(500);
  expect(lostInReloads).toBe(0);
  // Everything sent once the replacement was ready is answered; what was sent while no process read waited in the
  // receive buffer, so the loss is what the killed process held, well below what was sent meanwhile.
  expect([...Array(sent - recoveredAt).keys()].filter((i) => !answered.has(recoveredAt + i))).toEqual([]);
  expect(lostAtKill).toBeLessThan((recoveredAt - sentInReloads) / 2);
  expect(pids.size).toBeGreaterThanOrEqual(5);
});

it('a unix socket path: listen(path) takes the held socket, server.address() names the path, reloads keep it', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'holdfast-unix-')), 'app.sock');
  holder = new HolderProcess(['-l', `http=unix:${path}`, '--', process.execPath, dropin('unix-app.mjs')], { env: { SOCKET_PATH: path } });
  await holder.waitReady(1, 30_000);
  const client = new Client('http://localhost', { socketPath: path });
  const ask = async () => (await (await client.request({ path: '/', method: 'GET' })).body.json()) as { pid: number; address: string };
  const first = await ask();
  expect(first.address).toBe(path);
  const r = await holder.reloadCli();
  expect(r.code, r.out).toBe(0);
  const second = await ask();
  expect(second.pid).not.toBe(first.pid);
  expect(second.address).toBe(path);
  await client.close();
});

describe('a listen on a port holdfast does not hold', () => {
  it('strict mode: the app fails with a message naming the port and the -l to add', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    holder = new HolderProcess(['--strict', '-l', `http=tcp://127.0.0.1:${port}`, '--', process.execPath, dropin('two-ports.mjs')],
      { env: { PORT: String(port), ADMIN_PORT: String(adminPort) } });
    await until('the strict-mode failure', () => holder!.output.includes('ERR_HOLDFAST_UNHELD_ADDRESS') || holder!.output.includes('strict mode'), 20_000);
    await until('the failed start', () => holder!.output.includes('before READY=1'), 20_000);
    expect(holder.output).toContain(`listen on port ${adminPort} (tcp)`);
    expect(holder.output).toContain(`add -l NAME=tcp://0.0.0.0:${adminPort} to holdfast run`);
    expect((await holder.status()).generation).toBe(0);
  });

  it('default: the app binds it itself, with a warning that names the -l to add', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    holder = new HolderProcess(['-l', `http=tcp://127.0.0.1:${port}`, '--', process.execPath, dropin('two-ports.mjs')],
      { env: { PORT: String(port), ADMIN_PORT: String(adminPort) } });
    await holder.waitReady(1, 30_000);
    expect(holder.output).toContain(`listen on port ${adminPort} (tcp): holdfast holds no socket for it`);
    expect(holder.output).toContain(`add -l NAME=tcp://0.0.0.0:${adminPort}`);
  });

  it('the only held socket taken by a listen on another port: the warning for the next listen says which port took it', async () => {
    const [heldPort, port, adminPort] = [await freePort(), await freePort(), await freePort()];
    holder = new HolderProcess(['-l', `http=tcp://127.0.0.1:${heldPort}`, '--', process.execPath, dropin('two-ports.mjs')],
      { env: { PORT: String(port), ADMIN_PORT: String(adminPort) } });
    await holder.waitReady(1, 30_000);
    expect(holder.output).toContain(`listen on port ${adminPort} (tcp): holdfast holds no socket for it (held: http=tcp://127.0.0.1:${heldPort}, taken by the app's listen on port ${port})`);
  });
});
