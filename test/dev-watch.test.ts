// `holdfast dev` watches source the way nodemon users expect: an app writing ./access.log on every request and
// `holdfast dev > dev.log` in the watched directory reload nothing, a .txt file neither; a save of server.mjs
// reloads once; the log says what is watched; `-w` on a missing path is refused (exit 2, naming it).
import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { fixture, HOLDFAST_BIN, runCli, sleep, type StatusBody } from './helpers/holdfast.js';
import { getVersion, tempDir, until } from './fixtures/cli-apps.js';

describe('holdfast dev watch rules', () => {
  const tmp = tempDir('devwatch');
  afterAll(() => tmp.cleanup());

  it('0 reloads for 10 requests logging to ./access.log, its own dev.log and a .txt file; 1 reload for a save of server.mjs', async () => {
    copyFileSync(fixture('logs-requests.mjs'), join(tmp.dir, 'server.mjs'));
    const control = join(tmp.dir, 'control.sock');
    const logFd = openSync(join(tmp.dir, 'dev.log'), 'a');
    const dev = spawn(process.execPath, [HOLDFAST_BIN, 'dev', '--control', control, '-l', 'http=tcp://127.0.0.1:0', '--', 'node', 'server.mjs'],
      { cwd: tmp.dir, env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json' }, stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    const log = () => readFileSync(join(tmp.dir, 'dev.log'), 'utf8');
    const status = async () => (await callControl<StatusBody>(control, 'GET', '/status')).body;
    try {
      const s = await until('generation 1 ready', async () => { const x = await status(); return x.generation === 1 && x.workers[0].state === 'ready' && x; });
      await until('watcher ready', () => log().includes('"msg":"watching '));
      expect(log()).toMatch(/"msg":"watching 1 file\(s\) in \. \(\*\.js \*\.mjs \*\.cjs \*\.jsx \*\.ts \*\.mts \*\.cts \*\.tsx \*\.json\); ignoring node_modules\/ \.git\/ .*logs\/.* \*\.log .*dev\.log/);
      const port = Number(/:(\d+)$/.exec(s.sockets[0].bound)![1]);
      for (let i = 0; i < 10; i++) expect((await getVersion(port)).version).toBe('v1');
      writeFileSync(join(tmp.dir, 'notes.txt'), 'not source\n');
      await sleep(1500); // ten debounce periods
      expect(readFileSync(join(tmp.dir, 'access.log'), 'utf8').split('\n').filter(Boolean)).toHaveLength(10);
      expect((await status()).generation).toBe(1);
      expect(log()).not.toContain('"msg":"change: ');

      writeFileSync(join(tmp.dir, 'server.mjs'), readFileSync(fixture('logs-requests.mjs'), 'utf8').replace("const VERSION = 'v1';", "const VERSION = 'v2';"));
      await until('v2 serving', async () => (await getVersion(port)).version === 'v2');
      await sleep(1000);
      expect((await status()).generation).toBe(2);
      expect(log().match(/"msg":"change: [^"]*; reloading"/g)).toEqual(['"msg":"change: server.mjs; reloading"']);
    } finally {
      dev.kill('SIGINT');
      await new Promise((r) => dev.once('exit', r));
    }
  });

  it('a file named with --watch reloads whatever its extension (--watch version.txt)', async () => {
    const dir = join(tmp.dir, 'named');
    mkdirSync(dir);
    copyFileSync(fixture('logs-requests.mjs'), join(dir, 'server.mjs'));
    writeFileSync(join(dir, 'version.txt'), '0\n');
    const control = join(dir, 'control.sock');
    const dev = spawn(process.execPath, [HOLDFAST_BIN, 'dev', '--control', control, '-l', 'http=tcp://127.0.0.1:0', '-w', 'version.txt', '--', 'node', 'server.mjs'],
      { cwd: dir, env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json' }, stdio: 'ignore' });
    const status = async () => (await callControl<StatusBody>(control, 'GET', '/status')).body;
    try {
      await until('generation 1 ready', async () => { const x = await status(); return x.generation === 1 && x.workers.some((w) => w.state === 'ready'); });
      await sleep(500); // the watcher's initial scan
      writeFileSync(join(dir, 'version.txt'), '1\n');
      await until('generation 2 serving', async () => (await status()).generation === 2);
    } finally {
      dev.kill('SIGINT');
      await new Promise((r) => dev.once('exit', r));
    }
  });

  it('refuses a missing --watch path with exit 2, naming it', async () => {
    const missing = join(tmp.dir, 'no-such-dir');
    const r = await runCli(['dev', '--control', join(tmp.dir, 'c2.sock'), '-w', missing, '--', 'node', 'server.mjs'], { cwd: tmp.dir });
    expect(r.code).toBe(2);
    expect(r.out).toContain(`--watch ${missing}: no such file or directory`);
  });
});
