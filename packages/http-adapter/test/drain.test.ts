import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { closeFd, inspectFd, openSocket } from '@holdfast/native';
import { fixture, Notifier, sleep, startWorker } from './helpers.js';

const notifier = new Notifier();
const opened: number[] = [];
afterAll(() => {
  notifier.close();
  for (const fd of opened) closeFd(fd);
});

interface Reply { status: number; body: string; connection: string | undefined; localPort: number }
function request(port: number, path: string, agent: http.Agent | false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      const localPort = res.socket.localPort!;
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection, localPort }));
    });
    req.on('error', reject);
  });
}

describe('drain on SIGTERM', () => {
  for (const app of ['http-hello.mjs', 'fastify-hello.mjs']) {
    it(`${app}: finishes in-flight work, answers keep-alive with Connection: close, closes silent connections at once, exits 0 when the last connection is gone`, async () => {
      const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'http');
      opened.push(fd);
      const port = inspectFd(fd).port!;
      const w = startWorker(fixture(app), { fds: [{ fd, name: 'http' }], notifier, env: { DRAIN_TIMEOUT: '10000', REPORT_CLOSE: '1' }, captureStdout: true });
      await w.ready;

      // An idle keep-alive connection: one request done, socket pooled.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const first = await request(port, '/', agent);
      expect(first.connection).toBe('keep-alive');

      // A connection that never sends a request (speculative pre-connect).
      const silent = net.connect(port, '127.0.0.1');
      silent.on('error', () => undefined);
      await new Promise((r) => silent.once('connect', r));
      const silentClosed = new Promise<number>((resolve) => silent.once('close', () => resolve(Date.now())));

      // A slow request in flight when SIGTERM arrives.
      const slow = request(port, '/slow?ms=500', false);
      await sleep(150);

      const t0 = Date.now();
      w.child.kill('SIGTERM');
      await sleep(100);

      // The next request on the pooled keep-alive connection is still answered, with Connection: close.
      const second = await request(port, '/', agent);
      expect(second.status).toBe(200);
      expect(second.body).toBe(`hello from ${w.pid}\n`);
      expect(second.connection).toBe('close');
      expect(second.localPort).toBe(first.localPort); // same connection, not a new one

      const slowReply = await slow;
      expect(slowReply.status).toBe(200);
      expect(slowReply.connection).toBe('close');
      expect(slowReply.body).toMatch(String(w.pid));

      expect((await silentClosed) - t0).toBeLessThan(300);

      const exit = await w.exited;
      expect(exit.code).toBe(0);
      // Done when the last connection was gone (~350 ms after SIGTERM), not at a timer (drainTimeout 10 s,
      // keepAliveTimeout 5 s).
      expect(exit.at - t0).toBeLessThan(2000);
      expect(w.messages).toContain('STOPPING=1');
      // fastify's onClose hooks ran, after the connections were gone.
      if (app.startsWith('fastify')) expect(w.stdout()).toContain('"fixture":"onClose"');
      agent.destroy();
    });
  }

  it('5 pipelined requests in progress when the drain begins: all 5 answered, only the last says Connection: close', async () => {
    const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'http');
    opened.push(fd);
    const port = inspectFd(fd).port!;
    const w = startWorker(fixture('http-hello.mjs'), { fds: [{ fd, name: 'http' }], notifier, env: { DRAIN_TIMEOUT: '10000' } });
    await w.ready;
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8').on('data', (d: string) => (text += d));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise((r) => socket.once('connect', r));
    // Their handlers all run at once (Node emits every pipelined request); no response is written before SIGTERM.
    socket.write('GET /slow?ms=600 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(5));
    await sleep(200);
    w.child.kill('SIGTERM');
    await closed; // the server ends the connection after the last response
    const heads = text.split('HTTP/1.1 ').slice(1);
    expect(heads.map((h) => h.slice(0, 3))).toEqual(['200', '200', '200', '200', '200']);
    expect(heads.map((h) => /connection: close/i.test(h))).toEqual([false, false, false, false, true]);
    expect((await w.exited).code).toBe(0);
  });

  it('a second SIGTERM cuts what is left and the cut is logged', async () => {
    const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'http');
    opened.push(fd);
    const port = inspectFd(fd).port!;
    const w = startWorker(fixture('http-hello.mjs'), { fds: [{ fd, name: 'http' }], notifier, env: { DRAIN_TIMEOUT: '10000' } });
    await w.ready;
    const slow = request(port, '/slow?ms=5000', false).then(() => 'answered', (e: Error & { code?: string }) => e.code ?? e.message);
    await sleep(100);
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    await sleep(200);
    w.child.kill('SIGTERM');
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - t0).toBeLessThan(1500);
    expect(await slow).toBe('ECONNRESET');
  });

  it('the hard deadline (drainTimeout) cuts a request that outlives it', async () => {
    const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'http');
    opened.push(fd);
    const port = inspectFd(fd).port!;
    const w = startWorker(fixture('http-hello.mjs'), { fds: [{ fd, name: 'http' }], notifier, env: { DRAIN_TIMEOUT: '400' } });
    await w.ready;
    const slow = request(port, '/slow?ms=5000', false).then(() => 'answered', (e: Error & { code?: string }) => e.code ?? e.message);
    await sleep(100);
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - t0).toBeGreaterThanOrEqual(390);
    expect(exit.at - t0).toBeLessThan(1500);
    expect(await slow).toBe('ECONNRESET');
  });

  it('https: in-flight and keep-alive requests on TLS connections finish with Connection: close; exit 0 at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'holdfast-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'https');
    opened.push(fd);
    const port = inspectFd(fd).port!;
    const w = startWorker(fixture('https-hello.mjs'), { fds: [{ fd, name: 'https' }], notifier, env: { DRAIN_TIMEOUT: '10000', TLS_KEY: key, TLS_CERT: cert } });
    await w.ready;
    const get = (p: string, agent: https.Agent | false): Promise<Reply> => new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: p, agent, rejectUnauthorized: false }, (res) => {
        let body = '';
        const localPort = res.socket.localPort!;
        res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection, localPort }));
      }).on('error', reject);
    });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    const first = await get('/', agent);
    const slow = get('/slow?ms=400', false);
    await sleep(150);
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    await sleep(50);
    const second = await get('/', agent);
    expect(second).toMatchObject({ status: 200, connection: 'close', localPort: first.localPort });
    expect(await slow).toMatchObject({ status: 200, connection: 'close' });
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - t0).toBeLessThan(2000);
    agent.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('net.Server: stops accepting, onDrain ends the open connections, exit 0 when they are gone', async () => {
    const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 }, 'tcp');
    opened.push(fd);
    const port = inspectFd(fd).port!;
    const w = startWorker(fixture('net-echo-ondrain.mjs'), { fds: [{ fd, name: 'tcp' }], notifier });
    await w.ready;
    const c = net.connect(port, '127.0.0.1');
    let got = '';
    c.setEncoding('utf8').on('data', (d) => (got += d));
    const closed = new Promise((r) => c.once('close', r));
    c.write('hi\n');
    await sleep(100);
    expect(got).toBe('hi\n');
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    await closed;
    expect(got).toBe('hi\nbye\n');
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - t0).toBeLessThan(1000);
  });
});
