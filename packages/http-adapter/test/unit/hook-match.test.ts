// The register hook reads listen()/bind() arguments as Node does and matches them against the held sockets.
import { describe, expect, it } from 'vitest';
import { readBind, readListen } from '../../src/hook-args.js';
import { hookSettings, hookWanted } from '../../src/hook-env.js';
import { matchHeld, nodeAddress, type HeldSocket } from '../../src/hook-held.js';

const cb = () => {};

describe('readListen: the address an app asks for, as lib/net.js reads it', () => {
  it.each([
    [[3000], { transport: 'tcp', port: 3000 }],
    [['3000'], { transport: 'tcp', port: 3000 }],
    [[3000, '127.0.0.1', 511, cb], { transport: 'tcp', port: 3000, host: '127.0.0.1' }],
    [[{ port: 3000, host: 'localhost' }], { transport: 'tcp', port: 3000, host: 'localhost' }],
    [[], { transport: 'tcp', port: 0 }],
    [[cb], { transport: 'tcp', port: 0 }],
    [['/run/app.sock', cb], { transport: 'unix', path: '/run/app.sock' }],
    [[{ path: '\0abstract' }], { transport: 'unix', path: '\0abstract' }],
  ])('%j -> %j', (args, want) => {
    expect(readListen(args as unknown[]).want).toEqual(want);
  });

  it('passes fds and handles through (serve() itself listens with { fd })', () => {
    expect(readListen([{ fd: 3 }, 4096]).want).toBeUndefined();
    expect(readListen([{ handle: {} }]).want).toBeUndefined();
  });

  it('keeps the callback Node would add as a listening listener', () => {
    expect(readListen([3000, cb]).callback).toBe(cb);
    expect(readListen([3000]).callback).toBeUndefined();
  });
});

describe('readBind: dgram', () => {
  it.each([
    [[5353], { transport: 'udp', port: 5353 }],
    [[5353, '0.0.0.0', cb], { transport: 'udp', port: 5353, host: '0.0.0.0' }],
    [[{ port: 5353, address: '::1' }], { transport: 'udp', port: 5353, host: '::1' }],
    [[], { transport: 'udp', port: 0 }],
  ])('%j -> %j', (args, want) => {
    expect(readBind(args as unknown[]).want).toEqual(want);
  });
  it('passes { fd } through', () => expect(readBind([{ fd: 3 }]).want).toBeUndefined());
});

const tcp = (fd: number, name: string, address: string, port: number, claimed = false): HeldSocket =>
  ({ fd, name, transport: 'tcp', claimed, info: { kind: 'socket', family: address.includes(':') ? 'inet6' : 'inet', type: 'stream', listening: true, address, port, cloexec: false } }) as HeldSocket;
const unix = (fd: number, path: string): HeldSocket =>
  ({ fd, name: 'sock', transport: 'unix', claimed: false, info: { kind: 'socket', family: 'unix', type: 'stream', listening: true, path, cloexec: false } }) as HeldSocket;

describe('matchHeld', () => {
  const http = tcp(3, 'http', '127.0.0.1', 3000);
  const admin = tcp(4, 'admin', '127.0.0.1', 3001);

  it('same port and host, then the same port on another host', () => {
    expect(matchHeld([http, admin], { transport: 'tcp', port: 3001, host: '127.0.0.1' })).toBe(admin);
    expect(matchHeld([http, admin], { transport: 'tcp', port: 3000, host: 'localhost' })).toBe(http);
    expect(matchHeld([http, admin], { transport: 'tcp', port: 3000 })).toBe(http);
  });

  it('any non-zero port only when exactly one TCP socket is held and free', () => {
    expect(matchHeld([http], { transport: 'tcp', port: 8080 })).toBe(http);
    expect(matchHeld([http, admin], { transport: 'tcp', port: 8080 })).toBeUndefined();
    expect(matchHeld([tcp(3, 'http', '127.0.0.1', 3000, true)], { transport: 'tcp', port: 8080 })).toBeUndefined();
    expect(matchHeld([http], { transport: 'tcp', port: 0 })).toBeUndefined();
    expect(matchHeld([http], { transport: 'udp', port: 3000 })).toBeUndefined();
  });

  it('a same-port match already taken is returned, so that the caller reports EADDRINUSE', () => {
    const taken = tcp(3, 'http', '127.0.0.1', 3000, true);
    expect(matchHeld([taken], { transport: 'tcp', port: 3000, host: '::1' })).toBe(taken);
  });

  it('unix sockets by path, abstract names included', () => {
    const s = unix(3, '@app');
    expect(matchHeld([s], { transport: 'unix', path: '\0app' })).toBe(s);
    expect(matchHeld([s], { transport: 'unix', path: '/tmp/other.sock' })).toBeUndefined();
    expect(nodeAddress(s)).toBe('\0app');
  });

  it('server.address() of a held TCP socket', () => {
    expect(nodeAddress(http)).toEqual({ address: '127.0.0.1', family: 'IPv4', port: 3000 });
  });
});

describe('hook environment', () => {
  it('does nothing without LISTEN_FDS and NOTIFY_SOCKET', () => {
    expect(hookWanted({})).toBe(false);
    expect(hookWanted({ NOTIFY_SOCKET: '@x' })).toBe(true);
    expect(hookWanted({ LISTEN_FDS: '1' })).toBe(true);
  });
  it('reads its switches and the held backlogs', () => {
    expect(hookSettings({ HOLDFAST_STRICT: '1', HOLDFAST_WAIT_READY: '1', HOLDFAST_WRAPPER: '1', HOLDFAST_LISTEN_BACKLOGS: '128::4096', HOLDFAST_DRAIN_TIMEOUT_MS: '5000' }))
      .toEqual({ strict: true, waitReady: true, wrapper: true, backlogs: [128, undefined, 4096], drainTimeoutMs: 5000 });
    expect(hookSettings({})).toEqual({ strict: false, waitReady: false, wrapper: false, backlogs: [undefined], drainTimeoutMs: undefined });
  });
});
