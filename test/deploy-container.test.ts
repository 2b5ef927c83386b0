// holdfast as PID 1 (as in a container without --init), in a new PID namespace made by `unshare`. PID 1 gets no
// default signal actions: the holder must handle SIGTERM (graceful stop, exit 0) and SIGHUP (reload) itself.
import { spawnSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { HOLDFAST_BIN } from './helpers/holdfast.js';
import { getVersion, tempDir, until, writeApp } from './fixtures/cli-apps.js';

const UNSHARE = ['--pid', '--fork', '--map-root-user', '--mount-proc'];
const probe = spawnSync('unshare', [...UNSHARE, 'true']);
const canUnshare = probe.status === 0;

describe.skipIf(!canUnshare)('holdfast as PID 1 (unshare --pid --fork)', () => {
  const tmp = tempDir('pid1');
  afterAll(() => tmp.cleanup());

  it('runs as pid 1, reloads on SIGHUP and stops gracefully with exit 0 on SIGTERM', async () => {
    writeApp(tmp.dir, 'v1');
    const control = join(tmp.dir, 'control.sock');
    const p = spawn('unshare', [...UNSHARE, process.execPath, HOLDFAST_BIN, 'run', '--control', control, '-l', 'http=tcp://127.0.0.1:0', '--', 'node', 'server.mjs'],
      { cwd: tmp.dir, env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    try {
      const status = async () => (await callControl<{ holderPid: number; generation: number; sockets: { bound: string }[] }>(control, 'GET', '/status')).body;
      const s = await until('generation 1 serving', async () => { const x = await status(); return x.generation === 1 && x; });
      expect(s.holderPid).toBe(1);
      const port = Number(/:(\d+)$/.exec(s.sockets[0].bound)![1]);
      expect((await getVersion(port)).version).toBe('v1');

      // The holder's pid outside the namespace: unshare's only child.
      const holderPid = Number(readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'utf8').trim());
      expect(holderPid).toBeGreaterThan(1);

      writeApp(tmp.dir, 'v2');
      process.kill(holderPid, 'SIGHUP');
      await until('generation 2 serving after SIGHUP', async () => (await status()).generation === 2);
      expect((await getVersion(port)).version).toBe('v2');

      process.kill(holderPid, 'SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(/SIGTERM: stopping/);
      expect(out).toMatch(/"msg":"stopped"/);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${out}`);
    } finally {
      p.kill('SIGKILL');
    }
  });
});
