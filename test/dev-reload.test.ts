// `holdfast dev` on a real fastify app in a temp dir: edit → one reload, a burst of saves → one reload, a broken
// edit → the last good generation keeps serving and the error is shown, fix → serves again, `rs` → reload by hand.
// New-connection load runs throughout: nobody may see "connection refused".
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { HOLDFAST_BIN, sleep, type StatusBody } from './helpers/holdfast.js';
import { startLoad } from './helpers/load.js';
import { getVersion, tempDir, until, writeApp } from './fixtures/cli-apps.js';

interface DevStatus extends StatusBody { lastSwap: { ok: boolean; generation: number; error?: { message: string } } | null }

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

describe('holdfast dev', () => {
  const tmp = tempDir('dev');
  const control = join(tmp.dir, 'control.sock');
  let dev: ChildProcess;
  let output = '';
  let port = 0;
  const status = async () => (await callControl<DevStatus>(control, 'GET', '/status')).body;
  const metrics = async () => (await callControl<string>(control, 'GET', '/metrics')).body;

  beforeAll(async () => {
    writeApp(tmp.dir, 'v1');
    dev = spawn(process.execPath, [HOLDFAST_BIN, 'dev', '--control', control, '-l', 'http=tcp://127.0.0.1:0', '--debounce', '300ms',
      '--ignore', '*.sock', '--', 'node', 'server.mjs'], { cwd: tmp.dir, env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json' }, stdio: ['pipe', 'pipe', 'pipe'] });
    dev.stdout!.on('data', (d) => { output += d; });
    dev.stderr!.on('data', (d) => { output += d; });
    const s = await until('generation 1 ready', async () => { const x = await status(); return x.generation === 1 && x; });
    port = Number(/:(\d+)$/.exec(s.sockets[0].bound)![1]);
    await until('watcher ready', () => output.includes('"msg":"watching '));
  });

  afterAll(async () => {
    if (dev && dev.exitCode === null) { dev.kill('SIGKILL'); await new Promise((r) => dev.once('exit', r)); }
    tmp.cleanup();
  });

  it('reloads on edit, once per burst, keeps serving through a broken edit, recovers on fix, and reloads on rs', async () => {
    const load = startLoad(`http://127.0.0.1:${port}`, { connections: 2, mode: 'new-connection' });
    try {
      expect((await getVersion(port)).version).toBe('v1');

      // 1. An edit: one reload, the new code serves.
      writeApp(tmp.dir, 'v2');
      await until('v2 serving', async () => (await getVersion(port)).version === 'v2');
      // (a new worker answers on the shared socket before its settle window ends and status names it serving)
      await until('generation 2 serving', async () => (await status()).generation === 2);

      // 2. A burst of five saves is one reload (debounced), not five.
      for (let i = 0; i < 5; i++) writeApp(tmp.dir, `v3-${i}`);
      await until('v3-4 serving', async () => (await getVersion(port)).version === 'v3-4');
      await sleep(1000); // longer than the debounce: a second reload from the same burst would have started by now
      const afterBurst = await status();
      expect(afterBurst.generation).toBe(3);
      expect(afterBurst.swap.running).toBe(false);

      // 3. A broken edit: the new generation dies with a SyntaxError, generation 3 keeps serving, the error is shown.
      writeFileSync(join(tmp.dir, 'server.mjs'), 'this is not javascript (\n');
      const failed = await until('the broken generation rolled back', async () => { const x = await status(); return x.lastSwap && !x.lastSwap.ok && x; });
      expect(failed && failed.generation).toBe(3);
      expect(failed && failed.lastSwap!.error!.message).toMatch(/generation 4 .* before READY=1/);
      expect((await getVersion(port)).version).toBe('v3-4');
      expect(output).toMatch(/SyntaxError/);
      expect(output).toMatch(/reload failed: generation 4 .*: a syntax error in .*server\.mjs:1/);
      expect(output).toMatch(/Save again to retry/);

      // 4. The fix: the next save tries again and serves.
      writeApp(tmp.dir, 'v5');
      await until('v5 serving', async () => (await getVersion(port)).version === 'v5');
      await until('generation 5 serving', async () => (await status()).generation === 5);

      // 5. rs + Enter reloads by hand.
      dev.stdin!.write('rs\n');
      await until('generation 6 serving', async () => (await status()).generation === 6);
      expect(output).toContain('rs: reloading');

      const m = await metrics();
      expect(metric(m, 'holdfast_swaps_total{outcome="ready"}')).toBe(5); // start, edit, burst, fix, rs
      expect(metric(m, 'holdfast_swaps_total{outcome="rolled_back"}')).toBe(1);
    } finally {
      const r = await load.stop();
      expect(r.ok).toBeGreaterThan(0);
      expect(r.errors).toEqual({}); // no ECONNREFUSED, no resets, through 6 generations and a rollback
      expect(r.non2xx).toBe(0);
    }

    dev.kill('SIGINT');
    const code = await new Promise((r) => dev.once('exit', (c) => r(c)));
    expect(code).toBe(0);
  });

  it('ignores node_modules and build output', async () => {
    // Runs after the first test stopped the holder; the filter is what decides.
    const { ignoreFilter } = await import('../packages/cli/src/watch-filter.js');
    const ignored = ignoreFilter([tmp.dir], ['*.sock']);
    expect(ignored(join(tmp.dir, 'node_modules/x/index.js'))).toBe(true);
    expect(ignored(join(tmp.dir, 'dist/server.js'))).toBe(true);
    expect(ignored(join(tmp.dir, '.git/HEAD'))).toBe(true);
    expect(ignored(join(tmp.dir, 'control.sock'))).toBe(true);
    expect(ignored(join(tmp.dir, 'server.mjs'))).toBe(false);
    expect(ignoreFilter([join(tmp.dir, 'dist')], [])(join(tmp.dir, 'dist/server.js'))).toBe(false);
  });
});
