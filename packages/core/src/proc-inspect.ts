import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { procStat } from './proc-stat.js';

/**
 * What /proc (proc(5)) tells the holder about a worker that failed to get ready. Read only on failure, never on
 * the hot path; every function returns an empty answer for a process that is gone or not readable.
 */

/** Live pids whose process group is `pgid` (the worker leads its group: holdfast-exec's setpgid). */
export function processGroup(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return out; }
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    const st = procStat(Number(d));
    if (st && st.pgrp === pgid && st.state !== 'Z') out.push(Number(d));
  }
  return out;
}

/**
 * Inodes of the files `pid` waits on for input through epoll (its event loop's interest list): each
 * `anon_inode:[eventpoll]` fd's fdinfo lists `tfd: N events: MASK ... ino:HEX` per registered file, and EPOLLIN
 * (0x1) in MASK means it waits to read or accept. libuv (Node), Go, Python asyncio, tokio all wait this way.
 */
export function polledInodes(pid: number): Set<number> {
  const out = new Set<number>();
  let fds: string[];
  try { fds = readdirSync(`/proc/${pid}/fd`); } catch { return out; }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:[eventpoll]') continue;
      for (const m of readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').matchAll(/^tfd:\s*\d+\s+events:\s*([0-9a-f]+).*?\bino:([0-9a-f]+)/gm)) {
        if (parseInt(m[1], 16) & 0x1) out.add(parseInt(m[2], 16));
      }
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/** Is `pid` a node:cluster worker (Node sets NODE_UNIQUE_ID in the environment of every cluster.fork())? */
export function isClusterWorker(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').some((e) => e.startsWith('NODE_UNIQUE_ID='));
  } catch {
    return false;
  }
}
