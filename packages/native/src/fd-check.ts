/**
 * Is this fd what its user expects? One family of checks, as sd_is_socket(3), sd_is_socket_inet(3),
 * sd_is_socket_unix(3), sd_is_fifo(3), sd_is_special(3) and sd_is_mq(3) answer it, with a sentence saying why
 * not: `a non-listening inet stream socket on 127.0.0.1:8080; expected a listening socket`. The holder checks fds
 * it adopts from systemd with it; the adapter checks the fds a worker inherits.
 */
import { statSync } from 'node:fs';
import { inspectFd } from './fd.js';
import { messageQueueAttributes } from './special.js';
import type { FdInfo, SocketFamily, SocketType } from './types.js';

/** A family the check accepts: one, several, or 'inet-any' (inet or inet6, as sd_is_socket_inet with AF_UNSPEC). */
export type FamilyExpectation = SocketFamily | 'inet-any' | readonly SocketFamily[];

/** What an fd must be. Unset fields are not checked; any socket field implies `kind: 'socket'`. */
export interface FdExpectation {
  /** 'special': a regular file or character device (sd_is_special); 'mqueue': a POSIX message queue (sd_is_mq). */
  kind?: 'socket' | 'fifo' | 'special' | 'mqueue';
  family?: FamilyExpectation;
  type?: SocketType;
  /** SO_ACCEPTCONN (stream and seqpacket sockets). */
  listening?: boolean;
  /** inet/inet6: the bound port. */
  port?: number;
  /** unix socket: the bound path ('@name' abstract, '' unnamed); fifo/special: the same inode as this path. */
  path?: string;
}

const an = (word: string): string => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;

/** `a listening inet stream socket on 127.0.0.1:8080`, `an inet6 dgram socket on [::1]:53`, `a fifo`. */
export function describeFd(info: FdInfo): string {
  if (info.kind !== 'socket') return an(info.kind);
  const connected = info.type === 'stream' || info.type === 'seqpacket';
  const state = connected && info.listening !== undefined ? (info.listening ? 'listening ' : 'non-listening ') : '';
  const host = info.family === 'inet6' ? `[${info.address}]` : info.address;
  const where = info.port !== undefined ? ` on ${host}:${info.port}` : info.family === 'unix' ? ` on ${info.path || '(unnamed)'}` : '';
  return `${an(`${state}${info.family ?? 'other'}`)} ${info.type ?? 'other'} socket${where}`;
}

function families(f: FamilyExpectation): readonly string[] {
  return f === 'inet-any' ? ['inet', 'inet6'] : typeof f === 'string' ? [f] : f;
}

function orList(words: readonly string[]): string {
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function impliedKind(want: FdExpectation): FdExpectation['kind'] {
  if (want.kind) return want.kind;
  return want.family || want.type || want.listening !== undefined || want.port !== undefined || want.path !== undefined ? 'socket' : undefined;
}

/** `a listening inet, inet6 or unix stream socket`: the whole expectation in words. */
export function describeExpectation(want: FdExpectation): string {
  const kind = impliedKind(want);
  if (kind === 'fifo') return 'a FIFO';
  if (kind === 'special') return 'a special file or character device';
  if (kind === 'mqueue') return 'a POSIX message queue';
  const words = [
    want.listening === undefined ? '' : want.listening ? 'listening' : 'non-listening',
    want.family ? orList(families(want.family)) : '',
    want.type ?? '',
    'socket',
  ].filter(Boolean).join(' ');
  const where = want.port !== undefined ? ` on port ${want.port}` : want.path !== undefined ? ` on ${want.path}` : '';
  return `${an(words)}${where}`;
}

function sameInode(info: FdInfo, path: string): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return st !== undefined && st.ino === info.ino && st.dev === info.dev;
}

/**
 * Why fd `fd` is not what `want` says (`a fifo; expected a socket`: it reads after "fd 3 is "), or undefined
 * when it is. Checks in
 * sd_is_*'s order: kind, type, listening, family, then port or path; the first failure is named.
 * @param info inspectFd(fd) when the caller already has it.
 * @returns `not open (EBADF)` when the fd cannot be inspected.
 */
export function fdMismatch(fd: number, want: FdExpectation, info?: FdInfo): string | undefined {
  if (!info) {
    try { info = inspectFd(fd); } catch (err) { return `not open (${(err as NodeJS.ErrnoException).code})`; }
  }
  const fail = (expected: string) => `${describeFd(info!)}; expected ${expected}`;
  const kind = impliedKind(want);
  if (kind === 'mqueue') return messageQueueAttributes(fd) ? undefined : fail('a POSIX message queue');
  if (kind === 'fifo' || kind === 'special') {
    const ok = kind === 'fifo' ? info.kind === 'fifo' : info.kind === 'file' || info.kind === 'char';
    if (!ok) return fail(describeExpectation({ kind }));
    if (want.path !== undefined && !sameInode(info, want.path)) return fail(`${describeExpectation({ kind })} at ${want.path}`);
    return undefined;
  }
  if (kind !== 'socket') return undefined;
  if (info.kind !== 'socket') return fail('a socket');
  if (want.type && info.type !== want.type) return fail(`a ${want.type} socket`);
  if (want.listening !== undefined && info.listening !== want.listening) return fail(want.listening ? 'a listening socket' : 'a socket that is not listening');
  if (want.family && !families(want.family).includes(info.family ?? 'other')) return fail(an(`${orList(families(want.family))} socket`));
  if (want.port !== undefined && info.port !== want.port) return fail(`a socket on port ${want.port}`);
  if (want.path !== undefined && info.path !== want.path) return fail(`a socket on ${want.path}`);
  return undefined;
}

/** sd_is_socket(3): a socket of this family, type and listening state (each optional). */
export function isSocket(fd: number, want: Pick<FdExpectation, 'family' | 'type' | 'listening'> = {}): boolean {
  return fdMismatch(fd, { ...want, kind: 'socket' }) === undefined;
}

/** sd_is_socket_inet(3): an inet or inet6 socket (or the one family given), optionally on `port`. */
export function isSocketInet(fd: number, want: { family?: 'inet' | 'inet6'; type?: SocketType; listening?: boolean; port?: number } = {}): boolean {
  return fdMismatch(fd, { ...want, kind: 'socket', family: want.family ?? 'inet-any' }) === undefined;
}

/** sd_is_socket_unix(3): an AF_UNIX socket, optionally bound to `path` ('@name' abstract, '' unnamed). */
export function isSocketUnix(fd: number, want: { type?: SocketType; listening?: boolean; path?: string } = {}): boolean {
  return fdMismatch(fd, { ...want, kind: 'socket', family: 'unix' }) === undefined;
}

/** sd_is_fifo(3): a FIFO, optionally the one at `path`. */
export function isFifo(fd: number, path?: string): boolean {
  return fdMismatch(fd, { kind: 'fifo', ...(path === undefined ? {} : { path }) }) === undefined;
}

/** sd_is_special(3): a regular file or character device, optionally the one at `path`. */
export function isSpecial(fd: number, path?: string): boolean {
  return fdMismatch(fd, { kind: 'special', ...(path === undefined ? {} : { path }) }) === undefined;
}

/** sd_is_mq(3): a POSIX message queue. */
export function isMessageQueue(fd: number): boolean {
  return fdMismatch(fd, { kind: 'mqueue' }) === undefined;
}
