import { closeSync, openSync, statSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeFd, dupFd, inspectFd, openSocket, peerCredentials, setCloexec } from '../src/index.js';
import { tempDir, withTimeout } from './helpers.js';

describe('fd operations', () => {
  it('dupFd gives a close-on-exec copy of the same socket at >= minFd', () => {
    const fd = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1' });
    const copy = dupFd(fd, 100);
    expect(copy).toBeGreaterThanOrEqual(100);
    const a = inspectFd(fd);
    expect(inspectFd(copy)).toEqual(a);
    setCloexec(copy, false);
    expect(inspectFd(copy).cloexec).toBe(false);
    setCloexec(copy, true);
    expect(inspectFd(copy).cloexec).toBe(true);
    closeFd(copy);
    closeFd(fd);
  });

  it('throws Node-shaped EBADF', () => {
    const fd = openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1' });
    closeFd(fd);
    for (const f of [() => closeFd(fd), () => inspectFd(fd), () => dupFd(fd), () => setCloexec(fd, true)]) {
      expect(f).toThrow(expect.objectContaining({ code: 'EBADF', errno: -9 }));
    }
    expect(() => closeFd(fd)).toThrow(`close EBADF fd ${fd}`);
    expect(() => closeFd(-1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('inspects non-sockets', () => {
    const f = openSync(fileURLToPath(import.meta.url), 'r');
    expect(inspectFd(f)).toMatchObject({ kind: 'file', cloexec: true, access: 'read' });
    expect(inspectFd(f).ino).toBe(statSync(fileURLToPath(import.meta.url)).ino);
    closeSync(f);
  });

  it('peerCredentials of a unix connection are this process', async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, 'peer.sock');
    const server = net.createServer();
    try {
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const accepted = withTimeout(new Promise<net.Socket>((resolve) => server.once('connection', resolve)), 5000, 'connection');
      const client = net.connect(path);
      const conn = await accepted;
      const fd = (conn as any)._handle.fd as number;
      expect(peerCredentials(fd)).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
      client.destroy();
      conn.destroy();
    } finally {
      server.close();
      cleanup();
    }
  });
});
