import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeFd, inspectFd, notifySend, NotifySocket, openSocket, type NotifyMessage } from '../src/index.js';
import { tempDir, withTimeout } from './helpers.js';

// What any sd_notify client does, including the '@' → NUL rewrite for abstract addresses.
const PY_NOTIFY = `
import socket, os
addr = os.environ["NOTIFY_SOCKET"]
if addr.startswith("@"): addr = "\\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1", addr)
`;

function nextMessage(sock: NotifySocket): Promise<NotifyMessage> {
  return withTimeout(new Promise((resolve) => sock.onMessage(resolve)), 5000, 'notify message');
}

async function childNotifies(path: string): Promise<void> {
  const sock = NotifySocket.bind(path);
  try {
    const messages: NotifyMessage[] = [];
    const first = new Promise<void>((resolve) =>
      sock.onMessage((m) => {
        messages.push(m);
        resolve();
      }),
    );
    const child = spawn('python3', ['-c', PY_NOTIFY], { env: { ...process.env, NOTIFY_SOCKET: path }, stdio: 'inherit' });
    await withTimeout(first, 5000, 'READY=1');
    expect(messages[0]!.pid).toBe(child.pid);
    expect(messages[0]!.uid).toBe(process.getuid!());
    expect(messages[0]!.data.toString()).toBe('READY=1');
    expect(messages[0]!.fds).toEqual([]);
    await new Promise((r) => child.once('exit', r));
  } finally {
    sock.close();
  }
}

describe('NotifySocket', () => {
  it('receives READY=1 from a child on a filesystem path, with its pid', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'notify');
      await childNotifies(path);
      expect(existsSync(path)).toBe(false); // close() unlinked it
    } finally {
      cleanup();
    }
  });

  it('receives on an abstract address', async () => {
    await childNotifies(`@holdfast-notify-${process.pid}`);
  });

  it('passes fds with SCM_RIGHTS (FDSTORE=1)', async () => {
    const sock = NotifySocket.bind(`@holdfast-fdstore-${process.pid}`);
    const listener = openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1' });
    try {
      const got = nextMessage(sock);
      notifySend(sock.path, 'FDSTORE=1\nFDNAME=http', [listener]);
      const msg = await got;
      expect(msg.pid).toBe(process.pid);
      expect(msg.data.toString()).toBe('FDSTORE=1\nFDNAME=http');
      expect(msg.fds).toHaveLength(1);
      const received = msg.fds[0]!;
      expect(received).not.toBe(listener);
      expect(inspectFd(received)).toEqual(inspectFd(listener));
      expect(inspectFd(received).cloexec).toBe(true); // MSG_CMSG_CLOEXEC
      closeFd(received);
    } finally {
      closeFd(listener);
      sock.close();
    }
  });

  it('unlinks a stale socket file before binding and delivers several queued datagrams in order', async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, 'notify');
    try {
      NotifySocket.bind(path).fd; // leaves a socket file behind after we drop it without close
      const sock = NotifySocket.bind(path);
      for (let i = 0; i < 10; i++) notifySend(path, `STATUS=${i}`);
      const seen: string[] = [];
      await withTimeout(
        new Promise<void>((resolve) =>
          sock.onMessage((m) => {
            seen.push(m.data.toString());
            if (seen.length === 10) resolve();
          }),
        ),
      );
      expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `STATUS=${i}`));
      sock.close();
      sock.close(); // idempotent
    } finally {
      cleanup();
    }
  });

  it('drops truncated datagrams (> 4096 bytes)', async () => {
    const sock = NotifySocket.bind(`@holdfast-trunc-${process.pid}`);
    try {
      notifySend(sock.path, Buffer.alloc(5000, 65));
      notifySend(sock.path, 'READY=1');
      const msg = await nextMessage(sock);
      expect(msg.data.toString()).toBe('READY=1');
    } finally {
      sock.close();
    }
  });

  it('runs microtasks queued by a listener before the next message', async () => {
    const sock = NotifySocket.bind(`@holdfast-micro-${process.pid}`);
    try {
      const order: string[] = [];
      const done = new Promise<void>((resolve) =>
        sock.onMessage((m) => {
          const s = m.data.toString();
          order.push(s);
          queueMicrotask(() => {
            order.push(`micro-${s}`);
            if (s === 'B') resolve();
          });
        }),
      );
      notifySend(sock.path, 'A');
      notifySend(sock.path, 'B');
      await withTimeout(done);
      expect(order).toEqual(['A', 'micro-A', 'B', 'micro-B']);
    } finally {
      sock.close();
    }
  });

  it('keeps the loop alive while reading unless unref()ed', async () => {
    // Runs against the compiled dist/ (the root `pnpm test` builds first).
    const dist = new URL('../dist/index.js', import.meta.url).href;
    const script = (unref: boolean) =>
      `import { NotifySocket } from ${JSON.stringify(dist)};
       const s = NotifySocket.bind('@holdfast-ref-' + process.pid);
       s.onMessage(() => {});
       ${unref ? 's.unref();' : ''}`;
    const exitsWithin = (unref: boolean, ms: number) =>
      new Promise<boolean>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script(unref)], { stdio: 'inherit' });
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(false);
        }, ms);
        child.once('exit', (code) => {
          clearTimeout(t);
          resolve(code === 0);
        });
      });
    const [unrefd, refd] = await Promise.all([exitsWithin(true, 3000), exitsWithin(false, 1000)]);
    expect(unrefd).toBe(true);
    expect(refd).toBe(false);
  });

  it('close() is final', () => {
    const sock = NotifySocket.bind(`@holdfast-closed-${process.pid}`);
    sock.onMessage(() => {});
    sock.close();
    expect(sock.closed).toBe(true);
    sock.unref(); // no-ops after close
    expect(() => sock.onMessage(() => {})).toThrow(/closed/);
  });

  it('notifySend errors are Node-shaped', () => {
    expect(() => notifySend('/nonexistent/holdfast/notify', 'READY=1')).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'sendmsg', address: '/nonexistent/holdfast/notify' }),
    );
    expect(() => notifySend(`@holdfast-nobody-${process.pid}`, 'READY=1')).toThrow(
      expect.objectContaining({ code: 'ECONNREFUSED', syscall: 'sendmsg' }),
    );
    expect(() => notifySend('', 'READY=1')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });
});
