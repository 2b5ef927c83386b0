/**
 * The sockets the holder holds, as the register hook sees them before the app runs: read from LISTEN_* without
 * consuming them (the adapter's listenFds() removes them from the environment only when a socket is claimed, so
 * a wrapper such as npm that never listens passes them on to the server it starts), and matched against the
 * addresses an unmodified app asks for.
 */
import { readFileSync } from 'node:fs';
import { ENV, loadNative, SD_LISTEN_FDS_START, type FdInfo } from './native.js';

/** One inherited socket the hook can hand to a listen() or bind() call. */
export interface HeldSocket {
  fd: number;
  /** LISTEN_FDNAMES entry ('unknown' when missing). */
  name: string;
  /** 'tcp' (inet/inet6 listening stream), 'unix' (listening unix stream), 'udp' (inet/inet6 dgram). */
  transport: 'tcp' | 'unix' | 'udp';
  info: FdInfo;
  /** Set once a server or socket of this process took it. */
  claimed: boolean;
  /** The port the app's listen()/bind() asked for when that differs from the held socket's (the only-socket rule). */
  claimedFromPort?: number;
}

/** How this process relates to LISTEN_PID. */
export type Adoption = 'self' | 'ancestor' | 'none';

/** Parent pid of `pid` from /proc/<pid>/stat (0 when unknown). */
function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) || 0;
  } catch {
    return 0;
  }
}

/** Whether `pid` is an ancestor of this process (walks /proc up to init, at most 64 levels). */
export function isAncestor(pid: number): boolean {
  let p = process.ppid;
  for (let i = 0; i < 64 && p > 1; i++) {
    if (p === pid) return true;
    p = parentOf(p);
  }
  return false;
}

/**
 * Whether the fds are this process's: LISTEN_PID is our pid (sd_listen_fds(3)), or — only when the holder says it
 * started a wrapper (HOLDFAST_WRAPPER=1) — LISTEN_PID names an ancestor (npm → sh → node).
 */
export function adoption(env: NodeJS.ProcessEnv, wrapper: boolean): Adoption {
  if (!env[ENV.LISTEN_FDS]) return 'none';
  const pid = Number(env[ENV.LISTEN_PID]);
  if (!Number.isInteger(pid) || pid <= 0) return 'none';
  if (pid === process.pid) return 'self';
  return wrapper && isAncestor(pid) ? 'ancestor' : 'none';
}

function transportOf(info: FdInfo): HeldSocket['transport'] | undefined {
  if (info.kind !== 'socket') return undefined;
  const inet = info.family === 'inet' || info.family === 'inet6';
  if (info.type === 'stream' && info.listening) return inet ? 'tcp' : info.family === 'unix' ? 'unix' : undefined;
  if (info.type === 'dgram' && inet) return 'udp';
  return undefined;
}

/**
 * The sockets listen()/bind() can use (TCP, unix stream, UDP), inspected without changing anything. FIFOs,
 * message queues and other kinds stay for listenFds(). An fd that cannot be inspected is skipped.
 */
export function peekHeld(env: NodeJS.ProcessEnv): HeldSocket[] {
  const count = Number(env[ENV.LISTEN_FDS]);
  if (!Number.isInteger(count) || count <= 0) return [];
  const names = (env[ENV.LISTEN_FDNAMES] ?? '').split(':');
  const native = loadNative(`LISTEN_FDS=${count} (inherited sockets)`);
  const out: HeldSocket[] = [];
  for (let i = 0; i < count; i++) {
    const fd = SD_LISTEN_FDS_START + i;
    let info: FdInfo;
    try {
      info = native.inspectFd(fd);
    } catch {
      continue;
    }
    const transport = transportOf(info);
    if (transport) out.push({ fd, name: names[i] || 'unknown', transport, info, claimed: false });
  }
  return out;
}

/** What an app asked for: a TCP port (host optional), a unix path, or a UDP port. */
export type Wanted = { transport: 'tcp' | 'udp'; port: number; host?: string } | { transport: 'unix'; path: string };

const ANY = new Set(['', '0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/**
 * The held socket for `want`, or undefined: a unix socket on the same path; a TCP/UDP socket on the same port
 * and host (unspecified host = any), else on the same port and any other host; else, for a non-zero port, the
 * only socket of that transport when exactly one is held and it is not taken yet. A same-port match may be a
 * socket already taken (the caller reports the conflict as EADDRINUSE).
 */
export function matchHeld(held: HeldSocket[], want: Wanted): HeldSocket | undefined {
  if (want.transport === 'unix') {
    const path = want.path.startsWith('\0') ? `@${want.path.slice(1)}` : want.path;
    return held.find((h) => h.transport === 'unix' && h.info.path === path);
  }
  const same = held.filter((h) => h.transport === want.transport && h.info.port === want.port && want.port !== 0);
  const host = want.host ?? '';
  const exact = same.find((h) => h.info.address === host || (ANY.has(host) && ANY.has(h.info.address ?? '')));
  if (exact) return exact;
  const samePort = same.find((h) => !h.claimed) ?? same[0];
  if (samePort) return samePort;
  if (want.port === 0) return undefined;
  const ofTransport = held.filter((h) => h.transport === want.transport);
  return ofTransport.length === 1 && !ofTransport[0]!.claimed ? ofTransport[0] : undefined;
}

/** 'tcp://127.0.0.1:3000', 'tcp://[::]:3000', 'unix:/run/app.sock', 'udp://0.0.0.0:5353'. */
export function heldAddress(h: HeldSocket): string {
  if (h.transport === 'unix') return `unix:${h.info.path}`;
  const host = h.info.family === 'inet6' ? `[${h.info.address}]` : h.info.address;
  return `${h.transport}://${host}:${h.info.port}`;
}

/** What server.address() / socket.address() return for a held socket (a string for unix sockets, as Node does). */
export function nodeAddress(h: HeldSocket): string | { address: string; family: string; port: number } {
  if (h.transport === 'unix') return h.info.path!.startsWith('@') ? `\0${h.info.path!.slice(1)}` : h.info.path!;
  return { address: h.info.address!, family: h.info.family === 'inet6' ? 'IPv6' : 'IPv4', port: h.info.port! };
}
