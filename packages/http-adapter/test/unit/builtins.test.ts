// The optional built-ins (node:dgram, node:https, node:cluster) are tested for without loading them: the answers are
// those of instanceof, and no source file imports them (or node:http2) as a value at load time.
import { readFileSync, readdirSync } from 'node:fs';
import cluster from 'node:cluster';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, expect, it } from 'vitest';
import { isClusterWorker, isDgramSocket, isHttpsServer } from '../../src/builtins.js';

const udp = dgram.createSocket('udp4');
afterAll(() => udp.close());

it.each([
  ['a dgram socket', udp],
  ['an https server', https.createServer()],
  ['an http server', http.createServer()],
  ['a tls server', tls.createServer()],
  ['a net server', net.createServer()],
  ['an object with dgram methods', { addMembership: () => {}, send: () => {} }],
  ['an object with setSecureContext', { setSecureContext: () => {} }],
  ['null', null],
  ['a number', 3],
])('%s: isDgramSocket and isHttpsServer answer as instanceof', (_label, value) => {
  expect(isDgramSocket(value)).toBe(value instanceof dgram.Socket);
  expect(isHttpsServer(value)).toBe(value instanceof https.Server);
});

it('isClusterWorker answers as cluster.isWorker', () => {
  expect(isClusterWorker()).toBe(cluster.isWorker);
});

it('no source file imports node:dgram, node:https, node:http2 or node:cluster at load time (only types, and builtins.ts)', () => {
  const dir = new URL('../../src/', import.meta.url);
  const offenders: string[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.ts')) continue;
    const text = readFileSync(new URL(f, dir), 'utf8');
    for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'node:(dgram|https|http2|cluster)'/gm)) if (!m[2]) offenders.push(`${f}: ${m[0]}`);
    if (/\bimport\(\s*'node:(dgram|https|http2|cluster)'\s*\)/.test(text)) offenders.push(`${f}: dynamic import`);
  }
  expect(offenders).toEqual([]);
});
