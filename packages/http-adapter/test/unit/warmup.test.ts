// Warm-up transports and the hand-over ramp, against the source: the 'socket' warm-up sends real HTTP to a server
// that is not listening (its connections come from a private unix socket), leaves no connection open and no file
// behind; the in-process one uses no socket; the options and environment are checked at the edge; the ramp lets
// 1, 2, 4 ... connections go, one doubling per step.
import * as http from 'node:http';
import * as net from 'node:net';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, expect, it, vi } from 'vitest';
import { validateWarmup, warmUp, warmupFromEnv } from '../../src/warmup.js';
import { HandoverRamp, HANDOVER_RAMP_STEP_MS, rampStepFromEnv } from '../../src/handover-ramp.js';

afterEach(() => { vi.useRealTimers(); });

function countingServer() {
  const seen = { requests: 0, marked: 0, unix: 0, tcp: 0, noSocket: 0, bodies: [] as string[] };
  const server = http.createServer((req, res) => {
    seen.requests++;
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

it("'socket' (the default): real HTTP over a private unix socket to a server that never listens; nothing left open", async () => {
  const { server, seen, open } = countingServer();
  const dirsBefore = warmupDirs();
  const report = await warmUp(server, { requests: [{ url: '/' }, { method: 'POST', url: '/echo', body: { a: 1 } }], count: 30 }, 'http');
  expect(report).toMatchObject({ requests: 60, failed: 0, via: 'socket' });
  expect(seen).toMatchObject({ requests: 60, marked: 60, unix: 60, tcp: 0, noSocket: 0 });
  expect(seen.bodies).toHaveLength(30);
  expect(seen.bodies[0]).toBe('{"a":1}');
  expect(server.listening).toBe(false);
  expect(open.size).toBe(0);
  expect(warmupDirs()).toEqual(dirsBefore);
});

it("'in-process': the handlers run without a socket; failures are counted", async () => {
  const { server, seen } = countingServer();
  const report = await warmUp(server, { requests: [{ url: '/' }, { url: '/fail' }], count: 5, via: 'in-process' }, 'http');
  expect(report).toMatchObject({ requests: 10, failed: 5, via: 'in-process' });
  expect(seen).toMatchObject({ requests: 10, marked: 10, unix: 0, tcp: 0, noSocket: 10 });
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
