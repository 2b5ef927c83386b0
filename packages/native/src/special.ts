/**
 * The non-socket kinds a systemd `.socket` unit can hold (systemd.socket(5)): FIFOs (ListenFIFO=),
 * POSIX message queues (ListenMessageQueue=) and special files / character devices (ListenSpecial=), plus
 * the probe that tells a leftover unix socket file from a live one. Every fd is close-on-exec (invariant 6).
 */
import { closeSync, constants as fsc, lstatSync, openSync, unlinkSync } from 'node:fs';
import { native, type RawMqAttr } from './binding.js';
import { check, invalidArg, systemError } from './errors.js';
import { encodeUnixAddress } from './unix-address.js';

const C = native.constants;

function assertMode(where: string, mode: unknown): asserts mode is number {
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw invalidArg(where, 'mode', mode, 'an integer 0..0o7777');
  }
}

function assertPath(where: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0')) {
    throw invalidArg(where, 'path', path, 'an absolute filesystem path');
  }
}

/**
 * Opens a FIFO as systemd's ListenFIFO= does: mkfifo(3) with `mode` if the path does not exist (an existing
 * FIFO is reused; anything else there is EEXIST), then open(2) O_RDWR|O_NONBLOCK|O_NOCTTY|O_NOFOLLOW|O_CLOEXEC.
 * Read-write, so the FIFO always has a writer and a reader: writers never block or get SIGPIPE while no worker
 * reads, and data written in a gap waits in the pipe buffer (64 KiB by default) for the next worker.
 * @returns `{ fd, created }`; `created` is true when this call made the FIFO (the caller may remove it on stop).
 * @throws a Node-shaped system error (syscall 'mkfifo' | 'open'; EEXIST when the path is not a FIFO).
 */
export function openFifo(path: string, opts: { mode?: number; name?: string } = {}): { fd: number; created: boolean } {
  assertPath('openFifo', path);
  const mode = opts.mode ?? 0o666;
  assertMode('openFifo', mode);
  const target = { address: path, name: opts.name };
  let created = false;
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st && !st.isFIFO()) throw systemError(-17 /* EEXIST */, 'mkfifo', target);
  if (!st) {
    const oldMask = process.umask(~mode & 0o777);
    try {
      check(native.mkfifo(path, mode), 'mkfifo', target);
    } finally {
      process.umask(oldMask);
    }
    created = true;
  }
  try {
    // libuv adds O_CLOEXEC to every open.
    return { fd: openSync(path, fsc.O_RDWR | fsc.O_NONBLOCK | fsc.O_NOCTTY | fsc.O_NOFOLLOW), created };
  } catch (err) {
    if (created) try { unlinkSync(path); } catch { /* gone */ }
    const e = err as NodeJS.ErrnoException;
    throw systemError(e.errno ?? -5, 'open', target);
  }
}

/**
 * Opens a special file or character device as systemd's ListenSpecial= does: open(2)
 * O_RDONLY (O_RDWR with `writable`, as Writable=yes) |O_NOCTTY|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC. Never creates.
 * @throws a Node-shaped system error (syscall 'open').
 */
export function openSpecial(path: string, opts: { writable?: boolean; name?: string } = {}): number {
  assertPath('openSpecial', path);
  try {
    return openSync(path, (opts.writable ? fsc.O_RDWR : fsc.O_RDONLY) | fsc.O_NOCTTY | fsc.O_NONBLOCK | fsc.O_NOFOLLOW);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw systemError(e.errno ?? -5, 'open', { address: path, name: opts.name });
  }
}

function assertQueueName(where: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !/^\/[^/\0]{1,254}$/.test(name)) {
    throw invalidArg(where, 'name', name, "a message queue name like '/app' (one leading slash, no other, at most 255 bytes)");
  }
}

/**
 * Opens (creating if needed) a POSIX message queue as systemd's ListenMessageQueue= does: mq_open(3)
 * O_RDWR|O_CREAT|O_NONBLOCK with `mode` and, when both are given, mq_maxmsg/mq_msgsize
 * (MessageQueueMaxMessages=, MessageQueueMessageSize=). On Linux the descriptor is an fd; it is close-on-exec.
 * Messages sent while no worker reads stay in the queue (up to maxmsg).
 * @param socketName the holder's name for it, quoted in errors.
 * @throws a Node-shaped system error (syscall 'mq_open').
 */
export function openMessageQueue(name: string, opts: { mode?: number; maxMessages?: number; messageSize?: number; socketName?: string } = {}): number {
  assertQueueName('openMessageQueue', name);
  const mode = opts.mode ?? 0o666;
  assertMode('openMessageQueue', mode);
  for (const key of ['maxMessages', 'messageSize'] as const) {
    const v = opts[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 0x7fffffff)) throw invalidArg('openMessageQueue', key, v, 'a positive integer');
  }
  if ((opts.maxMessages === undefined) !== (opts.messageSize === undefined)) {
    throw invalidArg('openMessageQueue', 'maxMessages', opts.maxMessages, 'given together with messageSize (mq_open takes both or neither)');
  }
  return check(native.mqOpen(name, C.O_RDWR | C.O_CREAT | C.O_NONBLOCK, mode, opts.maxMessages ?? 0, opts.messageSize ?? 0),
    'mq_open', { address: name, name: opts.socketName });
}

/** mq_unlink(3). Returns false if the queue did not exist. @throws system error (syscall 'mq_unlink'). */
export function unlinkMessageQueue(name: string): boolean {
  assertQueueName('unlinkMessageQueue', name);
  const r = native.mqUnlink(name);
  if (r === -2 /* ENOENT */) return false;
  check(r, 'mq_unlink', { address: name });
  return true;
}

/** mq_getattr(3) of a queue fd, or null when the fd is not a message queue (sd_is_mq(3)). */
export function messageQueueAttributes(fd: number): { maxMessages: number; messageSize: number; currentMessages: number; nonblocking: boolean } | null {
  const r = native.mqGetattr(fd);
  if (typeof r === 'number') return null;
  const a = r as RawMqAttr;
  return { maxMessages: a.maxmsg, messageSize: a.msgsize, currentMessages: a.curmsgs, nonblocking: (a.flags & C.O_NONBLOCK) !== 0 };
}

/**
 * Is something listening (stream, seqpacket) or bound (dgram) on the unix socket file at `path`?
 * connect(2)s a throwaway socket of `type`: 'live' on success (or EAGAIN: a full accept queue is still a
 * listener), 'stale' on ECONNREFUSED (a leftover file nobody owns), 'absent' on ENOENT; 'not-socket' when
 * something other than a socket is there. Other errors (EACCES, EPROTOTYPE: a socket of another type) are
 * 'live', so that nothing is removed that might be in use.
 */
export function probeUnixPath(path: string, type: 'stream' | 'dgram' | 'seqpacket'): 'live' | 'stale' | 'absent' | 'not-socket' {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return 'absent';
  if (!st.isSocket()) return 'not-socket';
  const addr = encodeUnixAddress('probeUnixPath', 'path', path);
  const types = { stream: C.SOCK_STREAM, dgram: C.SOCK_DGRAM, seqpacket: C.SOCK_SEQPACKET };
  const fd = check(native.socket(C.AF_UNIX, types[type], true), 'socket', { address: path });
  try {
    const r = native.connectUnix(fd, addr);
    if (r === -111 /* ECONNREFUSED */) return 'stale';
    if (r === -2 /* ENOENT */) return 'absent';
    return 'live';
  } finally {
    native.close(fd);
  }
}

