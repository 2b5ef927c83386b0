// Every kind holdfast can hold survives a gap: what is sent while no worker reads (a connection, a datagram, a
// netlink message, a FIFO write, a queue message, bytes appended to a special file) is received by the next worker.
// The worker is Python (python3-systemd) so that every kind is read by code that knows nothing of holdfast.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { unlinkMessageQueue } from '@holdfast/native';
import { alive, fixture, HolderProcess, sleep, until } from './helpers/holdfast.js';

let holder: HolderProcess | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => { await holder?.stop(); holder = undefined; for (const c of cleanups.splice(0)) c(); });

interface Recv { pid: number; name: string; kind: string; data: string }
const received = (h: HolderProcess): Recv[] =>
  h.output.split('\n').filter((l) => l.startsWith('RECV ')).map((l) => JSON.parse(l.slice(5)) as Recv);

function send(kind: string, address: string, message: string): { child: ChildProcess; done: Promise<string> } {
  let child!: ChildProcess;
  const done = new Promise<string>((resolve, reject) => {
    child = execFile('/usr/bin/python3', [fixture('interop-kinds-client.py'), kind, address, message], { timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${kind} ${address}: ${stderr || err.message}`)) : resolve(stdout.trim())));
  });
  return { child, done };
}


it('each kind: something sent while no worker reads is received by the next worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-kinds-'));
  const queue = `/holdfast-kinds-${process.pid}`;
  const gate = join(dir, 'gate');
  const special = join(dir, 'special.log');
  writeFileSync(gate, '');
  writeFileSync(special, '');
  cleanups.push(() => { rmSync(dir, { recursive: true, force: true }); try { unlinkMessageQueue(queue); } catch { /* gone */ } });
  const abs = `@holdfast-kinds-${process.pid}`;
  // name → [spec, client kind, client address (filled in from status for ports)]
  const kinds: Record<string, [string, string, string]> = {
    tcp4: ['tcp://127.0.0.1:0', 'tcp4', ''],
    tcp6: ['tcp://[::1]:0', 'tcp6', ''],
    udp4: ['udp://127.0.0.1:0', 'udp4', ''],
    udp6: ['udp://[::1]:0', 'udp6', ''],
    ustream: [`unix:${dir}/s.sock`, 'unix-stream', `${dir}/s.sock`],
    ustreamabs: [`unix:${abs}-s`, 'unix-stream', `${abs}-s`],
    udgram: [`unix-dgram:${dir}/d.sock`, 'unix-dgram', `${dir}/d.sock`],
    udgramabs: [`unix-dgram:${abs}-d`, 'unix-dgram', `${abs}-d`],
    useq: [`unix-seqpacket:${dir}/q.sock`, 'unix-seqpacket', `${dir}/q.sock`],
    useqabs: [`unix-seqpacket:${abs}-q`, 'unix-seqpacket', `${abs}-q`],
    fifo: [`fifo:${dir}/f.fifo`, 'fifo', `${dir}/f.fifo`],
    netlink: ['netlink:usersock:1', 'netlink', '2:1'],
    mqueue: [`mqueue:${queue}?maxmsg=10&msgsize=128`, 'mqueue', queue],
    special: [`special:${special}`, 'special', special],
  };
  const args = Object.entries(kinds).flatMap(([name, [spec]]) => ['-l', `${name}=${spec}`]);
  holder = new HolderProcess([...args, '--ready-timeout', '40s', '--', '/usr/bin/python3', fixture('interop-kinds-worker.py')], { env: { GATE: gate } });
  const status = await until('holder up', async () => { try { const s = await holder!.status(); return s.workers.length ? s : undefined; } catch { return undefined; } });
  for (const s of status.sockets) {
    const m = /^\w+:\/\/(.*)$/.exec(s.bound);
    if (m && kinds[s.name][2] === '') kinds[s.name][2] = m[1];
  }

  const sendAll = async (tag: string) => {
    const sent = Object.entries(kinds).map(([name, [, kind, address]]) => ({ name, ...send(kind, address, `${tag}-${name}`) }));
    // Datagram-like sends finish at once; connection kinds finish when a worker answers.
    return sent;
  };

  // Generation 1 reads phase A: the live path works for every kind.
  const a = await sendAll('A');
  await holder.waitReady(1, 40_000);
  const gen1 = received(holder);
  expect(gen1.map((r) => `${r.name}=${r.data}`).sort()).toEqual(Object.keys(kinds).map((n) => `${n}=A-${n}`).sort());
  for (const s of a) expect(await s.done).toBe(['tcp4', 'tcp6', 'ustream', 'ustreamabs', 'useq', 'useqabs'].includes(s.name) ? `ok:A-${s.name}` : '');
  const pid1 = gen1[0].pid;

  // The gap: the worker is killed; its replacement waits at the gate without reading. Phase B is sent now.
  unlinkSync(gate);
  process.kill(pid1, 'SIGKILL');
  await until('worker 1 gone', () => (alive(pid1) ? undefined : true));
  const b = await sendAll('B');
  await Promise.all(b.filter((s) => !['tcp4', 'tcp6', 'ustream', 'ustreamabs', 'useq', 'useqabs'].includes(s.name)).map((s) => s.done));
  await sleep(300); // connection kinds: the clients are connected and waiting in the accept queues
  expect(received(holder).filter((r) => r.data.startsWith('B-'))).toEqual([]);

  writeFileSync(gate, '');
  const gen2 = await until('phase B received', () => { const r = received(holder!).filter((x) => x.data.startsWith('B-')); return r.length === Object.keys(kinds).length ? r : undefined; });
  expect(gen2.map((r) => `${r.name}=${r.data}`).sort()).toEqual(Object.keys(kinds).map((n) => `${n}=B-${n}`).sort());
  expect(new Set(gen2.map((r) => r.pid)).size).toBe(1);
  expect(gen2[0].pid).not.toBe(pid1);
  for (const s of b) expect(await s.done).toBe(['tcp4', 'tcp6', 'ustream', 'ustreamabs', 'useq', 'useqabs'].includes(s.name) ? `ok:B-${s.name}` : '');
});
