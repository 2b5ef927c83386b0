/**
 * Which kind of target serve() got, and which inherited fd (LISTEN_FDS) it attaches.
 */
import type * as dgram from 'node:dgram';
import type * as http2 from 'node:http2';
import * as net from 'node:net';
import { HoldfastAdapterError } from './errors.js';
import type { ListenFd } from './listen-fds.js';
import { loadNative, type FdExpectation, type FdInfo } from './native.js';
import { isAttached } from './readiness.js';
import type { TargetKind } from './drain-types.js';
import type { FastifyLike } from './http-drain.js';

export function isHttp2(target: unknown): target is http2.Http2Server | http2.Http2SecureServer {
  // node:http2 does not export its server classes.
  const name = (target as { constructor?: { name?: string } } | null)?.constructor?.name;
  return target instanceof net.Server && (name === 'Http2Server' || name === 'Http2SecureServer');
}

export function isFastify(target: unknown): target is FastifyLike {
  const t = target as Partial<FastifyLike> | null;
  return typeof t === 'object' && t !== null && t.server instanceof net.Server && typeof t.ready === 'function' && typeof t.close === 'function';
}

/** What an fd must be to serve the target: a dgram socket of the socket's family, or a listening stream socket. */
export function expectationFor(kind: TargetKind, target: unknown): FdExpectation {
  if (kind === 'dgram') {
    return { kind: 'socket', type: 'dgram', family: (target as dgram.Socket & { type?: string }).type === 'udp6' ? 'inet6' : 'inet' };
  }
  return { kind: 'socket', type: 'stream', listening: true, family: ['inet', 'inet6', 'unix'] };
}

export const describe = (info: FdInfo): string => loadNative().describeFd(info);
export const unsuitable = (kind: TargetKind, target: unknown, l: ListenFd): string | undefined => loadNative().fdMismatch(l.fd, expectationFor(kind, target), l.info);

export function pick(kind: TargetKind, target: unknown, inherited: ListenFd[], name: string | undefined): ListenFd {
  const list = inherited.map((l) => `${l.name}=fd ${l.fd} (${describe(l.info)})`).join(', ');
  let chosen: ListenFd | undefined;
  if (name !== undefined) {
    const named = inherited.filter((l) => l.name === name);
    chosen = named.find((l) => !isAttached(l.fd)) ?? named[0];
    if (!chosen) throw new HoldfastAdapterError('ERR_HOLDFAST_NO_LISTEN_FD', `no inherited fd named "${name}" for the ${kind} target; inherited: ${list}`, { hint: 'check the socket names given to the holder (LISTEN_FDNAMES)' });
  } else if (inherited.length === 1) {
    chosen = inherited[0]!;
  } else {
    chosen = inherited.find((l) => !isAttached(l.fd) && unsuitable(kind, target, l) === undefined);
    if (!chosen) throw new HoldfastAdapterError('ERR_HOLDFAST_NO_LISTEN_FD', `no unattached inherited fd suits the ${kind} target (expected ${loadNative().describeExpectation(expectationFor(kind, target))}); inherited: ${list}`, { hint: 'pass options.name' });
  }
  if (isAttached(chosen.fd)) {
    throw new HoldfastAdapterError('ERR_HOLDFAST_FD_IN_USE', `inherited fd "${chosen.name}" (fd ${chosen.fd}) is already served by an earlier serve() call; expected one serve() per fd`);
  }
  const why = unsuitable(kind, target, chosen);
  if (why) {
    const want = loadNative().describeExpectation(expectationFor(kind, target));
    throw new HoldfastAdapterError('ERR_HOLDFAST_FD_MISMATCH', `inherited fd "${chosen.name}" (fd ${chosen.fd}) is ${describe(chosen.info)}; the ${kind} target expects ${want}`);
  }
  return chosen;
}
