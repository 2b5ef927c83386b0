// Unix socket path hygiene: a leftover socket file is replaced, a live one is refused by name (EADDRINUSE), workers
// never unlink the path across reloads, and the final stop removes it only while it is still the holder's own inode.
// Plus the systemd.socket(5) file options: SocketMode=, DirectoryMode=, RemoveOnStop=no.
import { lstatSync, mkdirSync, mkdtempSync, renameSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { callControl } from '@holdfast/cli';
import { closeFd, openSocket } from '@holdfast/native';
import { fixture, HolderProcess } from './helpers/holdfast.js';

const WORKER = fixture('interop-http-worker.mjs');
let holder: HolderProcess | undefined;
afterEach(async () => { await holder?.stop(); holder = undefined; });

function getOver(path: string): Promise<{ pid: number }> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path, () => c.write('GET / HTTP/1.0\r\n\r\n'));
    let data = '';
    c.setEncoding('utf8').on('data', (d) => { data += d; }).on('end', () => resolve(JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4))));
    c.on('error', reject);
  });
}

it('replaces a leftover socket file; workers never unlink it; the final stop removes its own inode only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-paths-'));
  const path = join(dir, 'run', 'app.sock');
  // A leftover from a dead service: a socket file nobody listens on.
  mkdirSync(join(dir, 'run'));
  closeFd(openSocket({ family: 'unix', type: 'stream', path }));
  await expect(getOver(path)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

  holder = new HolderProcess(['-l', `http=unix:${path}?mode=0660`, '--', process.execPath, WORKER]);
  await holder.waitReady(1);
  const ino = lstatSync(path).ino;
  expect(lstatSync(path).mode & 0o777).toBe(0o660);
  const pids = new Set<number>([(await getOver(path)).pid]);
  for (let i = 0; i < 2; i++) {
    const r = await callControl<{ ok: boolean }>(holder.control, 'POST', '/reload');
    expect(r.body.ok).toBe(true);
    expect(lstatSync(path).ino).toBe(ino); // the old worker drained and exited without touching the path
    // The old worker may still accept for the moment it takes to handle SIGTERM (it serves those requests);
    // the new one answers within a few tries.
    const before = pids.size;
    for (let t = 0; t < 50 && pids.size === before; t++) pids.add((await getOver(path)).pid);
  }
  expect(pids.size).toBe(3);

  await holder.stop();
  expect(lstatSync(path, { throwIfNoEntry: false })).toBeUndefined();
});

it('leaves a path that is no longer its own, and keeps it with remove-on-stop=false', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-paths-'));
  const path = join(dir, 'a.sock');
  const kept = join(dir, 'nested', 'deeper', 'b.sock');
  holder = new HolderProcess(['-l', `a=unix:${path}`, '-l', `b=unix:${kept}?remove-on-stop=false&dir-mode=0700`, '--', process.execPath, WORKER]);
  await holder.waitReady(1);
  expect(statSync(join(dir, 'nested', 'deeper')).mode & 0o777).toBe(0o700);
  // Someone else's socket now lives at the path (e.g. a newer holder took it over).
  renameSync(path, join(dir, 'moved.sock'));
  const other = openSocket({ family: 'unix', type: 'stream', path });
  const otherIno = lstatSync(path).ino;
  await holder.stop();
  expect(lstatSync(path).ino).toBe(otherIno);
  expect(lstatSync(kept).isSocket()).toBe(true);
  closeFd(other);
});

it('a live socket at the path is EADDRINUSE, named, and left alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-paths-'));
  const path = join(dir, 'live.sock');
  const server = net.createServer((c) => { c.on('error', () => {}); c.end('theirs'); }).listen(path);
  await new Promise((r) => server.once('listening', r));
  const ino = lstatSync(path).ino;
  holder = new HolderProcess(['-l', `http=unix:${path}`, '--', process.execPath, WORKER]);
  const exit = await holder.exited;
  expect(exit.code).toBe(3);
  expect(holder.output).toContain(`cannot open socket "http" (unix:${path}): ${path} is in use: a running process is listening on it (EADDRINUSE)`);
  expect(lstatSync(path).ino).toBe(ino);
  await new Promise((r) => server.close(r));
});
