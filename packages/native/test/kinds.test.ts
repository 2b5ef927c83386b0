// Every non-inet kind a systemd .socket unit can hold, and the socket options of systemd.socket(5), opened by the
// native layer and checked with the kernel's own view (getsockopt, fstat, mq_getattr).
import { execFileSync } from 'node:child_process';
import { lstatSync, readSync, writeFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { native } from '../src/binding.js';
import {
  closeFd, inspectFd, messageQueueAttributes, openFifo, openMessageQueue, openSocket, openSpecial, probeUnixPath,
  unlinkMessageQueue, type OpenSocketOptions,
} from '../src/index.js';
import { tempDir } from './helpers.js';

const C = native.constants;
const isRoot = process.geteuid?.() === 0;
const toClose: number[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fd of toClose.splice(0)) try { closeFd(fd); } catch { /* closed */ }
  for (const c of cleanups.splice(0)) c();
});
const keep = (fd: number) => { toClose.push(fd); return fd; };
const dir = () => { const t = tempDir(); cleanups.push(t.cleanup); return t.dir; };
const opt = (fd: number, level: number, name: number) => native.getsockoptInt(fd, level, name);

describe('socket options (systemd.socket(5))', () => {
  it('TCP: keep-alive time/interval/count, no-delay, defer-accept, free-bind, backlog', () => {
    const fd = keep(openSocket({ family: 'inet', type: 'stream', host: '127.0.0.1', port: 0, keepAlive: true, keepAliveTime: 77,
      keepAliveInterval: 11, keepAliveCount: 4, noDelay: true, deferAccept: 3, freeBind: true }));
    expect(opt(fd, C.SOL_SOCKET, C.SO_KEEPALIVE)).toBe(1);
    expect(opt(fd, C.IPPROTO_TCP, C.TCP_KEEPIDLE)).toBe(77);
    expect(opt(fd, C.IPPROTO_TCP, C.TCP_KEEPINTVL)).toBe(11);
    expect(opt(fd, C.IPPROTO_TCP, C.TCP_KEEPCNT)).toBe(4);
    expect(opt(fd, C.IPPROTO_TCP, C.TCP_NODELAY)).toBe(1);
    expect(opt(fd, C.IPPROTO_TCP, C.TCP_DEFER_ACCEPT)).toBeGreaterThan(0); // the kernel rounds to retransmit periods
    expect(opt(fd, C.IPPROTO_IP, C.IP_FREEBIND)).toBe(1);
  });

  it('free-bind lets an IPv4 socket bind an address this host does not have', () => {
    const o: OpenSocketOptions = { family: 'inet', type: 'stream', host: '192.0.2.77', port: 0 };
    expect(() => openSocket(o, 'nofree')).toThrow(/bind EADDRNOTAVAIL 192\.0\.2\.77 \(socket "nofree"\)/);
    const fd = keep(openSocket({ ...o, freeBind: true }));
    expect(inspectFd(fd).address).toBe('192.0.2.77');
  });

  it('IPv6 free-bind and v6only', () => {
    const fd = keep(openSocket({ family: 'inet6', type: 'dgram', host: '2001:db8::5', port: 0, freeBind: true, v6only: true }));
    expect(opt(fd, C.IPPROTO_IPV6, C.IPV6_FREEBIND)).toBe(1);
    expect(opt(fd, C.IPPROTO_IPV6, C.IPV6_V6ONLY)).toBe(1);
  });

  it.runIf(isRoot)('root: transparent, mark and the force variants of the buffers (above rmem_max)', () => {
    const rmemMax = Number(execFileSync('cat', ['/proc/sys/net/core/rmem_max'], { encoding: 'utf8' }));
    const big = rmemMax * 2;
    const fd = keep(openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1', port: 0, transparent: true, mark: 42,
      receiveBuffer: big, sendBuffer: big, forceBuffers: true }));
    expect(opt(fd, C.IPPROTO_IP, C.IP_TRANSPARENT)).toBe(1);
    expect(opt(fd, C.SOL_SOCKET, C.SO_MARK)).toBe(42);
    expect(inspectFd(fd).receiveBuffer).toBe(big * 2); // not capped at rmem_max * 2
    const capped = keep(openSocket({ family: 'inet', type: 'dgram', host: '127.0.0.1', port: 0, receiveBuffer: big }));
    expect(inspectFd(capped).receiveBuffer).toBe(rmemMax * 2);
  });

  it('rejects options that do not apply, naming them', () => {
    expect(() => openSocket({ family: 'inet', type: 'dgram', port: 0, noDelay: true })).toThrow(/"noDelay" of openSocket must be unset unless the socket is TCP/);
    expect(() => openSocket({ family: 'unix', type: 'stream', path: '@x', freeBind: true })).toThrow(/"freeBind" .* unset unless family is 'inet' or 'inet6'/);
    expect(() => openSocket({ family: 'unix', type: 'stream', path: '@x', mode: 0o600 })).toThrow(/"mode" .* unset for an abstract unix socket/);
    expect(() => openSocket({ family: 'netlink', type: 'stream' })).toThrow(/'raw' or 'dgram' for family 'netlink'/);
  });

  it('unix socket file mode', () => {
    const path = join(dir(), 'm.sock');
    keep(openSocket({ family: 'unix', type: 'seqpacket', path, mode: 0o640 }));
    expect(lstatSync(path).mode & 0o7777).toBe(0o640);
  });
});

describe('non-socket kinds', () => {
  it('FIFO: created with its mode, read-write so writes in a gap neither block nor fail', () => {
    const path = join(dir(), 'a.fifo');
    const { fd, created } = openFifo(path, { mode: 0o620 });
    keep(fd);
    expect(created).toBe(true);
    expect(lstatSync(path).isFIFO()).toBe(true);
    expect(lstatSync(path).mode & 0o777).toBe(0o620);
    expect(inspectFd(fd)).toMatchObject({ kind: 'fifo', access: 'read-write', cloexec: true });
    // A writer opening the FIFO write-only does not block: the holder is a reader.
    const w = execFileSync('sh', ['-c', `printf hello > ${path}; echo ok`], { encoding: 'utf8', timeout: 5000 });
    expect(w.trim()).toBe('ok');
    const buf = Buffer.alloc(16);
    expect(buf.subarray(0, readSync(fd, buf)).toString()).toBe('hello');
    // An existing FIFO is reused; anything else at the path is EEXIST.
    const again = openFifo(path);
    keep(again.fd);
    expect(again.created).toBe(false);
    const file = join(dir(), 'plain');
    writeFileSync(file, 'x');
    expect(() => openFifo(file, { name: 'f' })).toThrow(/mkfifo EEXIST .*plain \(socket "f"\)/);
  });

  it('POSIX message queue: attributes, messages kept while nobody reads', () => {
    const name = `/holdfast-test-${process.pid}`;
    cleanups.push(() => unlinkMessageQueue(name));
    const fd = keep(openMessageQueue(name, { mode: 0o600, maxMessages: 5, messageSize: 64 }));
    expect(messageQueueAttributes(fd)).toEqual({ maxMessages: 5, messageSize: 64, currentMessages: 0, nonblocking: true });
    execFileSync('/usr/bin/python3', ['-c', PY_MQ_SEND, name, 'one', 'two']);
    expect(messageQueueAttributes(fd)?.currentMessages).toBe(2);
    expect(messageQueueAttributes(keep(openSpecial('/dev/null')))).toBeNull();
    expect(() => openMessageQueue('bad/name')).toThrow(/"name" of openMessageQueue must be a message queue name like '\/app'/);
  });

  it('special files and character devices are opened read-only', () => {
    const fd = keep(openSpecial('/dev/urandom'));
    expect(inspectFd(fd)).toMatchObject({ kind: 'char', access: 'read', cloexec: true });
    expect(() => writeSync(fd, 'x')).toThrow(/EBADF/);
    expect(inspectFd(keep(openSpecial('/dev/null', { writable: true }))).access).toBe('read-write');
    expect(() => openSpecial('/nonexistent/x', { name: 'dev' })).toThrow(/open ENOENT \/nonexistent\/x \(socket "dev"\)/);
  });

  it('netlink: family and multicast group, address read back', () => {
    const fd = keep(openSocket({ family: 'netlink', type: 'raw', protocol: 15, groups: 1 }, 'uevent'));
    const info = inspectFd(fd);
    expect(info).toMatchObject({ kind: 'socket', family: 'netlink', type: 'raw', protocol: 15, netlinkGroups: 1, cloexec: true });
    expect(info.netlinkPortId).toBeGreaterThan(0);
  });
});

describe('probeUnixPath', () => {
  it.each(['stream', 'dgram', 'seqpacket'] as const)('%s: live while held, stale once closed, absent when gone', (type) => {
    const path = join(dir(), `${type}.sock`);
    expect(probeUnixPath(path, type)).toBe('absent');
    const fd = openSocket({ family: 'unix', type, path });
    expect(probeUnixPath(path, type)).toBe('live');
    closeFd(fd);
    expect(probeUnixPath(path, type)).toBe('stale');
    writeFileSync(join(dir(), 'f'), '');
  });

  it('a regular file is not a socket', () => {
    const d = dir();
    writeFileSync(join(d, 'f'), '');
    expect(probeUnixPath(join(d, 'f'), 'stream')).toBe('not-socket');
  });

  it('a node listener counts as live', async () => {
    const path = join(dir(), 'node.sock');
    const server = net.createServer().listen(path);
    await new Promise((r) => server.once('listening', r));
    expect(probeUnixPath(path, 'stream')).toBe('live');
    await new Promise((r) => server.close(r));
  });
});

const PY_MQ_SEND = `
import ctypes, os, sys
rt = ctypes.CDLL("librt.so.1", use_errno=True)
rt.mq_open.restype = ctypes.c_int
q = rt.mq_open(sys.argv[1].encode(), os.O_WRONLY)
assert q >= 0, os.strerror(ctypes.get_errno())
for m in sys.argv[2:]:
    assert rt.mq_send(q, m.encode(), len(m), 0) == 0, os.strerror(ctypes.get_errno())
`;

