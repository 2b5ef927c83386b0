// One family of fd checks, answering as sd_is_socket(3), sd_is_socket_inet(3), sd_is_socket_unix(3), sd_is_fifo(3),
// sd_is_special(3) and sd_is_mq(3) do, on real fds.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeFd, fdMismatch, inspectFd, isFifo, isSocket, isSocketInet, isSocketUnix, isSpecial, openFifo, openSocket,
} from '../src/index.js';
import { tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
const tcp = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 });
const udp6 = openSocket({ family: 'inet6', type: 'dgram', host: '::1', port: 0 });
const unixPath = join(dir, 's.sock');
const unix = openSocket({ family: 'unix', type: 'stream', path: unixPath });
const fifoPath = join(dir, 'f.fifo');
const fifo = openFifo(fifoPath).fd;
const file = openSync(fileURLToPath(import.meta.url), 'r');
const port = inspectFd(tcp).port!;
afterAll(() => { for (const fd of [tcp, udp6, unix, fifo]) closeFd(fd); closeSync(file); cleanup(); });

describe('is* (sd_is_*)', () => {
  it('sd_is_socket: family, type, listening', () => {
    expect(isSocket(tcp)).toBe(true);
    expect(isSocket(tcp, { family: 'inet', type: 'stream', listening: true })).toBe(true);
    expect(isSocket(tcp, { type: 'dgram' })).toBe(false);
    expect(isSocket(udp6, { listening: true })).toBe(false);
    expect(isSocket(fifo)).toBe(false);
  });

  it('sd_is_socket_inet: either inet family unless one is named, and the port', () => {
    expect(isSocketInet(tcp, { port })).toBe(true);
    expect(isSocketInet(udp6)).toBe(true);
    expect(isSocketInet(udp6, { family: 'inet' })).toBe(false);
    expect(isSocketInet(tcp, { port: port === 1 ? 2 : 1 })).toBe(false);
    expect(isSocketInet(unix)).toBe(false);
  });

  it('sd_is_socket_unix: the bound path', () => {
    expect(isSocketUnix(unix, { type: 'stream', listening: true, path: unixPath })).toBe(true);
    expect(isSocketUnix(unix, { path: '/elsewhere' })).toBe(false);
    expect(isSocketUnix(tcp)).toBe(false);
  });

  it('sd_is_fifo and sd_is_special: the kind, and the same inode as a path', () => {
    expect(isFifo(fifo)).toBe(true);
    expect(isFifo(fifo, fifoPath)).toBe(true);
    expect(isFifo(fifo, fileURLToPath(import.meta.url))).toBe(false);
    expect(isFifo(tcp)).toBe(false);
    expect(isSpecial(file, fileURLToPath(import.meta.url))).toBe(true);
    expect(isSpecial(fifo)).toBe(false);
  });
});

describe('fdMismatch', () => {
  it('names what the fd is and the first thing expected of it', () => {
    expect(fdMismatch(tcp, { type: 'dgram' })).toBe(`a listening inet stream socket on 127.0.0.1:${port}; expected a dgram socket`);
    expect(fdMismatch(udp6, { family: 'inet' })).toMatch(/^an inet6 dgram socket on \[::1\]:\d+; expected an inet socket$/);
    expect(fdMismatch(fifo, { type: 'stream' })).toBe('a fifo; expected a socket');
    expect(fdMismatch(tcp, { kind: 'fifo' })).toMatch(/; expected a FIFO$/);
    expect(fdMismatch(tcp, { family: ['inet6', 'unix'] })).toMatch(/; expected an inet6 or unix socket$/);
    expect(fdMismatch(tcp, { family: 'inet-any', type: 'stream', listening: true, port })).toBeUndefined();
  });

  it('says when the fd is not open', () => {
    const fd = openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1' });
    closeFd(fd);
    expect(fdMismatch(fd, { kind: 'socket' })).toBe('not open (EBADF)');
  });
});
