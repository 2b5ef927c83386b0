// Config and flag parsing as a new user meets it: a broken package.json only matters to commands that need the
// config; a UTF-8 BOM is fine; durations and counts in exactly the documented formats; --version; the holder found
// from a subdirectory; no directory created silently; status names a crash loop for what it is.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, HOLDFAST_BIN, runCli, until } from './helpers/holdfast.js';
import { tempDir } from './fixtures/cli-apps.js';

const dirs: (() => void)[] = [];
afterAll(() => { for (const c of dirs) c(); });
function project(files: Record<string, string>): string {
  const t = tempDir('input');
  dirs.push(t.cleanup);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(t.dir, name), content);
  return t.dir;
}
const noEnv = { HOLDFAST_CONTROL: '' };

describe('config and flags', () => {
  it('a broken package.json: run exits 2 naming it, status exits 5 (no holder), not 2', async () => {
    const dir = project({ 'package.json': '{ "name": "app", ' });
    const run = await runCli(['run', '--', 'node', 'x.mjs'], { cwd: dir, env: noEnv });
    expect(run.code).toBe(2);
    expect(run.out).toContain(`${join(dir, 'package.json')} is not valid JSON`);
    const status = await runCli(['status'], { cwd: dir, env: noEnv });
    expect(status.code, status.out).toBe(5);
    expect(status.out).toContain('no holdfast answers on');
  });

  it('a config file with a UTF-8 BOM is read (exit 0); 1h is a documented duration', async () => {
    const dir = project({ 'holdfast.config.json': `\uFEFF${JSON.stringify({ listen: { http: 'tcp://127.0.0.1:8080' }, command: ['node', 'x.mjs'] })}` });
    const r = await runCli(['unit', '--name', 'app', '--ready-timeout', '1h'], { cwd: dir, env: noEnv });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('--ready-timeout 3600000ms');
    expect(r.out).toContain('ListenStream=127.0.0.1:8080');
  });

  for (const [what, args, files, pattern] of [
    ['"30 s"', ['--ready-timeout', '30 s'], {}, /--ready-timeout must be a duration like 250ms, 1\.5s, 30s, 2m, 1h or a whole number of milliseconds; got "30 s"/],
    ['"30d"', ['--drain-timeout', '30d'], {}, /--drain-timeout must be a duration like .*; got "30d"/],
    ['"workers": "2"', [], { 'holdfast.config.json': JSON.stringify({ command: ['node', 'x.mjs'], workers: '2' }) }, /"workers" must be a whole number of worker processes, 1 to 1024, or "max" \(one per CPU\); a number is a JSON number, not a string; got "2"/],
  ] as const) {
    it(`refuses ${what} with exit 2`, async () => {
      const dir = project(files as Record<string, string>);
      const r = await runCli(['run', ...args, '--', 'node', 'x.mjs'], { cwd: dir, env: noEnv });
      expect(r.code, r.out).toBe(2);
      expect(r.out).toMatch(pattern);
    });
  }

  it('--version prints the package version, exit 0', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe((JSON.parse(readFileSync(join(HOLDFAST_BIN, '../../package.json'), 'utf8')) as { version: string }).version);
  });

  it('--control in a directory that does not exist: exit 2 naming it, nothing created', async () => {
    const dir = project({});
    const missing = join(dir, 'no-such-dir');
    const r = await runCli(['run', '--control', join(missing, 'x.sock'), '--', 'node', 'x.mjs'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.out).toContain(`--control ${join(missing, 'x.sock')}: the directory ${missing} does not exist`);
    expect(existsSync(missing)).toBe(false);
  });

  it('a "control" from the config file in a directory that does not exist: names the file\'s key, not a --control flag never passed', async () => {
    const dir = project({ 'holdfast.config.json': JSON.stringify({ control: 'no-such-dir/control.sock', command: ['node', 'x.mjs'] }) });
    const r = await runCli(['run'], { cwd: dir, env: noEnv });
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain(`"control" in ${join(dir, 'holdfast.config.json')}: "${join(dir, 'no-such-dir/control.sock')}": the directory ${join(dir, 'no-such-dir')} does not exist`);
    expect(r.out).not.toContain('--control');
  });
});

describe('status of a holder started in a parent directory', () => {
  it('is found from a subdirectory and names a crash loop (not "last reload failed")', async () => {
    const dir = project({ 'server.mjs': readFileSync(fixture('crash-on-start.mjs'), 'utf8') });
    mkdirSync(join(dir, 'src/lib'), { recursive: true });
    const holder = spawn(process.execPath, [HOLDFAST_BIN, 'run', '-l', 'http=tcp://127.0.0.1:0', '--', 'node', 'server.mjs'],
      { cwd: dir, env: { ...process.env, ...noEnv, HOLDFAST_LOG_FORMAT: 'json' }, stdio: 'ignore' });
    try {
      const sub = join(dir, 'src/lib');
      await until('two failed starts, seen from src/lib', async () => {
        const r = await runCli(['status', '--json'], { cwd: sub, env: noEnv });
        return r.code === 0 && (JSON.parse(r.out) as { failures: number }).failures >= 2;
      }, 30_000);
      const r = await runCli(['status'], { cwd: sub, env: noEnv });
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/crash loop: \d+ failed starts or crashes in a row, restarting with backoff \(gives up after 10\): generation \d+ \(pid \d+\) exited with code 1 before READY=1/);
      expect(r.out).not.toContain('last reload failed');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
