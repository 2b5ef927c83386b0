// A new generation that never sends READY=1 is killed at the deadline; the old one keeps serving.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { alive, fixture, HolderProcess } from './helpers/holdfast.js';
import { startLoad } from './helpers/load.js';

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

it('never-ready generation: killed at --ready-timeout, reload exits non-zero, old generation serves throughout', async () => {
  const modeFile = join(mkdtempSync(join(tmpdir(), 'holdfast-mode-')), 'mode');
  writeFileSync(modeFile, 'ok');
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--ready-timeout', '4s', '--', process.execPath, fixture('switchable.mjs')],
    { env: { MODE_FILE: modeFile } });
  const s1 = await holder.waitReady(1);
  const oldPid = s1.workers[0].pid;
  const { port } = await holder.address('http');
  const load = startLoad(`http://127.0.0.1:${port}`, { connections: 20, mode: 'keep-alive' });

  writeFileSync(modeFile, 'never-ready');
  const r = await holder.reloadCli();
  expect(r.code).not.toBe(0);
  // Killed at the deadline, never taken for ready (invariant 4).
  expect(r.out).toMatch(/READY=1 within 4000 ms/);

  const s = await holder.status();
  expect(s.generation).toBe(1);
  expect(s.workers.map((w) => w.pid)).toEqual([oldPid]);
  expect(alive(oldPid)).toBe(true);

  writeFileSync(modeFile, 'crash');
  const r2 = await holder.reloadCli();
  expect(r2.code).not.toBe(0);
  expect(r2.out).toMatch(/exited with code 1 before READY=1/);

  writeFileSync(modeFile, 'ok');
  const r3 = await holder.reloadCli();
  expect(r3.code, r3.out).toBe(0);
  const report = await load.stop();
  expect(report.errors).toEqual({});
  expect(report.non2xx).toBe(0);
  expect(report.ok).toBeGreaterThan(100);
});
