import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFd, dupFd, inspectFd, openSocket, type OpenSocketOptions } from '../src/index.js';
import { listenQueue, tempDir, withTimeout } from './helpers.js';

const PY_CONNECT = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\\0" + sys.argv[1][1:])
`;

const opened: number[] = [];
function open(opts: OpenSocketOptions, name?: string): number {
  const fd = openSocket(opts, name);
  opened.push(fd);
  return fd;
}
afterEach(() => {
  for (const fd of opened.splice(0)) {
    try {
      closeFd(fd);
    } catch {
      /* closed by the test */
    }
  }
});

describe('openSocket inet', () => {
  it('opens a listening tcp4 socket that nobody accepts on', async () => {
    const fd = open({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0 });
    const info = inspectFd(fd);
    expect(info).toMatchObject({ kind: 'socket', family: 'inet', type: 'stream', listening: true, address: '127.0.0.1', cloexec: true });
    expect(info.port).toBeGreaterThan(0);
    expect(listenQueue(info.port!).sendQ).toBe(4096); // backlog (somaxconn is 4096 here)

    const client = net.connect(info.port!, '127.0.0.1');
    await withTimeout(new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject)), 5000, 'connect');
    // The handshake completed in the kernel; the connection waits in the accept queue.
    await new Promise((r) => setTimeout(r, 50));
    expect(listenQueue(info.port!).recvQ).toBe(1);
    client.destroy();
  });

  it('honours an explicit backlog', () => {
    const fd = open({ family: 'inet', type: 'stream', host: '127.0.0.1', backlog: 77 });
    expect(listenQueue(inspectFd(fd).port!).sendQ).toBe(77);
  });

  it('opens tcp6 on ::1, v6only by default', () => {
    const fd = open({ family: 'inet6', type: 'stream', host: '::1', port: 0 });
    expect(inspectFd(fd)).toMatchObject({ family: 'inet6', type: 'stream', listening: true, address: '::1' });
  });

  it('v6only on :: leaves the IPv4 port free; v6only:false takes it', () => {
    const v6 = open({ family: 'inet6', type: 'stream', host: '::' });
    const port = inspectFd(v6).port!;
    open({ family: 'inet', type: 'stream', host: '0.0.0.0', port });
    const dual = open({ family: 'inet6', type: 'stream', host: '::', v6only: false });
    const dualPort = inspectFd(dual).port!;
    expect(() => openSocket({ family: 'inet', type: 'stream', host: '0.0.0.0', port: dualPort })).toThrow(
      expect.objectContaining({ code: 'EADDRINUSE' }),
    );
  });

  it('opens udp4; a datagram sent before anyone reads waits and is read through a dup', async () => {
    const fd = open({ family: 'inet', type: 'dgram', host: '127.0.0.1', receiveBuffer: 1 << 20 });
    const info = inspectFd(fd);
    expect(info).toMatchObject({ family: 'inet', type: 'dgram', listening: false, cloexec: true });
    expect(info.receiveBuffer).toBe(2 << 20); // the kernel doubles SO_RCVBUF

    const sender = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => sender.send('hello', info.port!, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    sender.close();

    const receiver = dgram.createSocket('udp4');
    const got = withTimeout(new Promise<string>((resolve) => receiver.once('message', (m) => resolve(m.toString()))), 5000, 'datagram');
    receiver.bind({ fd: dupFd(fd) });
    expect(await got).toBe('hello');
    receiver.close();
  });

  it('EADDRINUSE is Node-shaped and names the socket', () => {
    const fd = open({ family: 'inet', type: 'stream', host: '127.0.0.1' });
    const port = inspectFd(fd).port!;
    let err: any;
    try {
      openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port }, 'http');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'EADDRINUSE', errno: -98, syscall: 'bind', address: '127.0.0.1', port });
    expect(err.message).toBe(`bind EADDRINUSE 127.0.0.1:${port} (socket "http")`);
  });

  it('does not leak the fd on failure', () => {
    const fd = open({ family: 'inet', type: 'stream', host: '127.0.0.1' });
    const port = inspectFd(fd).port!;
    const probe = dupFd(0, 3);
    closeFd(probe); // probe = lowest free fd now
    expect(() => openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port })).toThrow();
    const again = dupFd(0, 3);
    closeFd(again);
    expect(again).toBe(probe);
  });
});

describe('openSocket unix', () => {
  it('opens a unix stream socket on a path and accepts nothing', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 's.sock');
      const fd = open({ family: 'unix', type: 'stream', path });
      expect(inspectFd(fd)).toMatchObject({ family: 'unix', type: 'stream', listening: true, path, cloexec: true });
      const client = net.connect(path);
      await withTimeout(new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject)));
      client.destroy();
    } finally {
      cleanup();
    }
  });

  it('opens an abstract unix stream socket', async () => {
    const path = `@holdfast-test-${process.pid}`;
    const fd = open({ family: 'unix', type: 'stream', path });
    expect(inspectFd(fd)).toMatchObject({ family: 'unix', type: 'stream', listening: true, path });
    // Connect with python: Node 20's net pads abstract names to the full 108-byte sun_path (see README note),
    // so it cannot reach an exact-length abstract name; every other client (systemd, python, Go, C) can.
    const py = spawnSync('python3', ['-c', PY_CONNECT, path], { encoding: 'utf8' });
    expect(py.stderr).toBe('');
    expect(py.status).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
  });

  it('opens unix dgram and seqpacket sockets', () => {
    const { dir, cleanup } = tempDir();
    try {
      const d = open({ family: 'unix', type: 'dgram', path: join(dir, 'd.sock'), passCredentials: true });
      expect(inspectFd(d)).toMatchObject({ family: 'unix', type: 'dgram', listening: false });
      const s = open({ family: 'unix', type: 'seqpacket', path: `@holdfast-seq-${process.pid}` });
      expect(inspectFd(s)).toMatchObject({ family: 'unix', type: 'seqpacket', listening: true, path: `@holdfast-seq-${process.pid}` });
    } finally {
      cleanup();
    }
  });

  it('fails with EADDRINUSE on an existing path and leaves it in place', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 's.sock');
      open({ family: 'unix', type: 'stream', path });
      expect(() => openSocket({ family: 'unix', type: 'stream', path })).toThrow(
        expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind', address: path, message: `bind EADDRINUSE ${path}` }),
      );
      expect(existsSync(path)).toBe(true);
    } finally {
      cleanup();
    }
  });
});

describe('openSocket validation', () => {
  const cases: Array<[string, unknown, string]> = [
    ['family', { family: 'ipx', type: 'stream' }, 'ipx'],
    ['type', { family: 'inet', type: 'raw' }, 'raw'],
    ['type', { family: 'inet', type: 'seqpacket' }, 'seqpacket'],
    ['port', { family: 'inet', type: 'stream', port: 70000 }, '70000'],
    ['port', { family: 'inet', type: 'stream', port: 1.5 }, '1.5'],
    ['host', { family: 'inet', type: 'stream', host: 'localhost' }, 'localhost'],
    ['host', { family: 'inet', type: 'stream', host: '::1' }, '::1'],
    ['host', { family: 'inet6', type: 'stream', host: '127.0.0.1' }, '127.0.0.1'],
    ['path', { family: 'unix', type: 'stream' }, 'undefined'],
    ['path', { family: 'unix', type: 'stream', path: '/tmp/' + 'x'.repeat(120) }, 'x'.repeat(120)],
    ['path', { family: 'inet', type: 'stream', path: '/tmp/x' }, '/tmp/x'],
    ['backlog', { family: 'inet', type: 'stream', backlog: -1 }, '-1'],
    ['v6only', { family: 'inet', type: 'stream', v6only: true }, 'true'],
    ['receiveBuffer', { family: 'inet', type: 'dgram', receiveBuffer: 0 }, '0'],
  ];
  it.each(cases)('rejects a bad %s', (option, opts, shown) => {
    let err: any;
    try {
      openSocket(opts as OpenSocketOptions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.message).toContain(`"${option}"`);
    expect(err.message).toContain(shown);
  });
});
