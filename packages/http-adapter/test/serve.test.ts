import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as dgram from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { closeFd, inspectFd, openSocket } from '@holdfast/native';
import { fixture, jsonOf, Notifier, sleep, startWorker } from './helpers.js';
import { freePort } from '../../../test/helpers/free-port.js';

const notifier = new Notifier();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'holdfast-adapter-'));
const opened: number[] = [];
afterAll(() => {
  notifier.close();
  for (const fd of opened) closeFd(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

function get(options: http.RequestOptions): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http.get({ agent: false, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    }).on('error', reject);
  });
}

async function stop(w: ReturnType<typeof startWorker>): Promise<{ code: number | null }> {
  w.child.kill('SIGTERM');
  return w.exited;
}

describe('serve() on inherited fds', () => {
  for (const app of ['fastify-hello.mjs', 'http-hello.mjs']) {
    it(`${app}: inherited TCP fd, READY=1 from the worker's pid, exit 0 on SIGTERM`, async () => {
      const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'http');
      opened.push(fd);
      const port = inspectFd(fd).port!;
      const w = startWorker(fixture(app), { fds: [{ fd, name: 'http' }], notifier });
      await w.ready;
      expect(w.messages).toContain('READY=1');
      const r = await get({ host: '127.0.0.1', port, path: '/' });
      expect(r.status).toBe(200);
      expect(r.body).toBe(`hello from ${w.pid}\n`);
      expect((await stop(w)).code).toBe(0);
      expect(w.messages).toContain('STOPPING=1');
      // The holder's socket survives the worker: a connection still lands in its accept queue.
      await new Promise<void>((resolve, reject) => net.connect(port, '127.0.0.1', function (this: net.Socket) { this.destroy(); resolve(); }).on('error', reject));
    });

    it(`${app}: inherited unix stream fd`, async () => {
      const socketPath = path.join(dir, `${app}.sock`);
      const fd = openSocket({ family: 'unix', type: 'stream', path: socketPath }, 'http');
      opened.push(fd);
      const w = startWorker(fixture(app), { fds: [{ fd, name: 'http' }], notifier });
      await w.ready;
      const r = await get({ socketPath, path: '/' });
      expect(r.status).toBe(200);
      expect(r.body).toBe(`hello from ${w.pid}\n`);
      expect((await stop(w)).code).toBe(0);
      expect(fs.existsSync(socketPath)).toBe(true); // the worker's close() did not unlink the holder's socket
    });
  }

  it('a worker serving two fds says READY=1 only after both are attached', async () => {
    const tcp = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'http');
    const udp = openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1', port: 0 }, 'udp');
    opened.push(tcp, udp);
    const w = startWorker(fixture('http-and-udp.mjs'), { fds: [{ fd: tcp, name: 'http' }, { fd: udp, name: 'udp' }], notifier, env: { GAP_MS: '300' } });
    await w.ready;
    // One notify socket keeps the order: the STATUS= sent between the two serve() calls comes before READY=1.
    const status = w.messages.findIndex((m) => m.includes('STATUS=attaching the second socket'));
    const ready = w.messages.findIndex((m) => /^READY=1$/m.test(m));
    expect(status).toBeGreaterThanOrEqual(0);
    expect(ready).toBeGreaterThan(status);
    // both serve
    expect((await get({ host: '127.0.0.1', port: inspectFd(tcp).port!, path: '/' })).status).toBe(200);
    const client = dgram.createSocket('udp4');
    const echo = new Promise<string>((resolve) => client.once('message', (m) => resolve(m.toString())));
    client.send('ping', inspectFd(udp).port!, '127.0.0.1');
    expect(await echo).toBe('ping');
    client.close();
    expect((await stop(w)).code).toBe(0);
  });
});

describe('serve() standalone (no LISTEN_FDS)', () => {
  for (const app of ['fastify-hello.mjs', 'http-hello.mjs']) {
    it(`${app} binds its fallback tcp address and says READY=1 after serving`, async () => {
      const port = await freePort();
      const w = startWorker(fixture(app), { notifier, env: { FALLBACK: `tcp://127.0.0.1:${port}` } });
      await w.ready;
      const r = await get({ host: '127.0.0.1', port, path: '/' });
      expect(r.body).toBe(`hello from ${w.pid}\n`);
      expect((await stop(w)).code).toBe(0);
    });
  }

  it('binds a unix fallback', async () => {
    const socketPath = path.join(dir, 'fallback.sock');
    const w = startWorker(fixture('http-hello.mjs'), { notifier, env: { FALLBACK: `unix:${socketPath}` } });
    await w.ready;
    expect((await get({ socketPath, path: '/' })).status).toBe(200);
    expect((await stop(w)).code).toBe(0);
  });

  it('binds a udp fallback', async () => {
    const port = await freePort();
    const w = startWorker(fixture('udp-echo.mjs'), { notifier, env: { FALLBACK: `udp://127.0.0.1:${port}` } });
    await w.ready;
    const client = dgram.createSocket('udp4');
    const echo = new Promise<string>((resolve) => client.once('message', (m) => resolve(m.toString())));
    client.send('ping', port, '127.0.0.1');
    expect(await echo).toBe('ping');
    client.close();
    expect((await stop(w)).code).toBe(0);
  });
});

describe('mismatch errors', () => {
  it('name the fd, what was found and what was expected, with a literal code', async () => {
    const tcp = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'http');
    const udp = openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1', port: 0 }, 'udp');
    opened.push(tcp, udp);
    const w = startWorker(fixture('serve-mismatch.mjs'), {
      fds: [{ fd: tcp, name: 'http' }, { fd: udp, name: 'udp' }], captureStdout: true,
      env: { SCENARIOS: 'dgram-on-stream,http-on-dgram,udp6-on-udp4,missing-name,bad-target' },
    });
    const r = await jsonOf(w);
    expect(r['dgram-on-stream'].code).toBe('ERR_HOLDFAST_FD_MISMATCH');
    expect(r['dgram-on-stream'].name).toBe('HoldfastAdapterError');
    expect(r['dgram-on-stream'].message).toMatch(/"http" \(fd 3\) is a listening inet stream socket on 127\.0\.0\.1:\d+; the dgram target expects an inet dgram socket/);
    expect(r['http-on-dgram'].code).toBe('ERR_HOLDFAST_FD_MISMATCH');
    expect(r['http-on-dgram'].message).toMatch(/"udp" \(fd 4\) is an inet dgram socket .*expects a listening inet, inet6 or unix stream socket/);
    expect(r['udp6-on-udp4'].code).toBe('ERR_HOLDFAST_FD_MISMATCH');
    expect(r['udp6-on-udp4'].message).toMatch(/expects an inet6 dgram socket/);
    expect(r['missing-name'].code).toBe('ERR_HOLDFAST_NO_LISTEN_FD');
    expect(r['missing-name'].message).toMatch(/no inherited fd named "nope".*inherited: http=fd 3 .*udp=fd 4/);
    expect(r['bad-target'].code).toBe('ERR_HOLDFAST_INVALID_TARGET');
  });

  it('without LISTEN_FDS and without fallback: ERR_HOLDFAST_NO_LISTEN_FD; a tcp target with a udp fallback: ERR_HOLDFAST_INVALID_OPTION', async () => {
    const r = await jsonOf(startWorker(fixture('serve-mismatch.mjs'), { captureStdout: true, env: { SCENARIOS: 'no-fds-no-fallback,bad-fallback' } }));
    expect(r['no-fds-no-fallback'].code).toBe('ERR_HOLDFAST_NO_LISTEN_FD');
    expect(r['no-fds-no-fallback'].message).toMatch(/not started by a holder \(no LISTEN_FDS\), and no fallback/);
    expect(r['bad-fallback'].code).toBe('ERR_HOLDFAST_INVALID_OPTION');
    expect(r['bad-fallback'].message).toMatch(/option "fallback" is "udp:\/\/127\.0\.0\.1:1"/);
  });

  it('an inherited fd that is not a socket: adopted by listenFds(), refused by serve() with ERR_HOLDFAST_FD_MISMATCH', async () => {
    const file = fs.openSync(path.join(dir, 'not-a-socket'), 'w');
    try {
      // listen-fds.ts adopts every kind a .socket unit may pass (FIFOs, files); serve() needs a listening socket.
      const r = await jsonOf(startWorker(fixture('serve-mismatch.mjs'), { fds: [{ fd: file, name: 'http' }], captureStdout: true, env: { SCENARIOS: 'listen-fds,http-on-file' } }));
      expect(r['listen-fds']).toEqual({ ok: true });
      expect(r['http-on-file'].code).toBe('ERR_HOLDFAST_FD_MISMATCH');
      expect(r['http-on-file'].message).toMatch(/"http" \(fd 3\) is a file; the http target expects a listening inet, inet6 or unix stream socket/);
    } finally {
      fs.closeSync(file);
    }
  });
});
