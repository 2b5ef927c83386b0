// Standalone (no LISTEN_FDS, no NOTIFY_SOCKET, no holder) the adapter serves on its fallback address without
// loading the @holdfast/native addon: the path an app takes on macOS, Windows or a laptop without a toolchain.
import { readFileSync, readdirSync } from 'node:fs';
import * as http from 'node:http';
import { afterAll, expect, it } from 'vitest';
import { request } from 'undici';
import { serve } from '../../src/index.js';
import { nativeLoaded } from '../../src/native.js';

const server = http.createServer((_req, res) => res.end('standalone'));
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('serve() binds its fallback and never loads the addon', async () => {
  for (const name of ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES', 'NOTIFY_SOCKET', 'HOLDFAST_HOLDER_PID', 'WATCHDOG_USEC']) delete process.env[name];
  const served = await serve(server, { fallback: 'tcp://127.0.0.1:0', exitOnDrain: false });
  expect(served.inherited).toBe(false);
  const port = Number(/:(\d+)$/.exec(served.address)![1]);
  const res = await request(`http://127.0.0.1:${port}/`);
  expect(await res.body.text()).toBe('standalone');
  expect(nativeLoaded()).toBe(false);
});

it("no source file imports @holdfast/native's index at load time (only its pure subpaths, types, and loadNative())", () => {
  const dir = new URL('../../src/', import.meta.url);
  const offenders: string[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.ts')) continue;
    const text = readFileSync(new URL(f, dir), 'utf8');
    for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'@holdfast\/native'/gm)) if (!m[2]) offenders.push(`${f}: ${m[0]}`);
  }
  expect(offenders).toEqual([]);
});
