import { chownSync, lstatSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  closeFd, fdMismatch, inspectFd, openFifo, openMessageQueue, openSocket, openSpecial, probeUnixPath,
  setCloexec, unlinkMessageQueue, type FdExpectation, type OpenSocketOptions,
} from '@holdfast/native';
import { HoldfastError } from './errors.js';
import { describeOpen, describeSpec, type HeldKind, type SocketSpec } from './socket-spec.js';
import { closeUnclaimed, inheritedByName } from './systemd-peer.js';

/** A socket (or FIFO, queue, special file) the holder owns for its whole life, with what the kernel says it is. */
export interface HeldSocket {
  name: string;
  /** The spec as configured. */
  spec: string;
  kind: HeldKind;
  /** The holder's own fd (close-on-exec; handed to each worker at 3 + index). */
  fd: number;
  /** The bound address, e.g. `tcp://127.0.0.1:41234` (port 0 resolved), `fifo:/run/app.fifo`. */
  bound: string;
  /** Where the fd came from: opened by this holder, or adopted from LISTEN_FDS (systemd, its fd store, systemd-socket-activate). */
  origin: 'opened' | 'inherited';
  /**
   * What the final stop removes: a socket file or FIFO (only while the path still has this inode), or a message
   * queue. Unset for abstract sockets, special files, adopted fds and `remove-on-stop=false`.
   */
  cleanup?: { path: string; ino: number } | { queue: string };
  /** Set once the holder's copy is closed (releaseSockets() at the start of the stop's drain): `fd` is no longer ours. */
  closed?: boolean;
}

/** Resolve a user or group name (or numeric id) through /etc/passwd or /etc/group. */
function resolveId(value: string, db: '/etc/passwd' | '/etc/group', spec: SocketSpec): number {
  if (/^\d+$/.test(value)) return Number(value);
  let text = '';
  try { text = readFileSync(db, 'utf8'); } catch { /* no database */ }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === value && /^\d+$/.test(f[2] ?? '')) return Number(f[2]);
  }
  throw new HoldfastError('ERR_HOLDFAST_SOCKET_OPEN', `cannot open socket "${spec.name}" (${spec.spec}): no ${db === '/etc/passwd' ? 'user' : 'group'} named ${JSON.stringify(value)} in ${db}`);
}

/** mkdir -p the parent of a socket file or FIFO with DirectoryMode= (default 0755), as systemd does. */
function makeParent(path: string, mode = 0o755): void {
  mkdirSync(dirname(path), { recursive: true, mode });
}

/**
 * A leftover socket file nobody listens on is removed; a live one is EADDRINUSE with a clear message (never steal
 * a running service's address); any other kind of file is left alone for bind() to report.
 */
function clearStaleUnixPath(s: SocketSpec, open: OpenSocketOptions): void {
  const path = open.path!;
  const state = probeUnixPath(path, open.type as 'stream' | 'dgram' | 'seqpacket');
  if (state === 'stale') {
    unlinkSync(path);
  } else if (state === 'live') {
    const err = Object.assign(new Error(`bind EADDRINUSE ${path} (socket "${s.name}")`), { code: 'EADDRINUSE', errno: -98, syscall: 'bind', address: path });
    throw new HoldfastError('ERR_HOLDFAST_SOCKET_OPEN',
      `cannot open socket "${s.name}" (${s.spec}): ${path} is in use: a running process is ${open.type === 'dgram' ? 'bound' : 'listening'} on it (EADDRINUSE)`,
      { cause: err, hint: 'Stop the other service first, or choose another path; holdfast replaces only socket files nobody listens on.' });
  }
}

function wrapOpen(s: SocketSpec, err: unknown): HoldfastError {
  if (err instanceof HoldfastError) return err;
  const e = err as NodeJS.ErrnoException;
  return new HoldfastError('ERR_HOLDFAST_SOCKET_OPEN', `cannot open socket "${s.name}" (${s.spec}): ${e.message}`, { cause: err });
}

function chownIfAsked(s: SocketSpec, path: string): void {
  if (s.user === undefined && s.group === undefined) return;
  const uid = s.user === undefined ? -1 : resolveId(s.user, '/etc/passwd', s);
  const gid = s.group === undefined ? -1 : resolveId(s.group, '/etc/group', s);
  chownSync(path, uid, gid);
}

/** Opens one spec; pushes the result onto `held` as soon as the fd exists (so a later failure closes it). */
function openOne(s: SocketSpec, held: HeldSocket[]): void {
  const push = (fd: number, bound: string, cleanup?: HeldSocket['cleanup']) => {
    held.push({ name: s.name, spec: s.spec, kind: s.kind, fd, bound, origin: 'opened', ...(cleanup && s.removeOnStop ? { cleanup } : {}) });
  };
  if (s.kind === 'socket') {
    const open: OpenSocketOptions = { ...s.open! };
    // ReceiveBuffer=/SendBuffer= as systemd sets them: the force variants when privileged (not capped by rmem_max).
    if ((open.receiveBuffer !== undefined || open.sendBuffer !== undefined) && process.geteuid?.() === 0) open.forceBuffers = true;
    const path = open.family === 'unix' && !open.path!.startsWith('@') ? open.path! : undefined;
    if (path) {
      makeParent(path, s.directoryMode);
      clearStaleUnixPath(s, open);
    }
    const fd = openSocket(open, s.name);
    const info = inspectFd(fd);
    const bound = open.family === 'inet' || open.family === 'inet6' ? describeOpen({ ...open, port: info.port }) : describeOpen(open);
    push(fd, bound, path ? { path, ino: lstatSync(path).ino } : undefined);
    if (path) chownIfAsked(s, path);
    return;
  }
  if (s.kind === 'fifo') {
    makeParent(s.path!, s.directoryMode);
    const { fd } = openFifo(s.path!, { mode: s.mode, name: s.name });
    push(fd, describeSpec(s), { path: s.path!, ino: lstatSync(s.path!).ino });
    chownIfAsked(s, s.path!);
    return;
  }
  if (s.kind === 'mqueue') {
    const fd = openMessageQueue(s.path!, { mode: s.mode, maxMessages: s.maxMessages, messageSize: s.messageSize, socketName: s.name });
    push(fd, describeSpec(s), { queue: s.path! });
    return;
  }
  push(openSpecial(s.path!, { writable: s.writable, name: s.name }), describeSpec(s));
}

/**
 * What an fd adopted for `s` must be, for fdMismatch() of @holdfast/native (sd_is_socket(3) and its friends):
 * a listening socket of the spec's family and type on its port or path; a FIFO; a message queue; a special file.
 */
export function expectationFor(s: SocketSpec): FdExpectation {
  if (s.kind !== 'socket') return { kind: s.kind };
  const o = s.open!;
  const connected = o.type === 'stream' || o.type === 'seqpacket';
  return {
    kind: 'socket',
    family: o.family,
    // netlink sockets are raw or dgram alike (netlink(7)).
    ...(o.family === 'netlink' ? {} : { type: o.type }),
    ...(connected ? { listening: true } : {}),
    ...((o.family === 'inet' || o.family === 'inet6') && o.port ? { port: o.port } : {}),
    // A relative path was resolved against the cwd of whoever bound it: only the kernel's view is known.
    ...(o.family === 'unix' && !o.path!.startsWith('.') ? { path: o.path! } : {}),
  };
}

/** Describes an adopted fd for status (the kernel's view: port resolved, path as bound). */
function describeInherited(s: SocketSpec, fd: number): string {
  const info = inspectFd(fd);
  if (s.kind !== 'socket') return describeSpec(s);
  if (info.family === 'inet' || info.family === 'inet6') return describeOpen({ ...s.open!, family: info.family, host: info.address, port: info.port });
  return describeOpen(s.open!);
}

/**
 * The address a spec binds, normalised (kind, socket type, numeric host, port; or the path), so that two specs
 * naming it differently compare equal; undefined when the kernel picks it (port 0) or it is not an address (netlink).
 */
export function addressKey(s: SocketSpec): string | undefined {
  if (s.kind !== 'socket') return s.path === undefined ? undefined : `${s.kind}:${s.path}`;
  const o = s.open;
  if (!o) return undefined;
  if (o.family === 'unix') return o.path === undefined ? undefined : `unix-${o.type}:${o.path}`;
  if (o.family !== 'inet' && o.family !== 'inet6') return undefined;
  if (!o.port || o.host === undefined) return undefined;
  let host = o.host.toLowerCase();
  if (o.family === 'inet6') {
    try { host = new URL(`http://[${host}]/`).hostname; } catch { host = `[${host}]`; }
  }
  const scheme = o.type === 'stream' ? 'tcp' : o.type === 'dgram' ? 'udp' : o.type;
  return `${scheme}://${host}:${o.port}`;
}

const WILDCARD: Record<string, string> = { inet: '0.0.0.0', inet6: '::' };

/**
 * Why `wide` and `narrow` cannot both be bound, when `wide` listens on a wildcard address (0.0.0.0, or :: ) and
 * `narrow` on a specific address of the same family (or, for :: without v6only, of IPv4 too) on the same port and
 * protocol: the kernel refuses the second bind with EADDRINUSE, which would blame another process. Else undefined.
 */
function overlapOf(wide: SocketSpec, narrow: SocketSpec): string | undefined {
  const w = wide.kind === 'socket' ? wide.open : undefined;
  const n = narrow.kind === 'socket' ? narrow.open : undefined;
  if (!w || !n || !w.port || w.port !== n.port || w.type !== n.type || w.host === undefined || n.host === undefined) return undefined;
  if (w.family !== 'inet' && w.family !== 'inet6') return undefined;
  if (w.host.toLowerCase() !== WILDCARD[w.family] && !(w.family === 'inet6' && w.host === '0:0:0:0:0:0:0:0')) return undefined;
  const sameFamily = n.family === w.family && addressKey(narrow) !== addressKey(wide);
  const dualStack = w.family === 'inet6' && w.v6only === false && n.family === 'inet';
  if (!sameFamily && !dualStack) return undefined;
  return `--listen ${wide.name}=${wide.spec} and --listen ${narrow.name}=${narrow.spec} overlap: ${wide.spec} already takes port ${w.port} `
    + `on every ${dualStack ? 'IPv4 and IPv6' : w.family === 'inet' ? 'IPv4' : 'IPv6'} address, so the holder could not bind the other (EADDRINUSE); keep one of them`;
}

/**
 * Open every socket once (Invariant 1: the holder keeps these fds for its whole life; workers get copies).
 * `inherited` maps socket names to fds this process was given (LISTEN_FDS from systemd, its fd store or
 * systemd-socket-activate): those are adopted instead of opened, after checking they are what the spec says.
 * Default: this process's own LISTEN_FDS (systemd-peer.ts, read once); inherited fds no spec names are closed.
 * All or nothing: if one fails, the ones already opened are closed again (inherited fds are left open).
 * @returns the sockets in spec order (worker fd = 3 + index).
 * @throws HoldfastError ERR_HOLDFAST_DUPLICATE_SOCKET, ERR_HOLDFAST_SOCKET_OPEN (cause: the Node-shaped errno error),
 *   ERR_HOLDFAST_INHERITED_FD (an inherited fd of that name is not what the spec says).
 */
export async function openSockets(specs: SocketSpec[], inherited?: ReadonlyMap<string, number>): Promise<HeldSocket[]> {
  const fromEnv = inherited === undefined;
  inherited ??= inheritedByName();
  const seen = new Set<string>();
  const byAddress = new Map<string, SocketSpec>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new HoldfastError('ERR_HOLDFAST_DUPLICATE_SOCKET', `socket name "${s.name}" is given twice`);
    seen.add(s.name);
    const key = addressKey(s);
    const first = key === undefined ? undefined : byAddress.get(key);
    if (first) {
      throw new HoldfastError('ERR_HOLDFAST_DUPLICATE_SOCKET',
        `--listen ${first.name}=${first.spec} and --listen ${s.name}=${s.spec} are the same address (${key}): the holder would bind it twice; keep one NAME for it`);
    }
    if (key !== undefined) byAddress.set(key, s);
    const wider = specs.slice(0, specs.indexOf(s)).map((other) => overlapOf(other, s) ?? overlapOf(s, other)).find(Boolean);
    if (wider) throw new HoldfastError('ERR_HOLDFAST_DUPLICATE_SOCKET', wider);
  }
  for (const s of specs) {
    const fd = inherited.get(s.name);
    if (fd === undefined) continue;
    const why = fdMismatch(fd, expectationFor(s));
    if (why) throw new HoldfastError('ERR_HOLDFAST_INHERITED_FD', `inherited fd "${s.name}" does not match --listen ${s.name}=${s.spec}: fd ${fd} is ${why}`);
  }
  const held: HeldSocket[] = [];
  try {
    for (const s of specs) {
      const fd = inherited.get(s.name);
      if (fd !== undefined) {
        setCloexec(fd, true); // Invariant 6: the holder's own copy never leaks into a child by accident.
        held.push({ name: s.name, spec: s.spec, kind: s.kind, fd, bound: describeInherited(s, fd), origin: 'inherited' });
        continue;
      }
      try {
        openOne(s, held);
      } catch (err) {
        throw wrapOpen(s, err);
      }
    }
  } catch (err) {
    closeSockets(held.filter((h) => h.origin === 'opened'), { unlink: true });
    throw err;
  }
  if (fromEnv) closeUnclaimed(held);
  return held;
}

/**
 * The stop's drain begins (never a reload): close the holder's copy of every socket, listening stream and seqpacket
 * sockets and datagram sockets alike, just before the workers are told to drain. The workers' copies keep the
 * socket open while they still accept; the moment the last one closes (its drain stops accepting) the kernel
 * refuses new connections (ECONNREFUSED) and answers datagrams with ICMP port unreachable, instead of queueing
 * connections nobody will accept and datagrams nobody will read until the holder's final close resets or drops
 * them. A socket adopted from systemd (LISTEN_FDS) or deposited in its fd store stays open in systemd, which is
 * right: connections wait for the next start there. FIFOs, message queues and special files are not sockets and
 * are closed at the final stop (closeSockets()), as are paths unlinked. Each released fd is marked `closed`, so
 * that nothing closes its number again once the kernel reuses it.
 * @returns the sockets released now.
 */
export function releaseSockets(held: HeldSocket[]): HeldSocket[] {
  const released: HeldSocket[] = [];
  for (const h of held) {
    if (h.kind !== 'socket' || h.closed) continue;
    try { closeFd(h.fd); } catch { /* already closed */ }
    h.closed = true;
    released.push(h);
  }
  return released;
}

/**
 * Close the holder's copies (those releaseSockets() has not closed already). With `unlink`, remove each socket file or FIFO, but only while it is still our own
 * (same inode: a newer holder may already have replaced it), and each message queue we opened. Workers never
 * unlink anything: they only ever see the fd.
 */
export function closeSockets(held: HeldSocket[], opts: { unlink: boolean }): void {
  for (const h of held) {
    if (!h.closed) {
      try {
        closeFd(h.fd);
      } catch { /* already closed */ }
      h.closed = true;
    }
    if (!opts.unlink || !h.cleanup) continue;
    try {
      if ('queue' in h.cleanup) unlinkMessageQueue(h.cleanup.queue);
      else if (lstatSync(h.cleanup.path).ino === h.cleanup.ino) unlinkSync(h.cleanup.path);
    } catch { /* gone already */ }
  }
}
