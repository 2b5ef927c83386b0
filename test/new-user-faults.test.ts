// Faults a new user met with only the README: an app with no held socket never became ready; one address under two
// names fought itself; a deleted env file turned one crash into an outage; stop during start-up said "start failed";
// reload --cwd of a missing directory said "rolled back".
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fixture, HolderProcess, runCli, until } from './helpers/holdfast.js';
import { tempDir } from './fixtures/cli-apps.js';

const PLAIN = fixture('plain-port.cjs');
let holders: HolderProcess[] = [];
const cleanups: (() => void)[] = [];
afterAll(() => { for (const c of cleanups) c(); });
afterEach(async () => { await Promise.all(holders.map((h) => h.stop())); holders = []; });
const start = (args: string[], env: NodeJS.ProcessEnv = {}) => { const h = new HolderProcess(args, { env }); holders.push(h); return h; };

describe('new-user faults', () => {
  it('no -l: the app binding its own port becomes ready (READY=1 from the hook), no accept-queue talk', async () => {
    const h = start(['--', 'node', PLAIN], { PORT: '0' });
    const s = await h.waitReady(1);
    expect(s.state).toBe('running');
    expect(h.output).toContain('no socket is held');
    expect(h.output).not.toContain('did not send READY=1');
    expect(h.output).not.toContain('accept queue');
  });

  it('one address under two -l names: exit 2 naming both and the address', async () => {
    const r = await runCli(['run', '-l', 'http=tcp://127.0.0.1:41977', '-l', 'h2=tcp://127.0.0.1:41977', '--', 'node', PLAIN]);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain('--listen http=tcp://127.0.0.1:41977 and --listen h2=tcp://127.0.0.1:41977 are the same address');
    expect(r.out).not.toContain('EADDRINUSE');
  });

  it('env file deleted: reload refused before it takes a generation (exit 2), a crash restart keeps the old environment and warns', async () => {
    const t = tempDir('envfile');
    cleanups.push(t.cleanup);
    const envFile = join(t.dir, 'app.env');
    writeFileSync(envFile, 'APP_COLOR=blue\n');
    const h = start(['-l', 'http=tcp://127.0.0.1:0', '--workers', '2', '--env-file', envFile, '--', 'node', fixture('env-app.mjs')]);
    const s1 = await h.waitReady(1);
    renameSync(envFile, `${envFile}.bak`);
    const reload = await h.reloadCli();
    expect(reload.code, reload.out).toBe(2);
    expect(reload.out).toMatch(/^reload refused: env file \S+app\.env cannot be read \(ENOENT\); nothing changed, the serving generation keeps serving/);
    expect(reload.out).not.toMatch(/rolled back|could not be spawned|exited before it was ready/);
    // Nothing was spawned, so no generation number was used: the next reload that starts is generation 2.
    renameSync(`${envFile}.bak`, envFile);
    expect((await h.reloadCli()).code).toBe(0);
    const s2 = await h.waitReady(2);
    expect(s2.generation).toBe(2);
    expect(s1.generation).toBe(1);
    renameSync(envFile, `${envFile}.bak`);
    const crashed = s2.workers.find((w) => w.state === 'ready')!.pid;
    process.kill(crashed, 'SIGKILL');
    await until('the crashed slot restarted', async () => {
      const s = await h.status();
      return s.workers.length === 2 && s.workers.every((w) => w.state === 'ready' && w.pid !== crashed);
    }, 20_000);
    expect(h.output).toMatch(/crash restart: env file \S+app\.env cannot be read \(ENOENT\); generation \d+ starts with the environment generation 2 was started with/);
    const { host, port } = await h.address('http');
    for (let i = 0; i < 4; i++) expect(((await (await fetch(`http://${host}:${port}/`)).json()) as { color: string }).color).toBe('blue');
    const status = await runCli(['status', '--control', h.control]);
    expect(status.out).not.toContain('last reload failed');
  });

  it('stop during start-up (a held socket left unclaimed): info "stopped before READY=1", no "start failed"', async () => {
    const h = start(['-l', 'http=tcp://127.0.0.1:0', '-l', 'other=tcp://127.0.0.1:0', '--', 'node', fixture('never-ready.mjs')]);
    await until('a worker spawned', async () => (await h.status().catch(() => null))?.workers.length === 1, 15_000);
    const r = await runCli(['stop', '--control', h.control]);
    expect(r.code, r.out).toBe(0);
    await h.exited;
    expect(h.output).toMatch(/"level":"info"[^\n]*generation 1 stopped before READY=1: the holder is stopping/);
    expect(h.output).not.toMatch(/stopped before READY=1[^\n]*it ran to its end/);
    expect(h.output).not.toContain('start failed');
  });

  it('reload --cwd of a missing directory: exit 2, "does not exist", not "rolled back"', async () => {
    const h = start(['-l', 'http=tcp://127.0.0.1:0', '--', 'node', fixture('env-app.mjs')]);
    await h.waitReady(1);
    const r = await runCli(['reload', '--control', h.control, '--cwd', '/nonexistent-holdfast-dir']);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain('cannot deploy /nonexistent-holdfast-dir: the directory does not exist');
    expect(r.out).not.toContain('rolled back');
  });
});
