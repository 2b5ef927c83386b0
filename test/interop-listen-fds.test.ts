// The worker side is strict: listenFds() adopts every kind a .socket unit passes (close-on-exec, so the worker's own
// children inherit none), and checks named fds as sd_is_socket(3) and its friends do, naming any mismatch.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { closeFd, execHelperPath, inspectFd, openFifo, openSocket } from '@holdfast/native';
import { fixture, ROOT } from './helpers/holdfast.js';

const http = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 });
const udp = openSocket({ family: 'inet6', type: 'dgram', host: '::1', port: 0 });
const fifo = openFifo(join(mkdtempSync(join(tmpdir(), 'holdfast-lfd-')), 'f.fifo')).fd;
const port = inspectFd(http).port!;
afterAll(() => { for (const fd of [http, udp, fifo]) closeFd(fd); });

/** Runs the fixture through holdfast-exec (LISTEN_PID = its pid) with the three fds at 3, 4, 5. */
function runWithFds(expectation: object): Promise<{ fds?: { fd: number; name: string; kind: string; cloexec: boolean }[]; code?: string; message?: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(execHelperPath, [process.execPath, fixture('interop-listen-fds-strict.mjs')], {
      cwd: ROOT, env: { ...process.env, LISTEN_FDS: '3', LISTEN_FDNAMES: 'http:udp:fifo', EXPECT: JSON.stringify(expectation) },
      stdio: ['ignore', 'pipe', 'inherit', http, udp, fifo],
    });
    let out = '';
    p.stdout!.on('data', (d) => { out += d; });
    p.once('exit', () => { try { resolve(JSON.parse(out)); } catch (e) { reject(e); } });
  });
}

it('adopts sockets and FIFOs alike, close-on-exec, when they are what the worker expects', async () => {
  const r = await runWithFds({ http: { family: 'inet-any', type: 'stream', listening: true, port }, udp: { family: 'inet6', type: 'dgram' }, fifo: { kind: 'fifo' } });
  expect(r.fds).toEqual([
    { fd: 3, name: 'http', kind: 'socket', cloexec: true },
    { fd: 4, name: 'udp', kind: 'socket', cloexec: true },
    { fd: 5, name: 'fifo', kind: 'fifo', cloexec: true },
  ]);
});

it.each([
  [{ http: { type: 'dgram' } }, 'ERR_HOLDFAST_FD_MISMATCH', `inherited fd 3 ("http") is a listening inet stream socket on 127.0.0.1:${port}; expected a dgram socket`],
  [{ http: { port: 1 } }, 'ERR_HOLDFAST_FD_MISMATCH', `inherited fd 3 ("http") is a listening inet stream socket on 127.0.0.1:${port}; expected a socket on port 1`],
  [{ udp: { family: 'inet' } }, 'ERR_HOLDFAST_FD_MISMATCH', 'inherited fd 4 ("udp") is an inet6 dgram socket on [::1]:'],
  [{ udp: { listening: true } }, 'ERR_HOLDFAST_FD_MISMATCH', 'expected a listening socket'],
  [{ fifo: { type: 'stream' } }, 'ERR_HOLDFAST_FD_MISMATCH', 'inherited fd 5 ("fifo") is a fifo; expected a socket'],
  [{ http: { kind: 'fifo' } }, 'ERR_HOLDFAST_FD_MISMATCH', 'expected a FIFO'],
  [{ web: { type: 'stream' } }, 'ERR_HOLDFAST_NO_LISTEN_FD', 'no inherited fd named "web"; inherited: "http", "udp", "fifo"'],
])('names the mismatch: %j', async (expectation, code, message) => {
  const r = await runWithFds(expectation);
  expect(r.code).toBe(code);
  expect(r.message).toContain(message);
});
