import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { childPids } from './proc-stat.js';

/**
 * What a worker does with sockets, read from /proc (proc(5): /proc/<pid>/fd, /proc/<pid>/net/tcp and tcp6,
 * /proc/<pid>/task/<tid>/children). Used twice, each time once per worker and never on a timer:
 * - after READY=1 (once the generation it replaced has drained), to warn when a worker listens on a TCP port of
 *   its own instead of the held socket, reading only the listening head of the table (tcpListeners)
 *   (Invariant 2: a worker that binds the address itself is a bug; every reload then fails with EADDRINUSE);
 * - at the drain deadline, to count the connections the SIGKILL is about to cut.
 * Every function returns an empty answer (or null) for a process that is gone or unreadable.
 */

/** One row of /proc/net/tcp{,6}: local address, port, TCP state (0x01 ESTABLISHED, 0x0A LISTEN), socket inode. */
export interface TcpRow { address: string; port: number; state: number; inode: number }

const TCP_ESTABLISHED = 0x01;
const TCP_LISTEN = 0x0a;

/** `pid` and its descendants (from /proc/<pid>/task/<tid>/children, Linux >= 3.5), at most `max` processes. */
export function processTree(pid: number, max = 64): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && out.length < max) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...childPids(p));
  }
  return out;
}

/** Inodes of the sockets `pid` has open (`socket:[INODE]` links in /proc/<pid>/fd). */
export function socketInodes(pid: number | 'self'): Set<number> {
  const out = new Set<number>();
  let fds: string[] = [];
  try { fds = readdirSync(`/proc/${pid}/fd`); } catch { return out; }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/** Inode of one of our own fds, if it is a socket. */
export function socketInodeOfFd(fd: number): number | null {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

function ipv4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

function ipv6(hex: string): string {
  // Four 32-bit words, each in host (little-endian) byte order.
  const bytes: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(word.slice(b * 2, b * 2 + 2));
  }
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(Number.parseInt(bytes[i] + bytes[i + 1], 16).toString(16));
  return `[${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}]`;
}

function parseRow(line: string, fmt: (hex: string) => string): TcpRow | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 10) return undefined;
  const [addr, port] = f[1]!.split(':');
  return { address: fmt(addr!), port: Number.parseInt(port!, 16), state: Number.parseInt(f[3]!, 16), inode: Number(f[9]) };
}

const TABLES = [['tcp', ipv4], ['tcp6', ipv6]] as const;

/** The TCP sockets of `pid`'s network namespace (/proc/<pid>/net/tcp and tcp6). Costs time in proportion to every
 * TCP socket of the namespace (tens of ms with thousands of connections): only at a drain deadline. */
export function tcpTable(pid: number): TcpRow[] {
  const rows: TcpRow[] = [];
  for (const [file, fmt] of TABLES) {
    let text = '';
    try { text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const row = parseRow(line, fmt);
      if (row) rows.push(row);
    }
  }
  return rows;
}

/** Bytes read from /proc/<pid>/net/tcp at a time while looking for listening sockets. */
const LISTEN_READ_BYTES = 16 * 1024;

/**
 * The listening TCP sockets of `pid`'s network namespace. The kernel lists the listening sockets first (its
 * listening hash, then the established one: net/ipv4/tcp_ipv4.c), and produces /proc/net/tcp as it is read, so the
 * read stops at the first row in another state: its cost no longer grows with the number of connections (a full
 * read blocked the holder ~100 ms during a hand-over with a few thousand connections on the machine).
 */
export function tcpListeners(pid: number): TcpRow[] {
  const rows: TcpRow[] = [];
  const buf = Buffer.alloc(LISTEN_READ_BYTES);
  for (const [file, fmt] of TABLES) {
    let fd: number;
    try { fd = openSync(`/proc/${pid}/net/${file}`, 'r'); } catch { continue; }
    try {
      let rest = '';
      let header = true;
      read: for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        const lines = (rest + buf.toString('latin1', 0, n)).split('\n');
        rest = lines.pop()!;
        for (const line of lines) {
          if (header) { header = false; continue; }
          const row = parseRow(line, fmt);
          if (!row) continue;
          if (row.state !== TCP_LISTEN) break read;
          rows.push(row);
        }
      }
    } catch { /* gone */ } finally {
      closeSync(fd);
    }
  }
  return rows;
}

/**
 * TCP listening sockets the processes in `pids` hold that are not among `heldInodes` (the holder's own
 * sockets, which workers share): each as `tcp://ADDRESS:PORT`.
 */
export function ownListeners(pids: number[], heldInodes: Set<number>): string[] {
  if (pids.length === 0) return [];
  const mine = new Set<number>();
  for (const p of pids) for (const i of socketInodes(p)) if (!heldInodes.has(i)) mine.add(i);
  if (mine.size === 0) return [];
  return tcpListeners(pids[0]!).filter((r) => mine.has(r.inode)).map((r) => `tcp://${r.address}:${r.port}`);
}

/**
 * Established TCP connections the processes in `pids` hold whose local port is one of `ports` (connections
 * accepted on the held sockets), or null when nothing could be read.
 */
export function acceptedConnections(pids: number[], ports: Set<number>): number | null {
  if (pids.length === 0 || ports.size === 0) return null;
  const inodes = new Set<number>();
  for (const p of pids) for (const i of socketInodes(p)) inodes.add(i);
  if (inodes.size === 0) return null;
  return tcpTable(pids[0]).filter((r) => r.state === TCP_ESTABLISHED && ports.has(r.port) && inodes.has(r.inode)).length;
}
