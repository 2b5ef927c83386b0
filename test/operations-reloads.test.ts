// --env-file, --max-memory and --kill-signal against real holders and real load: a reload after editing the env
// file gives the new generation the new value while the old one kept the old; a worker that grows past
// --max-memory under load is replaced by a zero-downtime reload; --kill-signal SIGINT drains with 0 failed requests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { fixture, HolderProcess, runCli, sleep, until } from './helpers/holdfast.js';
import { startLoad } from './helpers/load.js';

const node = process.execPath;
let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

const get = async (port: number) => (await (await request(`http://127.0.0.1:${port}/`, { reset: true })).body.json()) as Record<string, unknown>;

describe('--env-file and reload --env', () => {
  it('each generation reads the file again; the old one keeps what it got; status shows files and keys, never values', async () => {
    const envFile = join(mkdtempSync(join(tmpdir(), 'holdfast-env-')), 'app.env');
    writeFileSync(envFile, 'APP_COLOR=blue\n');
    holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--env-file', envFile, '--', node, fixture('env-app.mjs')]);
    const s1 = await holder.waitReady(1);
    const { port } = await holder.address('http');
    expect(await get(port)).toMatchObject({ color: 'blue', deploy: null, generation: 1 });

    writeFileSync(envFile, 'APP_COLOR=chartreuse\n');
    expect(await get(port)).toMatchObject({ color: 'blue', generation: 1 }); // the running generation keeps its env
    const r = await runCli(['reload', '--control', holder.control, '--env', 'DEPLOY=release-alpha']);
    expect(r.code, r.out).toBe(0);
    expect(await get(port)).toMatchObject({ color: 'chartreuse', deploy: 'release-alpha', generation: 2 });

    const status = (await callControl<Record<string, unknown>>(holder.control, 'GET', '/status')).body;
    expect(status.env).toEqual([{ generation: 2, files: [envFile], keys: ['APP_COLOR', 'DEPLOY'] }]);
    expect(status.launch).toMatchObject({ envKeys: ['DEPLOY'], envFiles: [] });
    expect(JSON.stringify(status)).not.toMatch(/chartreuse|release-alpha/);
    expect(s1.workers[0].pid).not.toBe((await get(port)).pid);

    // A deploy with a missing env file is refused; generation 2 keeps serving with its env. Node itself checks
    // every --env-file argument, even after the script name (exit 9, "not found"); the control API says why.
    const missing = join(holder.dir, 'missing.env');
    const bad = await runCli(['reload', '--control', holder.control, '--env-file', missing]);
    expect(bad.code, bad.out).not.toBe(0);
    expect(bad.out).toMatch(/missing\.env: not found/);
    const api = await callControl<{ ok: boolean; error: { code: string; message: string } }>(holder.control, 'POST', '/reload', { envFiles: [missing] });
    expect(api.statusCode).toBe(409);
    expect(api.body.error).toMatchObject({ code: 'ERR_HOLDFAST_ENV_FILE', message: expect.stringMatching(/missing\.env cannot be read \(ENOENT\)/) });
    expect(await get(port)).toMatchObject({ color: 'chartreuse', deploy: 'release-alpha', generation: 2 });
  });
});

describe('--max-memory', () => {
  it('a worker growing past the limit under load is replaced without downtime: 0 failed requests', async () => {
    holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--max-memory', '160M', '--', node, fixture('leaky-app.mjs')], { env: { LEAK_CAP_MB: '300' } });
    const s1 = await holder.waitReady(1);
    const { port } = await holder.address('http');
    const load = startLoad(`http://127.0.0.1:${port}`, { connections: 10, mode: 'keep-alive' });
    await until('a memory reload', async () => (await holder!.status()).generation >= 2, 45_000);
    await sleep(500);
    const report = await load.stop();
    const m = (await callControl<string>(holder.control, 'GET', '/metrics')).body;
    const line = /^holdfast_memory_reloads_total (\d+)$/m.exec(m);
    console.log(`--max-memory 160M: ${line?.[1]} memory reload(s), ${report.requests} requests, errors ${JSON.stringify(report.errors)}`);
    expect(Number(line?.[1])).toBeGreaterThanOrEqual(1);
    expect(holder.output).toMatch(/above --max-memory 160 MiB for 3 samples: reloading worker 0/);
    expect(holder.output).toMatch(new RegExp(`"pid":${s1.workers[0].pid},[^\\n]*"msg":"draining"`));
    expect(report.errors).toEqual({});
    expect(report.non2xx).toBe(0);
    expect(report.ok).toBe(report.requests);
  });
});

describe('--kill-signal', () => {
  it('SIGINT: old generations are asked with SIGINT, drain and exit 0, with 0 failed requests under keep-alive load', async () => {
    holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--kill-signal', 'SIGINT', '--', node, fixture('reports-signals.mjs')]);
    const s1 = await holder.waitReady(1);
    const { port } = await holder.address('http');
    const load = startLoad(`http://127.0.0.1:${port}`, { connections: 20, mode: 'keep-alive' });
    const old = [s1.workers[0].pid];
    for (let i = 0; i < 2; i++) {
      await sleep(300);
      const r = await holder.reloadCli();
      expect(r.code, r.out).toBe(0);
      const s = await holder.status();
      old.push(s.workers.find((w) => w.generation === s.generation)!.pid);
    }
    old.pop(); // the serving one
    await until('both old generations drained', () => old.every((pid) => holder!.output.includes(`"pid":${pid},"generation"`) && new RegExp(`"pid":${pid},[^\\n]*"msg":"drained in`).test(holder!.output)), 15_000);
    const report = await load.stop();
    console.log(`--kill-signal SIGINT: 2 reloads, ${report.requests} requests, errors ${JSON.stringify(report.errors)}`);
    for (const pid of old) {
      expect(holder.output).toContain(`{"fixture":"got-signal","signal":"SIGINT","pid":${pid}}`);
      expect(holder.output).not.toContain(`{"fixture":"got-signal","signal":"SIGTERM","pid":${pid}}`);
      expect(holder.output).toMatch(new RegExp(`"pid":${pid},[^\\n]*"code":0,"signal":null[^\\n]*"msg":"drained in`));
    }
    expect(report.errors).toEqual({});
    expect(report.non2xx).toBe(0);
    expect(report.requests).toBeGreaterThan(100);
  });
});
