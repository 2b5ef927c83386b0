// The holder as systemd's peer, without PID 1: a fake supervisor (a NotifySocket we bind, handed to the holder as
// NOTIFY_SOCKET with FDSTORE=) checks the holder's sd_notify conversation and fd-store deposits; the stored fds are
// then passed back to a fresh holder as LISTEN_FDS/LISTEN_FDNAMES, as systemd does after a restart, and a connection
// queued while no holder existed is served. systemd-socket-activate hands the holder (and, separately, a bare
// http-adapter worker) a socket by --fdname.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFd, execHelperPath, inspectFd, NotifySocket, openSocket, type NotifyMessage } from '@holdfast/native';
import { callControl } from '@holdfast/cli';
import { alive, fixture, HOLDFAST_BIN, HolderProcess, ROOT, sleep, until, type StatusBody } from './helpers/holdfast.js';
import { freePort } from './helpers/free-port.js';

const WORKER = fixture('interop-http-worker.mjs');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

/** The fake systemd: every datagram, with the sender's pid and the fds it carried. */
function fakeSupervisor() {
  const path = `@holdfast-fake-systemd-${process.pid}-${randomBytes(4).toString('hex')}`;
  const sock = NotifySocket.bind(path);
  const messages: (NotifyMessage & { text: string; fields: Record<string, string> })[] = [];
  sock.onMessage((m) => {
    const fields = Object.fromEntries(m.data.toString().split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    messages.push({ ...m, text: m.data.toString(), fields });
  });
  cleanup.push(() => { sock.close(); for (const m of messages) for (const fd of m.fds) try { closeFd(fd); } catch { /* closed */ } });
  const waitFor = async (pred: (m: (typeof messages)[number]) => boolean, what: string, from = 0) => {
    const t0 = Date.now();
    while (Date.now() - t0 < 15_000) {
      const i = messages.findIndex((m, idx) => idx >= from && pred(m));
      if (i >= 0) return { msg: messages[i], index: i };
      await sleep(20);
    }
    throw new Error(`fake systemd: no ${what}; got ${JSON.stringify(messages.map((m) => m.text))}`);
  };
  return { path, messages, waitFor };
}

/** One raw HTTP/1.0 request on an already-open connection; resolves with the body. */
function requestOn(sock: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => resolve(data.slice(data.indexOf('\r\n\r\n') + 4)));
    sock.on('error', reject);
    sock.write('GET /queued HTTP/1.0\r\nHost: x\r\n\r\n');
  });
}

/** GET on a fresh connection (no pooling: a pooled connection may still reach a draining worker). */
function get(port: number, path: string): Promise<{ pid: number; url: string; socket: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8').on('data', (d) => { data += d; }).on('end', () => resolve(JSON.parse(data)));
    }).on('error', reject);
  });
}

/** A holder on a TCP and a unix socket, as a Type=notify service with an fd store (FileDescriptorStoreMax=8). */
function holderUnderFakeSystemd() {
  const sup = fakeSupervisor();
  const side = join(mkdtempSync(join(tmpdir(), 'holdfast-peer-')), 'side.sock');
  const holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '-l', `side=unix:${side}`, '--', process.execPath, WORKER],
    { env: { NOTIFY_SOCKET: sup.path, FDSTORE: '8' } });
  cleanup.push(() => holder.stop());
  return { sup, side, holder };
}

describe('the holder as a Type=notify-reload service with an fd store', () => {
  it('READY=1, RELOADING=1+MONOTONIC_USEC, READY=1, FDSTORE=1 per socket, STOPPING=1; never MAINPID', async () => {
    const { sup, side, holder } = holderUnderFakeSystemd();
    const pid = holder.proc.pid!;
    const ready = await sup.waitFor((m) => m.fields.READY === '1', 'READY=1');
    expect(ready.msg.pid).toBe(pid); // the holder itself, not a worker
    const status = await holder.waitReady(1);
    const { port } = await holder.address('http');

    // Both sockets deposited, by name, before READY=1, each as the very socket the holder holds.
    const stored = sup.messages.filter((m) => m.fields.FDSTORE === '1');
    expect(stored.map((m) => m.fields.FDNAME)).toEqual(['http', 'side']);
    expect(stored.every((m) => m.pid === pid && m.fds.length === 1)).toBe(true);
    expect(stored.every((m) => sup.messages.indexOf(m) < ready.index)).toBe(true);
    expect(inspectFd(stored[0].fds[0])).toMatchObject({ family: 'inet', type: 'stream', listening: true, port });
    expect(inspectFd(stored[1].fds[0])).toMatchObject({ family: 'unix', type: 'stream', listening: true, path: side });

    // Reload: RELOADING=1 with a CLOCK_MONOTONIC timestamp taken during the reload, then READY=1.
    const before = process.hrtime.bigint() / 1000n;
    const from = sup.messages.length;
    const r = await holder.reloadCli();
    const after = process.hrtime.bigint() / 1000n;
    expect(r.code, r.out).toBe(0);
    const reloading = await sup.waitFor((m) => m.fields.RELOADING === '1', 'RELOADING=1', from);
    const usec = BigInt(reloading.msg.fields.MONOTONIC_USEC);
    expect(usec >= before && usec <= after).toBe(true);
    await sup.waitFor((m) => m.fields.READY === '1', 'READY=1 after the reload', reloading.index + 1);

    // The workers' own READY=1 went to the holder, not to us; nobody claimed to be the main pid.
    const workerPids = new Set(status.workers.map((w) => w.pid));
    expect(sup.messages.some((m) => workerPids.has(m.pid))).toBe(false);
    expect(sup.messages.some((m) => 'MAINPID' in m.fields)).toBe(false);

    await holder.stop();
    await sup.waitFor((m) => m.fields.STOPPING === '1', 'STOPPING=1');
    // Deposited in the fd store, the unix path is systemd's too: a restart gets the fd back, so the path stays.
    expect(lstatSync(side).isSocket()).toBe(true);
  });

  it('after the holder itself is SIGKILLed, a new holder given the stored fds serves the connection queued meanwhile', async () => {
    const { sup, side, holder: first } = holderUnderFakeSystemd();
    const s1 = await first.waitReady(1);
    const { port } = await first.address('http');
    const sideIno = lstatSync(side).ino;
    const stored = sup.messages.filter((m) => m.fields.FDSTORE === '1');
    expect(stored.map((m) => m.fields.FDNAME)).toEqual(['http', 'side']);

    // The crash: holder SIGKILLed; its worker follows (PR_SET_PDEATHSIG) and is gone before we connect.
    first.proc.kill('SIGKILL');
    await first.exited;
    await until('old worker gone', () => s1.workers.every((w) => !alive(w.pid)), 10_000);

    // Nobody serves now, yet the kernel accepts into the queue of the socket the fd store keeps open.
    const queued = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => { queued.once('connect', resolve); queued.once('error', reject); });
    const answer = requestOn(queued);

    // systemd restarts the service with its fd store as LISTEN_FDS (LISTEN_PID = the new holder's pid).
    const control = join(first.dir, 'control2.sock');
    const second: ChildProcess = spawn(execHelperPath, [process.execPath, HOLDFAST_BIN, 'run', '--control', control,
      '-l', 'http=tcp://127.0.0.1:0', '-l', `side=unix:${side}`, '--', process.execPath, WORKER], {
      cwd: ROOT,
      env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json', LISTEN_FDS: '2', LISTEN_FDNAMES: 'http:side', NOTIFY_SOCKET: sup.path, FDSTORE: '8' },
      stdio: ['ignore', 'pipe', 'pipe', stored[0].fds[0], stored[1].fds[0]],
    });
    let out = '';
    second.stdout!.on('data', (d) => { out += d; });
    second.stderr!.on('data', (d) => { out += d; });
    const secondExit = new Promise((r) => second.once('exit', r));
    cleanup.push(async () => { if (second.exitCode === null) { second.kill('SIGTERM'); await secondExit; } });

    const body = JSON.parse(await answer);
    expect(body.url).toBe('/queued');
    const s2 = (await callControl<StatusBody>(control, 'GET', '/status')).body;
    expect(s2.holderPid).toBe(second.pid);
    expect(s2.workers.map((w) => w.pid)).toContain(body.pid);
    // It adopted the same sockets: same port (the spec said :0), same unix socket file, nothing re-bound.
    expect(s2.sockets.find((s) => s.name === 'http')!.bound).toBe(`tcp://127.0.0.1:${port}`);
    expect(lstatSync(side).ino).toBe(sideIno);
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(side, () => { c.destroy(); resolve(); });
      c.once('error', reject);
    });
    const ready2 = await sup.waitFor((m) => m.fields.READY === '1' && m.pid === second.pid, 'READY=1 from the new holder');
    expect(ready2.msg.pid).toBe(second.pid);
    expect(out).not.toMatch(/EADDRINUSE/);
  });

  it('an inherited fd that does not match its spec is refused by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'holdfast-peer-'));
    const udp = openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1', port: 0 });
    cleanup.push(() => closeFd(udp));
    const p = spawn(execHelperPath, [process.execPath, HOLDFAST_BIN, 'run', '--control', join(dir, 'c.sock'),
      '-l', 'http=tcp://127.0.0.1:0', '--', process.execPath, WORKER], {
      cwd: ROOT, env: { ...process.env, LISTEN_FDS: '1', LISTEN_FDNAMES: 'http' }, stdio: ['ignore', 'pipe', 'pipe', udp],
    });
    let out = '';
    p.stdout!.on('data', (d) => { out += d; });
    p.stderr!.on('data', (d) => { out += d; });
    const code = await new Promise((r) => p.once('exit', r));
    expect(code).not.toBe(0);
    expect(out).toMatch(/inherited fd "http" does not match --listen http=tcp:\/\/127\.0\.0\.1:0: fd 3 is an inet dgram socket on 127\.0\.0\.1:\d+; expected a stream socket/);
  });
});

describe('systemd-socket-activate', () => {

  /** Debian's systemd-socket-activate listening on `port` with --fdname=http, then exec'ing `command`. */
  async function socketActivate(port: number, command: string[]) {
    const sa = spawn('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, '--fdname=http', ...command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const result = { sa, output: '' };
    sa.stdout!.on('data', (d) => { result.output += d; });
    sa.stderr!.on('data', (d) => { result.output += d; });
    const exited = new Promise((r) => sa.once('exit', r));
    cleanup.push(async () => { if (sa.exitCode === null) { sa.kill('SIGTERM'); await exited; } });
    await until('systemd-socket-activate listening', () => result.output.includes('Listening on'), 10_000);
    return result;
  }

  it('hands the holder its socket by --fdname; the holder adopts it instead of binding', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'holdfast-sa-'));
    const control = join(dir, 'control.sock');
    const act = await socketActivate(port, ['-E', 'HOLDFAST_LOG_FORMAT=json',
      process.execPath, HOLDFAST_BIN, 'run', '--control', control, '-l', `http=tcp://127.0.0.1:${port}`, '--', process.execPath, WORKER]);
    const { sa } = act;

    // The first connection makes systemd-socket-activate exec the holder (same pid, LISTEN_PID = it).
    const body = await get(port, '/first');
    expect(body.url).toBe('/first');
    const s = (await callControl<StatusBody>(control, 'GET', '/status')).body;
    expect(s.holderPid).toBe(sa.pid);
    expect(s.sockets).toEqual([expect.objectContaining({ name: 'http', bound: `tcp://127.0.0.1:${port}` })]);
    expect(act.output).not.toMatch(/EADDRINUSE/);
    // And it is a real holder: a reload swaps generations on the adopted socket.
    const r = await callControl<{ ok: boolean }>(control, 'POST', '/reload');
    expect(r.body.ok).toBe(true);
    const again = await get(port, '/second');
    expect(again.pid).not.toBe(body.pid);
  });

  it('runs a bare http-adapter worker (no holdfast) that serves the socket it names http', async () => {
    const port = await freePort();
    const act = await socketActivate(port, [process.execPath, WORKER]);
    const { sa } = act;
    let ok = 0;
    for (let i = 0; i < 20; i++) {
      const body = await get(port, `/n${i}`);
      if (body.pid === sa.pid && body.url === `/n${i}`) ok++;
    }
    expect(ok).toBe(20);
    expect(act.output).toMatch(new RegExp(`interop-http-worker ${sa.pid} serving`));
  });
});

