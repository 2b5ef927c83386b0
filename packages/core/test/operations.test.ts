// The operations pieces that need no holder: --health's server and address, env files per generation,
// --max-memory's sampler and size parser, --kill-signal's parser.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { GenerationEnv, parseEnvAssignment, validateEnvVars } from '../src/env-files.js';
import { parseHealthAddress, startHealthServer, type HealthServer, type Readiness } from '../src/health-server.js';
import { parseKillSignal } from '../src/kill-signal.js';
import { MEMORY_SAMPLES_OVER, MemoryWatch, parseMemorySize, readRss } from '../src/memory-watch.js';
import type { WorkerStatus } from '../src/worker.js';

describe('--health', () => {
  let server: HealthServer | undefined;
  afterEach(async () => { await server?.close(); server = undefined; });

  it('parses tcp://HOST:PORT and refuses anything else, naming --health', () => {
    expect(parseHealthAddress('tcp://0.0.0.0:8081')).toEqual({ host: '0.0.0.0', port: 8081 });
    expect(parseHealthAddress('tcp://[::1]:0')).toEqual({ host: '::1', port: 0 });
    for (const bad of ['8081', 'http://0.0.0.0:8081', 'udp://0.0.0.0:1', 'unix:/x.sock', 'tcp://0.0.0.0:99999', 'tcp://host:1?backlog=1']) {
      expect(() => parseHealthAddress(bad), bad).toThrow(/--health must be tcp:\/\/HOST:PORT/);
    }
  });

  it('answers /livez, /readyz (200 or 503 with the state), /metrics and 404', async () => {
    let r: Readiness = { ready: true, state: 'running', generation: 3 };
    server = await startHealthServer({ host: '127.0.0.1', port: 0 }, {
      readiness: () => r,
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'holdfast_generation 3\n' }),
    });
    const url = server.bound.replace('tcp://', 'http://');
    const get = async (path: string) => { const res = await fetch(url + path); return { code: res.status, body: await res.text(), type: res.headers.get('content-type') }; };
    expect(await get('/livez')).toMatchObject({ code: 200, body: JSON.stringify({ alive: true, pid: process.pid }) });
    expect(await get('/readyz')).toMatchObject({ code: 200, body: JSON.stringify(r) });
    r = { ready: false, state: 'stopping', generation: 3 };
    expect(await get('/readyz')).toMatchObject({ code: 503, body: '{"ready":false,"state":"stopping","generation":3}' });
    expect(await get('/metrics')).toMatchObject({ code: 200, body: 'holdfast_generation 3\n', type: 'text/plain; version=0.0.4' });
    expect((await get('/status')).code).toBe(404);
  });

  it('an address in use is ERR_HOLDFAST_SOCKET_OPEN naming --health', async () => {
    server = await startHealthServer({ host: '127.0.0.1', port: 0 }, { readiness: () => ({ ready: true, state: 'running', generation: 1 }), metrics: async () => ({ contentType: 'text/plain', body: '' }) });
    const port = Number(server.bound.split(':').pop());
    await expect(startHealthServer({ host: '127.0.0.1', port }, { readiness: () => ({ ready: true, state: 'running', generation: 1 }), metrics: async () => ({ contentType: 'text/plain', body: '' }) }))
      .rejects.toMatchObject({ code: 'ERR_HOLDFAST_SOCKET_OPEN', message: expect.stringMatching(/--health tcp:\/\/127\.0\.0\.1:\d+: listen EADDRINUSE/) });
  });
});

describe('env files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-env-'));
  const file = join(dir, 'app.env');

  it('reads the files again for every generation; deploy layer after the holder\'s; keys recorded, values not', () => {
    writeFileSync(file, 'COLOR=blue\n# comment\nQUOTED="a b"\n');
    const env = new GenerationEnv({ PATH: '/bin', COLOR: 'inherited' }, { files: [file], vars: { FROM_CONFIG: '1' } });
    expect(env.for(1)).toMatchObject({ PATH: '/bin', COLOR: 'blue', QUOTED: 'a b', FROM_CONFIG: '1' });
    writeFileSync(file, 'COLOR=green\n');
    expect(env.for(1).COLOR).toBe('blue'); // one read per generation: its workers all agree
    expect(env.for(2, { vars: { COLOR: 'red', DEPLOY: 'x' } })).toMatchObject({ COLOR: 'red', DEPLOY: 'x' });
    expect(env.for(3).COLOR).toBe('green');
    expect(env.describe([2, 3])).toEqual([
      { generation: 2, files: [file], keys: ['COLOR', 'DEPLOY', 'FROM_CONFIG'] },
      { generation: 3, files: [file], keys: ['COLOR', 'FROM_CONFIG'] },
    ]);
    expect(JSON.stringify(env.describe([2, 3]))).not.toMatch(/green|red/);
    expect(env.describe([3]).map((g) => g.generation)).toEqual([3]);
  });

  it('a missing file is ERR_HOLDFAST_ENV_FILE naming it', () => {
    const env = new GenerationEnv({}, {});
    expect(() => env.check({ files: [join(dir, 'nope.env')] })).toThrow(expect.objectContaining({ code: 'ERR_HOLDFAST_ENV_FILE', message: expect.stringMatching(/nope\.env cannot be read \(ENOENT\)/) }));
    expect(() => env.for(1, { files: [dir] })).toThrow(/cannot be read \(EISDIR\)/);
  });

  it('KEY=VALUE and env objects are checked', () => {
    expect(parseEnvAssignment('A_1=x=y')).toEqual(['A_1', 'x=y']);
    expect(parseEnvAssignment('EMPTY=')).toEqual(['EMPTY', '']);
    for (const bad of ['NOEQUALS', '1A=x', '=x', 'A-B=x']) expect(() => parseEnvAssignment(bad), bad).toThrow(/--env must be KEY=VALUE/);
    expect(() => validateEnvVars({ A: 1 }, 'env')).toThrow(/"A" must be a variable name .* with a string value; got 1/);
    expect(() => validateEnvVars(['A=1'], 'env')).toThrow(/env must be an object/);
  });
});

describe('--max-memory', () => {
  it('parses sizes in powers of 1024 and refuses nonsense', () => {
    expect(parseMemorySize('512M', 'x')).toBe(512 * 1024 ** 2);
    expect(parseMemorySize('1G', 'x')).toBe(1024 ** 3);
    expect(parseMemorySize('1.5GiB', 'x')).toBe(1.5 * 1024 ** 3);
    expect(parseMemorySize('800mb', 'x')).toBe(800 * 1024 ** 2);
    for (const bad of ['', 'lots', '512X', '-1G', '100K', '0']) expect(() => parseMemorySize(bad, '--max-memory'), bad).toThrow(/--max-memory must be a memory size like 512M/);
  });

  it('reloads a slot only after consecutive samples above the limit, never while a swap runs', async () => {
    expect(await readRss(process.pid)).toBeGreaterThan(1024 ** 2);
    expect(await readRss(2 ** 22 + 7)).toBeNull();
    const recycled: number[] = [];
    let running = false;
    const me: WorkerStatus = { pid: process.pid, generation: 4, state: 'ready', uptimeMs: 1, readyMs: 1, status: null, mainPid: null, slot: 2, restarts: 0 };
    const target = { status: () => ({ workers: [me], swap: { running } }), recycle: async (slot: number) => { recycled.push(slot); return { ok: true }; } };
    const registry = new Registry();
    const watch = new MemoryWatch(1024 ** 2, target, pino({ level: 'silent' }), registry);
    for (let i = 1; i < MEMORY_SAMPLES_OVER; i++) await watch.sample();
    expect(recycled).toEqual([]);
    running = true;
    await watch.sample();
    expect(recycled).toEqual([]);
    running = false;
    await watch.sample();
    expect(recycled).toEqual([2]);
    await watch.sample();
    expect(recycled).toEqual([2]); // the count starts again
    const text = await registry.metrics();
    expect(text).toMatch(/^holdfast_memory_reloads_total 1$/m);
    expect(text).toMatch(/^holdfast_worker_rss_bytes\{worker="2"\} \d+$/m);
    const high = new MemoryWatch(1024 ** 4, target, pino({ level: 'silent' }), new Registry());
    for (let i = 0; i < 5; i++) await high.sample();
    expect(recycled).toEqual([2]);
  });
});

it('--kill-signal accepts catchable signal names and refuses the rest', () => {
  expect(parseKillSignal('SIGINT')).toBe('SIGINT');
  expect(parseKillSignal('quit')).toBe('SIGQUIT');
  for (const bad of ['SIGKILL', 'STOP', 'SIGFOO', '9', '']) expect(() => parseKillSignal(bad), bad).toThrow(/--kill-signal must be a signal a worker can catch/);
});
