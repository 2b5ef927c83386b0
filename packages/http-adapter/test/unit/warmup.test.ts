// Warm-up transports and the hand-over ramp, against the source: the 'socket' warm-up sends real HTTP to a server
// that is not listening (its connections come from a private loopback TCP listener, or a private unix socket for a
// unix held socket), hands the server no connection but its own client's, sends the request's own headers in turns
// of common header sets, leaves no connection open and no file behind; the in-process one uses no socket; the
// options and environment are checked at the edge; the ramp lets 1, 2, 4 ... connections go, one doubling per step.
import * as http from 'node:http';
import * as net from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, expect, it, vi } from 'vitest';
import { validateWarmup, warmUp, warmupFromEnv, WARMUP_HEADER_SETS } from '../../src/warmup.js';
import { openWarmupSocket, sweepStaleWarmupDirs } from '../../src/warmup-socket.js';
import { HandoverRamp, HANDOVER_RAMP_STEP_MS, rampStepFromEnv } from '../../src/handover-ramp.js';

afterEach(() => { vi.useRealTimers(); });

function countingServer() {
  const seen = { requests: 0, marked: 0, unix: 0, tcp: 0, noSocket: 0, bodies: [] as string[], headerNames: new Set<string>(), custom: 0 };
  const server = http.createServer((req, res) => {
    seen.requests++;
    seen.headerNames.add(req.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()).join(','));
    if (req.headers['x-custom'] === 'kept') seen.custom++;
    if (req.headers['x-holdfast-warmup'] === '1') seen.marked++;
    if (!(req.socket instanceof net.Socket)) seen.noSocket++;
    else if (req.socket.remotePort === undefined) seen.unix++;
    else seen.tcp++;
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
      if (body) seen.bodies.push(body);
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end('ok');
    });
  });
  const open = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => { open.add(s); s.once('close', () => open.delete(s)); });
  return { server, seen, open };
}

const warmupDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('holdfast-warmup-'));

it("'socket' (the default): real HTTP over a private loopback TCP listener to a server that never listens; nothing left open", async () => {
  const { server, seen, open } = countingServer();
  const report = await warmUp(server, { requests: [{ url: '/' }, { method: 'POST', url: '/echo', body: { a: 1 } }], count: 30 }, 'http');
  expect(report).toMatchObject({ requests: 60, failed: 0, via: 'socket' });
  expect(seen).toMatchObject({ requests: 60, marked: 60, unix: 0, tcp: 60, noSocket: 0 });
  expect(seen.bodies).toHaveLength(30);
  expect(seen.bodies[0]).toBe('{"a":1}');
  expect(server.listening).toBe(false);
  expect(open.size).toBe(0);
});

it("'socket' for a unix held socket: the private listener is a unix socket in a directory removed afterwards", async () => {
  const { server, seen, open } = countingServer();
  const dirsBefore = warmupDirs();
  const report = await warmUp(server, { requests: [{ url: '/' }], count: 20 }, 'http', 'unix');
  expect(report).toMatchObject({ requests: 20, failed: 0, via: 'socket' });
  expect(seen).toMatchObject({ requests: 20, marked: 20, unix: 20, tcp: 0 });
  expect(open.size).toBe(0);
  expect(warmupDirs()).toEqual(dirsBefore);
});

it('a unix warm-up directory left by a process killed during its warm-up is removed by a later one; a live process\'s stays', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'holdfast-sweep-test-'));
  try {
    // 999999999 is above any pid_max: no process has it. pid 1 is alive.
    for (const name of ['holdfast-warmup-999999999-abc', `holdfast-warmup-${process.pid}-def`, 'holdfast-warmup-1-ghi', 'unrelated-999999999-x']) {
      mkdirSync(join(tmp, name));
      writeFileSync(join(tmp, name, 'http.sock'), '');
    }
    expect(await sweepStaleWarmupDirs(tmp)).toEqual(['holdfast-warmup-999999999-abc']);
    expect(readdirSync(tmp).sort()).toEqual([`holdfast-warmup-${process.pid}-def`, 'holdfast-warmup-1-ghi', 'unrelated-999999999-x'].sort());
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

it("the private TCP listener hands the server only its own client's connections: another one is closed unanswered", async () => {
  const { server, seen } = countingServer();
  const transport = await openWarmupSocket(server, 2, 'tcp');
  const [host, port] = transport.address.split(':');
  const stranger = net.connect(Number(port), host);
  let strangerGot = '';
  stranger.on('data', (d) => { strangerGot += d; });
  stranger.on('error', () => {});
  const strangerClosed = new Promise((resolve) => stranger.once('close', resolve));
  await new Promise((resolve) => stranger.once('connect', resolve));
  stranger.write('GET /stranger HTTP/1.1\r\nhost: x\r\nx-holdfast-warmup: 1\r\n\r\n');
  expect(await transport.send({ url: '/' }, { 'x-holdfast-warmup': '1' }, 2000)).toBe(200);
  await transport.close();
  await strangerClosed;
  expect(strangerGot).toBe('');
  expect(seen.requests).toBe(1);
});

it('a connection to the private TCP listener from another loopback address is closed at once, unanswered', async () => {
  const { server, seen } = countingServer();
  const transport = await openWarmupSocket(server, 1, 'tcp');
  const [host, port] = transport.address.split(':');
  expect(await transport.send({ url: '/' }, {}, 2000)).toBe(200);
  // Another process can bind any loopback address, and so also a port one of the warm-up client's connections has.
  const stranger = net.connect({ port: Number(port), host, localAddress: '127.0.0.2' });
  stranger.on('error', () => {});
  let got = '';
  stranger.on('data', (d) => { got += d; });
  await new Promise((resolve) => stranger.once('connect', resolve));
  stranger.write('GET /stranger HTTP/1.1\r\nhost: x\r\n\r\n');
  // Closed by the listener while the warm-up is still open.
  await new Promise((resolve) => stranger.once('close', resolve));
  expect(got).toBe('');
  expect(seen.requests).toBe(1);
  await transport.close();
});

it('warm-up requests take the common header sets in turn, with the request\'s own headers and the marker', async () => {
  const { server, seen } = countingServer();
  const n = WARMUP_HEADER_SETS.length * 2;
  await warmUp(server, { requests: [{ url: '/', headers: { 'x-custom': 'kept' } }], count: n }, 'http');
  expect(seen.custom).toBe(n);
  // Five shapes or more: code that saw them is optimised for any shape, a real client's included.
  expect(WARMUP_HEADER_SETS.length).toBeGreaterThanOrEqual(5);
  expect(seen.headerNames.size).toBeGreaterThanOrEqual(WARMUP_HEADER_SETS.length);
  for (const names of seen.headerNames) expect(names).toMatch(/x-custom.*x-holdfast-warmup/);
});

it("'in-process': the handlers run without a socket; failures are counted", async () => {
  const { server, seen } = countingServer();
  const report = await warmUp(server, { requests: [{ url: '/' }, { url: '/fail' }], count: 5, via: 'in-process' }, 'http');
  expect(report).toMatchObject({ requests: 10, failed: 5, via: 'in-process' });
  expect(seen).toMatchObject({ requests: 10, marked: 10, unix: 0, tcp: 0, noSocket: 10 });
});

it('a warm-up whose every answer is 4xx says it warmed no handler', async () => {
  const { server } = countingServer();
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', onWarning);
  try {
    const missing = http.createServer((_req, res) => { res.statusCode = 404; res.end(); });
    expect(await warmUp(missing, { requests: [{ url: '/helth' }], count: 3 }, 'http')).toMatchObject({ requests: 3, failed: 0, clientErrors: 3 });
    expect(await warmUp(server, { requests: [{ url: '/' }], count: 3 }, 'http')).toMatchObject({ requests: 3, failed: 0, clientErrors: 0 });
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  expect(warnings.filter((m) => /answered 4xx/.test(m))).toEqual([expect.stringMatching(/every one of its 3 requests answered 4xx \(first: GET \/helth answered 404\), so it warmed no route's handler/)]);
});

it("'socket' counts 5xx answers as failed too", async () => {
  const { server } = countingServer();
  expect(await warmUp(server, { requests: [{ url: '/fail' }], count: 4 }, 'http')).toMatchObject({ requests: 4, failed: 4, via: 'socket' });
});

it('via: checked in the option and in HOLDFAST_WARMUP_VIA', () => {
  expect(() => validateWarmup({ requests: [{ url: '/' }], via: 'tcp' })).toThrow(/option "warmup" is "tcp"; expected via to be one of socket, in-process/);
  expect(warmupFromEnv({ HOLDFAST_WARMUP: '/', HOLDFAST_WARMUP_VIA: 'in-process' })).toMatchObject({ via: 'in-process' });
  expect(warmupFromEnv({ HOLDFAST_WARMUP: '/' })?.via).toBeUndefined();
  expect(() => warmupFromEnv({ HOLDFAST_WARMUP: '/', HOLDFAST_WARMUP_VIA: 'udp' })).toThrow(/HOLDFAST_WARMUP_VIA is "udp"; expected one of socket, in-process/);
});

it('HOLDFAST_HANDOVER_RAMP_MS: default, 0, and a clear error for a bad value', () => {
  expect(rampStepFromEnv({})).toBe(HANDOVER_RAMP_STEP_MS);
  expect(rampStepFromEnv({ HOLDFAST_HANDOVER_RAMP_MS: '0' })).toBe(0);
  expect(rampStepFromEnv({ HOLDFAST_HANDOVER_RAMP_MS: '120' })).toBe(120);
  expect(() => rampStepFromEnv({ HOLDFAST_HANDOVER_RAMP_MS: '-5' })).toThrow(/HOLDFAST_HANDOVER_RAMP_MS is "-5"; expected a whole number of ms from 0/);
});

it('the ramp lets 1, then 2, then 4 connections go, one doubling per step; 0 lets every one go at once; stop() opens it', () => {
  vi.useFakeTimers();
  const steps: number[] = [];
  const ramp = new HandoverRamp(50, () => steps.push(Date.now()));
  const takeAll = (): number => { let n = 0; while (n < 1000 && ramp.take()) n++; return n; };
  expect(takeAll()).toBe(1);
  vi.advanceTimersByTime(50);
  expect(takeAll()).toBe(1); // allowance 2, 1 taken
  vi.advanceTimersByTime(50);
  expect(takeAll()).toBe(2); // allowance 4
  expect(steps).toHaveLength(2);
  ramp.stop();
  expect(takeAll()).toBe(1000);
  vi.advanceTimersByTime(500);
  expect(steps).toHaveLength(2);
  const open = new HandoverRamp(0, () => steps.push(0));
  let n = 0;
  while (n < 500 && open.take()) n++;
  expect(n).toBe(500);
});
