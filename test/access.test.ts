// Who may talk to the holder: sd_notify from foreign processes is ignored; the control API is the holder's uid's.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { fixture, HolderProcess, reloadWith } from './helpers/holdfast.js';

let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

const notifySocketOf = (pid: number) =>
  readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith('NOTIFY_SOCKET='))!.slice('NOTIFY_SOCKET='.length);

it('READY=1 from a process that is not our worker is ignored and logged; the never-ready generation still rolls back', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--ready-timeout', '2s', '--', process.execPath, fixture('ok-app.mjs')]);
  const s = await holder.waitReady(1);
  const notifySocket = notifySocketOf(s.workers[0].pid);
  const reload = reloadWith(holder, { command: [process.execPath, fixture('never-ready.mjs')] });
  await new Promise((r) => setTimeout(r, 500));
  const py = spawnSync('/usr/bin/python3', ['-c', 'import os,sys; from systemd import daemon; print(daemon.notify("READY=1"))'],
    { env: { ...process.env, NOTIFY_SOCKET: notifySocket }, encoding: 'utf8' });
  expect(py.stdout.trim()).toBe('True');
  const r = await reload;
  expect(r.statusCode).toBe(409);
  expect(holder.output).toMatch(/ignored sd_notify message from a process that is not one of our workers/);
  expect((await holder.status()).workers.map((w) => w.pid)).toEqual([s.workers[0].pid]);
});

it('control socket is mode 0600 and refuses another uid even when its mode is opened up (SO_PEERCRED)', async () => {
  holder = new HolderProcess(['-l', 'http=tcp://127.0.0.1:0', '--', process.execPath, fixture('ok-app.mjs')]);
  await holder.waitReady(1);
  expect(statSync(holder.control).mode & 0o777).toBe(0o600);
  chmodSync(holder.dir, 0o755);
  chmodSync(holder.control, 0o666);
  const script = `
import os, socket
os.setgid(65534); os.setuid(65534)
s = socket.socket(socket.AF_UNIX); s.connect(${JSON.stringify(holder.control)})
s.sendall(b"GET /status HTTP/1.1\\r\\nHost: holdfast\\r\\nConnection: close\\r\\n\\r\\n")
print(s.recv(200).split(b"\\r\\n")[0].decode())`;
  const py = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  expect(py.stderr).toBe('');
  expect(py.stdout.trim()).toBe('HTTP/1.1 403 Forbidden');
  expect((await holder.status()).state).toBe('running');
});
