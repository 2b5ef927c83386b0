// Blue-green deploys on one box: `run --cwd /srv/app/current`, switch the symlink, reload → the new release
// serves; a broken release rolls back; `reload --cwd DIR` and `reload -- CMD` deploy directly. The reload CLI
// prints its progress (spawned, ready after, drained after).
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HolderProcess, runCli } from './helpers/holdfast.js';
import { getVersion, tempDir, until, writeApp } from './fixtures/cli-apps.js';

describe('blue-green deploy through a current symlink', () => {
  const tmp = tempDir('deploy');
  const releases = join(tmp.dir, 'releases');
  const current = join(tmp.dir, 'current');
  let holder: HolderProcess;
  let port = 0;

  /** Point `current` at a release atomically (symlink + rename), as deploy tools do. */
  const switchTo = (release: string) => {
    const next = join(tmp.dir, 'current.next');
    symlinkSync(join(releases, release), next);
    renameSync(next, current);
  };
  const generation = async () => (await holder.status()).generation;

  beforeAll(async () => {
    writeApp(join(releases, 'v1'), 'v1');
    writeApp(join(releases, 'v2'), 'v2');
    mkdirSync(join(releases, 'broken'));
    writeFileSync(join(releases, 'broken', 'server.mjs'), "console.error('broken release: missing config'); process.exit(1);\n");
    writeApp(join(releases, 'v3'), 'v3-alt', 'alt.mjs');
    switchTo('v1');
    holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--cwd', current, '--', 'node', 'server.mjs']);
    await holder.waitReady(1);
    port = (await holder.address('http')).port;
  });

  afterAll(async () => {
    await holder?.stop();
    tmp.cleanup();
  });

  it('runs the release the symlink names at each reload, and keeps the old one on a failed deploy', async () => {
    expect((await getVersion(port)).version).toBe('v1');

    switchTo('v2');
    const r = await holder.reloadCli();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/generation 2: spawned pid \d+/);
    expect(r.out).toMatch(/generation 2: pid \d+ ready after \d+ ms; draining pid \d+/);
    expect(r.out).toMatch(/generation 1: pid \d+ drained after \d+ ms/);
    expect((await getVersion(port)).version).toBe('v2');

    switchTo('broken');
    const bad = await holder.reloadCli();
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/reload failed, rolled back: generation 3 .* exited with code 1 before READY=1/);
    expect(holder.output).toContain('broken release: missing config');
    expect((await getVersion(port)).version).toBe('v2');
    expect(await generation()).toBe(2);
  });

  it('deploys a release directory with --cwd and a new command after --', async () => {
    const r = await runCli(['reload', '--control', holder.control, '--cwd', join(releases, 'v1')]);
    expect(r.code, r.out).toBe(0);
    expect((await getVersion(port)).version).toBe('v1');
    const s = await holder.status() as unknown as { launch: { cwd: string; command: string; args: string[] } };
    expect(s.launch.cwd).toBe(join(releases, 'v1'));

    // A different command in another directory; the old launch stays if it fails.
    const missing = await runCli(['reload', '--control', holder.control, '--cwd', join(releases, 'nope')]);
    expect(missing.code).toBe(2); // bad usage: the directory does not exist
    expect(missing.out).toContain(`cannot deploy ${join(releases, 'nope')}: the directory does not exist`);
    const alt = await runCli(['reload', '--control', holder.control, '--cwd', join(releases, 'v3'), '--', 'node', 'alt.mjs']);
    expect(alt.code, alt.out).toBe(0);
    expect((await getVersion(port)).version).toBe('v3-alt');
    const s2 = await holder.status() as unknown as { launch: { cwd: string; command: string; args: string[] } };
    expect(s2.launch).toEqual({ cwd: join(releases, 'v3'), command: 'node', args: ['alt.mjs'] });
    await until('no worker draining', async () => (await holder.status()).workers.length === 1);
  });
});
