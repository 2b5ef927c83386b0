import { readdirSync, readFileSync } from 'node:fs';

/** Fields of /proc/<pid>/stat (proc(5)): state (R, S, D, Z, ...), parent pid, process group id, session id. */
export interface ProcStat { state: string; ppid: number; pgrp: number; session: number }

/**
 * State, parent pid and process group of a process from /proc/<pid>/stat (proc(5)), or null if it is gone. The
 * command name in field 2 may contain spaces and parentheses, so fields are counted from the last ')'.
 */
export function procStat(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]) };
  } catch {
    return null;
  }
}

/**
 * Every process below `root` in the process tree, read from /proc/<pid>/stat at this moment: its children, their
 * children and so on (a parent's pid is its current one: an orphan counts below the subreaper it was reparented
 * to). Subtrees under a pid `prune` says true for are left out (they are accounted elsewhere). Zombies included.
 */
export function descendants(root: number, prune: (pid: number) => boolean = () => false): (ProcStat & { pid: number })[] {
  const byParent = new Map<number, (ProcStat & { pid: number })[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = procStat(Number(d));
    if (!st) continue;
    const list = byParent.get(st.ppid) ?? [];
    list.push({ pid: Number(d), ...st });
    byParent.set(st.ppid, list);
  }
  const out: (ProcStat & { pid: number })[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const p of byParent.get(queue.shift()!) ?? []) {
      if (p.pid === root || prune(p.pid)) continue;
      out.push(p);
      queue.push(p.pid);
    }
  }
  return out;
}
