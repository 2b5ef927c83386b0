// Config file validation (refused with key, value and what is expected; exit 2), flags over the file, the
// package.json "holdfast" key, and a holder started from the file alone answering `status --json`, the status
// table and `/metrics`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { HOLDFAST_BIN, runCli } from './helpers/holdfast.js';
import { spawn } from 'node:child_process';
import { tempDir, until, writeApp } from './fixtures/cli-apps.js';

const dirs: (() => void)[] = [];
afterAll(() => { for (const c of dirs) c(); });

function project(files: Record<string, unknown>): string {
  const t = tempDir('cfg');
  dirs.push(t.cleanup);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(t.dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return t.dir;
}

describe('config validation', () => {
  const cases: [string, Record<string, unknown>, RegExp[]][] = [
    ['an unknown key, with a suggestion', { 'holdfast.config.json': { listen: { http: 'tcp://127.0.0.1:0' }, command: ['node', 'x.mjs'], redyTimeout: '5s' } },
      [/holdfast\.config\.json: unknown key "redyTimeout" \(value "5s"\); expected one of listen, command/, /did you mean "readyTimeout"/]],
    ['a bad duration', { 'holdfast.config.json': { command: ['node', 'x.mjs'], readyTimeout: 'fast' } },
      [/"readyTimeout" must be a duration like 250ms, 1.5s, 30s, 2m, 1h or a whole number of milliseconds, at least 1 ms and at most 24.8 days; got "fast"/]],
    ['a bad socket spec', { 'holdfast.config.json': { command: ['node', 'x.mjs'], listen: { http: 'tcp://127.0.0.1' } } },
      [/"listen\.http":/]],
    ['a command that is not an array', { 'holdfast.config.json': { command: 'node x.mjs' } },
      [/"command" must be a non-empty array of strings, e\.g\. \["node", "server\.mjs"\]; got "node x\.mjs"/]],
    ['an unknown dev key', { 'holdfast.config.json': { command: ['node', 'x.mjs'], dev: { wach: ['src'] } } },
      [/"dev": unknown key "wach" \(value \["src"\]\)/, /did you mean "watch"/]],
    ['a bad logLevel in package.json', { 'package.json': { name: 'x', holdfast: { command: ['node', 'x.mjs'], logLevel: 'loud' } } },
      [/package\.json "holdfast": "logLevel" must be one of fatal, error, warn, info, debug, trace, silent; got "loud"/]],
    ['config in two places', { 'holdfast.config.json': { command: ['node', 'x.mjs'] }, 'package.json': { holdfast: {} } },
      [/both .*holdfast\.config\.json and the "holdfast" key of .*package\.json configure holdfast/]],
    ['a bad worker count', { 'holdfast.config.json': { command: ['node', 'x.mjs'], workers: 0 } },
      [/"workers" must be a whole number of worker processes, 1 to 1024, or "max" \(one per CPU\); a number is a JSON number, not a string; got 0/]],
    ['an unknown reload strategy', { 'holdfast.config.json': { command: ['node', 'x.mjs'], reloadStrategy: 'canary' } },
      [/"reloadStrategy" must be one of rolling, all-at-once; got "canary"/]],
    ['a bad watchdog duration', { 'holdfast.config.json': { command: ['node', 'x.mjs'], watchdog: 'often' } },
      [/"watchdog" must be a duration like 10s, or 0 to disable; got "often"/]],
    ['invalid JSON', { 'holdfast.config.json': '{ "command": [ }' }, [/holdfast\.config\.json is not valid JSON/, /hint: Fix .*holdfast\.config\.json at line 1, column 16 \(ValueExpected\)/]],
    ['no command anywhere', { 'holdfast.config.json': { listen: { http: 'tcp://127.0.0.1:0' } } }, [/no command: give it after --/]],
  ];
  for (const [what, files, patterns] of cases) {
    it(`refuses ${what} with exit 2 before opening anything`, async () => {
      const dir = project(files);
      const r = await runCli(['run', '--control', join(dir, 'c.sock')], { cwd: dir, env: { HOLDFAST_CONTROL: '' } });
      expect(r.code, r.out).toBe(2);
      for (const p of patterns) expect(r.out).toMatch(p);
    });
  }

  it('refuses a bad --log-level flag and a bad $HOLDFAST_LOG_LEVEL by name', async () => {
    const dir = project({});
    const flag = await runCli(['run', '--log-level', 'chatty', '--', 'node', 'x.mjs'], { cwd: dir });
    expect(flag.code).toBe(2);
    expect(flag.out).toMatch(/--log-level must be one of .*; got "chatty"/);
    const env = await runCli(['run', '--', 'node', 'x.mjs'], { cwd: dir, env: { HOLDFAST_LOG_LEVEL: 'chatty' } });
    expect(env.code).toBe(2);
    expect(env.out).toMatch(/\$HOLDFAST_LOG_LEVEL must be one of/);
  });
});

describe('a holder configured by holdfast.config.json', () => {
  it('takes everything from the file, lets flags win, and answers status --json, the table and /metrics', async () => {
    const dir = project({
      'holdfast.config.json': {
        listen: { http: 'tcp://127.0.0.1:0' },
        command: ['node', 'server.mjs'],
        control: 'run/control.sock',
        // Far too short for a fastify worker: only the --ready-timeout flag below lets generation 1 get ready.
        readyTimeout: '1ms',
        drainTimeout: '5s',
      },
    });
    writeApp(dir, 'from-config');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'run'));
    const control = join(dir, 'run/control.sock');
    const proc = spawn(process.execPath, [HOLDFAST_BIN, 'run', '--ready-timeout', '20s'], {
      cwd: dir, env: { ...process.env, HOLDFAST_LOG_FORMAT: 'json', HOLDFAST_CONTROL: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((r) => proc.once('exit', r));
    let out = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { out += d; });
    try {
      await until('generation 1 serving', async () => (await callControl<{ generation: number }>(control, 'GET', '/status')).body.generation === 1);
      expect(out).toContain('configuration loaded');

      // Control commands find the socket through the same config file.
      const json = await runCli(['status', '--json'], { cwd: dir, env: { HOLDFAST_CONTROL: '' } });
      expect(json.code, json.out).toBe(0);
      const s = JSON.parse(json.out) as { state: string; generation: number; controlPath: string; workers: { state: string }[]; sockets: { name: string }[] };
      expect(s).toMatchObject({ state: 'running', generation: 1, controlPath: control });
      expect(s.workers.map((w) => w.state)).toEqual(['ready']);
      expect(s.sockets.map((x) => x.name)).toEqual(['http']);

      const table = await runCli(['status'], { cwd: dir, env: { HOLDFAST_CONTROL: '' } });
      expect(table.code).toBe(0);
      for (const h of ['service', 'generation', 'pid', 'state', 'uptime', 'restarts', 'status', 'sockets']) expect(table.out).toContain(h);
      expect(table.out).toMatch(/running\s*│\s*1 \*\s*│\s*\d+\s*│\s*ready/);
      expect(table.out).toMatch(/http tcp:\/\/127\.0\.0\.1:\d+/);

      const raw = await callControl<string>(control, 'GET', '/metrics');
      expect(raw.statusCode).toBe(200);
      expect(raw.body).toMatch(/^holdfast_swaps_total\{outcome="ready"\} 1$/m);
      expect(raw.body).toMatch(/^holdfast_workers\{state="ready"\} 1$/m);
      expect(raw.body).toMatch(/^holdfast_ready_duration_seconds_count 1$/m);
      const m = await runCli(['metrics'], { cwd: dir, env: { HOLDFAST_CONTROL: '' } });
      expect(m.out).toMatch(/^holdfast_generation 1$/m);

      const stop = await runCli(['stop'], { cwd: dir, env: { HOLDFAST_CONTROL: '' } });
      expect(stop.code).toBe(0);
      expect(await exited).toBe(0);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${out}`);
    } finally {
      proc.kill('SIGKILL');
    }
  }, 120_000); // seven CLI processes on a busy 2-core machine

  it('exits 5 naming the socket when no holder answers', async () => {
    const dir = project({ 'holdfast.config.json': { command: ['node', 'x.mjs'], control: 'nobody.sock' } });
    const r = await runCli(['status'], { cwd: dir, env: { HOLDFAST_CONTROL: '' } });
    expect(r.code).toBe(5);
    expect(r.out).toContain(join(dir, 'nobody.sock'));
  });
});
